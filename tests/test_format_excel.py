"""Excel sheets: real dates and numbers, frozen header, filter, and text that never runs."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.collection_samples import PERSON, case, many_cases, sample_cases
from tui_inkasso.formats.excel import (
    AMOUNT_FORMAT,
    CASE_COLUMNS,
    DATE_FORMAT,
    Column,
    ExcelError,
    read_xlsx_preview,
    write_cases_xlsx,
    write_table_xlsx,
)
from tui_inkasso.formats.output import FileWriteError

NBSP = "\u00a0"
ATTACKS = [
    "=cmd|' /C calc'!A0",
    "+46 70 123 45 67",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid","x")',
]


def header_index(title: str) -> int:
    return [c.title for c in CASE_COLUMNS].index(title) + 1


def test_case_sheet_has_real_dates_numbers_and_text_ids(tmp_path: Path) -> None:
    path = tmp_path / "inkasso.xlsx"
    rows = write_cases_xlsx(sample_cases(), path, system="intrum")
    assert rows == 3

    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == [c.title for c in CASE_COLUMNS]
    assert all(c.font.b for c in sheet[1])
    first = {
        title.title: sheet.cell(row=2, column=i).value for i, title in enumerate(CASE_COLUMNS, 1)
    }
    assert first["Ärende"] == "2026-0001"
    assert first["Kund"] == "Åsa Öberg"
    assert first["Person-/orgnr"] == "19811218-9876"
    assert first["Adress"] == "Storgatan 1, 123 45 Västerås"
    assert first["Fakturatyp"] == "Hyresfaktura"
    assert first["Fakturadatum"] == datetime(2026, 1, 1)
    assert first["Förfallodatum"] == datetime(2026, 1, 31)
    assert first["OCR"] == "100164"
    assert first["Kapital"] == 8500
    assert first["Avgifter"] == 60
    assert first["Ränta"] == pytest.approx(12.34)
    assert first["Totalt"] == pytest.approx(8572.34)
    assert first["Skuldtyp"] == "17"
    assert first["SFI-kategori"] == "Bostad"
    assert sheet.cell(row=4, column=header_index("Skuldtyp")).value == "19"
    assert sheet.cell(row=4, column=header_index("Fakturatyp")).value == "Direktfaktura"

    date_cell = sheet.cell(row=2, column=header_index("Fakturadatum"))
    amount_cell = sheet.cell(row=2, column=header_index("Kapital"))
    assert date_cell.is_date and date_cell.number_format == DATE_FORMAT
    assert amount_cell.data_type == "n" and amount_cell.number_format == AMOUNT_FORMAT
    assert sheet.cell(row=2, column=header_index("OCR")).data_type == "s"


def test_header_is_frozen_filtered_and_columns_fit_their_content(tmp_path: Path) -> None:
    path = tmp_path / "inkasso.xlsx"
    long_name = "Fastighetsförvaltning i Norrland Aktiebolag"
    write_cases_xlsx([case(debtor=replace(PERSON, name=long_name)), *sample_cases()], path)

    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R6"
    assert sheet.column_dimensions["D"].width >= len(long_name)
    assert sheet.column_dimensions["I"].width >= len("Fakturadatum")
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        workbook_xml = package.read("xl/workbook.xml").decode()
    assert "_xlnm._FilterDatabase" in workbook_xml


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "attack.xlsx"
    cases = [
        case(f"2026-{i:04d}", debtor=replace(PERSON, name=text, address=text))
        for i, text in enumerate(ATTACKS)
    ]
    write_cases_xlsx(cases, path)

    workbook = load_workbook(path)
    sheet = workbook.active
    names = [
        sheet.cell(row=row, column=header_index("Kund")) for row in range(2, sheet.max_row + 1, 2)
    ]
    assert [c.value for c in names] == ATTACKS
    for cell in names:
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(path) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    plain = sheet.cell(row=2, column=header_index("Ärende"))
    assert plain.quotePrefix is False


def test_general_table_takes_typed_columns_and_leaves_none_empty() -> None:
    columns = [
        Column("Namn"),
        Column("Datum", "date"),
        Column("Belopp", "amount_ore"),
        Column("Antal", "int"),
    ]
    rows = [("Åsa", date(2026, 5, 4), 123_456_78, 3), ("Bo <&> Co", None, -5_00, None)]
    target = io.BytesIO()
    assert write_table_xlsx("Betalningar: maj/juni", columns, rows, target) == 2

    workbook = load_workbook(io.BytesIO(target.getvalue()))
    sheet = workbook.active
    assert sheet.title == "Betalningar  maj juni"
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["Åsa", datetime(2026, 5, 4), pytest.approx(123456.78), 3],
        ["Bo <&> Co", None, -5, None],
    ]
    assert sheet.auto_filter.ref == "A1:D3"


def test_counts_and_shares_have_their_formats_and_empty_text_is_an_empty_cell() -> None:
    """The kinds the reports use (``count`` #,##0, ``percent`` 0.0%) through the shared writer."""
    columns = [Column("Namn"), Column("Antal", "count"), Column("Andel", "percent")]
    target = io.BytesIO()
    write_table_xlsx("Blad", columns, [("", 1_234_567, 0.125), ("x", None, 1)], target)
    sheet = load_workbook(io.BytesIO(target.getvalue())).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [None, 1_234_567, 0.125],
        ["x", None, 1],
    ]
    assert [sheet["B2"].number_format, sheet["C2"].number_format, sheet["C3"].number_format] == [
        "#,##0", "0.0%", "0.0%"
    ]
    with pytest.raises(ExcelError, match="kolumn 'Andel': 'x' ska vara en andel"):
        write_table_xlsx("Blad", columns, [("a", 1, "x")], io.BytesIO())


def test_an_empty_list_still_gives_a_sheet_with_its_header() -> None:
    target = io.BytesIO()
    assert write_table_xlsx("Tom", [Column("A"), Column("B", "date")], [], target) == 0
    sheet = load_workbook(io.BytesIO(target.getvalue())).active
    assert [c.value for c in sheet[1]] == ["A", "B"]
    assert sheet.max_row == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ("x", date(2026, 1, 1), 12.5, 1),
            r"rad 2, kolumn 'Belopp': 12.5 ska vara ett belopp i hela öre",
        ),
        (("x", "2026-01-01", 100, 1), r"rad 2, kolumn 'Datum': '2026-01-01' ska vara ett datum"),
        ((1.5, date(2026, 1, 1), 100, 1), r"rad 2, kolumn 'Namn': 1.5 ska vara text"),
        (("x", date(2026, 1, 1), True, 1), r"rad 2, kolumn 'Belopp': True ska vara ett belopp i hela öre"),
        (("x", date(2026, 1, 1), 100), r"rad 2: 3 värden för 4 kolumner"),
    ],
)
def test_wrong_values_are_refused_naming_row_and_column(
    tmp_path: Path, row: tuple[object, ...], message: str
) -> None:
    columns = [
        Column("Namn"),
        Column("Datum", "date"),
        Column("Belopp", "amount_ore"),
        Column("Antal", "int"),
    ]
    path = tmp_path / "bad.xlsx"
    with pytest.raises(ExcelError, match=message):
        write_table_xlsx("Fel", columns, [row], path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "inkasso.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(FileWriteError, match="filen finns redan"):
        write_cases_xlsx(sample_cases(), path)
    assert path.read_bytes() == b"keep me"


def test_preview_shows_the_sheet_as_swedish_text(tmp_path: Path) -> None:
    path = tmp_path / "inkasso.xlsx"
    write_cases_xlsx(sample_cases(), path, system="svea")
    headers, rows = read_xlsx_preview(path, max_rows=2)
    assert headers[:2] == ["Ärende", "Borgenär"]
    assert len(rows) == 2
    first = dict(zip(headers, rows[0], strict=True))
    assert first["Fakturadatum"] == "2026-01-01"
    assert first["Kapital"] == f"8{NBSP}500,00"
    assert first["Ränta"] == "12,34"
    assert first["Skuldtyp"] == "BO"


def test_preview_refuses_a_file_that_is_no_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ExcelError, match="fake.xlsx: kan inte läsas som en .xlsx-fil"):
        read_xlsx_preview(path)


def test_a_thousand_cases_round_trip(tmp_path: Path) -> None:
    cases = many_cases(300)
    path = tmp_path / "many.xlsx"
    rows = write_cases_xlsx(cases, path)
    assert rows == sum(len(c.claims) for c in cases)
    sheet = load_workbook(path, read_only=True).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == rows
    capital = header_index("Kapital") - 1
    assert round(sum(v[capital] for v in values) * 100) == sum(c.sum_capital_ore for c in cases)
