"""The headless daemon: `tui-inkasso daemon [--once]` runs the scheduled services and the outbox.

Staff reach the app over SSH; this runs beside it on the same server (systemd unit in
docs/daemon.md). It never imports Textual. ``schedule`` keeps nothing and forgives nothing
(conventions §12), so around an own ``schedule.Scheduler``:

* every service is a :class:`ServiceJob` whose next run is our pure rule
  (``domain.schedule_rules``), and every run goes through ``services.scheduled_runs.run_service``,
  which records it, catches and records a failing job, and mails; one failing run never stops
  the loop;
* the loop waits on a ``threading.Event`` (at most one tick, 1 s) that SIGTERM and SIGINT set: a
  run in progress finishes, then the daemon exits 0;
* services added or changed in the app are picked up every few seconds, without a restart;
* at start: runs left "running" by a dead process are marked interrupted (not rerun), files of
  balance-file and collection runs that crashed after their commit are finished
  (``services.startup``), and the latest missed slot of each service is run once as a catch-up;
* one instance per database runs the schedule (a lock file beside a SQLite database, an advisory
  lock on PostgreSQL); a second one waits as a standby. The unique (service, slot) row is the
  final guard, so even two daemons that both thought they held the lock never run a slot twice;
* the outbox is worked every few seconds.

``--once`` does the start-up work (interrupted runs, what is due, the outbox) and exits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import signal
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Any

import peewee as pw
import schedule

from tui_inkasso.db.connection import (
    connection_lost,
    db,
    discard_connection,
    renewal_count,
    sqlite_path,
)
from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.safe_text import for_terminal
from tui_inkasso.services import outbox, scheduled_runs, scheduled_slots
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.permissions import limit_to, require
from tui_inkasso.services.redaction import redact_url
from tui_inkasso.services.settings import get_setting

log = logging.getLogger("tui_inkasso.daemon")

TICK_ENV = "TUI_INKASSO_DAEMON_TICK"
"""Seconds the loop waits between checks (default and maximum 1; tests use less)."""

SPEED_ENV = "TUI_INKASSO_TEST_CLOCK_SPEED"
"""FOR TESTS ONLY: the daemon's clock runs this many times faster than the wall clock, so an
hourly service comes due within seconds. The daemon warns loudly when it is set."""

RELOAD_SECONDS = 2.0
OUTBOX_SECONDS = 5.0
RECOVER_SECONDS = 60.0
STANDBY_SECONDS = 5.0

PG_LOCK_NAMESPACE = "tui-inkasso-daemon"

Clock = Callable[[], dt.datetime]


# --------------------------------------------------------------------------- clock


def make_clock() -> Clock:
    """``services.clock.now`` (honours a pinned date), or a sped-up copy for tests."""
    speed = float(os.environ.get(SPEED_ENV, "1") or 1)
    if speed == 1:
        return clock_now
    start_wall = clock_now()
    start_mono = time.monotonic()
    log.warning("%s=%g: the daemon's clock runs %g times too fast (tests only)", SPEED_ENV, speed, speed)

    def fast() -> dt.datetime:
        return start_wall + dt.timedelta(seconds=(time.monotonic() - start_mono) * speed)

    return fast


def tick_seconds() -> float:
    """The loop's wait: ``$TUI_INKASSO_DAEMON_TICK`` clamped to 0.05-1 s."""
    try:
        tick = float(os.environ.get(TICK_ENV, "1") or 1)
    except ValueError:
        tick = 1.0
    return min(max(tick, 0.05), 1.0)


# --------------------------------------------------------------------------- jobs


class ServiceJob(schedule.Job):
    """A ``schedule`` job whose next run is the service's next slot by our own rule.

    ``schedule`` has no monthly or "last day" unit and anchors ``every(n).hours`` on the moment
    the daemon started; the rule in ``domain.schedule_rules`` has both and is the same one the
    screens show, so the daemon and the list never disagree about "Nästa körning".
    """

    def __init__(
        self, scheduler: schedule.Scheduler, service_id: int, rule: rules.ScheduleRule,
        clock: Clock, after: dt.datetime | None = None,
    ) -> None:
        super().__init__(1, scheduler)
        self.unit = "days"  # only for schedule's own repr; the timing is ours
        self.service_id = service_id
        self.rule = rule
        self.clock = clock
        self._first_after = after
        self.tags.add(service_id)

    def _schedule_next_run(self) -> None:
        after = self._first_after or self.clock()
        self._first_after = None
        self.next_run = rules.next_run(self.rule, after)

    @property
    def should_run(self) -> bool:
        """Due by the daemon's clock (which tests may speed up)."""
        return self.next_run is not None and self.clock() >= self.next_run


# --------------------------------------------------------------------------- lock


class DaemonLock:
    """One daemon per database runs the schedule: a lock file for SQLite, an advisory lock for PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path: Path | None = None
        path = sqlite_path(url)
        if path is not None:
            self.path = path.with_name(path.name + ".daemon.lock")
        self._handle: IO[str] | None = None
        self._pg_key: int | None = None
        self.held = False

    def acquire(self) -> bool:
        """Take the lock if it is free; True when this process now holds it."""
        if self.held:
            return True
        if isinstance(db.obj, pw.PostgresqlDatabase):
            self.held = self._acquire_pg()
        elif self.path is not None:
            self.held = self._acquire_file(self.path)
        else:
            self.held = True  # an in-memory database belongs to this process alone
        return self.held

    def _acquire_file(self, path: Path) -> bool:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open while locked
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{scheduled_runs.worker_id()} {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
        handle.flush()
        self._handle = handle
        return True

    def _acquire_pg(self) -> bool:
        name = db.execute_sql("SELECT current_database() || '.' || current_schema()").fetchone()[0]
        self._pg_key = zlib.crc32(f"{PG_LOCK_NAMESPACE}:{name}".encode())
        return bool(db.execute_sql("SELECT pg_try_advisory_lock(%s)", (self._pg_key,)).fetchone()[0])

    def holder(self) -> str:
        """Who holds the lock, as far as can be told (for the standby message)."""
        if self.path is not None:
            try:
                return self.path.read_text(encoding="utf-8").strip() or "unknown"
            except OSError:
                return "unknown"
        return "another connection (PostgreSQL advisory lock)"

    def release(self) -> None:
        """Give the lock back (also happens when the process dies)."""
        if not self.held:
            return
        self.held = False
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
        if self._pg_key is not None:
            # A lost connection has taken the lock with it: nothing to give back then.
            with contextlib.suppress(pw.DatabaseError):
                db.execute_sql("SELECT pg_advisory_unlock(%s)", (self._pg_key,))


# --------------------------------------------------------------------------- the daemon


class Daemon:
    """The loop around the scheduler; :meth:`serve` runs until stopped, :meth:`once` exits."""

    def __init__(self, url: str, *, clock: Clock | None = None, tick: float | None = None) -> None:
        self.url = url
        self.clock = clock or make_clock()
        self.tick = tick if tick is not None else tick_seconds()
        self.stop = threading.Event()
        self.lock = DaemonLock(url)
        self.scheduler = schedule.Scheduler()
        self._jobs: dict[int, tuple[tuple[Any, ...], ServiceJob]] = {}
        self._refused: dict[int, tuple[Any, ...]] = {}
        """Services whose stored schedule cannot run, by the signature already logged."""
        self._signal: int | None = None
        self.failed_runs = 0
        self._renewals_seen = renewal_count()
        """Lost connections replaced when the lock was last taken (``_keep_connection``)."""

    # -- signals

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT ask the loop to stop after the run in progress."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only set flags here: logging from a signal handler can re-enter a half-written line.
        self._signal = signum
        self.stop.set()

    def _log_stop_request(self) -> None:
        if self._signal is not None:
            log.info("received %s: stopping after the run in progress", signal.Signals(self._signal).name)
            self._signal = None

    # -- entry points

    def once(self) -> int:
        """Interrupted runs, what is due (catch-up included) and the outbox; then exit."""
        if not self.lock.acquire():
            log.warning("another daemon runs the schedule on this database (%s); --once did nothing",
                        self.lock.holder())
            return 0
        try:
            self._start_up()
            self._work_outbox()
        finally:
            self.lock.release()
        log.info("--once done: %d failed run(s)", self.failed_runs)
        return 1 if self.failed_runs else 0

    def serve(self) -> int:
        """Run until SIGTERM/SIGINT; exit code 0 after a clean stop."""
        log.info("tui-inkasso daemon started (%s, pid %d, database %s)",
                 socket.gethostname(), os.getpid(), redact_url(self.url))
        if not self._wait_for_lock():
            log.info("stopped before taking over the schedule")
            return 0
        try:
            self._start_up()
            self._loop()
        except pw.DatabaseError as exc:
            log.error("the database failed at start (%s); exiting with 1 so systemd restarts us", exc)
            return 1
        finally:
            self.scheduler.clear()
            self.lock.release()
        log.info("tui-inkasso daemon stopped cleanly")
        return 0

    # -- start-up

    def _wait_for_lock(self) -> bool:
        if self.lock.acquire():
            return True
        log.warning("another daemon runs the schedule on this database (%s); waiting as standby",
                    self.lock.holder())
        while not self.stop.wait(STANDBY_SECONDS * min(self.tick, 1.0)):
            if self.lock.acquire():
                log.info("the other daemon is gone: taking over the schedule")
                return True
        self._log_stop_request()
        return False

    def _start_up(self) -> None:
        """Interrupted runs first (their slots are not rerun), then each due slot once."""
        started = self.clock()
        scheduled_slots.recover_interrupted(started)
        _recover_files()
        for service_id, slot, trigger in scheduled_slots.due_slots(started):
            if self.stop.is_set():
                self._log_stop_request()
                return
            if trigger == "catch-up":
                log.info("service %s missed its run at %s: running it once now (catch-up)", service_id, slot)
            self._run(service_id, trigger, slot)
        self._sync_jobs(after=started)

    # -- the loop

    def _loop(self) -> None:
        last = {"reload": time.monotonic(), "outbox": 0.0, "recover": time.monotonic()}
        while not self.stop.is_set():
            try:
                self._keep_connection()
                self._iteration(last)
            except (pw.DatabaseError, pw.InterfaceError):  # InterfaceError: "connection already closed"
                log.exception("database error; reconnecting and carrying on")
                self._reconnect()
            except Exception:  # the loop itself must survive anything a run did not catch
                log.exception("unexpected error in the daemon loop; carrying on")
            self.stop.wait(self.tick)
        self._log_stop_request()

    def _iteration(self, last: dict[str, float]) -> None:
        mono = time.monotonic()
        if mono - last["reload"] >= RELOAD_SECONDS * self.tick:
            last["reload"] = mono
            self._sync_jobs()
        self._run_pending()
        if mono - last["outbox"] >= OUTBOX_SECONDS * self.tick:
            last["outbox"] = mono
            self._work_outbox()
        if mono - last["recover"] >= RECOVER_SECONDS:
            last["recover"] = mono
            scheduled_slots.recover_interrupted(self.clock())

    def _run_pending(self) -> None:
        """Like ``Scheduler.run_pending``, but no new run starts once a stop was asked for."""
        for job in sorted(j for j in self.scheduler.jobs if j.should_run):
            if self.stop.is_set():
                self._log_stop_request()
                return
            job.run()

    def _fire(self, job: ServiceJob) -> None:
        """The function every ServiceJob calls: one slot, recorded; never raises."""
        assert job.next_run is not None
        self._run(job.service_id, "schedule", rules.slot_key(job.next_run))

    def _run(self, service_id: int, trigger: str, slot: str) -> None:
        try:
            self._keep_connection()
            if not self.lock.held:
                return  # stopped while waiting as standby after the connection was lost
            info = scheduled_runs.run_service(service_id, trigger, slot)
        except Exception:
            log.exception("service %s slot %s could not be run", service_id, slot)
            self.failed_runs += 1
            return
        if info is not None and info.result != "ok":
            self.failed_runs += 1

    def _work_outbox(self) -> None:
        try:
            results = outbox.deliver_pending(self.clock())
        except pw.DatabaseError:
            raise
        except Exception:
            log.exception("the outbox could not be worked; trying again later")
            return
        for result in results:
            if result.status != "sent":
                log.warning("outbox %s: %s (%s)", result.outbox_id, result.status, result.error)

    # -- services added, changed or removed in the app

    def _sync_jobs(self, after: dt.datetime | None = None) -> None:
        """Make the scheduler's jobs match the enabled services in the database."""
        seen: set[int] = set()
        for entry in scheduled_slots.enabled_schedules():
            seen.add(entry.id)
            current = self._jobs.get(entry.id)
            if current is not None and current[0] == entry.signature:
                continue
            if current is not None:
                self.scheduler.cancel_job(current[1])
            if entry.rule is None:
                self._jobs.pop(entry.id, None)
                self._refuse(entry)
                continue
            self._refused.pop(entry.id, None)
            job = ServiceJob(self.scheduler, entry.id, entry.rule, self.clock, after)
            job.do(self._fire, job)
            self._jobs[entry.id] = (entry.signature, job)
            log.info("service %s (%s): %s; next run %s", entry.id, entry.name,
                     "scheduled" if current is None else "changed", f"{job.next_run:%Y-%m-%d %H:%M}")
        for service_id in set(self._refused) - seen:
            del self._refused[service_id]
        for service_id in set(self._jobs) - seen:
            self.scheduler.cancel_job(self._jobs.pop(service_id)[1])
            log.info("service %s removed or disabled: no longer scheduled", service_id)

    def _refuse(self, entry: scheduled_slots.ScheduleEntry) -> None:
        """Log a schedule that cannot run once per change of the service, not on every poll."""
        if self._refused.get(entry.id) != entry.signature:
            log.error("service %s (%s) has an invalid schedule and is skipped: %s",
                      entry.id, entry.name, entry.error)
            self._refused[entry.id] = entry.signature

    def _keep_connection(self) -> None:
        """Before each job and each turn of the loop: a connection the server ended (a restart
        at night) is replaced and the schedule lock, which died with it, taken again; else
        every later run would fail until someone restarted the daemon. Also when a service
        call has already replaced it (``renew_if_lost``): the new one does not hold the lock."""
        if connection_lost() or renewal_count() != self._renewals_seen:
            log.warning("the database connection was lost; reconnecting")
            self._reconnect()

    def _reconnect(self) -> None:
        self._renewals_seen = renewal_count()
        with contextlib.suppress(pw.DatabaseError):
            discard_connection()  # not back into the pool: it may be broken, and holds the lock
        if isinstance(db.obj, pw.PostgresqlDatabase):
            self.lock.release()  # an advisory lock dies with its connection
        try:
            db.connect(reuse_if_open=True)
        except pw.DatabaseError:
            log.exception("cannot reconnect to the database; trying again")
            return
        if not self.lock.acquire():
            log.warning("lost the schedule lock while reconnecting; waiting as standby")
            self._wait_for_lock()


# --------------------------------------------------------------------------- logging, entry


def _recover_files() -> None:
    """Finish the files of balance-file and collection runs that crashed, before any new run.

    ``recover_at_start`` logs what it does and never raises; the guard is for the import.
    """
    try:
        from tui_inkasso.services.startup import recover_at_start

        recover_at_start()
    except Exception:  # the schedule must run even when this check cannot
        log.exception("checking for unfinished files of crashed runs failed")


class _TerminalSafeFormatter(logging.Formatter):
    """Log lines name files and payers from data: control characters and escape sequences in them
    are written escaped (``\\x1b``), never to the terminal or the journal raw (issue 14)."""

    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record))


def configure_logging(log_file: str | None, stream: IO[str] | None = None) -> None:
    """Log to stderr, and to ``log_file`` too when set (a file that cannot be opened is said so)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = _TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler(stream or sys.stderr)
    console.setFormatter(formatter)
    root.addHandler(console)
    root.setLevel(logging.INFO)
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    if log_file:
        path = Path(log_file).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            log.error("%s: cannot open the log file (%s); logging to stderr only", path, exc.strerror)
            return
        file_handler.setFormatter(formatter)
        root.addHandler(file_handler)


def run_daemon(url: str, *, once: bool = False) -> int:
    """The `tui-inkasso daemon` command (the database is already open in this thread).

    The daemon works as a Handläggare whoever starts it (issue 17): its runs may do what a clerk
    may and nothing more (no settings, no users), and it refuses to start for a user of the
    ledger with less (a reader)."""
    limit_to(StaffRole.CLERK)
    require(StaffRole.CLERK, "köra schemalagda tjänster")
    configure_logging(get_setting("daemon.log_file") or None)
    daemon = Daemon(url)
    daemon.install_signal_handlers()
    return daemon.once() if once else daemon.serve()
