"""How long `tui-inkasso demo --invoices 1000000` takes on the measured store (target: 60 s).

The store is ``bench.common.store()`` (``run_all`` runs this on SQLite and on PostgreSQL). The
cached benchmark ledger of the store is built first when it does not exist yet (the other
benchmarks use it). Then a fresh process runs the demo service into a scratch ledger (a file in
``bench/out/``, or a database of its own), which is timed and removed: wall time of the whole
process, its CPU time and that of its PostgreSQL backend (steadier than wall time on a shared
machine), and its peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, TODAY, demo_url, drop_scratch, empty_url, report, store

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


def child(url: str) -> None:
    """In a fresh process: the demo service (what ``tui-inkasso demo`` runs) into ``url``; one JSON
    line: wall and CPU seconds of this process and of its PostgreSQL backend, peak RSS."""
    from bench.bench_payment_import import backend_cpu
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.services.demo import create_demo

    started = time.perf_counter()
    open_database(url)
    server = backend_cpu()
    cpu, server_started = time.process_time(), server()
    create_demo(INVOICES, SEED)
    figures = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
               "server_cpu": server() - server_started,
               "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    close_database()
    print(json.dumps(figures))


def main() -> int:
    demo_url(INVOICES, SEED)  # the cached ledger the other benchmarks use (built on first use)
    url = empty_url("demo-timing.db")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", url], capture_output=True, text=True,
                          env={**os.environ, "TUI_INKASSO_TODAY": TODAY, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode:
        print(done.stdout, done.stderr)
        return done.returncode
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    rows = {t: n for t, n in _rows(url).items() if n}
    drop_scratch(url)
    total = sum(rows.values())
    for table, count in sorted(rows.items(), key=lambda item: -item[1]):
        print(f"  {table:<22} {count:>10}")
    print(f"demo --invoices {INVOICES} on {store()}: {seconds:.1f} s (a fresh process: start, imports, the "
          f"build, commit), {total} rows, {total / seconds:,.0f} rows/s, {INVOICES / seconds:,.0f} invoices/s; "
          f"CPU {figures['cpu']:.1f} s + {figures['server_cpu']:.1f} s of the PostgreSQL backend; peak RSS "
          f"{figures['rss']:.0f} MB; load average {os.getloadavg()[0]:.1f}")
    report("1M-demo", seconds, "s", f"< {LIMIT_SECONDS} s")
    report("1M-demo, CPU (+ its server backend)", figures["cpu"] + figures["server_cpu"], "s")
    report("1M-demo, peak RSS", figures["rss"], "MB", f"< {LIMIT_RSS_MB} MB")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
