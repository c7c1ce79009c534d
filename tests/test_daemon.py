"""The daemon as a real subprocess: no Textual, catch-up with --once, signals mid-run, a killed run.

See ``tests/daemon_helpers.py`` for how the daemon is started and observed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import daemon_helpers as dh
from tests import fixtures_servers as fx
from tests.common import wait_for
from tests.daemon_helpers import ROOT, Daemons, due_service, mails, make_correction, runs
from tests.servers import FtpServer, SmtpServer, listing
from tests.staff import in_force
from tui_inkasso.db.models import BalanceReport, CollectionFile, OutboxFile
from tui_inkasso.services import settings

ftp_server = fx.ftp_server
smtp_server = fx.smtp_server
registered_jobs = dh.registered_jobs
daemons = dh.daemons
mail_to = dh.mail_to


def test_the_daemon_never_imports_textual() -> None:
    code = "import sys, tui_inkasso.daemon, tui_inkasso.cli.daemon_cmd; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_once_catches_up_a_missed_run_exactly_once_and_delivers(
    daemons: Daemons, ftp_server: FtpServer
) -> None:
    """The real "Skapa saldofil" job: the balance file is made once and reaches the FTP server."""
    folder = fx.fresh_dir(ftp_server.root)
    in_force({"collection.upload_url": ftp_server.url(folder)})
    daemons.env["TUI_INKASSO_UPLOAD_PASSWORD"] = ftp_server.password
    make_correction()
    service_id = due_service("saldofil")
    code, log = daemons.once()
    assert code == 0, log
    [run] = runs(service_id)
    assert (run.trigger, run.result) == ("catch-up", "ok") and run.finished_at is not None
    assert "missed its run" in log and "catch-up" in log
    assert listing(ftp_server.root / folder) == [Path(run.file).name]
    assert OutboxFile.get().status == "sent"
    code, log = daemons.once(name="again")
    assert code == 0, log
    assert len(runs(service_id)) == 1 and BalanceReport.select().count() == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_finishes_the_run_and_exits_0(
    daemons: Daemons, signum: int, tmp_path: Path
) -> None:
    settings.set_setting("daemon.log_file", str(tmp_path / "logs" / "daemon.log"))
    service_id = due_service("slow")
    proc = daemons.start(TEST_JOB_SECONDS="1")
    wait_for("the slow job to start", lambda: "start slow" in daemons.jobs())
    proc.send_signal(signum)
    assert proc.wait(timeout=15) == 0, daemons.log()
    assert daemons.jobs() == ["start slow", "start testfil", "end testfil", "end slow"]
    [run] = runs(service_id)
    assert run.result == "ok" and run.finished_at is not None and Path(run.file).exists()
    log = daemons.log()
    assert f"received {signal.Signals(signum).name}: stopping after the run in progress" in log
    assert "stopped cleanly" in log
    assert (tmp_path / "logs" / "daemon.log").read_text(encoding="utf-8") == log, "stderr and the log file"


def test_a_killed_daemon_leaves_an_interrupted_run_that_is_not_rerun(
    daemons: Daemons, mail_to: SmtpServer
) -> None:
    service_id = due_service("slow", notify_emails=("drift@fastighet.se",))
    proc = daemons.start(TEST_JOB_SECONDS="3")
    wait_for("the slow job to start", lambda: "start slow" in daemons.jobs())
    proc.kill()
    proc.wait(timeout=5)
    [run] = runs(service_id)
    assert run.result == "running" and run.finished_at is None
    code, log = daemons.once()
    assert code == 0, log
    [run] = runs(service_id)
    assert run.result == "interrupted" and run.finished_at is not None
    assert f":{proc.pid} avslutades mitt i körningen" in run.error
    assert "was interrupted" in log
    assert daemons.jobs() == ["start slow"]  # the slot was not run a second time
    assert CollectionFile.select().count() == 0
    [mail] = mails(mail_to)
    assert "avbröts" in mail["Subject"] and "Resultat: Avbruten" in mail.get_content()
