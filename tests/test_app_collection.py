"""Reskontra → Inkasso by keyboard: selection, the two tables (mark, undanta with a reason,
inkludera, filter, sort), create the cases and the file, the result list and its exports; Excel
with the sheet shown in the terminal; invoices taken by someone else meanwhile."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from textual.widgets import Input, Static

from tests.collection_app_helpers import (
    SIZE,
    excluded_table,
    ledger,
    numbers,
    open_wizard,
    ready_table,
    to_row,
)
from tests.collection_data import DAY, READY, CollectionLedger
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import CollectionFile, Invoice
from tui_inkasso.screens.collection import (
    CaseResultScreen,
    CollectionScreen,
)
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.services import collection_run
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt, ReasonDialog
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["ledger"]  # the fixture, imported for pytest


async def test_the_whole_wizard_by_keyboard(ledger: CollectionLedger, tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot)
        screen = app.screen
        assert isinstance(screen, CollectionScreen)
        ready, excluded = ready_table(app), excluded_table(app)
        assert numbers(ready) == READY and numbers(excluded) == ["3008"]
        assert app.focused is ready
        totals = str(screen.query_one("#coll-ready-totals", Static).content)
        assert "7\u00a0fakturor · 5\u00a0ärenden · saldo 29\u00a0400,00\u00a0kr" in totals
        assert "u" in screen.active_bindings and "i" not in screen.active_bindings
        # Mark 3002 and 3003, undanta with a reason.
        await to_row(pilot, ready, "3002")
        await pilot.press("space", "space")
        await settle(pilot)
        assert "2\u00a0markerade" in str(screen.query_one("#coll-ready-totals", Static).content)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        assert app.screen.question.startswith("Undanta 2\u00a0fakturor: 3002, 3003 (saldo"), app.screen.question
        await type_text(pilot, "Betalplan avtalad")
        await pilot.press("enter")
        await settle(pilot)
        assert numbers(excluded) == ["3002", "3003", "3008"] and "3002" not in numbers(ready)
        row = Invoice.get_by_id(ledger.id("3003"))
        assert (row.excluded_reason, row.excluded_by) == ("Betalplan avtalad", "testare")
        # Tab to the lower table, inkludera 3008 (the one excluded earlier).
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is excluded and "i" in screen.active_bindings and "u" not in screen.active_bindings
        await to_row(pilot, excluded, "3008")
        await pilot.press("i")
        await settle(pilot)
        assert "3008" in numbers(ready) and Invoice.get_by_id(ledger.id("3008")).excluded_at is None
        # / opens the filter of both tables; Enter goes back to the table; sort by the next column.
        await pilot.press("tab", "slash")
        await type_text(pilot, "norrbygg")
        await settle(pilot)
        assert app.focused is screen.query_one("#coll-filter", Input)
        assert sorted(numbers(ready)) == ["3004", "3005"] and numbers(excluded) == []
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is ready
        await pilot.press("s", "s", "s")
        await settle(pilot)
        assert ready.page_query.sort == "fees", "Faktura, Kund, Saldo, Avgifter: the money after the customer"
        await pilot.press("slash")
        screen.query_one("#coll-filter", Input).value = ""
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert ready.total == 6
        # Finish: Skapa inkassoärende.
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        result_screen = app.screen
        assert isinstance(result_screen, CaseResultScreen)
        result = result_screen.result
        assert sorted(x.number for c in result.cases for x in c.claims) == ["3001", "3004", "3005", "3006",
                                                                           "3007", "3008"]
        assert len(result.files) == 2 and all(f.exists() for f in result.files)
        assert CollectionFile.select().count() == 2
        assert Invoice.get_by_id(ledger.id("3002")).collection_case is None
        listed = result_screen.query_one("#result-list", PagedTable)
        assert listed.total == 4 and listed.row_at(0).cells[0].plain == "INT-2026-000001"
        # Export the list to Excel and to PDF.
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, PathPrompt)
        app.screen.query_one("#path", Input).value = str(tmp_path / "lista.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        rows = list(load_workbook(tmp_path / "lista.xlsx").active.iter_rows(values_only=True))
        assert rows[1][0] == "INT-2026-000001" and len(rows) == 5
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#path", Input).value = str(tmp_path / "lista.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "lista.pdf").read_bytes().startswith(b"%PDF")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CollectionScreen)
        assert numbers(ready_table(app)) == [] and numbers(excluded_table(app)) == ["3002", "3003"]


async def test_escape_from_the_selection_goes_back_and_nothing_is_ready_is_said(ledger: CollectionLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "inhouse")
        await open_wizard(pilot)
        assert ready_table(app).total == 0
        assert "påminnelse- och kravkörningarna" in ready_table(app).empty_text, "the empty list says where invoices come from"
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, CollectionScreen)
        assert any("Den övre listan är tom" in message for _, _, message in notifications(pilot))


def test_one_marked_row_is_singular() -> None:
    """"1 markerad", not "1 markerade" (the count and its word agree)."""
    from tui_inkasso.screens.collection import totals_text
    from tui_inkasso.services.collection_candidates import CandidateTotals

    totals = CandidateTotals(count=7, balance=2_940_000, fees=168_000, cases=5)
    assert totals_text(totals, 1, ready=True, filtered=False).plain.endswith("1\u00a0markerad")
    assert totals_text(totals, 2, ready=True, filtered=False).plain.endswith("2\u00a0markerade")
