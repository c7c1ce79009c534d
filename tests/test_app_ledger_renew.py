"""Reskontra shows what was changed on a screen opened on top of it, without F5, cursors kept.

Before, the ledger kept what it had read until F5: a block set on the invoice detail was not in
the Spärr column after Esc, a dunning level renamed under Inställningar (reached through the
command palette) kept its old name in Kravnivå, and a payment booked meanwhile left the old
open balance in the customer list.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.balance_helpers import pay
from tests.ledger_data import TODAY, SmallLedger, build_small_ledger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice
from tui_inkasso.screens.dunning_levels import DunningLevelsScreen, LevelForm
from tui_inkasso.screens.help import HelpScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.widgets.dialogs import ReasonDialog
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)


@pytest.fixture
def small(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> SmallLedger:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    return build_small_ledger()


async def _annas_invoices(pilot) -> PagedTable:  # type: ignore[no-untyped-def]
    """Reskontra, "anna", her invoices with the focus."""
    await pilot.press("r")
    await type_text(pilot, "anna")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    table = pilot.app.screen.query_one("#invoices", PagedTable)
    assert pilot.app.focused is table and table.total == 8
    return table


def _row(table: PagedTable, number: str):  # type: ignore[no-untyped-def]
    return next(table.row_at(i).data for i in range(table.total) if table.row_at(i).data.number == number)


async def test_a_block_set_on_the_invoice_detail_shows_on_return(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        table = await _annas_invoices(pilot)
        await pilot.press("down", "down")
        number = table.current_row.data.number
        assert not table.current_row.data.blocked
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "Tvist")
        await pilot.press("enter")
        await settle(pilot)
        assert Invoice.get(Invoice.number == number).dunning_blocked_reason == "Tvist"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen)
        assert table.cursor_row == 2 and table.current_row.data.number == number, "the cursor stayed"
        assert table.current_row.data.blocked, "the Spärr column shows the new block"
        assert app.focused is table


async def test_a_renamed_dunning_level_and_a_new_payment_show_on_return(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(120, 44)) as pilot:
        table = await _annas_invoices(pilot)
        reminder = small.invoices["reminder"]
        assert _row(table, reminder).dunning_level_name == "Påminnelse"
        customers = app.screen.query_one("#customers", PagedTable)
        before = customers.current_row.data.open_balance
        # Through the command palette, without leaving the ledger: rename level 1.
        await pilot.press("ctrl+p")
        await type_text(pilot, "alternativ påminnelse")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        levels = app.screen
        assert isinstance(levels, DunningLevelsScreen)
        first = levels.query(LevelForm).first(LevelForm)
        first.query_one(f"#level-{first.uid}-name").value = "Betalningspåminnelse"  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot)
        assert levels.problems == []
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.__class__ is LedgerScreen
        assert _row(table, reminder).dunning_level_name == "Betalningspåminnelse"
        # Someone books a payment while the help is open: the customer list's balance follows.
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        pay(Invoice.get(Invoice.number == small.invoices["open"]), 100000, dt.date(2026, 11, 27))
        await pilot.press("escape")
        await settle(pilot)
        assert customers.current_row.data.open_balance == before - 100000
        assert _row(table, small.invoices["open"]).balance == 845000 - 100000
        assert "8\u00a0fakturor · 7\u00a0obetalda" in str(app.screen.query_one("#customer-card").render())
