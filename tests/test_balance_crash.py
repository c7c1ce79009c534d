"""Crash safety of `tui-inkasso balance-file`: the process is killed at each step, then run again.

The hook ``TUI_INKASSO_CRASH_AT=<step>`` makes the real command end with ``os._exit(137)`` at
that step, as SIGKILL would (no cleanup, no flush). After the second, normal run:

* every balance correction is reported exactly once, and none is lost;
* every recorded file is on disk under its final name with the recorded SHA-256 and holds
  exactly the corrections recorded for it; no payment is in two files;
* no temporary file is left, and no file on disk lacks a record.

Each scenario has its own copy of one SQLite database, so the killed processes run in parallel;
the second run is the same command in this process (``tui_inkasso.cli.main``), which saves the
start-up of a dozen interpreters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.balance_helpers import file_payment_ids, invoice_for, make_case, pay, second_owner
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.models import BalanceReport, CollectionFile, Payment, ReportedCorrection
from tui_inkasso.formats.balance_xml import read_balance_xml
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services import publishing

ROOT = Path(__file__).resolve().parent.parent
STEPS = ["during-write", "after-write", "before-commit", "after-commit", "before-rename", "after-rename"]
UNCOMMITTED = ("during-write", "after-write", "before-commit")
"""Steps killed before the commit: nothing recorded, the pending files are removed at the next run."""


@dataclass
class Scenario:
    name: str
    url: str
    folder: Path
    crash_at: str


def build_ledger() -> set[int]:
    """Two owners with corrections (BAB 30, FAB 5) plus money that is never one; the correction ids."""
    bab = invoice_for(amount=10_000_000)
    pay(bab, 1000, dt.date(2026, 9, 1))  # before the case: part of the claim
    fab = invoice_for(second_owner(), kind="direct", amount=500_000, customer="K2001")
    make_case(bab)
    make_case(fab)
    pay(bab, 5000, method="inkasso")  # from the agency: never reported
    ids = {pay(bab, 100 + n, dt.date(2026, 10, 1) + dt.timedelta(days=n)) for n in range(30)}
    ids |= {pay(fab, 200 + n, kind="credit", method="credit") for n in range(5)}
    return ids


def cli(url: str, folder: Path, crash_at: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != publishing.CRASH_ENV}
    if crash_at:
        env[publishing.CRASH_ENV] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "tui_inkasso.cli", "--db", url, "balance-file", "--out", str(folder),
         "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def run_all(scenarios: Sequence[Scenario], *, crash: bool) -> dict[str, tuple[int, str, str]]:
    """Start one process per scenario at once, then wait for each: name -> (code, out, err)."""
    started = {s.name: cli(s.url, s.folder, s.crash_at if crash else None) for s in scenarios}
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        results[name] = (process.returncode, out, err)
    return results


def run_again(url: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`tui-inkasso balance-file` once more, normally, in this process."""
    try:
        code = main(["--db", url, "balance-file", "--out", str(folder), "--json"])
    finally:
        close_database()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_consistent(url: str, folder: Path, corrections: set[int]) -> None:
    """The invariants of the module docstring, read from the database and the disk."""
    open_database(url)
    try:
        correction_ids = {
            p.id for p in Payment.select().where(Payment.collection_case.is_null(False)
                                                 & (Payment.method != "inkasso"))
        }
        assert correction_ids == corrections
        reported = [rc.payment_id for rc in ReportedCorrection.select()]
        assert sorted(reported) == sorted(corrections), "each correction reported once, none lost"
        in_files: list[int] = []
        records = list(CollectionFile.select().where(CollectionFile.kind == "saldofil"))
        for record in records:
            path = Path(record.path)
            assert not bf.is_temp_path(path) and path.exists(), f"{path} is in place"
            assert publishing.sha256_of(path) == record.sha256
            report = BalanceReport.get(BalanceReport.file == record.id)
            recorded = sorted(rc.payment_id for rc in report.reported)
            assert sorted(file_payment_ids(path)) == recorded
            header, _ = read_balance_xml(path)
            assert (header.file_id, header.count, header.sum_ore) == (
                record.file_id, report.corrections, report.amount)
            in_files += recorded
        assert sorted(in_files) == sorted(corrections), "no payment in two files"
        on_disk = sorted(p.name for p in folder.iterdir())
        assert on_disk == sorted(Path(r.path).name for r in records), "no stray or unrecorded file"
    finally:
        close_database()


@pytest.fixture
def base(tmp_path: Path) -> tuple[Path, set[int]]:
    """The ledger in a SQLite file, checkpointed and closed so that it can be copied."""
    path = tmp_path / "base.db"
    open_database(f"sqlite:///{path}")
    try:
        corrections = build_ledger()
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        close_database()
    return path, corrections


def _scenarios(base: Path, tmp_path: Path, steps: Sequence[str]) -> list[Scenario]:
    scenarios = []
    for step in steps:
        copy = tmp_path / f"{step}.db"
        shutil.copy(base, copy)
        folder = tmp_path / f"out-{step}"
        folder.mkdir()
        scenarios.append(Scenario(step, f"sqlite:///{copy}", folder, step.removesuffix("+lost")))
    return scenarios


def _state(url: str) -> tuple[list[str], int]:
    """Paths recorded, and corrections marked reported, right after the crash."""
    open_database(url)
    try:
        paths = [cf.path for cf in CollectionFile.select().order_by(CollectionFile.id)]
        return paths, ReportedCorrection.select().count()
    finally:
        close_database()


RECOVERED = {
    "during-write": ["removed"], "after-write": ["removed", "removed"],
    "before-commit": ["removed", "removed"],
    "after-commit": ["renamed", "renamed"], "before-rename": ["renamed"],
    "after-rename": ["finished"], "after-commit+lost": ["regenerated", "regenerated"],
}
"""What the next run's recovery does after a kill at each step (the sorted actions)."""


def check_crashed(s: Scenario, result: tuple[int, str, str], corrections: set[int]) -> None:
    """What a kill at the scenario's step leaves on disk and in the database."""
    code, out, err = result
    assert code == 137 and out == "", f"{s.name}: {err}"
    temps = sorted(p.name for p in s.folder.glob(f"*{bf.TEMP_SUFFIX}"))
    finals = sorted(p.name for p in s.folder.glob("saldo-*.xml"))
    paths, reported = _state(s.url)
    if s.crash_at in UNCOMMITTED:
        assert paths == [] and reported == 0 and len(temps) == (1 if s.crash_at == "during-write" else 2)
    elif s.crash_at == "after-commit":
        assert len(temps) == 2 and finals == [] and reported == len(corrections)
        assert all(bf.is_temp_path(p) for p in paths)
    elif s.crash_at == "before-rename":
        assert len(temps) == 1 and len(finals) == 1 and not bf.is_temp_path(paths[0])
    else:  # after-rename: both files in place, the last record not finished
        assert temps == [] and len(finals) == 2 and bf.is_temp_path(paths[1])
    if s.name == "after-commit+lost":
        for temp in s.folder.glob(f"*{bf.TEMP_SUFFIX}"):
            temp.unlink()  # the disk lost them too: the files must be made again


def check_run_again(s: Scenario, capsys: pytest.CaptureFixture[str], corrections: set[int]) -> None:
    """The next normal run finishes what the kill left, reports what was not, and all is consistent."""
    code, out, err = run_again(s.url, s.folder, capsys)
    assert code == 0, f"{s.name}: {err}"
    data = json.loads(out)
    assert sorted(a["action"] for a in data["recovered"]) == RECOVERED[s.name], s.name
    if s.crash_at in UNCOMMITTED:
        assert data["corrections"] == len(corrections), "nothing was lost: all in the new files"
    else:
        assert data["file"] is None and data["corrections"] == 0, "nothing reported twice"
    check_consistent(s.url, s.folder, corrections)


def test_killed_at_each_step_then_run_again(
    base: tuple[Path, set[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, corrections = base
    scenarios = _scenarios(path, tmp_path, [*STEPS, "after-commit+lost"])
    crashed = run_all(scenarios, crash=True)
    for s in scenarios:
        check_crashed(s, crashed[s.name], corrections)
    for s in scenarios:
        check_run_again(s, capsys, corrections)


@pytest.mark.parametrize("step", [*STEPS, "after-commit+lost"])
def test_killed_at_each_step_on_postgresql(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str
) -> None:
    """The same on PostgreSQL, where the rows are stored while the files are written (in a
    transaction of a thread of its own): a kill before the commit must leave none of them."""
    corrections = build_ledger()
    folder = tmp_path / "out"
    folder.mkdir()
    scenario = Scenario(step, postgres_url, folder, step.removesuffix("+lost"))
    check_crashed(scenario, run_all([scenario], crash=True)[step], corrections)
    check_run_again(scenario, capsys, corrections)
    open_database(postgres_url)  # the fixture drops its schema through a bound connection
