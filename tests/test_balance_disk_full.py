"""A full disk while the balance file is written: a clear message naming the file, nothing recorded,
no file left behind. A real full file system (a 64 KiB tmpfs, when this user may mount one), and
the file-size limit of a subprocess (RLIMIT_FSIZE, which works everywhere)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.balance_helpers import invoice_for, make_case, pay_many
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import BalanceReport, CollectionFile, ReportedCorrection
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services import balance_files as bf

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 64 * 1024


@pytest.fixture
def many(sqlite_url: str) -> int:
    """300 corrections: a file of about 200 KB, more than the 64 KiB the tests allow."""
    invoice = invoice_for(amount=100_000_000)
    make_case(invoice)
    return len(pay_many(invoice, [100 + n for n in range(300)]))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, or a skip saying why none can be mounted here."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={LIMIT}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'mount failed'}); "
                    "the RLIMIT_FSIZE test covers a full disk")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _nothing_recorded() -> None:
    assert CollectionFile.select().count() == 0
    assert BalanceReport.select().count() == 0
    assert ReportedCorrection.select().count() == 0


def test_a_full_file_system(many: int, tiny_disk: Path) -> None:
    with pytest.raises(bf.BalanceFileError) as refused:
        brun.create_balance_file(tiny_disk)
    message = str(refused.value)
    assert message.startswith(f"{tiny_disk}/saldo-BAB-") and ".xml: kunde inte skriva filen" in message
    assert "disken är full (No space left on device)" in message and "ingenting sparades" in message
    _nothing_recorded()
    assert list(tiny_disk.iterdir()) == [], "the temporary file is gone"
    assert bc.unreported_totals().count == many, "the corrections wait for the next file"


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_file_size_limit_in_a_subprocess(many: int, sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    done = subprocess.run(
        [sys.executable, "-m", "tui_inkasso.cli", "--db", sqlite_url, "balance-file",
         "--out", str(folder)],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120,
        preexec_fn=_limit_file_size,
    )
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"tui-inkasso balance-file: {folder}/saldo-BAB-")
    assert "disken är full (File too large)" in line and "ingenting sparades" in line
    _nothing_recorded()
    assert list(folder.iterdir()) == []
