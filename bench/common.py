"""Shared by the benchmarks: the store to measure, cached large demo ledgers, scratch copies, a
timer, and the figures ``run_all`` prints side by side.

Every benchmark that uses a ledger measures the store ``TUI_INKASSO_BENCH_STORE`` names:
``sqlite`` (the default) or ``postgresql`` (the server ``$TUI_INKASSO_BENCH_PG``, by default the
tests' ``postgresql://root@127.0.0.1:5432/test``). ``bench/run_all.py`` (``make bench``) runs each
one on SQLite and again on PostgreSQL when a server answers, and prints the figures each reports
with :func:`report` in one table, the two stores side by side.

The 1,000,000-invoice demo takes a minute or two to build, so it is built once per store and
reused by every benchmark: a SQLite file in ``bench/out/`` (delete the folder to rebuild), a
PostgreSQL database ``tui_inkasso_bench_demo_<invoices>_<seed>`` (drop it to rebuild). A benchmark
that writes works on a scratch copy (:func:`scratch_url`): a copy of the file, or a database made
with ``CREATE DATABASE ... TEMPLATE`` (the server copies the files; no rows pass through Python).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TODAY = "2026-11-28"
"""The business date every benchmark pins, so the cached database stays meaningful."""

STORE_ENV = "TUI_INKASSO_BENCH_STORE"
PG_ENV = "TUI_INKASSO_BENCH_PG"
STORES = ("sqlite", "postgresql")
PG_URL = os.environ.get(PG_ENV, "postgresql://root@127.0.0.1:5432/test")
PG_PREFIX = "tui_inkasso_bench_" + os.environ.get("TUI_INKASSO_BENCH_PG_TAG", "")
"""Every PostgreSQL database a benchmark makes starts so (and only those are dropped);
``$TUI_INKASSO_BENCH_PG_TAG`` (say ``alice_``) keeps the databases of two people measuring on one
server apart."""

REPORT_PREFIX = "BENCH "
"""A line of a benchmark's output that carries a figure for ``run_all`` (JSON after it)."""


def store() -> str:
    """The store this run measures (``TUI_INKASSO_BENCH_STORE``, default ``sqlite``)."""
    value = os.environ.get(STORE_ENV, "sqlite")
    if value not in STORES:
        raise SystemExit(f"{STORE_ENV}={value!r}: choose {' or '.join(STORES)}")
    return value


def postgres_problem() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it answers."""
    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:  # any reason at all: the PostgreSQL half of the table is skipped
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return None


def pg_url(database: str) -> str:
    """:data:`PG_URL` with another database name."""
    parts = urlparse(PG_URL)
    return urlunparse(parts._replace(path=f"/{database}"))


def _admin() -> object:
    import psycopg2

    connection = psycopg2.connect(PG_URL)
    connection.autocommit = True
    return connection


def _pg_exists(cursor: object, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))  # type: ignore[attr-defined]
    return cursor.fetchone() is not None  # type: ignore[attr-defined]


def _pg_disconnect(cursor: object, name: str) -> None:
    """End every session on database ``name`` (a copy or a rename needs it alone)."""
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,))


def _pg_drop(cursor: object, name: str) -> None:
    assert name.startswith(PG_PREFIX), name
    _pg_disconnect(cursor, name)
    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[attr-defined]


def demo_db(invoices: int = 1_000_000, seed: int = 1) -> Path:
    """Path to a SQLite demo database of ``invoices`` invoices, built once and cached."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"demo-{invoices}-{seed}.db"
    if not path.exists():
        tmp = path.with_suffix(".building.db")
        for leftover in OUT.glob(tmp.name + "*"):
            leftover.unlink()
        seconds = build_demo(f"sqlite:///{tmp}", invoices, seed)
        print(f"built {path.name} in {seconds:.1f} s")
        shutil.move(tmp, path)
    return path


def build_demo(url: str, invoices: int, seed: int, *, quiet: bool = True) -> float:
    """``tui-inkasso demo`` into ``url`` with the business date pinned; its wall seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui_inkasso.cli", "--db", url, "demo", "--invoices", str(invoices), "--seed",
         str(seed)],
        check=True, env={**os.environ, "TUI_INKASSO_TODAY": TODAY, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


def demo_url(invoices: int = 1_000_000, seed: int = 1) -> str:
    """The cached demo ledger of the measured store, built on first use."""
    if store() == "sqlite":
        return f"sqlite:///{demo_db(invoices, seed)}"
    name = f"{PG_PREFIX}demo_{invoices}_{seed}"
    connection = _admin()
    try:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        if not _pg_exists(cursor, name):
            building = f"{name}_building"
            _pg_drop(cursor, building)
            cursor.execute(f'CREATE DATABASE "{building}"')
            seconds = build_demo(pg_url(building), invoices, seed)
            _pg_disconnect(cursor, building)
            cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            print(f"built PostgreSQL database {name} in {seconds:.1f} s")
    finally:
        connection.close()  # type: ignore[attr-defined]
    return pg_url(name)


def schema_demo_url(invoices: int) -> str:
    """A PostgreSQL demo ledger of ``invoices`` invoices in the schema ``bench_demo_<invoices>`` of
    :data:`PG_URL`, built with the real command on first use; the URL that works in that schema
    (the benchmarks that compare stores side by side in one run use it)."""
    import psycopg2

    schema = f"bench_demo_{invoices}"
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options={quote(f'-c search_path={schema}')}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    cursor = admin.cursor()
    cursor.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'invoice'",
                   (schema,))
    if cursor.fetchone() is None:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tui_inkasso.cli", "--db", url, "demo", "--invoices",
                        str(invoices)], check=True, env={**os.environ, "TUI_INKASSO_TODAY": TODAY})
        print(f"built {schema} in {time.perf_counter() - started:.1f} s")
    admin.close()
    return url


def copy_db(source: Path, name: str) -> Path:
    """A scratch copy of a cached SQLite database for a benchmark that writes."""
    target = OUT / name
    for leftover in OUT.glob(name + "*"):
        leftover.unlink()
    shutil.copy(source, target)
    return target


def scratch_url(name: str, invoices: int = 1_000_000, seed: int = 1, *, source: str | None = None) -> str:
    """A fresh copy of the demo ledger (or of the ledger at ``source``) to write in."""
    source = source or demo_url(invoices, seed)
    if store() == "sqlite":
        return f"sqlite:///{copy_db(Path(source.removeprefix('sqlite:///')), name)}"
    return pg_copy(urlparse(source).path.lstrip("/"), f"{PG_PREFIX}{name.replace('.', '_').replace('-', '_')}")


def pg_copy(template: str, name: str) -> str:
    """A new PostgreSQL database ``name`` copied from ``template`` (dropped first if it exists)."""
    connection = _admin()
    try:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        _pg_drop(cursor, name)
        _pg_disconnect(cursor, template)  # no one may be connected to the template while it is copied
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        connection.close()  # type: ignore[attr-defined]
    return pg_url(name)


def empty_url(name: str) -> str:
    """A new, empty ledger location of the measured store (a file path or a database)."""
    if store() == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / name
        for leftover in OUT.glob(name + "*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    database = f"{PG_PREFIX}{name.replace('.', '_').replace('-', '_')}"
    connection = _admin()
    try:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        _pg_drop(cursor, database)
        cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        connection.close()  # type: ignore[attr-defined]
    return pg_url(database)


def settle(url: str) -> None:
    """Before a timed step on a fresh copy: the copy's dirty pages written (``os.sync``) and, on
    PostgreSQL, a ``CHECKPOINT`` (superuser or ``pg_checkpoint``; skipped without the right). A
    copy made with ``CREATE DATABASE ... TEMPLATE`` writes the whole database to the WAL, and the
    checkpoint that WAL starts otherwise runs inside the timed step (seen: 30 s of writing and
    syncing beside a 10,000-case collection run)."""
    os.sync()
    if url.startswith("sqlite:///"):
        return
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        connection.cursor().execute("CHECKPOINT")
    except psycopg2.Error:
        pass
    finally:
        connection.close()


def drop_scratch(url: str) -> None:
    """Remove a scratch ledger made by :func:`scratch_url` or :func:`empty_url`."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return
    database = urlparse(url).path.lstrip("/")
    if database.startswith(PG_PREFIX) and "_demo_" not in database:
        connection = _admin()
        try:
            _pg_drop(connection.cursor(), database)  # type: ignore[attr-defined]
        finally:
            connection.close()  # type: ignore[attr-defined]


def report(label: str, value: float, unit: str, target: str = "", *, better: str = "lower") -> None:
    """One figure for ``run_all``'s table (and a readable line here)."""
    data = {"label": label, "value": value, "unit": unit, "target": target, "better": better, "store": store()}
    print(REPORT_PREFIX + json.dumps(data, ensure_ascii=False), flush=True)


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
