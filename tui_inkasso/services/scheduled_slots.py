"""The daemon's side of scheduled services: the enabled schedules, the slots that are due, and
the runs whose process died.

A run whose process died (SIGKILL, power loss) stays "running"; :func:`recover_interrupted`
marks it "interrupted" (and mails) when the next daemon starts. Its slot is NOT run again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from tui_inkasso.db.models import ScheduledService, ServiceRun
from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import audit, scheduled, scheduled_runs
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.scheduled_runs import RunInfo
from tui_inkasso.services.transaction import write_transaction

log = logging.getLogger(__name__)


STALE_FOREIGN_RUN = dt.timedelta(hours=12)
"""A run of another host still "running" after this long is taken as interrupted."""

CATCH_UP_AFTER = dt.timedelta(minutes=5)
"""A due slot older than this is run as a catch-up ("Efterkörning"), newer as on time."""


# --------------------------------------------------------------------------- the daemon's view


@dataclass(frozen=True)
class ScheduleEntry:
    """An enabled service as the daemon schedules it: its rule, or why it has none.

    ``signature`` holds the stored columns the job depends on (``changed_at`` included), so the
    daemon can tell a changed service from an unchanged one without knowing the columns.
    """

    id: int
    name: str
    rule: rules.ScheduleRule | None
    """None when the stored schedule cannot be run; ``error`` says why."""
    error: str
    signature: tuple[object, ...]


@reads
def enabled_schedules() -> list[ScheduleEntry]:
    """Every enabled service with its rule, for the daemon's scheduler (read every few seconds)."""
    entries: list[ScheduleEntry] = []
    query = ScheduledService.select().where(ScheduledService.enabled == True)  # noqa: E712
    for row in query.order_by(ScheduledService.id):
        signature = (row.service, row.frequency, row.weekdays, row.month_day, row.every_hours,
                     row.at_time, row.changed_at)
        try:
            rule, error = scheduled.rule_of(row), ""
        except ValueError as exc:
            rule, error = None, str(exc)
        entries.append(ScheduleEntry(row.id, row.name, rule, error, signature))
    return entries


# --------------------------------------------------------------------------- due slots, recovery


@reads
def due_slots(now: dt.datetime | None = None) -> list[tuple[int, str, str]]:
    """(service id, slot, trigger) of enabled services whose latest slot has no run yet.

    Only the latest slot counts (missed runs collapse into one: a balance file takes every
    unreported correction anyway), and only when the service existed at that slot. A slot older
    than :data:`CATCH_UP_AFTER` is a catch-up, marked so.
    """
    at = now or clock_now()
    due: list[tuple[int, str, str]] = []
    for service in ScheduledService.select().where(ScheduledService.enabled == True):  # noqa: E712
        try:
            rule = scheduled.rule_of(service)
        except ValueError:
            continue  # the daemon logs the broken schedule; the other services still catch up
        slot = rules.previous_run(rule, at)
        if slot < service.created_at.replace(second=0, microsecond=0):
            continue
        key = rules.slot_key(slot)
        if ServiceRun.select().where((ServiceRun.service == service.id) & (ServiceRun.slot == key)).exists():
            continue
        trigger = "catch-up" if at - slot > CATCH_UP_AFTER else "schedule"
        due.append((service.id, key, trigger))
    return due


@requires(StaffRole.CLERK, "avsluta avbrutna körningar")
def recover_interrupted(now: dt.datetime | None = None) -> list[RunInfo]:
    """Mark runs whose process died as interrupted (and mail about them); their slot is not rerun."""
    at = now or clock_now()
    recovered: list[RunInfo] = []
    for run in ServiceRun.select().where(ServiceRun.result == "running"):
        if not _is_dead(run, at):
            continue
        message = (
            f"Körningen avbröts: processen {run.worker or 'okänd'} avslutades mitt i körningen "
            f"(startad {run.started_at:%Y-%m-%d %H:%M:%S}). Det som hann sparas finns kvar; "
            "kontrollera filerna och kör tjänsten manuellt vid behov."
        )
        with write_transaction():
            changed = ServiceRun.update(finished_at=at, result="interrupted", error=message).where(
                (ServiceRun.id == run.id) & (ServiceRun.result == "running")
            ).execute()
            if changed:
                audit.record("service.run", "scheduled_service", run.service_id, {
                    "trigger": run.trigger, "slot": run.slot, "result": "interrupted", "worker": run.worker})
        if not changed:
            continue
        log.error("service %s slot %s was interrupted (%s); recorded, not rerun",
                  run.service_id, run.slot, run.worker)
        info = scheduled_runs.get_run(run.id)
        recovered.append(info)
        service = ScheduledService.get_or_none(ScheduledService.id == run.service_id)
        if service is not None:
            scheduled_runs.notify(service, info)
    return recovered


def _is_dead(run: ServiceRun, at: dt.datetime) -> bool:
    host, _, pid_text = run.worker.rpartition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        return pid != os.getpid() and not _process_alive(pid)
    return at - run.started_at > STALE_FOREIGN_RUN


def _process_alive(pid: int) -> bool:
    """True for a live process (a zombie, killed but not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")

