"""The demo's history in the owners' books (demo/books.py), on SQLite and PostgreSQL: every
voucher balances, the payments are on the bank account, the open fees and interest are booked to
fee and interest income and point at their vouchers, a written-off fee is not income, the
receivables account holds what is open, and a SIE export of the demo carries every voucher."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tui_inkasso.db.connection import db
from tui_inkasso.services.demo import create_demo
from tui_inkasso.services.sie_export import export_sie

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def demo(any_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    create_demo(3000, 1)
    return any_db


def _one(sql: str) -> int:
    return int(db.obj.execute_sql(sql).fetchone()[0] or 0)


def test_the_demo_books_its_payments_fees_and_interest(demo: str, tmp_path: Path) -> None:
    assert _one("SELECT COUNT(*) FROM voucher") > 100
    assert _one("SELECT COUNT(*) FROM (SELECT voucher_id FROM voucher_row GROUP BY voucher_id "
                "HAVING SUM(amount) <> 0) x") == 0, "every voucher balances"
    received = _one("SELECT SUM(amount) FROM payment WHERE owner_id IS NOT NULL AND kind = 'payment'")
    assert _one("SELECT SUM(amount) FROM voucher_row WHERE account = '1930'") == received
    assert _one("SELECT COUNT(*) FROM invoice_charge WHERE kind = 'interest'") > 0, "interest charged"
    open_fees = _one("SELECT SUM(amount) FROM invoice_charge WHERE kind <> 'interest' AND written_off = 0")
    assert _one("SELECT -SUM(amount) FROM voucher_row WHERE account = '3591'") == open_fees
    interest = _one("SELECT SUM(amount) FROM invoice_charge WHERE kind = 'interest'")
    assert _one("SELECT -SUM(amount) FROM voucher_row WHERE account = '8313'") == interest
    assert _one("SELECT COUNT(*) FROM invoice_charge WHERE written_off = 0 AND voucher_id IS NULL") == 0
    assert _one("SELECT COUNT(*) FROM invoice_charge WHERE written_off > 0 AND voucher_id IS NOT NULL") == 0, \
        "a fee written off on a paid invoice was never income"
    assert _one("SELECT SUM(interest) FROM invoice") == interest
    # Receivables: what was invoiced less what settled capital, plus the charges booked on them.
    # The demo's invoices themselves were booked before the program came, so only the movement is
    # on 1510: charges booked minus payments applied.
    applied = _one("SELECT SUM(invoice_amount) FROM payment WHERE owner_id IS NOT NULL")
    assert _one("SELECT SUM(amount) FROM voucher_row WHERE account = '1510'") == open_fees + interest - applied
    result = export_sie(tmp_path / "sie")
    assert result.vouchers == _one("SELECT COUNT(*) FROM voucher")
    assert _one("SELECT COUNT(*) FROM voucher WHERE sie_export_id IS NULL") == 0
