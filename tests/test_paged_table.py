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
        assert table.page_query == PageQuery("n", True, "")
        assert list(table.query("*")) == [], "Textual's DOM query is the table's own (no children), not the page query"
        assert table.row_at(0) is not None and table.row_at(0).key == "999"
        await pilot.press("s")  # next sortable column
        await settle(pilot)
        assert table.page_query.sort == "name" and not table.page_query.descending
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


MONEY = [
    Column("number", "Faktura", 8),
    Column("name", "Kund", 0, min_width=8),
    Column("balance", "Saldo", 6, align="right"),
    Column("fees", "Avgifter", 8, align="right"),
    Column("due", "Förfaller", 10),
    Column("note", "Anteckning", 0, min_width=12),
]


def money_rows() -> list[TableRow]:
    return [TableRow(str(n), (Text(f"1000{n:04}"), Text(f"Kund nummer {n} med ett långt namn"),
                              Text(f"{n + 1} 711,80", justify="right"), Text("60,00", justify="right"),
                              Text("2026-09-30"), Text("En anteckning")))
            for n in range(5)]


class MoneyApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PagedTable(MONEY, ListSource(MONEY, money_rows()), frozen=1, no_match="Inga fakturor matchar '{filter}'")


async def test_every_row_is_drawn_in_its_style_cursor_and_zebra() -> None:
    """Plain cells too: their segments carry the row's style (NO_COLOR's filter needs a style)."""
    app = MoneyApp()
    async with app.run_test(size=(80, 12)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        styles = []
        for y in (1, 2, 3):
            segments = list(table.render_line(y))
            assert all(segment.style is not None for segment in segments)
            styles.append(segments[0].style)
        cursor, zebra, plain_row = styles
        assert cursor != zebra and cursor != plain_row and zebra != plain_row
        await pilot.press("down")
        await pilot.pause()
        assert list(table.render_line(2))[0].style == cursor, "the highlight moved with Down"


async def test_amounts_are_whole_and_names_give_way() -> None:
    app = MoneyApp()
    async with app.run_test(size=(60, 12)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        header, first = table.render_line(0).text, table.render_line(1).text
        assert "1 711,80" in first, "the Saldo column widened to its value (declared 6 wide)"
        assert "Kund nummer" in first and "…" in first, "the name gives way, with an ellipsis"
        assert "60,00" in first and "2026-09-3" not in first.replace("2026-09-30", ""), "no date cut in two"
        assert "Anteckning" not in header, "the column the edge would cut is left out of this view"
        # Right: a column at a time; the invoice number (frozen) stays
        await pilot.press("right", "right", "right")
        await pilot.pause()
        first = table.render_line(1).text
        assert first.lstrip().startswith("10000000") and "2026-09-30" in first
        assert "Kund nummer" not in first
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert "Kund nummer" in table.render_line(1).text
        table.set_filter("ingen sådan")
        await settle(pilot)
        assert "Inga fakturor matchar 'ingen sådan'" in table.render_line(1).text


LATER = [
    Column("number", "Faktura", 8),
    Column("name", "Kund", 0, min_width=11),
    Column("balance", "Saldo", 9, align="right"),
    Column("fee", "Avgift", 6, align="right", later_below=70),
    Column("total", "Att betala", 10, align="right"),
    Column("level", "Nivå", 12, later_below=70),
]


class LaterApp(App[None]):
    def compose(self) -> ComposeResult:
        rows = [TableRow("1", (Text("10000001"), Text("K000041 Optikern Fyren AB"), Text("16 058,75"),
                               Text("60,00"), Text("16 268,34"), Text("1 Påminnelse")))]
        yield PagedTable(LATER, ListSource(LATER, rows))


async def test_less_important_columns_make_room_for_the_name_in_a_narrow_table() -> None:
    """Below ``later_below`` the fee and level move to the end, a Right away; the name gets the
    room (with them in the first view it kept 11 characters: "K000041 Op…")."""
    app = LaterApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        header, first = table.render_line(0).text, table.render_line(1).text
        assert "K000041 Optikern Fyren AB" in first, first
        assert header.split() == ["Faktura", "Kund", "Saldo", "Att", "betala"], header
        assert "16 268,34" in first and "60,00" not in first
        await pilot.press("right", "right", "right", "right")
        await pilot.pause()
        first = table.render_line(1).text
        assert "60,00" in first and "1 Påminnelse" in first, first
    async with LaterApp().run_test(size=(100, 8)) as pilot:
        await settle(pilot)
        table = pilot.app.query_one(PagedTable)
        header = table.render_line(0).text
        assert header.split() == ["Faktura", "Kund", "Saldo", "Avgift", "Att", "betala", "Nivå"], "in order when wide"


SHARED = [
    Column("label", "Vad", 0, min_width=30),
    Column("new", "Nytt", 0, min_width=8),
    Column("old", "Gammalt", 0, min_width=8),
    Column("at", "När", 16),
]


class SharedApp(App[None]):
    def compose(self) -> ComposeResult:
        rows = [TableRow("1", (Text("Fil med kända SFTP-servrar"), Text("ny"), Text("gammal"), Text("2026-12-06 07:19")))]
        yield PagedTable(SHARED, ListSource(SHARED, rows))


async def test_a_long_minimum_leaves_the_rest_to_the_other_columns() -> None:
    """One column's minimum above an equal share: it gets its minimum and the others share what
    is left, so the last column stays in the view (an equal share each pushed 'När' out)."""
    async with SharedApp().run_test(size=(72, 8)) as pilot:
        await settle(pilot)
        table = pilot.app.query_one(PagedTable)
        first = table.render_line(1).text
        assert "Fil med kända SFTP-servrar" in first and "2026-12-06 07:19" in first, first
        assert sum(w + 2 for w in table._widths) <= table.scrollable_content_region.width


class EmptyApp(App[None]):
    def compose(self) -> ComposeResult:
        text = "Inga fakturor är klara för inkasso. En faktura kommer hit när dess sista krav har förfallit."
        yield PagedTable(COLUMNS, ListSource(COLUMNS, []), empty_text=text)


async def test_a_long_empty_message_wraps_to_the_view() -> None:
    """The message of an empty table is not cut at the table's edge (it was at 80 columns)."""
    async with EmptyApp().run_test(size=(40, 10)) as pilot:
        await settle(pilot)
        table = pilot.app.query_one(PagedTable)
        shown = " ".join(table.render_line(y).text.strip() for y in range(1, 5))
        assert "dess sista krav har förfallit." in shown, shown
        assert all(len(table.render_line(y).text.rstrip()) <= 40 for y in range(1, 5))


CLIPPED = [
    Column("created", "Skapad", 16),
    Column("count", "Antal", 8, align="right"),
    Column("file", "Fil", 0, min_width=30),
]


class ClippedApp(App[None]):
    def compose(self) -> ComposeResult:
        rows = [TableRow("1", (Text("2026-12-06 08:40"), Text("12"), Text("saldo-2026-12-06-0840-SBF.txt")))]
        yield PagedTable(CLIPPED, ListSource(CLIPPED, rows))


async def test_a_text_cell_cut_by_the_views_edge_ends_in_an_ellipsis() -> None:
    """A text column wider than what is left of the view ends in "…" at its edge (Saldofiler
    cut "Fil" at the right edge with no sign that the name goes on)."""
    app = ClippedApp()
    async with app.run_test(size=(50, 6)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        first = table.render_line(1).text
        assert first.rstrip().endswith("…"), first
        assert "saldo-2026" in first, first
        await pilot.press("right", "right")
        await pilot.pause()
        first = table.render_line(1).text
        assert "saldo-2026-12-06-0840-SBF.txt" in first, "whole once scrolled to"
