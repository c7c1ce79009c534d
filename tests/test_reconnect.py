"""A PostgreSQL connection the server ended (a restart, pg_terminate_backend, a network cut) is
replaced at the start of the next unit of work (a service call, a transaction, a daemon job),
never inside a transaction: found by an attack where, after one ``pg_terminate_backend``, every
later action of the process failed with "connection already closed" until it was restarted.

Real server, no mocks: every backend of this process is terminated from a second connection."""

from __future__ import annotations

import threading
from pathlib import Path

import peewee as pw
import psycopg2
import pytest

from tests import service_jobs
from tests.conftest import PG_URL
from tui_inkasso.daemon import Daemon
from tui_inkasso.db.connection import connection_lost, db, renew_if_lost, renewal_count
from tui_inkasso.db.models import ServiceRun, Setting
from tui_inkasso.services import scheduled, scheduled_jobs, settings
from tui_inkasso.services.scheduled import ServiceSpec
from tui_inkasso.services.threads import thread_connection
from tui_inkasso.services.transaction import write_transaction


def _backend() -> int:
    return int(db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])


def _idle_connection_in_the_pool() -> None:
    """A worker call, as a screen makes one: afterwards its connection waits idle in the pool."""
    def work() -> None:
        with thread_connection():
            _backend()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert db.obj._connections, "an idle connection is pooled"


def _kill_every_backend_of_this_process() -> None:
    """Terminate, from a second connection, every backend this process holds: the main thread's
    and the pool's idle ones (as a server restart would), waiting until each is gone."""
    pool = db.obj
    conns = [c for _, _, c in pool._connections] + [p.connection for p in pool._in_use.values()]
    pids = [c.get_backend_pid() for c in conns if not c.closed]
    assert pids
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for pid in pids:
                cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
                assert cursor.fetchone()[0] is True
    finally:
        admin.close()


def _held_elsewhere(key: int) -> bool:
    """Whether another session holds the advisory lock ``key`` (tried from a second connection)."""
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            return not cursor.fetchone()[0]
    finally:
        admin.close()


@pytest.fixture
def test_jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(scheduled_jobs, "JOBS", dict(scheduled_jobs.JOBS))
    monkeypatch.setattr(scheduled_jobs, "SERVICE_LABELS", dict(scheduled_jobs.SERVICE_LABELS))
    service_jobs.register()


@pytest.mark.pg
def test_after_every_backend_is_killed_the_next_read_and_write_work(postgres_url: str, tmp_path: Path) -> None:
    settings.set_setting("collection.output_dir", str(tmp_path / "a"))
    before, renewals = _backend(), renewal_count()
    _idle_connection_in_the_pool()
    _kill_every_backend_of_this_process()

    # the read finds the value written before the kill: the new connection has the ledger's
    # schema (search_path from the URL's options), as the old one had
    assert settings.get_setting("collection.output_dir") == str(tmp_path / "a")
    assert renewal_count() == renewals + 1 and _backend() != before
    assert settings.set_setting("collection.output_dir", str(tmp_path / "b")) == str(tmp_path / "b")
    assert settings.get_setting("collection.output_dir") == str(tmp_path / "b")
    assert renewal_count() == renewals + 1, "a live connection is kept"
    _idle_connection_in_the_pool()  # the pool's dead idle one is not handed to a worker


@pytest.mark.pg
def test_a_daemon_job_after_the_kill_runs_is_recorded_and_the_lock_is_taken_again(
    postgres_url: str, tmp_path: Path, test_jobs: None
) -> None:
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    service = scheduled.create_service(ServiceSpec(name="Saldofil varje natt", service="testfil"))
    daemon = Daemon(postgres_url)
    assert daemon.lock.acquire()
    try:
        daemon._run(service.id, "schedule", "2026-01-15T06:00")
        _kill_every_backend_of_this_process()
        daemon._run(service.id, "schedule", "2026-01-16T06:00")
        assert daemon.failed_runs == 0
        recorded = ServiceRun.select().where(ServiceRun.service == service.id).order_by(ServiceRun.id)
        assert [(r.slot, r.result) for r in recorded] == [
            ("2026-01-15T06:00", "ok"), ("2026-01-16T06:00", "ok")]
        assert daemon.lock.held and _held_elsewhere(daemon.lock._pg_key or 0), \
            "the schedule lock is held again, on the new connection"
    finally:
        daemon.lock.release()


@pytest.mark.pg
def test_the_daemon_takes_its_lock_again_after_a_service_call_replaced_the_connection(
    postgres_url: str,
) -> None:
    daemon = Daemon(postgres_url)
    assert daemon.lock.acquire()
    try:
        _kill_every_backend_of_this_process()
        settings.get_setting("collection.output_dir")  # replaces the connection, without the lock
        assert not _held_elsewhere(daemon.lock._pg_key or 0)
        daemon._keep_connection()
        assert daemon.lock.held and _held_elsewhere(daemon.lock._pg_key or 0)
    finally:
        daemon.lock.release()


def _setting(key: str) -> Setting:
    return Setting(key=key, value="1", changed_at="2026-12-06 10:00:00", changed_by="x")


@pytest.mark.pg
def test_a_write_whose_connection_is_killed_mid_way_fails_records_nothing_then_the_next_works(
    postgres_url: str,
) -> None:
    with pytest.raises((pw.OperationalError, pw.InterfaceError)), write_transaction():
        _setting("test.before").save(force_insert=True)
        _kill_every_backend_of_this_process()
        assert renew_if_lost() is False and not connection_lost(), "never inside a transaction"
        _setting("test.after").save(force_insert=True)
    with write_transaction():
        _setting("test.next").save(force_insert=True)
    assert [s.key for s in Setting.select().where(Setting.key.startswith("test."))] == ["test.next"]


def test_sqlite_connections_are_left_as_they_are(sqlite_url: str) -> None:
    renewals = renewal_count()
    assert not connection_lost() and renew_if_lost() is False
    with write_transaction():
        _setting("test.sqlite").save(force_insert=True)
    assert settings.get_setting("collection.output_dir") is not None
    assert renewal_count() == renewals and Setting.get_by_id("test.sqlite").value == "1"


@pytest.mark.pg
def test_postgresql_connections_have_tcp_keepalives_and_a_url_may_set_its_own(postgres_url: str) -> None:
    """A network cut the server's end never hears of is noticed in minutes, not at the system's
    two-hour TCP timeout: libpq's keepalives are on every connection; the URL's own value wins."""
    from tui_inkasso.db.connection import make_database

    for url, idle in ((PG_URL, "60"), (PG_URL + ("&" if "?" in PG_URL else "?") + "keepalives_idle=15", "15")):
        database = make_database(url)
        database.connect()
        try:
            params = database.connection().get_dsn_parameters()
            assert (params["keepalives"], params["keepalives_idle"], params["keepalives_count"]) == ("1", idle, "6")
        finally:
            database.close()
