"""Benchmark: the collection files for 10,000 cases and the balance XML for 100,000 corrections.

Targets (collection-run and balance-correction issues): a case file or sheet of 10,000 cases
within 5 s; 100,000 corrections into one XML file within 5 s, memory not growing with the file.

Each step runs twice: once for the time (wall clock and CPU seconds of this process; the CPU
figure is the steadier one on a shared machine), once under tracemalloc for the peak of memory
Python allocated during the step (tracing slows the step, so its time is not used). Cases and
corrections are built before the clock starts; the corrections reach the writer through an
iterator, as a service streams them from the database, so the peak is what the writer holds.

Run: ``.venv/bin/python bench/bench_collection_files.py [--cases N] [--corrections N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import reference_seconds
from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.balance_xml import (
    BalanceFileHeader,
    Correction,
    validate_balance_xml,
    write_balance_file,
)
from tui_inkasso.formats.case_file import CaseRecord, Claim, Creditor, Debtor, render_case_file
from tui_inkasso.formats.case_list_pdf import render_case_list_pdf
from tui_inkasso.formats.excel import write_cases_xlsx
from tui_inkasso.formats.layout import load_layout

CREATED = dt.datetime(2026, 11, 28, 14, 0, 0)
CREDITOR = Creditor(
    7, "Bostads AB Ålgården", "556036-0793", "5050-1055", "Box 12", "111 22", "Stockholm", "40123"
)
CATEGORIES = list(SfiCategory)


def build_cases(count: int) -> list[CaseRecord]:
    """``count`` cases of one to three invoices each (two on average)."""
    cases = []
    for i in range(count):
        number = f"2026-{i:06d}"
        debtor = Debtor(
            f"K{i:06d}",
            f"Kund {i} Åberg",
            "19811218-9876",
            i % 10 == 0,
            f"Storgatan {i % 90 + 1}",
            "123 45",
            "Västerås",
            f"kund{i}@example.se",
        )
        claims = tuple(
            Claim(
                case_number=number,
                invoice_number=f"F{i:06d}{j}",
                kind="rent" if j else "direct",
                invoice_date=dt.date(2026, 1 + j, 1),
                due_date=dt.date(2026, 1 + j, 28),
                ocr=ocr_with_check(f"{i:06d}{j}"),
                capital_ore=850_000 + i,
                fees_ore=6_000,
                interest_ore=1_234 + j,
                sfi_category=CATEGORIES[i % 6],
                object_id=f"{i % 40}-{i % 400}",
                object_address=f"Storgatan {i % 90 + 1}, lgh {1000 + i % 400}",
                last_dunning_level=2,
                last_dunning_date=dt.date(2026, 3 + j, 2),
            )
            for j in range(1 + i % 3)
        )
        cases.append(CaseRecord(number, CREDITOR, debtor, claims))
    return cases


OCRS = [ocr_with_check(f"{i:07d}") for i in range(1000)]


def corrections(count: int) -> Iterator[Correction]:
    """Corrections as a service streams them from the database (OCRs read, not computed)."""
    for i in range(count):
        yield Correction(
            correction_id=str(i + 1),
            case_number=f"2026-{i % 20_000:06d}",
            customer_number=f"K{i % 20_000:06d}",
            customer_name=f"Kund {i} Åberg",
            national_id="19811218-9876",
            invoice_number=f"F{i:07d}",
            ocr=OCRS[i % 1000] if i % 4 else "",
            kind="credit" if i % 10 == 0 else "payment",
            date=dt.date(2026, 4, 1 + i % 28),
            amount_ore=10_000 + i,
            payment_method=("bankgiro", "plusgiro", "autogiro", "cash", "credit", "manual")[i % 6],
            agency_reference=f"IJ{i:08d}" if i % 3 else "",
        )


def measure(label: str, step: Callable[[], Any]) -> Any:
    """Run ``step`` for its time, then again under tracemalloc for its peak; print both."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"{label:<52} {wall:7.2f} s wall {cpu:7.2f} s cpu   peak {peak / 1e6:8.1f} MB", flush=True
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--corrections", type=int, default=100_000)
    args = parser.parse_args()

    print(f"reference loop (5M additions): {reference_seconds():.2f} s cpu", flush=True)
    cases = build_cases(args.cases)
    claims = sum(len(c.claims) for c in cases)
    print(f"{args.cases} cases, {claims} invoices; {args.corrections} corrections", flush=True)
    intrum, svea = load_layout("intrum"), load_layout("svea")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        data = measure(
            "Intrum case file (fixed width, ISO-8859-1)",
            lambda: render_case_file(cases, intrum, created_at=CREATED),
        )
        print(f"{'':<52} {len(data) / 1e6:7.1f} MB", flush=True)
        data = measure(
            "Svea case file (separated, UTF-8)",
            lambda: render_case_file(cases, svea, created_at=CREATED),
        )
        print(f"{'':<52} {len(data) / 1e6:7.1f} MB", flush=True)

        def sheet() -> Path:
            path = out / "inkasso.xlsx"
            path.unlink(missing_ok=True)
            write_cases_xlsx(cases, path, system="intrum")
            return path

        path = measure("Excel sheet (.xlsx, one row per invoice)", sheet)
        print(f"{'':<52} {path.stat().st_size / 1e6:7.1f} MB", flush=True)
        pdf = measure(
            "case list PDF",
            lambda: render_case_list_pdf(cases, "Skapade inkassoärenden", CREATED, system="intrum"),
        )
        print(f"{'':<52} {len(pdf) / 1e6:7.1f} MB", flush=True)

        rows = list(corrections(args.corrections))
        total = sum(c.amount_ore for c in rows)
        header = BalanceFileHeader(
            "SALDO-BENCH", CREATED, CREDITOR.name, CREDITOR.org_no, len(rows), total
        )
        xml = out / "saldo.xml"

        def write_xml() -> Path:
            xml.unlink(missing_ok=True)
            return write_balance_file(xml, header, iter(rows))

        measure("balance XML, written and validated while writing", write_xml)
        print(f"{'':<52} {xml.stat().st_size / 1e6:7.1f} MB", flush=True)
        measure("balance XML, validated from the file", lambda: validate_balance_xml(xml))
    print(f"reference loop (5M additions): {reference_seconds():.2f} s cpu", flush=True)


if __name__ == "__main__":
    main()
