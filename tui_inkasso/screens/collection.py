"""Reskontra → Inkasso: "Skapa underlag för inkasso", from the selection to the file on disk.

1. The standard selection (:class:`~tui_inkasso.screens.selection.SelectionScreen`).
2. Two tables, keyboard only. Upper "Fakturor till inkasso": the invoices ready for collection;
   lower "Undantagna fakturor": those excluded (earlier, persisted, or now). The money (Saldo,
   Avgifter, Ränta) comes right after the customer; Left/Right scroll sideways to the rest.
   Space marks a row, ``a`` (or Ctrl+A) marks all, ``u`` (Undanta) moves the marked rows (or the
   highlighted one) down and asks why, naming them, ``i`` (Inkludera) moves them up, Enter shows
   the invoice in full (money, dunning history, the exclusion's whole reason, who and when), Tab
   switches tables, ``/`` filters both (letters in the tables are commands), ``s``/``r`` sort by
   the next column / reverse; count and sums under each table.
   Rows are fetched a page at a time from SQL (``services.collection_candidates.CandidateTable``).
3. F2 finishes by the collection system in the settings: "Skapa inkassoärende" (in-house, Intrum,
   Svea) asks for confirmation; "Skapa Excelfil" (none) asks where to save, then whether to open
   the sheet now, and shows it inside the terminal. Invoices someone else took meanwhile are
   named; the tables are refreshed and the run can go on without them.
4. The result: the cases created (case, customer, invoices, amount, debt type), exportable to
   Excel (``e``) or as PDF (``p``); Enter opens a case.

Everything slow runs in thread workers; keys are shown only where they apply (check_action).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Static

from tui_inkasso.domain.codes import invoice_kind_label
from tui_inkasso.domain.collection_systems import system_label, system_spec
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.domain.money import format_kronor, format_sek
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.two_lists import TwoListsScreen
from tui_inkasso.services import (
    clock,
    collection_candidates,
    collection_exclusion,
    collection_export,
    collection_recovery,
    collection_run,
)
from tui_inkasso.services.collection_errors import InvoicesTaken
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt, ReasonDialog
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, OPEN_KEY
from tui_inkasso.widgets.mark_table import MarkTable
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow
from tui_inkasso.widgets.parts import Parts

CANDIDATE_COLUMNS = [
    Column("invoice", "Faktura", 9),
    Column("customer", "Kund", 0, min_width=16),
    Column("balance", "Saldo", 10, align="right"),
    Column("fees", "Avgifter", 8, align="right"),
    Column("interest", "Ränta", 8, align="right", sortable=False),
    Column("due_date", "Förfaller", 10),
    Column("level", "Senaste nivå", 17),
    Column("kind", "Typ", 6),
    Column("national_id", "Person-/orgnr", 13),
    Column("object", "Objekt", 9),
    Column("sfi", "SFI-kategori", 12),
]
"""The upper table's columns (keys are the service's sort keys): what staff decide on first, the
money right after the customer; the rest is a Right away. At 80 columns Faktura, Kund and the
three amounts are on screen."""

EXCLUDED_COLUMNS = [
    *CANDIDATE_COLUMNS[:4],
    Column("reason", "Skäl", 0, min_width=16),
    Column("excluded_at", "Undantagen av", 20),
    Column("due_date", "Förfaller", 10),
    Column("level", "Senaste nivå", 17),
    Column("kind", "Typ", 6),
    Column("object", "Objekt", 9),
]
"""The lower table: the money, then why, who and when the invoice was excluded (Enter shows the
whole reason)."""

RESULT_COLUMNS = [
    Column("case", "Ärende", 17),
    Column("customer", "Kund", 0, min_width=20),
    Column("invoices", "Fakturor", 0, min_width=16),
    Column("amount", "Belopp", 14, align="right"),
    Column("debt_type", "Skuldtyp", 16),
]


def level_text(row: collection_candidates.CandidateRow) -> str:
    """"Krav 1 2026-10-31": the last level and the day it was issued."""
    name = row.level_name or f"Nivå {row.level}"
    return f"{name} {row.level_date.isoformat()}" if row.level_date else name


class CandidateSource:
    """One of the wizard's tables for a MarkTable, from SQL.

    The ids of the current sort and filter are read once (plain integers, one scan of the ready
    set); the count is their number and a page is read by primary key. A new sort or filter
    reads the ids again.
    """

    def __init__(self, table: collection_candidates.CandidateTable) -> None:
        self.table = table
        self._ids: tuple[PageQuery, list[int]] | None = None

    def _ordered(self, query: PageQuery) -> list[int]:
        cached = self._ids
        if cached is None or cached[0] != query:
            ids = self.table.ordered_ids(query.sort, query.descending, query.filter)  # in the table's worker
            self._ids = cached = (query, ids)
        return cached[1]

    def invalidate(self) -> None:
        """Forget the ids read (the rows changed): the next count reads them again."""
        self._ids = None

    def count(self, query: PageQuery) -> int:
        """Rows that pass the filter."""
        return len(self._ordered(query))

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One sorted, filtered page, read by id."""
        ids = self._ordered(query)[offset : offset + limit]
        page = self.table.rows_by_ids(ids)
        return [self.row(r) for r in page]

    def keys(self, query: PageQuery) -> Sequence[str]:
        """Every invoice id that passes the filter (for "mark all")."""
        return [str(i) for i in self._ordered(query)]

    def row(self, r: collection_candidates.CandidateRow) -> TableRow:
        """A candidate as a table row (the first cell is the mark column's)."""
        common = (
            Text(""),
            cells.text(r.invoice_number),
            cells.text(f"{r.customer_number} {r.customer_name}"),
            cells.amount(r.balance),
            cells.amount(r.fees),
        )
        kind = cells.text(invoice_kind_label(r.kind, short=True))
        if self.table.which == "excluded":
            when = f"{r.excluded_by or ''} {r.excluded_at:%Y-%m-%d}" if r.excluded_at else ""
            rest: tuple[Text, ...] = (
                cells.text(r.excluded_reason), cells.text(when), cells.date(r.due_date), cells.text(level_text(r)),
                kind, cells.text(r.object_code),
            )
        else:
            rest = (
                cells.amount(r.interest), cells.date(r.due_date), cells.text(level_text(r)), kind,
                cells.text(r.national_id), cells.text(r.object_code), cells.text(r.sfi.label),
            )
        return TableRow(str(r.invoice_id), (*common, *rest), data=r)


NAMED = 5
"""Invoice numbers a question names before "och 9 till"."""


NOTHING_READY = ("Inga fakturor är klara för inkasso. En faktura kommer hit när påminnelse- och "
                 "kravkörningarna (Reskontra → Påminnelse/krav) har skickat dess sista krav och det har förfallit.")
"""What an empty upper table says: where invoices for collection come from."""


def invoices(count: int) -> str:
    """"1 faktura", "14 fakturor", "6 398 fakturor"."""
    return count_of(count, "faktura", "fakturor")


def exclusion_question(count: int, named: Sequence[collection_candidates.CandidateRow], balance: int | None,
                       hidden: int, filter_text: str) -> Text:
    """What Undanta applies to, by invoice number and customer, and what the filter hides of it."""
    text = Text()
    if count == 1 and named:
        r = named[0]
        text.append(f"Undanta faktura {r.invoice_number}", style="bold")
        text.append(f" ({r.customer_number} {r.customer_name}, saldo {format_sek(r.balance)}\u00a0kr) från inkasso?")
    else:
        text.append(f"Undanta {invoices(count)}", style="bold")
        numbers = sorted(r.invoice_number for r in named)
        if numbers:
            more = f" och {count - len(numbers)} till" if count > len(numbers) else ""
            text.append(f": {', '.join(numbers)}{more}")
        if balance is not None:
            text.append(f" (saldo {format_sek(balance)}\u00a0kr)")
        text.append(" från inkasso?" if numbers or balance is not None else " från inkasso? (Hämtar fakturanumren …)")
    if hidden:
        text.append(f"\n{hidden} av dem syns inte med filtret '{filter_text}' men undantas också.", style="bold")
    text.append("\nSkriv varför; skälet sparas med ditt namn och tid.")
    return text


def _hidden(source: CandidateSource, ids: Sequence[int], query: PageQuery) -> int:
    """How many of ``ids`` the filter of ``query`` hides (0 without a filter). Runs in a worker."""
    if not query.filter:
        return 0
    visible = set(source.keys(query))
    return sum(1 for i in ids if str(i) not in visible)


def totals_text(totals: collection_candidates.CandidateTotals, marked: int, *, ready: bool, filtered: bool) -> Parts:
    """The line under a table: count, cases, sums, and how many rows are marked. At 80 columns
    it may take two lines: it breaks between the parts, never inside one ("1 markerad")."""
    parts = [Text(invoices(totals.count), style="bold") + (" (filtrerat)" if filtered else "")]
    if ready:
        parts.append(Text(count_of(totals.cases, "ärende", "ärenden")))
    parts.append(Text(f"saldo {format_sek(totals.balance)}\u00a0kr"))
    parts.append(Text(f"avgifter {format_sek(totals.fees)}\u00a0kr"))
    if marked:
        parts.append(Text(count_of(marked, "markerad", "markerade"), style="bold yellow"))
    return Parts(parts)


def terminated_note(candidates: collection_candidates.CandidateSet, today: dt.date) -> str:
    """A word when invoices of the upper list are rent of a termination that still stands (Reskontra →
    Uppsagda hyresavtal): collection is decided apart from the termination. Runs in a worker."""
    from tui_inkasso.services.termination_state import open_termination_invoices

    standing = open_termination_invoices(today)
    count = len(standing & set(candidates.ready.ids())) if standing else 0
    if not count:
        return ""
    return (f"{count} {'faktura' if count == 1 else 'fakturor'} i listan gäller "
            "hyra i ett hyresavtal som är uppsagt för obetald hyra (se fakturan med Enter). Inkasso beslutas för "
            "sig: en faktura kan gå till inkasso medan återvinningsfristen löper.")


class CollectionScreen(TwoListsScreen):
    """Inkasso: the two tables of step 2 and the finish by collection system."""

    SUB_TITLE = "Inkasso – skapa underlag"
    READY = "coll-ready"
    EXCLUDED = "coll-excluded"
    SELECTION_TITLE = "Inkasso – urval"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {"table.sort", "mark.all", "collection.switch",
                                                               "table.filter"}
    """s Sortera, a Markera alla and Tab give their room to the screen's own keys (F1 lists them);
    / Filtrera is named in the filter line above the tables."""

    FOOTER_MAIN: ClassVar[tuple[str, ...]] = (
        "collection.create_cases", "collection.create_excel", OPEN_KEY, "collection.exclude", "collection.include",
    )
    """Creating (the F2 of the system in use), Enter Visa (a row's detail) and Undanta/Inkludera
    stay at any width; then what fits (Markera and F4 Urval at 80 columns; F5 gives way first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
        Binding("u", "exclude", "Undanta", id="collection.exclude",
                tooltip="Flytta de markerade fakturorna (eller raden) till Undantagna fakturor; frågar efter skäl"),
        Binding("i", "include", "Inkludera", id="collection.include",
                tooltip="Flytta de markerade fakturorna (eller raden) tillbaka till Fakturor till inkasso"),
        Binding("tab", "switch_table", "Byt tabell", id="collection.switch"),
        Binding("f2", "finish", "Skapa inkassoärende", id="collection.create_cases",
                tooltip="Skapa inkassoärenden av alla fakturor i den övre listan"),
        Binding("f2", "finish_excel", "Skapa Excelfil", id="collection.create_excel",
                tooltip="Skapa en Excelfil med alla fakturor i den övre listan"),
        Binding("f4", "edit_selection", "Urval", id="collection.selection", tooltip="Ändra urvalet"),
        Binding("f5", "refresh", "Uppdatera", id="collection.refresh"),
    ]

    GUARDED = {"exclude": collection_exclusion.exclude, "include": collection_exclusion.include}
    """The keys whose service the user's role may not call are greyed and say why."""

    """The lower table keeps at least 3 rows at 80x24 (border, header, 3 rows, the sideways
    scroll bar); the table titles are the tables' border titles and the filter is one line, so
    both tables get the room."""

    class TotalsLoaded(Message):
        """The count and sums of a table for the filter that was asked for."""

        def __init__(self, which: str, text: str, totals: collection_candidates.CandidateTotals) -> None:
            super().__init__()
            self.which = which
            self.text = text
            self.totals = totals

    class Moved(Message):
        """An exclusion or inclusion is done; ``hidden`` of the rows moved the filter hid."""

        def __init__(self, result: collection_exclusion.MoveResult, excluded: bool, hidden: int = 0,
                     filter: str = "") -> None:
            super().__init__()
            self.result = result
            self.excluded = excluded
            self.hidden = hidden
            self.filter = filter

    class FinishPlanned(Message):
        """What the finish would send: the upper list's ids and their totals."""

        def __init__(self, ids: list[int], totals: collection_candidates.CandidateTotals, confirmed: bool,
                     out: Path | None) -> None:
            super().__init__()
            self.ids = ids
            self.totals = totals
            self.confirmed = confirmed
            self.out = out

    class RunDone(Message):
        """The cases are created."""

        def __init__(self, result: collection_run.CaseRunResult) -> None:
            super().__init__()
            self.result = result

    class Taken(Message):
        """Someone took some of the invoices meanwhile; nothing was written."""

        def __init__(self, error: InvoicesTaken, out: Path | None) -> None:
            super().__init__()
            self.error = error
            self.out = out

    candidates: var[collection_candidates.CandidateSet | None] = var(None, bindings=True)
    """The wizard's two lists (None until read): F2, Tab and F5 wait for them, F2 by their system."""

    def __init__(self, selection: Selection | None = None, today: dt.date | None = None) -> None:
        super().__init__()
        self.selection = selection
        self.today = today or clock.today()
        self.system = ""
        self.result: collection_run.CaseRunResult | None = None
        self._last_table = "coll-ready"
        self._totals: dict[str, collection_candidates.CandidateTotals] = {}
        self._excluded_pending: CandidateSource | None = None
        self._sources: dict[str, CandidateSource] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="coll-head")
        yield FilterField("/ Filtrera: fakturanummer, kund, person-/orgnr eller objekt",
                          tables=("#coll-ready", "#coll-excluded"), id="coll-filter")
        ready = MarkTable(CANDIDATE_COLUMNS, id="coll-ready", empty_text=NOTHING_READY,
                          no_match="Inga fakturor matchar '{filter}'",
                          page_size=200, sort="invoice", row_keys=("u",), frozen=2)
        ready.border_title = "Fakturor till inkasso"
        yield ready
        yield Static("", id="coll-ready-totals", classes="coll-totals")
        excluded = MarkTable(EXCLUDED_COLUMNS, id="coll-excluded", empty_text="Inga undantagna fakturor",
                             no_match="Inga undantagna fakturor matchar '{filter}'",
                             page_size=200, sort="invoice", row_keys=("i",), frozen=2)
        excluded.border_title = "Undantagna fakturor"
        yield excluded
        yield Static("", id="coll-excluded-totals", classes="coll-totals")
        yield Footer()

    def on_mount(self) -> None:
        """First the check of files a crash left (the selection, or the lists, follow: TwoListsScreen)."""
        self._recover()

    # ------------------------------------------------------------------ tables

    def has_read(self) -> bool:
        """The candidates have been read."""
        return self.candidates is not None

    @db_work("Kontroll av inkassofiler", group="collection-recover", exclusive=True)
    def _recover(self) -> None:
        collection_candidates.warm_up(self.today)
        messages = collection_recovery.recover()
        for message in messages:
            self.app.call_from_thread(self.notify, message, title="Inkassofiler", timeout=10)

    def _load(self) -> None:
        """Read the candidates; the upper table has the focus at once and waits for them (so do
        the keys typed meanwhile)."""
        self._ready().expect_rows()
        self._ready().focus()
        self._open_candidates(self.today, self.selection or Selection())

    @db_work("Inkasso: urval", group="collection-open", exclusive=True)
    def _open_candidates(self, today: dt.date, selection: Selection) -> None:
        candidates = collection_candidates.collection_candidates(today, selection)
        note = terminated_note(candidates, today)
        self.app.call_from_thread(self._show_candidates, candidates)
        if note:
            self.app.call_from_thread(self.notify, note, title="Uppsagda hyresavtal", timeout=12)

    def _show_candidates(self, candidates: collection_candidates.CandidateSet) -> None:
        self.system = candidates.system
        self.candidates = candidates
        label = system_label(self.system)
        self.query_one("#coll-head", Static).update(Text(
            f"Inkassosystem: {label} · datum {self.today.isoformat()} · urval: {candidates.selection.describe()}"))
        text = self.query_one("#coll-filter", FilterField).text
        # The lower table is read once the upper one shows its rows: on two cores the two scans
        # side by side would make the first rows wait for both.
        self._sources = {"coll-ready": CandidateSource(candidates.ready),
                         "coll-excluded": CandidateSource(candidates.excluded)}
        self._excluded_pending = self._sources["coll-excluded"]
        self._excluded().set_source(None)
        self._ready().set_source(self._sources["coll-ready"], filter=text)
        for note in candidates.notes:
            self.notify(note, title="Inget kan gå till inkasso", severity="warning", timeout=10)

    def action_refresh(self) -> None:
        """Read both tables again (marks are kept where the rows still are)."""
        for table in (self._ready(), self._excluded()):
            self._reload(table)

    def _reload(self, table: MarkTable) -> None:
        source = self._sources.get(str(table.id))
        if source is not None:
            source.invalidate()
        if self._excluded_pending is None or table.id == "coll-ready":
            table.reload()

    @on(PagedTable.Loaded)
    def _table_loaded(self, event: PagedTable.Loaded) -> None:
        if event.table.id == "coll-ready" and self._excluded_pending is not None:
            source, self._excluded_pending = self._excluded_pending, None
            self._excluded().set_source(source, filter=event.table.page_query.filter)
        if event.table.id in ("coll-ready", "coll-excluded"):
            self._count(event.table.id, event.table.page_query.filter)

    @db_work("Inkasso: summor", group="collection-totals")
    def _count(self, which: str, text: str) -> None:
        if self.candidates is None:
            return
        table = self.candidates.ready if which == "coll-ready" else self.candidates.excluded
        totals = table.totals(text)
        self.post_message(self.TotalsLoaded(which, text, totals))

    def on_collection_screen_totals_loaded(self, message: CollectionScreen.TotalsLoaded) -> None:
        table = self.query_one(f"#{message.which}", MarkTable)
        if message.text != table.page_query.filter:
            return
        self._totals[message.which] = message.totals
        self._show_totals(table)

    def _show_totals(self, table: MarkTable) -> None:
        totals = self._totals.get(str(table.id))
        if totals is None or table.id is None:
            return
        self.query_one(f"#{table.id}-totals", Static).update(
            totals_text(totals, len(table.marked), ready=table.id == "coll-ready", filtered=bool(table.page_query.filter)))

    @on(MarkTable.MarksChanged)
    def _marks_changed(self, event: MarkTable.MarksChanged) -> None:
        self._show_totals(event.table)

    # ------------------------------------------------------------------ focus and filter

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Undanta only in the upper table, Inkludera only in the lower, F2 by the system."""
        if action in ("exclude", "include"):
            return self.table_action(action)
        if action == "finish":
            return self.candidates is not None and not system_spec(self.system).writes_excel
        if action == "finish_excel":
            return self.candidates is not None and system_spec(self.system).writes_excel
        if action in ("switch_table", "refresh"):
            return self.candidates is not None
        return True

    # ------------------------------------------------------------------ undanta / inkludera

    def _chosen(self, table: MarkTable) -> list[int]:
        if table.marked:
            return [int(k) for k in table.marked_keys]
        row = table.current_row
        return [int(row.key)] if row is not None else []

    def action_exclude(self) -> None:
        """Undanta: ask why, naming the invoices, then move the marked (or highlighted) ones down.

        The dialog opens at once (keys typed after ``u`` are the reason); marked rows are named
        when a worker has read them, with how many of them the filter hides.
        """
        table = self._ready()
        ids = self._chosen(table)
        if not ids:
            self.notify("Markera fakturor att undanta först (mellanslag).", title="Inget markerat")
            return
        row = table.current_row
        if table.marked:
            question = exclusion_question(len(ids), [], None, 0, "")
        else:
            question = exclusion_question(1, [row.data] if row is not None else [], None, 0, "")
        dialog = ReasonDialog(question, "Undanta från inkasso", "Skäl till undantaget")
        self.app.push_screen(dialog, lambda reason: self._move(ids, reason, exclude=True) if reason else None)
        if table.marked:
            self._name_marked(dialog, ids, table.page_query)

    @db_work("Inkasso: markerade fakturor", group="collection-names")
    def _name_marked(self, dialog: ReasonDialog, ids: list[int], query: PageQuery) -> None:
        source = self._sources.get("coll-ready")
        if source is None:
            return
        hidden = _hidden(source, ids, query)
        named = source.table.rows_by_ids(ids[:NAMED])
        totals = collection_candidates.plan_totals(ids)
        question = exclusion_question(len(ids), named, totals.balance, hidden, query.filter)
        self.app.call_from_thread(dialog.update_question, question)

    def action_include(self) -> None:
        """Inkludera: move the marked (or highlighted) invoices back up."""
        table = self._excluded()
        ids = self._chosen(table)
        if not ids:
            self.notify("Markera fakturor att inkludera först (mellanslag).", title="Inget markerat")
            return
        self._move(ids, None, exclude=False, query=table.page_query if table.marked else None)

    @db_work("Undanta/inkludera", group="collection-move")
    def _move(self, ids: list[int], reason: str | None, *, exclude: bool, query: PageQuery | None = None) -> None:
        source = self._sources.get("coll-excluded")
        hidden = _hidden(source, ids, query) if source is not None and query is not None else 0
        result = collection_exclusion.exclude(ids, reason or "") if exclude else collection_exclusion.include(ids)
        self.post_message(self.Moved(result, exclude, hidden, query.filter if query is not None else ""))

    def on_collection_screen_moved(self, message: CollectionScreen.Moved) -> None:
        source = self._ready() if message.excluded else self._excluded()
        source.clear_marks()
        self.action_refresh()
        verb = "undantagna" if message.excluded else "inkluderade"
        text = f"{invoices(message.result.count)} {verb}."
        if message.hidden:
            text += f" {message.hidden} av dem doldes av filtret '{message.filter}'."
        if message.result.skipped:
            text += " Inte flyttade: " + ", ".join(f"{t.number} ({t.reason})" for t in message.result.skipped)
        self.notify(text, title="Undanta" if message.excluded else "Inkludera", markup=False)

    # ------------------------------------------------------------------ the invoice in full

    @on(PagedTable.RowSelected)
    def _show_invoice(self, event: PagedTable.RowSelected) -> None:
        """Enter on a row: the invoice in full, with the claim as it would be today."""
        if event.table.id not in ("coll-ready", "coll-excluded"):
            return
        event.stop()
        from tui_inkasso.screens.ledger import InvoiceDetailScreen

        row: collection_candidates.CandidateRow = event.row.data
        claim = [("Ränta till idag", row.interest), ("Att kräva idag", row.total)]
        self.app.push_screen(InvoiceDetailScreen(row.invoice_id, claim), lambda _: self.action_refresh())

    # ------------------------------------------------------------------ finish

    def action_finish(self) -> None:
        """Skapa inkassoärende: every invoice of the upper list, after a question."""
        self._plan(confirmed=False, out=None)

    def action_finish_excel(self) -> None:
        """Skapa Excelfil: ask where to save, then create the cases and the sheet."""
        default = collection_export.default_excel_path()
        self.app.push_screen(
            PathPrompt("Var ska Excelfilen sparas? (En mapp eller ett filnamn.)", default, "Skapa Excelfil"),
            lambda path: self._plan(confirmed=True, out=path) if path else None,
        )

    @db_work("Inkasso: förbered", group="collection-plan", exclusive=True)
    def _plan(self, *, confirmed: bool, out: Path | None) -> None:
        if self.candidates is None:
            return
        ids = self.candidates.ready.ids()
        totals = collection_candidates.plan_totals(ids)
        self.post_message(self.FinishPlanned(ids, totals, confirmed, out))

    def on_collection_screen_finish_planned(self, message: CollectionScreen.FinishPlanned) -> None:
        if not message.ids:
            self.notify("Den övre listan är tom: inga inkassoärenden att skapa.", title="Inget att skapa")
            return
        if message.confirmed:
            self._create(message.ids, message.out)
            return
        totals = message.totals
        label = system_label(self.system)
        question = (f"Skapa {count_of(totals.cases, 'inkassoärende', 'inkassoärenden')} av {invoices(totals.count)} (saldo "
                    f"{format_kronor(totals.balance)}, avgifter {format_kronor(totals.fees)}) – {label}?")
        if system_spec(self.system).is_agency:
            question += " Filen med de nya ärendena skapas och skickas direkt om en FTP-server är inställd."
        if self._ready().page_query.filter:
            question += " Alla fakturor i den övre listan tas med, även de som filtret döljer."
        self.app.push_screen(ConfirmDialog(question, "Skapa inkassoärende"),
                             lambda yes: self._create(message.ids, None) if yes else None)

    @db_work("Skapa inkassoärenden", group="collection-run", exclusive=True)
    def _create(self, ids: list[int], out: Path | None) -> None:
        try:
            result = collection_run.create_cases(self.today, self.selection, ids, self.system, out=out)
        except InvoicesTaken as exc:
            self.post_message(self.Taken(exc, out))
            return
        self.post_message(self.RunDone(result))

    def on_collection_screen_taken(self, message: CollectionScreen.Taken) -> None:
        self._ready().clear_marks()
        self.action_refresh()
        question = f"{message.error}\n\nVill du fortsätta utan dem?"
        self.app.push_screen(ConfirmDialog(question, "Fakturor har tagits av någon annan"),
                             lambda yes: self._plan(confirmed=True, out=message.out) if yes else None)

    def on_collection_screen_run_done(self, message: CollectionScreen.RunDone) -> None:
        result = self.result = message.result
        self._ready().clear_marks()
        self.action_refresh()
        for warning in result.warnings:
            self.notify(warning, title="Filen", severity="warning", timeout=15)
        for delivery in result.deliveries:
            if delivery.status != "sent":
                self.notify(f"{delivery.path}: {delivery.error or delivery.status}. Filen ligger kvar i utkorgen.",
                            title="Filen kunde inte skickas", severity="warning", timeout=15)
        if system_spec(result.system).writes_excel and result.file is not None:
            path = result.file
            self.app.push_screen(
                ConfirmDialog(f"{result.message}\n\nVill du öppna filen nu?", "Excelfilen är skapad"),
                lambda yes: self.app.push_screen(XlsxPreviewScreen(path)) if yes else None,  # type: ignore[arg-type]  # awaited
            )
            return
        self.app.push_screen(CaseResultScreen(result))


class CaseResultScreen(BaseScreen):
    """The cases a run created: the list the guide calls "återkoppling", exportable and printable."""

    SUB_TITLE = "Inkasso – skapade ärenden"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "export_excel", "Exportera till Excel", id="result.excel", tooltip="Spara listan som .xlsx"),
        Binding("p", "export_pdf", "Skriv ut (PDF)", id="result.pdf", tooltip="Spara listan som PDF för utskrift"),
    ]

    class Exported(Message):
        """The list was written to ``path``."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, result: collection_run.CaseRunResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(self._summary(), id="result-summary")
        yield PagedTable(RESULT_COLUMNS, id="result-list", empty_text="Inga ärenden")
        yield Footer()

    def _summary(self) -> Text:
        r = self.result
        text = Text(r.message, style="bold")
        for delivery in r.deliveries:
            state = "skickad" if delivery.status == "sent" else f"{delivery.status}: {delivery.error}"
            text.append(f"\nUppladdning {Path(delivery.path).name}: {state}")
        for warning in r.warnings:
            text.append(f"\n{warning}", style="bold yellow")
        return text

    def on_mount(self) -> None:
        rows = [
            TableRow(str(case.case_id), (cells.text(number), cells.text(customer), cells.text(invoices),
                                         cells.amount(amount), cells.text(debt)), data=case)
            for case, (number, customer, invoices, amount, debt) in zip(
                self.result.cases, collection_export.result_list_rows(self.result), strict=True)
        ]
        table = self.query_one("#result-list", PagedTable)
        table.border_title = f"Skapade inkassoärenden ({format_count(len(rows))})"
        table.set_source(ListSource(RESULT_COLUMNS, rows))
        table.focus()

    def action_export_excel(self) -> None:
        """Ask for a path, save the list as .xlsx."""
        self._ask("xlsx")

    def action_export_pdf(self) -> None:
        """Ask for a path, save the list as PDF."""
        self._ask("pdf")

    def _ask(self, kind: str) -> None:
        stamp = self.result.created_at.strftime("%Y%m%d_%H%M%S")
        default = collection_recovery.output_folder() / f"inkassoarenden_{stamp}.{kind}"
        what = "Excelfil" if kind == "xlsx" else "PDF"
        self.app.push_screen(PathPrompt(f"Spara listan som {what}:", default, f"Exportera ({what})"),
                             lambda path: self._export(path, kind) if path else None)

    @db_work("Exportera listan", group="result-export")
    def _export(self, path: Path, kind: str) -> None:
        written = collection_export.case_list_export(self.result, path, kind)  # type: ignore[arg-type]  # xlsx, pdf
        self.post_message(self.Exported(written))

    def on_case_result_screen_exported(self, message: CaseResultScreen.Exported) -> None:
        self.notify(f"Listan sparad: {message.path}", title="Exporterad")

    def action_open_case(self) -> None:
        """Open the highlighted case in the case register."""
        row = self.query_one("#result-list", PagedTable).current_row
        if row is not None:
            from tui_inkasso.screens.cases import CaseScreen

            self.app.push_screen(CaseScreen(int(row.key)))

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()


class XlsxPreviewScreen(BaseScreen):
    """The Excel sheet just written, shown inside the terminal (read back with openpyxl)."""

    SUB_TITLE = "Excelfil"

    class Loaded(Message):
        """The sheet's header and first rows."""

        def __init__(self, header: list[str], rows: list[list[str]]) -> None:
            super().__init__()
            self.header = header
            self.rows = rows

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(Text(str(self.path)), id="xlsx-path")
        yield PagedTable([Column("loading", "Läser …")], id="xlsx-sheet", loading=True)
        yield Footer()

    def on_mount(self) -> None:
        """The sheet has the focus at once and waits for its rows (keys typed meanwhile too)."""
        self.query_one("#xlsx-sheet", PagedTable).focus()
        self._read()

    @work(thread=True, exit_on_error=False, group="xlsx-preview", name="Läs Excelfilen")
    def _read(self) -> None:
        header, rows = collection_export.excel_preview(self.path)
        self.post_message(self.Loaded(header, rows))

    def on_xlsx_preview_screen_loaded(self, message: XlsxPreviewScreen.Loaded) -> None:
        widths = [max([len(h), *(len(r[i]) for r in message.rows if i < len(r))]) for i, h in enumerate(message.header)]
        columns = [Column(f"c{i}", h, min(max(w, 4), 30)) for i, (h, w) in enumerate(zip(message.header, widths,
                                                                                          strict=True))]
        rows = [TableRow(str(n), tuple(cells.text(v) for v in r)) for n, r in enumerate(message.rows)]
        table = self.query_one("#xlsx-sheet", PagedTable)
        table.columns = columns
        table.border_title = Text(f"{self.path.name}: {count_of(len(rows), 'rad', 'rader')}" + (" (de första)" if len(rows) >= 200 else ""))
        table.set_source(ListSource(columns, rows))
