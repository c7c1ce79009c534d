"""Reskontra → Obetald hyra: the tenancies that may be terminated for unpaid rent, and the run.

1. The standard selection (:class:`~tui_inkasso.screens.selection.SelectionScreen`).
2. Two tables, keyboard only, as in the collection wizard. Upper "Får sägas upp": the contracts
   whose rent is unpaid past the limit of 12 kap. 42 § jordabalken (``services.arrears``); lower
   "Undantagna": those staff keep off the list. The money (Att betala: what recovery would
   demand) comes right after the tenant; Hinder says what would stop a termination (no
   socialnämnd address, no dwelling size ...). Space marks, ``a`` marks all, ``u`` (Undanta)
   moves the marked (or highlighted) contracts down and asks why, ``i`` (Inkludera) moves them
   up, Enter shows the contract in full (every overdue rent, what was paid), ``b`` shows the
   letters a termination would send (the preview), Tab switches tables, ``/`` filters.
3. F2 Säg upp: the marked contracts (or the highlighted one), after a question naming them and
   the amount: one run, its PDFs named in the result. Terminated contracts then leave the list
   for Reskontra → Uppsagda hyresavtal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Static

from tui_inkasso.domain.counts import count_of
from tui_inkasso.domain.money import format_kronor, format_sek
from tui_inkasso.domain.rent_arrears import premises_label
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.screens.two_lists import TwoListsScreen
from tui_inkasso.services import arrears as arrears_service
from tui_inkasso.services import arrears_run, clock
from tui_inkasso.services.arrears import ArrearsContract, ArrearsList
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, ReasonDialog
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS
from tui_inkasso.widgets.mark_table import MarkTable
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

COLUMNS = [
    Column("contract", "Avtal", 12),
    Column("customer", "Hyresgäst", 0, min_width=14),
    Column("owed", "Att betala", 11, align="right"),
    Column("rents", "Hyror", 5, align="right"),
    Column("days", "Dagar", 5, align="right"),
    Column("premises", "Slag", 6),
    Column("oldest", "Äldsta", 10),
    Column("object", "Objekt", 9),
    Column("municipality", "Kommun", 10),
    Column("problems", "Hinder", 0, min_width=14, sortable=False),
]
"""The upper table: the contract and tenant, the money, how late; the rest a Right away."""

EXCLUDED_COLUMNS = [
    *COLUMNS[:3],
    Column("reason", "Skäl", 0, min_width=14),
    Column("excluded_at", "Undantagen av", 20),
    Column("premises", "Slag", 6),
    Column("object", "Objekt", 9),
]

NAMED = 5
"""Contracts a question names before "och 3 till"."""


def _sort_value(row: TableRow, key: str) -> Any:
    c: ArrearsContract = row.data
    return {
        "contract": c.contract_number, "customer": (c.customer_name, c.customer_number), "owed": c.owed,
        "rents": len(c.overdue), "days": c.most_days_late, "premises": c.premises.value, "oldest": c.oldest_due,
        "object": c.object_code, "municipality": c.municipality, "reason": c.excluded_reason or "",
        "excluded_at": c.excluded_at or dt.datetime.min,
    }.get(key, "")


class ContractSource(ListSource):
    """The contracts of one table, in memory (a few thousand at most): sorted, filtered, marked."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[TableRow], **kwargs: Any) -> None:
        super().__init__(columns, rows, **kwargs)
        self.by_key: dict[str, ArrearsContract] = {row.key: row.data for row in rows}

    def keys(self, query: PageQuery) -> Sequence[str]:
        """Every contract number that passes the filter (for "mark all")."""
        return [row.key for row in self._view(query)]


def contract_row(c: ArrearsContract, excluded: bool) -> TableRow:
    """A contract as a table row (the first cell is the mark column's)."""
    number = Text(c.contract_number, style="bold red") if c.problems and not excluded else cells.text(c.contract_number)
    head = (Text(""), number, cells.text(f"{c.customer_number} {c.customer_name}"), cells.amount(c.owed))
    if excluded:
        when = f"{c.excluded_by or ''} {c.excluded_at:%Y-%m-%d}" if c.excluded_at else ""
        rest: tuple[Text, ...] = (cells.text(c.excluded_reason), cells.text(when),
                                  cells.text(premises_label(c.premises)), cells.text(c.object_code))
    else:
        problems = Text("; ".join(c.problems), style="bold red") if c.problems else Text("")
        rest = (Text(str(len(c.overdue)), justify="right"), Text(str(c.most_days_late), justify="right"),
                cells.text(premises_label(c.premises)), cells.date(c.oldest_due), cells.text(c.object_code),
                cells.text(c.municipality), problems)
    return TableRow(c.contract_number, (*head, *rest), data=c)


def contract_text(c: ArrearsContract) -> str:
    """The contract in full, for Enter."""
    lines = [f"Hyresavtal {c.contract_number}: {c.customer_number} {c.customer_name} ({c.national_id})",
             f"{premises_label(c.premises)} {c.object_code}, {c.object_address}",
             f"Fastighet {c.property_code}, kommun {c.municipality or '(saknas)'}"
             + (f", storlek {c.size}" if c.size else ""),
             f"Månadshyra {format_kronor(c.monthly_rent)}", "",
             "Obetald hyra längre än lagen medger (12 kap. 42 § jordabalken):"]
    for r in c.overdue:
        lines.append(f"  Faktura {r.invoice_number}, förföll {r.due_date.isoformat()} ({r.days_late} dagar): "
                     f"{format_kronor(r.amount)}, betalt {format_kronor(r.paid)}, obetalt {format_kronor(r.balance)}")
        if r.ledger_balance != r.balance:
            lines.append(f"    (i reskontran {format_kronor(r.ledger_balance)}: betalningar gick först till avgifter "
                         "och ränta; för återvinningen räknas de mot hyran, NJA 2013 s. 1190)")
    lines += ["", f"Att betala för att få tillbaka hyresrätten: {format_kronor(c.owed)} (bara hyran; ränta och "
              "avgifter krävs för sig)."]
    if c.excluded_reason:
        lines += ["", f"Undantagen av {c.excluded_by} {c.excluded_at:%Y-%m-%d %H:%M}: {c.excluded_reason}"]
    if c.problems:
        lines += ["", "Hinder för uppsägning:", *(f"  - {p}" for p in c.problems)]
    return "\n".join(lines)


def question(contracts: Sequence[ArrearsContract], on: dt.date) -> Text:
    """What F2 asks: the contracts by number and tenant, and the total to recover."""
    text = Text()
    total = sum(c.owed for c in contracts)
    if len(contracts) == 1:
        c = contracts[0]
        text.append(f"Säg upp hyresavtal {c.contract_number}", style="bold")
        text.append(f" ({c.customer_number} {c.customer_name}, {premises_label(c.premises).lower()} "
                    f"{c.object_code}) {on.isoformat()}?")
    else:
        numbers = [c.contract_number for c in contracts[:NAMED]]
        more = f" och {len(contracts) - NAMED} till" if len(contracts) > NAMED else ""
        text.append(f"Säg upp {count_of(len(contracts), 'hyresavtal', 'hyresavtal')}", style="bold")
        text.append(f": {', '.join(numbers)}{more} {on.isoformat()}?")
    text.append(f"\nAtt betala för återvinning: {format_sek(total)}\u00a0kr. Breven (uppsägning och underrättelse) "
                "blir en PDF; meddelandena till socialnämnden en PDF per kommun.")
    return text


class ArrearsScreen(TwoListsScreen):
    """Obetald hyra: the list, leaving out, the preview and the termination run."""

    SUB_TITLE = "Obetald hyra – uppsägning"
    READY = "arrears-ready"
    EXCLUDED = "arrears-excluded"
    SELECTION_TITLE = "Obetald hyra – urval"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {"table.sort", "mark.all", "arrears.switch"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
        Binding("f2", "terminate", "Säg upp", id="arrears.terminate",
                tooltip="Säg upp de markerade hyresavtalen (eller raden): brev, underrättelse och meddelanden"),
        Binding("b", "preview", "Brev", id="arrears.preview",
                tooltip="Visa breven som en uppsägning av raden skulle skicka"),
        Binding("u", "exclude", "Undanta", id="arrears.exclude",
                tooltip="Flytta de markerade hyresavtalen (eller raden) till Undantagna; frågar efter skäl"),
        Binding("i", "include", "Inkludera", id="arrears.include",
                tooltip="Flytta de markerade hyresavtalen (eller raden) tillbaka"),
        Binding("tab", "switch_table", "Byt tabell", id="arrears.switch"),
        Binding("f4", "edit_selection", "Urval", id="arrears.selection", tooltip="Ändra urvalet"),
        Binding("f5", "refresh", "Uppdatera", id="arrears.refresh"),
    ]

    GUARDED = {"terminate": arrears_run.terminate, "exclude": arrears_service.leave_out,
               "include": arrears_service.include}
    """The keys whose service the user's role may not call are greyed and say why."""

    result: var[ArrearsList | None] = var(None, bindings=True)
    """The two lists (None until read): F2 Säg upp, b Brev, Tab and F5 wait for them."""

    class Loaded(Message):
        """The list has been read."""

        def __init__(self, result: ArrearsList) -> None:
            super().__init__()
            self.result = result

    class Done(Message):
        """A termination run, leaving out or including is done (``text`` for people)."""

        def __init__(self, title: str, text: str, *, show: bool = False, reload: bool = True) -> None:
            super().__init__()
            self.title = title
            self.text = text
            self.show = show
            self.reload = reload

    def __init__(self, selection: Selection | None = None, today: dt.date | None = None) -> None:
        super().__init__()
        self.selection = selection
        self.today = today or clock.today()
        self._last_table = "arrears-ready"
        self._sources: dict[str, ContractSource] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="arrears-head")
        yield FilterField("/ Filtrera: avtal, hyresgäst, objekt eller kommun",
                          tables=("#arrears-ready", "#arrears-excluded"), id="arrears-filter")
        ready = MarkTable(COLUMNS, id="arrears-ready", empty_text="Ingen hyra är obetald längre än lagen medger",
                          no_match="Inga hyresavtal matchar '{filter}'", sort="contract",
                          row_keys=("u", "b"), frozen=2)
        ready.border_title = "Får sägas upp för obetald hyra"
        yield ready
        yield Static("", id="arrears-ready-totals", classes="arrears-totals")
        excluded = MarkTable(EXCLUDED_COLUMNS, id="arrears-excluded", empty_text="Inga undantagna hyresavtal",
                             no_match="Inga undantagna hyresavtal matchar '{filter}'", sort="contract",
                             row_keys=("i", "b"), frozen=2)
        excluded.border_title = "Undantagna"
        yield excluded
        yield Static("", id="arrears-excluded-totals", classes="arrears-totals")
        yield Footer()

    # ------------------------------------------------------------------ tables

    def has_read(self) -> bool:
        """The list has been read."""
        return self.result is not None

    def _load(self) -> None:
        for table in (self._ready(), self._excluded()):
            table.expect_rows()
        self._ready().focus()
        self._read(self.today, self.selection or Selection())

    def action_refresh(self) -> None:
        """Read the list again."""
        self._load()

    @db_work("Obetald hyra: listan", group="arrears-list", exclusive=True)
    def _read(self, on: dt.date, selection: Selection) -> None:
        self.post_message(self.Loaded(arrears_service.arrears_list(on, selection)))

    def on_arrears_screen_loaded(self, message: ArrearsScreen.Loaded) -> None:
        self.result = result = message.result
        self.query_one("#arrears-head", Static).update(Text(
            f"Datum {self.today.isoformat()} · urval: {result.selection.describe()}"))
        text = self.query_one("#arrears-filter", FilterField).text
        for table, contracts, excluded in ((self._ready(), result.contracts, False),
                                           (self._excluded(), result.excluded, True)):
            rows = [contract_row(c, excluded) for c in contracts]
            source = self._sources[str(table.id)] = ContractSource(table.columns, rows, sort_value=_sort_value)
            table.set_source(source, filter=text)
        self._show_totals()
        for note in result.notes:
            self.notify(note, title="Obetald hyra", timeout=8)

    def _show_totals(self) -> None:
        if self.result is None:
            return
        for table, contracts in ((self._ready(), self.result.contracts), (self._excluded(), self.result.excluded)):
            total = sum(c.owed for c in contracts)
            stopped = sum(1 for c in contracts if c.problems)
            text = Text()
            text.append(count_of(len(contracts), "hyresavtal", "hyresavtal"), style="bold")
            text.append(f" · att betala {format_sek(total)}\u00a0kr")
            if stopped and table is self._ready():
                text.append(f" · {stopped} med hinder", style="bold red")
            if table.marked:
                text.append(f" · {count_of(len(table.marked), 'markerat', 'markerade')}", style="bold yellow")
            self.query_one(f"#{table.id}-totals", Static).update(text)

    @on(MarkTable.MarksChanged)
    def _marks_changed(self, _event: MarkTable.MarksChanged) -> None:
        self._show_totals()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Undanta in the upper table, Inkludera in the lower, the rest once the list is here."""
        if action in ("exclude", "include"):
            return self.table_action(action)
        if action in ("terminate", "switch_table", "refresh", "preview"):
            return self.result is not None
        return True

    def _chosen(self, table: MarkTable) -> list[ArrearsContract]:
        source = self._sources.get(str(table.id))
        if source is None:
            return []
        by_key = source.by_key
        if table.marked:
            return [by_key[k] for k in table.marked_keys if k in by_key]
        row = table.current_row
        return [row.data] if row is not None else []

    # ------------------------------------------------------------------ Enter, b

    @on(PagedTable.RowSelected)
    def _show_contract(self, event: PagedTable.RowSelected) -> None:
        if event.table.id not in ("arrears-ready", "arrears-excluded"):
            return
        event.stop()
        contract: ArrearsContract = event.row.data
        self.app.push_screen(TextScreen(f"Hyresavtal {contract.contract_number}", contract_text(contract)))

    def action_preview(self) -> None:
        """b: the letters a termination of the highlighted contract would send."""
        table = self.focused if isinstance(self.focused, MarkTable) else self.query_one(
            f"#{self._last_table}", MarkTable)
        row = table.current_row
        if row is None:
            self.notify("Ingen rad att visa breven för.", title="Brev")
            return
        self._preview(row.key)

    @db_work("Obetald hyra: breven", group="arrears-preview", exclusive=True)
    def _preview(self, contract_number: str) -> None:
        try:
            text = arrears_run.preview_text(contract_number, self.today)
        except UserError as exc:
            self.post_message(self.Done("Brev", str(exc), reload=False))
            return
        self.app.call_from_thread(
            self.app.push_screen, TextScreen(f"Breven för {contract_number} (förhandsvisning)", text))

    # ------------------------------------------------------------------ undanta / inkludera

    def action_exclude(self) -> None:
        """Undanta: ask why (naming the contracts), then keep them off the list."""
        chosen = self._chosen(self._ready())
        if not chosen:
            self.notify("Markera hyresavtal att undanta först (mellanslag).", title="Inget markerat")
            return
        names = ", ".join(c.contract_number for c in chosen[:NAMED])
        more = f" och {len(chosen) - NAMED} till" if len(chosen) > NAMED else ""
        what = (f"hyresavtal {chosen[0].contract_number} ({chosen[0].customer_number} {chosen[0].customer_name})"
                if len(chosen) == 1 else f"{count_of(len(chosen), 'hyresavtal', 'hyresavtal')}: {names}{more}")
        dialog = ReasonDialog(Text(f"Undanta {what} från uppsägning?\nSkriv varför; skälet sparas med ditt namn "
                                   "och tid."), "Undanta från uppsägning", "Skäl till undantaget")
        numbers = [c.contract_number for c in chosen]
        self.app.push_screen(dialog, lambda reason: self._move(numbers, reason, True) if reason else None)

    def action_include(self) -> None:
        """Inkludera: put the marked (or highlighted) left-out contracts back on the list."""
        chosen = self._chosen(self._excluded())
        if not chosen:
            self.notify("Markera hyresavtal att inkludera först (mellanslag).", title="Inget markerat")
            return
        self._move([c.contract_number for c in chosen], "", False)

    @db_work("Obetald hyra: undanta", group="arrears-move")
    def _move(self, numbers: list[str], reason: str, exclude: bool) -> None:
        try:
            moved = arrears_service.leave_out(numbers, reason) if exclude else arrears_service.include(numbers)
        except UserError as exc:
            self.post_message(self.Done("Undanta" if exclude else "Inkludera", str(exc)))
            return
        verb = "undantagna" if exclude else "tillbaka i listan"
        self.post_message(self.Done("Obetald hyra", f"{count_of(len(moved.moved), 'hyresavtal', 'hyresavtal')} {verb}."))

    # ------------------------------------------------------------------ F2

    def action_terminate(self) -> None:
        """F2 Säg upp: the marked contracts (or the highlighted one), after a question."""
        table = self._ready()
        chosen = self._chosen(table)
        if not chosen:
            self.notify("Den övre listan är tom: inga hyresavtal att säga upp.", title="Inget att säga upp")
            return
        stopped = [c for c in chosen if c.problems]
        if stopped:
            first = stopped[0]
            self.notify(f"{first.contract_number}: {first.problems[0]}" + (
                f" (och {len(stopped) - 1} hyresavtal till med hinder)" if len(stopped) > 1 else ""),
                title="Kan inte sägas upp", severity="error", timeout=10)
            return
        numbers = [c.contract_number for c in chosen]
        self.app.push_screen(ConfirmDialog(question(chosen, self.today), "Säg upp hyresavtal"),
                             lambda yes: self._terminate(numbers) if yes else None)

    @db_work("Uppsägning", group="arrears-run")
    def _terminate(self, numbers: list[str]) -> None:
        try:
            result = arrears_run.terminate(numbers, self.today)
        except UserError as exc:
            self.post_message(self.Done("Ingen uppsägning gjordes", str(exc), show=True))
            return
        lines = [result.message, ""]
        lines += [f"{t.contract_number}  {t.customer_name}: {format_kronor(t.recovery_amount)}"
                  + (f", meddelande till socialnämnden i {t.municipality}" if t.municipality else "")
                  for t in result.terminated]
        lines += ["", "Registrera delgivningen och socialnämndens mottagande under Reskontra → Uppsagda hyresavtal."]
        lines += [f"Varning: {w}" for w in result.warnings]
        self.post_message(self.Done("Uppsägning klar", "\n".join(lines), show=True))

    def on_arrears_screen_done(self, message: ArrearsScreen.Done) -> None:
        if message.show:
            self.app.push_screen(TextScreen(message.title, message.text))
        else:
            self.notify(message.text, title=message.title, timeout=8)
        if message.reload:
            self._load()
