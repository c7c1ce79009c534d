"""PostgreSQL's connection pool: a worker call takes an idle connection instead of opening one,
gets it back clean, and a connection that must really go (a lost one, one holding a lock) goes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import peewee as pw
import pytest
from playhouse.pool import PooledPostgresqlDatabase

from tui_inkasso.daemon import Daemon
from tui_inkasso.db.connection import close_database, db, discard_connection, make_database
from tui_inkasso.db.models import Setting
from tui_inkasso.services.threads import thread_connection

pytestmark = pytest.mark.pg


def _in_worker(work: Callable[[], Any]) -> Any:
    """``work`` inside ``thread_connection()`` in a new thread, as a screen's worker runs it."""
    result: list[Any] = []

    def run() -> None:
        with thread_connection():
            result.append(work())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def _backend() -> int:
    return db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def test_postgresql_gets_a_pool_and_sqlite_does_not(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(db.obj, PooledPostgresqlDatabase)
    assert type(make_database(f"sqlite:///{tmp_path / 'a.db'}")) is pw.SqliteDatabase


def test_worker_calls_reuse_one_connection(postgres_url: str) -> None:
    first = _in_worker(_backend)
    assert [_in_worker(_backend) for _ in range(5)] == [first] * 5
    assert first != _backend(), "the main thread keeps its own connection"


def test_a_connection_comes_back_without_the_failed_transaction(postgres_url: str) -> None:
    def fail_half_way() -> int:
        with pytest.raises(pw.IntegrityError), db.atomic():
            Setting.create(key="a", value="1", changed_at="2026-11-28 10:00:00", changed_by="x")
            Setting.create(key="a", value="2", changed_at="2026-11-28 10:00:00", changed_by="x")
        return _backend()

    used = _in_worker(fail_half_way)
    assert _in_worker(_backend) == used
    assert _in_worker(lambda: Setting.select().count()) == 0, "the half-done write was rolled back"


def test_discarding_a_connection_closes_it_and_drops_its_lock(postgres_url: str) -> None:
    holder = _backend()
    db.execute_sql("SELECT pg_advisory_lock(4711)")
    discard_connection()
    assert db.is_closed() and not db.obj._connections, "not handed back to the pool"
    assert _in_worker(lambda: db.execute_sql("SELECT pg_try_advisory_lock(4711)").fetchone()[0]) is True
    alive = db.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (holder,)).fetchone()[0]
    assert alive == 0


def test_the_daemon_reconnects_on_a_new_connection_and_keeps_its_lock(postgres_url: str) -> None:
    daemon = Daemon(postgres_url)
    assert daemon.lock.acquire()
    before = _backend()
    _in_worker(_backend)  # an idle connection in the pool, as after a run
    daemon._reconnect()
    assert daemon.lock.held and _backend() != before
    taken = _in_worker(lambda: db.execute_sql("SELECT pg_try_advisory_lock(%s)",
                                              (daemon.lock._pg_key,)).fetchone()[0])
    assert taken is False, "the lock is held by the daemon's new connection, not by an idle one"
    daemon.lock.release()


def test_closing_the_database_closes_the_idle_connections(postgres_url: str) -> None:
    pool = db.obj
    _in_worker(_backend)
    assert len(pool._connections) == 1
    close_database()
    assert pool._connections == [] and db.is_closed()
