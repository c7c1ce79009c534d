"""Benchmark: `create_balance_file` for 10,000 and 100,000 corrections from a real database.

Target (balance-correction issue): 100,000 corrections into one file within 5 s, memory not
growing with the file. The whole service runs: the count per owner and the stream of corrections
(one snapshot), the XML written and validated while written, the temporary file fsynced, the
file, report and 100,000 ReportedCorrection rows in one transaction, the rename.

A ledger per size is built once with bulk inserts on the measured store (``bench.common.store``:
a SQLite file in ``bench/out/``, or a PostgreSQL database ``tui_inkasso_bench_balance_v2_<size>``):
owners, customers, invoices in cases, payments booked after the case, plus agency payments and
payments from before the case that the query must skip; then the tables' planner statistics, as
the app's own loaders (the demo, a ledger or payment import) refresh them after a large write
(``db/statistics.py``). Version 1 of the cache had none: on PostgreSQL, whose autovacuum is off on
this server, the planner then guessed one row a table (the stream's query 0.45 s of server CPU
instead of 0.25 s, the recording 0.8 s instead of 0.35 s), and a plan that only statistics bring
(``reported_correction`` analysed empty) went unmeasured: it made the stream quadratic while the
run recorded (fixed in e534ee2). Each measurement runs in a fresh
subprocess on a fresh copy (nothing reported yet), so its peak RSS is its own:

* ``time``: wall clock and CPU seconds of the call, and the peak RSS above the RSS before it;
* ``trace``: tracemalloc's peak of what Python allocated during the call (tracing slows the
  call, so its time is not used).

Run: ``.venv/bin/python bench/bench_balance_file.py [--sizes 10000 100000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT,
    PG_PREFIX,
    TODAY,
    _admin,
    _pg_disconnect,
    _pg_exists,
    drop_scratch,
    empty_url,
    pg_url,
    reference_seconds,
    report,
    scratch_url,
    store,
)

INVOICES_PER_CUSTOMER = 4
PAYMENTS_PER_INVOICE = 5
CHUNK = 1000


def cached_url(corrections: int) -> str:
    """The ledger with ``corrections`` unreported corrections on the measured store, built once."""
    if store() == "sqlite":
        path = OUT / f"balance-v2-{corrections}.db"
        if not path.exists():
            started = time.perf_counter()
            tmp = empty_url(f"balance-v2-{corrections}.building.db")
            build(tmp, corrections)
            shutil.move(tmp.removeprefix("sqlite:///"), path)
            print(f"(built {path.name} in {time.perf_counter() - started:.1f} s)")
        return f"sqlite:///{path}"
    name = f"{PG_PREFIX}balance_v2_{corrections}"
    connection = _admin()
    try:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        if not _pg_exists(cursor, name):
            started = time.perf_counter()
            building = empty_url(f"balance_v2_{corrections}_building")
            build(building, corrections)
            _pg_disconnect(cursor, f"{name}_building")
            cursor.execute(f'ALTER DATABASE "{PG_PREFIX}balance_v2_{corrections}_building" RENAME TO "{name}"')
            print(f"(built {name} in {time.perf_counter() - started:.1f} s)")
    finally:
        connection.close()  # type: ignore[attr-defined]
    return pg_url(name)


def build(url: str, corrections: int) -> None:
    """A database with ``corrections`` unreported corrections (plus money that is not one)."""
    from tui_inkasso.db import models as m
    from tui_inkasso.db.connection import close_database, db, open_database
    from tui_inkasso.domain.identifiers import ocr_with_check

    open_database(url)
    stamp = dt.datetime(2026, 6, 1, 9, 0)
    invoices = corrections // PAYMENTS_PER_INVOICE
    customers = max(1, invoices // INVOICES_PER_CUSTOMER)
    with db.atomic():
        owner = m.Owner.create(code="BAB", name="Bostads AB Ålgården", org_no="556036-0793")
        otype = m.ObjectType.create(code="BOSTAD", name="Bostad", sfi="bostad")
        prop = m.Property.create(code="P1", owner=owner, designation="Ålgården 1:1", area="Centrum")
        obj = m.RentalObject.create(code="1001-1101", property=prop, object_type=otype)
        _insert(m.Customer, ({"id": c + 1, "number": f"K{c + 1:06d}", "name": f"Kund {c + 1} Åberg",
                              "national_id": "19811218-9876"} for c in range(customers)))
        _insert(m.CollectionCase, ({
            "id": i + 1, "number": f"IK-{i + 1:07d}", "system": "intrum", "owner": owner.id,
            "customer": i % customers + 1, "created_at": stamp, "created_by": "bench",
            "agency_reference": f"INT-{i + 1}"} for i in range(invoices)))
        _insert(m.Invoice, ({
            "id": i + 1, "number": f"{2026000000 + i + 1}", "kind": "rent" if i % 3 else "direct",
            "owner": owner.id, "customer": i % customers + 1, "rental_object": obj.id,
            "invoice_date": dt.date(2026, 4, 20), "due_date": dt.date(2026, 4, 30),
            "ocr": ocr_with_check(str(2026000000 + i + 1)), "amount": 1_000_000, "balance": 0,
            "collection_case": i + 1, "collection_marked_at": stamp} for i in range(invoices)))
        _insert(m.Payment, _payments(invoices, customers, owner.id))
    from tui_inkasso.db.statistics import refresh_statistics

    refresh_statistics([m.Owner, m.ObjectType, m.Property, m.RentalObject, m.Customer, m.CollectionCase,
                        m.Invoice, m.Payment, m.ReportedCorrection])
    if store() == "sqlite":
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        from tui_inkasso.db.bulk import fix_sequences

        with db.atomic():
            fix_sequences([m.Customer, m.CollectionCase, m.Invoice, m.Payment])
    close_database()


def _payments(invoices: int, customers: int, owner_id: int):  # type: ignore[no-untyped-def]
    """Per invoice: one before the case, PAYMENTS_PER_INVOICE corrections, one from the agency."""
    registered = dt.datetime(2026, 7, 1, 8, 0)
    for i in range(invoices):
        base = {"invoice": i + 1, "customer": i % customers + 1, "owner": owner_id,
                "registered_at": registered, "registered_by": "bench", "status": "booked"}
        yield {**base, "kind": "payment", "method": "bankgiro", "amount": 10_000,
               "invoice_amount": 10_000, "pay_date": dt.date(2026, 5, 2), "collection_case": None}
        for n in range(PAYMENTS_PER_INVOICE):
            credit = n == PAYMENTS_PER_INVOICE - 1
            yield {**base, "kind": "credit" if credit else "payment",
                   "method": "credit" if credit else "bankgiro", "amount": 12_345 + n,
                   "invoice_amount": 12_345 + n, "pay_date": dt.date(2026, 7, 1 + n),
                   "collection_case": i + 1}
        yield {**base, "kind": "payment", "method": "inkasso", "amount": 50_000,
               "invoice_amount": 50_000, "pay_date": dt.date(2026, 8, 1), "collection_case": i + 1}


def _insert(model, rows) -> None:  # type: ignore[no-untyped-def]
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            model.insert_many(batch).execute()
            batch = []
    if batch:
        model.insert_many(batch).execute()


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(database: str, mode: str) -> dict[str, float]:
    """One run of the service on a fresh copy of ``database`` (in this process).

    Mode ``small-cache`` is ``time`` with SQLite's page cache cut from the app's 64 MB to 2 MB:
    the RSS that remains above the start is what the run itself holds.
    """
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.services.balance_file_run import create_balance_file
    from tui_inkasso.services.settings import set_setting

    work = Path(tempfile.mkdtemp(prefix="bench-balance-", dir=OUT))
    copy = scratch_url(f"balance-work-{os.getpid()}.db", source=database)
    try:
        if mode == "small-cache":  # every connection (the reading thread opens its own)
            from tui_inkasso.db import connection

            connection.SQLITE_PRAGMAS["cache_size"] = -2000
        open_database(copy)
        set_setting("collection.output_dir", str(work))
        rss_before = _rss_kb()
        if mode == "trace":
            tracemalloc.start()
        wall, cpu = time.perf_counter(), time.process_time()
        result = create_balance_file(work)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        figures: dict[str, float] = {
            "corrections": result.corrections, "wall_s": wall, "cpu_s": cpu,
            "file_mb": result.file.stat().st_size / 1e6 if result.file else 0.0,
            "rss_before_mb": rss_before / 1024,
            "rss_peak_above_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024,
        }
        if mode == "trace":
            figures["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        close_database()
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)
        drop_scratch(copy)


def _subprocess(database: str, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", database, "--mode", mode],
        check=True, capture_output=True, text=True, env={**os.environ, "TUI_INKASSO_TODAY": TODAY},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size; the fastest counts")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"reference loop (5M additions): {reference_seconds():.2f} s cpu", flush=True)
    print(f"{'corrections':>11} {'wall s':>7} {'cpu s':>6} {'file MB':>8} {'RSS before':>11} "
          f"{'RSS peak +':>11} {'(2 MB cache)':>16} {'tracemalloc peak':>17}")
    for size in args.sizes:
        database = cached_url(size)
        timed = min((_subprocess(database, "time") for _ in range(args.repeat)),
                    key=lambda figures: figures["wall_s"])
        traced = _subprocess(database, "trace")
        small = _subprocess(database, "small-cache") if store() == "sqlite" else {"rss_peak_above_mb": 0.0}
        print(f"{int(timed['corrections']):>11,} {timed['wall_s']:>7.2f} {timed['cpu_s']:>6.2f} "
              f"{timed['file_mb']:>8.1f} {timed['rss_before_mb']:>8.1f} MB {timed['rss_peak_above_mb']:>8.1f} MB "
              f"{small['rss_peak_above_mb']:>13.1f} MB {traced['tracemalloc_peak_mb']:>14.2f} MB")
        report(f"balance file, {int(timed['corrections'])} corrections", timed["wall_s"], "s", "< 5 s")
        report(f"balance file, {int(timed['corrections'])} corrections, peak RSS above start",
               timed["rss_peak_above_mb"], "MB")


if __name__ == "__main__":
    main()
