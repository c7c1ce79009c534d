"""A tricky report workbook and a dump of every cell, to compare writers cell by cell.

``REFERENCE`` (tests/data/report_xlsx_reference.json) is the dump of the workbook the first
writer (openpyxl write-only cells, before the rows were spliced in as XML text) made of
``sample_sheets()``; the test reads the current writer's workbook back and compares.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tui_inkasso.formats.report_xlsx import ReportSheet, SheetColumn, write_report_xlsx

REFERENCE = Path(__file__).parent / "data" / "report_xlsx_reference.json"

TEXTS = [
    "Anna Svensson", "=HYPERLINK(\"http://x\")", "+46701234567", "-5", "@SUM(A1)", "\tflik",
    "\rretur", "rad1\nrad2", "#N/A", "#DIV/0!", "#REF!", "a\x07b\x00c", "  mellanslag  ", "",
    "Å & <b> \"ö\" 'x'", None, "'citat", "1234", "TRUE", "\ud800surrogat", "x" * 70,
]


def sample_sheets() -> list[ReportSheet]:
    """Several sheets: formula triggers, control characters, None, big amounts, an empty sheet
    with its total row, a sheet without totals, titles that clash or hold forbidden characters."""
    columns = [
        SheetColumn("Kund"),
        SheetColumn("Saldo", "amount_ore", total=True),
        SheetColumn("Antal", "int", total=True),
        SheetColumn("Andel", "percent"),
        SheetColumn("=Anm", width=12.5),
    ]
    amounts = [0, 1, -1, 100, -100, 123_45, 9_999_999_999_999_99, -9_999_999_999_999_99,
               50, 1_000_000_00, None]
    rows: list[list[Any]] = []
    for index, text in enumerate(TEXTS):
        rows.append([
            text,
            amounts[index % len(amounts)],
            None if index % 5 == 4 else index * 1000,
            None if index % 7 == 6 else [0.0, 1.0, 0.125, 1 / 3, 0, 1][index % 6],
            TEXTS[-1 - index],
        ])
    return [
        ReportSheet("Åldersanalys: 2026/12", ["=Rubrik", "Per 2026-12-06", "\tundertext"], columns,
                    rows, notes=["Not 1", "+not två", "#N/A"]),
        ReportSheet("Åldersanalys: 2026/12", ["Tomt blad"], columns, []),
        ReportSheet("[Utan]*summa?", [], [SheetColumn("Namn"), SheetColumn("Belopp", "amount_ore")],
                    [["a", 1], ["b", None]], total_label=None),
        ReportSheet("x" * 40, ["Lång titel"], [SheetColumn("Antal", "int", total=True)],
                    [[1], [2], [None]], total_label="-Summa"),
    ]


def dump(data: bytes) -> list[dict[str, Any]]:
    """Every sheet's title, freeze pane, widths and every cell's value, type, format and font."""
    workbook = load_workbook(io.BytesIO(data))
    sheets = []
    for sheet in workbook.worksheets:
        cells = []
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                cells.append([
                    cell.coordinate, cell.value if not isinstance(cell.value, float) else repr(cell.value),
                    type(cell.value).__name__, cell.data_type, cell.number_format,
                    bool(cell.font.b), cell.font.sz, bool(cell.quotePrefix), cell.alignment.horizontal,
                ])
        widths = {k: v.width for k, v in sorted(sheet.column_dimensions.items()) if v.width}
        sheets.append({"title": sheet.title, "freeze": sheet.freeze_panes, "widths": widths,
                       "cells": cells})
    return sheets


def written() -> bytes:
    buffer = io.BytesIO()
    write_report_xlsx(sample_sheets(), buffer, title="=Rapport")
    return buffer.getvalue()
