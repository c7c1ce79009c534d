"""Shared by the benchmarks: a cached large demo database and a timer.

The 1,000,000-invoice database takes a minute or two to build, so it is built once into
``bench/out/`` and reused by every benchmark (delete the folder to rebuild).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TODAY = "2026-11-28"
"""The business date every benchmark pins, so the cached database stays meaningful."""


def demo_db(invoices: int = 1_000_000, seed: int = 1) -> Path:
    """Path to a demo database of ``invoices`` invoices, built once and cached."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"demo-{invoices}-{seed}.db"
    if not path.exists():
        tmp = path.with_suffix(".building.db")
        for leftover in OUT.glob(tmp.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tui_inkasso.cli", "--db", str(tmp), "demo",
             "--invoices", str(invoices), "--seed", str(seed)],
            check=True,
            env={**os.environ, "TUI_INKASSO_TODAY": TODAY},
        )
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
        shutil.move(tmp, path)
    return path


def copy_db(source: Path, name: str) -> Path:
    """A scratch copy of a cached database for a benchmark that writes."""
    target = OUT / name
    for leftover in OUT.glob(name + "*"):
        leftover.unlink()
    shutil.copy(source, target)
    return target


@contextlib.contextmanager
def timed(label: str, results: dict[str, float] | None = None) -> Iterator[None]:
    """Print how long the block took, in milliseconds."""
    started = time.perf_counter()
    yield
    ms = (time.perf_counter() - started) * 1000
    if results is not None:
        results[label] = ms
    print(f"{label:<60} {ms:10.1f} ms")


def reference_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop, to compare runs on a busy and a quiet machine."""
    start = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.process_time() - start
