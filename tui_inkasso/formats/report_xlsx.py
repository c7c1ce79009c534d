"""A report as an Excel workbook: one sheet per table, a heading, the rows, totals as formulas.

The reports (åldersanalys, inkassoöversikt) are read and reworked in Excel: the figures must be
numbers (amounts in kronor with the amount format, counts as integers), the total row must be
formulas (``=SUM(C6:C48)``) so that a row staff delete or change is reflected, and text from
the ledger (a customer's name) must never become a formula. As in ``formats/excel.py``: the
number format is stored with the invariant separators (``#,##0.00``), which Excel shows in the
reader's locale ("1 234,50" in Swedish); text that begins with ``= + - @`` (or a tab or a line
break) is stored as text with Excel's quote prefix; amounts are exact decimal kronor made from
öre (no float on the way); control characters XML cannot hold become spaces.

Written with openpyxl's write-only mode (rows streamed, a few µs a cell), to a path atomically
(``formats.output``) or to an open handle.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats.output import Target, open_target
from tui_inkasso.formats.text import FORMULA_TRIGGERS, one_line

Kind = Literal["text", "amount_ore", "int", "percent"]
AMOUNT_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
MAX_SHEET_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})
_HUNDRED = Decimal(100)


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
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "tui-inkasso"
    if title:
        workbook.properties.title = _text(title)
    used: set[str] = set()
    rows = 0
    for sheet in sheets:
        rows += _write_sheet(workbook, sheet, _unique_title(sheet.title, used))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with open_target(target) as handle:
        handle.write(buffer.getvalue())
    return rows


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


def _write_sheet(workbook: Workbook, sheet: ReportSheet, title: str) -> int:
    ws = workbook.create_sheet(title)
    bold = Font(bold=True)
    widths = _widths(sheet)
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_row = len(sheet.heading) + 2  # heading lines, a blank line, the column headings
    ws.freeze_panes = f"A{header_row + 1}"
    for number, line in enumerate(sheet.heading):
        cell = _text_cell(ws, line)
        if number == 0:
            cell.font = Font(bold=True, size=13)
        ws.append([cell])
    ws.append([])
    headings = []
    for column in sheet.columns:
        cell = _text_cell(ws, column.title)
        cell.font = bold
        if column.kind != "text":
            cell.alignment = Alignment(horizontal="right")
        headings.append(cell)
    ws.append(headings)
    for row in sheet.rows:
        ws.append([_cell(ws, column, value) for column, value in zip(sheet.columns, row, strict=True)])
    first, last = header_row + 1, header_row + len(sheet.rows)
    if sheet.total_label is not None:
        totals: list[Any] = []
        for index, column in enumerate(sheet.columns, 1):
            if index == 1:
                cell = _text_cell(ws, sheet.total_label)
            elif column.total:
                letter = get_column_letter(index)
                cell = WriteOnlyCell(ws, value=f"=SUM({letter}{first}:{letter}{last})" if sheet.rows else 0)
                cell.number_format = AMOUNT_FORMAT if column.kind == "amount_ore" else INT_FORMAT
            else:
                cell = WriteOnlyCell(ws, value=None)
            cell.font = bold
            totals.append(cell)
        ws.append(totals)
    if sheet.notes:
        ws.append([])
        for note in sheet.notes:
            ws.append([_text_cell(ws, note)])
    return len(sheet.rows)


def _cell(ws: Any, column: SheetColumn, value: Any) -> Any:
    """A data cell. Plain text and empty cells go to openpyxl as bare values: it makes them
    cells itself at a third of the cost of a ``WriteOnlyCell`` (which it first tries to bind as
    a value, failing with a formatted message), and a sheet of 37,000 invoices is mostly those.
    Text Excel would read as a formula or an error value ("#N/A") gets a cell that says text."""
    if value is None:
        return None
    if column.kind == "text":
        text = _text(value)
        return _text_cell(ws, text) if text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES else text
    if column.kind == "amount_ore":
        cell = WriteOnlyCell(ws, value=Decimal(value) / _HUNDRED)
        cell.number_format = AMOUNT_FORMAT
        return cell
    if column.kind == "percent":
        cell = WriteOnlyCell(ws, value=float(value))
        cell.number_format = PERCENT_FORMAT
        return cell
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = INT_FORMAT
    return cell


def _text_cell(ws: Any, value: str) -> Any:
    """Text as text: never a formula (quote prefix where Excel would read one)."""
    text = _text(value)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


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
