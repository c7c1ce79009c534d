"""Shared by the Påminnelse/krav app tests: the small ledger with a letters folder, and key paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ledger_data import SmallLedger, small_on_business_day
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services.settings import set_setting
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)
DUE_ON_TODAY = ["2026002", "2026003", "2026005", "2026008", "2026101", "2026301"]


@pytest.fixture
def small(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SmallLedger:
    ledger = small_on_business_day(monkeypatch)
    set_setting("dunning.letters_dir", str(tmp_path / "brev"))
    return ledger


def preview_table(app: InkassoApp) -> PagedTable:
    return app.screen.query_one("#run-preview", PagedTable)


def numbers(table: PagedTable) -> list[str]:
    return [table.row_at(i).data.invoice_number for i in range(table.total)]


async def open_run(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SelectionScreen)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def to_invoice(pilot: Pilot[None], customer: str, number: str) -> None:
    """Reskontra, search ``customer``, open them, move to invoice ``number``."""
    await pilot.press("r")
    await type_text(pilot, customer)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    table = pilot.app.screen.query_one("#invoices", PagedTable)
    for _ in range(table.total):
        if table.current_row is not None and table.current_row.data.number == number:
            return
        await pilot.press("down")
    raise AssertionError(f"invoice {number} not in the list")
