"""`tui-inkasso dunning-run`, `dunning-levels`, `reprint`, `block`/`unblock`: JSON, text, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.common import run, run_json
from tests.ledger_data import TODAY, SmallLedger, small
from tui_inkasso.db.models import DunningNotice, DunningRun

ROOT = Path(__file__).resolve().parent.parent
DUE_ON_TODAY = ["2026002", "2026003", "2026005", "2026008", "2026101", "2026301"]
"""What the small ledger has due on its business date (see tests/ledger_data.py): reminders for the
overdue ones, demands for those with a reminder; not the blocked customer's, the collection case's,
nor the one at the last level."""


__all__ = ["small"]  # the fixture, imported for pytest


def test_dry_run_lists_and_writes_nothing(small: SmallLedger, sqlite_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, sqlite_url, "dunning-run", "--dry-run")
    assert data["dry_run"] is True and data["run_date"] == TODAY
    assert sorted(n["invoice"] for n in data["notices"]) == DUE_ON_TODAY
    levels = {n["invoice"]: (n["level"], n["fee"]) for n in data["notices"]}
    # No contract on these invoices: no reminder fee; the demand fee is 180 kr.
    assert levels["2026002"] == (1, "0.00") and levels["2026005"] == (2, "180.00")
    assert data["fees"] == "360.00" and data["problems"] == []
    assert DunningNotice.select().count() == 6 and DunningRun.select().count() == 0
    code, out, _ = run(capsys, sqlite_url, "dunning-run", "--dry-run")
    assert code == 0 and "6 brev skulle skickas 2026-11-28" in out and "provkörning" in out


def test_run_json_then_nothing_new(small: SmallLedger, sqlite_url: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, sqlite_url, "dunning-run", "--out", str(tmp_path / "brev"),
                    "--leave-out", "2026301")
    assert sorted(n["invoice"] for n in data["notices"]) == sorted(set(DUE_ON_TODAY) - {"2026301"})
    assert all(set(n) >= {"invoice", "level", "fee"} for n in data["notices"])
    assert data["left_out"] == ["2026301"] and data["count"] == 5 and data["fees"] == "360.00"
    assert Path(data["pdf"]).is_file() and Path(data["pdf"]).parent == tmp_path / "brev"
    again = run_json(capsys, sqlite_url, "dunning-run", "--out", str(tmp_path / "brev"), "--customer", "K1001")
    assert again["notices"] == [] and again["pdf"] is None and again["run_id"] is None
    code, out, _ = run(capsys, sqlite_url, "dunning-run", "--out", str(tmp_path / "brev"), "--customer", "K1001")
    assert code == 0 and "Inget att skicka 2026-11-28" in out


def test_selection_and_date_options(small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, sqlite_url, "dunning-run", "--dry-run", "--customer", "K1002")
    assert [n["invoice"] for n in data["notices"]] == ["2026101"]
    early = run_json(capsys, sqlite_url, "dunning-run", "--dry-run", "--date", "2026-11-11", "--kind", "rent")
    assert "2026002" not in [n["invoice"] for n in early["notices"]]  # due Sat 31 Oct, +10 from Mon 2 Nov


def test_errors_are_one_clear_line(small: SmallLedger, sqlite_url: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, sqlite_url, "dunning-run", "--leave-out", "999999")
    assert code == 2 and out == "" and err.count("\n") == 1 and "999999" in err
    code, _, err = run(capsys, sqlite_url, "dunning-run", "--customer", "K9999")
    assert code == 2 and "okänd kund: K9999" in err
    blocker = tmp_path / "fil"
    blocker.write_text("x")
    code, _, err = run(capsys, sqlite_url, "dunning-run", "--out", str(blocker))
    assert code == 1 and "inget har registrerats" in err
    assert DunningRun.select().count() == 0


def test_levels_show_and_set(small: SmallLedger, sqlite_url: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    shown = run_json(capsys, sqlite_url, "dunning-levels", "show")
    assert [(lv["level"], lv["name"], lv["fee"], lv["kind"]) for lv in shown["levels"]] == [
        (1, "Påminnelse", "60.00", "reminder"), (2, "Krav 1", "180.00", "collection_demand")]
    shown["levels"].append({"level": 3, "name": "Krav 2", "days": 14, "fee": "0", "deadline_days": 10,
                            "letter_text": "Sista påminnelse före inkasso."})
    file = tmp_path / "levels.json"
    file.write_text(json.dumps(shown, ensure_ascii=False))
    saved = run_json(capsys, sqlite_url, "dunning-levels", "set", str(file))
    assert [lv["name"] for lv in saved["levels"]] == ["Påminnelse", "Krav 1", "Krav 2"]
    code, out, _ = run(capsys, sqlite_url, "dunning-levels")
    assert code == 0 and "3. Krav 2" in out
    file.write_text('{"levels": [{"level": 1, "name": "P", "days": 10, "fee": "60,001", "deadline_days": 10}]}')
    code, _, err = run(capsys, sqlite_url, "dunning-levels", "set", str(file))
    assert code == 2 and "levels.json: nivå 1: fältet fee" in err
    file.write_text('{"levels": [{"level": 1, "name": "P", "days": 10, "fee": "60", "deadline_days": 5}]}')
    code, _, err = run(capsys, sqlite_url, "dunning-levels", "set", str(file))
    assert code == 1 and "betalningstiden är 5 dagar; minst 8" in err
    file.write_text("{oops")
    code, _, err = run(capsys, sqlite_url, "dunning-levels", "set", str(file))
    assert code == 2 and "levels.json: rad 1, kolumn 2: ogiltig JSON" in err


def test_reprint_and_blocks(small: SmallLedger, sqlite_url: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, sqlite_url, "dunning-run", "--out", str(tmp_path / "brev"))
    text = run_json(capsys, sqlite_url, "reprint", "2026005", "--text")
    assert text["level"] == 2 and not text["rebuilt"] and "Krav 1 avseende faktura 2026005" in text["text"]
    pdf = run_json(capsys, sqlite_url, "reprint", "2026005", "--level", "2", "--out", str(tmp_path / "k.pdf"))
    assert pdf["pdf"] == str(tmp_path / "k.pdf") and (tmp_path / "k.pdf").read_bytes().startswith(b"%PDF")
    # The reminder of 2026005 came from the import (no stored letter): rebuilt, and said so.
    old = run_json(capsys, sqlite_url, "reprint", "2026005", "--level", "1", "--text")
    assert old["rebuilt"] and old["text"].startswith("OBS: brevet sparades inte")
    code, _, err = run(capsys, sqlite_url, "reprint", "2026005", "--print")
    assert code == 1 and "Ingen skrivare är inställd" in err
    code, _, err = run(capsys, sqlite_url, "reprint", "2026001")
    assert code == 2 and "ingen påminnelse" in err
    blocked = run_json(capsys, sqlite_url, "block", "invoice", "2026102", "--reason", "Reklamation")
    assert (blocked["blocked"], blocked["reason"], blocked["by"]) == (True, "Reklamation", "testare")
    code, out, _ = run(capsys, sqlite_url, "unblock", "customer", "K1003")
    assert code == 0 and "K1003 har inte längre någon kravspärr" in out
    code, _, err = run(capsys, sqlite_url, "unblock", "customer", "K1003")
    assert code == 1 and "ingen kravspärr" in err
    code, _, err = run(capsys, sqlite_url, "block", "customer", "K9999", "--reason", "x")
    assert code == 2 and "K9999" in err


def test_the_commands_never_import_textual() -> None:
    code = ("import sys, tui_inkasso.cli.dunning_cmd, tui_inkasso.services.dunning_blocks, "
            "tui_inkasso.services.dunning_levels, tui_inkasso.services.dunning_reprint, "
            "tui_inkasso.services.dunning_run, tui_inkasso.services.dunning_candidates; "
            "assert 'textual' not in sys.modules, 'textual imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
