"""Reskontra by keyboard: search as you type, the customer's invoices, one invoice, large ledgers."""

from __future__ import annotations

import datetime as dt

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static

from tests.factories import make_customer, make_invoice
from tests.ledger_data import TODAY, SmallLedger, small
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import Invoice
from tui_inkasso.domain.invoice_status import InvoiceStatus
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)

__all__ = ["small"]  # the fixture, imported for pytest


def _tables(app: InkassoApp) -> tuple[PagedTable, PagedTable]:
    return app.screen.query_one("#customers", PagedTable), app.screen.query_one("#invoices", PagedTable)


async def _sort_by(pilot, table: PagedTable, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press s (next sort column) until the table sorts by ``key``."""
    for _ in range(len(table.columns)):
        if table.page_query.sort == key:
            return
        await pilot.press("s")
        await settle(pilot)
    raise AssertionError(f"s never sorted by {key}")


def _loaded(table: PagedTable) -> list:
    return [table.row_at(i).data for i in range(table.total) if table.row_at(i) is not None]


async def test_typing_a_name_finds_the_customer_and_shows_their_invoices(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, LedgerScreen)
        assert isinstance(app.focused, Input), "the search box has the focus"
        await type_text(pilot, "anders")
        await settle(pilot)
        customers, invoices = _tables(app)
        assert [hit.number for hit in _loaded(customers)] == ["K1001"]
        assert invoices.total == 8
        statuses = {line.number: line.status for line in _loaded(invoices)}
        assert statuses[small.invoices["collection"]] is InvoiceStatus.COLLECTION
        assert statuses[small.invoices["excluded"]] is InvoiceStatus.EXCLUDED
        assert [line.due_date for line in _loaded(invoices)] == sorted(statuses and
            (line.due_date for line in _loaded(invoices)), reverse=True), "newest due date first"
        card = str(app.screen.query_one("#customer-card", Static).render())
        assert "Anna Andersson" in card and "8\u00a0fakturor · 7\u00a0obetalda" in card
        assert "46\u00a0625,50" in card


async def test_search_by_number_keys_and_a_new_search_switches_customer(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        customers, invoices = _tables(app)
        searches = [("8001010001", "K1001", "personnummer"), ("559012-3450", "K2001", "organisationsnummer"),
                    ("k1002", "K1002", "kundnummer")]
        for text, number, via in searches:
            await pilot.press("ctrl+f")  # back to the search box with its text selected
            assert isinstance(app.focused, Input)
            await type_text(pilot, text)  # typing replaces the selected text
            await settle(pilot)
            assert app.screen.query_one("#search", Input).value == text
            assert [(hit.number, hit.matched_by) for hit in _loaded(customers)] == [(number, via)], text
            assert {line.number for line in _loaded(invoices)} == {
                n for (n,) in Invoice.select(Invoice.number).join_from(Invoice, Invoice.customer.rel_model)
                .where(Invoice.customer.rel_model.number == number).tuples()
            }, text
        await pilot.press("ctrl+f")
        await type_text(pilot, "zzz")
        await settle(pilot)
        assert customers.total == 0 and invoices.total == 0
        assert app.screen.last_ledger is None


async def test_ocr_search_enter_and_open_the_invoice_detail(small: SmallLedger) -> None:
    number = small.invoices["collection"]
    ocr = Invoice.get(Invoice.number == number).ocr
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, ocr)
        await pilot.press("enter")
        await settle(pilot)
        customers, invoices = _tables(app)
        assert app.focused is customers
        (hit,) = _loaded(customers)
        assert (hit.matched_by, hit.invoice_number) == ("OCR", number)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is invoices
        while invoices.current_row is not None and invoices.current_row.data.number != number:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InvoiceDetailScreen)
        assert screen.sub_title == f"Faktura {number}"
        detail = screen.detail
        assert detail is not None and detail.invoice.number == number
        assert screen.query_one("#detail-rows", DataTable).row_count == 2
        assert screen.query_one("#detail-payments", DataTable).row_count == 2
        assert screen.query_one("#detail-notices", DataTable).row_count == 2
        payments = screen.query_one("#detail-payments", DataTable)
        assert [payments.get_row_at(i)[5].plain for i in range(2)] == ["Bankgiro", "Inkasso"]
        assert [payments.get_row_at(i)[8].plain for i in range(2)] == ["X", ""], "reported correction marked X"
        charges = screen.query_one("#detail-charges", DataTable)
        assert [(charges.get_row_at(i)[1].plain, charges.get_row_at(i)[3].plain) for i in range(2)] == [
            ("Påminnelseavgift", "60,00"), ("Inkassoavgift", "180,00")], "each fee apart, with what is open"
        rows = screen.query_one("#detail-rows", DataTable)
        assert rows.get_row_at(1)[1].plain == "Värme [el]", "text from the database is not read as markup"
        collection = str(screen.query_one("#detail-collection", Static).render())
        assert "IK-2026-0001" in collection and "INT-77881" in collection
        await pilot.press("escape")
        assert isinstance(app.screen, LedgerScreen)
        assert app.focused is invoices, "back where the user was"
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)


async def test_detail_shows_exclusion_and_customer_block(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "cecilia")
        await pilot.press("enter")
        await settle(pilot)
        card = str(app.screen.query_one("#customer-card", Static).render())
        assert "Kravspärr på kunden: Betalningsplan överenskommen" in card
        await pilot.press("enter")
        await settle(pilot)
        _, invoices = _tables(app)
        assert invoices.current_row is not None and invoices.current_row.data.blocked
        await pilot.press("enter")
        await settle(pilot)
        text = str(app.screen.query_one("#detail-collection", Static).render())
        assert "Kravspärr på kunden: Betalningsplan överenskommen" in text
        assert app.screen.query_one("#detail-payments-empty", Static).display


async def test_only_unpaid_toggle_and_sorting_keys(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        _, invoices = _tables(app)
        await pilot.press("u")
        await settle(pilot)
        assert invoices.total == 7
        assert small.invoices["paid"] not in {line.number for line in _loaded(invoices)}
        await pilot.press("s")  # the next sortable column after the due date
        await settle(pilot)
        assert invoices.page_query.sort == "amount" and not invoices.page_query.descending
        await _sort_by(pilot, invoices, "number")
        assert not invoices.page_query.descending
        assert invoices.row_at(0).data.number == "2026001"
        await pilot.press("r")
        await settle(pilot)
        assert invoices.page_query.descending
        assert invoices.row_at(0).data.number == "2026008"
        await pilot.press("u")
        await settle(pilot)
        assert invoices.total == 8
        assert invoices.row_at(0).data.number == "2026008", "sort kept when the filter changes"


async def test_ten_thousand_invoices_page_lazily(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    customer = make_customer("K7000", name="Stora Hyresgästen AB", national_id="556677-8899")
    first = make_invoice("4000000", customer=customer, due_date=dt.date(2026, 1, 31))
    rows = [
        ("rent", first.owner_id, customer.id, str(4000001 + n), str(n), "2026-01-20",
         (dt.date(2026, 1, 31) + dt.timedelta(days=n % 300)).isoformat(), 100000 + n, 100000 + n, 0, 0)
        for n in range(9999)
    ]
    with db.atomic():  # plain executemany: peewee's per-value SQL building costs seconds here
        db.connection().executemany(
            "INSERT INTO invoice (kind, owner_id, customer_id, number, ocr, invoice_date, due_date, amount, balance,"
            " fees, dunning_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "K7000")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        _, invoices = _tables(app)
        assert invoices.total == 10000
        assert len(invoices._pages) == 1, "only the first page was read"
        await pilot.press("end")
        await settle(pilot)
        assert invoices.cursor_row == 9999
        last = invoices.current_row
        assert last is not None
        assert len(invoices._pages) <= 3, "jumping to the end reads the last page, not everything"
        await _sort_by(pilot, invoices, "number")  # ascending: the last row is the highest number
        await pilot.press("end")
        await settle(pilot)
        assert invoices.current_row is not None and invoices.current_row.data.number == "4009999"


async def test_name_typed_right_after_r_is_not_lost(small: SmallLedger) -> None:
    """A fast typist: "r" and the name arrive before the ledger screen exists."""
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for char in "ranna":  # all at once, as a terminal delivers them, without waiting in between
            key = events.Key(char, char)
            key.set_sender(app)
            app._driver.send_message(key)
        await pilot.pause(0.3)
        await settle(pilot)
        assert [type(screen).__name__ for screen in app.screen_stack] == ["MenuScreen", "LedgerScreen"]
        assert app.screen.query_one("#search", Input).value == "anna"
        customers, _ = _tables(app)
        assert [hit.number for hit in _loaded(customers)] == ["K1001"]
