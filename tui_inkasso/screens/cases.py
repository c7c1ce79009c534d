"""Reskontra → Inkassoärenden: the case register and the case screen where work goes on.

The list pages the register from SQL (``services.case_register``): ``/`` opens the filter (case
number or customer; letters in the list are commands), ``o`` shows only open cases or all, ``s``/``r`` sort, Enter opens a case.
The case screen shows the customer, the claim and what is left, the invoices (claimed and now),
the payments on them (those after the case was created marked as balance corrections, those
from the agency as such), and the events and notes. Keys: F3 status, ``n`` note, ``b`` register a
payment, ``x`` close the case (the last two only while it is open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain.codes import (
    CaseStatus,
    PaymentMethod,
    case_status_label,
    invoice_kind_label,
    payment_method_label,
)
from tui_inkasso.domain.collection_systems import short_label
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import MoneyError, format_kronor, format_sek, parse_amount
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import parse_date
from tui_inkasso.services import case_register as register
from tui_inkasso.services import clock
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import Dialog, ReasonDialog, key_line
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, TABLE_KEYS
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

EVENT_LABELS = {"created": "Registrerat", "status": "Status", "note": "Anteckning", "payment": "Betalning",
                "closed": "Avslutat"}
STATUS_STYLES = {
    CaseStatus.REGISTERED.value: "",
    CaseStatus.DEMAND_SENT.value: "yellow",
    CaseStatus.INSTALMENT_PLAN.value: "cyan",
    CaseStatus.ENFORCEMENT.value: "bold red",
    CaseStatus.CLOSED.value: "dim",
}

CASE_COLUMNS = [
    Column("number", "Ärende", 14),
    Column("customer", "Kund", 0, min_width=11),
    Column("claimed", "Krav", 10, align="right", later_below=110),
    Column("remaining", "Kvar", 10, align="right", sortable=False),
    Column("status", "Status", 19),
    Column("system", "System", 7, later_below=130),
    Column("owner", "Ägare", 6, later_below=110),
    Column("invoices", "Fakt.", 5, align="right", sortable=False, later_below=130),
    Column("created_at", "Skapat", 10, later_below=110),
]
"""The money right after who owes it. In a table narrower than 130 the system and the invoice
count come last, so at 120 columns the name has about 30 characters (it had 6: "K000627 Amira
…"); narrower than 110 the claim, the owner and the date follow them, a Right away, so at 80
columns the first view is the case, the customer (the name has 17 characters, it had 2:
"K000627 Am…"), what is left and the status."""

INVOICE_COLUMNS = [
    Column("number", "Faktura", 10),
    Column("kind", "Typ", 6),
    Column("due", "Förfaller", 10),
    Column("claimed", "Krävt saldo", 12, align="right"),
    Column("fees", "Avgifter", 9, align="right"),
    Column("interest", "Ränta", 9, align="right"),
    Column("debt_type", "Skuldtyp", 16),
    Column("now", "Saldo nu", 12, align="right"),
]

PAYMENT_COLUMNS = [
    Column("date", "Betaldag", 10),
    Column("invoice", "Faktura", 10),
    Column("amount", "Belopp", 12, align="right"),
    Column("method", "Betalsätt", 11),
    Column("when", "När", 0, min_width=24),
    Column("reported", "Rapporterad", 11),
]

EVENT_COLUMNS = [
    Column("at", "Tid", 16),
    Column("user", "Användare", 12),
    Column("kind", "Händelse", 12),
    Column("text", "Text", 0, min_width=30),
]


def status_cell(status: str) -> Text:
    """The status by its label ("Registrerat"), in colour (how far the case has gone)."""
    return Text(case_status_label(status), style=STATUS_STYLES.get(status, ""))


def current_case_line(c: register.CaseSummary) -> Text:
    """The case under the cursor in one line below the list, the customer's name first: at 80
    columns the list keeps the case number and the money and cuts the name to a few letters."""
    parts = [f"{c.customer_name} ({c.customer_number})", c.number, case_status_label(c.status),
             short_label(c.system), c.owner_code, count_of(c.invoices, "faktura", "fakturor"),
             f"skapat {c.created_at:%Y-%m-%d}"]
    return Text(" · ".join(p for p in parts if p), no_wrap=True, overflow="ellipsis")


class CaseSource:
    """The register for the PagedTable: counts and pages in SQL."""

    def __init__(self, open_only: bool) -> None:
        self.open_only = open_only

    def _filter(self, query: PageQuery) -> register.CaseFilter:
        return register.CaseFilter(text=query.filter, open_only=self.open_only)

    def count(self, query: PageQuery) -> int:
        """Cases that pass the filter."""
        return register.count_cases(self._filter(query))

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page, sorted in SQL (newest first unless asked otherwise)."""
        sort = query.sort or "created_at"
        descending = query.descending if query.sort else True
        cases = register.list_cases(self._filter(query), offset=offset, limit=limit, sort=sort,
                                    descending=descending)
        return [self.row(c) for c in cases]

    @staticmethod
    def row(c: register.CaseSummary) -> TableRow:
        """A case as a table row."""
        return TableRow(str(c.id), (
            cells.text(c.number), cells.text(f"{c.customer_number} {c.customer_name}"),
            cells.amount(c.claimed), cells.amount(c.remaining), status_cell(c.status),
            cells.text(short_label(c.system)), cells.text(c.owner_code), Text(str(c.invoices), justify="right"),
            cells.date(c.created_at.date()),
        ), data=c)


class CaseListScreen(BaseScreen):
    """Inkassoärenden: every case, newest first; Enter opens one."""

    SUB_TITLE = "Inkassoärenden"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
        Binding("o", "toggle_open", "Öppna/alla", id="cases.open_only", tooltip="Visa bara öppna ärenden, eller alla"),
        Binding("f5", "refresh", "Uppdatera", id="cases.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.open_only = False

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield FilterField("/ Filtrera: ärendenummer, kundnummer eller namn", tables=("#cases",), id="cases-filter")
        yield PagedTable(CASE_COLUMNS, CaseSource(False), id="cases", empty_text="Inga inkassoärenden",
                         no_match="Inga inkassoärenden matchar '{filter}'")
        yield Static("", id="cases-current")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cases", PagedTable).focus()
        self._title()

    def _title(self, total: int | None = None) -> None:
        table = self.query_one("#cases", PagedTable)
        which = "Öppna inkassoärenden" if self.open_only else "Alla inkassoärenden"
        table.border_title = which + (f" ({format_count(total)})" if total is not None else "")

    @on(PagedTable.Loaded, "#cases")
    def _loaded(self, event: PagedTable.Loaded) -> None:
        self._title(event.total)
        self._show_current()

    @on(PagedTable.RowHighlighted, "#cases")
    def _show_current(self) -> None:
        row = self.query_one("#cases", PagedTable).current_row
        self.query_one("#cases-current", Static).update(current_case_line(row.data) if row else Text(""))

    def action_toggle_open(self) -> None:
        """Only open cases, or all."""
        self.open_only = not self.open_only
        self.query_one("#cases", PagedTable).set_source(CaseSource(self.open_only))
        self._title()

    def action_refresh(self) -> None:
        """Read the register again."""
        self.query_one("#cases", PagedTable).reload()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(CaseScreen(int(event.row.key)), lambda _: self.action_refresh())


# --------------------------------------------------------------------------- dialogs


class StatusDialog(Dialog[tuple[str, str] | None]):
    """Choose the new status (arrows, Enter) and write an optional note (Enter saves)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="status.cancel"),
        Binding("f2", "save", "Spara", id="status.save"),
    ]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Ändra status"
            yield Static(Text(f"Nuvarande status: {case_status_label(self.current)}. Välj ny status:"),
                         classes="dialog-question")
            yield OptionList(*[Option(case_status_label(s), id=s, disabled=s == self.current)
                               for s in register.STATUS_ORDER],
                             id="status-list", markup=False)
            yield Label("Anteckning (valfri):")
            yield Input(id="status-note", max_length=register.MAX_TEXT)
            yield Static(key_line("Pilar och Enter = Välj · Enter i anteckningen eller F2 = Spara · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one("#status-list", OptionList)
        options.highlighted = next(i for i, s in enumerate(register.STATUS_ORDER) if s != self.current)
        options.focus()

    @on(OptionList.OptionSelected, "#status-list")
    def _picked(self) -> None:
        self.query_one("#status-note", Input).focus()

    @on(Input.Submitted, "#status-note")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Answer with the highlighted status and the note."""
        option = self.query_one("#status-list", OptionList).highlighted_option
        if option is None or option.id is None:
            return
        self.dismiss((option.id, self.query_one("#status-note", Input).value.strip()))

    def action_cancel(self) -> None:
        """Close without a change."""
        self.dismiss(None)


@dataclass(frozen=True)
class PaymentInput:
    """A payment as typed in the dialog."""

    invoice_id: int
    amount: int
    pay_date: dt.date
    method: str


class PaymentDialog(Dialog[PaymentInput | None]):
    """Register a payment on one of the case's invoices: invoice, amount, date, method."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="payment.cancel"),
        Binding("f2", "save", "Registrera", id="payment.save"),
    ]

    def __init__(self, invoices: list[register.CaseInvoiceLine], today: dt.date) -> None:
        super().__init__()
        self.invoices = invoices
        self.today = today

    def compose(self) -> ComposeResult:
        options = [(f"{i.number} – saldo {format_kronor(i.current_balance)}", i.invoice_id) for i in self.invoices]
        first = next((i.invoice_id for i in self.invoices if i.current_balance > 0), self.invoices[0].invoice_id)
        methods = [(payment_method_label(m.value), m.value) for m in PaymentMethod if m is not PaymentMethod.CREDIT]
        with Vertical() as box:
            box.border_title = "Registrera betalning"
            yield Label("Faktura")
            yield Select(options, allow_blank=False, value=first, id="pay-invoice")
            with Horizontal(classes="pay-pair"):  # side by side: the form fits 24 rows with its key line
                with Vertical():
                    yield Label("Belopp (kr)")
                    yield Input(id="pay-amount", placeholder="t.ex. 1 500,00")
                with Vertical():
                    yield Label("Betaldag")
                    yield Input(self.today.isoformat(), id="pay-date", placeholder="ÅÅÅÅ-MM-DD")
            yield Label("Betalsätt")
            yield Select(methods, allow_blank=False, value=PaymentMethod.MANUAL.value, id="pay-method")
            yield Static("", id="pay-error", classes="dialog-error")
            yield Static(key_line("Tab = Nästa fält · Enter i ett fält eller F2 = Registrera · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#pay-amount", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Check the fields and answer."""
        error = self.query_one("#pay-error", Static)
        try:
            amount = parse_amount(self.query_one("#pay-amount", Input).value)
        except MoneyError:
            error.update("Belopp: skriv kronor, t.ex. 1500 eller 1 500,50.")
            return
        if amount <= 0:
            error.update("Belopp: måste vara större än noll.")
            return
        try:
            day = parse_date(self.query_one("#pay-date", Input).value, "Betaldag") or self.today
        except ValueError as exc:
            error.update(Text(str(exc)))
            return
        invoice = self.query_one("#pay-invoice", Select).value
        method = self.query_one("#pay-method", Select).value
        self.dismiss(PaymentInput(int(invoice), amount, day, str(method)))  # type: ignore[arg-type]  # no blank option

    def action_cancel(self) -> None:
        """Close without registering."""
        self.dismiss(None)


# --------------------------------------------------------------------------- the case


class CaseScreen(BaseScreen):
    """One case: status, claim and balance, invoices, payments, events; change it by keyboard."""

    SUB_TITLE = "Inkassoärende"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | TABLE_KEYS
    """Enter opens nothing in the case's tables; s Sortera gives its room to the case's own keys."""

    FOOTER_MAIN: ClassVar[tuple[str, ...]] = ("case.status", "case.close", "case.payment")
    """Status, closing and a payment stay in the footer at any width (Esc, F5 and then the note
    give way at 80 columns; F1 lists them all)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "change_status", "Ändra status", id="case.status"),
        Binding("n", "add_note", "Anteckning", id="case.note", tooltip="Skriv en anteckning i ärendet"),
        Binding("b", "register_payment", "Betalning", id="case.payment",
                tooltip="Registrera en betalning på en av ärendets fakturor"),
        Binding("x", "close_case", "Avsluta ärende", id="case.close",
                tooltip="Avsluta ärendet; fakturorna förblir inkassomärkta"),
        Binding("f5", "refresh", "Uppdatera", id="case.refresh"),
    ]

    GUARDED = {"change_status": register.set_case_status, "add_note": register.add_case_note,
               "register_payment": register.register_case_payment, "close_case": register.close_case}
    """The keys whose service the user's role may not call are greyed and say why."""

    class DetailLoaded(Message):
        """The case as read from the register."""

        def __init__(self, detail: register.CaseDetail) -> None:
            super().__init__()
            self.detail = detail

    class Changed(Message):
        """A change was saved; ``message`` says what."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    detail: var[register.CaseDetail | None] = var(None, bindings=True)
    """The case as read (None until it is): every key of the case waits for it, closing and a
    payment only while it is open."""

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Hämtar ärendet …", id="case-card")
        yield Label("Fakturor", classes="case-title")
        yield PagedTable(INVOICE_COLUMNS, id="case-invoices", empty_text="Inga fakturor", loading=True)
        yield Label("Betalningar på ärendets fakturor", classes="case-title")
        yield PagedTable(PAYMENT_COLUMNS, id="case-payments", empty_text="Inga betalningar", loading=True)
        yield Label("Händelser och anteckningar", classes="case-title")
        yield PagedTable(EVENT_COLUMNS, id="case-events", empty_text="Inga händelser", loading=True)
        yield Footer()

    def on_mount(self) -> None:
        """The invoices have the focus at once; the tables wait for the case (keys typed meanwhile too)."""
        self.query_one("#case-invoices", PagedTable).focus()
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Payment and closing only while the case is open; nothing before it is loaded."""
        if action in ("change_status", "add_note", "register_payment", "close_case"):
            if self.detail is None:
                return False
            if action in ("register_payment", "close_case"):
                return not self.detail.summary.is_closed
        return True

    def action_refresh(self) -> None:
        """Read the case again."""
        self._load()

    @db_work("Läs ärendet", group="case-detail", exclusive=True)
    def _load(self) -> None:
        detail = register.case_detail(self.case_id)
        self.post_message(self.DetailLoaded(detail))

    def on_case_screen_detail_loaded(self, message: CaseScreen.DetailLoaded) -> None:
        self.detail = detail = message.detail
        s = detail.summary
        self.sub_title = f"Inkassoärende {s.number}"
        self.query_one("#case-card", Static).update(self._card(detail))
        invoices = [TableRow(str(i.invoice_id), (
            cells.text(i.number), cells.text(invoice_kind_label(i.kind, short=True)),
            cells.date(i.due_date), cells.amount(i.claimed_balance), cells.amount(i.fees), cells.amount(i.interest),
            cells.text(i.debt_type), cells.amount(i.current_balance)), data=i) for i in detail.invoices]
        payments = [TableRow(str(p.payment_id), (
            cells.date(p.pay_date), cells.text(p.invoice_number), cells.amount(p.amount),
            cells.text(payment_method_label(p.method)), self._payment_when(p),
            cells.flag(p.reported, "X")), data=p) for p in detail.payments]
        events_ = [TableRow(str(n), (
            cells.date(e.at), cells.text(e.user), cells.text(EVENT_LABELS.get(e.kind, e.kind)), cells.text(e.text)),
            data=e) for n, e in enumerate(reversed(detail.events))]
        for table_id, columns, rows in (("#case-invoices", INVOICE_COLUMNS, invoices),
                                        ("#case-payments", PAYMENT_COLUMNS, payments),
                                        ("#case-events", EVENT_COLUMNS, events_)):
            self.query_one(table_id, PagedTable).set_source(ListSource(columns, rows))

    @staticmethod
    def _payment_when(p: register.CasePaymentLine) -> Text:
        if not p.after_case:
            return Text("före ärendet (ingår i kravet)", style="dim")
        if p.is_correction:
            return Text("efter ärendet: saldokorrigering", style="yellow")
        return Text("efter ärendet: från inkassobolaget")

    @staticmethod
    def _card(detail: register.CaseDetail) -> Text:
        s = detail.summary
        text = Text()
        text.append(f"{s.number}", style="bold")
        text.append(f"  {short_label(s.system)} · Status: ")
        text.append_text(status_cell(s.status))
        text.append(f" · skapat {s.created_at:%Y-%m-%d %H:%M} av {s.created_by}")
        if s.closed_at:
            text.append(f" · avslutat {s.closed_at:%Y-%m-%d}")
        text.append(f"\nKund {s.customer_number} {s.customer_name}, {detail.national_id}, {detail.customer_address}")
        text.append(f"\nÄgare {s.owner_code} {s.owner_name}")
        text.append(f"\nKrav: kapital {format_sek(s.capital)} + avgifter {format_sek(s.fees)} + ränta "
                    f"{format_sek(s.interest)} = {format_kronor(s.claimed)}")
        text.append(f"\nInbetalt sedan ärendet skapades {format_kronor(detail.paid_since)} · kvar: kapital "
                    f"{format_kronor(s.balance)}, totalt ")
        text.append(f"{format_kronor(s.remaining)}", style="bold")
        return text

    # ------------------------------------------------------------------ changes

    def action_change_status(self) -> None:
        """Choose a new status (and write a note)."""
        if self.detail is not None:
            self.app.push_screen(StatusDialog(self.detail.summary.status),
                                 lambda answer: self._save("status", answer) if answer else None)

    def action_add_note(self) -> None:
        """Write a note in the case."""
        self.app.push_screen(ReasonDialog("Anteckning i ärendet:", "Ny anteckning", "Anteckning"),
                             lambda text: self._save("note", text) if text else None)

    def action_register_payment(self) -> None:
        """Register a payment on one of the case's invoices."""
        if self.detail is not None and self.detail.invoices:
            self.app.push_screen(PaymentDialog(self.detail.invoices, clock.today()),
                                 lambda payment: self._save("payment", payment) if payment else None)

    def action_close_case(self) -> None:
        """Close the case (asks why)."""
        self.app.push_screen(
            ReasonDialog("Varför avslutas ärendet? Fakturorna förblir inkassomärkta.", "Avsluta ärende",
                         "Skäl"),
            lambda reason: self._save("close", reason) if reason else None)

    @db_work("Spara i ärendet", group="case-change", exclusive=True)
    def _save(self, what: str, answer: object) -> None:
        if what == "status":
            status, note = cast("tuple[str, str]", answer)  # StatusDialog's answer
            summary = register.set_case_status(self.case_id, status, note)
            message = f"Status: {case_status_label(summary.status)}"
        elif what == "note":
            register.add_case_note(self.case_id, str(answer))
            message = "Anteckningen är sparad."
        elif what == "payment":
            payment = cast(PaymentInput, answer)  # PaymentDialog's answer
            booked = register.register_case_payment(self.case_id, payment.invoice_id, payment.amount,
                                                    payment.pay_date, payment.method)
            message = f"Betalning {format_kronor(payment.amount)} registrerad på faktura {booked.invoice_number}."
        else:
            register.close_case(self.case_id, str(answer))
            message = "Ärendet är avslutat."
        self.post_message(self.Changed(message))

    def on_case_screen_changed(self, message: CaseScreen.Changed) -> None:
        self.notify(message.message, title="Sparat")
        self._load()
