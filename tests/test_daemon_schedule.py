"""The daemon as a real subprocess: two daemons, a failing run and the next one, reloads, disk full.

See ``tests/daemon_helpers.py`` for how the daemon is started and observed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import daemon_helpers as dh
from tests import fixtures_servers as fx
from tests.common import wait_for
from tests.daemon_helpers import ROOT, Daemons, due_service, mails, make_correction, runs
from tests.servers import SmtpServer
from tests.staff import approve_pending
from tui_inkasso.db.models import (
    BalanceReport,
    CollectionFile,
    OutboxFile,
    ReportedCorrection,
    ScheduledService,
)
from tui_inkasso.services import scheduled, settings
from tui_inkasso.services.scheduled import ServiceSpec

smtp_server = fx.smtp_server
registered_jobs = dh.registered_jobs
daemons = dh.daemons
mail_to = dh.mail_to


def test_two_daemons_on_one_database_never_run_the_same_slot(daemons: Daemons) -> None:
    service_id = due_service("slow")
    first = daemons.start(name="first", TEST_JOB_SECONDS="1")
    second = daemons.start(name="second", TEST_JOB_SECONDS="1")
    wait_for("one run to finish", lambda: "end slow" in daemons.jobs())
    wait_for("the standby message", lambda: "waiting as standby" in daemons.log("first") + daemons.log("second"))
    holder, standby = (first, second) if "waiting as standby" in daemons.log("second") else (second, first)
    holder.send_signal(signal.SIGTERM)
    assert holder.wait(timeout=15) == 0
    standby_name = "second" if standby is second else "first"
    wait_for("the standby to take over", lambda: "taking over the schedule" in daemons.log(standby_name))
    time.sleep(0.5)  # time for a (wrong) second run of the slot to start
    standby.send_signal(signal.SIGTERM)
    assert standby.wait(timeout=15) == 0
    assert len(runs(service_id)) == 1
    assert [e for e in daemons.jobs() if e == "start slow"] == ["start slow"]


def test_a_failing_run_is_recorded_and_mailed_and_the_next_run_still_happens(
    daemons: Daemons, mail_to: SmtpServer, tmp_path: Path
) -> None:
    service = scheduled.create_service(ServiceSpec(
        name="Varje timme", service="failing", frequency="hour", every_hours=1, at_time="00:00",
        notify_emails=("ekonomi@fastighet.se",)))
    approve_pending()  # the recipients: four eyes
    proc = daemons.start(TUI_INKASSO_TEST_CLOCK_SPEED="3600",
                         TEST_JOB_FAIL_ONCE=str(tmp_path / "failed-once"))
    wait_for("two runs", lambda: len([r for r in runs(service.id) if r.finished_at]) >= 2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, daemons.log()
    first, second = runs(service.id)[:2]
    assert (first.trigger, first.result) == ("schedule", "failed")
    assert "RuntimeError: the agency's test service refused the file" in first.error
    assert (second.trigger, second.result) == ("schedule", "ok")
    assert second.slot > first.slot
    failure_mails = [m for m in mails(mail_to) if "misslyckades" in m["Subject"]]
    assert len(failure_mails) == 1
    assert first.slot.replace("T", " ") in failure_mails[0]["Subject"]
    assert "the daemon's clock runs 3600 times too fast (tests only)" in daemons.log()


def test_services_changed_in_the_app_are_picked_up_without_a_restart(daemons: Daemons) -> None:
    proc = daemons.start(TUI_INKASSO_TEST_CLOCK_SPEED="3600")
    wait_for("the daemon to start", lambda: "daemon started" in daemons.log())
    service = scheduled.create_service(ServiceSpec(
        name="Ny i appen", service="testfil", frequency="hour", every_hours=1, at_time="00:00"))
    wait_for("a run of the new service", lambda: runs(service.id))
    scheduled.update_service(service.id, ServiceSpec(
        name="Ny i appen", service="testfil", frequency="hour", every_hours=1, at_time="00:00",
        enabled=False))
    wait_for("the change to be seen", lambda: "removed or disabled" in daemons.log())
    count = len(runs(service.id))
    time.sleep(1.5)  # an hour and a half by the daemon's clock
    assert len(runs(service.id)) == count
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert f"service {service.id} (Ny i appen): scheduled" in daemons.log()


def test_a_broken_stored_schedule_is_logged_once_and_the_others_still_run(
    daemons: Daemons,
) -> None:
    """A row edited behind the app's back: the daemon says so once (not on every reload), the
    catch-up at start skips it, and the other services keep their schedule."""
    spec = ServiceSpec(name="Bra", service="testfil", frequency="hour", every_hours=1, at_time="00:00")
    good = scheduled.create_service(spec)
    broken = scheduled.create_service(ServiceSpec(**{**spec.__dict__, "name": "Trasig"}))
    ScheduledService.update(at_time="25:61").where(ScheduledService.id == broken.id).execute()
    proc = daemons.start(TUI_INKASSO_TEST_CLOCK_SPEED="3600")
    wait_for("a run of the good service", lambda: runs(good.id))
    time.sleep(1.5)  # seven reloads at the test tick
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    log = daemons.log()
    assert log.count(f"service {broken.id} (Trasig) has an invalid schedule") == 1, log
    assert runs(broken.id) == []


def _unshare_prefix() -> list[str] | None:
    """A command prefix that runs in a private mount namespace where we may mount a tmpfs."""
    if shutil.which("unshare") is None:
        return None
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt 2>/dev/null || "
                            "mount -t tmpfs -o size=16k tmpfs /tmp"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_disk_full_while_writing_the_file_fails_clearly_and_records_nothing(
    daemons: Daemons, tmp_path: Path
) -> None:
    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (unshare/mount refused)")
    out = tmp_path / "full"
    out.mkdir()
    settings.set_setting("collection.output_dir", str(out))
    make_correction()
    service_id = due_service("saldofil")
    script = (
        f"mount -t tmpfs -o size=16k tmpfs {out} && (head -c 1048576 /dev/zero > {out}/filler; true) && "
        f"exec {sys.executable} -m tests.daemon_main --db {daemons.db_url} daemon --once"
    )
    result = subprocess.run([*prefix, "sh", "-c", script], cwd=ROOT, env=daemons.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr  # --once says: a run failed
    [run] = runs(service_id)
    assert run.result == "failed"
    assert str(out) in run.error and "No space left on device" in run.error
    assert run.error.startswith("Körningen misslyckades: ")
    assert CollectionFile.select().count() == 0 and OutboxFile.select().count() == 0
    assert BalanceReport.select().count() == 0 and ReportedCorrection.select().count() == 0
    assert "No space left on device" in result.stderr
    assert list(out.iterdir()) == []  # the tmpfs is gone with its namespace; nothing leaked here
