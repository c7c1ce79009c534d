"""Run every benchmark (bench/bench_*.py) on SQLite and on PostgreSQL, and print the figures side by side.

Each benchmark runs as its own process (so memory figures are its own), first with
``TUI_INKASSO_BENCH_STORE=sqlite``, then, when it uses a ledger and a PostgreSQL server answers
(``$TUI_INKASSO_BENCH_PG``, by default the tests' server), with ``postgresql``. A benchmark
without a ledger (file formats, letters) runs once; one marked ``POSTGRES_ONLY = True`` runs on
PostgreSQL only. Their own output is shown as it comes; the figures they report
(``bench.common.report``) are collected into one table at the end: benchmark, figure, SQLite,
PostgreSQL, target, with ``!`` beside a figure that misses its target.

``make bench`` runs this. ``bench/run_all.py bench_demo bench_payment_import`` runs only those.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import REPORT_PREFIX, STORE_ENV, postgres_problem  # noqa: E402

LEDGER_MARKERS = ("demo_url(", "scratch_url(", "empty_url(")
"""A benchmark whose source calls one of these uses a ledger, so it runs on both stores."""


@dataclass
class Figure:
    bench: str
    label: str
    unit: str
    better: str
    values: dict[str, float] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    """Per store: a figure may have one target on SQLite and another on PostgreSQL (the payment
    import: 5 s and 10 s)."""

    def target(self) -> str:
        """The target column: one target, or each store's when they differ."""
        distinct = list(dict.fromkeys(t for t in self.targets.values() if t))
        if len(distinct) <= 1:
            return distinct[0] if distinct else ""
        return ", ".join(f"{t} {_LABELS.get(s, s)}" for s, t in self.targets.items() if t)


_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _stores(script: Path, pg_problem: str | None) -> list[str]:
    text = script.read_text(encoding="utf-8")
    if "POSTGRES_ONLY = True" in text:
        return [] if pg_problem else ["postgresql"]
    if any(marker in text for marker in LEDGER_MARKERS):
        return ["sqlite"] if pg_problem else ["sqlite", "postgresql"]
    return ["(ingen databas)"]


def _run(script: Path, store: str, figures: dict[tuple[str, str], Figure]) -> bool:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    if store in ("sqlite", "postgresql"):
        env[STORE_ENV] = store
    process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if not line.startswith(REPORT_PREFIX):
            print(line, end="", flush=True)
            continue
        data = json.loads(line[len(REPORT_PREFIX):])
        print(f"  -> {data['label']}: {_format(data['value'], data['unit'])}", flush=True)
        key = (script.stem, data["label"])
        figure = figures.setdefault(key, Figure(script.stem, data["label"], data["unit"], data.get("better", "lower")))
        where = data["store"] if store != "(ingen databas)" else store
        figure.values[where] = data["value"]
        figure.targets[where] = data.get("target", "")
    return process.wait() == 0


def _format(value: float, unit: str) -> str:
    if unit in ("s",):
        text = f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    elif unit == "ms":
        text = f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    elif unit == "MB":
        text = f"{value:.0f} MB"
    elif unit.startswith("/"):
        text = f"{value:,.0f}{unit}".replace(",", " ")
    else:
        text = f"{value:g} {unit}".strip()
    return text


_TARGET = re.compile(r"^\s*([<>])\s*([\d.]+)\s*(\S*)\s*$")


def _misses(value: float, unit: str, target: str) -> bool:
    """True when ``value`` misses a target written "< 60 s" or "> 145000 /s" in the figure's unit."""
    match = _TARGET.match(target)
    if not match or (match.group(3) and match.group(3) != unit):
        return False
    limit = float(match.group(2))
    return value >= limit if match.group(1) == "<" else value <= limit


def _table(figures: list[Figure], stores: list[str]) -> str:
    header = ["benchmark", "figure", *[_LABELS.get(s, s) for s in stores], "target"]
    rows = [header]
    for f in figures:
        cells = []
        for s in stores:
            if s not in f.values:
                cells.append("—")
                continue
            text = _format(f.values[s], f.unit)
            cells.append(text + (" !" if _misses(f.values[s], f.unit, f.targets.get(s, "")) else ""))
        rows.append([f.bench.removeprefix("bench_"), f.label, *cells, f.target()])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(w) if 2 <= i < 2 + len(stores) else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    pg_problem = postgres_problem()
    if pg_problem:
        print(f"PostgreSQL answers not ({pg_problem}): SQLite only")
    wanted = {name.removesuffix(".py") for name in argv}
    scripts = [s for s in sorted(HERE.glob("bench_*.py")) if not wanted or s.stem in wanted]
    figures: dict[tuple[str, str], Figure] = {}
    failed = []
    used: list[str] = []
    for script in scripts:
        for store in _stores(script, pg_problem):
            if store not in used:
                used.append(store)
            print(f"\n=== {script.name} ({store}) ===", flush=True)
            if not _run(script, store, figures):
                failed.append(f"{script.name} ({store})")
    order = [s for s in ("sqlite", "postgresql") if s in used]
    rows = [f for f in figures.values() if any(s in f.values for s in order)]
    print("\n" + _table(rows, order))
    alone = [f for f in figures.values() if not any(s in f.values for s in order)]
    if alone:
        print("\nUtan databas:\n" + _table(alone, ["(ingen databas)"]))
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
