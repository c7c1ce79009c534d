"""Reskontra → Uppsagda hyresavtal: every termination for unpaid rent and where it stands.

One table (``services.termination_state``), newest first: the contract and tenant, the state
in words (waiting for service, recovery period running until D, recovered, not recovered), the
last day to recover, the amount and what was paid in time. The state is worked out when the
list is read, so a payment shows at once. Keys:

* Enter: the termination in full (dates, rents, payments, and for one not recovered the
  summary for an application for eviction);
* ``d`` Delgiven: record how and when the tenant was served (date and method);
* ``m`` Socialnämnden: record when socialnämnden received its notice (dwellings);
* ``p`` Underlag: the summary for an eviction application as a PDF (not recovered only);
* ``b`` Breven: the letters as they were sent, again, as a PDF;
* ``/`` filters, F5 reads again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain.money import format_kronor
from tui_inkasso.domain.rent_arrears import (
    RecoveryState,
    ServiceMethod,
    premises_label,
    service_method_label,
)
from tui_inkasso.screens.register import RegisterScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import clock, eviction_summary, termination_state
from tui_inkasso.services.arrears_files import output_folder
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.termination_state import TerminationView
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import Dialog, PathPrompt, hold_keys, key_line
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

COLUMNS = [
    Column("contract", "Avtal", 12),
    Column("customer", "Hyresgäst", 0, min_width=14),
    Column("state", "Läge", 24),
    Column("amount", "Att betala", 11, align="right"),
    Column("paid", "Betalt", 11, align="right"),
    Column("terminated", "Uppsagd", 10),
    Column("served", "Delgiven", 10),
    Column("received", "Socialn.", 10),
    Column("premises", "Slag", 6),
    Column("object", "Objekt", 9),
]

STATE_STYLES = {
    RecoveryState.WAITING_FOR_SERVICE: "yellow",
    RecoveryState.RECOVERY_RUNNING: "bold",
    RecoveryState.RECOVERED: "dim",
    RecoveryState.NOT_RECOVERED: "bold red",
}


def state_cell(view: TerminationView) -> Text:
    """"Frist t.o.m. 2026-12-29", "Väntar på delgivning" ... in the state's colour."""
    state, last_day = view.state, view.last_day
    if state is RecoveryState.RECOVERY_RUNNING and last_day is not None:  # a running period has one
        text = f"Frist t.o.m. {last_day.isoformat()}"
    elif state is RecoveryState.NOT_RECOVERED and last_day is not None:  # and so had one that ran out
        text = f"Ej återvunnen ({last_day.isoformat()})"
    elif state is RecoveryState.WAITING_FOR_SERVICE and view.served_on is not None:
        text = "Väntar på socialnämnden"
    else:
        text = state.label
    return Text(text, style=STATE_STYLES[state])


def termination_row(view: TerminationView) -> TableRow:
    """A termination as a table row."""
    received = cells.date(view.socialnamnd_received_on) if view.is_dwelling else Text("–")
    return TableRow(view.contract_number, (
        cells.text(view.contract_number), cells.text(f"{view.customer_number} {view.customer_name}"),
        state_cell(view), cells.amount(view.recovery_amount), cells.amount(view.recovery.paid_in_time),
        cells.date(view.terminated_on), cells.date(view.served_on), received,
        cells.text(premises_label(view.premises)), cells.text(view.object_code),
    ), data=view)


def _sort_value(row: TableRow, key: str) -> Any:
    v: TerminationView = row.data
    far = dt.date.max
    return {
        "contract": v.contract_number, "customer": v.customer_name, "state": (v.state.value, v.last_day or far),
        "amount": v.recovery_amount, "paid": v.recovery.paid_in_time, "terminated": (v.terminated_on, v.id),
        "served": v.served_on or far, "received": v.socialnamnd_received_on or far,
        "premises": v.premises.value, "object": v.object_code,
    }.get(key, "")


def termination_text(view: TerminationView) -> str:
    """A termination in full, for Enter."""
    lines = [f"Hyresavtal {view.contract_number}: {view.customer_number} {view.customer_name}",
             f"{premises_label(view.premises)} {view.object_code}, {view.object_address}", "",
             f"Läge: {view.state_text}",
             f"Uppsagd {view.terminated_on.isoformat()}",
             f"Delgiven: {view.served_on.isoformat() + ' (' + service_method_label(view.served_how) + ')' if view.served_on else 'inte registrerat'}"]
    if view.is_dwelling:
        received = view.socialnamnd_received_on.isoformat() if view.socialnamnd_received_on else "inte registrerat"
        lines.append(f"Socialnämnden i {view.municipality} fick meddelandet: {received}")
    start, last_day = view.recovery.start, view.last_day
    if start and last_day:  # the period has both once it has begun
        lines.append(f"Återvinningsfristen löper från {start.isoformat()} t.o.m. "
                     f"{last_day.isoformat()} (12 kap. 44 § jordabalken)")
    lines += ["", f"Att betala för att få tillbaka hyresrätten: {format_kronor(view.recovery_amount)}",
              f"Betalt i tid: {format_kronor(view.recovery.paid_in_time)}"
              + (f", för sent: {format_kronor(view.recovery.paid_late)}" if view.recovery.paid_late else ""),
              f"Återstår: {format_kronor(view.recovery.missing)}", "", "Hyran som uppsägningen gäller:"]
    lines += [f"  Faktura {r.invoice_number}, förföll {r.due_date.isoformat()}: {format_kronor(r.amount)} "
              f"(obetalt i dag {format_kronor(r.balance_now)})" for r in view.rents]
    if view.payments:
        lines += ["", "Betalningar efter uppsägningen:"]
        lines += [f"  {day.isoformat()}: {format_kronor(amount)}"
                  + ("" if view.last_day is None or day <= view.last_day else " (för sent)")
                  for day, amount in view.payments]
    if view.state is RecoveryState.NOT_RECOVERED and view.recovery.eviction_from:
        lines += ["", f"Avhysning kan beslutas tidigast {view.recovery.eviction_from.isoformat()}. "
                  "p skriver underlaget för ansökan om avhysning hos Kronofogden."]
    return "\n".join(lines)


class DateDialog(Dialog[tuple[dt.date, ServiceMethod | None] | None]):
    """A date (and, for the service, how): Enter in the date moves to the method, Enter there
    records; Esc cancels. A date that cannot be read, or one in the future, is refused here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="date.cancel"),
        Binding("f2", "save", "Spara", id="date.save"),
    ]

    def __init__(self, question: str, title: str, today: dt.date, *, methods: bool) -> None:
        super().__init__()
        self._question = question
        self._title = title
        self._today = today
        self._methods = methods
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Static(Text(self._question), classes="dialog-question")
            yield Label("Datum (ÅÅÅÅ-MM-DD)")
            yield Input(self._today.isoformat(), id="date-input")
            if self._methods:
                yield Label("Delgivningssätt")
                # compact: no border, so the focus does not take two of its rows (the highlight and a
                # tint show it)
                yield OptionList(*(Option(m.label, id=m.value) for m in ServiceMethod), id="date-methods",
                                 compact=True)
            yield Static("", id="date-error", classes="dialog-error")
            keys = ("Enter = Nästa/Spara · F2 = Spara · Esc = Avbryt" if self._methods
                    else "Enter eller F2 = Spara · Esc = Avbryt")
            yield Static(key_line(keys), classes="dialog-keys")

    def on_mount(self) -> None:
        field = self.query_one("#date-input", Input)
        field.focus()
        if self._methods:
            self.query_one("#date-methods", OptionList).highlighted = 0

    @on(Input.Submitted, "#date-input")
    def _date_entered(self) -> None:
        if self._methods:
            self.query_one("#date-methods", OptionList).focus()
        else:
            self.action_save()

    @on(OptionList.OptionSelected, "#date-methods")
    def _method_chosen(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Check the date (and method) and answer with them."""
        text = self.query_one("#date-input", Input).value.strip()
        error = self.query_one("#date-error", Static)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            error.update(Text(f"{text!r} är inget datum; skriv ÅÅÅÅ-MM-DD."))
            self.query_one("#date-input", Input).focus()
            return
        if day > self._today:
            error.update(f"{day.isoformat()} ligger efter i dag ({self._today.isoformat()}).")
            self.query_one("#date-input", Input).focus()
            return
        method = None
        if self._methods:
            option = self.query_one("#date-methods", OptionList).highlighted_option
            method = ServiceMethod(option.id) if option is not None and option.id else ServiceMethod.RECEIPT
        self.dismiss((day, method))

    def action_cancel(self) -> None:
        """Esc: nothing is recorded."""
        self.dismiss(None)


class TerminationsScreen(RegisterScreen[TerminationView]):
    """Uppsagda hyresavtal: the states, service, socialnämndens receipt, the summary, the letters."""

    TABLE = "terminations-table"

    SUB_TITLE = "Uppsagda hyresavtal"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
        Binding("d", "served", "Delgiven", id="terminations.served",
                tooltip="Registrera när och hur hyresgästen delgavs uppsägningen och underrättelsen"),
        Binding("m", "received", "Socialnämnden", id="terminations.received",
                tooltip="Registrera när socialnämnden fick meddelandet (bostäder)"),
        Binding("p", "summary", "Underlag", id="terminations.summary",
                tooltip="Underlag för ansökan om avhysning (PDF) när hyran inte betalades i tid"),
        Binding("b", "letters", "Breven", id="terminations.letters",
                tooltip="Breven som de skickades, igen (PDF)"),
        Binding("f5", "refresh", "Uppdatera", id="terminations.refresh"),
    ]

    GUARDED = {"served": termination_state.record_service,
               "received": termination_state.record_socialnamnd_received}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Loaded(Message):
        """The terminations have been read."""

        def __init__(self, views: list[TerminationView]) -> None:
            super().__init__()
            self.views = views

    class Done(Message):
        """Something was recorded or written (``text`` for people)."""

        def __init__(self, title: str, text: str, *, error: bool = False) -> None:
            super().__init__()
            self.title = title
            self.text = text
            self.error = error

    def __init__(self, today: dt.date | None = None) -> None:
        super().__init__()
        self.today = today or clock.today()
        self._keep: str | None = None
        """The contract the cursor was on before a reload: it stays there."""
        self._source: ListSource | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="terminations-head")
        yield FilterField("/ Filtrera: avtal, hyresgäst, läge eller objekt", tables=("#terminations-table",),
                          id="terminations-filter")
        table = PagedTable(COLUMNS, id="terminations-table", loading=True,
                           empty_text="Inga hyresavtal har sagts upp för obetald hyra",
                           no_match="Inga uppsägningar matchar '{filter}'", row_keys=("d", "m", "p", "b"), frozen=1)
        table.border_title = "Uppsagda för obetald hyra"
        yield table
        yield Footer()

    def action_refresh(self) -> None:
        """Read the list again (the states as of today); the cursor stays on its contract."""
        table = self.query_one("#terminations-table", PagedTable)
        row = table.current_row
        self._keep = row.key if row is not None else None
        super().action_refresh()

    @db_work("Uppsagda hyresavtal", group="terminations-list", exclusive=True)
    def _read(self) -> None:
        self.post_message(self.Loaded(termination_state.list_terminations(self.today)))

    def on_terminations_screen_loaded(self, message: TerminationsScreen.Loaded) -> None:
        views = message.views
        counts = {state: sum(1 for v in views if v.state is state) for state in RecoveryState}
        head = Text(f"Datum {self.today.isoformat()} · ")
        head.append(" · ".join(f"{state.label}: {count}" for state, count in counts.items()))
        self.query_one("#terminations-head", Static).update(head)
        table = self.query_one("#terminations-table", PagedTable)
        rows = [termination_row(v) for v in views]
        text = self.query_one("#terminations-filter", FilterField).text
        self._source = ListSource(COLUMNS, rows, sort_value=_sort_value)
        table.set_source(self._source, filter=text)

    @on(PagedTable.Loaded, "#terminations-table")
    def _restore_cursor(self, event: PagedTable.Loaded) -> None:
        keep, self._keep = self._keep, None
        if keep is None or self._source is None:
            return
        table = event.table
        keys = [row.key for row in self._source.rows(table.page_query, 0, event.total)]
        if keep in keys:
            table.cursor_row = keys.index(keep)

    def _current(self) -> TerminationView | None:
        row = self.query_one("#terminations-table", PagedTable).current_row
        if row is None:
            self.notify("Ingen uppsägning vald.", title=str(self.SUB_TITLE))
            return None
        return row.data

    @on(PagedTable.RowSelected)
    def _show(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        view: TerminationView = event.row.data
        self.app.push_screen(TextScreen(f"Uppsägning {view.contract_number}", termination_text(view)))

    # ------------------------------------------------------------------ recording

    def action_served(self) -> None:
        """d: how and when the tenant was served."""
        view = self._current()
        if view is None:
            return
        question = (f"När och hur delgavs {view.customer_name} ({view.contract_number}) uppsägningen och "
                    "underrättelsen? Den ska delges enligt delgivningslagen.")
        self.app.push_screen(DateDialog(question, "Delgivning", self.today, methods=True),
                             lambda answer: self._record_service(view.contract_number, answer) if answer else None)

    @db_work("Delgivning", group="terminations-record")
    def _record_service(self, contract: str, answer: tuple[dt.date, ServiceMethod | None]) -> None:
        day, method = answer
        try:
            view = termination_state.record_service(contract, day, method or ServiceMethod.RECEIPT, self.today)
        except UserError as exc:
            self.post_message(self.Done("Delgivningen registrerades inte", str(exc), error=True))
            return
        self.post_message(self.Done("Delgivning registrerad", f"{contract}: {view.state_text}."))

    def action_received(self) -> None:
        """m: when socialnämnden received its notice."""
        view = self._current()
        if view is None:
            return
        if not view.is_dwelling:
            self.notify(f"{view.contract_number} gäller en lokal; socialnämnden får inget meddelande om lokaler.",
                        title="Socialnämnden", severity="warning")
            return
        question = f"När fick socialnämnden i {view.municipality} meddelandet om {view.contract_number}?"
        self.app.push_screen(DateDialog(question, "Socialnämnden", self.today, methods=False),
                             lambda answer: self._record_receipt(view.contract_number, answer) if answer else None)

    @db_work("Socialnämndens mottagande", group="terminations-record")
    def _record_receipt(self, contract: str, answer: tuple[dt.date, ServiceMethod | None]) -> None:
        try:
            view = termination_state.record_socialnamnd_received(contract, answer[0], self.today)
        except UserError as exc:
            self.post_message(self.Done("Mottagandet registrerades inte", str(exc), error=True))
            return
        self.post_message(self.Done("Socialnämndens mottagande registrerat", f"{contract}: {view.state_text}."))

    # ------------------------------------------------------------------ PDFs

    def action_summary(self) -> None:
        """p: the summary for an eviction application, as a PDF."""
        view = self._current()
        if view is None:
            return
        if view.state is not RecoveryState.NOT_RECOVERED:
            self.notify(f"{view.contract_number}: {view.state_text}. Underlaget finns när hyran inte betalades "
                        "inom återvinningsfristen.", title="Underlag för avhysning", severity="warning")
            return
        default = output_folder() / f"avhysning-{view.contract_number}.pdf"
        self.app.push_screen(PathPrompt("Var ska underlaget för ansökan om avhysning sparas?", default, "Underlag"),
                             lambda path: self._write_summary(view.contract_number, path) if path else None)

    @db_work("Underlag för avhysning", group="terminations-pdf")
    def _write_summary(self, contract: str, path: Path) -> None:
        try:
            summary = eviction_summary.eviction_summary(contract, self.today)
            written = eviction_summary.write_summary_pdf(summary, path)
        except UserError as exc:
            self.post_message(self.Done("Inget underlag", str(exc), error=True))
            return
        self.post_message(self.Done("Underlag för avhysning", f"Sparat: {written}"))

    def action_letters(self) -> None:
        """b: the letters as they were sent, again."""
        view = self._current()
        if view is None:
            return
        default = output_folder() / f"uppsagning-{view.contract_number}.pdf"
        self.app.push_screen(PathPrompt("Var ska breven sparas?", default, "Breven igen"),
                             lambda path: self._reprint(view.contract_number, path) if path else None)

    @db_work("Breven igen", group="terminations-pdf")
    def _reprint(self, contract: str, path: Path) -> None:
        try:
            written = eviction_summary.reprint(contract, self.today, path)
        except UserError as exc:
            self.post_message(self.Done("Breven skrevs inte", str(exc), error=True))
            return
        self.post_message(self.Done("Breven", f"Sparade: {written}"))

    def on_terminations_screen_done(self, message: TerminationsScreen.Done) -> None:
        self.notify(message.text, title=message.title, severity="error" if message.error else "information",
                    timeout=10)
        if not message.error:
            self.action_refresh()
