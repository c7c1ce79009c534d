"""Collection runs in processes of their own on a SQLite file: two at once, and a crash (the
process killed as by SIGKILL) before and after the commit: never cases without a file, never a
visible file without cases."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collection_data import (
    DAY,
    READY,
    assert_no_invoice_in_two_cases,
    collection_on_business_day,
)
from tui_inkasso.db.models import CollectionCase, CollectionFile
from tui_inkasso.services import collection_recovery, collection_run
from tui_inkasso.services.collection_recovery import PENDING_DIR

ROOT = Path(__file__).resolve().parent.parent


def _worker(url: str, system: str, go: Path, ids: list[int], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.collection_worker", url, system, str(go), *map(str, ids)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def test_two_processes_on_a_file_database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    ledger = collection_on_business_day(monkeypatch, tmp_path)
    go = tmp_path / "go"
    workers = [_worker(sqlite_url, "svea", go, ledger.ready_ids()) for _ in range(2)]
    go.touch()
    outputs = [(w.wait(timeout=60), w.communicate()) for w in workers]
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 3], outputs
    taken = next(json.loads(out) for code, (out, _err) in outputs if code == 3)
    assert sorted(taken["taken"]) == READY
    made = next(json.loads(out) for code, (out, _err) in outputs if code == 0)
    assert len(made["cases"]) == 5 and all(Path(f).exists() for f in made["files"])
    assert sorted(p.name for p in (tmp_path / "ut").iterdir()) == sorted(Path(f).name for f in made["files"])
    assert_no_invoice_in_two_cases()


def test_a_crash_before_the_commit_leaves_no_cases_and_no_file(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    ledger = collection_on_business_day(monkeypatch, tmp_path)
    out = tmp_path / "ut"
    go = tmp_path / "go"
    go.touch()
    worker = _worker(sqlite_url, "intrum", go, ledger.ready_ids(), TUI_INKASSO_CRASH_AT="collection-before-commit")
    assert worker.wait(timeout=60) == 137
    assert CollectionCase.select().count() == 1 and CollectionFile.select().count() == 0
    assert [p.name for p in out.iterdir()] == [PENDING_DIR], "only the hidden staging folder"
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    assert len(result.cases) == 5 and all(f.exists() for f in result.files)


def test_a_crash_after_the_commit_is_finished_by_recovery(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    ledger = collection_on_business_day(monkeypatch, tmp_path)
    out = tmp_path / "ut"
    go = tmp_path / "go"
    go.touch()
    worker = _worker(sqlite_url, "svea", go, ledger.ready_ids(), TUI_INKASSO_CRASH_AT="collection-after-commit")
    assert worker.wait(timeout=60) == 137
    records = list(CollectionFile.select())
    assert len(records) == 2 and CollectionCase.select().count() == 6
    assert not any(Path(r.path).exists() for r in records), "committed, not yet renamed"
    messages = collection_recovery.recover(out)
    assert len(messages) == 2 and all("flyttades på plats" in m for m in messages)
    for record in records:
        path = Path(record.path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record.sha256
    assert not (out / PENDING_DIR).exists()
    assert collection_recovery.recover(out) == []
