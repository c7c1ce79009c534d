"""Helpers for the daemon tests (``test_daemon.py``, ``test_daemon_schedule.py``).

A test module binds the fixtures by name (``daemons = dh.daemons``), as with fixtures_servers.
Each test starts ``python -m tests.daemon_main ... daemon`` (the real CLI and loop, with the test
jobs of ``tests/service_jobs.py`` in the registry) on a SQLite file, and checks what it recorded
in the database, what it logged on stderr, what it mailed (aiosmtpd) and what reached the FTP
server (pyftpdlib). ``TUI_INKASSO_DAEMON_TICK`` makes the loop check every 0.1 s;
``TUI_INKASSO_TEST_CLOCK_SPEED`` makes an hour pass in a second where a test needs several slots.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import service_jobs
from tests.balance_helpers import invoice_for, make_case, pay
from tests.servers import SmtpServer
from tests.staff import approve_pending, in_force
from tui_inkasso.db.models import ScheduledService, ServiceRun
from tui_inkasso.services import scheduled, scheduled_jobs, settings
from tui_inkasso.services.clock import now
from tui_inkasso.services.scheduled import ServiceSpec

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def registered_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduled_jobs, "JOBS", dict(scheduled_jobs.JOBS))
    monkeypatch.setattr(scheduled_jobs, "SERVICE_LABELS", dict(scheduled_jobs.SERVICE_LABELS))
    service_jobs.register()


class Daemons:
    """Starts daemon subprocesses and makes sure none outlives its test."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.tmp_path = tmp_path
        self.db_url = db_url
        self.job_log = tmp_path / "jobs.log"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = dict(os.environ)
        self.env.update({
            "TUI_INKASSO_DAEMON_TICK": "0.1",
            service_jobs.LOG_ENV: str(self.job_log),
            "PYTHONUNBUFFERED": "1",
        })

    def start(self, *args: str, name: str = "daemon", **env: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.daemon_main", "--db", self.db_url, "daemon", *args],
            cwd=ROOT, env={**self.env, **env}, stdout=subprocess.DEVNULL, stderr=log,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def once(self, name: str = "once", **env: str) -> tuple[int, str]:
        proc = self.start("--once", name=name, **env)
        code = proc.wait(timeout=30)
        return code, self.log(name)

    def log(self, name: str = "daemon") -> str:
        return (self.tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def jobs(self) -> list[str]:
        return service_jobs.job_log(self.job_log)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def daemons(tmp_path: Path, sqlite_url: str) -> Iterator[Daemons]:
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    runner = Daemons(tmp_path, sqlite_url)
    yield runner
    runner.stop_all()


@pytest.fixture
def mail_to(smtp_server: SmtpServer, sqlite_url: str) -> SmtpServer:
    in_force({"mail.host": "127.0.0.1", "mail.port": str(smtp_server.port),
              "mail.starttls": "nej", "mail.sender": "inkasso@fastighet.se"})
    smtp_server.messages.clear()
    return smtp_server


def due_service(kind: str, **kw: object) -> int:
    """A service whose slot two hours ago was missed (it existed then, no run is recorded)."""
    at = (now() - dt.timedelta(hours=2)).strftime("%H:%M")
    values: dict[str, object] = {"name": f"Test {kind}", "service": kind, "at_time": at}
    values.update(kw)
    service = scheduled.create_service(ServiceSpec(**values))  # type: ignore[arg-type]
    approve_pending()  # e-mail recipients wait for a second administrator
    ScheduledService.update(created_at=now() - dt.timedelta(days=3)).where(
        ScheduledService.id == service.id).execute()
    return service.id


def make_correction() -> int:
    """A payment booked on an invoice already in a collection case: one balance correction."""
    rent = invoice_for(amount=845000)
    make_case(rent, agency_reference="INT-1")
    return pay(rent, 200000, dt.date(2026, 11, 10))


def runs(service_id: int) -> list[ServiceRun]:
    return list(ServiceRun.select().where(ServiceRun.service == service_id).order_by(ServiceRun.id))


def mails(server: SmtpServer) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.original_content, _class=email.message.EmailMessage,
                                     policy=email.policy.default) for m in server.messages]


