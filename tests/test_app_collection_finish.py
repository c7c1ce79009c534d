"""Reskontra → Inkasso, the finish by keyboard: "Skapa Excelfil" asks where and shows the sheet in
the terminal; invoices someone else took meanwhile are named and the run goes on without them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.collection_app_helpers import SIZE, ledger, numbers, open_wizard, ready_table
from tests.collection_data import DAY, READY, CollectionLedger
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import CaseInvoice, CollectionCase
from tui_inkasso.screens.collection import CaseResultScreen, XlsxPreviewScreen
from tui_inkasso.services import collection_run, settings
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["ledger"]  # the fixture, imported for pytest


async def test_skapa_excelfil_asks_where_and_shows_the_sheet(ledger: CollectionLedger, tmp_path: Path) -> None:
    settings.set_setting("collection.system", "none")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot)
        screen = app.screen
        assert "f2" in screen.active_bindings
        assert screen.active_bindings["f2"].binding.description == "Skapa Excelfil"
        await pilot.press("f2")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PathPrompt)
        assert Path(dialog.query_one("#path", Input).value).parent == tmp_path / "ut"
        dialog.query_one("#path", Input).value = str(tmp_path / "november")
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        assert isinstance(app.screen, ConfirmDialog)
        sheet = tmp_path / "november.xlsx"
        assert sheet.exists() and CollectionCase.select().where(CollectionCase.system == "none").count() == 5
        await pilot.press("enter")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, XlsxPreviewScreen)
        table = preview.query_one("#xlsx-sheet", PagedTable)
        assert table.total == 7 and table.columns[0].label == "Ärende"
        assert {table.row_at(i).cells[6].plain for i in range(7)} == set(READY)


async def test_invoices_taken_meanwhile_are_named_and_the_run_goes_on_without_them(
    ledger: CollectionLedger,
) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot)
        assert numbers(ready_table(app)) == READY
        # Someone else, at another terminal, puts 3001 in a case now.
        other = collection_run.create_cases(DAY, None, [ledger.id("3001")], "inhouse")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        # The list was read again for the question, so 3001 is no longer in it.
        assert "6\u00a0fakturor" in app.screen._question
        collection_run.create_cases(DAY, None, [ledger.id("3002")], "inhouse")
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        taken = app.screen
        assert isinstance(taken, ConfirmDialog)
        assert "3002 (i ärende IK-2026-000003)" in taken._question and "fortsätta utan dem" in taken._question
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        assert isinstance(app.screen, CaseResultScreen)
        sent = sorted(x.number for c in app.screen.result.cases for x in c.claims)
        assert sent == ["3003", "3004", "3005", "3006", "3007"]
    owners = {ci.invoice.number: ci.case.number for ci in CaseInvoice.select()}
    assert owners["3001"] == other.cases[0].number and owners["3002"] == "IK-2026-000003"
