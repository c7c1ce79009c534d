"""formats/report_xlsx: text from the ledger stays text in every form, amounts are numbers."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from tui_inkasso.formats.report_xlsx import ReportSheet, SheetColumn, write_report_xlsx

COLUMNS = [SheetColumn("Namn"), SheetColumn("Saldo", "amount_ore", total=True), SheetColumn("Antal", "int")]


def _read(rows: list[list[object]]) -> list[tuple[object, ...]]:
    buffer = io.BytesIO()
    write_report_xlsx([ReportSheet("Blad", ["Rubrik"], COLUMNS, rows)], buffer)
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    assert sheet is not None
    return [tuple(cell for cell in row) for row in sheet.iter_rows(min_row=4, max_row=3 + len(rows))]


def test_text_that_looks_like_a_formula_or_an_error_stays_text() -> None:
    names = ["Anna Svensson", "=HYPERLINK(\"http://x\")", "#N/A", "#DIV/0!", "+46701234567", "a\x07b", None]
    cells = _read([[name, 12_345, 1] for name in names])
    for name, row in zip(names, cells, strict=True):
        cell = row[0]
        if name is None:
            assert cell.value is None
            continue
        assert cell.data_type == "s", name
        assert cell.value == name.replace("\x07", " ")
    assert cells[1][0].quotePrefix and cells[4][0].quotePrefix and not cells[0][0].quotePrefix


def test_amounts_are_exact_kronor_with_the_amount_format() -> None:
    (row,) = _read([["Anna", 123_456_789_01, 3]])
    assert Decimal(str(row[1].value)) == Decimal("123456789.01")
    assert row[1].number_format == "#,##0.00" and row[2].number_format == "#,##0" and row[2].value == 3
