"""Shared by the Saldokorrigering and Saldofiler app tests: a small ledger and key paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.balance_helpers import invoice_for, make_case, pay
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.balance_corrections import BalanceCorrectionScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.settings import set_setting
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)
TODAY = "2026-11-28"


@pytest.fixture
def ledger(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A reported correction (in an earlier file), two waiting, one from the agency, one before."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    folder = tmp_path / "inkasso-filer"
    folder.mkdir()
    set_setting("collection.output_dir", str(folder))
    rent = invoice_for(amount=845000)
    direct = invoice_for(kind="direct", amount=125000)
    ids = {"before": pay(rent, 100000, dt.date(2026, 10, 30))}
    make_case(rent, direct, agency_reference="INT-77881")
    ids["earlier"] = pay(rent, 50000, dt.date(2026, 11, 2))
    brun.create_balance_file(selection=Selection(kinds=("rent",)))
    ids["rent"] = pay(rent, 200000, dt.date(2026, 11, 10))
    ids["credit"] = pay(direct, 25000, dt.date(2026, 11, 12), kind="credit", method="credit")
    ids["agency"] = pay(rent, 300000, dt.date(2026, 11, 14), method="inkasso")
    ids["old"] = pay(direct, 1000, dt.date(2026, 6, 1))  # long before the date range
    return ids


def table_of(app: InkassoApp, table_id: str) -> PagedTable:
    return app.screen.query_one(f"#{table_id}", PagedTable)


def rows_of(table: PagedTable) -> list[list[str]]:
    return [[cell.plain for cell in table.row_at(i).cells] for i in range(table.total)]  # type: ignore[union-attr]


def text_of(app: InkassoApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


async def open_step_two(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SelectionScreen)
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BalanceCorrectionScreen)
