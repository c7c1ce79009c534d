"""Inkassoärenden at 80 columns keeps the case number, the money and the status in the list and
cuts the customer's name; the line below the list names the current row's customer in full and
follows the cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import Static

from tests.collection_app_helpers import ledger
from tests.collection_data import DAY, CollectionLedger
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.domain.money import format_sek
from tui_inkasso.services import collection_run
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["ledger"]  # the fixture, imported for pytest


@asynccontextmanager
async def open_register(ledger: CollectionLedger, size: tuple[int, int]) -> AsyncIterator[
        tuple[InkassoApp, Pilot[None], PagedTable]]:
    """The ready invoices' cases created, Inkassoärenden open at ``size``: the app, its pilot and
    the register's table."""
    collection_run.create_cases(DAY, None, ledger.ready_ids(), "inhouse")
    app = InkassoApp()
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await settle(pilot)
        yield app, pilot, app.screen.query_one("#cases", PagedTable)


async def test_the_current_case_is_named_in_full_below_the_list(ledger: CollectionLedger) -> None:
    async with open_register(ledger, (80, 24)) as (app, pilot, table):
        line = app.screen.query_one("#cases-current", Static)
        assert table.total >= 2
        for index in range(2):
            case = table.current_row.data
            shown = str(line.render())
            assert shown.startswith(f"{case.customer_name} ({case.customer_number}) · {case.number}")
            assert line.region.bottom == app.screen.query_one("Footer").region.y
            assert table.region.right == 79
            if index == 0:
                await pilot.press("down")
                await settle(pilot)
                assert table.current_row.data.number != case.number


async def test_the_customers_name_has_room_at_120_columns(ledger: CollectionLedger) -> None:
    """At 120 columns the system and the invoice count give way to the name (it had 6 letters)."""
    async with open_register(ledger, (120, 40)) as (app, pilot, table):
        case = table.current_row.data
        header, first = table.render_line(0).text, table.render_line(1).text
        assert f"{case.customer_number} {case.customer_name}" in first, first
        assert "Status" in header and "Skapat" in header and "System" not in header, header


async def test_the_customers_name_has_room_at_80_columns(ledger: CollectionLedger) -> None:
    """At 80 columns the claim, the owner and the date move a Right away: the first view is the
    case, the customer with 16 characters of the name (it had 2: "K000627 Am…"), Kvar and the
    status; the amounts are whole."""
    async with open_register(ledger, (80, 24)) as (app, pilot, table):
        case = table.current_row.data
        header, first = table.render_line(0).text, table.render_line(1).text
        assert header.split() == ["Ärende", "Kund", "Kvar", "Status"], header
        assert f"{case.customer_number} {case.customer_name[:16]}" in first, first
        assert format_sek(case.remaining) in first, first
        await pilot.press("right", "right", "right", "right")
        await pilot.pause()
        assert format_sek(case.claimed) in table.render_line(1).text
