"""`tui-inkasso invoice NUMBER`: text and JSON, errors, and no Textual on the way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ledger_data import TODAY, SmallLedger, small
from tui_inkasso.cli import main

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["small"]  # the fixture, imported for pytest


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_promised_keys_and_amount_strings(
    small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "--db", sqlite_url, "invoice", small.invoices["collection"], "--json")
    assert code == 0, err
    state = json.loads(out)
    assert out.count("\n") == 1, "exactly one JSON object on one line"
    for key in ("number", "kind", "customer", "amount", "balance", "status", "dunning_level", "collection_case",
                "payments"):
        assert key in state
    assert state["amount"] == "9125.50" and state["balance"] == "6125.50"
    assert state["customer"]["number"] == "K1001"
    assert state["status"] == "collection" and state["dunning_level"] == 2
    assert state["collection_case"]["number"] == small.case_number
    assert [(p["date"], p["amount"], p["method"]) for p in state["payments"]] == [
        ("2026-11-10", "1000.00", "bankgiro"),
        ("2026-11-20", "2000.00", "inkasso"),
    ]


def test_text_output_in_swedish(small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--db", sqlite_url, "invoice", small.invoices["excluded"])
    assert code == 0
    assert "Faktura 2026008" in out
    assert "Status: Undantagen" in out
    assert "Undantagen från inkasso: Tvist om hyresnivå" in out


def test_ocr_is_accepted_too(small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--db", sqlite_url, "invoice", small.invoices["paid"], "--json")
    ocr = json.loads(out)["ocr"]
    code, out, _ = _run(capsys, "--db", sqlite_url, "--json", "invoice", ocr)
    assert code == 0 and json.loads(out)["number"] == small.invoices["paid"]
    assert json.loads(out)["status"] == "paid"


def test_unknown_invoice_exits_2_with_one_line(small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--db", sqlite_url, "invoice", "999999", "--json")
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "tui-inkasso invoice: faktura '999999' finns inte (varken som fakturanummer eller som OCR-referens)"
    )


def test_real_console_script(small: SmallLedger, sqlite_url: str) -> None:
    """The installed ``tui-inkasso`` command answers with one JSON object."""
    env = {**os.environ, "TUI_INKASSO_TODAY": TODAY}
    command = [str(Path(sys.executable).parent / "tui-inkasso"), "--db", sqlite_url, "invoice", "2026005", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["status"] == "reminder" and state["dunning_level_name"] == "Påminnelse"


def test_headless_command_never_imports_textual(small: SmallLedger, sqlite_url: str) -> None:
    """The ledger service and the invoice command run where Textual is not wanted (cron, daemon)."""
    env = {**os.environ, "TUI_INKASSO_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
    argv = ["tui-inkasso", "--db", sqlite_url, "invoice", "2026005"]
    script = (
        f"import sys; sys.argv = {argv!r}\n"
        "from tui_inkasso.cli import main\n"
        "code = main()\n"
        "assert 'textual' not in sys.modules, 'a headless command imported textual'\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Status: Påminnelse" in result.stdout
