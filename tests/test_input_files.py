"""Files named for reading (issue 14, item 12): only regular files, and none above the size limit.

A FIFO used to hang the import forever, ``/dev/zero`` grew until the kernel killed the process
and a 1 GB file took 1.1 GB of memory. ``fileio.read_regular_file`` refuses what is not a regular
file without blocking and a file above the limit before reading it; the CLI shows one line.
Every test runs under a watchdog so a hang fails instead of stopping the suite.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.common import run
from tui_inkasso.db.models import PaymentFile
from tui_inkasso.fileio import InputFileError, read_regular_file
from tui_inkasso.formats.ledger_json import MAX_FILE_SIZE as MAX_LEDGER_FILE
from tui_inkasso.formats.payment_file import MAX_FILE_SIZE


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Fail a test that blocks for 20 seconds (a FIFO opened for reading waits for a writer)."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("blocked reading a file that is not a regular file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def database(sqlite_url: str) -> str:
    """An empty ledger for the commands to import into."""
    return sqlite_url


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "betalningar.txt"
    os.mkfifo(path)
    return path


def refusal(path: Path | str, limit: int = 1000) -> str:
    with pytest.raises(InputFileError) as caught:
        read_regular_file(path, limit=limit)
    return str(caught.value)


def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    assert refusal(fifo) == f"{fifo}: är en namngiven pipe (FIFO), ingen vanlig fil"


def test_dev_zero_and_a_folder_are_refused(tmp_path: Path) -> None:
    assert refusal("/dev/zero") == "/dev/zero: är en enhet (som /dev/zero), ingen vanlig fil"
    assert refusal(tmp_path) == f"{tmp_path}: är en mapp, ingen fil"


def test_a_file_above_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(1_500_001)  # sparse: no disk used
    assert refusal(big, limit=1_000_000) == (
        f"{big}: filen är 1,5 MB, större än gränsen 1 MB för den här sortens fil")
    assert read_regular_file(big, limit=1_500_001) == b"\0" * 1_500_001


def test_a_missing_file_and_a_link_to_a_regular_file(tmp_path: Path) -> None:
    assert refusal(tmp_path / "saknas.txt") == f"{tmp_path / 'saknas.txt'}: filen kan inte läsas: den finns inte"
    target = tmp_path / "real.txt"
    target.write_bytes(b"01BGMAX")
    (tmp_path / "link.txt").symlink_to(target)
    assert read_regular_file(tmp_path / "link.txt", limit=100) == b"01BGMAX"


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "folder"])
def test_import_ledger_refuses_what_is_not_a_regular_file_in_one_line(
    what: str, fifo: Path, tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "folder": str(tmp_path)}[what]
    code, out, err = run(capsys, database, "import-ledger", path)
    assert (code, out) == (2, "")
    assert err.startswith(f"tui-inkasso import-ledger: {path}: är ") and err.count("\n") == 1


def test_import_ledger_refuses_a_file_above_its_documented_limit(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "ledger.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_LEDGER_FILE + 1)
    code, _out, err = run(capsys, database, "import-ledger", str(big))
    assert code == 2
    assert err == (f"tui-inkasso import-ledger: {big}: filen är 200\u00a0000\u00a0001 byte, större än gränsen "
                   "200\u00a0000\u00a0000 byte för den här sortens fil\n")


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "folder", "too large"])
def test_import_payments_refuses_what_is_not_a_regular_file_or_too_large_and_books_nothing(
    what: str, fifo: Path, tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "stor.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_SIZE + 1)
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "folder": str(tmp_path), "too large": str(big)}[what]
    code, _out, err = run(capsys, database, "import-payments", path, "--json")
    assert code == 1
    reason = {"fifo": "är en namngiven pipe (FIFO), ingen vanlig fil",
              "/dev/zero": "är en enhet (som /dev/zero), ingen vanlig fil",
              "folder": "är en mapp, ingen fil",
              "too large": "filen är 100\u00a0000\u00a0001 byte, större än gränsen 100\u00a0000\u00a0000 byte"}[what]
    assert err.startswith(f"tui-inkasso import-payments: {path}: {reason}")
    assert PaymentFile.select().count() == 0
