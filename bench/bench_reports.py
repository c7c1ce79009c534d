"""Benchmark: the reports of issue 16 on the 1,000,000-invoice demo, SQLite and PostgreSQL side by side.

Targets: the aged receivables for all owners grouped by property under 1 s; the collection
overview for a year under 1 s; the first chart on screen under 1.5 s (from the menu key to the
chart drawn, in the real app run headless). Measured per store:

1. ``aging_report`` by property, owner, object type and customer as of the business date, and by
   property as of an earlier month end (balances taken back to that day);
2. ``collection_overview`` for the twelve months up to the business date;
3. the first chart: ``InkassoApp.run_test``, ``d`` pressed on the menu, until the chart is rendered
   with its bars for a frame (and, printed beside it, until the app has gone idle after that);
4. the exports (Excel with a sheet per grouping, the PDF of the property grouping);
5. reconciliation by an independent query: the report's total against the sum of every open
   invoice's capital, fees and interest (printed, not timed).

Each figure is the best of :data:`REPEAT` runs after one warm-up run (the first run's time is
printed too), wall time with CPU time beside it: this process's, and on PostgreSQL the server
backend's of the connection (read from /proc; the app's worker threads in the first chart open
connections of their own, not counted). The SQLite demo is ``bench.common.demo_db()``
(bench/out/); the PostgreSQL one the schema :data:`SCHEMA` of ``$TUI_INKASSO_BENCH_PG`` (default:
the tests' server), built once with the real command (drop the schema to rebuild).
Run: ``.venv/bin/python bench/bench_reports.py [--store sqlite|postgresql|both]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TODAY, demo_db, reference_seconds, schema_demo_url

os.environ["TUI_INKASSO_TODAY"] = TODAY

INVOICES = 1_000_000
SCHEMA = f"bench_demo_{INVOICES}"
REPEAT = 3


def _no_server() -> float:
    return 0.0


_server: Callable[[], float] = _no_server
"""CPU seconds of the PostgreSQL backend so far (set per store by :func:`_measure`)."""


def _timed(work: Callable[[], object]) -> tuple[float, float, float]:
    """(wall, CPU, server CPU) seconds of one call; the server's is the PostgreSQL backend's
    (0 on SQLite, whose work is in this process's CPU)."""
    wall, cpu, server = time.perf_counter(), time.process_time(), _server()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu, _server() - server


def _best(work: Callable[[], object]) -> tuple[float, float, float, float]:
    """(first run's wall, best wall, CPU and server CPU of the best) over a warm-up and
    :data:`REPEAT` runs."""
    first = _timed(work)[0]
    runs = [_timed(work) for _ in range(REPEAT)]
    wall, cpu, server = min(runs)
    return first, wall, cpu, server


async def _first_chart() -> tuple[float, float]:
    """Seconds from ``d`` on the menu to the chart's first render with its bars (the frame that
    shows them being composed), and to the app's going idle after it (``Pilot.press`` returns
    then; the figure this benchmark printed before it timed the render)."""
    from tui_inkasso.app import InkassoApp
    from tui_inkasso.screens.aging import AgingScreen  # noqa: F401  imported before the clock starts, as before
    from tui_inkasso.widgets.charts import MoneyChart

    drawn: list[float] = []
    original = MoneyChart.render

    def render(chart: MoneyChart) -> object:
        result = original(chart)
        if not drawn and not chart.is_empty:
            drawn.append(time.perf_counter())
        return result

    MoneyChart.render = render  # type: ignore[method-assign, assignment]
    try:
        app = InkassoApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            started = time.perf_counter()
            await pilot.press("d")
            while not drawn:
                await asyncio.sleep(0.005)
            await pilot.pause()
            return drawn[0] - started, time.perf_counter() - started
    finally:
        MoneyChart.render = original  # type: ignore[method-assign]


def _measure(store: str, url: str) -> dict[str, str]:
    """The figures of one store, as text by label."""
    from bench.bench_payment_import import backend_cpu
    from tui_inkasso.db.connection import close_database, db, open_database
    from tui_inkasso.domain.money import format_sek
    from tui_inkasso.services.aging_report import AgingOptions, aging_report
    from tui_inkasso.services.clock import today
    from tui_inkasso.services.collection_overview import (
        OverviewOptions,
        collection_overview,
        default_period,
    )
    from tui_inkasso.services.report_export import export_aging

    global _server
    open_database(url)
    _server = backend_cpu()
    figures: dict[str, str] = {}
    day = today()
    month_end = day.replace(day=1) - dt.timedelta(days=1)

    def report(label: str, work: Callable[[], object]) -> None:
        first, wall, cpu, server = _best(work)
        figures[label] = (f"{wall * 1000:6.0f} ms (CPU {cpu * 1000:4.0f} + server {server * 1000:4.0f}, "
                          f"first {first * 1000:5.0f})")

    for group_by in ("property", "owner", "object_type", "customer"):
        report(f"aging by {group_by}", lambda g=group_by: aging_report(AgingOptions(day, g)))
    report(f"aging by property as of {month_end}", lambda: aging_report(AgingOptions(month_end, "property")))
    start, end = default_period(day)
    report(f"collection overview {start} – {end}", lambda: collection_overview(OverviewOptions(start, end)))

    shown = aging_report(AgingOptions(day, "property"))
    (independent,) = db.obj.execute_sql(
        'SELECT SUM("balance" + "fees" + "interest") FROM "invoice" WHERE "invoice_date" <= '
        + db.obj.param, (day,)).fetchone()
    figures["reconciled with an independent query"] = (
        f"{'yes' if int(independent) == shown.totals.total else 'NO'} ({shown.totals.invoices} invoices, "
        f"{format_sek(shown.totals.total)} kr)")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("xlsx", "pdf"):
            wall, cpu, server = _timed(lambda k=kind: export_aging(AgingOptions(day, "property"), Path(folder), k))  # type: ignore[arg-type, misc]
            figures[f"export aging {kind}"] = f"{wall * 1000:6.0f} ms (CPU {cpu * 1000:4.0f} + server {server * 1000:4.0f})"
    charts = [asyncio.run(_first_chart()) for _ in range(REPEAT)]
    drawn, idle = [c[0] for c in charts], [c[1] for c in charts]
    figures["first chart on screen (menu key to frame)"] = (
        f"{min(drawn) * 1000:6.0f} ms (worst {max(drawn) * 1000:5.0f})")
    figures["  ... and the app idle after it"] = f"{min(idle) * 1000:6.0f} ms (worst {max(idle) * 1000:5.0f})"
    close_database()
    print(f"  {store}: done", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    stores: dict[str, str] = {}
    if args.store in ("sqlite", "both"):
        stores["SQLite"] = f"sqlite:///{demo_db(INVOICES)}"
    if args.store in ("postgresql", "both"):
        stores["PostgreSQL"] = schema_demo_url(INVOICES)
    print(f"reference loop: {reference_seconds():.2f} s CPU (compare runs on a busy and a quiet machine)")
    results = {store: _measure(store, url) for store, url in stores.items()}
    labels = list(next(iter(results.values())))
    width = max(map(len, labels))
    print(f"\n{'':<{width}}  " + "  ".join(f"{store:<50}" for store in results))
    for label in labels:
        print(f"{label:<{width}}  " + "  ".join(f"{results[store][label]:<50}" for store in results))


if __name__ == "__main__":
    main()
