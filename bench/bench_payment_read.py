"""Benchmark: read a 100,000-payment BgMax file and a Total IN file of the same size.

Builds the files with the project's own writers in a temporary folder (written atomically, as
every file we write), times ``read_payment_file`` on the bytes (median wall and CPU time of
``--repeat`` runs; CPU time is steadier on a shared machine), checks that the payments read back
equal the ones written, and measures the reader's peak memory with tracemalloc in a separate run
(tracemalloc slows Python down, so it never shares a run with the timing). Target: 100k payments
in well under 3 s. Each payment has an OCR reference, name, address, town and organisation
number records; every 20th is a deduction, every 10th has extra references, every 7th a message.

A third file holds plain OCR payments (one TK20 each, the common rent payment) and is read
beside the *slicing floor*: decoding the same bytes, splitting the lines and summing the amounts
sliced from the TK20 lines, the least any reader of the file must do. The reader's speed on it
is printed as a share of that floor (issue 14 asks for at least half).

Run: ``.venv/bin/python bench/bench_payment_read.py [--payments N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report
from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.fileio import write_bytes_atomic
from tui_inkasso.formats.bgmax import write_bgmax
from tui_inkasso.formats.payment_file import (
    BankPayment,
    ExtraReference,
    Party,
    PaymentFile,
    read_payment_file,
)
from tui_inkasso.formats.totalin import write_totalin

SECTION_SIZE = 1000
CREATED = datetime(2025, 3, 31, 17, 30, 35, 10331)
"""After the last payment date of the files (a bank reports no payment dated after its file)."""


def bgmax_payments(count: int) -> list[BankPayment]:
    """Rent payments as a bank reports them: OCR, payer bankgiro, name and address; every 20th a
    deduction, every 10th with two extra references, every 7th with a message."""
    payments = []
    for i in range(count):
        section, deduction = divmod(i, SECTION_SIZE)[0], i % 20 == 19
        reference = ocr_with_check(str(100000 + i))
        extras: tuple[ExtraReference, ...] = ()
        if i % 10 == 3:
            extras = (ExtraReference(ocr_with_check(str(200000 + i)), 0, "2"),
                      ExtraReference(ocr_with_check(str(300000 + i)), 0, "2"))
        payments.append(BankPayment(
            amount=-(5000 + i % 900) if deduction else 450000 + i % 100000,
            pay_date=date(2025, 3, 3) + timedelta(days=section % 28),
            reference=reference, reference_code="3" if deduction else "2",
            extra_references=tuple(e.reference for e in extras), extra_reference_items=extras,
            sender_account=str(3783511 + i % 5000) if i % 3 else "",
            payer_name=f"Hyresgäst {i} AB", payer_address=f"Storgatan {i % 200 + 1}",
            payer_postcode="12345", payer_city="Storåker", payer_orgno="5500001234",
            messages=(f"Hyra mars lgh {i}",) if i % 7 == 0 else (),
            bank_serial=f"{i:012d}", channel="2" if deduction else "1",
            deduction_code="0" if deduction else None, is_deduction=deduction,
            receiving_account="9912346", receiving_bank_account="5841000001009823",
            deposit_serial=f"{section % 100000:05d}",
        ))
    return payments


def totalin_payments(count: int) -> list[BankPayment]:
    """The same kind of payments as Total IN carries them: sender name and address (50-52), sender
    account (60) and account holder (61-63), as most payments in Nordea's sample have."""
    payments = []
    for i in range(count):
        section, deduction = divmod(i, SECTION_SIZE)[0], i % 20 == 19
        payments.append(BankPayment(
            amount=-(5000 + i % 900) if deduction else 450000 + i % 100000,
            pay_date=date(2025, 3, 3) + timedelta(days=section % 28),
            reference=ocr_with_check(str(100000 + i)),
            extra_references=(ocr_with_check(str(200000 + i)),) if i % 10 == 3 else (),
            sender_account=str(3783511 + i % 5000), sender_origin_code="2",
            account_holder=Party(name=f"Hyresgäst {i} AB", address="Storgatan 1",
                                 postcode="12345", city="Storåker"),
            payer_name=f"Hyresgäst {i} AB", payer_address=f"Storgatan {i % 200 + 1}",
            payer_postcode="12345", payer_city="Storåker", payer_orgno="5500001234",
            messages=(f"Hyra mars lgh {i}",) if i % 7 == 0 else (),
            bank_serial=f"{i:017d}", deduction_code="0" if deduction else None,
            is_deduction=deduction, receiving_account="10181",
            deposit_serial=f"{20250303 + section % 28}{section % 1000:03d}",
        ))
    return payments


def plain_payments(count: int) -> list[BankPayment]:
    """Plain OCR rent payments: one TK20 each (reference, amount, payer's bankgiro, serial)."""
    return [
        BankPayment(
            amount=450000 + i % 100000, pay_date=date(2025, 3, 3), reference=ocr_with_check(str(100000 + i)),
            reference_code="2", sender_account=str(3783511 + i % 5000), bank_serial=f"{i:012d}", channel="1",
            receiving_account="9912346", receiving_bank_account="5841000001009823",
            deposit_serial=f"{i // SECTION_SIZE % 100000:05d}",
        )
        for i in range(count)
    ]


def slicing_floor(data: bytes) -> int:
    """What no reader can skip: decode, split into lines, slice and add up the TK20 amounts."""
    total = 0
    for line in data.decode("latin-1").split("\r\n"):
        if line[:2] == "20":
            total += int(line[37:55])
    return total


def measure_plain(payments: list[BankPayment], folder: Path, repeat: int) -> None:
    """Read the plain OCR file and time the slicing floor on the same bytes (median CPU time)."""
    data = write_bytes_atomic(folder / "plain.txt", write_bgmax(payments, created_at=CREATED)).read_bytes()
    reads, floors = [], []
    for _ in range(repeat):
        gc.collect()
        cpu = time.process_time()
        result = read_payment_file(data, "plain.txt")
        reads.append(time.process_time() - cpu)
        _check(result, payments)
        del result
        gc.collect()
        cpu = time.process_time()
        slicing_floor(data)
        floors.append(time.process_time() - cpu)
    read, floor = statistics.median(reads), statistics.median(floors)
    n = len(payments)
    print(f"plain    {n:>7} payments (TK20 only) | read {n / read:>9,.0f} payments/s CPU | slicing "
          f"floor {n / floor:>9,.0f} payments/s | reader = {floor / read:.0%} of the floor "
          f"(target >= 50%)")
    report("BgMax plain OCR, payments/s (CPU)", n / read, "/s", better="higher")
    report("BgMax plain OCR, share of the slicing floor", floor / read * 100, "%", "> 50 %", better="higher")


def measure(name: str, payments: list[BankPayment], write: Callable[[list[BankPayment]], bytes],
            folder: Path, repeat: int) -> None:
    """Write, read back ``repeat`` times (timed), compare, then measure the reader's peak memory
    in a separate run."""
    start = time.perf_counter()
    data = write(payments)
    path = write_bytes_atomic(folder / f"{name}.txt", data)
    written = time.perf_counter() - start
    data = path.read_bytes()
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = read_payment_file(data, str(path))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        _check(result, payments)
        del result
    gc.collect()
    tracemalloc.start()
    read_payment_file(data, str(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    lines = data.count(b"\n")
    print(f"{name:8} {len(payments):>7} payments {lines:>7} lines {len(data) / 1e6:5.1f} MB | "
          f"write {written:5.2f} s | read (median of {repeat}) {wall:5.2f} s wall, {cpu:5.2f} s "
          f"CPU | {len(payments) / wall:>7,.0f} payments/s {lines / wall:>8,.0f} records/s | "
          f"peak {peak / 1e6:5.0f} MB (tracemalloc)")
    report(f"{name} {len(payments)} payments read", wall, "s", "< 3 s")


def _check(result: PaymentFile, payments: list[BankPayment]) -> None:
    if len(result.payments) != len(payments) or list(result.payments) != payments:
        raise SystemExit(f"{result.path}: read back differs from what was written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure("bgmax", bgmax_payments(args.payments),
                lambda p: write_bgmax(p, created_at=CREATED), folder, args.repeat)
        measure("totalin", totalin_payments(args.payments),
                lambda p: write_totalin(p, created_at=CREATED, customer_id="TI222222"), folder,
                args.repeat)
        measure_plain(plain_payments(args.payments), folder, args.repeat)


if __name__ == "__main__":
    main()
