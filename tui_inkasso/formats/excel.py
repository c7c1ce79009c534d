"""Excel sheets (.xlsx): the collection sheet of "Skapa Excelfil" and any list a screen exports.

A sheet staff filter and sum must hold real values: dates as Excel dates (``yyyy-mm-dd``),
amounts as numbers in kronor, ids (OCR, invoice and personnummer) as text so that leading zeros
and long digit strings survive. Text that begins with ``= + - @`` (or a tab or CR) is stored as
a string with Excel's quote prefix, so that neither opening nor editing the cell ever runs it as
a formula ("CSV injection" through a customer name). See docs/formats/excel.md.

The number format is stored as ``#,##0.00``: format codes in the file are always written with
the invariant separators, and Excel shows them in the reader's locale, "1 234,50" in Swedish.
A literal ``# ##0,00`` would show a stray space and divide by a thousand.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tui_inkasso.domain.codes import invoice_kind_label
from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.formats.case_file import CaseRecord
from tui_inkasso.formats.output import Target, open_target
from tui_inkasso.formats.text import FORMULA_TRIGGERS, one_line

ColumnKind = Literal["text", "date", "amount_ore", "int", "count", "percent"]
"""``int`` is a whole number in the General format; ``count`` the same with thousands grouping
(``#,##0``); ``percent`` a share 0..1 shown as ``0.0%`` (the reports' columns)."""
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60
MAX_CELL_TEXT = 32_767
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
_ALLOWED_TYPES: dict[str, frozenset[type]] = {
    "text": frozenset({str, int, type(None)}),
    "date": frozenset({dt.date, type(None)}),
    "amount_ore": frozenset({int, type(None)}),
    "int": frozenset({int, type(None)}),
    "count": frozenset({int, type(None)}),
    "percent": frozenset({int, float, type(None)}),
}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})
_NOT_PLAIN_START = frozenset("=+-@ ")
"""A first character that makes a printable text more than a plain cell: a formula trigger
(``formats.text.FORMULA_TRIGGERS``; tab, CR and LF are not printable) or a space."""
ZIP_LEVEL = 1
"""zlib level of the sheet's parts: level 1 writes 10,000 cases' sheet in a third of the time of
the default (6) for a fifth more bytes (2.2 MB instead of 1.8 MB)."""


class ExcelError(ValueError):
    """A value cannot be put in its column; the message names the row, the column and the value."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column of an exported list: Swedish header, kind of value, optional fixed width."""

    title: str
    kind: ColumnKind = "text"
    width: float | None = None


CASE_COLUMNS: tuple[Column, ...] = (
    Column("Ärende"),
    Column("Borgenär"),
    Column("Kundnr"),
    Column("Kund"),
    Column("Person-/orgnr"),
    Column("Adress"),
    Column("Faktura"),
    Column("Fakturatyp"),
    Column("Fakturadatum", "date"),
    Column("Förfallodatum", "date"),
    Column("OCR"),
    Column("Kapital", "amount_ore"),
    Column("Avgifter", "amount_ore"),
    Column("Ränta", "amount_ore"),
    Column("Totalt", "amount_ore"),
    Column("Skuldtyp"),
    Column("Objekt"),
    Column("SFI-kategori"),
)


def write_cases_xlsx(cases: Iterable[CaseRecord], target: Target, *, system: str = "none") -> int:
    """The collection sheet: one row per invoice of each case; returns the number of rows.

    ``system`` picks the debt type codes ("intrum", "svea"; "none" shows the SFI category name).
    A path is written atomically; an open handle is written as is.
    """
    return write_table_xlsx("Inkassoärenden", CASE_COLUMNS, _case_rows(cases, system), target)


def _case_rows(cases: Iterable[CaseRecord], system: str) -> Iterable[tuple[Any, ...]]:
    for case in cases:
        debtor, creditor = case.debtor, case.creditor
        address = ", ".join(
            p for p in (debtor.address, f"{debtor.postal_code} {debtor.city}".strip()) if p
        )
        for claim in case.claims:
            obj = " ".join(p for p in (claim.object_id, claim.object_address) if p)
            yield (
                case.case_number,
                creditor.name,
                debtor.customer_number,
                debtor.name,
                debtor.national_id,
                address,
                claim.invoice_number,
                invoice_kind_label(str(claim.kind)),
                claim.invoice_date,
                claim.due_date,
                claim.ocr,
                claim.capital_ore,
                claim.fees_ore,
                claim.interest_ore,
                claim.total_ore,
                claim.debt_type_for(system),
                obj,
                claim.sfi_category.label,
            )


def write_table_xlsx(
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    target: Target,
) -> int:
    """Write a list as one sheet: bold frozen header, auto filter, widths from the content.

    Values per column kind: text (str or int, shown as text), date (datetime.date), amount_ore
    (int öre, shown in kronor), int. None leaves the cell empty. Returns the number of rows.
    Every value is checked before anything is written; a path is written atomically.
    """
    data = [tuple(row) for row in rows]
    _check_shapes(columns, data)
    cells = RowWriter(columns)
    cells.check(data)
    skeleton, sheet_part = _skeleton(title, columns, _widths(columns, data), len(data), cells)
    with open_target(target) as handle:
        _splice_rows(skeleton, sheet_part, handle, cells.xml_chunks(data), len(columns), len(data))
    return len(data)


def read_xlsx_preview(
    path: str | os.PathLike[str], max_rows: int = 200
) -> tuple[list[str], list[list[str]]]:
    """The first sheet's header and up to ``max_rows`` rows as display text, for the terminal.

    Dates show as yyyy-mm-dd, numbers with two decimals in Swedish style ("1 234,50") when the
    cell's format has decimals. Nothing is evaluated; formulas (none in our files) show as text.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise ExcelError(f"{os.fspath(path)}: kan inte läsas som en .xlsx-fil ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, ())
        headers = [_display(cell) for cell in header]
        body: list[list[str]] = []
        for row in rows:
            if len(body) >= max_rows:
                break
            body.append([_display(cell) for cell in row])
        return headers, body
    finally:
        workbook.close()


# --------------------------------------------------------------------------------------------


def _skeleton(
    title: str, columns: Sequence[Column], widths: list[float], count: int, cells: RowWriter
) -> tuple[bytes, str]:
    """The workbook made by openpyxl with the header row only, and the sheet's part name.

    openpyxl owns everything structural (styles, frozen pane, filter and its defined name, widths,
    document properties); only the data rows are streamed in afterwards by ``_splice_rows``.
    openpyxl's own cell writer needs about 30 µs a cell here, 10 s for 10,000 cases; see
    docs/formats/excel.md.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    for index, (column, width) in enumerate(zip(columns, widths, strict=True), 1):
        cell = sheet.cell(row=1, column=index, value=column.title)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    cells.register_styles(sheet)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    workbook.properties.title = title
    workbook.properties.creator = "tui-inkasso"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), f"xl/worksheets/sheet{sheet.parent.index(sheet) + 1}.xml"


@dataclass(frozen=True)
class SheetRows:
    """Data rows for one sheet part of a skeleton workbook (see ``splice_sheets``)."""

    part: str
    """The sheet's part name in the package, ``xl/worksheets/sheetN.xml``."""
    chunks: Iterator[str]
    """The ``<row>`` elements as XML text (``RowWriter.xml_chunks``)."""
    dimension: str
    """The sheet's used range once the rows are in, ``A1:I37166``."""
    before_row: int | None = None
    """The rows go before the skeleton's row of this number (a total row under the data);
    None, or no such row: at the end of the sheet data."""


def _splice_rows(
    skeleton: bytes,
    sheet_part: str,
    handle: BinaryIO,
    chunks: Iterator[str],
    width: int,
    count: int,
) -> None:
    """Copy the skeleton package to ``handle``, streaming the data rows into the sheet part."""
    dimension = f"A1:{get_column_letter(width)}{count + 1}"
    splice_sheets(skeleton, handle, [SheetRows(sheet_part, chunks, dimension)])


def splice_sheets(skeleton: bytes, handle: BinaryIO, sheets: Sequence[SheetRows]) -> None:
    """Copy the skeleton package to ``handle``, streaming each sheet's data rows into its part.

    openpyxl made the skeleton with everything but the data rows (styles, headings, a total
    row, notes, widths, panes); the rows are XML text put in where they belong, so a sheet of
    many rows costs the text of its cells, not openpyxl's 5-30 µs a cell.
    """
    by_part = {sheet.part: sheet for sheet in sheets}
    with (
        zipfile.ZipFile(io.BytesIO(skeleton)) as source,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as out,
    ):
        missing = set(by_part) - set(source.namelist())
        if missing:
            names = ", ".join(sorted(missing))
            raise ExcelError(f"{names}: finns inte i arbetsboken; raderna kan inte läggas till")
        for info in source.infolist():
            content = source.read(info.filename)
            rows = by_part.get(info.filename)
            if rows is None:
                out.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
                continue
            head, tail = _split_sheet(content.decode("utf-8"), rows)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]  # ZipFile.open(info) reads only this
            with out.open(entry, "w", force_zip64=True) as stream:
                stream.write(head.encode("utf-8"))
                for chunk in rows.chunks:
                    stream.write(chunk.encode("utf-8"))
                stream.write(tail.encode("utf-8"))


def _split_sheet(xml: str, rows: SheetRows) -> tuple[str, str]:
    """The sheet's XML before and after the place of the data rows, with the new dimension."""
    end = xml.find("</sheetData>")
    if end < 0:
        raise ExcelError(f"{rows.part}: openpyxl skrev inget <sheetData>; raderna kan inte läggas till")
    at = end
    if rows.before_row is not None:
        found = re.compile(f'<row r="{rows.before_row}"[ >/]').search(xml, 0, end)
        if found:
            at = found.start()
    head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{rows.dimension}"/>', xml[:at], count=1)
    return head, xml[at:]


class RowWriter:
    """Checks row values and turns them into SpreadsheetML ``<row>`` elements.

    Cells are written as: text as inline strings (type "s" when read back; never a formula),
    with the quote-prefix style when they begin with = + - @ tab CR LF; dates as serial numbers
    with the date style; öre as an exact decimal text of kronor ("1234.50", no float involved)
    with the amount style; whole numbers as numbers.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        first_row: int = 2,
        amount_text: Callable[[int], str] = format_amount,
    ) -> None:
        """``first_row``: the sheet row of the first data row. ``amount_text``: öre as the
        number's text in the file (exact decimal kronor; the reports write whole kronor
        without decimals, as openpyxl did, so a reader sees the same int/float as before)."""
        self.columns = columns
        self.kinds = [c.kind for c in columns]
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self.first_row = first_row
        self.amount_text = amount_text
        self.style: dict[str, int] = {}

    def register_styles(self, sheet: Any, probe_row: int = 2) -> None:
        """Let openpyxl define the styles the columns need; remember their ids.

        The probe cells are put in ``probe_row`` (a row nothing else uses) and deleted again;
        the styles stay in the workbook."""
        styles = [
            ("date", DATE_FORMAT, False),
            ("amount", AMOUNT_FORMAT, False),
            ("quoted", "General", True),
        ]
        if "count" in self.kinds:
            styles.append(("count", COUNT_FORMAT, False))
        if "percent" in self.kinds:
            styles.append(("percent", PERCENT_FORMAT, False))
        for column, (name, fmt, quote) in enumerate(styles, 1):
            probe = sheet.cell(row=probe_row, column=column)
            probe.number_format = fmt
            probe.quotePrefix = quote
            self.style[name] = probe.style_id
        sheet.delete_rows(probe_row)

    def check(self, data: list[tuple[Any, ...]]) -> None:
        """Every value of its column's kind, column by column (a set of types is cheap)."""
        for col, kind in enumerate(self.kinds):
            allowed = _ALLOWED_TYPES[kind]
            types = {type(row[col]) for row in data}
            if types <= allowed and not (
                kind == "text" and str in types and self._too_long(data, col)
            ):
                continue
            for line, row in enumerate(data, 2):
                self._check_value(line, col, kind, row[col])

    @staticmethod
    def _too_long(data: list[tuple[Any, ...]], col: int) -> bool:
        return (
            max((len(row[col]) for row in data if type(row[col]) is str), default=0) > MAX_CELL_TEXT
        )

    def _check_value(self, line: int, col: int, kind: str, value: Any) -> None:
        if value is None:
            return
        if kind == "text":
            if isinstance(value, bool | float) or not isinstance(value, str | int):
                raise self._error(line, col, value, "ska vara text eller ett heltal")
            if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
                raise self._error(
                    line, col, value[:40] + "...", f"är längre än {MAX_CELL_TEXT} tecken"
                )
        elif kind == "date":
            if type(value) is not dt.date:
                raise self._error(line, col, value, "ska vara ett datum (datetime.date)")
        elif kind == "percent":
            if not isinstance(value, int | float):
                raise self._error(line, col, value, "ska vara en andel")
        elif type(value) is not int:
            reason = "ska vara ett belopp i hela öre" if kind == "amount_ore" else "ska vara ett heltal"
            raise self._error(line, col, value, reason)

    def _error(self, line: int, col: int, value: Any, reason: str) -> ExcelError:
        """The refusal in Swedish, naming the sheet row and the column's title."""
        return ExcelError(f"rad {line}, kolumn '{self.columns[col].title}': {value!r} {reason}")

    def xml_chunks(
        self, data: Sequence[Sequence[Any]], per_chunk: int = 1000
    ) -> Iterator[str]:
        """The data rows as XML text, a thousand rows a chunk, built column by column."""
        for first in range(0, len(data), per_chunk):
            block = data[first : first + per_chunk]
            start = first + self.first_row
            numbers = range(start, start + len(block))
            columns = [
                self._column_cells(col, numbers, [row[col] for row in block])
                for col in range(len(self.kinds))
            ]
            yield "".join(
                f'<row r="{n}">{"".join(cells)}</row>'
                for n, cells in zip(numbers, zip(*columns, strict=True), strict=True)
            )

    def _column_cells(self, col: int, numbers: range, values: list[Any]) -> list[str]:
        letter, kind = self.letters[col], self.kinds[col]
        if kind == "text":
            quoted = f' s="{self.style["quoted"]}"'
            # Most text is plain (printable, no & < >, no formula trigger or space at either
            # end): its cell is written here; the rest goes through _text_cell, which cleans,
            # escapes and quotes it (the same cell for plain text; a third of the sheet's time).
            return [
                f'<c r="{letter}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                if v.__class__ is str and v and v.isprintable() and v[0] not in _NOT_PLAIN_START
                and v[-1] != " " and "&" not in v and "<" not in v and ">" not in v
                else _text_cell(f"{letter}{n}", v, quoted)
                for n, v in zip(numbers, values, strict=True)
            ]
        if kind == "date":
            style = self.style["date"]
            return [
                ""
                if v is None
                else f'<c r="{letter}{n}" s="{style}"><v>{v.toordinal() - _EXCEL_EPOCH}</v></c>'
                for n, v in zip(numbers, values, strict=True)
            ]
        if kind == "amount_ore":
            style, text = self.style["amount"], self.amount_text
            return [
                "" if v is None else f'<c r="{letter}{n}" s="{style}"><v>{text(v)}</v></c>'
                for n, v in zip(numbers, values, strict=True)
            ]
        if kind == "count":
            style = self.style["count"]
            return [
                "" if v is None else f'<c r="{letter}{n}" s="{style}"><v>{v}</v></c>'
                for n, v in zip(numbers, values, strict=True)
            ]
        if kind == "percent":
            style = self.style["percent"]
            return [
                "" if v is None else f'<c r="{letter}{n}" s="{style}"><v>{_share_text(v)}</v></c>'
                for n, v in zip(numbers, values, strict=True)
            ]
        return [
            "" if v is None else f'<c r="{letter}{n}"><v>{v}</v></c>'
            for n, v in zip(numbers, values, strict=True)
        ]


def _share_text(value: float) -> str:
    """A share as openpyxl writes a float (16 significant digits); NaN and infinity, which a
    cell cannot hold, as an empty value."""
    return "%.16g" % value if math.isfinite(value) else ""  # noqa: UP031  # openpyxl's own form


def _text_cell(ref: str, value: Any, quoted: str) -> str:
    """An inline-string cell; quote-prefixed when Excel could read it as a formula. An empty
    text is an empty cell, as openpyxl writes it (Excel's COUNTA does not count it)."""
    if value is None or value == "":
        return ""
    text = _xml_text(value if type(value) is str else str(value))
    style = quoted if text.startswith(FORMULA_TRIGGERS) else ""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _xml_text(text: str) -> str:
    """Text safe inside an XML element: control characters as spaces, & < > escaped."""
    if not text.isprintable():
        text = _ILLEGAL_XML.sub(" ", one_line(text))
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _check_shapes(columns: Sequence[Column], data: list[tuple[Any, ...]]) -> None:
    if not columns:
        raise ExcelError("ett ark behöver minst en kolumn")
    for line, row in enumerate(data, 2):
        if len(row) != len(columns):
            raise ExcelError(f"rad {line}: {len(row)} värden för {len(columns)} kolumner")


def _widths(columns: Sequence[Column], data: list[tuple[Any, ...]]) -> list[float]:
    """Column widths in characters: the longest shown value or the header (+3 for the filter
    arrow), at most MAX_WIDTH."""
    widths: list[float] = []
    for col, column in enumerate(columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        values = [row[col] for row in data if row[col] is not None]
        longest = len(column.title) + 3
        if not values:
            pass
        elif column.kind == "date":
            longest = max(longest, 10)
        elif column.kind == "amount_ore":
            longest = max(longest, len(format_sek(max(values))), len(format_sek(min(values))))
        else:
            longest = max(longest, max(map(len, map(str, values))))
        widths.append(min(longest + 2, MAX_WIDTH))
    return widths


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    cleaned = title.translate(_SHEET_TITLE_BAD).strip().strip("'") or "Blad1"
    return cleaned[:31]


def _display(cell: Any) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, int | float | Decimal):
        return _display_number(value, getattr(cell, "number_format", "General") or "General")
    return one_line(str(value))


def _display_number(value: float | int | Decimal, number_format: str) -> str:
    """A number as the Swedish reader expects it; the float from the file is only displayed."""
    if ".00" in number_format or ".0" in number_format:
        ore = int((Decimal(repr(value)) * 100).quantize(Decimal(1)))
        return format_sek(ore)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")
