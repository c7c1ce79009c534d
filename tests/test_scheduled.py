"""Scheduled services: definitions, the run recorder and its guard, due slots, interrupted runs, mail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests import service_jobs
from tests.balance_helpers import invoice_for, make_case, pay
from tests.servers import SmtpServer
from tests.staff import approve_pending, in_force
from tui_inkasso.db.models import AuditEntry, CollectionFile, ScheduledService, ServiceRun
from tui_inkasso.services import (
    scheduled,
    scheduled_jobs,
    scheduled_runs,
    scheduled_slots,
    settings,
)
from tui_inkasso.services.clock import now
from tui_inkasso.services.errors import NotFound
from tui_inkasso.services.scheduled import ScheduleError, ServiceSpec

smtp_server = fx.smtp_server
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(scheduled_jobs, "JOBS", dict(scheduled_jobs.JOBS))
    monkeypatch.setattr(scheduled_jobs, "SERVICE_LABELS", dict(scheduled_jobs.SERVICE_LABELS))
    service_jobs.register()
    log = tmp_path / "jobs.log"
    monkeypatch.setenv(service_jobs.LOG_ENV, str(log))
    return log


@pytest.fixture
def db_ready(sqlite_url: str, tmp_path: Path) -> str:
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    return sqlite_url


@pytest.fixture
def any_ready(any_db: str, tmp_path: Path) -> str:
    """SQLite and again PostgreSQL."""
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    return any_db


@pytest.fixture
def mail_to(smtp_server: SmtpServer, db_ready: str) -> SmtpServer:
    in_force({"mail.host": "127.0.0.1", "mail.port": str(smtp_server.port),
              "mail.starttls": "nej", "mail.sender": "inkasso@fastighet.se"})
    smtp_server.messages.clear()
    return smtp_server


def _mails(server: SmtpServer) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.original_content, _class=email.message.EmailMessage,
                                     policy=email.policy.default) for m in server.messages]


def _spec(**kw: object) -> ServiceSpec:
    values: dict[str, object] = {"name": "Saldofil varje natt", "service": "testfil"}
    values.update(kw)
    return ServiceSpec(**values)  # type: ignore[arg-type]


def test_create_list_update_delete(db_ready: str) -> None:
    service = scheduled.create_service(_spec(
        service="saldofil", frequency="week", weekdays=("mon", "torsdag"), at_time="6:30",
        notify_emails=("ekonomi@fastighet.se",), description="Till Intrum",
    ))
    assert (service.service_label, service.schedule_text) == (
        "Skapa saldofil", "Varje måndag och torsdag kl. 06:30")
    assert service.weekdays == ("mon", "thu") and service.next_run is not None
    assert service.last_run is None
    changed = scheduled.update_service(service.id, dataclasses.replace(
        service.spec(), frequency="month", month_day="last", enabled=False))
    assert changed.schedule_text == "Sista dagen i månaden kl. 06:30"
    assert changed.month_day == "last" and changed.next_run is None  # disabled: kept, not run
    assert [s.name for s in scheduled.list_services()] == ["Saldofil varje natt"]
    scheduled.delete_service(service.id)
    assert scheduled.list_services() == []
    with pytest.raises(NotFound):
        scheduled.get_service(service.id)
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.object_type == "scheduled_service")]
    assert actions == ["service.created", "service.changed", "service.deleted"]


def test_validation_names_every_wrong_field(db_ready: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        scheduled.create_service(ServiceSpec(
            name=" ", service="kaffe", notify_emails=("anna.example.se",), frequency="hour",
            every_hours=5,
        ))
    text = str(caught.value)
    assert "namn: ett namn krävs" in text
    assert "tjänst: 'kaffe' finns inte" in text and "saldofil (Skapa saldofil)" in text
    assert "e-post: 'anna.example.se' är ingen e-postadress (inget namn före @)" in text
    assert "antal timmar: 5 går inte" in text
    with pytest.raises(ScheduleError, match="tid: '25:00'"):
        scheduled.create_service(_spec(at_time="25:00"))
    with pytest.raises(ScheduleError, match="minst en veckodag"):
        scheduled.create_service(_spec(frequency="week"))
    assert ScheduledService.select().count() == 0


def test_a_run_is_recorded_with_its_file_and_the_file_with_its_record(
    db_ready: str, _jobs: Path
) -> None:
    service = scheduled.create_service(_spec())
    run = scheduled_runs.run_service(service.id, "schedule", "2026-01-15T06:00")
    assert run is not None and run.result == "ok" and run.finished_at is not None
    assert Path(run.file).exists() and run.summary == "1 testrad"
    assert CollectionFile.get().path == run.file
    assert scheduled.get_service(service.id).last_run == dataclasses.replace(run, summary="")
    assert service_jobs.job_log(_jobs) == ["start testfil", "end testfil"]


def test_the_same_slot_never_runs_twice(any_ready: str, _jobs: Path) -> None:
    service = scheduled.create_service(_spec())
    assert scheduled_runs.run_service(service.id, "schedule", "2026-01-15T06:00") is not None
    assert scheduled_runs.run_service(service.id, "catch-up", "2026-01-15T06:00") is None
    assert ServiceRun.select().count() == 1
    assert service_jobs.job_log(_jobs) == ["start testfil", "end testfil"]


def test_two_processes_racing_for_one_slot_run_it_once(db_ready: str, _jobs: Path) -> None:
    """The unique (service, slot) row as the final guard, without any daemon lock."""
    service = scheduled.create_service(_spec(service="slow"))
    code = (
        "import sys; from tests import service_jobs; service_jobs.register();"
        "from tui_inkasso.db.connection import open_database; open_database(sys.argv[1]);"
        "from tui_inkasso.services import scheduled_runs;"
        f"r = scheduled_runs.run_service({service.id}, 'schedule', '2026-01-15T06:00');"
        "print('ran' if r else 'skipped')"
    )
    env = {"PATH": "/usr/bin:/bin", service_jobs.LOG_ENV: str(_jobs), service_jobs.SLOW_SECONDS_ENV: "0.5",
           "HOME": str(Path.home())}
    procs = [subprocess.Popen([sys.executable, "-c", code, db_ready], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = sorted(p.communicate(timeout=30)[0].strip() for p in procs)
    assert outputs == ["ran", "skipped", "skipped"]
    assert ServiceRun.select().count() == 1
    assert [e for e in service_jobs.job_log(_jobs) if e.startswith("start")] == ["start slow", "start testfil"]


def test_a_failing_job_is_recorded_and_mailed(mail_to: SmtpServer, db_ready: str, _jobs: Path) -> None:
    service = scheduled.create_service(_spec(
        name="Nattlig saldofil", service="failing", notify_emails=("ekonomi@fastighet.se",)))
    approve_pending()  # the recipients: four eyes
    run = scheduled_runs.run_service(service.id, "schedule", "2026-01-15T06:00")
    assert run is not None and run.result == "failed" and run.finished_at is not None
    assert "Körningen misslyckades: RuntimeError: the agency's test service refused" in run.error
    [mail] = _mails(mail_to)
    assert mail["To"] == "ekonomi@fastighet.se"
    assert mail["Subject"] == "tui-inkasso: Misslyckas en gång \u201dNattlig saldofil\u201d misslyckades (2026-01-15 06:00)"
    body = mail.get_content()
    assert "Resultat: Misslyckades" in body and "Körning: schemalagd, planerad 2026-01-15 06:00" in body
    assert "Fil: ingen fil" in body and "Fel: Körningen misslyckades: RuntimeError" in body
    assert f"Dator: {socket.gethostname()}:" in body


def test_success_is_mailed_only_when_asked(mail_to: SmtpServer, db_ready: str) -> None:
    quiet = scheduled.create_service(_spec(notify_emails=("a@fastighet.se",)))
    loud = scheduled.create_service(_spec(name="Med kvitto", notify_emails=("b@fastighet.se",),
                                          notify_success=True))
    approve_pending()
    scheduled_runs.run_now(quiet.id)
    run = scheduled_runs.run_now(loud.id)
    [mail] = _mails(mail_to)
    assert mail["To"] == "b@fastighet.se" and "klar" in mail["Subject"]
    body = mail.get_content()
    assert f"Fil: {run.file}" in body and "Körning: manuell (Kör nu)" in body
    assert "Sammanfattning: 1 testrad" in body


def test_mail_that_cannot_be_sent_is_noted_on_the_run(db_ready: str) -> None:
    service = scheduled.create_service(_spec(service="failing", notify_emails=("a@fastighet.se",)))
    approve_pending()
    run = scheduled_runs.run_now(service.id)  # no mail.host set
    assert run.result == "failed"
    assert "E-post till a@fastighet.se kunde inte skickas: ingen e-postserver är inställd" in run.error


def test_due_slots_and_catch_up(any_ready: str) -> None:
    at = dt.datetime.combine(now().date() + dt.timedelta(days=1), dt.time(12, 1))
    fresh = scheduled.create_service(_spec(name="Ny"))
    missed = scheduled.create_service(_spec(name="Missad"))
    on_time = scheduled.create_service(_spec(name="I tid", frequency="hour", every_hours=1,
                                             at_time="00:00"))
    off = scheduled.create_service(_spec(name="Av", enabled=False))
    ScheduledService.update(created_at=at - dt.timedelta(days=3)).where(
        ScheduledService.id.in_([missed.id, on_time.id, off.id])).execute()
    # created after its last slot (06:00): nothing was missed
    ScheduledService.update(created_at=at - dt.timedelta(hours=1)).where(
        ScheduledService.id == fresh.id).execute()
    day = at.strftime("%Y-%m-%d")
    assert sorted(scheduled_slots.due_slots(at)) == sorted([
        (missed.id, f"{day}T06:00", "catch-up"),   # 6 hours late: marked as a catch-up
        (on_time.id, f"{day}T12:00", "schedule"),  # 1 minute late: on time
    ])
    for service_id, slot, trigger in scheduled_slots.due_slots(at):
        scheduled_runs.run_service(service_id, trigger, slot)
    assert scheduled_slots.due_slots(at) == []  # each slot once
    runs = {r.service_id: r.trigger for r in ServiceRun.select()}
    assert runs == {missed.id: "catch-up", on_time.id: "schedule"}


def test_enabled_schedules_give_the_daemon_rules_not_rows(db_ready: str) -> None:
    """What the daemon schedules: enabled services only, a broken one with its reason, and a
    signature that changes when the service does."""
    daily = scheduled.create_service(_spec(name="Daglig", at_time="06:30"))
    scheduled.create_service(_spec(name="Av", enabled=False))
    broken = scheduled.create_service(_spec(name="Trasig"))
    ScheduledService.update(at_time="25:99").where(ScheduledService.id == broken.id).execute()
    entries = {e.name: e for e in scheduled_slots.enabled_schedules()}
    assert sorted(entries) == ["Daglig", "Trasig"]
    assert entries["Daglig"].rule is not None and entries["Daglig"].error == ""
    assert entries["Daglig"].rule.at_time == dt.time(6, 30)
    assert entries["Trasig"].rule is None and "25:99" in entries["Trasig"].error
    before = entries["Daglig"].signature
    scheduled.update_service(daily.id, dataclasses.replace(daily.spec(), at_time="07:00"))
    after = {e.name: e for e in scheduled_slots.enabled_schedules()}["Daglig"].signature
    assert after != before


def test_an_interrupted_run_is_recorded_mailed_and_not_rerun(mail_to: SmtpServer, db_ready: str) -> None:
    service = scheduled.create_service(_spec(notify_emails=("drift@fastighet.se",)))
    approve_pending()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = f"{socket.gethostname()}:{__import__('os').getpid()}"
    for slot, worker in (("2026-01-15T06:00", f"{socket.gethostname()}:{dead.pid}"),
                         ("2026-01-16T06:00", alive)):
        ServiceRun.create(service=service.id, slot=slot, trigger="schedule", started_at=now(),
                          result="running", worker=worker)
    [recovered] = scheduled_slots.recover_interrupted()
    assert recovered.slot == "2026-01-15T06:00" and recovered.result == "interrupted"
    assert f"processen {socket.gethostname()}:{dead.pid} avslutades mitt i körningen" in recovered.error
    assert scheduled_slots.recover_interrupted() == []  # the live one (this process) is left alone
    assert scheduled_runs.run_service(service.id, "catch-up", "2026-01-15T06:00") is None
    [mail] = _mails(mail_to)
    assert "avbröts" in mail["Subject"] and "Resultat: Avbruten" in mail.get_content()


def test_the_real_balance_file_job(db_ready: str, mail_to: SmtpServer) -> None:
    """ "saldofil" runs services.balance_file_run.create_balance_file with no selection."""
    service = scheduled.create_service(_spec(service="saldofil", notify_emails=("a@fastighet.se",),
                                             notify_success=True))
    approve_pending()
    empty = scheduled_runs.run_now(service.id)
    assert empty.result == "ok" and empty.file == ""
    assert empty.summary == "Inga saldokorrigeringar att rapportera"
    rent = invoice_for(amount=845000)
    make_case(rent, agency_reference="INT-1")
    pay(rent, 200000, dt.date(2026, 11, 10))
    run = scheduled_runs.run_now(service.id)
    assert run.result == "ok", run.error
    assert Path(run.file).exists() and "1 saldokorrigering," in run.summary
    assert [p.name for p in Path(run.file).parent.iterdir()] == [Path(run.file).name]
    body = _mails(mail_to)[-1].get_content()
    assert f"Fil: {run.file}" in body and "Sammanfattning: Saldofil skapad:" in body


def test_one_daemon_lock_per_database_on_postgresql(postgres_url: str) -> None:
    import psycopg2

    from tui_inkasso.daemon import DaemonLock

    lock = DaemonLock(postgres_url)
    assert lock.acquire() and lock.held
    other = psycopg2.connect(postgres_url)
    try:
        cursor = other.cursor()
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (lock._pg_key,))
        assert cursor.fetchone()[0] is False, "a second daemon must not get the lock"
        lock.release()
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (lock._pg_key,))
        assert cursor.fetchone()[0] is True, "released: the standby takes over"
        assert DaemonLock(postgres_url).acquire() is False
    finally:
        other.close()
    assert "another connection" in lock.holder()
