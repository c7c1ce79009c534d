"""Reskontra → Betalningar → Ej matchade betalningar: allocate by keyboard.

The list holds every payment no invoice was found for (``services.unmatched_payments``), a page at a
time, sorted and filtered in SQL. On a payment:

* a (or Enter) "Fördela": search an invoice (number, OCR, customer name or number) in a dialog
  that starts with the payment's reference, pick it with Enter, confirm with j; the booking moves
  the money from "Förskott från kunder" to the invoice (an excess to its account);
* f "Förskott": search the customer, confirm, and the payment stays a prepayment on them.

Every search and booking runs in a thread worker; the list reloads afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState

from tui_inkasso.domain.codes import payment_method_label
from tui_inkasso.domain.counts import format_count
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import unmatched_payments
from tui_inkasso.services.customer_search import CustomerHit
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors

SEARCH_DELAY = 0.15
"""Seconds of quiet typing before the allocation dialogs search."""

PAYMENT_COLUMNS = [
    Column("date", "Datum", 10),
    Column("amount", "Belopp", 12, align="right"),
    Column("owner", "Ägare", 6, sortable=False),
    Column("reference", "Referens", 18),
    Column("payer", "Betalare", 0, min_width=14),
    Column("method", "Betalsätt", 9, sortable=False),
    Column("file", "Fil", 16, sortable=False),
    Column("note", "Kommentar", 0, sortable=False, min_width=14),
]

INVOICE_COLUMNS = [
    Column("number", "Faktura", 9),
    Column("ocr", "OCR", 12),
    Column("customer", "Kund", 0, min_width=14),
    Column("owner", "Ägare", 6),
    Column("due", "Förfaller", 10),
    Column("amount", "Belopp", 11, align="right"),
    Column("balance", "Saldo", 11, align="right"),
]

CUSTOMER_COLUMNS = [
    Column("number", "Kundnr", 8),
    Column("name", "Namn", 0, min_width=16),
    Column("national_id", "Person-/orgnr", 13),
    Column("open", "Öppet saldo", 13, align="right"),
]

_SORT_KEYS = {"date": "date", "amount": "amount", "reference": "reference", "payer": "payer"}


def payment_row(p: unmatched_payments.UnmatchedPayment) -> TableRow:
    """An unmatched payment as a row."""
    return TableRow(
        str(p.id),
        (
            cells.date(p.pay_date), cells.amount(p.amount), cells.text(p.owner_code or "–"), cells.text(p.reference),
            cells.text(p.payer_name), cells.text(payment_method_label(p.method)), cells.text(p.file_name or ""), cells.text(p.note),
        ),
        data=p,
    )


class UnmatchedSource:
    """The unmatched payments, a page at a time from the service (in a worker thread)."""

    def count(self, query: PageQuery) -> int:
        """How many match the filter."""
        return unmatched_payments.count_unmatched(query.filter)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page, sorted in SQL."""
        payments = unmatched_payments.unmatched_payments(
            offset=offset, limit=limit, sort=_SORT_KEYS.get(query.sort or "date", "date"),
            descending=query.descending, text=query.filter,
        )
        return [payment_row(p) for p in payments]


class UnmatchedPaymentsScreen(BaseScreen):
    """Ej matchade betalningar: a filter box and the list; a fördelar, f behåller som förskott."""

    SUB_TITLE = "Ej matchade betalningar"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "allocate", "Fördela", id="unmatched.allocate",
                tooltip="Fördela den markerade betalningen till en faktura"),
        Binding("f", "prepay", "Förskott", id="unmatched.prepay",
                tooltip="Behåll betalningen som förskott på en kund"),
        Binding("f5", "refresh", "Uppdatera", id="unmatched.refresh"),
    ]

    GUARDED = {"allocate": unmatched_payments.allocate_payment, "prepay": unmatched_payments.keep_as_prepayment}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Done(Message):
        """An allocation or prepayment was booked."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield FilterField("/ Filtrera: referens, betalare eller avsändarkonto", tables=("#unmatched",),
                          id="unmatched-filter")
        yield PagedTable(PAYMENT_COLUMNS, UnmatchedSource(), id="unmatched", sort="date", page_size=200,
                         empty_text="Inga ej matchade betalningar",
                         no_match="Inga ej matchade betalningar matchar '{filter}'")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#unmatched", PagedTable).focus()

    @on(PagedTable.Loaded, "#unmatched")
    def _loaded(self, event: PagedTable.Loaded) -> None:
        event.table.border_title = f"Ej matchade betalningar ({format_count(event.total)})"

    def action_refresh(self) -> None:
        """Read the list again."""
        self.query_one("#unmatched", PagedTable).reload()

    def _current(self) -> unmatched_payments.UnmatchedPayment | None:
        row = self.query_one("#unmatched", PagedTable).current_row
        if row is None:
            self.notify("Välj en betalning i listan först.", title="Ingen betalning vald")
            return None
        return row.data

    @on(PagedTable.RowSelected, "#unmatched")
    def _selected(self, event: PagedTable.RowSelected) -> None:
        self.action_allocate()

    def action_allocate(self) -> None:
        """Search an invoice for the highlighted payment, confirm, allocate."""
        payment = self._current()
        if payment is None:
            return

        def chosen(candidate: unmatched_payments.InvoiceCandidate | None) -> None:
            if candidate is None:
                return
            question = (f"Fördela {format_kronor(payment.amount)} ({payment.payer_name or payment.reference or 'okänd'}) "
                        f"till faktura {candidate.number}, {candidate.customer_name}, saldo "
                        f"{format_kronor(candidate.balance)}?")
            self.app.push_screen(ConfirmDialog(question, "Fördela betalning"),
                                 lambda yes: self._allocate(payment.id, candidate.id) if yes else None)

        self.app.push_screen(InvoicePicker(payment), chosen)

    def action_prepay(self) -> None:
        """Search the customer and keep the payment as their prepayment."""
        payment = self._current()
        if payment is None:
            return

        def chosen(hit: CustomerHit | None) -> None:
            if hit is None:
                return
            question = f"Behåll {format_kronor(payment.amount)} som förskott för {hit.name} ({hit.number})?"
            self.app.push_screen(ConfirmDialog(question, "Behåll som förskott"),
                                 lambda yes: self._prepay(payment.id, hit.id) if yes else None)

        self.app.push_screen(CustomerPicker(payment.payer_name), chosen)

    @db_work("Fördela betalning", group="allocate")
    def _allocate(self, payment_id: int, invoice_id: int) -> None:
        booked = unmatched_payments.allocate_payment(payment_id, invoice_id)
        text = f"Betalning fördelad på faktura {booked.invoice_number}"
        if booked.split.excess_amount:
            text += f"; överskott {format_kronor(booked.split.excess_amount)} till {booked.split.excess_role}"
        self.post_message(self.Done(text))

    @db_work("Behåll som förskott", group="allocate")
    def _prepay(self, payment_id: int, customer_id: int) -> None:
        unmatched_payments.keep_as_prepayment(payment_id, customer_id)
        self.post_message(self.Done("Betalningen behålls som förskott"))

    def on_unmatched_payments_screen_done(self, message: UnmatchedPaymentsScreen.Done) -> None:
        self.notify(message.text, title="Bokfört")
        self.query_one("#unmatched", PagedTable).reload()


# ------------------------------------------------------------------------------------ dialogs


class _Picker(ForwardWorkerErrors, ModalScreen[Any]):
    """A search box over a list: typing searches (in a worker), Enter on a row picks it, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="picker.cancel"),
        Binding("down", "to_list", "Till listan", show=False, id="picker.to_list"),
    ]

    COLUMNS: ClassVar[list[Column]] = []
    PLACEHOLDER = ""

    class Found(Message):
        """Rows for ``text`` have arrived."""

        def __init__(self, text: str, rows: list[TableRow]) -> None:
            super().__init__()
            self.text = text
            self.rows = rows

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self._searching: str | None = None
        """The text of the search in flight, until its rows are shown."""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self.title_text)
            yield FilterField(self.PLACEHOLDER, tables=("#picker-rows",), apply=False, delay=SEARCH_DELAY,
                              value=self.initial, id="picker-search")
            yield PagedTable(self.COLUMNS, id="picker-rows", empty_text="Inga träffar: skriv något annat")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.initial.strip():
            self._start_search(self.initial)

    @on(FilterField.Settled, "#picker-search")
    def _settled(self, event: FilterField.Settled) -> None:
        """Typing paused, or Enter (then the list waits for these rows): search."""
        self._start_search(self.query_one(Input).value)

    def _start_search(self, text: str) -> None:
        self._searching = text
        self._search(text)

    def action_to_list(self) -> None:
        """From the search box to the list; while its rows are on their way it keeps the keys
        typed at it (Enter picks from the new rows, never from those of the text before)."""
        table = self.query_one(PagedTable)
        field = self.query_one(FilterField)
        if field.pending or self._searching is not None:
            table.expect_rows()
        field.flush()
        table.focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed search leaves the list empty, not waiting (the app shows the error)."""
        if event.state == WorkerState.ERROR and event.worker.group == "picker":
            self._searching = None
            self.query_one(PagedTable).set_source(None)

    @db_work("Sök", group="picker", exclusive=True)
    def _search(self, text: str) -> None:
        rows = self.find(text)
        self.post_message(self.Found(text, rows))

    def find(self, text: str) -> list[TableRow]:
        """Rows for ``text`` (runs in a worker thread)."""
        raise NotImplementedError

    @on(Found)
    def _found(self, message: _Picker.Found) -> None:
        if message.text != self.query_one(Input).value:
            return
        self._searching = None
        self.query_one(PagedTable).set_source(ListSource(self.COLUMNS, message.rows))

    @on(PagedTable.RowSelected, "#picker-rows")
    def _picked(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row.data)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class InvoicePicker(_Picker):
    """Search the invoice to allocate a payment to."""

    COLUMNS: ClassVar[list[Column]] = INVOICE_COLUMNS
    PLACEHOLDER = "Fakturanummer, OCR, kundens namn eller kundnummer"

    def __init__(self, payment: unmatched_payments.UnmatchedPayment) -> None:
        title = f"Fördela {format_kronor(payment.amount)} – välj faktura (Enter), Esc avbryter"
        super().__init__(title, payment.reference.split(" ")[0] if payment.reference else payment.payer_name)

    def find(self, text: str) -> list[TableRow]:
        """Invoices by number or OCR, else the open invoices of matching customers."""
        return [
            TableRow(str(c.id), (
                cells.text(c.number), cells.text(c.ocr), cells.text(f"{c.customer_name} ({c.customer_number})"),
                cells.text(c.owner_code), cells.date(c.due_date), cells.amount(c.amount), cells.amount(c.balance),
            ), data=c)
            for c in unmatched_payments.find_invoices(text)
        ]


class CustomerPicker(_Picker):
    """Search the customer to keep a payment as prepayment for."""

    COLUMNS: ClassVar[list[Column]] = CUSTOMER_COLUMNS
    PLACEHOLDER = "Kundens namn, kundnummer, personnummer/orgnr, OCR eller fakturanummer"

    def __init__(self, text: str) -> None:
        super().__init__("Förskott – välj kund (Enter), Esc avbryter", text)

    def find(self, text: str) -> list[TableRow]:
        """Customers by the ledger's search."""
        return [
            TableRow(str(h.id), (
                cells.text(h.number), cells.text(h.name), cells.text(h.national_id), cells.amount(h.open_balance),
            ), data=h)
            for h in unmatched_payments.find_customers(text)
        ]
