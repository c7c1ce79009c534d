"""PagedTable on its own: 50,000 rows from a callback, only the pages on screen are fetched."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from rich.text import Text
from textual.app import App, ComposeResult

from tests.tui_helpers import settle
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, PageQuery, TableRow

COLUMNS = [Column("n", "Nummer", 8, align="right"), Column("name", "Namn", 0), Column("odd", "Udda", 5, sortable=False)]


class CountingSource:
    """50,000 generated rows; records every call and the thread it ran in."""

    def __init__(self, total: int = 50_000) -> None:
        self.total = total
        self.calls: list[tuple[str, PageQuery, int, int]] = []
        self.threads: set[str] = set()

    def _numbers(self, query: PageQuery) -> range | list[int]:
        numbers: range | list[int] = range(self.total)
        if query.filter == "odd":
            numbers = range(1, self.total, 2)
        if query.sort == "n" and query.descending:
            numbers = list(reversed(numbers))
        return numbers

    def count(self, query: PageQuery) -> int:
        self.calls.append(("count", query, 0, 0))
        self.threads.add(threading.current_thread().name)
        return len(self._numbers(query))

    def rows(self, query: PageQuery, offset: int, limit: int) -> Sequence[TableRow]:
        self.calls.append(("rows", query, offset, limit))
        self.threads.add(threading.current_thread().name)
        chosen = self._numbers(query)[offset : offset + limit]
        return [TableRow(str(n), (Text(str(n)), Text(f"Rad [{n}]"), Text("ja" if n % 2 else ""))) for n in chosen]


class TableApp(App[None]):
    def __init__(self, source: CountingSource | ListSource) -> None:
        super().__init__()
        self.source = source
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield PagedTable(COLUMNS, self.source, page_size=100, sort="n")

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.selected.append(event.row.key)


async def test_fifty_thousand_rows_fetch_only_what_is_shown() -> None:
    source = CountingSource()
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.total == 50_000
        assert [c[0] for c in source.calls] == ["count", "rows"], "one count and the first page"
        assert source.threads and threading.main_thread().name not in source.threads, "fetched in a worker"
        lines = [table.render_line(y).text for y in range(3)]
        assert "Nummer ▲" in lines[0] and "Rad [0]" in lines[1], "header, then rows; brackets kept"
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert table.cursor_row > 0
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 49_999 and table.current_row is not None
        assert table.current_row.key == "49999"
        fetched = [c for c in source.calls if c[0] == "rows"]
        assert len(fetched) <= 4, f"pages fetched: {[(c[2], c[3]) for c in fetched]}"
        await pilot.press("enter")
        assert app.selected == ["49999"]


async def test_sort_and_filter_go_to_the_source() -> None:
    source = CountingSource(1000)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        await pilot.press("r")  # reverse the sort
        await settle(pilot)
        assert table.query == PageQuery("n", True, "")
        assert table.row_at(0) is not None and table.row_at(0).key == "999"
        await pilot.press("s")  # next sortable column
        await settle(pilot)
        assert table.query.sort == "name" and not table.query.descending
        table.set_filter("odd")
        table.set_sort("n", descending=False)
        await settle(pilot)
        assert table.total == 500 and table.row_at(0).key == "1"
        assert source.calls[-1][1] == PageQuery("n", False, "odd")
        table.set_source(None)
        await settle(pilot)
        assert table.total == 0 and table.current_row is None


async def test_list_source_sorts_and_filters_in_memory() -> None:
    rows = [TableRow(str(n), (str(n), name, "")) for n, name in enumerate(["Cecilia", "anna", "Bengt"])]
    source = ListSource(COLUMNS, rows, sort_value=lambda row, key: row.cells[1].lower() if key == "name" else int(row.key))
    app = TableApp(source)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        table.set_sort("name")
        await settle(pilot)
        assert [table.row_at(i).key for i in range(3)] == ["1", "2", "0"]
        table.set_filter("ben")
        await settle(pilot)
        assert table.total == 1 and table.row_at(0).key == "2"
