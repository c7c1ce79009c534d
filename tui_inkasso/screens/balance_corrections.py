"""Reskontra → Saldokorrigering: the guide's three steps, by keyboard.

1. The standard selection (:class:`~tui_inkasso.screens.selection.SelectionScreen`, shared).
2. :class:`BalanceCorrectionScreen`: a payment-date range and rent invoices, direct invoices or
   both; every payment and credit on collection-marked invoices in the range, with an X in column
   "Saldokorrigering" where it went to the agency in an earlier file (and which file), and the
   payments that never will: those from the agency (Inkasso) and those before the case. F3
   "Klar" ends here, F2 "Nästa" goes on.
3. :class:`UnreportedScreen`: every correction not yet reported, whatever its date, within the
   selection, with count and sum; F2 "Skapa fil" (after a yes) writes the file, uploads it when a
   server is set and marks the corrections reported, in a thread worker; then
   :class:`FileResultScreen` shows path, count, sum and the delivery status.

Lists page from the database (``services.balance_corrections``) in thread workers, so a list of
100,000 payments opens as fast as one of ten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Input, Label, Select, Static

from tui_inkasso.domain.codes import (
    PaymentKind,
    PaymentMethod,
    invoice_kind_label,
    payment_method_label,
)
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import KIND_OPTIONS, parse_date
from tui_inkasso.screens.selection_step import SelectionStepScreen
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services import clock
from tui_inkasso.services.balance_corrections import CorrectionRow, CorrectionStatus
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, OPEN_KEY
from tui_inkasso.widgets.paged_table import Column, PagedTable, PageQuery, TableRow

STATUS_STYLES = {
    CorrectionStatus.REPORTED: "green",
    CorrectionStatus.UNREPORTED: "bold yellow",
    CorrectionStatus.AGENCY: "dim",
    CorrectionStatus.BEFORE_CASE: "dim",
}
REPORTED_MARK = "X"

RANGE_COLUMNS = [
    Column("mark", "Saldokorrigering", 16, sortable=False),
    Column("pay_date", "Datum", 10),
    Column("invoice_number", "Faktura", 9),
    Column("kind", "Typ", 6, later_below=130),
    Column("customer", "Kund", 0, min_width=10),
    Column("amount", "Belopp", 11, align="right"),
    Column("method", "Betalsätt", 9),
    Column("file", "Fil / anmärkning", 25),
]
"""Fits 120 columns: the file id (25 characters) whole, the customer takes what is left. The
amount comes right after the customer, so at 80 columns it is in view (the rest a Right away).
The invoice's kind comes last in a table narrower than 130: at 80 columns with a scroll bar the
amount had no room in the first view, and at 120 the name had three letters ("K000235 Mag…")."""

UNREPORTED_COLUMNS = [
    Column("pay_date", "Betaldatum", 12),
    Column("invoice_number", "Faktura", 10),
    Column("kind", "Typ", 6),
    Column("customer", "Kund", 0, min_width=16),
    Column("amount", "Belopp", 12, align="right"),
    Column("method", "Betalsätt", 10),
    Column("case", "Ärende", 14, sortable=False),
]
"""The amount right after the customer, as in step 2."""

SHORT_NOTES = {
    CorrectionStatus.UNREPORTED: "Ej rapporterad",
    CorrectionStatus.AGENCY: "Från inkassobolaget",
    CorrectionStatus.BEFORE_CASE: "Före ärendet",
}
"""Column "Fil / anmärkning" for what is not in a file (the full words are in the status)."""

DEFAULT_DAYS = 31
"""Step 2 opens on the last month of payments."""


def method_text(row: CorrectionRow) -> Text:
    """Betalsätt, "Kredit" for a credit."""
    if row.kind == PaymentKind.CREDIT:
        return Text(payment_method_label(PaymentMethod.CREDIT))
    return Text(payment_method_label(row.method))


def range_row(row: CorrectionRow) -> TableRow:
    """A step-2 row: X where reported, the file's id, or why it is never reported."""
    note = row.file_id if row.reported and row.file_id else SHORT_NOTES.get(row.status, row.status_label)
    return TableRow(
        str(row.payment_id),
        (
            Text(REPORTED_MARK if row.reported else "", style="bold", justify="center"),
            cells.date(row.pay_date),
            cells.text(row.invoice_number),
            cells.text(invoice_kind_label(row.invoice_kind, short=True)),
            cells.text(f"{row.customer_number} {row.customer_name}"),
            cells.amount(row.amount),
            method_text(row),
            Text(note or "", style=STATUS_STYLES.get(row.status, "")),
        ),
        data=row,
    )


def unreported_row(row: CorrectionRow) -> TableRow:
    """A step-3 row."""
    return TableRow(
        str(row.payment_id),
        (
            cells.date(row.pay_date),
            cells.text(row.invoice_number),
            cells.text(invoice_kind_label(row.invoice_kind, short=True)),
            cells.text(f"{row.customer_number} {row.customer_name}"),
            cells.amount(row.amount),
            method_text(row),
            cells.text(row.case_number),
        ),
        data=row,
    )


class RangeSource:
    """Step 2's rows, a page at a time from the service (sorted in SQL)."""

    def __init__(self, selection: Selection, date_from: dt.date | None, date_to: dt.date | None,
                 kind: str) -> None:
        self.args = (selection, date_from, date_to, (kind,))

    def count(self, query: PageQuery) -> int:
        """Rows in the range."""
        return bc.count_in_range(*self.args)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page."""
        found = bc.corrections_in_range(*self.args, offset=offset, limit=limit,
                                        sort=query.sort or "pay_date", descending=query.descending)
        return [range_row(r) for r in found]


class UnreportedSource:
    """Step 3's rows, a page at a time."""

    def __init__(self, selection: Selection, count: int) -> None:
        self.selection = selection
        self._count = count

    def count(self, query: PageQuery) -> int:
        """Known from the totals that came before."""
        return self._count

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page."""
        found = bc.unreported_corrections(self.selection, offset=offset, limit=limit,
                                          sort=query.sort or "pay_date", descending=query.descending)
        return [unreported_row(r) for r in found]


def summary_text(summary: bc.RangeSummary) -> Text:
    """Step 2's figures: how many of each kind, and the sum still to report."""
    reported = summary.of(CorrectionStatus.REPORTED)
    waiting = summary.of(CorrectionStatus.UNREPORTED)
    text = Text()
    text.append(count_of(summary.rows, "betalning eller kreditering", "betalningar och krediteringar"), style="bold")
    text.append(f" · {count_of(reported.count, 'rapporterad', 'rapporterade')} tidigare (X)")
    text.append(f" · {format_count(waiting.count)} ej rapporterade ({format_kronor(waiting.amount)})",
                style="bold yellow" if waiting.count else "")
    text.append(f" · {summary.of(CorrectionStatus.AGENCY).count} från inkassobolaget")
    text.append(f" · {summary.of(CorrectionStatus.BEFORE_CASE).count} före ärendet")
    return text


class BalanceCorrectionScreen(SelectionStepScreen):
    """Saldokorrigering, step 2: payments and credits on collection-marked invoices in a range."""

    SUB_TITLE = "Saldokorrigering"
    SELECTION_TITLE = "Saldokorrigering – urval"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "next", "Nästa", id="balance.next",
                tooltip="Alla saldokorrigeringar som inte rapporterats, oavsett datum"),
        Binding("f3", "done", "Klar", id="balance.done", tooltip="Avsluta saldokorrigeringen"),
        Binding("d", "edit_dates", "Datum", id="balance.dates", tooltip="Ändra datumintervallet"),
        Binding("u", "edit_selection", "Urval", id="balance.selection", tooltip="Ändra urvalet"),
        Binding("f5", "refresh", "Uppdatera", id="balance.refresh"),
    ]

    class SummaryLoaded(Message):
        """The figures of the range have arrived (for the range they were asked for)."""

        def __init__(self, key: tuple[object, ...], summary: bc.RangeSummary) -> None:
            super().__init__()
            self.key = key
            self.summary = summary

    def __init__(self, selection: Selection | None = None, date_from: dt.date | None = None,
                 date_to: dt.date | None = None) -> None:
        super().__init__()
        self.selection = selection
        date_to = date_to or clock.today()
        self.date_to: dt.date | None = date_to  # None once a date field is emptied: no bound
        self.date_from: dt.date | None = date_from or date_to - dt.timedelta(days=DEFAULT_DAYS)
        self.kind = "both"
        self.summary: bc.RangeSummary | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="balance-head"):
            yield Label("Betaldatum från ")
            yield Input(self.date_from.isoformat() if self.date_from else "", id="balance-from",
                        placeholder="ÅÅÅÅ-MM-DD")
            yield Label(" till ")
            yield Input(self.date_to.isoformat() if self.date_to else "", id="balance-to", placeholder="ÅÅÅÅ-MM-DD")
            yield Select(KIND_OPTIONS, allow_blank=False, value="both", id="balance-kind")
        yield Static("", id="balance-selection")
        yield PagedTable(RANGE_COLUMNS, id="balance-list", page_size=200, sort="pay_date",
                         empty_text="Inga betalningar på inkassomärkta fakturor i intervallet")
        yield Static("", id="balance-totals")
        yield Footer()

    def on_mount(self) -> None:
        """The list's title; the selection or the list follow (SelectionStepScreen)."""
        self.query_one("#balance-list", PagedTable).border_title = "Betalningar och krediteringar"

    def on_screen_resume(self) -> None:
        """Back from step 3 (a file may have been made): the X column is read again."""
        if self.selection is not None and self.summary is not None:
            self._load()

    # ------------------------------------------------------------------ selection, dates, kind

    def has_read(self) -> bool:
        """The list has been read."""
        return self.summary is not None

    def action_edit_dates(self) -> None:
        """Move to the first date field."""
        field = self.query_one("#balance-from", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#balance-from, #balance-to")
    def _dates_entered(self) -> None:
        try:
            date_from = parse_date(self.query_one("#balance-from", Input).value, "Betaldatum från")
            date_to = parse_date(self.query_one("#balance-to", Input).value, "Betaldatum till")
        except ValueError as exc:
            self.notify(str(exc), title="Fel datum", severity="error")
            return
        if date_from and date_to and date_from > date_to:
            self.notify("Betaldatum från är efter betaldatum till.", title="Fel datum", severity="error")
            return
        self.date_from, self.date_to = date_from, date_to
        self._load()
        self.query_one("#balance-list", PagedTable).focus()

    @on(Select.Changed, "#balance-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self.kind = str(event.value)
        if self.selection is not None and self.is_mounted:
            self._load()

    # ------------------------------------------------------------------ the list

    def action_refresh(self) -> None:
        """Read the list again."""
        self._load()

    def _key(self) -> tuple[object, ...]:
        return (self.selection, self.date_from, self.date_to, self.kind)

    def _load(self) -> None:
        selection = self.selection or Selection()
        self.query_one("#balance-selection", Static).update(Text(f"Urval: {selection.describe()}"))
        self.query_one("#balance-totals", Static).update("Räknar …")
        table = self.query_one("#balance-list", PagedTable)
        table.set_source(RangeSource(selection, self.date_from, self.date_to, self.kind))
        table.focus()
        self._summarise(self._key(), selection, self.date_from, self.date_to, self.kind)

    @db_work("Summering", group="balance-summary", exclusive=True)
    def _summarise(self, key: tuple[object, ...], selection: Selection, date_from: dt.date | None,
                   date_to: dt.date | None, kind: str) -> None:
        summary = bc.range_summary(selection, date_from, date_to, (kind,))
        self.post_message(self.SummaryLoaded(key, summary))

    def on_balance_correction_screen_summary_loaded(
        self, message: BalanceCorrectionScreen.SummaryLoaded
    ) -> None:
        if message.key != self._key():
            return
        self.summary = message.summary
        self.query_one("#balance-totals", Static).update(summary_text(message.summary))

    @on(PagedTable.RowSelected, "#balance-list")
    def _open_file(self, event: PagedTable.RowSelected) -> None:
        """Enter on a reported payment opens the file it went in."""
        row: CorrectionRow = event.row.data
        if row.report_id is None:
            self.notify(row.status_label, title=f"Faktura {row.invoice_number}", timeout=4)
            return
        from tui_inkasso.screens.balance_history import BalanceFileDetailScreen

        self.app.push_screen(BalanceFileDetailScreen(row.report_id))

    # ------------------------------------------------------------------ Klar, Nästa

    def action_done(self) -> None:
        """Klar: leave the balance correction."""
        self.dismiss()

    def action_next(self) -> None:
        """Nästa: every unreported correction within the selection."""
        if self.selection is None:
            return
        self.app.push_screen(UnreportedScreen(self.selection))


class UnreportedScreen(BaseScreen):
    """Saldokorrigering, step 3: all unreported corrections within the selection; Skapa fil."""

    SUB_TITLE = "Saldokorrigering – att rapportera"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {OPEN_KEY}
    """Enter opens nothing in this table, so the footer does not offer ⏎ Öppna."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "create", "Skapa fil", id="balance.create",
                tooltip="Skapa saldofilen, skicka den och markera saldokorrigeringarna rapporterade"),
        Binding("f5", "refresh", "Uppdatera", id="balance.unreported_refresh"),
    ]

    GUARDED = {"create": brun.create_balance_file}
    """The keys whose service the user's role may not call are greyed and say why."""

    class TotalsLoaded(Message):
        """How many corrections wait, and their sum."""

        def __init__(self, totals: bc.Totals) -> None:
            super().__init__()
            self.totals = totals

    class Created(Message):
        """The file run finished."""

        def __init__(self, result: brun.BalanceFileResult) -> None:
            super().__init__()
            self.result = result

    totals: var[bc.Totals | None] = var(None, bindings=True)
    """What is waiting to be reported (None until counted); F2 Skapa fil only when there is some."""

    creating: var[bool] = var(False, bindings=True)
    """True while the file is being made (F2 waits for it)."""

    def __init__(self, selection: Selection) -> None:
        super().__init__()
        self.selection = selection
        self.result: brun.BalanceFileResult | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(Text(f"Urval: {self.selection.describe()} · alla datum"), id="unreported-selection")
        yield PagedTable(UNREPORTED_COLUMNS, id="unreported-list", page_size=200, sort="pay_date",
                         empty_text="Inga saldokorrigeringar att rapportera", loading=True)
        yield Static("Räknar …", id="unreported-totals")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#unreported-list", PagedTable)
        table.border_title = "Saldokorrigeringar som inte rapporterats till inkassobolaget"
        table.focus()
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Skapa fil only when there is something to report (hidden when there is nothing, so the
        footer does not offer it), and not while a run is going (shown, but waiting)."""
        if action == "create":
            if self.totals is not None and not self.totals.count:
                return False
            return True if self.totals is not None and not self.creating else None
        return True

    def action_refresh(self) -> None:
        """Count and list again."""
        self._count(self.selection)

    @db_work("Räkna", group="balance-totals", exclusive=True)
    def _count(self, selection: Selection) -> None:
        totals = bc.unreported_totals(selection)
        self.post_message(self.TotalsLoaded(totals))

    def on_unreported_screen_totals_loaded(self, message: UnreportedScreen.TotalsLoaded) -> None:
        self.totals = message.totals
        table = self.query_one("#unreported-list", PagedTable)
        table.set_source(UnreportedSource(self.selection, message.totals.count))
        self.query_one("#unreported-totals", Static).update(totals_text(message.totals))

    def action_create(self) -> None:
        """Ask, then make the file."""
        totals = self.totals
        if totals is None or not totals.count or self.creating:
            return
        question = (f"Skapa saldofil med {bc.corrections_text(totals.count)}, {format_kronor(totals.amount)}? "
                    "Filen skickas till inkassobolaget om en FTP-server är inställd, och "
                    "saldokorrigeringarna markeras som rapporterade (en fil per ägare).")
        self.app.push_screen(ConfirmDialog(question, "Skapa fil"), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        self.creating = True
        self.query_one("#unreported-totals", Static).update("Skapar saldofilen …")
        self._create(self.selection)

    @db_work("Skapa saldofil", group="balance-create", exclusive=True)
    def _create(self, selection: Selection) -> None:
        try:
            result = brun.create_balance_file(selection=None if selection.is_empty() else selection)
        finally:
            self.app.call_from_thread(self._created_or_failed)
        self.post_message(self.Created(result))

    def _created_or_failed(self) -> None:
        self.creating = False
        if self.result is None and self.totals is not None:
            self.query_one("#unreported-totals", Static).update(totals_text(self.totals))

    def on_unreported_screen_created(self, message: UnreportedScreen.Created) -> None:
        self.result = message.result
        self.action_refresh()
        self.app.push_screen(FileResultScreen(message.result))


def totals_text(totals: bc.Totals) -> Text:
    """Count and sum of the corrections that wait."""
    if not totals.count:
        return Text(bc.NOTHING_TO_REPORT, style="bold")
    text = Text()
    text.append(bc.corrections_text(totals.count), style="bold")
    text.append(f" · summa {format_kronor(totals.amount)} · F2 skapar filen")
    return text


class FileResultScreen(BaseScreen):
    """What "Skapa fil" did: files, count, sum, and whether the agency has them."""

    SUB_TITLE = "Saldokorrigering – resultat"

    def __init__(self, result: brun.BalanceFileResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="balance-result"):
            yield Static(result_text(self.result), id="balance-result-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#balance-result", VerticalScroll).focus()


def result_text(result: brun.BalanceFileResult) -> Text:
    """The result as staff read it."""
    text = Text()
    text.append(result.message + "\n", style="bold")
    for f in result.files:
        text.append(f"\n{f.owner_code} {f.owner_name}: {bc.corrections_text(f.corrections)}, "
                    f"{format_kronor(f.amount)}\n")
        text.append(f"  Fil: {f.path}\n  Fil-id: {f.file_id}\n")
        text.append("  Överföring: ")
        text.append(*delivery_words(f.delivery))
        text.append("\n")
    for action in result.recovered:
        text.append(f"\nEfter ett avbrott: {action.path} ({action.action})", style="yellow")
    return text


def delivery_words(delivery: brun.DeliveryInfo | None) -> tuple[str, str]:
    """Text and style of a delivery status."""
    if delivery is None:
        return "ingen FTP-server är inställd; filen skickas inte automatiskt", "dim"
    if delivery.status == "sent":
        return f"skickad till inkassobolaget ({delivery.remote_path})", "green"
    if delivery.status == "failed":
        return f"misslyckades: {delivery.error} (se Verktyg → Utkorg)", "bold red"
    return f"väntar i utkorgen, försöker igen: {delivery.error}", "yellow"
