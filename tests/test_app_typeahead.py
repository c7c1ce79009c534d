"""Keys typed ahead of a slow load land where the user meant them (people type ahead over SSH).

Each test slows the service the screen waits for, presses Enter and the next keys at once
(``pilot.press`` with no pause between, so they all arrive while the rows are on their way),
and checks which row was opened or marked.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, SelectionList

from tests.collection_app_helpers import ledger as collection_ledger
from tests.collection_app_helpers import numbers, ready_table
from tests.collection_data import CollectionLedger
from tests.conftest import SHARED_DOCS
from tests.dunning_app_helpers import small
from tests.ledger_data import TODAY, SmallLedger
from tests.payment_files import bgmax_payment, write_bgmax_file
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice
from tui_inkasso.screens import selection as selection_screen
from tui_inkasso.screens.collection import CollectionScreen
from tui_inkasso.screens.dunning import DunningRunScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.screens.unmatched import InvoicePicker, UnmatchedPaymentsScreen
from tui_inkasso.services import (
    collection_candidates,
    customer_search,
    dunning_candidates,
    ledger,
    unmatched_payments,
)
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.payment_import import import_payment_file
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)
WAIT = 10.0
"""Seconds a held service call waits at most for the test to let it through."""

__all__ = ["collection_ledger", "small"]  # the fixtures, imported for pytest



class Gate:
    """Holds a service call (in its worker thread) until the test opens it: the keys the test
    presses meanwhile all arrive while the rows are on their way, however fast the machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, *names: str) -> None:
        self._open = threading.Event()
        self.hold(monkeypatch, module, *names)

    def hold(self, monkeypatch: pytest.MonkeyPatch, module: Any, *names: str) -> None:
        """Hold these calls of ``module`` too, until the same :meth:`open`."""
        for name in names:
            monkeypatch.setattr(module, name, self._held(getattr(module, name)))

    def _held(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self._open.wait(WAIT)
            return original(*args, **kwargs)

        return held

    def open(self) -> None:
        """Let the held calls (and every later one) through."""
        self._open.set()


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Wait (without waiting for workers, one is held) until ``condition`` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the app did not get there in time"
        await pilot.pause(0.01)


async def annas_ledger(app: InkassoApp, pilot: Pilot[None]) -> PagedTable:
    """Kundsök, "anna" typed: her ledger on screen (its invoice table returned)."""
    await pilot.press("r")
    await type_text(pilot, "anna")
    await settle(pilot)
    invoices = app.screen.query_one("#invoices", PagedTable)
    assert invoices.total == 8, "Anna's ledger is on screen"
    return invoices


def burst(app: InkassoApp, *keys: str) -> None:
    """Queue keys all at once, as a terminal delivers keys typed ahead (pilot.press lets the app
    handle each key before it sends the next)."""
    for key in keys:
        app.post_message(events.Key(key, " " if key == "space" else key if len(key) == 1 else None))


def _due_date(number: str) -> object:
    return Invoice.get(Invoice.number == number).due_date


def anna_invoices() -> list[str]:
    """Anna's invoice numbers as the ledger lists them (newest due date first)."""
    customer = customer_search.search_customers("anna")[0]
    data = ledger.customer_ledger(customer.id, limit=100, sort=ledger.DEFAULT_SORT, descending=True)
    return [line.number for line in data.invoices]


async def test_enter_then_down_enter_opens_the_second_invoice_of_the_new_customer(
        small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = anna_invoices()[1]
    gate = Gate(monkeypatch, ledger, "customer_ledger")
    gate.hold(monkeypatch, customer_search, "search_customers")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "anna")
        # Enter: to the hits (still searching); Enter: open Anna (her ledger still loading);
        # Down, Enter: her second invoice.
        await pilot.press("enter", "enter", "down", "enter")
        customers = app.screen.query_one("#customers", PagedTable)
        assert app.focused is customers and customers.is_loading and customers.total == 0
        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.screen.detail is not None and app.screen.detail.invoice.number == expected


@pytest.mark.parametrize("turns", [0, 2, 4, 6, 8, 12])
async def test_a_name_typed_right_after_the_menu_key_arrives_whole(small: SmallLedger, turns: int) -> None:
    """"r" and "anna" at once: some keys reach the menu before the ledger is on top, some the
    ledger before its search box has the focus; ``turns`` lets the app run a little between."""
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "r", "a")
        for _ in range(turns):
            await asyncio.sleep(0)
        burst(app, "n", "n", "a")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen)
        assert app.screen.query_one("#search", Input).value == "anna"


async def test_a_burst_of_keys_after_the_search_opens_the_invoice_they_name(small: SmallLedger) -> None:
    """Over SSH the keys can arrive together, before the app has handled the first: Textual gives
    each to the widget focused when it is read, which was the search box for all of them."""
    expected = sorted(anna_invoices(), key=_due_date)[1]
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await annas_ledger(app, pilot)
        burst(app, "enter", "enter", "r", "down", "enter")  # to the hits, open Anna, oldest first, the second
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.screen.detail is not None and app.screen.detail.invoice.number == expected
        rows = app.screen.query_one("#detail-rows", DataTable)
        assert rows.row_count and rows.region.height == rows.row_count + 1, "the invoice's rows are shown"


async def test_a_key_read_as_the_focus_moves_goes_where_the_focus_went(
        small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last Enter of "Enter Enter r Down Enter" read just as the screen moves the focus from
    the customers to the invoices: the app gives it to the customer list (it still has the focus),
    which handles it only after it has handed "r" and Down to the invoices. Textual then runs
    the binding of the widget focused by then, the invoices' Enter, on the rows "r" is still
    fetching: the Enter was lost (1 run in 2 of the tmux test on a loaded machine). The test
    types that Enter at the very moment the focus moves."""
    expected = sorted(anna_invoices(), key=_due_date)[1]
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        invoices = await annas_ledger(app, pilot)
        focus = invoices.focus

        def enter_as_the_focus_moves(*args: Any, **kwargs: Any) -> Any:
            monkeypatch.setattr(invoices, "focus", focus)
            burst(app, "enter")
            return focus(*args, **kwargs)

        monkeypatch.setattr(invoices, "focus", enter_as_the_focus_moves)
        # the invoices' rows are fetched again after "r": slow, so Down and Enter wait for them
        monkeypatch.setattr(ledger, "customer_invoices", _slow(ledger.customer_invoices))
        burst(app, "enter", "enter", "r", "down")  # to the hits, open Anna, oldest first, the second
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, InvoiceDetailScreen), "the last Enter opened an invoice"
        await wait_for(pilot, lambda: detail.detail is not None)  # a loaded machine: it may still be reading
        assert detail.detail is not None and detail.detail.invoice.number == expected


def _slow(original: Callable[..., Any]) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)
        return original(*args, **kwargs)

    return slow


async def test_a_burst_after_enter_on_a_customer_goes_to_the_invoices(small: SmallLedger) -> None:
    """Enter on a row moves the focus only once the screen has handled the row: keys in the same
    burst wait for that instead of reversing or moving the customer list."""
    expected = sorted(anna_invoices(), key=_due_date)[1]
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "customers"
        burst(app, "enter", "r", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.screen.detail is not None and app.screen.detail.invoice.number == expected


async def test_keys_typed_while_another_customer_loads_go_to_the_new_invoices(
        small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "K100")  # Anna (K1001) and Bengt (K1002)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        customers, invoices = screen.query_one("#customers", PagedTable), screen.query_one("#invoices", PagedTable)
        assert [customers.row_at(i).data.number for i in range(customers.total)][:2] == ["K1001", "K1002"]
        bengt = ledger.customer_ledger(small.bengt, limit=100, sort=ledger.DEFAULT_SORT, descending=True)
        assert len(bengt.invoices) >= 2
        gate = Gate(monkeypatch, ledger, "customer_ledger")
        # Down to Bengt, Enter at once (Anna's invoices still on screen), then Down, Enter.
        await pilot.press("down", "enter", "down", "enter")
        assert app.focused is invoices and invoices.is_loading
        assert invoices.total == 0, "Anna's rows are not offered while Bengt's load"
        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.screen.detail is not None
        assert app.screen.detail.invoice.number == bengt.invoices[1].number


async def test_f2_then_down_space_leaves_out_the_second_invoice_of_the_run(
        small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen)
        selection = app.screen
        check = Gate(monkeypatch, selection_screen, "validate_selection")
        gate = Gate(monkeypatch, dunning_candidates, "preview_run")
        await pilot.press("f2", "down", "space")  # while the selection is checked, then computed
        assert app.screen is selection and not selection.query_one("#sel-owners", SelectionList).selected, \
            "space ticked no owner in the selection being checked"
        check.open()
        await wait_for(pilot, lambda: isinstance(app.screen, DunningRunScreen))
        screen = app.screen
        table = screen.query_one("#run-preview", PagedTable)
        await wait_for(pilot, lambda: app.focused is table)
        assert table.is_loading, "the list has the focus while it is computed"
        assert screen.query_one("#run-date", Input).value == TODAY, "nothing typed into the date field"
        gate.open()
        await settle(pilot)
        rows = [table.row_at(i).data for i in range(table.total)]
        assert len(rows) >= 3
        assert screen.left_out == {rows[1].invoice_id}, "space left out the row Down moved to"
        assert table.cursor_row == 2, "and moved on to the next"


async def test_f2_then_down_space_marks_the_second_invoice_for_collection(
        collection_ledger: CollectionLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InkassoApp()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen)
        check = Gate(monkeypatch, selection_screen, "validate_selection")
        gate = Gate(monkeypatch, collection_candidates, "collection_candidates")
        await pilot.press("f2", "down", "space", "space")
        assert isinstance(app.screen, SelectionScreen)
        check.open()
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionScreen))
        screen = app.screen
        ready = ready_table(app)
        await wait_for(pilot, lambda: app.focused is ready)
        assert ready.is_loading, "the upper table has the focus while it loads"
        assert screen.query_one("#coll-filter", Input).value == "", "nothing typed into the filter"
        gate.open()
        await settle(pilot)
        listed = numbers(ready)
        marked = {ready.row_at(i).data.invoice_number for i in range(ready.total) if ready.row_at(i).key in ready.marked}
        assert marked == {listed[1], listed[2]}


@pytest.fixture
def payments(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example ledger with one payment nobody could match (reference 12345)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(30000, "12345", name="Okänd Betalare", deposit="00002")])
    import_payment_file(tmp_path / "bg.txt")
    return tmp_path


async def test_enter_enter_in_the_invoice_picker_picks_from_the_new_search(
        payments: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "e")
        await settle(pilot)
        assert isinstance(app.screen, UnmatchedPaymentsScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, InvoicePicker)
        gate = Gate(monkeypatch, unmatched_payments, "find_invoices")
        picker = app.screen
        search = picker.query_one("#picker-search", Input)
        search.value = ""
        await type_text(pilot, "100237")
        await pilot.press("enter", "enter")  # search, then pick the first hit of that search
        assert app.screen is picker and picker.query_one(PagedTable).is_loading
        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "faktura 100237" in app.screen.question
        assert Invoice.get(Invoice.number == "100237").balance == 845000, "nothing booked before j"
