"""Killed at every step, then only the command line: nothing lost, nothing hidden (issue 14, items 4-6).

Each run that writes money or files is killed (``TUI_INKASSO_CRASH_AT=<step>``: the process ends
with ``os._exit(137)`` there, as SIGKILL would; and real SIGKILLs at moments of the test's choice)
at each of its steps: the dunning run, the collection run, the balance file, the payment import.
Then only ``tui-inkasso`` commands run, never the app or the daemon: first one that has nothing to
do with the crashed run (``settings show``), which must already finish what the crash left,
then the crashed command again. Afterwards:

* a run whose transaction committed has its file under its final name, complete, and its record
  names it; its letters, cases or payments are not issued or booked a second time;
* a run that did not commit left nothing: no record, no file, no pending file with personal data;
  the next run does the whole work;
* no file is hidden in a staging folder or under a temporary name.

Every scenario gets its own copy of one SQLite database, so the killed processes run side by side;
the commands after the crash run in this process (``tui_inkasso.cli.main``). One scenario of each
kind runs on PostgreSQL too.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from peewee import fn

from tests.common import pdf_pages
from tests.conftest import SHARED_DOCS
from tests.ledger_data import TODAY, build_small_ledger
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.models import (
    CaseInvoice,
    CollectionCase,
    CollectionFile,
    DunningNotice,
    DunningRun,
    Invoice,
    Payment,
    PaymentFile,
    VoucherRow,
)
from tui_inkasso.services import dunning_recovery, publishing, settings
from tui_inkasso.services.collection_recovery import PENDING_DIR as CASES_PENDING
from tui_inkasso.services.dunning_recovery import PENDING_DIR as LETTERS_PENDING
from tui_inkasso.services.ledger_import import import_ledger

ROOT = Path(__file__).resolve().parent.parent
DUE_ON_TODAY = ["2026002", "2026003", "2026005", "2026008", "2026101", "2026301"]
"""The small ledger's invoices that get a letter on its business date (tests/test_dunning_cli.py)."""


@dataclass
class Scenario:
    name: str
    url: str
    folder: Path
    crash_at: str | None
    kill_after: float | None = None
    kill_on: Callable[[Scenario], bool] | None = None
    """A real SIGKILL the moment this holds for the scenario (polled every millisecond)."""


def _env(crash_at: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != publishing.CRASH_ENV}
    env["TUI_INKASSO_TODAY"] = TODAY
    if crash_at:
        env[publishing.CRASH_ENV] = crash_at
    return env


def _start(url: str, argv: Sequence[str], crash_at: str | None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tui_inkasso.cli", "--db", url, *argv], cwd=ROOT,
                            env=_env(crash_at), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _crash_all(scenarios: Sequence[Scenario], argv: Sequence[str]) -> dict[str, int]:
    """Start every scenario's command at once; kill those with ``kill_after``; exit codes."""
    started = {s.name: (s, _start(s.url, argv, s.crash_at)) for s in scenarios}
    begun = time.monotonic()
    waiting = [(s, p) for s, p in started.values() if s.kill_after is not None or s.kill_on is not None]
    while waiting:
        for s, process in list(waiting):
            due = (_holds(s.kill_on, s) if s.kill_on is not None
                   else time.monotonic() - begun >= (s.kill_after or 0))
            if due or process.poll() is not None:
                process.send_signal(signal.SIGKILL)
                waiting.remove((s, process))
        time.sleep(0.001)
    codes = {}
    for name, (s, process) in started.items():
        _out, err = process.communicate(timeout=180)
        codes[name] = process.returncode
        if s.crash_at:
            assert process.returncode == 137, f"{name}: {err}"
    return codes


def _holds(condition: Callable[[Scenario], bool], scenario: Scenario) -> bool:
    """``condition(scenario)``; False while a file it looks at comes or goes."""
    try:
        return condition(scenario)
    except OSError:
        return False


def _cli(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """A command in this process, the way staff run it after the crash."""
    try:
        code = main(["--db", url, *argv])
    finally:
        close_database()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _copies(base: Path, tmp_path: Path, names: Sequence[str], configure: Callable[[Path], None]) -> list[Path]:
    """One database copy per scenario, each set up (its own folders) by ``configure(folder)``."""
    folders = []
    for name in names:
        copy = tmp_path / f"{name}.db"
        shutil.copy(base, copy)
        folder = tmp_path / f"out-{name}"
        folder.mkdir()
        open_database(f"sqlite:///{copy}")
        try:
            configure(folder)
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            close_database()
        folders.append(folder)
    return folders


def _base(tmp_path: Path, build: Callable[[], object]) -> Path:
    path = tmp_path / "base.db"
    open_database(f"sqlite:///{path}")
    try:
        build()
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        close_database()
    return path


def _hidden(folder: Path) -> list[Path]:
    """Files under a pending name anywhere in ``folder``."""
    return [p for p in folder.rglob("*") if p.is_file() and (
        p.parent.name in (LETTERS_PENDING, CASES_PENDING) or p.name.startswith(".") or p.suffix == ".part")]


# --------------------------------------------------------------------------- the dunning run

DUNNING_STEPS = ["dunning-staged", "dunning-during-write", "dunning-before-commit", "dunning-after-commit",
                 "dunning-after-publish"]
UNCOMMITTED = ("dunning-staged", "dunning-during-write", "dunning-before-commit")
COMMITTED = {"dunning-after-commit", "dunning-after-publish", "dunning-after-commit+lost"}


@pytest.fixture
def dunning_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    return _base(tmp_path, build_small_ledger)


def _letters_folder(folder: Path) -> None:
    settings.set_setting("dunning.letters_dir", str(folder))


def check_letters(url: str, folder: Path) -> None:
    """Every due invoice has exactly one new notice; every run's PDF is in place, names every
    notice's invoice, and is the letters as recorded; nothing else is in the folder."""
    open_database(url)
    try:
        runs = list(DunningRun.select().order_by(DunningRun.id))
        notices = list(DunningNotice.select().where(DunningNotice.run.is_null(False)))
        assert sorted(n.invoice.number for n in notices) == sorted(DUE_ON_TODAY), "each letter issued once"
        for run in runs:
            path = Path(run.pdf_path)
            assert path.parent == folder and path.is_file(), f"{path} is in place"
            assert not dunning_recovery.STAGING.is_pending(path)
            text = " ".join(" ".join(page) for page in pdf_pages(path.read_bytes()))
            for notice in (n for n in notices if n.run_id == run.id):
                assert notice.invoice.number in text
            regenerated = folder / "regenerated.pdf"
            dunning_recovery.LetterFiles().regenerate(
                publishing.Unfinished(run.id, path, "", regenerated), regenerated)
            assert regenerated.read_bytes() == path.read_bytes(), "the letters as recorded"
            regenerated.unlink()
        assert sorted(p.name for p in folder.iterdir()) == sorted(Path(r.pdf_path).name for r in runs)
        assert _hidden(folder) == []
    finally:
        close_database()


def test_dunning_run_killed_at_each_step_then_only_the_command_line(
        dunning_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kills: dict[str, Callable[[Scenario], bool]] = {
        "kill-when-staging": lambda s: (s.folder / LETTERS_PENDING).exists(),
        "kill-when-writing": lambda s: any(p.stat().st_size for p in (s.folder / LETTERS_PENDING).glob("*")),
        "kill-when-published": lambda s: any(s.folder.glob("*.pdf")),
    }
    names = [*DUNNING_STEPS, "dunning-after-commit+lost", *kills]
    folders = _copies(dunning_base, tmp_path, names, _letters_folder)
    scenarios = [Scenario(n, f"sqlite:///{tmp_path / f'{n}.db'}", f,
                          n.removesuffix("+lost") if n.startswith("dunning") else None,
                          float(n.split("-")[1]) if n.startswith("kill-") and n not in kills else None,
                          kills.get(n))
                 for n, f in zip(names, folders, strict=True)]
    _crash_all(scenarios, ["dunning-run", "--json"])
    for s in scenarios:
        pending = list((s.folder / LETTERS_PENDING).glob("*.part"))
        if s.crash_at in UNCOMMITTED:
            assert len(pending) == 1, "the uncommitted run's letters wait, hidden, to be removed"
        if s.crash_at == "dunning-during-write":
            assert pending[0].read_bytes().startswith(b"%PDF") and b"%%EOF" not in pending[0].read_bytes(), \
                "half a PDF of letters (issue 14 item 6)"
        if s.crash_at == "dunning-after-commit":
            assert len(pending) == 1 and not any(s.folder.glob("*.pdf")), "committed, not yet renamed"
        if s.name.endswith("+lost"):
            for file in pending:
                file.unlink()  # the disk lost them too: the letters must be written again

    for s in scenarios:
        code, _out, err = _cli(s.url, capsys, "settings", "show")
        assert code == 0, f"{s.name}: {err}"
        assert not (s.folder / LETTERS_PENDING).exists(), f"{s.name}: nothing hidden after the next start"
        open_database(s.url)
        try:
            committed = DunningRun.select().count()
        finally:
            close_database()
        if s.crash_at in COMMITTED or s.name in COMMITTED:
            assert committed == 1 and "Påminnelser och krav: Breven" in err, s.name
        elif s.crash_at is not None:
            assert committed == 0 and "Halvskrivna brev" in err and list(s.folder.iterdir()) == [], s.name
        code, out, err = _cli(s.url, capsys, "dunning-run", "--json")
        assert code == 0, f"{s.name}: {err}"
        issued = json.loads(out)["count"]
        assert issued == (0 if committed else len(DUE_ON_TODAY)), s.name
        check_letters(s.url, s.folder)


def test_dunning_run_killed_after_the_commit_on_postgresql(
        postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    build_small_ledger()
    folder = tmp_path / "brev"
    folder.mkdir()
    _letters_folder(folder)
    close_database()
    process = _start(postgres_url, ["dunning-run", "--json"], "dunning-after-commit")
    assert process.wait(timeout=120) == 137, process.communicate()[1]
    code, _out, err = _cli(postgres_url, capsys, "settings", "show")
    assert code == 0 and "fick sitt namn efter ett avbrott" in err
    code, out, err = _cli(postgres_url, capsys, "dunning-run", "--json")
    assert code == 0 and json.loads(out)["count"] == 0, err
    check_letters(postgres_url, folder)
    open_database(postgres_url)


# --------------------------------------------------------------------------- the collection run


def _collection_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from tests.collection_data import build_collection_ledger

    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    return _base(tmp_path, build_collection_ledger)


def _output_folder(folder: Path) -> None:
    settings.set_setting("collection.output_dir", str(folder))


def check_cases(url: str, folder: Path) -> None:
    """Every ready invoice is in exactly one case; every recorded file is in place with its
    SHA-256; nothing else (and nothing hidden) is in the folder."""
    from tests.collection_data import READY

    open_database(url)
    try:
        in_cases = [link.invoice.number for link in CaseInvoice.select()
                    .join(CollectionCase).where(CollectionCase.system == "intrum")]
        assert sorted(in_cases) == sorted(READY), "each invoice in one case"
        records = list(CollectionFile.select().where(CollectionFile.kind == "cases"))
        assert records, "the run wrote its file"
        for record in records:
            path = Path(record.path)
            assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == record.sha256
        assert sorted(p.name for p in folder.iterdir()) == sorted(Path(r.path).name for r in records)
        assert _hidden(folder) == []
    finally:
        close_database()


COLLECTION_STEPS = ["collection-staged", "collection-before-commit", "collection-after-commit",
                    "collection-after-publish"]


def _cases_made(url: str) -> int:
    """Cases the Intrum run made (the ledger has cases of other systems already)."""
    open_database(url)
    try:
        return CollectionCase.select().where(CollectionCase.system == "intrum").count()
    finally:
        close_database()


def test_collection_run_killed_at_each_step_then_only_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    base = _collection_base(tmp_path, monkeypatch)
    kills: dict[str, Callable[[Scenario], bool]] = {
        "kill-when-staging": lambda s: (s.folder / CASES_PENDING).exists(),
        "kill-when-published": lambda s: any(p.suffix == ".txt" for p in s.folder.iterdir()),
    }
    names = [*COLLECTION_STEPS, *kills]
    folders = _copies(base, tmp_path, names, _output_folder)
    scenarios = [Scenario(n, f"sqlite:///{tmp_path / f'{n}.db'}", f, None if n in kills else n,
                          kill_on=kills.get(n)) for n, f in zip(names, folders, strict=True)]
    argv = ["collect", "--system", "intrum", "--yes", "--json"]
    assert _cases_made(f"sqlite:///{base}") == 0
    _crash_all(scenarios, argv)
    for s in scenarios:
        committed = _cases_made(s.url) > 0
        if s.crash_at in ("collection-staged", "collection-before-commit"):
            assert not committed and any((s.folder / CASES_PENDING).iterdir()), s.name
        if s.crash_at in ("collection-after-commit", "collection-after-publish"):
            assert committed, s.name
        # a kill just after the rename leaves the staging folder without the file: nothing to move
        pending = s.folder / CASES_PENDING
        unpublished = committed and pending.exists() and any(pending.iterdir())
        code, _out, err = _cli(s.url, capsys, "settings", "show")
        assert code == 0, err
        assert not (s.folder / CASES_PENDING).exists(), f"{s.name}: nothing hidden after the next command"
        if unpublished:
            assert "Inkassofiler: Inkassofilen" in err and "flyttades på plats" in err, s.name
        else:
            assert "Inkassofilen" not in err, s.name
        if not committed:
            assert list(s.folder.iterdir()) == [], f"{s.name}: the uncommitted run's file is gone"
        code, out, err = _cli(s.url, capsys, *argv)
        data = json.loads(out)
        if committed:
            assert data["cases"] == [], f"{s.name}: the committed run's cases are not made twice"
        else:
            assert code == 0 and data["cases"], f"{s.name}: {err}"
        check_cases(s.url, s.folder)


def test_collection_run_killed_after_the_commit_on_postgresql(
        postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.collection_data import build_collection_ledger

    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    build_collection_ledger()
    folder = tmp_path / "ut"
    folder.mkdir()
    _output_folder(folder)
    close_database()
    argv = ["collect", "--system", "intrum", "--yes", "--json"]
    process = _start(postgres_url, argv, "collection-after-commit")
    assert process.wait(timeout=120) == 137, process.communicate()[1]
    assert [p.name for p in folder.iterdir()] == [CASES_PENDING]
    code, out, err = _cli(postgres_url, capsys, *argv)
    assert "Inkassofilen" in err and "flyttades på plats" in err
    assert json.loads(out)["cases"] == [], "the committed run's cases are not made twice"
    check_cases(postgres_url, folder)
    open_database(postgres_url)


def test_collect_after_a_crash_after_the_commit_publishes_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: only `collect --yes` runs after the crash, and it publishes the file."""
    base = _collection_base(tmp_path, monkeypatch)
    [folder] = _copies(base, tmp_path, ["only-collect"], _output_folder)
    url = f"sqlite:///{tmp_path / 'only-collect.db'}"
    argv = ["collect", "--system", "intrum", "--yes", "--json"]
    _crash_all([Scenario("only-collect", url, folder, "collection-after-commit")], argv)
    assert [p.name for p in folder.iterdir()] == [CASES_PENDING], "the file waits in the staging folder"
    code, out, err = _cli(url, capsys, *argv)
    assert "Inkassofilen" in err and "flyttades på plats" in err
    check_cases(url, folder)


# --------------------------------------------------------------------------- the balance file


def test_balance_file_killed_at_each_step_is_finished_by_any_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_balance_crash import STEPS, UNCOMMITTED, build_ledger, check_consistent

    corrections: set[int] = set()

    def build() -> None:
        corrections.update(build_ledger())

    base = _base(tmp_path, build)
    folders = _copies(base, tmp_path, STEPS, _output_folder)
    scenarios = [Scenario(n, f"sqlite:///{tmp_path / f'{n}.db'}", f, n) for n, f in zip(STEPS, folders, strict=True)]
    _crash_all(scenarios, ["balance-file", "--json"])
    for s in scenarios:
        code, _out, err = _cli(s.url, capsys, "settings", "show")
        assert code == 0, err
        assert [p for p in s.folder.iterdir() if p.name.startswith(".")] == [], f"{s.name}: nothing hidden"
        assert "Saldofiler:" in err, s.name
        code, out, err = _cli(s.url, capsys, "balance-file", "--json")
        assert code == 0, f"{s.name}: {err}"
        data = json.loads(out)
        if s.crash_at in UNCOMMITTED:
            assert data["corrections"] == len(corrections), "nothing lost: all in the new files"
        else:
            assert data["corrections"] == 0 and data["recovered"] == [], "finished before, never twice"
        check_consistent(s.url, s.folder, corrections)


# --------------------------------------------------------------------------- the payment import

PAYMENT_STEPS = ["payments-booking", "payments-before-commit", "payments-after-commit"]
PAYMENTS = 5200
"""More than one booking chunk (5,000), so the import is also killed between two chunks."""


def _payment_file(folder: Path, ocrs: list[str]) -> Path:
    payments = [bgmax_payment(100 + n % 900, ocrs[n % len(ocrs)] if n % 3 else f"9{n:08d}",
                              deposit=f"{n // 1000:05d}")
                for n in range(PAYMENTS)]
    return write_bgmax_file(folder, "bg.txt", payments)


def check_payments(url: str, path: Path, total: int) -> None:
    """The file booked exactly once: its payments, its sum, balanced vouchers, balances that add up."""
    open_database(url)
    try:
        assert PaymentFile.select().count() == 1
        from_file = list(Payment.select().where(Payment.payment_file.is_null(False)))
        assert sum(p.amount for p in from_file) == total
        assert len({p.bank_ref.split("+")[0] for p in from_file}) == PAYMENTS, "every payment once"
        # Grouped in the database, not one query per voucher and invoice (5,200 of each: seconds
        # on PostgreSQL); a voucher without rows sums to 0 either way.
        unbalanced = (VoucherRow.select(VoucherRow.voucher, fn.SUM(VoucherRow.amount))
                      .group_by(VoucherRow.voucher).having(fn.SUM(VoucherRow.amount) != 0).tuples())
        assert list(unbalanced) == [], "every voucher balances"
        paid: dict[int, int] = {}
        for p in from_file:
            if p.invoice_id is not None:
                paid[p.invoice_id] = paid.get(p.invoice_id, 0) + p.invoice_amount
        for invoice in Invoice.select():
            assert invoice.balance + invoice.fees + invoice.interest >= 0 or paid.get(invoice.id, 0) > 0
    finally:
        close_database()


def test_payment_import_killed_at_each_step_then_only_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ocrs: list[str] = []

    def build() -> None:
        import_ledger(SHARED_DOCS / "ledger-import-example.json")
        ocrs.extend(i.ocr for i in Invoice.select().where(Invoice.owner.code == "BAB")
                    .join_from(Invoice, Invoice.owner.rel_model))

    base = _base(tmp_path, build)
    path = _payment_file(tmp_path, ocrs)
    total = sum(100 + n % 900 for n in range(PAYMENTS))
    def booking(s: Scenario) -> bool:
        """The import is writing: its journal has grown past what opening the ledger writes."""
        return Path(f"{s.url.removeprefix('sqlite:///')}-wal").stat().st_size > 1_000_000

    names = [*PAYMENT_STEPS, "kill-1.5", "kill-when-booking"]
    folders = _copies(base, tmp_path, names, lambda folder: None)
    scenarios = [Scenario(n, f"sqlite:///{tmp_path / f'{n}.db'}", f,
                          None if n.startswith("kill") else n, 1.5 if n == "kill-1.5" else None,
                          booking if n == "kill-when-booking" else None)
                 for n, f in zip(names, folders, strict=True)]
    _crash_all(scenarios, ["import-payments", "--json", str(path)])
    for s in scenarios:
        open_database(s.url)
        try:
            booked = PaymentFile.select().count()
        finally:
            close_database()
        if s.crash_at in ("payments-booking", "payments-before-commit"):
            assert booked == 0, f"{s.name}: a killed import leaves nothing behind"
        code, out, err = _cli(s.url, capsys, "import-payments", "--json", str(path))
        data = json.loads(out)
        if booked:
            assert code == 1 and "filen är redan inläst" in err, s.name
        else:
            assert code == 0 and data["payments"] == PAYMENTS, f"{s.name}: {err}"
        check_payments(s.url, path, total)


def test_payment_import_killed_before_the_commit_on_postgresql(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    ocrs = [i.ocr for i in Invoice.select() if i.owner.code == "BAB"]
    path = _payment_file(tmp_path, ocrs)
    close_database()
    process = _start(postgres_url, ["import-payments", "--json", str(path)], "payments-before-commit")
    assert process.wait(timeout=180) == 137, process.communicate()[1]
    code, out, err = _cli(postgres_url, capsys, "import-payments", "--json", str(path))
    assert code == 0 and json.loads(out)["payments"] == PAYMENTS, err
    check_payments(postgres_url, path, sum(100 + n % 900 for n in range(PAYMENTS)))
    open_database(postgres_url)
