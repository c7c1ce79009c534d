"""Reskontra → Saldofiler: earlier balance-correction files; open one, write it again, resend it.

:class:`BalanceFilesScreen` lists every file (newest first) with owner, count, sum, delivery
status and whether the file is still on disk. Enter opens :class:`BalanceFileDetailScreen` with
the corrections the file reported (paged from the database). On both: w = Skriv igen (asks for
a folder or a new file name; the same file id and content are written), I = Skicka igen (through
the outbox; a file the server already has is not sent twice). Slow work runs in thread workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.widgets import Footer, Header, Static

from tui_inkasso.domain.counts import count_of
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.screens.balance_corrections import method_text
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services import balance_history as bh
from tui_inkasso.services.outbox import DeliveryResult
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, OPEN_KEY
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

REPORT_COLUMNS = [
    Column("created", "Skapad", 16),
    Column("owner", "Ägare", 8),
    Column("count", "Antal", 8, align="right"),
    Column("amount", "Summa", 14, align="right"),
    Column("delivery", "Överföring", 11),
    Column("file", "Fil", 0, min_width=24),
]

DETAIL_COLUMNS = [
    Column("pay_date", "Betaldatum", 10, sortable=False),
    Column("invoice_number", "Faktura", 10, sortable=False),
    Column("customer", "Kund", 0, min_width=16, sortable=False),
    Column("method", "Betalsätt", 12, sortable=False),
    Column("amount", "Belopp", 12, align="right", sortable=False),
    Column("case", "Ärende", 14, sortable=False),
]

DELIVERY_STYLES = {"sent": "green", "waiting": "yellow", "sending": "cyan", "failed": "bold red"}


def report_row(report: bh.ReportSummary) -> TableRow:
    """A file of the history."""
    name = report.file_name or "(ingen fil registrerad)"
    if report.pending:
        name += "  (avbruten, görs klar vid nästa start)"
    elif report.path and not report.file_exists:
        name += "  (filen saknas)"
    return TableRow(
        str(report.report_id),
        (
            cells.date(report.created_at),
            cells.text(report.owner_code),
            Text(str(report.corrections), justify="right"),
            cells.amount(report.amount),
            Text(report.delivery_label, style=DELIVERY_STYLES.get(report.delivery_status, "dim")),
            cells.text(name),
        ),
        data=report,
    )


def _sort_value(row: TableRow, key: str) -> object:
    report: bh.ReportSummary = row.data
    return {
        "created": (report.created_at, report.report_id), "owner": report.owner_code,
        "count": report.corrections, "amount": report.amount, "delivery": report.delivery_label,
        "file": report.file_name,
    }[key]


def summary_text(report: bh.ReportSummary) -> Text:
    """One file's head lines."""
    text = Text()
    text.append(f"{report.file_id or '(ingen fil)'}", style="bold")
    text.append(f" · {report.owner_code} {report.owner_name} · skapad "
                f"{report.created_at:%Y-%m-%d %H:%M} av {report.created_by}\n")
    text.append(f"{bc.corrections_text(report.corrections)}, {format_kronor(report.amount)} · "
                f"överföring: {report.delivery_label}\n")
    text.append(f"Fil: {report.path or '–'}")
    if report.path and not report.file_exists:
        text.append("  (finns inte längre på disken: w skriver den igen)", style="bold red")
    return text


def delivery_text(result: DeliveryResult) -> tuple[str, SeverityLevel]:
    """What a resend did, and the notification's severity."""
    name = Path(result.path).name
    if result.status == "sent":
        extra = " (fanns redan på servern)" if result.already_delivered else ""
        return f"{name} skickad som {result.remote_path}{extra}", "information"
    if result.status == "waiting":
        return f"{name} väntar i utkorgen: {result.error}", "warning"
    return f"{name} kunde inte skickas: {result.error}", "error"


class _FileActions(BaseScreen):
    """Skriv igen and Skicka igen, for the list and the detail screen."""

    class Rewritten(Message):
        """A file was written again."""

        def __init__(self, result: bh.RewriteResult) -> None:
            super().__init__()
            self.result = result

    class Resent(Message):
        """A resend finished."""

        def __init__(self, result: DeliveryResult) -> None:
            super().__init__()
            self.result = result

    def selected_report(self) -> bh.ReportSummary | None:
        """The file the actions apply to."""
        raise NotImplementedError

    def action_rewrite(self) -> None:
        """Ask for a path, then write the file again from its recorded corrections."""
        report = self.selected_report()
        if report is None or not report.file_id:
            return
        original = Path(report.path)
        default = original.with_name(f"kopia-{original.name}")
        question = (f"Skriv {report.file_id} igen (samma fil-id och innehåll). Ange en mapp eller "
                    "ett nytt filnamn; en befintlig fil skrivs aldrig över.")
        self.app.push_screen(PathPrompt(question, default, "Skriv igen", action="Skriv"),
                             lambda path: self._rewrite(report.report_id, path) if path else None)

    @db_work("Skriv igen", group="balance-rewrite")
    def _rewrite(self, report_id: int, path: Path) -> None:
        result = bh.rewrite_report(report_id, path)
        self.post_message(self.Rewritten(result))

    @on(Rewritten)
    def _rewritten(self, message: _FileActions.Rewritten) -> None:
        r = message.result
        note = "" if r.identical else (" Innehållet skiljer sig från originalet: kund- eller "
                                      "ägaruppgifter har ändrats sedan filen skapades.")
        self.notify(f"{r.file_id} skriven till {r.path}.{note}", title="Skriv igen",
                    severity="information" if r.identical else "warning", timeout=8)
        self.reload()

    def action_resend(self) -> None:
        """Ask, then send the file to the agency again."""
        report = self.selected_report()
        if report is None or not report.file_id:
            return
        question = (f"Skicka {report.file_name} till inkassobolaget igen? En fil som redan finns "
                    "på servern skickas inte två gånger.")
        self.app.push_screen(ConfirmDialog(question, "Skicka igen"),
                             lambda yes: self._resend(report.report_id) if yes else None)

    @db_work("Skicka igen", group="balance-resend")
    def _resend(self, report_id: int) -> None:
        result = bh.resend_report(report_id)
        self.post_message(self.Resent(result))

    @on(Resent)
    def _resent(self, message: _FileActions.Resent) -> None:
        text, severity = delivery_text(message.result)
        self.notify(text, title="Skicka igen", severity=severity, timeout=8)
        self.reload()

    def reload(self) -> None:
        """Read what is shown again."""


class BalanceFilesScreen(_FileActions):
    """Saldofiler: every earlier balance file."""

    SUB_TITLE = "Saldofiler"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "rewrite", "Skriv igen", id="balance_files.rewrite",
                tooltip="Skriv den markerade filen igen (samma fil-id och innehåll)"),
        Binding("i", "resend", "Skicka igen", id="balance_files.resend",
                tooltip="Skicka den markerade filen till inkassobolaget igen"),
        Binding("f5", "refresh", "Uppdatera", id="balance_files.refresh"),
    ]

    class Loaded(Message):
        """The history has been read."""

        def __init__(self, reports: list[bh.ReportSummary]) -> None:
            super().__init__()
            self.reports = reports

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield PagedTable(REPORT_COLUMNS, id="balance-files", empty_text="Inga saldofiler har skapats än",
                         loading=True, row_keys=("w", "i"))
        yield Static("Enter öppnar filen · w skriver den igen · i skickar den igen", id="balance-files-help")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#balance-files", PagedTable).focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        """Back from a file: its status may have changed."""
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Skriv igen and Skicka igen only with a file highlighted."""
        if action in ("rewrite", "resend") and self.is_mounted:
            report = self.selected_report()
            return True if report is not None and report.file_id else None
        return True

    highlighted: var[bh.ReportSummary | None] = var(None, bindings=True)
    """The file under the cursor (None while none is): w and i apply to it."""

    @on(PagedTable.RowHighlighted, "#balance-files")
    @on(PagedTable.Loaded, "#balance-files")
    def _highlight_changed(self) -> None:
        row = self.query_one("#balance-files", PagedTable).current_row
        self.highlighted = row.data if row is not None else None

    def selected_report(self) -> bh.ReportSummary | None:
        """The file under the table's cursor, read from the table (``highlighted`` follows it only
        once RowHighlighted is handled: a key typed right after Down acted on the row left)."""
        if not self.is_mounted:
            return self.highlighted
        row = self.query_one("#balance-files", PagedTable).current_row
        return row.data if row is not None else None

    def action_refresh(self) -> None:
        """Read the history again."""
        self._load()

    def reload(self) -> None:
        """After a rewrite or resend."""
        self._load()

    @db_work("Saldofiler", group="balance-files", exclusive=True)
    def _load(self) -> None:
        reports = bh.balance_reports()
        self.post_message(self.Loaded(reports))

    def on_balance_files_screen_loaded(self, message: BalanceFilesScreen.Loaded) -> None:
        table = self.query_one("#balance-files", PagedTable)
        count = len(message.reports)
        table.border_title = count_of(count, 'saldofil', 'saldofiler')
        keep = table.cursor_row
        table.set_source(ListSource(REPORT_COLUMNS, [report_row(r) for r in message.reports],
                                    sort_value=_sort_value))
        table.cursor_row = min(keep, max(0, len(message.reports) - 1))

    @on(PagedTable.RowSelected, "#balance-files")
    def _open(self, event: PagedTable.RowSelected) -> None:
        report: bh.ReportSummary = event.row.data
        self.app.push_screen(BalanceFileDetailScreen(report.report_id))


class DetailSource:
    """A file's corrections, a page at a time."""

    def __init__(self, report_id: int, count: int, first: list[bc.CorrectionRow]) -> None:
        self.report_id = report_id
        self._count = count
        self._first = first

    def count(self, query: PageQuery) -> int:
        """As recorded for the file."""
        return self._count

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page, in payment-date order."""
        found = bh.report_detail(self.report_id, offset=offset, limit=limit).corrections
        return [detail_row(r) for r in found]


def detail_row(row: bc.CorrectionRow) -> TableRow:
    """A correction of a file."""
    return TableRow(
        str(row.payment_id),
        (
            cells.date(row.pay_date),
            cells.text(row.invoice_number),
            cells.text(f"{row.customer_number} {row.customer_name}"),
            method_text(row),
            cells.amount(row.amount),
            cells.text(row.case_number),
        ),
        data=row,
    )


class BalanceFileDetailScreen(_FileActions):
    """One earlier file: its head and the corrections it reported."""

    SUB_TITLE = "Saldofil"
    PAGE = 200

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {OPEN_KEY}
    """Enter opens nothing in this table, so the footer does not offer ⏎ Öppna."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "rewrite", "Skriv igen", id="balance_file.rewrite",
                tooltip="Skriv filen igen (samma fil-id och innehåll)"),
        Binding("i", "resend", "Skicka igen", id="balance_file.resend",
                tooltip="Skicka filen till inkassobolaget igen"),
    ]

    class Loaded(Message):
        """The file's head and first page."""

        def __init__(self, detail: bh.ReportDetail) -> None:
            super().__init__()
            self.detail = detail

    detail: var[bh.ReportDetail | None] = var(None, bindings=True)
    """The file read (None until it is): Skriv igen and Skicka igen need it."""

    def __init__(self, report_id: int) -> None:
        super().__init__()
        self.report_id = report_id

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Läser …", id="balance-file-head")
        yield PagedTable(DETAIL_COLUMNS, id="balance-file-rows", page_size=self.PAGE,
                         empty_text="Filen har inga saldokorrigeringar", loading=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#balance-file-rows", PagedTable).focus()
        self._load(self.report_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The file actions once the file is read, and when it has a file."""
        if action in ("rewrite", "resend"):
            report = self.selected_report()
            return True if report is not None and report.file_id else None
        return True

    def selected_report(self) -> bh.ReportSummary | None:
        """This screen's file."""
        return self.detail.summary if self.detail else None

    def reload(self) -> None:
        """After a rewrite or resend."""
        self._load(self.report_id)

    @db_work("Saldofil", group="balance-file", exclusive=True)
    def _load(self, report_id: int) -> None:
        detail = bh.report_detail(report_id, limit=self.PAGE)
        self.post_message(self.Loaded(detail))

    def on_balance_file_detail_screen_loaded(self, message: BalanceFileDetailScreen.Loaded) -> None:
        detail = message.detail
        self.detail = detail
        self.sub_title = f"Saldofil {detail.summary.file_id}"
        self.query_one("#balance-file-head", Static).update(summary_text(detail.summary))
        table = self.query_one("#balance-file-rows", PagedTable)
        count = detail.summary.corrections
        table.border_title = bc.corrections_text(count)
        table.set_source(DetailSource(self.report_id, count, detail.corrections),
                         preload=(count, [detail_row(r) for r in detail.corrections]))
