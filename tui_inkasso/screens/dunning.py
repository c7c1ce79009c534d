"""Reskontra → Påminnelse/krav: selection, the list of what the run would issue, confirm, result.

1. The standard selection step (:class:`~tui_inkasso.screens.selection.SelectionScreen`).
2. The preview (``services.dunning_candidates.preview_run``, in a thread worker): every invoice that gets
   its next level on the run date, with level, balance, fee, interest and what the letter asks
   for; count and sums below. Space leaves the highlighted invoice out of this run (and takes it
   back), ``a`` leaves all out or takes all back, ``d`` changes the run date, ``u`` the selection.
3. F2 "Skapa breven" asks for confirmation and runs ``run_dunning`` in a thread
   worker (it recomputes everything; the invoices left out are passed by id).
4. The result: notices, fees, the PDF's path and the first letters as text.
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
from textual.widgets import Footer, Header, Input, Label, Static

from tui_inkasso.domain.codes import invoice_kind_label
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import format_kronor, format_sek
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import parse_date
from tui_inkasso.screens.selection_step import SelectionStepScreen
from tui_inkasso.services import clock, dunning_candidates, dunning_reprint, dunning_run
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, TABLE_KEYS
from tui_inkasso.widgets.paged_table import Column, PagedTable, PageQuery, TableRow

LEFT_OUT_MARK = "✗"

NARROW = 100
"""Table widths (inside the border) below which the less important columns move to the end."""

PREVIEW_COLUMNS = [
    Column("left_out", "Ut", 2, sortable=False),
    Column("invoice_number", "Faktura", 10),
    Column("customer_name", "Kund", 0, min_width=11),
    Column("balance", "Saldo", 11, align="right"),
    Column("fee", "Avgift", 7, align="right", later_below=NARROW),
    Column("interest", "Ränta", 8, align="right", later_below=NARROW),
    Column("total", "Att betala", 11, align="right"),
    Column("level", "Nivå", 12, later_below=NARROW),
    Column("due_date", "Förfaller", 10, later_below=NARROW),
    Column("kind", "Typ", 6, later_below=NARROW),
]
"""The money right after the customer. In a narrow table (an 80-column terminal) the first view
is Faktura, Kund, Saldo and Att betala, the name in about 30 characters; fees, interest, level
and dates are a Right away (the line below the list sums fees and interest). With all four
amounts in the first view the name had 11 characters: the customer number and two letters."""

LETTERS_SHOWN = 3
"""Letters of a finished run shown as text on the result screen."""


class PreviewSource:
    """The preview's rows for the PagedTable, built when shown; marks come from ``left_out``.

    The rows are in memory already (a run has some tens of thousands at most), so sorting is
    done here; leaving a row out only needs the table to draw its page again.
    """

    def __init__(self, rows: Sequence[dunning_candidates.PreviewRow], left_out: set[int]) -> None:
        self._rows = list(rows)
        self._left_out = left_out
        self._sorted: tuple[PageQuery, list[dunning_candidates.PreviewRow]] | None = None

    def _view(self, query: PageQuery) -> list[dunning_candidates.PreviewRow]:
        if self._sorted is None or self._sorted[0] != query:
            rows = list(self._rows)
            if query.sort:
                rows.sort(key=lambda r: getattr(r, query.sort or "invoice_number"), reverse=query.descending)
            self._sorted = (query, rows)
        return self._sorted[1]

    def count(self, query: PageQuery) -> int:
        """Rows in the preview."""
        return len(self._rows)

    def rows(self, query: PageQuery, offset: int, limit: int) -> list[TableRow]:
        """One page, with the left-out mark as it is now."""
        return [self.row(r) for r in self._view(query)[offset : offset + limit]]

    def row(self, r: dunning_candidates.PreviewRow) -> TableRow:
        """A preview row as a table row."""
        out = r.invoice_id in self._left_out
        return TableRow(
            str(r.invoice_id),
            (
                Text(LEFT_OUT_MARK if out else "", style="bold red"),
                cells.text(r.invoice_number),
                cells.text(f"{r.customer_number} {r.customer_name}"),
                cells.amount(r.balance),
                cells.amount(r.fee),
                cells.amount(r.interest),
                cells.amount(r.total),
                cells.text(f"{r.level} {r.level_name}"),
                cells.date(r.due_date),
                cells.text(invoice_kind_label(r.kind, short=True)),
            ),
            data=r,
        )


def totals_text(preview: dunning_candidates.RunPreview, left_out: set[int]) -> Text:
    """Count and sums of what the run would issue, the left-out invoices not counted."""
    rows = [r for r in preview.rows if r.invoice_id not in left_out]
    text = Text()
    text.append(count_of(len(rows), "brev", "brev"), style="bold")
    per_level: dict[str, int] = {}
    for r in rows:
        per_level[r.level_name] = per_level.get(r.level_name, 0) + 1
    if per_level:
        text.append(" (" + ", ".join(f"{n} {name}" for name, n in per_level.items()) + ")")
    text.append(f" · saldo {format_sek(sum(r.balance for r in rows))} · avgifter "
                f"{format_sek(sum(r.fee for r in rows))} · ränta {format_sek(sum(r.interest for r in rows))}"
                f" · att betala {format_kronor(sum(r.total for r in rows))}")
    if left_out:
        text.append(f" · {count_of(len(left_out), 'utelämnad', 'utelämnade')}", style="bold red")
    for problem in preview.problems:
        text.append(f"\n{problem}", style="bold red")
    return text


class DunningRunScreen(SelectionStepScreen):
    """Påminnelse/krav: what a run would issue, rows left out by keyboard, then the run."""

    SUB_TITLE = "Påminnelse/krav"
    SELECTION_TITLE = "Påminnelse/krav – urval"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | TABLE_KEYS
    """Enter opens nothing in the list; s Sortera gives its room to the run's own keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_row", "Utelämna/ta med", id="dunning.toggle_row",
                tooltip="Utelämna fakturan ur den här körningen, eller ta med den igen"),
        Binding("a", "toggle_all", "Alla ut/in", id="dunning.toggle_all",
                tooltip="Utelämna alla fakturor, eller ta med alla igen"),
        Binding("d", "edit_date", "Datum", id="dunning.date", tooltip="Ändra körningsdatum"),
        Binding("u", "edit_selection", "Urval", id="dunning.selection", tooltip="Ändra urvalet"),
        Binding("f2", "create", "Skapa breven", id="dunning.create",
                tooltip="Skapa påminnelserna och kraven i listan"),
        Binding("f5", "refresh", "Uppdatera", id="dunning.refresh"),
    ]

    GUARDED = {"create": dunning_run.run_dunning}
    """The keys whose service the user's role may not call are greyed and say why."""

    class PreviewLoaded(Message):
        """A preview has arrived (for the date and selection it was asked for)."""

        def __init__(self, preview: dunning_candidates.RunPreview) -> None:
            super().__init__()
            self.preview = preview

    class RunDone(Message):
        """The run finished."""

        def __init__(self, result: dunning_run.RunResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, selection: Selection | None = None, run_date: dt.date | None = None) -> None:
        super().__init__()
        self.selection = selection
        self.run_date = run_date or clock.today()
        self.preview: dunning_candidates.RunPreview | None = None
        self.left_out: set[int] = set()
        self.result: dunning_run.RunResult | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="run-head"):
            yield Label("Körningsdatum ")
            yield Input(self.run_date.isoformat(), id="run-date", placeholder="ÅÅÅÅ-MM-DD")
            yield Static("", id="run-selection")
        yield PagedTable(PREVIEW_COLUMNS, id="run-preview", empty_text="Inga fakturor står på tur",
                         page_size=200, sort="invoice_number", row_keys=("space", "a"))
        yield Static("", id="run-totals")
        yield Footer()

    def on_mount(self) -> None:
        """The list's title; the selection or the preview follow (SelectionStepScreen)."""
        self.query_one("#run-preview", PagedTable).border_title = "Fakturor som får nästa kravnivå"

    # ------------------------------------------------------------------ selection and date

    def has_read(self) -> bool:
        """A preview has been computed."""
        return self.preview is not None

    def read_for_selection(self) -> None:
        """Compute the preview, the focus on its list."""
        self._load()
        self.query_one("#run-preview", PagedTable).focus()

    def action_edit_date(self) -> None:
        """Move to the run date field."""
        field = self.query_one("#run-date", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#run-date")
    def _date_entered(self, event: Input.Submitted) -> None:
        try:
            day = parse_date(event.value, "Körningsdatum")
        except ValueError as exc:
            self.notify(str(exc), title="Fel datum", severity="error")
            return
        self.run_date = day or clock.today()
        self.query_one("#run-date", Input).value = self.run_date.isoformat()
        self._load()
        self.query_one("#run-preview", PagedTable).focus()

    # ------------------------------------------------------------------ the preview

    def action_refresh(self) -> None:
        """Compute the preview again."""
        self._load()

    def _load(self) -> None:
        """Compute the preview; the list waits for it (keys typed meanwhile too), not showing the old one."""
        self.query_one("#run-preview", PagedTable).expect_rows()
        self.query_one("#run-totals", Static).update("Beräknar …")
        self.query_one("#run-selection", Static).update(
            Text(f"   Urval: {(self.selection or Selection()).describe()}"))
        self._compute(self.run_date, self.selection or Selection())

    @db_work("Förhandsvisning", group="dunning-preview", exclusive=True)
    def _compute(self, run_date: dt.date, selection: Selection) -> None:
        preview = dunning_candidates.preview_run(run_date, selection)
        self.post_message(self.PreviewLoaded(preview))

    def on_dunning_run_screen_preview_loaded(self, message: DunningRunScreen.PreviewLoaded) -> None:
        preview = message.preview
        if preview.run_date != self.run_date or preview.selection != (self.selection or Selection()):
            return
        self.preview = preview
        self.left_out = {i for i in self.left_out if i in {r.invoice_id for r in preview.rows}}
        table = self.query_one("#run-preview", PagedTable)
        table.set_source(PreviewSource(preview.rows, self.left_out))
        table.border_title = f"Fakturor som får nästa kravnivå {preview.run_date.isoformat()} ({format_count(preview.count)})"
        self._show_totals()
        if preview.problems:
            self.notify("\n".join(preview.problems), title="Körningen kan inte göras", severity="error",
                        timeout=10)

    def _show_totals(self) -> None:
        if self.preview is not None:
            self.query_one("#run-totals", Static).update(totals_text(self.preview, self.left_out))

    def action_toggle_row(self) -> None:
        """Leave the highlighted invoice out of this run, or take it back."""
        table = self.query_one("#run-preview", PagedTable)
        row = table.current_row
        if row is None:
            return
        invoice_id = int(row.key)
        self.left_out.symmetric_difference_update({invoice_id})
        table.reload()
        table.action_cursor_down()
        self._show_totals()

    def action_toggle_all(self) -> None:
        """Leave every invoice out, or (when all are out) take all back."""
        if self.preview is None:
            return
        every = {r.invoice_id for r in self.preview.rows}
        if self.left_out >= every:
            self.left_out.clear()
        else:
            self.left_out.update(every)
        self.query_one("#run-preview", PagedTable).reload()
        self._show_totals()

    # ------------------------------------------------------------------ the run

    def action_create(self) -> None:
        """Ask, then create the notices and the letters."""
        preview = self.preview
        if preview is None:
            return
        if preview.problems:
            self.notify("\n".join(preview.problems), title="Körningen kan inte göras", severity="error")
            return
        count = len([r for r in preview.rows if r.invoice_id not in self.left_out])
        if count == 0:
            self.notify("Inga påminnelser eller krav att skapa.", title="Inget att skicka")
            return
        fees = sum(r.fee for r in preview.rows if r.invoice_id not in self.left_out)
        question = (f"Skapa {count_of(count, 'påminnelse/krav', 'påminnelser/krav')} daterade {preview.run_date.isoformat()}? "
                    f"Avgifter {format_kronor(fees)} debiteras och breven samlas i en PDF. "
                    f"Listan räknas om vid körningen.")
        self.app.push_screen(ConfirmDialog(question, "Skapa påminnelser/krav"), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self.query_one("#run-totals", Static).update("Skapar påminnelser och krav …")
            self._run(self.run_date, self.selection or Selection(), frozenset(self.left_out))

    @db_work("Påminnelse-/kravkörning", group="dunning-run", exclusive=True)
    def _run(self, run_date: dt.date, selection: Selection, left_out: frozenset[int]) -> None:
        result = dunning_run.run_dunning(run_date, selection, left_out)
        self.post_message(self.RunDone(result))

    def on_dunning_run_screen_run_done(self, message: DunningRunScreen.RunDone) -> None:
        self.result = message.result
        self.left_out.clear()
        self._load()
        self.app.push_screen(RunResultScreen(message.result))


class RunResultScreen(BaseScreen):
    """What a run did: notices, fees, the PDF, and its first letters as text."""

    SUB_TITLE = "Påminnelse/krav – resultat"

    class LettersLoaded(Message):
        """The first letters' text has arrived."""

        def __init__(self, texts: list[str]) -> None:
            super().__init__()
            self.texts = texts

    def __init__(self, result: dunning_run.RunResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="run-result"):
            yield Static(self._summary(), id="run-result-summary")
            yield Static("", id="run-result-letters")
        yield Footer()

    def _summary(self) -> Text:
        r = self.result
        text = Text()
        text.append(r.message + "\n", style="bold")
        if not r.notices:
            return text
        levels: dict[tuple[int, str], int] = {}
        for n in r.notices:
            levels[(n.level, n.level_name)] = levels.get((n.level, n.level_name), 0) + 1
        text.append(" · ".join(f"{name}: {format_count(count)}\u00a0st" for (_, name), count in sorted(levels.items())))
        text.append(f"\nAvgifter {format_kronor(r.fees)} · ränta {format_kronor(r.interest)} · "
                    f"att betala {format_kronor(r.total)}")
        if r.left_out:
            text.append(f"\n{count_of(len(r.left_out), 'faktura', 'fakturor')} utelämnades ur körningen.")
        shown = min(LETTERS_SHOWN, len(r.notices))
        text.append(f"\n\nDe {shown} första breven som text:" if shown > 1 else "\n\nBrevet som text:",
                    style="bold")
        return text

    def on_mount(self) -> None:
        self.query_one("#run-result", VerticalScroll).focus()
        if self.result.notices:
            self._letters([n.notice_id for n in self.result.notices[:LETTERS_SHOWN]])

    @db_work("Brev som text", group="dunning-letters", exclusive=True)
    def _letters(self, notice_ids: list[int]) -> None:
        texts = [dunning_reprint.preview_text(i) for i in notice_ids]
        self.post_message(self.LettersLoaded(texts))

    def on_run_result_screen_letters_loaded(self, message: RunResultScreen.LettersLoaded) -> None:
        separator = "\n" + "=" * 88 + "\n\n"
        self.query_one("#run-result-letters", Static).update(Text(separator.join(message.texts)))
