"""A list as a printable PDF table (fpdf2, core fonts): title, repeated column header, totals.

Used for the list of collection cases and for any list a screen prints. The table is drawn with
``FPDF.text`` at computed positions instead of ``FPDF.cell``: cell() does layout work per call
that costs about 0.1 ms here, five seconds for 10,000 rows of five columns; text() costs a
tenth of that.

Core fonts (Helvetica) know Latin-1 only: other characters are transliterated ("ł" -> "l"), and
the few with no spelling print as "?", which is acceptable on paper but never in a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fpdf import FPDF

from tui_inkasso.formats.text import UnencodableError, one_line, transliterate

Align = Literal["L", "R", "C"]

FONT = "helvetica"
FONT_SIZE = 8.0
ROW_HEIGHT = 4.6
MARGIN = 12.0
CELL_PAD = 1.2
_HEADER_GAP = 2.0


@dataclass(frozen=True, slots=True)
class PdfColumn:
    """A column: its header, its share of the page width and its alignment."""

    title: str
    weight: float = 1.0
    align: Align = "L"


def render_table_pdf(
    title: str,
    columns: Sequence[PdfColumn],
    rows: Iterable[Sequence[str]],
    *,
    created_at: datetime,
    subtitle: str = "",
    totals: Sequence[str] | None = None,
    landscape: bool = False,
) -> bytes:
    """The rows (already display text) as an A4 PDF; header and page numbers on every page."""
    return render_tables_pdf(title, [PdfTable("", columns, rows, totals)], created_at=created_at,
                             subtitle=subtitle, landscape=landscape)


@dataclass(frozen=True)
class PdfTable:
    """One table of a document: a heading (empty: none), its columns, rows and totals."""

    heading: str
    columns: Sequence[PdfColumn]
    rows: Iterable[Sequence[str]]
    totals: Sequence[str] | None = None


def render_tables_pdf(
    title: str,
    tables: Sequence[PdfTable],
    *,
    created_at: datetime,
    subtitle: str = "",
    landscape: bool = False,
) -> bytes:
    """Several tables in one A4 PDF (a report's sections), each starting on a page of its own
    with its heading; the column header is repeated on every page of its table."""
    if not tables:
        raise ValueError("a document needs at least one table")
    pdf: _TablePdf | None = None
    for table in tables:
        if not table.columns:
            raise ValueError("a table needs at least one column")
        if pdf is None:
            pdf = _TablePdf(title, subtitle, table.columns, created_at, landscape, table.heading)
        else:
            pdf.start_table(table.heading, table.columns)
        width = len(table.columns)
        for number, row in enumerate(table.rows, 1):
            if len(row) != width:
                raise ValueError(f"row {number}: {len(row)} values for {width} columns")
            pdf.row(row)
        if table.totals is not None:
            if len(table.totals) != width:
                raise ValueError(f"totals: {len(table.totals)} values for {width} columns")
            pdf.totals(table.totals)
    assert pdf is not None
    return bytes(pdf.output())


def latin1(text: str) -> str:
    """Text the core fonts can show: one line, transliterated, "?" for what has no spelling."""
    text = one_line(str(text))
    if text.isascii():
        return text
    try:
        return transliterate(text, "latin-1")
    except UnencodableError:
        return "".join(_char_latin1(c) for c in text)


def _char_latin1(char: str) -> str:
    try:
        return transliterate(char, "latin-1")
    except UnencodableError:
        return "?"


class _TablePdf(FPDF):
    """FPDF with our page header (title, date, column titles) and footer (page x of y)."""

    def __init__(
        self,
        title: str,
        subtitle: str,
        columns: Sequence[PdfColumn],
        created_at: datetime,
        landscape: bool,
        heading: str = "",
    ) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.table_title = latin1(title)
        self.subtitle = latin1(subtitle)
        self.created_text = f"Skapad {created_at:%Y-%m-%d %H:%M}"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_creation_date(created_at)
        self.set_title(self.table_title)
        self.set_creator("tui-inkasso")
        self.alias_nb_pages()
        self.bottom = self.h - MARGIN - 8
        self.set_font(FONT, "B", FONT_SIZE)
        self._max_char = max(self.get_string_width(c) for c in "@WMm%")  # widest, bold or not
        self.set_font(FONT, "", FONT_SIZE)
        self.start_table(heading, columns)

    def start_table(self, heading: str, columns: Sequence[PdfColumn]) -> None:
        """Begin a table on a new page: its heading and columns from here on."""
        usable = self.w - 2 * MARGIN
        total_weight = sum(c.weight for c in columns)
        self.widths = [usable * c.weight / total_weight for c in columns]
        self.lefts = [MARGIN + sum(self.widths[:i]) for i in range(len(columns))]
        self.aligns = [c.align for c in columns]
        self.titles = [latin1(c.title) for c in columns]
        self.heading = latin1(heading)
        self.add_page()

    def header(self) -> None:
        self.set_font(FONT, "B", 13)
        self.text(MARGIN, MARGIN + 4, self.table_title)
        self.set_font(FONT, "", FONT_SIZE)
        right = self.w - MARGIN
        self.text(right - self.get_string_width(self.created_text), MARGIN + 4, self.created_text)
        top = MARGIN + 6
        if self.subtitle:
            self.text(MARGIN, top + 3.5, self.subtitle)
            top += 5
        if self.heading:
            self.set_font(FONT, "B", 10)
            self.text(MARGIN, top + 5, self.heading)
            self.set_font(FONT, "", FONT_SIZE)
            top += 7
        self.y = top + _HEADER_GAP
        self.set_font(FONT, "B", FONT_SIZE)
        self._draw(self.titles)
        self.set_line_width(0.3)
        self.line(MARGIN, self.y, self.w - MARGIN, self.y)
        self.y += 0.8
        self.set_font(FONT, "", FONT_SIZE)

    def footer(self) -> None:
        self.set_font(FONT, "", 7)
        self.set_xy(MARGIN, self.h - MARGIN - 1)
        self.cell(
            self.w - 2 * MARGIN, 4, f"Sida {self.page_no()} av {{nb}}", align="R"
        )  # cell() expands {nb}

    def row(self, values: Sequence[str]) -> None:
        if self.y + ROW_HEIGHT > self.bottom:
            self.add_page()
        self._draw([latin1(v) for v in values])

    def totals(self, values: Sequence[str]) -> None:
        if self.y + ROW_HEIGHT + 1 > self.bottom:
            self.add_page()
        self.set_line_width(0.3)
        self.line(MARGIN, self.y + 0.3, self.w - MARGIN, self.y + 0.3)
        self.y += 0.8
        self.set_font(FONT, "B", FONT_SIZE)
        self._draw([latin1(v) for v in values])
        self.set_font(FONT, "", FONT_SIZE)

    def _draw(self, values: Sequence[str]) -> None:
        baseline = self.y + ROW_HEIGHT - 1.3
        for left, width, align, text in zip(
            self.lefts, self.widths, self.aligns, values, strict=True
        ):
            if not text:
                continue
            room = width - 2 * CELL_PAD
            if len(text) * self._max_char > room:
                text = self._fit(text, room)
            if align == "L":
                x = left + CELL_PAD
            else:
                shown = self.get_string_width(text)
                x = left + width - CELL_PAD - shown if align == "R" else left + (width - shown) / 2
            self.text(x, baseline, text)
        self.y += ROW_HEIGHT

    def _fit(self, text: str, room: float) -> str:
        """Cut ``text`` to the column with "..." (a printout may shorten; files never do)."""
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + "...") > room:
            text = text[:-1]
        return text.rstrip() + "..."
