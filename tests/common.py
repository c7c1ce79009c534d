"""Helpers several test modules share that do not drive the app: the CLI in-process, a digest of
the whole database, the text drawn in a PDF, and the scheduled-services registry isolated per test.

(Pilot helpers are in tests/tui_helpers.py, the fixed ledgers and their fixtures in
tests/ledger_data.py and tests/collection_data.py.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import shutil
import time
import zlib
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_inkasso.cli import main
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import MODELS
from tui_inkasso.services import scheduled_jobs, settings


def wait_for(what: str, predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Poll ``predicate`` until it holds (a daemon's run, a terminal's redraw); fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    """``tui-inkasso --db URL ARGV...`` in this process: exit code, stdout, stderr."""
    code = main(["--db", url, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], url: str, *argv: str, code: int = 0) -> dict[str, Any]:
    """The command with ``--json``: checks the exit code and that stdout is one JSON object."""
    got, out, err = run(capsys, url, *argv, "--json")
    assert got == code, err
    assert out.count("\n") == 1, "exactly one JSON object on one line"
    return json.loads(out)


def database_digest(skip_tables: Collection[str] = (), skip_columns: Collection[tuple[str, str]] = ()) -> str:
    """A SHA-256 of every table's rows in primary-key order, to prove that nothing changed.

    ``schema_version`` is always left out; ``skip_tables`` and ``skip_columns`` (table, column)
    leave out what the clock writes when a test does not care about it.
    """
    sha = hashlib.sha256()
    for model in MODELS:
        table = model._meta.table_name
        if table == "schema_version" or table in skip_tables:
            continue
        columns = [f.column_name for f in model._meta.sorted_fields if (table, f.column_name) not in skip_columns]
        order = model._meta.primary_key.column_name
        names = ", ".join(f'"{c}"' for c in columns)
        for row in db.obj.execute_sql(f'SELECT {names} FROM "{table}" ORDER BY "{order}"'):
            sha.update(repr((table, row)).encode())
    return sha.hexdigest()


def pdf_pages(pdf: bytes) -> list[list[str]]:
    """The strings drawn on each page (``(...) Tj`` in the compressed content streams), Latin-1.

    Only pages' content streams draw text, so streams without ``Tj`` (fonts, images) are skipped.
    """
    pages = []
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        data = pdf[match.end() : match.end() + int(match.group(1))]
        try:
            content = zlib.decompress(data)
        except zlib.error:
            continue
        if b" Tj" not in content and b")Tj" not in content:
            continue
        strings = re.findall(rb"\(((?:[^()\\]|\\.)*)\) ?Tj", content)
        pages.append([re.sub(rb"\\(.)", rb"\1", s).decode("latin-1") for s in strings])
    return pages


@contextlib.contextmanager
def fixed_folder(folder: Path) -> Iterator[Path]:
    """``folder`` (a fixed path, since snapshots show it) emptied and held for this test alone
    until the block ends: the same test of another test run on this machine (another checkout's
    suite) waits for it instead of writing into it too (a balance file of both runs was named
    '-2' and the snapshot differed). The lock is the OS's: a killed run releases it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            shutil.rmtree(folder, ignore_errors=True)
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def words(text: str) -> str:
    """Whitespace-normalised text, so wrapped phrases can be searched."""
    return " ".join(text.split())


@pytest.fixture
def app_db(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite database whose scheduled-services registry a test may extend without leaking."""
    monkeypatch.setattr(scheduled_jobs, "JOBS", dict(scheduled_jobs.JOBS))
    monkeypatch.setattr(scheduled_jobs, "SERVICE_LABELS", dict(scheduled_jobs.SERVICE_LABELS))
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    return sqlite_url
