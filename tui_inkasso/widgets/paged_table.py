"""A table that shows any number of rows by asking a callback for the page on screen.

Textual's ``DataTable`` measures every cell of every row on its first layout (about 2 s for 10,000
rows, 31 s for 100,000 in textual 8.2.8), so lists that can grow large - a customer's invoices,
the audit log, the 50,000 invoices of a collection run - use this widget instead. It draws only
the lines that are visible (the Line API) and fetches rows in pages from a :class:`RowSource`:

* ``count(query)`` says how many rows there are, ``rows(query, offset, limit)`` returns one page;
* both run in a thread worker that holds the thread's database connection, so a source calls
  services as they are (no connection handling of its own); the UI never waits for them;
* sorting and filtering are the source's job too (in SQL for database sources): the table only
  hands over a :class:`PageQuery` with the sort column, direction and a filter string.

Rows not fetched yet are drawn as "…" and appear when their page arrives. Changing the sort, the
filter or the source starts a new generation; pages of an older one are dropped on arrival.

Keys (all with ids, for keymaps): arrows, PageUp/PageDown, Home/End move the cursor; Enter posts
:class:`PagedTable.RowSelected`; ``s`` sorts by the next sortable column and ``r`` reverses it.

Type-ahead: over SSH people type ahead of the screen. Screens move the focus to a table at once
(in the key handler) even when its rows are still on their way; a key of the table typed before
they arrive waits for them and is replayed once they are on screen (and the screen has seen
:class:`PagedTable.Loaded`), so Down then Enter opens the second row of the new rows, not of the
old ones, and is not lost on an empty table. A screen that fetches a table's rows itself says
so with ``loading=True`` (rows on their way from the start) or :meth:`PagedTable.expect_rows`
(new rows on their way). When Enter opens a row (typed or replayed), the keys after it
are handed to whatever has the focus once the screen has handled :class:`PagedTable.RowSelected`
(another table waiting for its rows keeps them the same way), even when they arrive in one burst
before the app has handled the Enter.

For small lists already in memory, :class:`ListSource` does the same in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from tui_inkasso.services.threads import thread_connection
from tui_inkasso.widgets.typeahead import (
    KeyPress,
    after_bubbling,
    after_handled,
    hand_over,
    pass_on_strayed,
    post_keys,
)
from tui_inkasso.widgets.worker_errors import WorkerFailed

if TYPE_CHECKING:
    from tui_inkasso.widgets.filter_field import FilterField

Cell = str | Text
"""A cell: plain text (never parsed as markup) or a styled ``rich.text.Text``."""


def cell_width(cell: Cell) -> int:
    """Terminal cells the cell's text takes."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


@dataclass(frozen=True)
class Column:
    """A column: its key (what sorting names), Swedish label, width and alignment.

    ``width`` 0 means "share what is left" (at least ``min_width``): names and other text, which
    give way first when the table is narrow and end in "…". A right-aligned column is a number
    (an amount, a count) and is never cut: it is at least as wide as its widest value shown so
    far. Where the table's edge would cut a number or another fixed-width column (a date, an
    invoice number), it is left out of that view instead (scroll sideways to see it whole).

    ``later_below``: in a table with less room than this (cells inside its border), the column
    moves to the end of the row, a Right away, and the first view is the columns before it: at
    80 columns a list's fees, interest and level made room for the customer's name, which had
    shrunk to two letters ("K000041 Op…").
    """

    key: str
    label: str
    width: int = 0
    align: Literal["left", "right"] = "left"
    sortable: bool = True
    min_width: int = 8
    later_below: int = 0

    @property
    def whole(self) -> bool:
        """Shown whole or not at all: a number, and any column of a fixed width (a date, an
        invoice number, a code), where a cut value reads as another value ("2026-09-3")."""
        return self.align == "right" or self.width > 0


@dataclass(frozen=True)
class PageQuery:
    """What the source is asked for: sort column (a Column key), direction and a filter text."""

    sort: str | None = None
    descending: bool = False
    filter: str = ""


@dataclass(frozen=True)
class TableRow:
    """One row: a key that identifies it (e.g. an invoice id) and its cells in column order."""

    key: str
    cells: tuple[Cell, ...]
    data: Any = field(default=None, compare=False)
    """Whatever the screen wants back when the row is selected (e.g. the service's dataclass)."""


class RowSource(Protocol):
    """Where a PagedTable's rows come from. Both methods are called in a worker thread."""

    def count(self, query: PageQuery) -> int:
        """How many rows the query has."""
        ...

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """Rows [offset, offset + limit) of the query, in order."""
        ...


class ListSource:
    """A RowSource over rows in memory: sorts by a column's sort value and filters by text.

    ``sort_value(row, column_key)`` gives the value to sort by (default: the cell's plain text);
    ``matches(row, text)`` decides the filter (default: the text occurs in any cell).
    """

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[TableRow],
        *,
        sort_value: Callable[[TableRow, str], Any] | None = None,
        matches: Callable[[TableRow, str], bool] | None = None,
    ) -> None:
        self._index = {column.key: i for i, column in enumerate(columns)}
        self._rows = list(rows)
        self._sort_value = sort_value or self._plain_cell
        self._matches = matches or self._contains
        self._cache: tuple[PageQuery, list[TableRow]] | None = None

    def _plain_cell(self, row: TableRow, key: str) -> str:
        cell = row.cells[self._index[key]]
        return cell.plain if isinstance(cell, Text) else cell

    @staticmethod
    def _contains(row: TableRow, text: str) -> bool:
        needle = text.lower()
        return any(needle in (c.plain if isinstance(c, Text) else c).lower() for c in row.cells)

    def _view(self, query: PageQuery) -> list[TableRow]:
        if self._cache is None or self._cache[0] != query:
            rows = [r for r in self._rows if self._matches(r, query.filter)] if query.filter else list(self._rows)
            if query.sort:
                rows.sort(key=lambda r: self._sort_value(r, query.sort or ""), reverse=query.descending)
            self._cache = (query, rows)
        return self._cache[1]

    def count(self, query: PageQuery) -> int:
        """Rows that pass the filter."""
        return len(self._view(query))

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        """One page of the sorted, filtered rows."""
        return self._view(query)[offset : offset + limit]


CURSOR_BINDINGS: tuple[BindingType, ...] = (
    Binding("r", "reverse_sort", "Omvänd ordning", show=False, id="table.reverse"),
    Binding("up", "cursor_up", "Föregående rad", show=False, id="table.up"),
    Binding("down", "cursor_down", "Nästa rad", show=False, id="table.down"),
    Binding("pageup", "page_up", "Föregående sida", show=False, id="table.page_up"),
    Binding("pagedown", "page_down", "Nästa sida", show=False, id="table.page_down"),
    Binding("home", "first_row", "Första raden", show=False, id="table.first"),
    Binding("end", "last_row", "Sista raden", show=False, id="table.last"),
    Binding("right", "column_right", "Kolumnerna till höger", show=False, id="table.right"),
    Binding("left", "column_left", "Kolumnerna till vänster", show=False, id="table.left"),
    Binding("ctrl+pagedown", "page_right", "En skärm åt höger", show=False, id="table.page_right"),
    Binding("ctrl+pageup", "page_left", "En skärm åt vänster", show=False, id="table.page_left"),
    Binding("slash", "open_filter", "Filtrera", id="table.filter",
            tooltip="Skriv i filterfältet för att visa bara de rader som matchar"),
)
"""Reverse the sort, move the cursor, scroll sideways and open the filter with ``/`` (where the
screen has one for this table, :class:`~tui_inkasso.widgets.filter_field.FilterField`): every table has
these (MarkTable replaces the rest). Textual's own scrolling keys (English, a cell at a time)
are not inherited."""

FILTER_HINT_PAUSE = 5.0
"""Seconds between two hints that letters are commands here and ``/`` filters."""


class TableMessage(Message):
    """A message about one table; ``control`` is the table, so ``@on(..., "#id")`` can pick it."""

    def __init__(self, table: PagedTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> PagedTable:
        return self.table


class PagedTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A keyboard-driven table over a RowSource that fetches only the pages it shows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_row", "Öppna", id="table.select"),
        Binding("s", "next_sort", "Sortera", id="table.sort"),
        *CURSOR_BINDINGS,
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--even-row",
        "paged-table--placeholder",
    }

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .paged-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .paged-table--even-row { background: $surface-lighten-1; }
        & > .paged-table--placeholder { color: $text-muted; }
        & > .paged-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .paged-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:light > .paged-table--even-row { background: $surface-darken-1; }
    }
    """
    """Zebra stripes a shade lighter than the surface, in the light theme a shade darker (its
    surface is white, which lightens to white)."""

    HEADER_HEIGHT = 1

    cursor_row: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted row (0-based, over the whole query)."""

    class RowHighlighted(TableMessage):
        """The cursor moved to ``index``; ``row`` is None while its page is loading."""

        def __init__(self, table: PagedTable, index: int, row: TableRow | None) -> None:
            super().__init__(table)
            self.index = index
            self.row = row

    class RowSelected(TableMessage):
        """Enter was pressed on a loaded row."""

        def __init__(self, table: PagedTable, index: int, row: TableRow) -> None:
            super().__init__(table)
            self.index = index
            self.row = row

    class Loaded(TableMessage):
        """The row count of a new source, sort or filter is known and the first page has arrived."""

        def __init__(self, table: PagedTable, total: int) -> None:
            super().__init__(table)
            self.total = total

    class _PageArrived(Message):
        def __init__(
            self, generation: int, requested: int, page: int, rows: Sequence[TableRow], total: int | None
        ) -> None:
            super().__init__()
            self.generation = generation
            self.requested = requested
            self.page = page
            self.rows = rows
            self.total = total

    def __init__(
        self,
        columns: Sequence[Column],
        source: RowSource | None = None,
        *,
        page_size: int = 100,
        sort: str | None = None,
        descending: bool = False,
        empty_text: str = "Inga rader",
        no_match: str = "Inget matchar '{filter}'",
        row_keys: Sequence[str] = (),
        loading: bool = False,
        frozen: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.page_size = page_size
        self.empty_text = empty_text
        self.no_match = no_match
        """What an empty table says while a filter is on ("Inga fakturor matchar '{filter}'")."""
        self.frozen = frozen
        """Leading columns that stay in view when the table scrolls sideways (the invoice
        number), so a row is known by them whichever columns are shown."""
        self.row_keys = frozenset(row_keys)
        """The screen's keys that act on this table's highlighted or marked rows (e.g. space to
        leave an invoice out): typed before the rows are here, they wait for them like the
        table's own keys."""
        self._source = source
        self._query = PageQuery(sort, descending, "")
        self._generation = 0
        self._total = 0
        self._loaded = False
        self._expecting = loading and source is None
        """Rows come from the screen (``loading`` or :meth:`expect_rows`) and are not here yet."""
        self._pages: dict[int, Sequence[TableRow]] = {}
        self._pending: set[int] = set()
        self._widths: list[int] = []
        """Each shown column's width, in the order shown (:attr:`_order`)."""
        self._order: list[int] = list(range(len(self.columns)))
        """The columns' indexes in the order shown (see ``Column.later_below``)."""
        self._first_view = len(self.columns)
        """How many of the columns shown first make the first view (the rest moved to the end)."""
        self._clipped: dict[int, int] = {}
        """Text columns the view's right edge cuts (by index): how many of their cells show."""
        self._fitted: dict[int, int] = {}
        """The widest value seen so far in each number column (by column index)."""
        self._typeahead: list[KeyPress] = []
        self._replay_due = False
        """The rows are here and the waiting keys are about to be replayed."""
        self._handing_over = False
        """Enter opened a row: keys typed after it wait for the screen to move on, then follow."""

    # ------------------------------------------------------------------ public API

    @property
    def page_query(self) -> PageQuery:
        """The sort and filter in force (not ``query``: that is Textual's DOM query, which the
        table keeps, ``table.query("*")``)."""
        return self._query

    @property
    def total(self) -> int:
        """Rows in the current query (0 until counted)."""
        return self._total

    @property
    def is_loading(self) -> bool:
        """True until the count and first page of the current query have arrived."""
        return self._expecting or (self._source is not None and (not self._loaded or bool(self._pending)))

    @property
    def awaiting_rows(self) -> bool:
        """True from a new source, sort, filter or :meth:`expect_rows` until the rows are here."""
        return self._expecting or (self._source is not None and not self._loaded)

    @property
    def current_row(self) -> TableRow | None:
        """The highlighted row, or None when there is none or it is still loading."""
        return self.row_at(self.cursor_row)

    def row_at(self, index: int) -> TableRow | None:
        """The row at ``index`` if its page is loaded."""
        if not 0 <= index < self._total:
            return None
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def set_source(
        self,
        source: RowSource | None,
        *,
        sort: str | None = None,
        descending: bool | None = None,
        filter: str | None = None,
        preload: tuple[int, Sequence[TableRow]] | None = None,
    ) -> None:
        """Show another source (None empties the table); sort and filter stay unless given.

        ``preload`` is (row count, first page) when the caller already has them for this sort
        and filter (e.g. they came with the data that chose the source): the table shows them at
        once instead of asking the source again in a worker.
        """
        self._source = source
        self._expecting = False
        self._query = PageQuery(
            sort if sort is not None else self._query.sort,
            descending if descending is not None else self._query.descending,
            filter if filter is not None else self._query.filter,
        )
        if preload is None or source is None:
            self.reload(keep_cursor=False)
            return
        self._generation += 1
        self._pages = {0: list(preload[1][: self.page_size])}
        self._fit(self._pages[0])
        self._pending.clear()
        self._loaded = True
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False)
        self._set_total(preload[0])
        self.refresh()
        self.post_message(self.Loaded(self, self._total))
        if self._total:
            self.post_message(self.RowHighlighted(self, 0, self.current_row))
        self._rows_ready()

    def expect_rows(self) -> None:
        """The screen is fetching this table's rows itself and will pass them to :meth:`set_source`.

        Until then the table is empty and shows "Hämtar …" instead of rows that no longer apply
        (the previous customer's invoices, the previous preview), and keeps the keys typed at it
        for the new rows. The screen passes them with ``set_source``; when its worker fails,
        ``BaseScreen`` calls :meth:`stop_expecting`.
        """
        self._source = None
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._loaded = False
        self._expecting = True
        self._set_total(0)
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def stop_expecting(self) -> None:
        """The rows the screen was fetching will not come (its worker failed): stop waiting."""
        if self._expecting:
            self.set_source(None)

    def set_filter(self, text: str) -> None:
        """Ask the source for rows matching ``text`` (what it means is the source's business)."""
        if text != self._query.filter:
            self._query = PageQuery(self._query.sort, self._query.descending, text)
            self.reload(keep_cursor=False)

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        """Sort by the column with key ``column``."""
        self._query = PageQuery(column, descending, self._query.filter)
        self.reload(keep_cursor=False)

    def reload(self, *, keep_cursor: bool = True) -> None:
        """Forget every page and fetch the count and the page under the cursor again."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._loaded = False
        if not keep_cursor:
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False)
        if self._source is None:
            self._set_total(0)
            self._loaded = True
            self.refresh()
            self._rows_ready()
            return
        self._fetch(self.cursor_row // self.page_size, with_count=True)
        self.refresh()

    # ------------------------------------------------------------------ fetching

    def _fetch(self, page: int, *, with_count: bool = False) -> None:
        if page in self._pending or self._source is None:
            return
        self._pending.add(page)
        source, query, generation, size = self._source, self._query, self._generation, self.page_size

        def work() -> None:
            with thread_connection():  # the source's queries run in this worker thread
                total = source.count(query) if with_count else None
                first = page
                if total is not None and page * size >= total:
                    first = max(0, (total - 1) // size)
                rows = source.rows(query, first * size, size)
            self.post_message(self._PageArrived(generation, page, first, rows, total))

        self.run_worker(work, thread=True, group="paged-table", name="Hämta rader", exit_on_error=False)

    def on_paged_table__page_arrived(self, message: _PageArrived) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.requested)
        self._pages[message.page] = message.rows
        self._fit(message.rows)
        if message.total is not None:
            self._set_total(message.total)
            self._loaded = True
            self.cursor_row = min(self.cursor_row, max(0, self._total - 1))
            self.post_message(self.Loaded(self, self._total))
        self.refresh()
        if self._total and message.page == self.cursor_row // self.page_size:
            self.post_message(self.RowHighlighted(self, self.cursor_row, self.current_row))
        if message.total is not None:
            self._rows_ready()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed fetch goes to the app's one error handler; the table stops waiting for it."""
        if event.worker.group == "paged-table" and event.state == WorkerState.ERROR:
            self._pending.clear()
            self._loaded = True
            self.refresh()
            self.post_message(WorkerFailed(event.worker))
            self._rows_ready()

    def _set_total(self, total: int) -> None:
        self._total = total
        self._update_virtual_size()

    # ------------------------------------------------------------------ layout and drawing

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()

    _widths_for = 0
    """The width the column widths were laid out for."""

    def _update_virtual_size(self) -> None:
        self._widths_for = self.scrollable_content_region.width or self.size.width
        self._widths = self._column_widths(self._widths_for)
        width = sum(w + 2 for w in self._widths)
        self.virtual_size = Size(width, self._total + self.HEADER_HEIGHT)

    def _fit(self, rows: Sequence[TableRow]) -> None:
        """Widen a number column whose new values are wider than it (amounts are never cut)."""
        widened = False
        for index, column in enumerate(self.columns):
            if column.align != "right":
                continue
            widest = max((cell_width(row.cells[index]) for row in rows if index < len(row.cells)), default=0)
            if widest > self._fitted.get(index, 0):
                self._fitted[index] = widest
                widened = widened or widest > column.width
        if widened:
            self._update_virtual_size()

    def _column_widths(self, available: int) -> list[int]:
        """Number columns as wide as their values, text columns their width, and what is left
        shared by the flexible ones (at least their ``min_width``); in the order shown."""
        self._order = self._display_order(available)
        columns = [self.columns[index] for index in self._order]
        widths = [
            max(column.width, self._fitted.get(index, 0)) if column.width or column.align == "right" else 0
            for index, column in zip(self._order, columns, strict=True)
        ]
        # The first view's flexible columns share what its fixed ones leave; a flexible column
        # moved to the end is as narrow as it may be (it is a Right away in any case).
        first = self._first_view
        fixed = sum(w + 2 for w in widths[:first] if w)
        flexible = [index for index, w in enumerate(widths[:first]) if not w]
        for index in range(first, len(widths)):
            widths[index] = widths[index] or columns[index].min_width
        self._share(widths, {index: columns[index].min_width for index in flexible}, available - fixed)
        if sum(w + 2 for w in widths) > available:
            self._fill_view(widths, flexible, available, self._first_view)
        return widths

    def _display_order(self, available: int) -> list[int]:
        """The columns' indexes in the order shown: those that move to the end below their
        ``later_below`` come last (:attr:`_first_view` counts the ones before them)."""
        moved = [i for i, column in enumerate(self.columns) if column.later_below and available < column.later_below]
        order = [i for i in range(len(self.columns)) if i not in moved]
        self._first_view = len(order)
        return order + moved

    @staticmethod
    def _share(widths: list[int], minimums: dict[int, int], room: int) -> None:
        """Share ``room`` between the flexible columns (``minimums`` by position): a column
        whose minimum is more than an equal share gets its minimum and the others share what
        is left (with an equal share each, one long minimum pushed the last columns out of a
        view that had room for them)."""
        pending = dict(minimums)
        while pending:
            share = room // len(pending) - 2
            larger = {index: least for index, least in pending.items() if least > share}
            if not larger or len(larger) == len(pending):
                break
            for index, least in larger.items():
                widths[index] = least
                room -= least + 2
                del pending[index]
        for index, least in pending.items():
            widths[index] = max(least, room // len(pending) - 2)

    @staticmethod
    def _fill_view(widths: list[int], flexible: list[int], available: int, first_view: int) -> None:
        """Wider than the view: the flexible columns on the first view share what the columns
        that fit whole leave over (rather than a column cut off at the edge, left empty). The
        first view ends where the columns moved to the end begin, even when one of them fits."""
        used, fitting = 0, 0
        for width in widths[:first_view]:
            if used + width + 2 > available:
                break
            used += width + 2
            fitting += 1
        shown = [index for index in flexible if index < fitting]
        if not shown:
            return
        extra, rest = divmod(available - used, len(shown))
        for n, index in enumerate(shown):
            widths[index] += extra + (1 if n < rest else 0)

    def render_line(self, y: int) -> Strip:
        """The header on line 0, then the rows under the scroll position."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width or self.size.width
        if not self._widths or width != self._widths_for or len(self._order) != len(self.columns):
            # a scroll bar came or went, or the screen gave the table other columns
            self._update_virtual_size()
        frozen = self._frozen_width()
        self._cut = self._cut_columns(frozen + scroll_x if frozen else scroll_x, scroll_x + width)
        self._clipped = self._clipped_columns(scroll_x + width)
        if y < self.HEADER_HEIGHT:
            strip = self._header_strip()
        else:
            index = scroll_y + y - self.HEADER_HEIGHT
            strip = self._row_strip(index)
        if frozen and scroll_x:
            strip = Strip.join([strip.crop(0, frozen), strip.crop(frozen + scroll_x, scroll_x + width)])
            return strip.crop_extend(0, width, self.rich_style)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _frozen_width(self) -> int:
        return sum(w + 2 for w in self._widths[: self.frozen])

    _cut: frozenset[int] = frozenset()
    """Number columns the view's edges would cut (by index): drawn empty, never as "20 7"."""

    def _cut_columns(self, left: int, right: int) -> frozenset[int]:
        cut = set()
        for index, (start, width) in enumerate(zip(self._column_starts(), self._widths, strict=False)):
            if index < self.frozen:
                continue
            end = start + width + 2
            if index < len(self._order) and self.columns[self._order[index]].whole and (
                    start + 1 < left < end - 1 or start + 1 < right < end - 1):
                cut.add(index)
        return frozenset(cut)

    def _clipped_columns(self, right: int) -> dict[int, int]:
        """Text columns the right edge of the view cuts, and how much of each is visible: their
        text ends in "…" there (Saldofiler cut "Fil" at the edge without a mark that it goes on)."""
        clipped = {}
        for index, (start, width) in enumerate(zip(self._column_starts(), self._widths, strict=False)):
            if index >= self.frozen and index < len(self._order) and start + 1 < right < start + width + 1:
                clipped[index] = right - start - 1
        return clipped

    def _line(self, cells: Sequence[Cell], style: Style) -> Strip:
        """One line of cells in the row's style (zebra, cursor), each cell's own style on top.

        The row's style is applied to every segment here: ``Text.render`` leaves the base style
        of a text without spans out of its segments, which drew plain rows in the terminal's
        default colours (no cursor, no zebra) and gave segments without a style, on which
        Textual's NO_COLOR filter crashed.
        """
        line = Text(end="", no_wrap=True)
        shown = [(cells[i], self.columns[i]) for i in self._order if i < len(cells) and i < len(self.columns)]
        for index, ((cell, column), width) in enumerate(zip(shown, self._widths, strict=False)):
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            if index in self._cut:
                text = Text("")
            text.truncate(min(width, self._clipped.get(index, width)), overflow="ellipsis")
            text.align(column.align, width)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        segments = Segment.apply_style(line.render(self.app.console), style)
        total_width = sum(w + 2 for w in self._widths)
        return Strip(segments).extend_cell_length(total_width, style)

    def _header_strip(self) -> Strip:
        labels: list[Cell] = [column.label for column in self.columns]
        for index, width in zip(self._order, self._widths, strict=False):
            column = self.columns[index] if index < len(self.columns) else None
            if column is None or column.key != self._query.sort:
                continue
            arrow = " ▼" if self._query.descending else " ▲"
            label = Text(column.label)
            label.truncate(max(1, width - len(arrow)), overflow="ellipsis")
            labels[index] = label + Text(arrow)
        return self._line(labels, self.rich_style + self.get_component_rich_style("paged-table--header"))

    def _row_strip(self, index: int) -> Strip:
        base = self.rich_style
        if self._total == 0:
            message = "Hämtar …" if self.is_loading else self.empty_text
            if not self.is_loading and self._query.filter and self._source is not None:
                message = self.no_match.format(filter=self._query.filter)
            lines = self._message_lines(message)
            if index < len(lines):
                return self._message_strip(lines[index], base + self.get_component_rich_style("paged-table--placeholder"))
        if index >= self._total:
            return Strip.blank(sum(w + 2 for w in self._widths), base)
        style = base
        if index % 2 == 1:
            style += self.get_component_rich_style("paged-table--even-row")
        if index == self.cursor_row:
            style += self.get_component_rich_style("paged-table--cursor")
        row = self.row_at(index)
        if row is None:
            page = index // self.page_size
            if page not in self._pages and page not in self._pending:
                self.call_later(self._fetch, page)
            return self._line(["…"] * len(self.columns), style)
        return self._line(row.cells, style)

    def _message_lines(self, message: str) -> list[str]:
        """The message of an empty table in lines as wide as the view: a long one ("Inga
        fakturor är klara för inkasso. En faktura kommer hit när …") was cut at 80 columns."""
        width = max((self.scrollable_content_region.width or self.size.width) - 2, 20)
        lines = Text(message).wrap(self.app.console, width)
        return [line.plain.rstrip() for line in lines] or [""]

    def _message_strip(self, message: str, style: Style) -> Strip:
        width = max(sum(w + 2 for w in self._widths), len(message) + 2)
        return Strip([Segment(f" {message}", style)]).extend_cell_length(width, style)

    # ------------------------------------------------------------------ cursor

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - self.HEADER_HEIGHT)

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, self._total - 1)) if self._total else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + self._visible_rows:
            self.scroll_to(y=new - self._visible_rows + 1, animate=False, immediate=True)
        self.refresh()
        if self._total and old != new:
            self.post_message(self.RowHighlighted(self, new, self.row_at(new)))

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._visible_rows

    def action_page_down(self) -> None:
        self.cursor_row += self._visible_rows

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = self._total - 1

    def _column_starts(self) -> list[int]:
        starts, x = [], 0
        for width in self._widths:
            starts.append(x)
            x += width + 2
        return starts

    def _scroll_starts(self) -> list[int]:
        """Where each column that scrolls sideways is at the left edge (scroll_x values)."""
        frozen = self._frozen_width()
        return [start - frozen for start in self._column_starts()[self.frozen :]]

    def action_column_right(self) -> None:
        """Scroll sideways so that the next column starts at the left edge (after the frozen ones)."""
        x = round(self.scroll_x)
        following = [start for start in self._scroll_starts() if start > x]
        if following and x < self.max_scroll_x:
            self.scroll_to(x=min(following[0], self.max_scroll_x), animate=False)

    def action_column_left(self) -> None:
        """Scroll sideways so that the previous column starts at the left edge (after the frozen ones)."""
        x = round(self.scroll_x)
        earlier = [start for start in self._scroll_starts() if start < x]
        if earlier:
            self.scroll_to(x=earlier[-1], animate=False)

    def action_page_right(self) -> None:
        """Scroll sideways by the table's width."""
        self.scroll_to(x=self.scroll_x + self.scrollable_content_region.width, animate=False)

    def action_page_left(self) -> None:
        """Scroll sideways back by the table's width."""
        self.scroll_to(x=self.scroll_x - self.scrollable_content_region.width, animate=False)

    def filter_field(self) -> FilterField | None:
        """The screen's filter field for this table, if it has one."""
        from tui_inkasso.widgets.filter_field import FilterField

        if not self.is_attached:
            return None
        for candidate in self.screen.query(FilterField):
            if candidate.serves(self):
                return candidate
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``/`` only where a filter field serves this table."""
        if action == "open_filter":
            return self.filter_field() is not None
        return True

    def action_open_filter(self) -> None:
        """``/``: to the filter field; Enter or Esc there comes back here."""
        found = self.filter_field()
        if found is not None:
            found.open_from(self)

    _last_hint = -FILTER_HINT_PAUSE

    def _hint_filter(self) -> None:
        """A letter that is no command here: say how to filter instead of losing it silently."""
        now = monotonic()
        if now - self._last_hint < FILTER_HINT_PAUSE:
            return
        self._last_hint = now
        self.notify("Bokstäver är kommandon i tabellen (F1 visar dem). Tryck / för att filtrera.",
                    title="Filtrera med /", timeout=4)

    def action_select_row(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.RowSelected(self, self.cursor_row, row))

    def action_next_sort(self) -> None:
        """Sort by the next sortable column (ascending)."""
        keys = [c.key for c in self.columns if c.sortable]
        if not keys:
            return
        current = self._query.sort
        following = keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]
        self.set_sort(following, descending=False)

    def action_reverse_sort(self) -> None:
        """Reverse the direction of the current sort."""
        if self._query.sort:
            self.set_sort(self._query.sort, descending=not self._query.descending)

    def on_mount(self) -> None:
        super().on_mount()
        if self._source is not None and not self._loaded and not self._pending:
            self.reload()

    async def _on_click(self, event: events.Click) -> None:
        """Clicking a row moves the cursor there (the app is for keyboards, but mice exist)."""
        if event.y >= self.HEADER_HEIGHT:
            self.cursor_row = round(self.scroll_y) + event.y - self.HEADER_HEIGHT

    # ------------------------------------------------------------------ type-ahead

    def on_key(self, event: events.Key) -> None:
        """Keep keys typed ahead of the table (see the module's docstring).

        After Enter on a row every key waits until the screen has handled the row (it opens
        another screen or moves the focus) and then goes to where the focus is. While the rows
        are on their way only the table's keys and ``row_keys`` wait for them: Esc and the
        screen's other keys work at once. A key the app gave the table before the focus moved
        on goes to where the focus is now (``pass_on_strayed``), behind the keys handed there.
        """
        if self._handing_over:
            self._hold(event)
        elif pass_on_strayed(self, event):
            return
        elif self.awaiting_rows or self._replay_due:
            if event.key in self._bindings.key_to_bindings or event.key in self.row_keys:
                self._hold(event)
        elif (self._opens(event.key) and self.current_row is not None) or event.key in self.row_keys:
            # Enter opens a row; a row key (u Undanta) may open a dialog: the keys typed after
            # it are for what the screen does with it (the dialog's field), not for this table,
            # where they would be commands
            self._handing_over = True
            after_handled(self, self._hand_over_held)
        elif event.is_printable and event.character and event.key not in self.screen.active_bindings \
                and self.filter_field() is not None:
            self._hint_filter()

    def _hold(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self._typeahead.append((event.key, event.character))

    def _opens(self, key: str) -> bool:
        return any(binding.action == "select_row" for binding in self._bindings.key_to_bindings.get(key, ()))

    def type_ahead(self, keys: Sequence[KeyPress]) -> None:
        """Keys (key, character) typed for this table: kept until its rows are here, else run now."""
        self._typeahead.extend(keys)
        if not (self.awaiting_rows or self._replay_due or self._handing_over):
            self._replay_typeahead()

    def _rows_ready(self) -> None:
        """The rows are here: replay the waiting keys once the screen has handled Loaded."""
        if self._typeahead and not self._replay_due:
            self._replay_due = True
            after_bubbling(self, self._replay_typeahead)

    def _replay_typeahead(self) -> None:
        self._replay_due = False
        keys, self._typeahead = self._typeahead, []
        for index, (key, _character) in enumerate(keys):
            if self.awaiting_rows or self._handing_over:  # a replayed s/r asked for rows, or Enter opened a row
                self._typeahead = [*keys[index:], *self._typeahead]
                return
            bindings = self._bindings.key_to_bindings.get(key)
            action = getattr(self, f"action_{bindings[0].action}", None) if bindings else None
            if action is None:  # a row key, or another's key handed over: the app dispatches it and the rest
                post_keys(self, keys[index:])
                return
            opens = self._opens(key) and self.current_row is not None
            action()
            if opens:
                self._handing_over = True
                after_bubbling(self, self._hand_over_held)

    def _hand_over_held(self) -> None:
        """The screen has handled the opened row: the keys typed after Enter go where the focus is."""
        self._handing_over = False
        keys, self._typeahead = self._typeahead, []
        if keys:
            hand_over(self, keys)
