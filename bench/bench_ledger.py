"""Benchmark: the app shell and the ledger view (Reskontra) on the 1,000,000-invoice demo ledger.

Targets (issue "Foundation"): the main menu is interactive within 1 s of start; a customer
search answers within 100 ms; the ledger view of a customer with 500 invoices opens within
200 ms. Measured here:

1. start -> menu: a fresh process through the real entry point (``tui_inkasso.cli.main``:
   interpreter, imports, opening the database and the schema check, the app) until the menu has
   focus and the app is idle, headless, with the CPU seconds the process used until then; and the
   real ``tui-inkasso`` in a tmux terminal until the menu is on screen (when tmux is installed;
   this includes starting tmux and the interpreter, about 0.3-0.4 s here);
2. ``search_customers`` for several kinds of text (name words, personnummer with and without
   century, orgnr, customer number, invoice number, OCR, no match): median and worst of 7;
3. the ledger of the customer with the most invoices: the service (card, totals, first page),
   and in the app from "open this customer" until the invoice table has its rows and is drawn.

Run: ``.venv/bin/python bench/bench_ledger.py`` (builds the cached demo database on first use).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import TODAY, demo_url, report

SEARCHES = [
    ("name, one word", "lind"),
    ("name, two words", "karin lindström"),
    ("name, common surname", "andersson"),
    ("name, no match", "xyzzy"),
    ("name, one letter", "a"),
]
"""Fixed texts; the number searches are taken from the database (see :func:`_number_searches`)."""

REPEAT = 7


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _verdict(seconds: float, limit_ms: float) -> str:
    return "ok" if seconds * 1000 <= limit_ms else f"OVER {limit_ms:.0f} ms"


# ------------------------------------------------------------------ 1. start to menu


def _child_start(db: str) -> int:
    """In a fresh process: ``tui-inkasso --db DB`` as the console script runs it, but headless.

    ``App.run`` is wrapped (headless, a fixed size, a pilot that reports when the menu has the
    focus and the app is idle); everything else is the real start. The wrapper imports
    ``textual.app`` first, which the start imports anyway, so the total is the same.
    """
    import textual.app

    real_run = textual.app.App.run

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        assert type(pilot.app.focused).__name__ == "KeyList", "the menu has the focus"
        print(f"READY {time.time():.6f} {time.process_time():.6f}", flush=True)
        pilot.app.exit()

    def headless_run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return real_run(self, headless=True, auto_pilot=ready, size=(120, 36))

    textual.app.App.run = headless_run  # type: ignore[method-assign]
    from tui_inkasso.cli import main

    return main(["--db", db])


def start_headless(db: str, runs: int = 7) -> tuple[list[float], list[float]]:
    """Seconds from spawning the process to the menu being focused and idle, several times.

    Also the CPU seconds the process had used by then (user + system, all its threads): on a
    busy machine the wall time stretches with the other processes, the CPU time is what the
    start costs on an idle one.
    """
    times, cpu = [], []
    for _ in range(runs):
        started = time.time()
        result = subprocess.run(
            [sys.executable, __file__, "--child-start", db],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
            timeout=60,
        )
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith("READY ")), None)
        if line is None:
            raise RuntimeError(f"the app did not start: {result.stderr.strip()[-500:]}")
        _, at, used = line.split()
        times.append(float(at) - started)
        cpu.append(float(used))
    return times, cpu


def start_in_tmux(db: str) -> list[float] | None:
    """Seconds from starting ``tui-inkasso`` in a tmux terminal until the menu is drawn."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    command = [str(Path(sys.executable).parent / "tui-inkasso"), "--db", shlex.quote(db)]
    times = []
    for _ in range(5):
        socket = f"bench-ledger-{uuid.uuid4().hex[:8]}"
        base = [tmux, "-L", socket, "-f", "/dev/null"]
        env = f"env -i TERM=xterm-256color LANG=C.UTF-8 TUI_INKASSO_TODAY={TODAY} PATH={os.environ.get('PATH', '')}"
        started = time.time()
        subprocess.run([*base, "new-session", "-d", "-s", "b", "-x", "120", "-y", "36",
                        f"{env} {' '.join(command)}"], check=True)
        try:
            while time.time() - started < 30:
                screen = subprocess.run([*base, "capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
                if "Granskningslogg" in screen and "Kommandon" in screen:
                    times.append(time.time() - started)
                    break
                time.sleep(0.01)
        finally:
            subprocess.run([*base, "kill-server"], capture_output=True)
    return times


# ------------------------------------------------------------------ 2. search


def _number_searches() -> list[tuple[str, str]]:
    """Real numbers from the demo ledger: a person, a company, an invoice."""
    from tui_inkasso.db.models import Customer, Invoice

    person = Customer.select().where(Customer.is_company == False).order_by(Customer.id).first()  # noqa: E712
    company = Customer.select().where(Customer.is_company == True).order_by(Customer.id).first()  # noqa: E712
    invoice = Invoice.select().order_by(Invoice.id.desc()).first()
    digits = person.national_id.replace("-", "")
    return [
        ("personnummer, 12 digits", digits),
        ("personnummer, 10 digits no hyphen", digits[2:]),
        ("personnummer, YYMMDD-NNNN", f"{digits[2:8]}-{digits[8:]}"),
        ("personnummer, birth date only", digits[:8]),
        ("orgnr without hyphen", company.national_id.replace("-", "")),
        ("customer number", person.number),
        ("customer number prefix", person.number[:4].lower()),
        ("invoice number", invoice.number),
        ("OCR", invoice.ocr),
    ]


def search_latency() -> list[tuple[str, str, int, float, float]]:
    """(label, text, hits, median s, worst s) per search."""
    from tui_inkasso.services import customer_search

    rows = []
    for label, text in SEARCHES + _number_searches():
        times = []
        hits = 0
        for _ in range(REPEAT):
            started = time.perf_counter()
            hits = len(customer_search.search_customers(text))
            times.append(time.perf_counter() - started)
        rows.append((label, text, hits, statistics.median(times), max(times)))
    return rows


# ------------------------------------------------------------------ 3. ledger view


def busiest_customers(count: int = 2) -> list[tuple[int, int]]:
    """(customer id, invoices) of the customers with the most invoices."""
    import peewee as pw

    from tui_inkasso.db.models import Invoice

    query = (
        Invoice.select(Invoice.customer, pw.fn.COUNT(Invoice.id).alias("n"))
        .group_by(Invoice.customer)
        .order_by(pw.fn.COUNT(Invoice.id).desc())
        .limit(count)
    )
    return [(cid, n) for cid, n in query.tuples()]


def ledger_service(customer_id: int) -> list[float]:
    """The ledger service call plus building the table rows, as the screen's worker does."""
    from tui_inkasso.screens.ledger import INVOICE_PAGE, invoice_row
    from tui_inkasso.services import ledger

    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        data = ledger.customer_ledger(customer_id, limit=INVOICE_PAGE)
        [invoice_row(line) for line in data.invoices]
        times.append(time.perf_counter() - started)
    return times


async def ledger_in_app(customers: list[int]) -> list[float]:
    """From "open this customer" to the invoice table loaded and drawn, in the headless app."""
    from tui_inkasso.app import InkassoApp
    from tui_inkasso.screens.ledger import LedgerScreen
    from tui_inkasso.widgets.paged_table import PagedTable

    loaded = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, PagedTable.Loaded) and message.table.id == "invoices" and message.total:
            loaded.set()

    app = InkassoApp()
    times = []
    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        for round_ in range(REPEAT):
            customer_id = customers[round_ % len(customers)]
            loaded.clear()
            started = time.perf_counter()
            screen._open_customer(customer_id)
            await asyncio.wait_for(loaded.wait(), 10)
            await pilot.pause()  # the table drawn
            times.append(time.perf_counter() - started)
            table = screen.query_one("#invoices", PagedTable)
            assert table.row_at(0) is not None
    return times


def main() -> None:
    """Print every figure."""
    os.environ["TUI_INKASSO_TODAY"] = TODAY
    os.environ.setdefault("TUI_INKASSO_USER", "bench")
    db = demo_url()

    print(f"database: {db}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    headless, cpu = start_headless(db)
    print(f"{'start -> menu focused and idle (headless), median of 7':<58} {_ms(statistics.median(headless))}"
          f"  worst {_ms(max(headless))}  {_verdict(max(headless), 1000)}")
    report("app start -> menu (headless), median", statistics.median(headless) * 1000, "ms", "< 1000 ms")
    print(f"{'  CPU time of that start (user + system), median':<58} {_ms(statistics.median(cpu))}"
          f"  worst {_ms(max(cpu))}  {_verdict(max(cpu), 1000)}")
    terminal = start_in_tmux(db)
    if terminal:
        print(f"{'start -> menu on screen (tui-inkasso in tmux), median of 5':<58} "
              f"{_ms(statistics.median(terminal))}  worst {_ms(max(terminal))}  {_verdict(max(terminal), 1000)}")
    else:
        print("start -> menu in a terminal: skipped (tmux not installed)")

    from tui_inkasso.db.connection import open_database

    open_database(db, migrate=False)
    print(f"\ncustomer search (median and worst of {REPEAT}):")
    worst_search = 0.0
    for label, text, hits, median, worst in search_latency():
        print(f"  {label:<36} {text!r:<22} {hits:>3} hits {_ms(median)}  worst {_ms(worst)}  {_verdict(worst, 100)}")
        worst_search = max(worst_search, worst)
    report("customer search, worst of all kinds", worst_search * 1000, "ms", "< 100 ms")

    busiest = busiest_customers()
    (top, invoices), *_ = busiest
    service = ledger_service(top)
    print(f"\nledger of the busiest customer ({invoices} invoices):")
    print(f"  {'service + first page of rows, median':<52} {_ms(statistics.median(service))}"
          f"  worst {_ms(max(service))}  {_verdict(max(service), 200)}")
    report(f"ledger of a customer with {invoices} invoices", statistics.median(service) * 1000, "ms", "< 200 ms")
    in_app = asyncio.run(ledger_in_app([cid for cid, _ in busiest]))
    print(f"  {'in the app: open -> table loaded and drawn, median':<52} {_ms(statistics.median(in_app))}"
          f"  worst {_ms(max(in_app))}  {_verdict(max(in_app), 200)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child-start":
        sys.exit(_child_start(sys.argv[2]))
    else:
        main()
