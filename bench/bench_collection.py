"""Benchmark: the collection run over the 1,000,000-invoice demo ledger.

Targets (issue 4): the ready-for-collection query within 300 ms; step 2 with 50,000 candidate
invoices shows its first rows within 1 s (the service's count, sums and first page, and the
PagedTable mounted in a headless app); moving 1,000 marked rows within 200 ms; a file or sheet
of 10,000 cases within 5 s, for each system.

On the demo's business date only some 500 invoices are ready, so a scratch copy gets 50,000 ready
with one UPDATE (every level issued, the last deadline passed; a balance where there was none).
Each system's 10,000 cases are created on a fresh copy of that prepared database, so every run
starts from the same 50,000 candidates.

Run: ``.venv/bin/python bench/bench_collection.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TODAY, drop_scratch, report, scratch_url, settle

CANDIDATES = 50_000
CASES = 10_000
MOVED = 1_000
DAY = dt.date.fromisoformat(TODAY)


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(first, best) wall time in ms of ``runs`` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], min(times), result


def line(label: str, ms: float, note: str = "", target: float | None = None) -> None:
    verdict = "" if target is None else ("  ok" if ms <= target else f"  OVER {target:.0f} ms")
    print(f"{label:<58} {ms:9.1f} ms  {note}{verdict}")


def make_ready(count: int) -> int:
    """One UPDATE: ``count`` invoices in all (those ready already included) ready on TODAY."""
    from tui_inkasso.db.connection import db
    from tui_inkasso.services.ready_for_collection import ready_for_collection_query

    ready = ready_for_collection_query(DAY).count()
    with db.atomic():
        db.execute_sql(
            "UPDATE invoice SET dunning_level = 2, dunning_date = '2026-10-20', dunning_deadline = '2026-11-02', "
            "balance = CASE WHEN balance > 0 THEN balance ELSE amount END "
            "WHERE id IN (SELECT id FROM invoice WHERE collection_case_id IS NULL AND excluded_at IS NULL "
            "AND NOT (dunning_level >= 2 AND dunning_deadline < '2026-11-28' AND balance > 0) "
            f"ORDER BY balance > 0 DESC, id LIMIT {db.param})",
            (count - ready,),
        )
    from tui_inkasso.db.models import Invoice
    from tui_inkasso.db.statistics import refresh_statistics

    refresh_statistics([Invoice])
    return ready_for_collection_query(DAY).count()


def step_two() -> None:
    """The service side of step 2, then the screen mounted headless."""
    from tui_inkasso.services import collection_candidates

    first, best, _ = best_of(3, lambda: collection_candidates.collection_candidates(DAY).ready.count())
    line("step 2: count of the upper table", first, f"(best {best:.0f} ms)")
    first, best, totals = best_of(3, lambda: collection_candidates.collection_candidates(DAY).ready.totals())
    line("step 2: count and sums (and cases) under the table", first, f"(best {best:.0f} ms, "
         f"{totals.count} invoices, {totals.cases} cases)")
    first, best, rows = best_of(3, lambda: collection_candidates.collection_candidates(DAY).ready.page(0, 200))
    line("step 2: first page of 200 rows (sorted by invoice)", first, f"(best {best:.0f} ms)")
    first, best, rows = best_of(3, lambda: collection_candidates.collection_candidates(DAY).ready.page(
        0, 200, sort="customer", text="an"))
    line("step 2: first page, sorted by customer, filter 'an'", first, f"(best {best:.0f} ms)")
    started = time.perf_counter()
    candidates = collection_candidates.collection_candidates(DAY)
    tables = candidates.ready.totals(), candidates.ready.page(0, 200), candidates.excluded.totals()
    first_screen = (time.perf_counter() - started) * 1000
    line("step 2: service total for the first screen (both tables)", first_screen,
         f"{tables[0].count} rows", target=1000)
    report(f"wizard: first screen, {tables[0].count} ready", first_screen, "ms", "< 1000 ms")
    mounted = asyncio.run(mount_screen())
    line("step 2: CollectionScreen mounted headless, first rows shown", mounted, "", target=1000)
    report("wizard: screen mounted, first rows shown", mounted, "ms", "< 1000 ms")


async def mount_screen() -> float:
    """Milliseconds from pushing the wizard's step 2 until the upper table shows its rows."""
    from tui_inkasso.app import InkassoApp
    from tui_inkasso.screens.collection import CollectionScreen
    from tui_inkasso.services.selection import Selection
    from tui_inkasso.widgets.mark_table import MarkTable

    app = InkassoApp()
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        screen = CollectionScreen(Selection(), DAY)
        await app.push_screen(screen)
        while True:
            await pilot.pause(0.005)
            tables = screen.query(MarkTable)
            if tables and tables.first().id == "coll-ready":
                table = screen.query_one("#coll-ready", MarkTable)
                if table.total and table.row_at(0) is not None:
                    return (time.perf_counter() - started) * 1000
            if time.perf_counter() - started > 30:
                raise RuntimeError("the table did not load in 30 s")


def moving() -> None:
    """Undanta and Inkludera of 1,000 marked rows."""
    from tui_inkasso.services import collection_candidates, collection_exclusion

    ids = collection_candidates.collection_candidates(DAY).ready.ids()[:MOVED]
    started = time.perf_counter()
    moved = collection_exclusion.exclude(ids, "Benchmark: undantagna")
    line(f"move {MOVED} marked rows down (Undanta, persisted, audited)", (time.perf_counter() - started) * 1000,
         f"{moved.count} moved", target=200)
    excluded_table()
    started = time.perf_counter()
    back = collection_exclusion.include(ids)
    line(f"move {MOVED} marked rows up (Inkludera)", (time.perf_counter() - started) * 1000,
         f"{back.count} moved", target=200)


def excluded_table() -> None:
    """The wizard's lower table (excluded invoices) with 1,000 excluded among a million: until
    schema version 7 it had no index and read every invoice; ``invoice_excluded`` holds only
    the excluded ones."""
    from tui_inkasso.services import collection_candidates

    first, best, totals = best_of(5, lambda: collection_candidates.collection_candidates(DAY).excluded.totals())
    line("step 2: lower table (excluded): count and sums", first, f"(best {best:.1f} ms, {totals.count} rows)")
    report("wizard: excluded table, count and sums", best, "ms", "< 50 ms")
    first, best, _ = best_of(5, lambda: collection_candidates.collection_candidates(DAY).excluded.page(0, 200))
    line("step 2: lower table (excluded): first page of 200", first, f"(best {best:.1f} ms)")
    report("wizard: excluded table, first page", best, "ms", "< 50 ms")
    first, best, _ = best_of(5, lambda: collection_candidates.collection_candidates(DAY).excluded.ordered_ids())
    line("step 2: lower table (excluded): every id in order", first, f"(best {best:.1f} ms)")


def case_ids_for(cases: int) -> list[int]:
    """Invoice ids of the first ``cases`` (owner, customer) groups of the upper table."""
    from tui_inkasso.db.connection import db
    from tui_inkasso.db.models import Invoice
    from tui_inkasso.services.ready_for_collection import ready_for_collection_query

    sql, params = ready_for_collection_query(DAY).select(Invoice.id, Invoice.owner, Invoice.customer).sql()
    groups: dict[tuple[int, int], list[int]] = {}
    for iid, owner, customer in db.execute_sql(sql, params):
        key = (owner, customer)
        if key in groups or len(groups) < cases:
            groups.setdefault(key, []).append(iid)
    return [i for ids in groups.values() for i in ids]


def files(prepared: str) -> None:
    """10,000 cases per system, each on a fresh copy of the prepared database."""
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.services import collection_run, settings

    for system in ("inhouse", "intrum", "svea", "none"):
        target = scratch_url(f"bench-collection-{system}.db", source=prepared)
        settle(target)  # the copy's dirty pages and WAL would otherwise be flushed inside the timed run
        open_database(target, migrate=False)
        folder = Path(tempfile.mkdtemp(prefix=f"bench-collection-{system}-"))
        try:
            settings.set_setting("collection.output_dir", str(folder))
            ids = case_ids_for(CASES)
            started, cpu = time.perf_counter(), time.process_time()
            result = collection_run.create_cases(DAY, None, ids, system, deliver=False)
            ms, cpu = (time.perf_counter() - started) * 1000, time.process_time() - cpu
            size = sum(f.stat().st_size for f in result.files)
            what = {"inhouse": "register only", "none": "one .xlsx"}.get(system, f"{len(result.files)} files")
            line(f"{len(result.cases)} cases ({result.invoice_count} invoices), {system}", ms,
                 f"{what}, {size / 1e6:.1f} MB, {cpu:.1f} s CPU", target=5000)
            report(f"{len(result.cases)} cases, {system}", ms / 1000, "s", "< 5 s")
        finally:
            close_database()
            shutil.rmtree(folder, ignore_errors=True)
            drop_scratch(target)


def main() -> None:
    """Prepare the 50,000 candidates, then time every target and print the figures."""
    os.environ["TUI_INKASSO_TODAY"] = TODAY
    os.environ.setdefault("TUI_INKASSO_USER", "bench")
    prepared = scratch_url("bench-collection.db")
    os.sync()

    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.services.ready_for_collection import ready_for_collection_query

    open_database(prepared)
    try:
        first, best, ready = best_of(5, lambda: ready_for_collection_query(DAY).count())
        line("ready-for-collection query (count), demo as built", first, f"best {best:.0f} ms, {ready} invoices",
             target=300)
        started = time.perf_counter()
        count = make_ready(CANDIDATES)
        print(f"{'made ready with one UPDATE (+ ANALYZE)':<58} {(time.perf_counter() - started) * 1000:9.1f} ms  "
              f"{count} invoices ready")
        first, best, _ = best_of(5, lambda: ready_for_collection_query(DAY).count())
        line(f"ready-for-collection query (count), {count} ready", first, f"best {best:.0f} ms", target=300)
        report(f"ready for collection (count), {count} ready", best, "ms", "< 300 ms")
        first, best, _ = best_of(3, lambda: len(list(ready_for_collection_query(DAY).tuples())))
        line(f"ready-for-collection query (all rows), {count} ready", first, f"best {best:.0f} ms")
        step_two()
        moving()
    finally:
        close_database()
    files(prepared)
    drop_scratch(prepared)


if __name__ == "__main__":
    main()
