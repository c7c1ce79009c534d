"""Recovery at start: the app and the daemon finish the files of runs that were killed after their
commit, before anyone works on top of them, and remove the half-written files of runs that never
committed; a failing check is reported and never stops the start.

The crashes are real: the collection run, `tui-inkasso balance-file` and `dunning-run` run in
processes of their own and end with ``os._exit(137)`` at the step named by ``TUI_INKASSO_CRASH_AT`` (as SIGKILL
would). Then the real app starts (``App.run_test``) or the real daemon (``daemon --once``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.message import Message
from textual.worker import Worker, WorkerState

from tests.balance_helpers import invoice_for, make_case, pay
from tests.collection_data import TODAY, build_collection_ledger
from tests.ledger_data import TODAY as LEDGER_TODAY
from tests.ledger_data import build_small_ledger
from tests.tui_helpers import notifications, settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import CollectionFile, DunningRun
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.settings import SettingsScreen
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services import dunning_recovery, publishing, settings
from tui_inkasso.services.collection_recovery import PENDING_DIR
from tui_inkasso.services.startup import (
    balance_files_to_recover,
    collection_files_to_recover,
    recover_at_start,
)

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 36)


def _run(*args: str, crash_at: str | None = None, today: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != publishing.CRASH_ENV}
    env["PYTHONPATH"] = str(ROOT)
    if today:
        env["TUI_INKASSO_TODAY"] = today
    if crash_at:
        env[publishing.CRASH_ENV] = crash_at
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def crashed_collection_run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """A collection run (svea: two files) killed after its commit, before the files got their names."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    ledger = build_collection_ledger()
    settings.set_setting("collection.output_dir", str(tmp_path / "ut"))
    go = tmp_path / "go"
    go.touch()
    done = _run("-m", "tests.collection_worker", sqlite_url, "svea", str(go), *map(str, ledger.ready_ids()),
                crash_at="collection-after-commit")
    assert done.returncode == 137, done.stderr
    finals = [Path(r.path) for r in CollectionFile.select()]
    assert len(finals) == 2 and not any(p.exists() for p in finals), "committed, not yet renamed"
    assert collection_files_to_recover()
    return finals


@pytest.fixture
def crashed_balance_run(sqlite_url: str, tmp_path: Path) -> Path:
    """`tui-inkasso balance-file` killed after its commit: the file is on its temporary name."""
    invoice = invoice_for()
    make_case(invoice)
    for amount in (100, 200, 300):
        pay(invoice, amount)
    folder = tmp_path / "saldo"
    folder.mkdir()
    done = _run("-m", "tui_inkasso.cli", "--db", sqlite_url, "balance-file", "--out", str(folder), "--json",
                crash_at="after-commit")
    assert done.returncode == 137, done.stderr
    [record] = CollectionFile.select().where(CollectionFile.kind == "saldofil")
    assert bf.is_temp_path(record.path) and Path(record.path).exists()
    return folder


def _in_place(finals: list[Path]) -> bool:
    recorded = {Path(r.path): r.sha256 for r in CollectionFile.select()}
    return all(p.exists() and hashlib.sha256(p.read_bytes()).hexdigest() == recorded[p] for p in finals)


async def test_the_app_publishes_a_crashed_collection_runs_files_after_its_first_frame(
    crashed_collection_run: list[Path],
) -> None:
    seen: list[Message] = []
    app = InkassoApp()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)
        assert _in_place(crashed_collection_run), "both files have their final names and recorded content"
        assert not (crashed_collection_run[0].parent / PENDING_DIR).exists()
        shown = [n for n in notifications(pilot) if n[1] == "Inkassofiler"]
        assert len(shown) == 2 and all(s == "warning" and "flyttades på plats" in m for s, _, m in shown)
    ready = next(i for i, m in enumerate(seen) if isinstance(m, events.Ready))
    started = next(i for i, m in enumerate(seen) if isinstance(m, Worker.StateChanged)
                   and m.worker.group == "startup" and m.state == WorkerState.RUNNING)
    assert ready < started, "the recovery starts once the menu's first frame is on screen"
    assert not collection_files_to_recover()
    assert recover_at_start() == [], "nothing left to do"


def test_collection_recovery_loads_no_pdf_or_excel_library(crashed_collection_run: list[Path],
                                                           sqlite_url: str) -> None:
    """The collection service imports fpdf and openpyxl only to write a file (about 0.6 s of CPU
    here): importing it and publishing a crashed run's files needs neither."""
    heavy = ("fpdf", "openpyxl")
    done = _run("-c", "import sys; from tui_inkasso.db.connection import open_database; "
                f"open_database({sqlite_url!r}); from tui_inkasso.services import collection_recovery, collection_run; "
                "print(len(collection_recovery.recover())); "
                f"print(sorted(m for m in sys.modules if m in {heavy!r}))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["2", "[]"]
    assert _in_place(crashed_collection_run)


async def test_the_app_names_a_crashed_balance_file(crashed_balance_run: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [record] = CollectionFile.select().where(CollectionFile.kind == "saldofil")
        final = Path(record.path)
        assert not bf.is_temp_path(final) and final.exists() and publishing.sha256_of(final) == record.sha256
        assert [p.name for p in crashed_balance_run.iterdir()] == [final.name], "no temporary file left"
        assert ("warning", "Saldofiler", f"Saldofilen {final} fick sitt namn efter ett avbrott.") in notifications(pilot)


async def test_a_half_written_balance_file_without_a_record_is_removed(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "ut"
    folder.mkdir()
    settings.set_setting("collection.output_dir", str(folder))
    assert not balance_files_to_recover() and not collection_files_to_recover()
    assert recover_at_start() == []
    clean = _run("-c", "import sys; from tui_inkasso.db.connection import open_database; "
                 f"open_database({sqlite_url!r}); from tui_inkasso.services.startup import recover_at_start; "
                 "assert recover_at_start() == []; "
                 "print(sorted(m for m in sys.modules if m.endswith(('.collection_run', '.balance_corrections', '.balance_recovery'))))")
    assert clean.returncode == 0 and clean.stdout.strip() == "[]", "a clean start leaves the heavy services unloaded"
    stray = folder / f".saldo-BAB-20261128-030000.xml{bf.TEMP_SUFFIX}"
    stray.write_text("half a file")  # written by a run killed before its commit
    assert balance_files_to_recover()
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not stray.exists()
        [(severity, title, text)] = notifications(pilot)
        assert (severity, title) == ("warning", "Saldofiler") and text.startswith(f"Den halvskrivna filen {stray} ")


async def test_a_failing_check_is_shown_and_the_app_carries_on(sqlite_url: str) -> None:
    db.execute_sql("ALTER TABLE collection_file RENAME TO collection_file_away")  # both checks read it
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        errors = [(title, text) for severity, title, text in notifications(pilot) if severity == "error"]
        assert [title for title, _ in errors] == ["Saldofiler", "Inkassofiler"]
        assert all("misslyckades: OperationalError: no such table: collection_file" in text for _, text in errors)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen), "the app works on"


def test_the_daemon_finishes_both_at_start(crashed_collection_run: list[Path], sqlite_url: str) -> None:
    invoice = invoice_for()
    make_case(invoice)
    pay(invoice, 500)
    folder = crashed_collection_run[0].parent.parent / "saldo"
    folder.mkdir()
    done = _run("-m", "tui_inkasso.cli", "--db", sqlite_url, "balance-file", "--out", str(folder), "--json",
                crash_at="after-commit")
    assert done.returncode == 137, done.stderr
    # Every command that opens the ledger finishes crashed runs first (issue 14 item 5): the
    # balance-file command published the collection run's files before it crashed itself.
    assert done.stderr.count("tui-inkasso: Inkassofiler: Inkassofilen") == 2
    assert _in_place(crashed_collection_run)
    daemon = _run("-m", "tui_inkasso.cli", "--db", sqlite_url, "daemon", "--once")
    assert daemon.returncode == 0, daemon.stderr
    assert "collection files" not in daemon.stderr
    [record] = CollectionFile.select().where(CollectionFile.kind == "saldofil")
    assert not bf.is_temp_path(record.path) and Path(record.path).exists()
    assert f"balance file {record.path}: renamed after an interrupted run" in daemon.stderr


@pytest.fixture
def letters(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The small ledger (six letters due) with its letters folder."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", LEDGER_TODAY)
    build_small_ledger()
    folder = tmp_path / "brev"
    folder.mkdir()
    settings.set_setting("dunning.letters_dir", str(folder))
    return folder


def _dunning_run(url: str, crash_at: str) -> None:
    done = _run("-m", "tui_inkasso.cli", "--db", url, "dunning-run", "--json", crash_at=crash_at, today=LEDGER_TODAY)
    assert done.returncode == 137, done.stderr


def _letters_in_place(folder: Path) -> Path:
    """The one run's PDF: under its final name, named by its record, nothing pending."""
    [run] = DunningRun.select()
    final = Path(run.pdf_path)
    assert not dunning_recovery.STAGING.is_pending(final) and final.parent == folder
    assert [p.name for p in folder.iterdir()] == [final.name], "no pending file or folder left"
    assert final.read_bytes().startswith(b"%PDF") and final.read_bytes().rstrip().endswith(b"%%EOF")
    return final


async def test_the_app_publishes_a_crashed_dunning_runs_letters(letters: Path, sqlite_url: str) -> None:
    """Issue 14 item 4: a run killed between its commit and the rename keeps its letters hidden
    until the next start; the app's start gives them their name."""
    _dunning_run(sqlite_url, "dunning-after-commit")
    assert dunning_recovery.letters_to_recover() and not any(letters.glob("*.pdf"))
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        final = _letters_in_place(letters)
        shown = [(s, m) for s, t, m in notifications(pilot) if t == "Påminnelser och krav"]
        assert shown == [("warning", f"Breven {final} fick sitt namn efter ett avbrott.")]
    assert not dunning_recovery.letters_to_recover()


def test_the_daemon_removes_half_written_letters_and_publishes_committed_ones(letters: Path,
                                                                                sqlite_url: str) -> None:
    """Issue 14 items 4 and 6 at the daemon's start: half a PDF of a run killed before its commit
    is removed (personal data, nothing recorded); a committed run's letters get their name."""
    _dunning_run(sqlite_url, "dunning-during-write")
    [partial] = (letters / dunning_recovery.PENDING_DIR).iterdir()
    assert partial.stat().st_size and DunningRun.select().count() == 0
    daemon = _run("-m", "tui_inkasso.cli", "--db", sqlite_url, "daemon", "--once", today=LEDGER_TODAY)
    assert daemon.returncode == 0, daemon.stderr
    assert list(letters.iterdir()) == [], "the partial letters are gone"
    assert DunningRun.select().count() == 0
    _dunning_run(sqlite_url, "dunning-after-commit")
    daemon = _run("-m", "tui_inkasso.cli", "--db", sqlite_url, "daemon", "--once", today=LEDGER_TODAY)
    assert daemon.returncode == 0, daemon.stderr
    final = _letters_in_place(letters)
    assert f"Breven {final} fick sitt namn efter ett avbrott." in daemon.stderr
