"""Reskontra: find a customer as you type, see their invoices, open one invoice.

The search box finds customers by name, customer number, personnummer/organisationsnummer or an
invoice's number or OCR (``services.customer_search.search_customers``). The highlighted customer's
invoices load at once below, a page at a time (``PagedTable`` over ``customer_invoices``), so a
customer with ten thousand invoices opens as fast as one with ten. Enter on an invoice shows its
rows, payments, dunning history, case, exclusion and blocks.

Every service call runs in a thread worker with its own connection; results come back as
messages, and a result for a search text or customer that is no longer current is dropped.

Type-ahead: Enter moves the focus at once, to a table that shows "Hämtar …" until its rows are
there (``PagedTable.expect_rows``) and keeps the keys typed meanwhile for them. So "anna", Enter,
Enter, Down, Enter opens Anna's second invoice however slow the search and her ledger are.

What the screen shows can change on a screen opened on top of it: a block set on the invoice
detail, payments booked or dunning levels renamed through the command palette. So when the
screen comes back into view, the hits and the open customer are read again in place (cursors
and sort kept), not only when F5 is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tui_inkasso.domain.codes import case_status_label, invoice_kind_label
from tui_inkasso.domain.collection_systems import system_label
from tui_inkasso.domain.counts import count_of, format_count
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.reprint import BlockFlow, ReprintMenu
from tui_inkasso.services import customer_search, dunning_blocks, invoice_detail, ledger
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS, TABLE_KEYS
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

HIT_LIMIT = 50
"""The customer search shows this many hits (and says when there are more)."""

SEARCH_DELAY = 0.12
"""Seconds of quiet typing before a search runs (each keystroke restarts the wait)."""

HIGHLIGHT_DELAY = 0.05
"""Seconds the cursor rests on a customer before their ledger loads."""

INVOICE_PAGE = 100
"""Invoices fetched per page."""

ONLY_OPEN = "open"
"""The invoice table's filter value for "only invoices with a balance"."""


CUSTOMER_COLUMNS = [
    Column("number", "Kundnr", 8),
    Column("name", "Namn", 0, min_width=18),
    Column("national_id", "Person-/orgnr", 13),
    Column("city", "Ort", 12),
    Column("open_invoices", "Obetalda", 8, align="right"),
    Column("open_balance", "Öppet saldo", 13, align="right"),
    Column("matched_by", "Hittad via", 22),
]

INVOICE_COLUMNS = [
    Column("number", "Faktura", 9),
    Column("kind", "Typ", 6),
    Column("invoice_date", "Datum", 10),
    Column("due_date", "Förfaller", 11),
    Column("amount", "Belopp", 11, align="right"),
    Column("balance", "Saldo", 11, align="right"),
    Column("charges", "Avg.+ränta", 10, align="right"),
    Column("status", "Status", 12, sortable=False),
    Column("dunning_level", "Kravnivå", 10),
    Column("case", "Ärende", 0, sortable=False, min_width=8),
    Column("blocked", "Spärr", 5, sortable=False),
]


def customer_row(hit: customer_search.CustomerHit) -> TableRow:
    """A search hit as a row of the customer list."""
    via = hit.matched_by if hit.invoice_number is None else f"{hit.matched_by} {hit.invoice_number}"
    return TableRow(
        str(hit.id),
        (
            cells.text(hit.number),
            cells.text(hit.name),
            cells.text(hit.national_id),
            cells.text(hit.city),
            cells.text(hit.open_invoices),
            cells.amount(hit.open_balance),
            cells.text(via),
        ),
        data=hit,
    )


def _customer_sort_value(row: TableRow, key: str) -> object:
    hit: customer_search.CustomerHit = row.data
    return getattr(hit, key) if key != "matched_by" else hit.matched_by


def invoice_row(line: ledger.InvoiceLine) -> TableRow:
    """An invoice as a row of the ledger."""
    return TableRow(
        str(line.id),
        (
            cells.text(line.number),
            cells.text(invoice_kind_label(line.kind, short=True)),
            cells.date(line.invoice_date),
            cells.date(line.due_date),
            cells.amount(line.amount),
            cells.amount(line.balance),
            cells.amount(line.charges),
            cells.status(line.status),
            cells.text(line.dunning_level_name),
            cells.text(line.collection_case),
            cells.flag(line.blocked, "Spärr"),
        ),
        data=line,
    )


class InvoiceSource:
    """A customer's invoices for the PagedTable, read page by page from the ledger service.

    It may be primed with the count and first page that came with the customer's ledger, so
    opening a customer costs one round trip to the database, not three.
    """

    def __init__(
        self,
        customer_id: int,
        customer_blocked: bool,
        primed: tuple[PageQuery, int, list[TableRow]] | None = None,
    ) -> None:
        self.customer_id = customer_id
        self.customer_blocked = customer_blocked
        self._primed = primed

    def renew(self, customer_blocked: bool, primed: tuple[PageQuery, int, list[TableRow]]) -> None:
        """Fresh data for the same customer: what was primed before is out of date."""
        self.customer_blocked = customer_blocked
        self._primed = primed

    def count(self, query: PageQuery) -> int:
        """Invoices (with a balance, when filtered) of the customer."""
        if self._primed and self._primed[0] == query:
            return self._primed[1]
        return ledger.count_customer_invoices(self.customer_id, only_open=query.filter == ONLY_OPEN)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page, sorted in SQL."""
        if self._primed and self._primed[0] == query and offset == 0 and limit <= len(self._primed[2]):
            return self._primed[2][:limit]
        lines = ledger.customer_invoices(
            self.customer_id,
            offset=offset,
            limit=limit,
            sort=query.sort or ledger.DEFAULT_SORT,
            descending=query.descending,
            only_open=query.filter == ONLY_OPEN,
            customer_blocked=self.customer_blocked,
        )
        return [invoice_row(line) for line in lines]


class HitSource:
    """The search hits as rows of the customer list; the rows can be renewed in place."""

    def __init__(self, rows: list[TableRow]) -> None:
        self.renew(rows)

    def renew(self, rows: list[TableRow]) -> None:
        """Show these rows from now on (the table is reloaded by the caller)."""
        self.keys = [row.key for row in rows]
        self._rows = ListSource(CUSTOMER_COLUMNS, rows, sort_value=_customer_sort_value)

    def count(self, query: PageQuery) -> int:
        """Hits that pass the filter."""
        return self._rows.count(query)

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page of the sorted hits."""
        return self._rows.rows(query, offset, limit)


def customer_card(data: ledger.CustomerLedger, only_open: bool) -> Text:
    """Two or three lines about the customer above their invoices."""
    c = data.customer
    place = ", ".join(p for p in (c.address, f"{c.postal_code} {c.city}".strip()) if p)
    card = Text()
    card.append(c.name, style="bold")
    card.append(f"   {c.number}   {c.national_id}   {place}")
    card.append(
        f"\n{count_of(data.invoice_count, 'faktura', 'fakturor')} · {format_count(data.open_count)}\u00a0obetalda · "
        f"öppet saldo {cells.amount(data.open_balance).plain}\u00a0kr"
        + (f" (+ avg./ränta {cells.amount(data.open_charges).plain})" if data.open_charges else "")
        + f" · {count_of(data.collection_count, 'inkassomärkt', 'inkassomärkta')}"
    )
    card.append("   Visar: " + ("endast obetalda" if only_open else "alla fakturor"), style="italic")
    if c.block:
        card.append(f"\nKravspärr på kunden: {c.block.reason}", style="bold yellow")
    return card


REPRINT_BINDINGS: list[BindingType] = [
    Binding("p", "reprint", "Återutskrift", id="ledger.reprint",
            tooltip="Återutskrift: förhandsgranska eller skriv ut fakturans påminnelser och krav"),
    Binding("b", "block_invoice", "Spärr faktura", id="ledger.block_invoice",
            tooltip="Spärra påminnelser och krav för fakturan, eller ta bort spärren"),
]
"""Återutskrift and the invoice's dunning block (kravspärr; screens/reprint.py), on the ledger and an
invoice. Short labels, so the ledger's footer shows every key of the screen in 120 columns."""


def open_reprint(screen: BaseScreen, line: ledger.InvoiceLine | None) -> None:
    """The reprint menu for ``line``, or a note why there is nothing to reprint."""
    if line is None:
        screen.notify("Välj en faktura i listan först.", title="Ingen faktura vald")
    elif line.dunning_level == 0:
        screen.notify(f"Faktura {line.number} har inte fått någon påminnelse eller något krav.",
                      title="Inget att skriva ut")
    else:
        screen.app.push_screen(ReprintMenu(line.id, line.number))


class LedgerScreen(BlockFlow, BaseScreen):
    """Reskontra (kundsök): search, customers, the chosen customer's invoices."""

    SUB_TITLE = "Reskontra (kundsök)"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | TABLE_KEYS | {"table.filter"}
    """Enter and s of the tables give their room to the screen's own keys (F1 lists them); / on
    the tables goes to the search box, which the footer shows as Ctrl+F Sök."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_search", "Sök", id="ledger.search"),
        Binding("u", "toggle_open", "Obetalda/alla", id="ledger.only_open",
                tooltip="Visa endast fakturor med saldo, eller alla"),
        Binding("f5", "refresh", "Uppdatera", id="ledger.refresh"),
        *REPRINT_BINDINGS,
        Binding("B", "block_customer", "Spärr kund", id="ledger.block_customer",
                tooltip="Spärra påminnelser och krav för kunden, eller ta bort spärren"),
    ]

    GUARDED = {"block_invoice": dunning_blocks.block_invoice, "block_customer": dunning_blocks.block_customer}
    """The keys whose service the user's role may not call are greyed and say why."""

    class SearchDone(Message):
        """Hits for ``text`` have arrived."""

        def __init__(self, text: str, hits: list[customer_search.CustomerHit]) -> None:
            super().__init__()
            self.text = text
            self.hits = hits

    class LedgerLoaded(Message):
        """A customer's ledger (card, totals, first page) has arrived."""

        def __init__(
            self, data: ledger.CustomerLedger, query: PageQuery, rows: list[TableRow], in_place: bool = False,
        ) -> None:
            super().__init__()
            self.data = data
            self.query = query
            self.rows = rows
            self.in_place = in_place
            """Read again for the customer already shown: keep the invoice table's cursor."""

    class HitsRenewed(Message):
        """The hits for ``text``, searched again when the screen came back into view."""

        def __init__(self, text: str, hits: list[customer_search.CustomerHit]) -> None:
            super().__init__()
            self.text = text
            self.hits = hits

    def __init__(self) -> None:
        super().__init__()
        self._searching: str | None = None
        """The text of the search in flight, until its hits are shown."""
        self._highlight_timer: Timer | None = None
        self._customer_id: int | None = None
        self._only_open = False
        self.last_ledger: ledger.CustomerLedger | None = None
        self._hits: HitSource | None = None
        self._invoice_source: InvoiceSource | None = None
        self._shown_before = False

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield FilterField(
            "Sök kund: namn, kundnummer, personnummer, OCR eller fakturanummer",
            tables=("#customers", "#invoices"), apply=False, delay=SEARCH_DELAY, id="search",
        )
        yield PagedTable(
            CUSTOMER_COLUMNS, id="customers", empty_text="Skriv i sökfältet för att hitta en kund", page_size=50,
        )
        yield Static("", id="customer-card")
        yield PagedTable(
            INVOICE_COLUMNS, id="invoices", page_size=INVOICE_PAGE, sort=ledger.DEFAULT_SORT, descending=True,
            empty_text="Ingen kund vald", row_keys=("p", "b"),
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#customers", PagedTable).border_title = "Kunder"
        self.query_one("#invoices", PagedTable).border_title = "Fakturor"
        self.query_one("#search", Input).focus()

    # ------------------------------------------------------------------ search

    def on_key(self, event: events.Key) -> None:
        """Keep what was typed while the screen was still opening (type-ahead after "r").

        Keys that arrive before the search box has the focus are handed to the screen itself;
        a printable one that reaches the screen while the box has the focus can only be such a
        key (the box stops the ones it receives), so it goes into the box instead of being lost.
        """
        search = self.query_one("#search", Input)
        if self.focused is search and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            search.insert_text_at_cursor(event.character)

    @on(FilterField.Settled, "#search")
    def _settled(self, event: FilterField.Settled) -> None:
        """Typing paused, or Enter (the search box then moves to the customer list, which keeps
        the keys typed at it until these hits are there): search."""
        self._search_now()

    def _search_now(self) -> None:
        text = self.query_one("#search", Input).value
        if text.strip():
            self._searching = text
            self._run_search(text)
        else:
            self._searching = None
            self._show_hits(text, [])

    @db_work("Kundsökning", group="search", exclusive=True)
    def _run_search(self, text: str) -> None:
        hits = customer_search.search_customers(text, limit=HIT_LIMIT + 1)  # one more: are there more?
        if not get_current_worker().is_cancelled:
            self.post_message(self.SearchDone(text, hits))

    def on_ledger_screen_search_done(self, message: LedgerScreen.SearchDone) -> None:
        if message.text == self.query_one("#search", Input).value:
            self._searching = None
            self._show_hits(message.text, message.hits)

    def _show_hits(self, text: str, hits: list[customer_search.CustomerHit]) -> None:
        table = self.query_one("#customers", PagedTable)
        table.empty_text = "Ingen kund matchar sökningen" if text.strip() else "Skriv i sökfältet för att hitta en kund"
        more = len(hits) > HIT_LIMIT
        self._hits = HitSource([customer_row(hit) for hit in hits[:HIT_LIMIT]])
        table.set_source(self._hits)
        if not text.strip():
            table.border_title = "Kunder"
        elif more:
            table.border_title = f"Kunder: de {HIT_LIMIT} första av fler träffar – skriv mer för att hitta färre"
        else:
            table.border_title = f"Kunder ({format_count(len(hits))})"
        if not hits:
            self._clear_ledger()

    @property
    def pending(self) -> bool:
        """True while a highlighted customer's ledger waits for its short delay (scheduled work,
        for whoever waits until the screen is done)."""
        return self._highlight_timer is not None

    # ------------------------------------------------------------------ the customer's ledger

    @on(PagedTable.RowHighlighted, "#customers")
    def _customer_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        if event.row is None:
            return
        customer_id = int(event.row.key)
        if customer_id == self._customer_id:
            return
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
        self._highlight_timer = self.set_timer(HIGHLIGHT_DELAY, lambda: self._open_customer(customer_id))

    @on(PagedTable.RowSelected, "#customers")
    def _customer_selected(self, event: PagedTable.RowSelected) -> None:
        customer_id = int(event.row.key)
        if customer_id != self._customer_id:
            self._open_customer(customer_id)
        self.query_one("#invoices", PagedTable).focus()

    def _open_customer(self, customer_id: int) -> None:
        """Load the customer's ledger; the invoice table waits for it (no other customer's rows)."""
        if self._highlight_timer is not None:
            self._highlight_timer.stop()
            self._highlight_timer = None
        self._customer_id = customer_id
        table = self.query_one("#invoices", PagedTable)
        query = PageQuery(table.page_query.sort, table.page_query.descending, self._filter())
        self._invoice_source = None
        table.expect_rows()
        self._load_ledger(customer_id, query)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed search is no longer in flight (BaseScreen stops the tables waiting for it)."""
        if event.state == WorkerState.ERROR and event.worker.group == "search":
            self._searching = None

    def _filter(self) -> str:
        return ONLY_OPEN if self._only_open else ""

    @db_work("Kundreskontra", group="ledger", exclusive=True)
    def _load_ledger(self, customer_id: int, query: PageQuery, in_place: bool = False) -> None:
        data = ledger.customer_ledger(
            customer_id,
            limit=INVOICE_PAGE,
            sort=query.sort or ledger.DEFAULT_SORT,
            descending=query.descending,
            only_open=query.filter == ONLY_OPEN,
        )
        rows = [invoice_row(line) for line in data.invoices]
        if not get_current_worker().is_cancelled:
            self.post_message(self.LedgerLoaded(data, query, rows, in_place))

    def on_ledger_screen_ledger_loaded(self, message: LedgerScreen.LedgerLoaded) -> None:
        data = message.data
        if data.customer.id != self._customer_id:
            return
        self.last_ledger = data
        self.query_one("#customer-card", Static).update(customer_card(data, self._only_open))
        total = data.open_count if message.query.filter == ONLY_OPEN else data.invoice_count
        primed = (message.query, total, message.rows)
        table = self.query_one("#invoices", PagedTable)
        table.empty_text = "Kunden har inga obetalda fakturor" if self._only_open else "Kunden har inga fakturor"
        table.border_title = Text(f"Fakturor – {data.customer.name}")
        source = self._invoice_source
        if message.in_place and source is not None and source.customer_id == data.customer.id \
                and message.query == table.page_query:
            source.renew(data.customer.block is not None, primed)
            table.reload(keep_cursor=True)
            return
        self._invoice_source = InvoiceSource(data.customer.id, data.customer.block is not None, primed)
        table.set_source(
            self._invoice_source,
            sort=message.query.sort,
            descending=message.query.descending,
            filter=message.query.filter,
            preload=(total, message.rows),
        )

    # ------------------------------------------------------------------ back from another screen

    def on_screen_resume(self) -> None:
        """Back from a screen opened on top of this one: show what was changed there."""
        if self._shown_before:
            self.renew_in_place()
        self._shown_before = True

    def renew_in_place(self) -> None:
        """Read the hits and the open customer again, keeping cursors, sort and filter.

        A block set on the invoice detail, payments booked or dunning levels renamed on another
        screen show at once (F5 searches again from the top).
        """
        text = self.query_one("#search", Input).value
        if text.strip() and not self.query_one("#search", FilterField).pending and self._hits is not None:
            self._renew_hits(text)
        if self._customer_id is not None:
            table = self.query_one("#invoices", PagedTable)
            self._load_ledger(self._customer_id, table.page_query, in_place=True)

    @db_work("Kundsökning", group="search-renew", exclusive=True)
    def _renew_hits(self, text: str) -> None:
        hits = customer_search.search_customers(text, limit=HIT_LIMIT + 1)
        if not get_current_worker().is_cancelled:
            self.post_message(self.HitsRenewed(text, hits))

    def on_ledger_screen_hits_renewed(self, message: LedgerScreen.HitsRenewed) -> None:
        """The same customers in the same order: new figures under the cursor (else F5 reorders)."""
        rows = [customer_row(hit) for hit in message.hits[:HIT_LIMIT]]
        if (self._hits is None or message.text != self.query_one("#search", Input).value
                or [row.key for row in rows] != self._hits.keys):
            return
        self._hits.renew(rows)
        self.query_one("#customers", PagedTable).reload(keep_cursor=True)

    def _clear_ledger(self) -> None:
        self._customer_id = None
        self._invoice_source = None
        self.last_ledger = None
        self.query_one("#customer-card", Static).update("")
        table = self.query_one("#invoices", PagedTable)
        table.empty_text = "Ingen kund vald"
        table.border_title = "Fakturor"
        table.set_source(None)

    @on(PagedTable.RowSelected, "#invoices")
    def _invoice_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(InvoiceDetailScreen(int(event.row.key)))

    # ------------------------------------------------------------------ actions

    def action_focus_search(self) -> None:
        """Back to the search box, with its text selected for a new search."""
        search = self.query_one("#search", Input)
        search.focus()
        search.select_all()

    def action_toggle_open(self) -> None:
        """Show only invoices with a balance, or all of them."""
        self._only_open = not self._only_open
        if self._customer_id is not None:
            self._open_customer(self._customer_id)
        self.notify("Visar endast obetalda fakturor" if self._only_open else "Visar alla fakturor", timeout=2)

    def action_refresh(self) -> None:
        """Search again and reload the customer's invoices (after changes elsewhere)."""
        self._search_now()
        if self._customer_id is not None:
            self._open_customer(self._customer_id)

    def _current_invoice(self) -> ledger.InvoiceLine | None:
        row = self.query_one("#invoices", PagedTable).current_row
        return row.data if row is not None else None

    def action_reprint(self) -> None:
        """Återutskrift of the highlighted invoice's reminders and demands."""
        open_reprint(self, self._current_invoice())

    def action_block_invoice(self) -> None:
        """Set or lift the highlighted invoice's dunning block."""
        line = self._current_invoice()
        if line is None:
            self.notify("Välj en faktura i listan först.", title="Ingen faktura vald")
            return
        self.toggle_block("invoice", line.id)

    def action_block_customer(self) -> None:
        """Set or lift the chosen customer's dunning block."""
        if self._customer_id is None:
            self.notify("Välj en kund först.", title="Ingen kund vald")
            return
        self.toggle_block("customer", self._customer_id)

    def block_changed(self, block: dunning_blocks.BlockInfo) -> None:
        """Show the new block in the card and the Spärr column (the cursor stays on the invoice)."""
        self.renew_in_place()


class InvoiceDetailScreen(BlockFlow, BaseScreen):
    """One invoice: its facts, rows, payments, dunning history, case, exclusion and blocks."""

    SUB_TITLE = "Faktura"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Uppdatera", id="invoice.refresh"),
        *REPRINT_BINDINGS,
    ]

    GUARDED = {"block_invoice": dunning_blocks.block_invoice}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Loaded(Message):
        """The invoice detail has arrived."""

        def __init__(self, detail: invoice_detail.InvoiceDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, invoice_id: int, claim: Sequence[tuple[str, int]] = ()) -> None:
        super().__init__()
        self.invoice_id = invoice_id
        self.claim = tuple(claim)
        """Amounts the opening screen adds to the facts, by label (the collection wizard: the
        interest to date and what the claim would be)."""
        self.detail: invoice_detail.InvoiceDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="detail"):
            yield Static("Hämtar fakturan …", id="detail-summary")
            for name, title in (
                ("rows", "Fakturarader"),
                ("payments", "Betalningar och krediteringar"),
                ("charges", "Avgifter och ränta"),
                ("notices", "Kravhistorik"),
            ):
                yield Static(title, classes="section-title")
                yield DataTable(id=f"detail-{name}", cursor_type="row", zebra_stripes=True)
                yield Static("", id=f"detail-{name}-empty", classes="section-empty")
            yield Static("", id="detail-collection")
            termination = Static("", id="detail-termination")
            termination.display = False  # shown only for rent in a termination (no blank line otherwise)
            yield termination
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail", VerticalScroll).focus()
        self._load()

    def action_refresh(self) -> None:
        """Read the invoice again."""
        self._load()

    def action_reprint(self) -> None:
        """Återutskrift of this invoice's reminders and demands."""
        open_reprint(self, self.detail.invoice if self.detail is not None else None)

    def action_block_invoice(self) -> None:
        """Set or lift this invoice's dunning block."""
        self.toggle_block("invoice", self.invoice_id)

    def block_changed(self, block: dunning_blocks.BlockInfo) -> None:
        """Show the new block."""
        self._load()

    @db_work("Fakturadetaljer", group="invoice", exclusive=True)
    def _load(self) -> None:
        detail = invoice_detail.invoice_detail(self.invoice_id)
        self.post_message(self.Loaded(detail))

    def on_invoice_detail_screen_loaded(self, message: InvoiceDetailScreen.Loaded) -> None:
        self.detail = detail = message.detail
        self.sub_title = f"Faktura {detail.invoice.number}"
        self.query_one("#detail-summary", Static).update(_summary(detail, self.claim))
        self._fill(
            "#detail-rows",
            [("Rad", 4), ("Text", 50), ("Belopp", 12)],
            [(cells.text(r.line_no), cells.text(r.text), cells.amount(r.amount)) for r in detail.rows],
            "Fakturan har inga rader",
        )
        self._fill(
            "#detail-payments",
            [("Datum", 10), ("Belopp", 11), ("Kapital", 11), ("Avg./ränta", 10), ("Typ", 11),
             ("Betalsätt", 9), ("Referens", 12), ("Avsändarkonto", 13), ("Saldokorr.", 10)],
            [
                (cells.date(p.pay_date), cells.amount(p.amount), cells.amount(p.capital),
                 cells.amount(p.fees + p.interest), cells.text(p.kind_label), cells.text(p.method_label),
                 cells.text(p.reference), cells.text(p.sender_account), cells.flag(p.reported, "X"))
                for p in detail.payments
            ],
            "Inga betalningar",
        )
        self._fill(
            "#detail-charges",
            [("Datum", 10), ("Typ", 16), ("Belopp", 9), ("Kvar", 9), ("Betalt", 9), ("Avskrivet", 9),
             ("Ursprung", 26)],
            [
                (cells.date(c.charged_on), cells.text(c.kind_label), cells.amount(c.amount), cells.amount(c.open),
                 cells.amount(c.settled), cells.amount(c.written_off), cells.text(c.origin))
                for c in detail.charges
            ],
            "Inga avgifter eller ränta",
        )
        self._fill(
            "#detail-notices",
            [("Nivå", 4), ("Benämning", 16), ("Skickad", 10), ("Sista betaldag", 14), ("Kapital", 12),
             ("Avgift", 10), ("Ränta", 10)],
            [
                (cells.text(n.level), cells.text(n.name), cells.date(n.issued_on), cells.date(n.deadline),
                 cells.amount(n.capital), cells.amount(n.fee), cells.amount(n.interest))
                for n in detail.notices
            ],
            "Inga påminnelser eller krav",
        )
        self.query_one("#detail-collection", Static).update(_collection_text(detail))
        self._load_termination()

    @db_work("Uppsägning", group="invoice-termination", exclusive=True)
    def _load_termination(self) -> None:
        """Whether the invoice is in a termination for unpaid rent, and where that stands (the
        collection wizard opens this screen too: staff decide on collection knowing it)."""
        from tui_inkasso.services import clock, termination_state

        mark = termination_state.invoice_marks([self.invoice_id], clock.today()).get(self.invoice_id)
        if mark is not None:
            text = Text(mark.text, style="bold yellow" if mark.state.is_open else "")
            self.app.call_from_thread(self._show_termination, text)

    def _show_termination(self, text: Text) -> None:
        widget = self.query_one("#detail-termination", Static)
        widget.update(text)
        widget.display = True

    def _fill(self, selector: str, columns: list[tuple[str, int]], rows: list[tuple[Text, ...]], empty: str) -> None:
        table: DataTable[Text] = self.query_one(selector, DataTable)
        table.clear(columns=True)
        for index, (label, width) in enumerate(columns):
            table.add_column(label, key=f"c{index}", width=width)
        for number, row in enumerate(rows):
            table.add_row(*row, key=str(number))
        # The header and one line a row (max-height in app.tcss caps it, the table scrolls).
        # height: auto waited for the DataTable to measure itself when idle, and when the layout
        # came first the table stayed 0 lines high: now and then an invoice showed no rows.
        table.styles.height = len(rows) + 1
        if rows:
            self.call_after_refresh(self._room_for_scrollbar, table, len(rows))
        table.display = bool(rows)
        self.query_one(f"{selector}-empty", Static).update(Text(empty) if not rows else "")
        self.query_one(f"{selector}-empty", Static).display = not rows

    @staticmethod
    def _room_for_scrollbar(table: DataTable[Text], rows: int) -> None:
        """A table wider than the screen scrolls sideways: its scrollbar takes a line of its own,
        which would otherwise hide the last row."""
        if table.virtual_size.width > table.scrollable_content_region.width:
            table.styles.height = rows + 2


class Facts:
    """Label and value pairs, two to a line where the screen is wide enough, else one.

    A fixed four-column grid gave the first value 40 cells, so at 80 columns the last column
    had none left and the amounts (Belopp, Saldo) were not shown at all. Values wrap; an amount
    (no breaking spaces in it) never does.
    """

    TWO_ACROSS = 100
    """Columns from which two pairs share a line."""

    def __init__(self, pairs: Sequence[tuple[str, Text]]) -> None:
        self.pairs = list(pairs)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        across = 2 if options.max_width >= self.TWO_ACROSS else 1
        grid = Table.grid(padding=(0, 2))
        for _ in range(across):
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(ratio=1, overflow="fold")
        pairs = self.pairs + [("", Text(""))] * (-len(self.pairs) % across)
        for i in range(0, len(pairs), across):
            grid.add_row(*(cell for label, value in pairs[i : i + across] for cell in (label, value)))
        yield grid


def _amount(ore: int) -> Text:
    """An amount as a fact: whole, left-aligned like the other values."""
    value = cells.amount(ore)
    value.justify = "left"
    return value


def _summary(detail: invoice_detail.InvoiceDetail, claim: Sequence[tuple[str, int]] = ()) -> Facts:
    """The invoice's facts as label and value pairs (and the amounts of ``claim``, by label)."""
    inv, cust = detail.invoice, detail.customer
    level = ""
    if inv.dunning_level:
        deadline = f", sista betaldag {inv.dunning_deadline.isoformat()}" if inv.dunning_deadline else ""
        level = f"{inv.dunning_level_name} (nivå {inv.dunning_level}){deadline}"
    pairs: list[tuple[str, str | Text]] = [
        ("Faktura", f"{inv.number} ({inv.kind_label})"),
        ("Status", cells.status(inv.status)),
        ("Kund", f"{cust.number} {cust.name} ({cust.national_id})"),
        ("Kravnivå", level or "Ingen påminnelse skickad"),
        ("Ägare", f"{detail.owner_code} {detail.owner_name}"),
        ("Objekt", detail.object_code or "–"),
        ("Fakturadatum", inv.invoice_date.isoformat()),
        ("Förfallodag", inv.due_date.isoformat()),
        ("OCR", inv.ocr),
        ("Belopp", _amount(inv.amount)),
        ("Saldo", _amount(inv.balance)),
        ("Avgifter", _amount(inv.fees)),
        ("Ränta", _amount(inv.interest)),
        ("Att betala", _amount(inv.open_total)),
        *((label, _amount(ore)) for label, ore in claim),
    ]
    return Facts([(label, value if isinstance(value, Text) else Text(value)) for label, value in pairs])


def _collection_text(detail: invoice_detail.InvoiceDetail) -> Text:
    """Case, exclusion and blocks, each on a line; a plain line when there are none."""
    lines = Text()
    if detail.case:
        c = detail.case
        lines.append("Inkassoärende ", style="bold")
        lines.append(
            f"{c.number} · {system_label(c.system)} · {case_status_label(c.status)} · "
            f"skapat {c.created_at:%Y-%m-%d %H:%M} av {c.created_by}"
            + (f" · referens {c.agency_reference}" if c.agency_reference else "")
            + "\n"
        )
    if detail.exclusion:
        e = detail.exclusion
        when = f" ({e.by}, {e.at:%Y-%m-%d %H:%M})" if e.at else ""
        lines.append("Undantagen från inkasso: ", style="bold")
        lines.append(f"{e.reason}{when}\n")
    for label, block in (("Kravspärr på fakturan", detail.invoice_block), ("Kravspärr på kunden", detail.customer_block)):
        if block:
            lines.append(f"{label}: ", style="bold yellow")
            lines.append(f"{block.reason}\n")
    if not lines.plain:
        lines.append("Inget inkassoärende, inget undantag, ingen kravspärr.", style="italic")
    return lines
