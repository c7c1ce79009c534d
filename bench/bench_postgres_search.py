"""Benchmark: a customer search as a screen runs it, on PostgreSQL, with and without the pool.

A screen runs each service call in a thread worker inside ``thread_connection()``: every page of
a table and every key typed in a search is one worker call. Without a pool each call opened a
new PostgreSQL connection (TCP, authentication, backend start) and closed it again; with the
pooled database that ``make_database`` returns (``playhouse.pool.PooledPostgresqlDatabase``) the
call takes an idle connection and hands it back. Measured here, each in a fresh thread as a
Textual worker is:

1. connecting alone (connect + close) with a plain ``PostgresqlDatabase`` and with the pool;
2. ``customer_search.search_customers`` for a few texts inside ``thread_connection()``, plain and pooled:
   median and worst of :data:`REPEAT` calls each.

The demo ledger (:data:`INVOICES` invoices) is built once into the schema :data:`SCHEMA` of the
PostgreSQL database ``$TUI_INKASSO_BENCH_PG`` (default: the tests' server) and reused; drop the
schema to rebuild it. Run: ``.venv/bin/python bench/bench_postgres_search.py``.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PG_URL, report, schema_demo_url

POSTGRES_ONLY = True
"""``run_all`` runs this on PostgreSQL only: it measures the PostgreSQL connection pool."""

INVOICES = 100_000
SCHEMA = f"bench_demo_{INVOICES}"
REPEAT = 41
SEARCHES = ["lind", "karin lindström", "andersson", "xyzzy"]


def _in_thread(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes in a new thread (a Textual thread worker is one)."""
    took: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        work()
        took.append(time.perf_counter() - started)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return took[0]


def _figures(label: str, seconds: list[float]) -> str:
    return (f"{label:<52} median {statistics.median(seconds) * 1000:7.2f} ms   "
            f"worst {max(seconds) * 1000:7.2f} ms")


def main() -> None:
    import peewee as pw

    from tui_inkasso.db.connection import db, make_database
    from tui_inkasso.services import customer_search
    from tui_inkasso.services.threads import thread_connection

    url = schema_demo_url(INVOICES)
    pooled = make_database(url)
    params = dict(pooled.connect_params)
    plain = pw.PostgresqlDatabase(pooled.database, **params)
    kinds = {"new connection per call": plain, f"pooled ({type(pooled).__name__})": pooled}

    def connect_close() -> None:
        db.connect()
        db.close()

    print(f"PostgreSQL {PG_URL} schema {SCHEMA}, {REPEAT} calls each, every call in a fresh thread")
    for label, database in kinds.items():
        db.initialize(database)
        database.connect()  # the main thread's connection, as the app has one
        _in_thread(connect_close)  # warm: the pool's first connection, the server's caches
        print(_figures(f"connect + close, {label}", [_in_thread(connect_close) for _ in range(REPEAT)]))
        for text in SEARCHES:
            def search(text: str = text) -> None:
                with thread_connection():
                    customer_search.search_customers(text)

            _in_thread(search)
            seconds = [_in_thread(search) for _ in range(REPEAT)]
            print(_figures(f"search {text!r}, {label}", seconds))
            if database is pooled:
                report(f"search {text!r} in a worker, pooled, median", statistics.median(seconds) * 1000, "ms",
                       "< 100 ms")
        database.close()
        if hasattr(database, "close_all"):
            database.close_all()


if __name__ == "__main__":
    main()
