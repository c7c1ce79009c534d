"""Benchmark: 20,000 reminder and demand letters into one PDF, as a large run produces.

Builds varied letters (rent with the forfeiture notice and direct invoices, reminders and
demands, letter texts of 3 to 14 lines), renders them with ``render_letters_pdf``, writes the
PDF atomically to a temporary folder and prints seconds, MB and pages. Also times the JSON
round trip every notice's stored letter goes through. Target: well under 30 s for 20,000.
CPU time is printed beside wall time because the machine is shared (other work inflates wall
time).

Run: ``.venv/bin/python bench/bench_letters.py [--letters N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.fileio import write_bytes_atomic
from tui_inkasso.formats.letter import LetterData, render_letters_pdf

_TEXT = (
    "Enligt våra noteringar har vi ännu inte fått betalt för fakturan nedan. Vi ber dig "
    "betala det belopp som står under Att betala senast det datum som anges. "
)


def letters(count: int) -> list[LetterData]:
    """``count`` letters that vary in every field a page layout depends on."""
    result = []
    issued = date(2026, 11, 27)
    for i in range(count):
        demand = i % 3 != 0
        rent = i % 4 != 3
        capital = 300_000 + (i * 7919) % 2_000_000
        interest = capital * (30 + i % 60) * 1000 // 3_650_000
        fee, earlier = (18_000, 6_000) if demand else (6_000, 0)
        result.append(LetterData(
            owner_name=f"Fastighets AB Exempel {i % 7}", owner_org_no="556677-8899",
            owner_address=("Storgatan 1", "111 22 Stockholm"), owner_phone="08-123 456 78",
            owner_email="hyra@exempel.se", bankgiro="5050-1055",
            customer_name=f"Kund Kundsson {i}",
            customer_address=(f"Vägen {i % 300} lgh {1000 + i % 500}", "123 45 Solna"),
            invoice_number=str(500_000 + i), kind="rent" if rent else "direct",
            invoice_date=date(2026, 9, 15), due_date=date(2026, 9, 30),
            ocr=ocr_with_check(str(500_000 + i)), level=2 if demand else 1,
            level_name="Krav" if demand else "Påminnelse", is_demand=demand,
            issued_on=issued, payment_deadline=issued + timedelta(days=10),
            capital_ore=capital, interest_ore=interest, fee_ore=fee, earlier_fees_ore=earlier,
            total_ore=capital + interest + fee + earlier,
            letter_text=_TEXT * (1 + i % 6) + ("\n\nMed vänlig hälsning\nKundtjänst" if i % 2 else ""),
            object_address=f"Vägen {i % 300}, lgh {1000 + i % 500}",
            forfeiture_notice=rent, customer_number=f"K{i}", interest_to=issued,
        ))
    return result


def main() -> None:
    """Time building, JSON round trip, rendering and writing; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    count = parser.parse_args().letters
    started = time.perf_counter()
    data = letters(count)
    print(f"build {count} LetterData: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    stored = [LetterData.from_json(letter.to_json()) for letter in data]
    print(f"JSON round trip: {time.perf_counter() - started:.2f} s")
    started, cpu_started = time.perf_counter(), time.process_time()
    pdf = render_letters_pdf(stored)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with tempfile.TemporaryDirectory() as folder:
        path = write_bytes_atomic(Path(folder) / "run.pdf", pdf)
        size = path.stat().st_size
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page/")
    print(f"render {count} letters to one PDF: {seconds:.2f} s wall, {cpu:.2f} s CPU "
          f"({cpu / count * 1000:.2f} ms CPU/letter), {size / 1e6:.1f} MB, {pages} pages")
    from bench.common import report

    report(f"{count} letters rendered to one PDF (CPU)", cpu, "s")


if __name__ == "__main__":
    main()
