"""`tui-inkasso collect` and `tui-inkasso cases`: JSON, text, confirmation and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.collection_data import READY, TODAY, CollectionLedger, collection_on_business_day
from tests.common import run, run_json
from tui_inkasso.db.models import CollectionCase, Invoice


@pytest.fixture
def ledger(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CollectionLedger:
    return collection_on_business_day(monkeypatch, tmp_path)


def test_collect_json_names_the_file_and_the_cases(ledger: CollectionLedger, sqlite_url: str,
                                                   capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = run_json(capsys, sqlite_url, "collect", "--system", "intrum", "--yes", "--exclude", "3002",
                    "--reason", "Betalplan")
    assert data["system"] == "intrum" and data["date"] == TODAY and data["excluded"] == ["3002"]
    assert Path(data["file"]).parent == tmp_path / "ut" and len(data["files"]) == 2
    first = data["cases"][0]
    assert (first["case"], first["customer"], first["owner"]) == ("INT-2026-000001", "K1001", "BAB")
    assert first["invoices"][0] == {"number": "3001", "balance": "8450.00", "fees": "240.00",
                                    "interest": first["invoices"][0]["interest"], "debt_type": "17"}
    assert [i["number"] for i in first["invoices"]] == ["3001", "3007"]
    assert first["invoices"][1]["balance"] == "5450.00"
    assert data["count_cases"] == 5 and data["count_invoices"] == 6
    assert Invoice.get(Invoice.number == "3002").excluded_reason == "Betalplan"
    again = run_json(capsys, sqlite_url, "collect", "--system", "intrum", "--yes")
    assert again["cases"] == [] and again["file"] is None, "nothing is sent twice"


def test_collect_without_yes_asks_and_without_a_terminal_refuses(ledger: CollectionLedger, sqlite_url: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, sqlite_url, "collect", "--system", "svea")
    assert code == 2 and out == ""
    assert "skulle skapa: 7 fakturor (saldo 29\u00a0400,00 kr" in err and "5 inkassoärenden (Svea Inkasso)" in err
    assert "bekräfta med --yes" in err
    assert CollectionCase.select().count() == 1 and Invoice.get(Invoice.number == "3002").excluded_at is None


def test_collect_excel_to_a_file_name_and_text_output(ledger: CollectionLedger, sqlite_url: str,
                                                      capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "ark.xlsx"
    code, out, err = run(capsys, sqlite_url, "collect", "--system", "none", "--yes", "--out", str(target),
                         "--owner", "BAB")
    assert code == 0, err
    assert "3 inkassoärenden med 5 fakturor skapade (Excelfil)" in out and str(target) in out
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert sorted(r[6] for r in rows[1:]) == ["3001", "3002", "3003", "3004", "3007"]
    code, _, err = run(capsys, sqlite_url, "collect", "--system", "none", "--yes", "--out", str(target),
                       "--owner", "FAB")
    assert code == 1 and "filen finns redan" in err
    assert Invoice.get(Invoice.number == "3005").collection_case is None


def test_cases_commands(ledger: CollectionLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, sqlite_url, "collect", "--system", "inhouse", "--yes")
    listing = run_json(capsys, sqlite_url, "cases", "list", "--system", "inhouse", "--text", "anna")
    assert [c["case"] for c in listing["cases"]] == ["IK-2026-000002", "IK-2026-000001"]
    case = listing["cases"][0]
    assert case["invoices"] == 3 and case["status"] == "registrerat" and case["capital"] == "14850.00"
    status = run_json(capsys, sqlite_url, "cases", "status", "IK-2026-000002", "avbetalningsplan",
                      "--note", "500 kr i månaden")
    assert status["status"] == "avbetalningsplan"
    run_json(capsys, sqlite_url, "cases", "note", "IK-2026-000002", "Ringt kunden")
    # The whole claim: capital 950,00, the letters' fees 240,00, interest to the handover 15,36.
    paid = run_json(capsys, sqlite_url, "cases", "pay", "IK-2026-000002", "3002", "1205,36", "--method", "bankgiro")
    assert paid["invoice_amount"] == "1205.36" and paid["excess"] == "0.00"
    closed = run_json(capsys, sqlite_url, "cases", "close", "IK-2026-000002", "--reason", "Uppgörelse")
    assert closed["status"] == "avslutat" and closed["closed_at"]
    shown = run_json(capsys, sqlite_url, "cases", "show", "IK-2026-000002")
    assert [e["kind"] for e in shown["events"]] == ["created", "status", "note", "payment", "closed"]
    lines = {i["number"]: i for i in shown["invoice_lines"]}
    assert lines["3002"]["balance"] == "0.00" and lines["3002"]["claimed"] == "950.00"
    assert lines["3002"]["charges"] == "0.00" and lines["3007"]["charges"] != "0.00"
    payments = {p["invoice"]: p for p in shown["payments"]}
    assert payments["3007"]["after_case"] is False and payments["3002"]["correction"] is True
    code, out, _ = run(capsys, sqlite_url, "cases", "show", "IK-2026-000002")
    assert code == 0 and "före ärendet" in out and "saldokorrigering" in out
    code, out, _ = run(capsys, sqlite_url, "cases")
    assert code == 0 and out.count("\n") == 6
    code, _, err = run(capsys, sqlite_url, "cases", "show", "IK-1999-000001")
    assert code == 2 and "finns inte" in err
    code, _, err = run(capsys, sqlite_url, "cases", "status", "IK-2026-000003", "betald")
    assert code == 1 and "okänd status 'betald'" in err
    for typed in ("hos Kronofogden", "registrerat", "Hos Kronofogden", "registrerat", "HOS  KRONOFOGDEN"):
        moved = run_json(capsys, sqlite_url, "cases", "status", "IK-2026-000003", typed)
        assert moved["status"] == ("registrerat" if typed == "registrerat" else "hos Kronofogden"), typed
    assert sorted(i.number for i in Invoice.select().where(Invoice.collection_case.is_null(False))) == sorted(
        [*READY, "3011"])


def test_the_collection_core_never_imports_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, tui_inkasso.cli.collect_cmd, tui_inkasso.services.collection_run, "
            "tui_inkasso.services.collection_export, tui_inkasso.services.collection_exclusion, "
            "tui_inkasso.services.case_register;"
            "assert 'textual' not in sys.modules, 'textual imported by the collection core'")
    subprocess.run([sys.executable, "-c", code], check=True)
