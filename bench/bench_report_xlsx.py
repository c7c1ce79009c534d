"""Benchmark: the report workbook (Åldersanalys-sized) written by formats/report_xlsx.

37,160 rows × 9 columns on each of 3 sheets (the aging export of the 1M-invoice demo holds
37,160 invoices, a sheet per grouping): text, amounts, counts and a percent per row. Rows are
built before the clock starts; the figure is the writer alone, best of N, wall and CPU seconds
of this process (the CPU figure is the steadier one on a shared machine).

Run: ``.venv/bin/python bench/bench_report_xlsx.py [--rows N] [--sheets N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui_inkasso.formats.report_xlsx import ReportSheet, SheetColumn, write_report_xlsx

COLUMNS = [
    SheetColumn("Faktura"),
    SheetColumn("Kund"),
    SheetColumn("Förfallodatum"),
    SheetColumn("Ej förfallet", "amount_ore", total=True),
    SheetColumn("1-30 dagar", "amount_ore", total=True),
    SheetColumn("31-90 dagar", "amount_ore", total=True),
    SheetColumn("Totalt", "amount_ore", total=True),
    SheetColumn("Dagar", "int"),
    SheetColumn("Andel", "percent"),
]


def sheets(rows: int, count: int) -> list[ReportSheet]:
    """``count`` sheets of ``rows`` rows each; a few names start with a formula trigger."""
    result = []
    for number in range(count):
        data: list[list[Any]] = [
            [f"F{100000 + i}", f"Kund {i % 997} AB" if i % 50 else f"=Kund {i}",
             f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
             i * 137 % 1_000_000, i * 71 % 50_000, 0 if i % 3 else i * 11, i * 219 % 1_050_000,
             i % 400, (i % 1000) / 1000]
            for i in range(rows)
        ]
        result.append(ReportSheet(f"Grupp {number + 1}", ["Åldersanalys", "Per 2026-12-06"],
                                  COLUMNS, data, notes=["Belopp i kronor."]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=37_160)
    parser.add_argument("--sheets", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workbook = sheets(args.rows, args.sheets)
    best_wall = best_cpu = float("inf")
    size = 0
    for _ in range(args.repeat):
        buffer = io.BytesIO()
        wall, cpu = time.perf_counter(), time.process_time()
        write_report_xlsx(workbook, buffer, title="Åldersanalys")
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        size = len(buffer.getvalue())
    print(f"report xlsx {args.sheets} × {args.rows} rows × {len(COLUMNS)} columns: "
          f"wall {best_wall:.2f} s, CPU {best_cpu:.2f} s (best of {args.repeat}), "
          f"{size / 1e6:.1f} MB, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
