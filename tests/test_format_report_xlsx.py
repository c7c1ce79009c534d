"""formats/report_xlsx: text from the ledger stays text in every form, amounts are numbers."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from openpyxl import load_workbook

from tests.report_xlsx_sample import REFERENCE, dump, written
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


def test_every_cell_is_as_the_openpyxl_cell_writer_made_it() -> None:
    """The rows are spliced in as XML text now; read back, every cell of a tricky workbook
    (formula triggers, control characters, None, big amounts, an empty sheet with its total
    row, clashing and illegal titles) has the value, type, format and font the old writer
    (openpyxl write-only cells) gave it, and the sheets the same titles, panes and widths."""
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(dump(written()), ensure_ascii=False))
    assert [s["title"] for s in actual] == [s["title"] for s in expected]
    for old, new in zip(expected, actual, strict=True):
        assert (new["freeze"], new["widths"]) == (old["freeze"], old["widths"]), old["title"]
        assert new["cells"] == old["cells"], old["title"]


def test_the_total_row_sums_the_spliced_rows_and_the_notes_follow() -> None:
    buffer = io.BytesIO()
    rows = [[f"=k{i}", i * 101, i] for i in range(2500)]
    write_report_xlsx([ReportSheet("Blad", ["Rubrik"], COLUMNS, rows, notes=["Not"])], buffer)
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    assert sheet is not None
    assert sheet.max_row == 3 + 2500 + 3 and sheet["A3"].value == "Namn"
    assert [sheet.cell(row=4 + i, column=1).value for i in (0, 2499)] == ["=k0", "=k2499"]
    assert sheet["A2504"].value == "Totalt" and sheet["B2504"].value == "=SUM(B4:B2503)"
    assert sheet["A2506"].value == "Not" and Decimal(str(sheet["B2503"].value)) == Decimal("2523.99")
