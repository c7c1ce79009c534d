"""Benchmark: import a BgMax file of 100,000 payments into the 1,000,000-invoice demo ledger.

The file is written with the project's BgMax writer from a scratch copy of the cached demo
ledger of the measured store (``bench.common.scratch_url``, SQLite or PostgreSQL): the payments'
references are OCRs of its open invoices (two
part payments per invoice, so both fit the 45,000 or so open invoices), every 25th payment comes
from the collection agency's bankgiro (some of them exceed the balance: overpayments), every 20th
has a reference no invoice has (unmatched), every 50th is a deduction. Each owner's payments go
to the owner's bankgiro in deposits of 1,000.

The import runs in a child process (so the peak RSS is the import's, not the file generation's):
reading alone (records a second), then ``import_payment_file``: read, match, book, commit, timed
as a whole and by phase. Targets (issue 14): under 5 s on SQLite and under 10 s on PostgreSQL,
peak RSS under 400 MB. On PostgreSQL the import runs a second time, on a fresh copy, as a
staff role (Handläggare) that may not switch the per-row foreign-key checks off, as staff work:
its batches' keys are checked by the owner's function ``bulk_insert_checked`` (db/migration_v12.py).

Run: ``.venv/bin/python bench/bench_payment_import.py [--payments N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OUT, TODAY, report, scratch_url, store  # noqa: E402

TARGET_SECONDS = {"sqlite": 5.0, "postgresql": 10.0}
TARGET_RSS_MB = 400
CLERK = "bench_clerk"
"""The staff role the PostgreSQL import is measured as a second time (a role of the server, kept)."""


def build_file(url: str, target: Path, count: int) -> dict[str, int]:
    """Write the BgMax file from the open invoices of the ledger at ``url``; returns what it holds."""
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.db.models import Invoice, Owner
    from tui_inkasso.fileio import write_bytes_atomic
    from tui_inkasso.formats.bgmax import write_bgmax
    from tui_inkasso.formats.payment_file import BankPayment

    open_database(url)
    giro = {o.id: o.bankgiro for o in Owner.select()}
    invoices = list(
        Invoice.select(Invoice.ocr, Invoice.owner, Invoice.balance)
        .where(Invoice.balance > 0)
        .order_by(Invoice.owner, Invoice.id)
        .tuples()
    )
    close_database()
    by_owner: dict[int, list[BankPayment]] = {}
    stats = {"payments": 0, "agency": 0, "unmatched": 0, "deductions": 0}
    for i in range(count):
        ocr, owner_id, balance = invoices[(i // 2) % len(invoices)]
        amount, reference, sender = max(balance // 2, 100), ocr, str(3783511 + i % 5000)
        deduction = i % 50 == 49
        if i % 25 == 7:
            sender, amount = "5051057", amount + 10000
            stats["agency"] += 1
        if i % 20 == 11:
            reference = f"9{i:09d}"
            stats["unmatched"] += 1
        if deduction:
            amount = -min(amount, 5000)
            stats["deductions"] += 1
        by_owner.setdefault(owner_id, []).append(BankPayment(
            amount=amount, pay_date=dt.date(2026, 11, 27), reference=reference,
            reference_code="3" if deduction else "2", sender_account=sender,
            payer_name=f"Hyresgäst {i}", bank_serial=f"{i:012d}", channel="1",
            deduction_code="0" if deduction else None, is_deduction=deduction,
            receiving_account=giro[owner_id], deposit_serial=f"{(i // 1000) % 100000:05d}",
        ))
        stats["payments"] += 1
    payments = [p for owner_payments in by_owner.values() for p in owner_payments]
    write_bytes_atomic(target, write_bgmax(payments, created_at=dt.datetime(2026, 11, 27, 18, 0)), overwrite=True)
    return stats


def backend_cpu() -> Callable[[], float]:
    """CPU seconds of this connection's PostgreSQL backend so far (a server on this machine;
    0 for SQLite, whose work is this process's own)."""
    from tui_inkasso.db.connection import db

    if isinstance(db.obj, type(None)) or db.obj.__class__.__name__.startswith("Sqlite"):
        return lambda: 0.0
    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
        except OSError:  # the server runs elsewhere
            return 0.0
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


def child(file: Path, url: str) -> None:
    """In a fresh process: read alone, then the whole import; print one JSON line of figures."""
    from tui_inkasso.db.connection import open_database
    from tui_inkasso.db.models import Payment
    from tui_inkasso.formats.payment_file import read_payment_file
    from tui_inkasso.services import payment_import as pi

    figures: dict[str, float] = {}
    data = file.read_bytes()
    started = time.perf_counter()
    parsed = read_payment_file(data, file.name)
    figures["read_s"] = time.perf_counter() - started
    figures["records"] = parsed.line_count
    figures["records_per_s"] = parsed.line_count / figures["read_s"]
    del parsed, data
    open_database(url)
    phases: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        phases[f"booked {done}"] = now - last[0]
        last[0] = now

    server = backend_cpu()
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), server()
    last[0] = started
    result = pi.import_payment_file(file, progress=progress)
    figures["import_s"] = time.perf_counter() - started
    figures["import_cpu_s"] = time.process_time() - cpu
    figures["server_cpu_s"] = server() - server_cpu
    figures["first_chunk_s"] = next(iter(phases.values()))
    summary = result.summary
    assert summary is not None
    figures.update(
        payments=summary.payments, matched=summary.matched, unmatched=summary.unmatched,
        agency=summary.collection_payments, overpayments=len(summary.overpayments),
        rows=Payment.select().where(Payment.payment_file == result.payment_file_id).count(),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TUI_INKASSO_TODAY", TODAY)
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    scratch = scratch_url("payment-import.db")
    OUT.mkdir(parents=True, exist_ok=True)
    file = OUT / "payments-100k.bgmax.txt"
    started = time.perf_counter()
    stats = build_file(scratch, file, args.payments)
    print(f"file: {stats} ({file.stat().st_size / 1e6:.1f} MB) written in {time.perf_counter() - started:.1f} s")
    target = TARGET_SECONDS[store()]
    figures = _measure(file, scratch, "")
    report("100k payments imported", figures["import_s"], "s", f"< {target:.0f} s")
    report("100k payments, CPU of the import (+ its server backend)",
           figures["import_cpu_s"] + figures["server_cpu_s"], "s")
    report("100k payments, peak RSS", figures["peak_rss_mb"], "MB", f"< {TARGET_RSS_MB} MB")
    if store() == "postgresql":
        figures = _measure(file, clerk_url(scratch_url("payment-import-clerk.db")), f" as the staff role {CLERK}")
        report("100k payments imported by a staff role (checked by bulk_insert_checked)", figures["import_s"], "s",
               f"< {target:.0f} s")


def clerk_url(url: str) -> str:
    """``url`` for the staff role :data:`CLERK` (Handläggare), added to that ledger as ``users add``
    does. Staff connect as their own roles (issue 17), which may not switch the per-row foreign-key
    checks off themselves (db/key_checks.py): their batches go through ``bulk_insert_checked``."""
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.services.users import add_user

    open_database(url)
    try:
        add_user(CLERK, "clerk")
    finally:
        close_database()
    return urlunparse(urlparse(url)._replace(netloc=f"{CLERK}@{urlparse(url).hostname}:{urlparse(url).port or 5432}"))


def _measure(file: Path, url: str, who: str) -> dict[str, float]:
    """The import in a child process at ``url``; prints its figures and whether the targets hold."""
    run = subprocess.run(
        [sys.executable, __file__, "--child", str(file), url],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if run.returncode:
        print(run.stdout, run.stderr)
        raise SystemExit(run.returncode)
    figures: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"reading alone: {figures['records']:.0f} records in {figures['read_s']:.2f} s "
          f"= {figures['records_per_s']:,.0f} records/s")
    print(f"import{who} (read, match, book, commit): {figures['import_s']:.2f} s wall, "
          f"{figures['import_cpu_s']:.2f} s CPU + {figures['server_cpu_s']:.2f} s CPU of the PostgreSQL backend "
          f"(first {5000} payments booked after {figures['first_chunk_s']:.2f} s)")
    print(f"  payments {figures['payments']:.0f}, rows {figures['rows']:.0f}, matched {figures['matched']:.0f}, "
          f"unmatched {figures['unmatched']:.0f}, from the agency {figures['agency']:.0f}, "
          f"overpayments {figures['overpayments']:.0f}")
    print(f"peak RSS of the import process: {figures['peak_rss_mb']:.0f} MB")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    target = TARGET_SECONDS[store()]
    ok = figures["import_s"] < target and figures["peak_rss_mb"] < TARGET_RSS_MB
    print(f"targets on {store()}{who} (< {target:.0f} s, < {TARGET_RSS_MB} MB): {'met' if ok else 'MISSED'}")
    return figures

if __name__ == "__main__":
    main()
