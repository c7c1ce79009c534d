"""How long `tui-inkasso demo --invoices 1000000` takes on the measured store (target: 60 s).

The store is ``bench.common.store()`` (``run_all`` runs this on SQLite and on PostgreSQL). When
the cached benchmark ledger of the store does not exist yet, building it is the measurement and
it stays cached for the other benchmarks. When it exists, the same command builds a scratch
ledger (a file in ``bench/out/``, or a database of its own) that is timed and removed, so the
cache is never lost. The peak RSS is the command's process's (``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import build_demo, demo_url, drop_scratch, empty_url, report, store

INVOICES = 1_000_000
SEED = 1
LIMIT_SECONDS = 60
LIMIT_RSS_MB = 400


def _rows(url: str) -> dict[str, int]:
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.db.models import MODELS

    open_database(url, migrate=False)
    try:
        return {m._meta.table_name: m.select().count() for m in MODELS}
    finally:
        close_database()


def _cached_exists() -> bool:
    from bench.common import OUT, PG_PREFIX, _admin, _pg_exists

    if store() == "sqlite":
        return (OUT / f"demo-{INVOICES}-{SEED}.db").exists()
    connection = _admin()
    try:
        return _pg_exists(connection.cursor(), f"{PG_PREFIX}demo_{INVOICES}_{SEED}")  # type: ignore[attr-defined]
    finally:
        connection.close()  # type: ignore[attr-defined]


def main() -> int:
    if _cached_exists():
        url = empty_url("demo-timing.db")
        seconds = build_demo(url, INVOICES, SEED)
        scratch = True
    else:
        started = time.perf_counter()
        url = demo_url(INVOICES, SEED)
        seconds = time.perf_counter() - started
        scratch = False
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = {t: n for t, n in _rows(url).items() if n}
    if scratch:
        drop_scratch(url)
    total = sum(rows.values())
    for table, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {table:<22} {count:>10}")
    print(f"demo --invoices {INVOICES} on {store()}: {seconds:.1f} s (whole command), {total} rows, "
          f"{total / seconds:,.0f} rows/s, {INVOICES / seconds:,.0f} invoices/s, peak RSS {rss:.0f} MB")
    report("1M-demo", seconds, "s", f"< {LIMIT_SECONDS} s")
    report("1M-demo, peak RSS", rss, "MB", f"< {LIMIT_RSS_MB} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
