"""A PagedTable whose rows can be marked by keyboard: space marks one, ``a`` (or Ctrl+A) all.

The collection wizard moves marked invoices between its two tables. Marks are row keys kept by
the widget, so marking costs no database round trip: the first column (key ``mark``) is drawn
from the set when a row is shown. "Mark all" asks the source for every key of the current query
(:meth:`MarkSource.keys`, in a worker), so 50,000 rows are marked without fetching 50,000 rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar, Protocol

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from tui_inkasso.widgets.paged_table import (
    CURSOR_BINDINGS,
    Column,
    PagedTable,
    PageQuery,
    RowSource,
    TableMessage,
    TableRow,
)

MARK = "●"
MARK_COLUMN = Column("mark", "✓", 1, sortable=False, min_width=1)
"""The first column of a MarkTable: shows MARK on marked rows."""


class MarkSource(RowSource, Protocol):
    """A RowSource that can also list every row key of a query (for "mark all")."""

    def keys(self, query: PageQuery) -> Sequence[str]:
        """Every row key of the query, in any order."""
        ...


class MarkTable(PagedTable, inherit_bindings=False):
    """PagedTable with marks; the screen decides what marked rows are for. Space marks; Enter
    shows the row (the screen handles ``RowSelected``, e.g. with the invoice in full)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_mark", "Markera", id="mark.toggle", tooltip="Markera raden, eller ta bort markeringen"),
        Binding("enter", "select_row", "Visa", id="table.select", tooltip="Visa raden i sin helhet"),
        Binding("a", "mark_all", "Markera alla", id="mark.all",
                tooltip="Markera alla rader i tabellen (med filtret), eller ta bort alla markeringar"),
        Binding("ctrl+a", "mark_all", "Markera alla", show=False, id="mark.all_ctrl"),
        Binding("s", "next_sort", "Sortera", id="table.sort", tooltip="Sortera på nästa kolumn"),
        *CURSOR_BINDINGS,
    ]

    class MarksChanged(TableMessage):
        """The set of marked rows changed; ``count`` is how many are marked now."""

        table: MarkTable

        def __init__(self, table: MarkTable, count: int) -> None:
            super().__init__(table)
            self.count = count

    class _KeysArrived(Message):
        def __init__(self, generation: int, keys: Sequence[str]) -> None:
            super().__init__()
            self.generation = generation
            self.keys = keys

    def __init__(self, columns: Sequence[Column], source: MarkSource | None = None, **kwargs: object) -> None:
        super().__init__([MARK_COLUMN, *columns], source, **kwargs)  # type: ignore[arg-type]  # PagedTable's keywords
        self.marked: set[str] = set()

    @property
    def marked_keys(self) -> list[str]:
        """The marked rows' keys."""
        return sorted(self.marked)

    def row_at(self, index: int) -> TableRow | None:
        """The row with its mark drawn in the first column."""
        row = super().row_at(index)
        if row is None or row.key not in self.marked:
            return row
        return replace(row, cells=(Text(MARK, style="bold"), *row.cells[1:]))

    def clear_marks(self) -> None:
        """Unmark every row."""
        if self.marked:
            self.marked.clear()
            self._marks_changed()

    def set_source(self, source: RowSource | None, **kwargs: object) -> None:
        """A new source forgets the marks (they belonged to the old rows)."""
        self.marked.clear()
        super().set_source(source, **kwargs)  # type: ignore[arg-type]  # PagedTable's own keywords, passed on
        self._marks_changed()

    def expect_rows(self) -> None:
        """New rows are coming: the marks belonged to the old ones."""
        self.marked.clear()
        super().expect_rows()
        self._marks_changed()

    def action_toggle_mark(self) -> None:
        """Mark the highlighted row (or unmark it) and move to the next."""
        row = self.current_row
        if row is None:
            return
        self.marked.symmetric_difference_update({row.key})
        self._marks_changed()
        self.action_cursor_down()
        self.refresh()

    def action_mark_all(self) -> None:
        """Mark every row of the query, or unmark all when every row is marked already."""
        if self.marked and len(self.marked) >= self.total:
            self.clear_marks()
            self.refresh()
            return
        source, query, generation = self._source, self.page_query, self._generation
        if source is None or not hasattr(source, "keys"):
            return

        def work() -> None:
            self.post_message(self._KeysArrived(generation, list(source.keys(query))))

        self.run_worker(work, thread=True, group="paged-table", name="Markera alla", exit_on_error=False)

    def on_mark_table__keys_arrived(self, message: _KeysArrived) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.marked = set(message.keys)
        self._marks_changed()
        self.refresh()

    def _marks_changed(self) -> None:
        self.post_message(self.MarksChanged(self, len(self.marked)))
