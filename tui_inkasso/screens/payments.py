"""Reskontra → Betalningar: read a payment file in, and the way to the unmatched payments.

* :class:`PaymentsScreen`, the hub: "Läs in betalfil" (l), "Ej matchade betalningar" (e), how many
  payments wait for a hand, and the latest files read in.
* :class:`ChooseFileScreen`: a file picker in the terminal, by keyboard: a folder tree (files and
  folders, hidden ones left out) that starts in the ``payments.import_dir`` setting or the home
  folder, and a path field (type a path, Enter: a folder becomes the tree's root, a file is read).
* :class:`SummaryScreen`: what the file holds and what booking it would do, BEFORE anything is
  booked (deposits, payments, sum, matched, unmatched, from the agency, overpayments,
  deductions, warnings) and why it would be refused; b books it (only when nothing stops it), t
  allows a test file.
* :class:`ResultScreen`: the result log: the rows that need a hand (unmatched, overpayments,
  deductions, partly matched), exportable to Excel (x asks for the path).

Reading, matching and booking run in thread workers (``services.payment_import``, its summary and
log ``services.payment_report``); the screens only show what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import (
    DirectoryTree,
    Footer,
    Header,
    Input,
    OptionList,
    ProgressBar,
    Static,
)
from textual.widgets.option_list import Option

from tui_inkasso.domain.codes import payment_method_label
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import format_kronor, format_sek
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services import payment_report, unmatched_payments
from tui_inkasso.services.clock import today
from tui_inkasso.services.settings import get_setting
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import PathPrompt
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, OPEN_KEY
from tui_inkasso.widgets.lists import KeyList
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

LOG_COLUMNS = [
    Column("kind", "Typ", 14),
    Column("line", "Rad", 4, align="right"),
    Column("date", "Datum", 10),
    Column("amount", "Belopp", 11, align="right"),
    Column("reference", "Referens", 12),
    Column("payer", "Betalare", 0, min_width=10),
    Column("invoice", "Faktura", 8),
    Column("method", "Betalsätt", 9),
    Column("note", "Kommentar", 0, min_width=12),
]

FILE_COLUMNS = [
    Column("imported_at", "Inläst", 16),
    Column("file_name", "Fil", 0, min_width=16),
    Column("format", "Format", 8),
    Column("payments", "Betalningar", 11, align="right"),
    Column("amount", "Belopp", 14, align="right"),
    Column("imported_by", "Av", 10),
]


def log_row(row: payment_report.LogRow, index: int) -> TableRow:
    """A result-log row for the table."""
    return TableRow(
        str(index),
        (
            cells.text(row.kind), cells.text(row.line), cells.date(row.pay_date), cells.amount(row.amount),
            cells.text(row.reference), cells.text(row.payer), cells.text(row.invoice),
            cells.text(payment_method_label(row.method)),
            cells.text(row.note),
        ),
        data=row,
    )


def _log_sort_value(row: TableRow, key: str) -> object:
    data: payment_report.LogRow = row.data
    return {"line": data.line, "amount": data.amount, "date": data.pay_date}.get(key, str(getattr(data, key, "")))


def import_folder() -> Path:
    """Where the file picker starts: the ``payments.import_dir`` setting, else the home folder."""
    configured = get_setting("payments.import_dir").strip()
    folder = Path(configured).expanduser() if configured else Path.home()
    return folder if folder.is_dir() else Path.home()


# ------------------------------------------------------------------------------------ the hub


class PaymentsScreen(BaseScreen):
    """Betalningar: read a file in, or handle the unmatched payments; the latest files below."""

    SUB_TITLE = "Betalningar"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {OPEN_KEY}
    """Enter opens nothing in the table of files read (it does in the list above it)."""

    FOOTER_MAIN: ClassVar[tuple[str, ...]] = ("payments.import", "payments.unmatched")
    """Reading a file, and the unmatched payments, right after F1 at any width."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "import_file", "Läs in betalfil", id="payments.import",
                tooltip="Välj en BgMax- eller Total IN-fil, se sammanställningen och bokför"),
        Binding("e", "unmatched", "Ej matchade", id="payments.unmatched",
                tooltip="Fördela ej matchade betalningar till fakturor eller behåll som förskott"),
        Binding("f5", "refresh", "Uppdatera", id="payments.refresh"),
    ]

    class Loaded(Message):
        """Counts and the latest files have arrived."""

        def __init__(self, waiting: int, files: list[payment_report.ImportedFile]) -> None:
            super().__init__()
            self.waiting = waiting
            self.files = files

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Vertical(id="payments-menu") as box:
            box.border_title = "Betalningar"
            yield KeyList(
                Option("Läs in betalfil  [l]", id="import"),
                Option("Ej matchade betalningar  [e]", id="unmatched"),
                id="payments-actions", markup=False,
            )
        yield Static("", id="payments-status")
        yield PagedTable(FILE_COLUMNS, id="payment-files", empty_text="Inga betalfiler är inlästa ännu")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#payment-files", PagedTable).border_title = "Senast inlästa betalfiler"
        actions = self.query_one("#payments-actions", KeyList)
        actions.highlighted = 0
        actions.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    @on(OptionList.OptionSelected, "#payments-actions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "import":
            self.action_import_file()
        else:
            self.action_unmatched()

    def action_import_file(self) -> None:
        """Choose a payment file."""
        self.app.push_screen(ChooseFileScreen())

    def action_unmatched(self) -> None:
        """The unmatched payments."""
        from tui_inkasso.screens.unmatched import UnmatchedPaymentsScreen

        self.app.push_screen(UnmatchedPaymentsScreen())

    @db_work("Betalningar", group="payments", exclusive=True)
    def action_refresh(self) -> None:
        """Count the unmatched payments and read the latest files."""
        waiting = unmatched_payments.count_unmatched()
        files = payment_report.recent_imports(50)
        self.post_message(self.Loaded(waiting, files))

    def on_payments_screen_loaded(self, message: PaymentsScreen.Loaded) -> None:
        status = Text()
        noun = "ej matchad betalning" if message.waiting == 1 else "ej matchade betalningar"
        status.append(f"{message.waiting} {noun}", style="bold yellow" if message.waiting else "")
        status.append(" väntar på fördelning" if message.waiting else " – inget väntar")
        self.query_one("#payments-status", Static).update(status)
        rows = [
            TableRow(str(f.id), (
                cells.date(f.imported_at), cells.text(f.file_name), cells.text(f.format_label),
                cells.text(f.payments), cells.amount(f.amount), cells.text(f.imported_by),
            ), data=f)
            for f in message.files
        ]
        self.query_one("#payment-files", PagedTable).set_source(ListSource(FILE_COLUMNS, rows))


# ------------------------------------------------------------------------------------ the file picker


class FileTree(DirectoryTree, inherit_bindings=False):
    """A folder tree of files and folders (hidden ones left out), with Swedish keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Välj", id="files.select"),
        Binding("space", "toggle_node", "Öppna/stäng mapp", id="files.toggle"),
        Binding("backspace", "parent_folder", "Upp en mapp", id="files.parent"),
        Binding("up", "cursor_up", "Föregående", show=False, id="files.up"),
        Binding("down", "cursor_down", "Nästa", show=False, id="files.down"),
        Binding("shift+left", "cursor_parent", "Till mappen", show=False, id="files.cursor_parent"),
        Binding("pageup", "page_up", "Föregående sida", show=False, id="files.page_up"),
        Binding("pagedown", "page_down", "Nästa sida", show=False, id="files.page_down"),
        Binding("home", "scroll_home", "Första", show=False, id="files.home"),
        Binding("end", "scroll_end", "Sista", show=False, id="files.end"),
    ]

    @property
    def pending(self) -> bool:
        """True while folders wait to be read by the tree's loader (a worker that lives as long
        as the tree, so whoever waits for the screen to be done asks this instead)."""
        return not self._load_queue.empty()

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        """Hidden files and folders are left out."""
        return sorted((p for p in paths if not p.name.startswith(".")), key=lambda p: (not p.is_dir(), p.name.lower()))

    def action_parent_folder(self) -> None:
        """Show the folder above as the tree's root."""
        current = Path(self.path).resolve()
        if current.parent != current:
            self.path = current.parent
            self.border_title = Text(str(current.parent))


class ChooseFileScreen(BaseScreen):
    """Läs in betalfil, step 1: choose the file (tree or typed path); Enter reads it."""

    SUB_TITLE = "Läs in betalfil – välj fil"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "focus_path", "Skriv sökväg", id="choose.path",
                tooltip="Skriv en fil eller mapp; Enter läser filen eller visar mappen"),
    ]

    class Analysed(Message):
        """The analysis of a file is ready."""

        def __init__(self, plan: pi.ImportPlan) -> None:
            super().__init__()
            self.plan = plan

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        folder = self.start or import_folder()
        yield Header(icon="≡")
        yield Input(str(folder), placeholder="Sökväg till betalfilen (BgMax eller Total IN)", id="file-path")
        yield FileTree(folder, id="file-tree")
        yield Static("Välj en fil med piltangenterna och Enter. Backsteg = upp en mapp.", id="file-help")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#file-tree", FileTree)
        tree.border_title = Text(str(tree.path))
        tree.focus()

    def action_focus_path(self) -> None:
        """Type a path instead."""
        field = self.query_one("#file-path", Input)
        field.focus()
        field.action_end()

    @on(DirectoryTree.FileSelected, "#file-tree")
    def _file_chosen(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.query_one("#file-path", Input).value = str(event.path)
        self.analyse(event.path)

    @on(DirectoryTree.DirectorySelected, "#file-tree")
    def _folder_chosen(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#file-path", Input).value = str(event.path)

    @on(Input.Submitted, "#file-path")
    def _path_typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        tree = self.query_one("#file-tree", FileTree)
        if path.is_dir():
            tree.path = path
            tree.border_title = Text(str(path))
            tree.focus()
        elif path.is_file():
            self.analyse(path)
        else:
            self.notify(f"{path} finns inte", title="Ingen sådan fil", severity="warning")

    def analyse(self, path: Path, *, allow_test: bool = False) -> None:
        """Read and match the file in a worker; the summary follows."""
        self.query_one("#file-help", Static).update(Text(f"Läser {path.name} …"))
        self._analyse(path, allow_test)

    @db_work("Läs betalfil", group="analyse", exclusive=True)
    def _analyse(self, path: Path, allow_test: bool) -> None:
        try:
            plan = pi.analyse_payment_file(path, allow_test=allow_test)
        finally:
            self.app.call_from_thread(self._reset_help)
        self.post_message(self.Analysed(plan))

    def _reset_help(self) -> None:
        self.query_one("#file-help", Static).update("Välj en fil med piltangenterna och Enter. Backsteg = upp en mapp.")

    def on_choose_file_screen_analysed(self, message: ChooseFileScreen.Analysed) -> None:
        self.app.push_screen(SummaryScreen(message.plan))


# ------------------------------------------------------------------------------------ the summary


def summary_text(summary: payment_report.ImportSummary) -> Text:
    """The figures staff check before booking, one per line (counts with their thousands grouped:
    "30 000", it said "30000")."""
    text = Text()
    test = " (TESTFIL)" if summary.is_test else ""
    text.append(f"{summary.file_name}", style="bold")
    text.append(f"   {summary.format_label}{test}, skapad {summary.created_at:%Y-%m-%d %H:%M}, fil-id {summary.file_id}\n\n")
    lines = [
        ("Insättningar", format_count(len(summary.sections)), ""),
        ("Betalningar", format_count(summary.payments), f"{format_kronor(summary.amount)}"),
        ("Matchade", format_count(summary.matched), f"{format_kronor(summary.matched_amount)}"),
        ("Ej matchade", format_count(summary.unmatched), f"{format_kronor(summary.unmatched_amount)}"),
        ("Från inkassobolaget", format_count(summary.collection_payments), f"{format_kronor(summary.collection_amount)}"),
        ("Avdrag", format_count(summary.deductions), f"{format_kronor(summary.deduction_amount)}"),
        ("Överbetalningar", format_count(len(summary.overpayments)),
         f"{format_kronor(sum(o.amount for o in summary.overpayments))}"),
    ]
    for label, count, amount in lines:
        style = "bold yellow" if label in ("Ej matchade", "Avdrag", "Överbetalningar") and count != "0" else ""
        text.append(f"  {label:<22}{count:>8}   {amount:>18}\n", style=style)
    for over in summary.overpayments[:5]:
        where = "överskjutande betalning inkasso" if over.to_collection_account else "förskott"
        text.append(f"    faktura {over.invoice}: {format_kronor(over.amount)} till {over.account} ({where})\n")
    if len(summary.overpayments) > 5:
        text.append(f"    … och {format_count(len(summary.overpayments) - 5)} till\n")
    text.append("\n  Insättningar:\n")
    for section in summary.sections[:6]:
        text.append(f"    {section.pay_date}  till {section.receiving_account:<10} {format_count(section.payments):>6} st "
                    f"{format_sek(section.amount):>16} {section.currency}\n")
    if len(summary.sections) > 6:
        text.append(f"    … och {format_count(len(summary.sections) - 6)} till\n")
    for warning in summary.warnings:
        text.append(f"\n  Obs: {warning}", style="yellow")
    return text


class SummaryScreen(BaseScreen):
    """Läs in betalfil, step 2: the summary before anything is booked; b books, Esc goes back."""

    SUB_TITLE = "Läs in betalfil – sammanställning"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "book", "Bokför", id="summary.book", tooltip="Bokför alla betalningar i filen (en transaktion)"),
        Binding("t", "allow_test", "Tillåt testfil", id="summary.allow_test",
                tooltip="Läs in filen fast banken märkt den som testfil"),
    ]

    GUARDED = {"book": pi.import_payment_file}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Progress(Message):
        """Payments booked so far."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class Booked(Message):
        """The file is booked; the result follows."""

        def __init__(self, result: pi.ImportResult) -> None:
            super().__init__()
            self.result = result

    plan: var[pi.ImportPlan] = var(None, bindings=True)  # type: ignore[arg-type]  # given before the screen mounts
    """The file as analysed (set before the screen is mounted); what it allows decides Bokför
    and Tillåt testfil."""

    booking: var[bool] = var(False, bindings=True)
    """True while the file is being booked (no second Bokför, no leaving)."""

    def __init__(self, plan: pi.ImportPlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(summary_text(self.plan.summary), id="import-summary")
        yield Static(self._verdict(), id="import-verdict")
        yield ProgressBar(total=max(self.plan.summary.payments, 1), show_eta=False, id="import-progress")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-progress", ProgressBar).display = False

    def _verdict(self) -> Text:
        if self.plan.can_import:
            return Text("Inget är bokfört ännu. Tryck b för att bokföra filen, Esc för att välja en annan.",
                        style="bold green")
        text = Text("Filen kan inte läsas in:\n", style="bold red")
        for refusal in self.plan.refusals:
            text.append(f"  • {refusal.text(self.plan.summary.file_name)}\n", style="red")
        if self.plan.only_refused_as_test:
            text.append("Tryck t för att läsa in testfilen ändå.", style="yellow")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Bokför only when nothing stops it; Tillåt testfil only for a test file."""
        if action == "book":
            return self.plan.can_import and not self.booking
        if action == "allow_test":
            return self.plan.only_refused_as_test and not self.booking
        return not (action == "back" and self.booking)

    def action_allow_test(self) -> None:
        """Analyse again with test files allowed."""
        self._reanalyse(Path(self.plan.path))

    @db_work("Läs betalfil", group="analyse", exclusive=True)
    def _reanalyse(self, path: Path) -> None:
        plan = pi.analyse_payment_file(path, allow_test=True)
        self.app.call_from_thread(self._show_plan, plan)

    def _show_plan(self, plan: pi.ImportPlan) -> None:
        self.plan = plan
        self.query_one("#import-summary", Static).update(summary_text(plan.summary))
        self.query_one("#import-verdict", Static).update(self._verdict())

    def action_book(self) -> None:
        """Book the file in one transaction (in a worker, with progress)."""
        self.booking = True
        self.query_one("#import-verdict", Static).update(Text("Bokför …", style="bold"))
        self.query_one("#import-progress", ProgressBar).display = True
        self._book(Path(self.plan.path), self.plan.summary.is_test, self.plan.summary.sha256)

    @db_work("Bokför betalfil", group="book", exclusive=True)
    def _book(self, path: Path, allow_test: bool, sha: str) -> None:
        try:
            result = pi.import_payment_file(
                path, allow_test=allow_test, expected_sha256=sha,
                progress=lambda done, total: self.post_message(self.Progress(done, total)),
            )
        except BaseException:
            self.app.call_from_thread(self._failed)
            raise
        self.post_message(self.Booked(result))

    def _failed(self) -> None:
        self.booking = False
        self.query_one("#import-progress", ProgressBar).display = False
        self.query_one("#import-verdict", Static).update(Text("Inget bokfördes.", style="bold red"))

    def on_summary_screen_progress(self, message: SummaryScreen.Progress) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=message.total, progress=message.done)

    def on_summary_screen_booked(self, message: SummaryScreen.Booked) -> None:
        """Show the result in place of the picker and the summary: Esc then leads to Betalningar."""
        self.booking = False
        app = self.app
        while isinstance(app.screen, SummaryScreen | ChooseFileScreen) and len(app.screen_stack) > 2:
            app.pop_screen()
        app.push_screen(ResultScreen(message.result))


# ------------------------------------------------------------------------------------ the result


class ResultScreen(BaseScreen):
    """Läs in betalfil, step 3: what was booked, and the rows that need a hand (x: to Excel)."""

    SUB_TITLE = "Läs in betalfil – resultat"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "export", "Exportera till Excel", id="result.export",
                tooltip="Spara resultatloggen som Excelfil (frågar efter sökväg)"),
        Binding("e", "unmatched", "Ej matchade", id="result.unmatched",
                tooltip="Fördela de ej matchade betalningarna"),
    ]

    def __init__(self, result: pi.ImportResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        summary = self.result.summary
        assert summary is not None
        yield Header(icon="≡")
        head = Text(f"Bokförd: {count_of(len(summary.sections), 'insättning', 'insättningar')}, "
                    f"{count_of(summary.payments, 'betalning', 'betalningar')}, "
                    f"{format_kronor(summary.amount)}. ", style="bold green")
        head.append(f"Matchade {summary.matched}, ej matchade {summary.unmatched}, från inkassobolaget "
                    f"{summary.collection_payments}, överbetalningar {len(summary.overpayments)}, "
                    f"avdrag {summary.deductions}.", style="")
        yield Static(head, id="result-head")
        yield PagedTable(LOG_COLUMNS, id="result-log", empty_text="Inget behöver åtgärdas: alla betalningar matchade")
        yield Footer()

    @on(PagedTable.RowSelected, "#result-log")
    def _row_chosen(self, event: PagedTable.RowSelected) -> None:
        row: payment_report.LogRow = event.row.data
        self.notify(f"Rad {row.line}: {format_kronor(row.amount)}, {row.payer or 'okänd betalare'}, "
                    f"referens {row.reference or '–'}. {row.note}", title=row.kind, timeout=10)

    def on_mount(self) -> None:
        summary = self.result.summary
        assert summary is not None
        table = self.query_one("#result-log", PagedTable)
        table.border_title = f"Att se över ({format_count(len(summary.log))})"
        rows = [log_row(row, n) for n, row in enumerate(summary.log)]
        table.set_source(ListSource(LOG_COLUMNS, rows, sort_value=_log_sort_value))
        table.focus()

    def action_export(self) -> None:
        """Ask where, then write the log as an Excel sheet."""
        summary = self.result.summary
        assert summary is not None
        stem = Path(summary.file_name).stem
        suggestion = import_folder() / f"betalfil-{stem}-{today():%Y%m%d}.xlsx"
        self.app.push_screen(PathPrompt("Spara resultatloggen som Excelfil:", suggestion, "Exportera (Excelfil)"),
                             self._export_to)

    def _export_to(self, target: Path | None) -> None:
        if target:
            self._export(target)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", name="Exportera till Excel")
    def _export(self, target: Path) -> None:
        summary = self.result.summary
        assert summary is not None
        path = payment_report.export_log_xlsx(summary, target)
        self.app.call_from_thread(self.notify, f"Sparad: {path}", title="Excelfil")

    def action_unmatched(self) -> None:
        """The unmatched payments list."""
        from tui_inkasso.screens.unmatched import UnmatchedPaymentsScreen

        self.app.push_screen(UnmatchedPaymentsScreen())
