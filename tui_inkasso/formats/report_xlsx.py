"""A report as an Excel workbook: one sheet per table, a heading, the rows, totals as formulas.

The reports (åldersanalys, inkassoöversikt) are read and reworked in Excel: the figures must be
numbers (amounts in kronor with the amount format, counts as integers), the total row must be
formulas (``=SUM(C6:C48)``) so that a row staff delete or change is reflected, and text from
the ledger (a customer's name) must never become a formula. As in ``formats/excel.py``: the
number format is stored with the invariant separators (``#,##0.00``), which Excel shows in the
reader's locale ("1 234,50" in Swedish); text that begins with ``= + - @`` (or a tab or a line
break) is stored as text with Excel's quote prefix; amounts are exact decimal kronor made from
öre (no float on the way); control characters XML cannot hold become spaces.

Written as ``formats/excel.py`` writes its sheets (one writer for both): openpyxl makes a
skeleton workbook with everything but the data rows (heading lines, bold column headings, the
total row, notes, widths, frozen panes, styles), and the data rows are spliced into each sheet
as XML text (``excel.RowWriter``, ``excel.splice_sheets``): 3 sheets of 37,160 rows in about a
sixth of openpyxl's cell-by-cell time. To a path atomically (``formats.output``) or to an open
handle.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.formats.excel import (
    AMOUNT_FORMAT,
    COUNT_FORMAT,
    PERCENT_FORMAT,
    Column,
    ColumnKind,
    RowWriter,
    SheetRows,
    splice_sheets,
)
from tui_inkasso.formats.output import Target, open_target
from tui_inkasso.formats.text import FORMULA_TRIGGERS, one_line

Kind = Literal["text", "amount_ore", "int", "percent"]
INT_FORMAT = COUNT_FORMAT
MAX_SHEET_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})
_COLUMN_KIND: dict[str, ColumnKind] = {
    "text": "text", "amount_ore": "amount_ore", "int": "count", "percent": "percent",
}
__all__ = ["AMOUNT_FORMAT", "INT_FORMAT", "PERCENT_FORMAT", "ReportSheet", "ReportXlsxError",
           "SheetColumn", "write_report_xlsx"]


class ReportXlsxError(ValueError):
    """A sheet that cannot be written as given (a value of the wrong kind, too many rows)."""


@dataclass(frozen=True, slots=True)
class SheetColumn:
    """A column: its heading, the kind of its values, whether the total row sums it."""

    title: str
    kind: Kind = "text"
    total: bool = False
    """The total row gets ``=SUM(...)`` of the column (amounts and counts)."""
    width: float | None = None


@dataclass(frozen=True)
class ReportSheet:
    """One sheet: a title (the tab's name), heading lines, the columns and the rows.

    A value is ``str`` for text, ``int`` öre for an amount, ``int`` for a count, a float 0..1
    for a percent (display only), or None for an empty cell. ``total_label`` names the total
    row (in the first column); None: no total row.
    """

    title: str
    heading: Sequence[str]
    columns: Sequence[SheetColumn]
    rows: Sequence[Sequence[Any]]
    total_label: str | None = "Totalt"
    notes: Sequence[str] = field(default_factory=tuple)
    """Lines under the table (what was left out, how a figure is counted)."""


def write_report_xlsx(sheets: Sequence[ReportSheet], target: Target, *, title: str = "") -> int:
    """Write the sheets; returns the number of data rows written. Every value is checked first."""
    if not sheets:
        raise ReportXlsxError("en arbetsbok behöver minst ett blad")
    for sheet in sheets:
        _check(sheet)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    workbook.properties.creator = "tui-inkasso"
    if title:
        workbook.properties.title = _text(title)
    used: set[str] = set()
    parts = []
    for number, sheet in enumerate(sheets, 1):
        ws = workbook.create_sheet(_unique_title(sheet.title, used))
        parts.append(_sheet_skeleton(ws, sheet, f"xl/worksheets/sheet{number}.xml"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with open_target(target) as handle:
        splice_sheets(buffer.getvalue(), handle, parts)
    return sum(len(sheet.rows) for sheet in sheets)


def _check(sheet: ReportSheet) -> None:
    width = len(sheet.columns)
    if width == 0:
        raise ReportXlsxError(f"bladet '{sheet.title}': minst en kolumn behövs")
    if len(sheet.rows) + len(sheet.heading) + len(sheet.notes) + 4 > MAX_SHEET_ROWS:
        raise ReportXlsxError(f"bladet '{sheet.title}': {len(sheet.rows)} rader ryms inte på ett blad")
    for line, row in enumerate(sheet.rows, 1):
        if len(row) != width:
            raise ReportXlsxError(f"bladet '{sheet.title}', rad {line}: {len(row)} värden för {width} kolumner")
        for column, value in zip(sheet.columns, row, strict=True):
            if value is None:
                continue
            if column.kind == "text" and not isinstance(value, str):
                raise ReportXlsxError(f"bladet '{sheet.title}', rad {line}, kolumn '{column.title}': "
                                      f"{value!r} ska vara text")
            if column.kind in ("amount_ore", "int") and type(value) is not int:
                raise ReportXlsxError(f"bladet '{sheet.title}', rad {line}, kolumn '{column.title}': "
                                      f"{value!r} ska vara ett heltal (öre eller antal)")
            if column.kind == "percent" and not isinstance(value, int | float):
                raise ReportXlsxError(f"bladet '{sheet.title}', rad {line}, kolumn '{column.title}': "
                                      f"{value!r} ska vara en andel")


def _sheet_skeleton(ws: Any, sheet: ReportSheet, part: str) -> SheetRows:
    """Everything of the sheet but its data rows, which come back as XML text to splice in
    before the total row. Layout: heading lines, a blank line, the column headings, the rows,
    the total row, a blank line, the notes."""
    bold = Font(bold=True)
    for index, width in enumerate(_widths(sheet), 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_row = len(sheet.heading) + 2
    ws.freeze_panes = f"A{header_row + 1}"
    for number, line in enumerate(sheet.heading, 1):
        cell = _put_text(ws.cell(row=number, column=1), line)
        if number == 1:
            cell.font = Font(bold=True, size=13)
    for index, column in enumerate(sheet.columns, 1):
        cell = _put_text(ws.cell(row=header_row, column=index), column.title)
        cell.font = bold
        if column.kind != "text":
            cell.alignment = Alignment(horizontal="right")
    first, last = header_row + 1, header_row + len(sheet.rows)
    row = last + 1
    if sheet.total_label is not None:
        _total_row(ws, sheet, row, first, last)
        row += 1
    if sheet.notes:
        for number, note in enumerate(sheet.notes, row + 1):
            _put_text(ws.cell(row=number, column=1), note)
        row += 1 + len(sheet.notes)
    columns = [Column(c.title, _COLUMN_KIND[c.kind], c.width) for c in sheet.columns]
    cells = RowWriter(columns, first_row=first, amount_text=_kronor_text)
    cells.register_styles(ws, probe_row=row + 1)
    dimension = f"A1:{get_column_letter(max(len(sheet.columns), 1))}{row - 1}"
    return SheetRows(part, cells.xml_chunks(sheet.rows), dimension, before_row=last + 1)


def _total_row(ws: Any, sheet: ReportSheet, row: int, first: int, last: int) -> None:
    """The label, ``=SUM(...)`` of the data rows under each summed column (0 on an empty
    sheet), every cell bold."""
    bold = Font(bold=True)
    for index, column in enumerate(sheet.columns, 1):
        cell = ws.cell(row=row, column=index)
        if index == 1:
            _put_text(cell, sheet.total_label or "")
        elif column.total:
            letter = get_column_letter(index)
            cell.value = f"=SUM({letter}{first}:{letter}{last})" if sheet.rows else 0
            cell.number_format = AMOUNT_FORMAT if column.kind == "amount_ore" else INT_FORMAT
        cell.font = bold


def _put_text(cell: Any, value: str) -> Any:
    """Text as text: never a formula or an error value (quote prefix where Excel would read a
    formula)."""
    text = _text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _kronor_text(ore: int) -> str:
    """Öre as the number's text: exact decimal kronor, whole kronor without decimals (as
    openpyxl wrote the Decimal before, so a reader gets the same int or float)."""
    return format_amount(ore) if ore % 100 else str(ore // 100)


def _text(value: str) -> str:
    text = str(value)
    if not text.isprintable():
        text = _ILLEGAL_XML.sub(" ", one_line(text))
    return text


def _widths(sheet: ReportSheet) -> list[float]:
    widths = []
    for index, column in enumerate(sheet.columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = len(column.title)
        for row in sheet.rows[:2000]:  # enough to see the widest; a long sheet costs no more
            value = row[index]
            if value is None:
                continue
            shown = len(format_sek(value)) if column.kind == "amount_ore" else len(str(value))
            longest = max(longest, shown)
        if column.kind == "amount_ore" and sheet.rows:
            longest = max(longest, 16)  # the total is wider than any row
        widths.append(min(longest + 2, 60))
    return widths


def _unique_title(title: str, used: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name; names are unique."""
    base = title.translate(_SHEET_TITLE_BAD).strip().strip("'")[:31] or "Blad"
    name, number = base, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    used.add(name.lower())
    return name
