"""Ctrl-C in the command line: one Swedish line on stderr and exit code 130, never a traceback.

The command runs as a real process (``tui_inkasso.console.run``, the console script's entry) and
gets a real SIGINT at a moment it surely is in: a small driver makes it wait there (an import of
the command line's modules; the payment import's crash point before its commit, which
``TUI_INKASSO_CRASH_AT`` names and where the driver waits instead of ending the process; the
printing of a finished command's result) and says so through a marker file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SHARED_DOCS
from tests.ledger_data import TODAY
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.db.connection import close_database, open_database
from tui_inkasso.db.models import Invoice, Payment, PaymentFile
from tui_inkasso.services import publishing
from tui_inkasso.services.ledger_import import import_ledger

ROOT = Path(__file__).resolve().parent.parent

DRIVER = r'''
import os, sys, time
from pathlib import Path

marker, phase, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]


def wait_here(*_args, **_kwargs):
    marker.write_text(phase)
    time.sleep(120)


if phase == "import":
    import importlib.abc

    class Slow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "tui_inkasso.cli.common":
                wait_here()
            return None

    sys.meta_path.insert(0, Slow())
elif phase == "run":
    os._exit = wait_here  # the crash point TUI_INKASSO_CRASH_AT names waits instead of ending the process
elif phase == "print":
    import tui_inkasso.cli as cli

    real_say = cli.say

    def say(text, *, err=False):
        if not err:
            wait_here()
        real_say(text, err=err)

    cli.say = say
sys.argv = ["tui-inkasso", *argv]
from tui_inkasso.console import run

sys.exit(run())
'''


def _interrupt(tmp_path: Path, phase: str, argv: list[str], crash_at: str | None = None) -> tuple[int, str]:
    """Run the command, send SIGINT once it waits in ``phase``; its exit code and stderr."""
    marker = tmp_path / "waiting"
    env = {k: v for k, v in os.environ.items() if k != publishing.CRASH_ENV}
    env["TUI_INKASSO_TODAY"] = TODAY
    if crash_at:
        env[publishing.CRASH_ENV] = crash_at
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(marker), phase, *argv], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the command never reached the moment"
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, err


def test_ctrl_c_while_the_command_line_imports_its_modules(tmp_path: Path) -> None:
    code, err = _interrupt(tmp_path, "import", ["--db", f"sqlite:///{tmp_path / 'x.db'}", "settings", "show"])
    assert "Traceback" not in err
    assert code == 130, err
    assert "avbrutet (Ctrl-C) medan programmet startade" in err and err.count("\n") == 1


def test_ctrl_c_while_a_payment_import_runs_saves_nothing(any_db: str, tmp_path: Path) -> None:
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    ocrs = [i.ocr for i in Invoice.select() if i.owner.code == "BAB"]
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(100 + n, ocrs[n % len(ocrs)]) for n in range(20)])
    close_database()
    try:
        code, err = _interrupt(tmp_path, "run", ["--db", any_db, "import-payments", str(path)],
                               "payments-before-commit")
    finally:
        open_database(any_db)
    assert "Traceback" not in err
    assert code == 130, err
    assert "tui-inkasso import-payments: avbrutet (Ctrl-C)" in err and "kan köras igen" in err
    assert PaymentFile.select().count() == 0, "rolled back"
    assert Payment.select().where(Payment.payment_file.is_null(False)).count() == 0


def test_ctrl_c_while_a_finished_command_prints(any_db: str, tmp_path: Path) -> None:
    close_database()
    try:
        code, err = _interrupt(tmp_path, "print", ["--db", any_db, "settings", "show"])
    finally:
        open_database(any_db)
    assert "Traceback" not in err
    assert code == 130, err
    assert "avbrutet (Ctrl-C) medan resultatet skrevs ut" in err


def test_the_console_script_is_the_entry_that_covers_the_imports() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert 'tui-inkasso = "tui_inkasso.console:run"' in text
