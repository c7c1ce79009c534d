"""`tui-inkasso arrears` and `tui-inkasso socialnamnd` in-process: the JSON shapes scripts rely on,
the messages, and a termination run killed mid-way in a process of its own (nothing lost)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.arrears_data import DAY, ArrearsLedger, arrears_sqlite, pay
from tests.common import run, run_json
from tui_inkasso.db.models import Property, Socialnamnd, Termination, TerminationFile
from tui_inkasso.services import arrears_files
from tui_inkasso.services.startup import recover_at_start

__all__ = ["arrears_sqlite"]  # the fixture, imported for pytest

ROOT = Path(__file__).resolve().parent.parent


def test_list_terminate_serve_receive_show_and_summary(arrears_sqlite: ArrearsLedger, sqlite_url: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, sqlite_url, "arrears", "list", "--date", DAY.isoformat())
    assert listed["date"] == "2026-12-08"
    assert [c["contract"] for c in listed["contracts"]] == ["H-DWELL-LATE", "H-PREM-LATE", "H-MALMO"]
    first = listed["contracts"][0]
    assert {k: first[k] for k in ("contract", "customer", "object", "premises", "owed")} == {
        "contract": "H-DWELL-LATE", "customer": "K1", "object": "1001-0101", "premises": "dwelling",
        "owed": "18518.25"}
    assert first["overdue"][1] == {"invoice": arrears_sqlite.invoices["late"].number, "due_date": "2026-11-30",
                                   "days_late": 8, "balance": "12345.50", "paid": "0.00"}
    assert listed["contracts"][1]["premises"] == "premises"

    refused = run(capsys, sqlite_url, "arrears", "terminate", "H-MALMO", "--yes")
    assert refused[0] == 1 and "H-MALMO: socialnämnden i Malmö saknar adress" in refused[2]
    asked = run(capsys, sqlite_url, "arrears", "terminate", "H-DWELL-LATE", "--json")
    assert asked[0] == 2 and "bekräfta med --yes" in asked[2]
    made = run_json(capsys, sqlite_url, "arrears", "terminate", "H-DWELL-LATE", "H-PREM-LATE", "--yes")
    assert made["contracts"] == [
        {"contract": "H-DWELL-LATE", "recovery_amount": "18518.25", "socialnamnd": "Uppsala", "premises": "dwelling"},
        {"contract": "H-PREM-LATE", "recovery_amount": "12345.50", "socialnamnd": None, "premises": "premises"}]
    assert Path(made["letters_pdf"]).exists()
    assert [n["municipality"] for n in made["socialnamnd_pdfs"]] == ["Uppsala"]

    shown = run_json(capsys, sqlite_url, "arrears", "show", "H-DWELL-LATE")
    assert {k: shown[k] for k in ("contract", "state", "last_day_to_recover", "recovery_amount",
                                  "paid_since_termination")} == {
        "contract": "H-DWELL-LATE", "state": "waiting_for_service", "last_day_to_recover": None,
        "recovery_amount": "18518.25", "paid_since_termination": "0.00"}
    served = run_json(capsys, sqlite_url, "arrears", "served", "H-DWELL-LATE", "--date", "2026-12-08",
                      "--how", "receipt")
    assert served["state"] == "waiting_for_service" and served["served_how"] == "receipt"
    received = run_json(capsys, sqlite_url, "arrears", "socialnamnd-received", "H-DWELL-LATE", "--date", "2026-12-08")
    assert (received["state"], received["last_day_to_recover"]) == ("recovery_running", "2026-12-29")
    pay(arrears_sqlite.invoice("late"), 500_00, DAY)
    later = run_json(capsys, sqlite_url, "arrears", "show", "H-DWELL-LATE", "--date", "2027-01-04")
    assert (later["state"], later["paid_since_termination"]) == ("not_recovered", "500.00")
    summary = run_json(capsys, sqlite_url, "arrears", "summary", "H-DWELL-LATE", "--date", "2027-01-04",
                       "--out", str(arrears_sqlite.out / "underlag.pdf"))
    assert summary["recovery_amount"] == "18518.25" and summary["paid_in_time"] == "500.00"
    assert summary["eviction_from"] == "2027-01-05" and Path(summary["file"]).exists()
    assert summary["tenant"]["name"] == "Hyresgäst K1" and summary["rents"][0]["amount"] == "6172.75"
    code, _out, err = run(capsys, sqlite_url, "arrears", "summary", "H-PREM-LATE")
    assert code == 2 and "Väntar på delgivning" in err
    code, out, _err = run(capsys, sqlite_url, "arrears", "terminations")
    assert code == 0 and "2 uppsagda hyresavtal." in out
    with pytest.raises(SystemExit):
        run(capsys, sqlite_url, "arrears", "served", "H-PREM-LATE", "--date", "2026-12-08", "--how", "duva")
    assert "ogiltigt val: 'duva'" in capsys.readouterr().err


def test_the_register_of_socialnamnder(arrears_sqlite: ArrearsLedger, sqlite_url: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    listed = run_json(capsys, sqlite_url, "socialnamnd", "list")
    assert [(m["municipality"], m["registered"], m["properties"]) for m in listed["municipalities"]] == [
        ("Malmö", False, 1), ("Uppsala", True, 1)]
    done = run_json(capsys, sqlite_url, "socialnamnd", "set", "malmö kommun", "--address",
                    "Socialtjänsten, Box 9, 205 80 Malmö")
    assert done["address"] == ["Socialtjänsten", "Box 9", "205 80 Malmö"] and done["municipality"] == "Malmö"
    code, _out, err = run(capsys, sqlite_url, "socialnamnd", "set", "Lund", "--address", "Box 9")
    assert code == 2 and "saknar postnummer" in err
    good = tmp_path / "namnder.csv"
    good.write_text("kommun;adress;e-post\nLund;Socialförvaltningen, 221 00 Lund;soc@lund.example.se\n"
                    "Uppsala;Socialförvaltningen, Box 1234, 751 04 Uppsala\n", encoding="utf-8")
    imported = run_json(capsys, sqlite_url, "socialnamnd", "import", str(good))
    assert (imported["new"], imported["changed"], imported["unchanged"]) == (1, 0, 1)
    bad = tmp_path / "fel.csv"
    bad.write_text("kommun;adress\nKiruna;Box 1, 981 85 Kiruna\nGävle;Box 2\n", encoding="cp1252")
    code, _out, err = run(capsys, sqlite_url, "socialnamnd", "import", str(bad))
    assert code == 2 and "fel.csv: rad 3, kolumn adress: adressens sista rad 'Box 2' saknar postnummer" in err
    assert not Socialnamnd.select().where(Socialnamnd.municipality == "Kiruna").exists(), "all or nothing"
    moved = run_json(capsys, sqlite_url, "socialnamnd", "property", "2001", "Lund")
    assert moved["municipality"] == "Lund" and Property.get(Property.code == "2001").municipality == "Lund"
    size = run_json(capsys, sqlite_url, "arrears", "size", "2001-0101", "--rooms", "3 rum och kök", "--area", "70")
    assert size["size"] == "3 rum och kök, 70 m²"


@pytest.mark.parametrize("step", ["arrears-before-commit", "arrears-after-commit"])
def test_a_run_killed_mid_way_loses_nothing(arrears_sqlite: ArrearsLedger, sqlite_url: str, step: str) -> None:
    folder = arrears_files.output_folder()
    worker = subprocess.run(
        [sys.executable, "-m", "tests.arrears_worker", sqlite_url, DAY.isoformat(), "H-DWELL-LATE", "H-PREM-LATE"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TUI_INKASSO_CRASH_AT": step})
    assert worker.returncode == 137, worker.stderr
    files = list(TerminationFile.select())
    if step == "arrears-before-commit":
        assert Termination.select().count() == 0 and files == []
        assert [p.name for p in folder.iterdir()] == [arrears_files.PENDING_DIR], "only the hidden staging folder"
        assert arrears_files.recover() == [] and not (folder / arrears_files.PENDING_DIR).exists()
    else:
        assert Termination.select().count() == 2 and len(files) == 2
        assert not any(Path(f.path).exists() for f in files), "committed, not yet published"
        notes = recover_at_start()  # as the app, the daemon and every command do at start
        assert [n.title for n in notes] == ["Uppsägningar", "Uppsägningar"]
        assert all("flyttades på plats" in n.text for n in notes)
        assert all(Path(f.path).exists() for f in files)
        assert arrears_files.recover() == []
