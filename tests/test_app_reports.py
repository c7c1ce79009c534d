"""Reskontra → Åldersanalys and Inkassoöversikt by keyboard: groupings, modes, the drill-down to an
invoice's detail, the export, the tabs, the period, a stalled case opened."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from textual.widgets import Input, Static, TabbedContent

from tests.report_data import example_sqlite, overview_sqlite
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.aging import AgingInvoicesScreen, AgingScreen
from tui_inkasso.screens.cases import CaseScreen
from tui_inkasso.screens.collection_overview import CollectionOverviewScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen
from tui_inkasso.widgets.charts import MoneyChart
from tui_inkasso.widgets.dialogs import PathPrompt
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["example_sqlite", "overview_sqlite"]  # the fixtures, imported for pytest

SIZE = (120, 40)


def _first_cells(table: PagedTable) -> list[str]:
    return [table.row_at(i).cells[0].plain for i in range(table.total)]


async def _until(pilot: object, check: object, seconds: float = 30.0) -> None:
    """Wait until ``check()`` holds (a screen replaces a table when its columns change)."""
    for _ in range(int(seconds / 0.05)):
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # a table being replaced: not there yet
            pass
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    assert check()  # type: ignore[operator]


def _row(table: PagedTable, index: int, count: int | None = None) -> list[str]:
    """A row's cells as text, amounts with plain spaces (they are written with no-break ones)."""
    return [c.plain.replace("\xa0", " ") for c in table.row_at(index).cells[:count]]


async def test_aging_by_keyboard(example_sqlite: str, tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgingScreen)
        table = screen.query_one("#aging-groups", PagedTable)
        assert _first_cells(table) == ["EX1 Exempla 1:23", "EX2 Utanför 4:5", "Totalt"]
        assert _row(table, 2, 2) == ["Totalt", "33 870,00"]
        chart = screen.query_one("#aging-chart", MoneyChart)
        assert not chart.is_empty and "Ej förfallet" in str(screen.query_one("#aging-legend", Static).render())
        # g: per owner; i twice: collection left out (the example has none, the header says so)
        await pilot.press("g", "i", "i")
        await settle(pilot)
        assert _first_cells(table := screen.query_one("#aging-groups", PagedTable)) == [
            "BAB Bostads AB Exempel", "FAB Fastighets AB Utan Konto", "Totalt"]
        assert "Ägare · Alla fakturor · Inkasso: utan" in str(screen.query_one("#aging-what", Static).render())
        # Enter on BAB: its five invoices, oldest first; Enter: the ledger's invoice detail
        await pilot.press("enter")
        await settle(pilot)
        invoices = app.screen
        assert isinstance(invoices, AgingInvoicesScreen)
        rows = invoices.query_one("#aging-invoices", PagedTable)
        assert _first_cells(rows) == ["100234", "100235", "100236", "200001", "100237"]
        assert _row(rows, 2, 5) == ["100236", "13 810,00", "2026-08-31", "89", "61–90"]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen
        # d: another day; v: the chart off
        await pilot.press("d")
        await _until(pilot, lambda: getattr(app.focused, "id", None) == "aging-date")
        await type_text(pilot, "2026-09-05")
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#aging-groups", PagedTable)
        assert _row(table, table.total - 1, 2) == ["Totalt", "30 000,00"]
        await pilot.press("v")
        await settle(pilot)
        assert not screen.query_one("#aging-chart-box").display
        # x: Excel, to a file named in the prompt
        await pilot.press("x")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        assert prompt.query_one("#path", Input).value.endswith("aldersanalys_20260905.xlsx")
        prompt.query_one("#path", Input).value = str(tmp_path / "rapport.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        assert openpyxl.load_workbook(tmp_path / "rapport.xlsx").sheetnames[0] == "Per ägare"
        assert ("information", "Sparad", str(tmp_path / "rapport.xlsx")) in notifications(pilot)
        # g twice: owner → object type → customer; / filters the groups, the totals stay
        # (one app for the whole walk: starting another costs more than the steps)
        await pilot.press("g", "g")
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "bengt")
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#aging-groups", PagedTable)
        assert _first_cells(table) == ["K2001 Bengt Berg", "Totalt"]
        assert _row(table, 1, 2) == ["Totalt", "30 000,00"]


async def test_overview_by_keyboard(overview_sqlite: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CollectionOverviewScreen)
        months = screen.query_one("#overview-months", PagedTable)
        assert _first_cells(months)[-3:] == ["2026-10", "2026-11", "Totalt"]
        assert _row(months, months.total - 2, 5) == [
            "2026-11", "1 500,00", "1 000,00", "500,00", "4 100,00"]
        # the period: October and November only
        await pilot.press("d")
        await _until(pilot, lambda: getattr(app.focused, "id", None) == "overview-from")
        await type_text(pilot, "2026-10-01")
        await pilot.press("enter")
        await _until(pilot, lambda: getattr(app.focused, "id", None) == "overview-to")
        await type_text(pilot, "2026-11-28")
        await pilot.press("enter")
        await settle(pilot)
        await _until(pilot, lambda: _first_cells(screen.query_one("#overview-months", PagedTable))
                     == ["2026-10", "2026-11", "Totalt"])
        months = screen.query_one("#overview-months", PagedTable)
        assert _row(months, 2, 4) == ["Totalt", "5 700,00", "1 800,00", "500,00"]
        # f: the letters' effect; 4: the stalled cases, Enter opens one
        await pilot.press("f")
        await settle(pilot)
        assert screen.query_one("#overview-tabs", TabbedContent).active == "tab-letters"
        letters = screen.query_one("#overview-letters", PagedTable)
        assert _row(letters, 0) == [
            "Påminnelse", "2", "3 120,00", "1 560,00", "1", "1", "50,0 %"]
        await pilot.press("4")
        await settle(pilot)
        stalled = screen.query_one("#overview-stalled", PagedTable)
        assert _first_cells(stalled) == ["IK-2026-000003"] and app.focused is stalled
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
