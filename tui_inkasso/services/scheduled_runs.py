"""Runs of scheduled services: the run recorder, one run, the list of runs, the mail after a run.

The daemon, the CLI (`services run ID`) and the screen ("Kör nu") all run a service through
:func:`run_service`:

1. the :class:`ServiceRun` row for the slot is inserted FIRST, in its own transaction. The
   database's unique (service, slot) index makes this the final guard: a second daemon that tries
   the same slot gets an IntegrityError and skips, so no slot ever runs twice;
2. the job runs in its own transaction(s) (the balance-file service commits its file);
3. end, result, file and error are recorded;
4. the people on the service's list are mailed on failure always, on success when asked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from tui_inkasso.db.models import ScheduledService, ServiceRun
from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import audit, scheduled_jobs
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.scheduled_jobs import Job
from tui_inkasso.services.transaction import write_transaction

log = logging.getLogger(__name__)


TRIGGER_LABELS = {"schedule": "Schemalagd", "catch-up": "Efterkörning", "manual": "Manuell"}
"""How a run started: on its slot, made up at start after a missed slot, or by a person."""

RESULT_LABELS = {"running": "Pågår", "ok": "Klar", "failed": "Misslyckades", "interrupted": "Avbruten"}


@dataclass(frozen=True)
class RunInfo:
    """One run as screens, mails and the CLI show it."""

    id: int
    service_id: int
    slot: str
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    result: str
    file: str
    error: str
    worker: str
    summary: str = ""
    attention: bool = False
    """The job found something someone must act on (mailed even on success)."""

    @property
    def result_label(self) -> str:
        """Swedish result."""
        return RESULT_LABELS.get(self.result, self.result)

    @property
    def trigger_label(self) -> str:
        """Swedish trigger."""
        return TRIGGER_LABELS.get(self.trigger, self.trigger)

    @property
    def planned_at(self) -> dt.datetime | None:
        """The time of the slot a scheduled run was for; None for a manual run (its stored slot
        is an internal key, "manual-20261205T233450.217887", that nobody needs to read)."""
        return rules.parse_slot_key(self.slot)



@reads
def list_runs(service_id: int, limit: int = 100) -> list[RunInfo]:
    """The service's runs, newest first."""
    service_row(service_id)
    query = (
        ServiceRun.select()
        .where(ServiceRun.service == service_id)
        .order_by(ServiceRun.started_at.desc(), ServiceRun.id.desc())
        .limit(limit)
    )
    return [_run_info(r) for r in query]


def service_row(service_id: int) -> ScheduledService:
    """The stored service, or :class:`NotFound` (saving, listing and running all start here)."""
    row = ScheduledService.get_or_none(ScheduledService.id == service_id)
    if row is None:
        raise NotFound(f"schemalagd tjänst {service_id} finns inte")
    return row



def _run_info(row: ServiceRun, summary: str = "") -> RunInfo:
    return RunInfo(
        id=row.id, service_id=row.service_id, slot=row.slot, trigger=row.trigger,
        started_at=row.started_at, finished_at=row.finished_at, result=row.result,
        file=row.file, error=row.error, worker=row.worker, summary=summary,
    )


# --------------------------------------------------------------------------- running


def worker_id() -> str:
    """Who runs: ``host:pid``, so a later start can tell a dead run from a live one."""
    return f"{socket.gethostname()}:{os.getpid()}"


@requires(StaffRole.CLERK, "köra schemalagda tjänster")
def run_service(service_id: int, trigger: str, slot: str) -> RunInfo | None:
    """Run one slot of a service and record it; None when the slot was already taken.

    Never raises for a failing job: the failure is recorded (and mailed). Ctrl+C or SystemExit
    during the job records the run as interrupted and is passed on.
    """
    service = service_row(service_id)
    run = _start(service, trigger, slot)
    if run is None:
        log.info("service %s slot %s already taken by another run; skipped", service_id, slot)
        return None
    log.info("service %s (%s) starts: %s slot %s", service.id, service.name, trigger, slot)
    try:
        outcome = _job(service)()
    except Exception as exc:
        log.exception("service %s (%s) failed", service.id, service.name)
        info = _finish(run, "failed", None, _error_text(exc))
    except BaseException:
        _finish(run, "interrupted", None, "Körningen avbröts (programmet stoppades mitt i körningen).")
        raise
    else:
        info = _finish(run, "ok", outcome.file, "", outcome.summary)
        if outcome.attention:
            info = dataclasses.replace(info, attention=True)
    notify(service, info)
    return get_run(info.id, summary=info.summary)


@requires(StaffRole.CLERK, "köra schemalagda tjänster")
def run_now(service_id: int) -> RunInfo:
    """A manual run ("Kör nu", `services run ID`): its own slot, so it never blocks a schedule."""
    slot = "manual-" + dt.datetime.now().strftime("%Y%m%dT%H%M%S.%f")
    info = run_service(service_id, "manual", slot)
    if info is None:
        raise Conflict(f"schemalagd tjänst {service_id} startades nyss manuellt; försök igen")
    return info


def get_run(run_id: int, *, summary: str = "") -> RunInfo:
    """One run, or :class:`NotFound`."""
    row = ServiceRun.get_or_none(ServiceRun.id == run_id)
    if row is None:
        raise NotFound(f"körning {run_id} finns inte")
    return _run_info(row, summary)


def _job(service: ScheduledService) -> Job:
    job = scheduled_jobs.JOBS.get(service.service)
    if job is None:
        raise UserError(
            f"tjänsten {service.service!r} finns inte i det här programmet (kända: {', '.join(scheduled_jobs.JOBS)})"
        )
    return job


def _start(service: ScheduledService, trigger: str, slot: str) -> ServiceRun | None:
    """Insert the run row for the slot first: the unique index decides who runs it."""
    try:
        with write_transaction():
            return ServiceRun.create(
                service=service.id, slot=slot, trigger=trigger, started_at=clock_now(),
                result="running", worker=worker_id(),
            )
    except pw.IntegrityError:
        return None


def _finish(
    run: ServiceRun, result: str, file: Path | None, error: str, summary: str = ""
) -> RunInfo:
    with write_transaction():
        ServiceRun.update(
            finished_at=clock_now(), result=result, file=str(file) if file else "", error=error,
        ).where(ServiceRun.id == run.id).execute()
        audit.record("service.run", "scheduled_service", run.service_id, {
            "trigger": run.trigger, "slot": run.slot, "result": result, "file": str(file) if file else "",
            "error": error[:300]})
    log.log(logging.INFO if result == "ok" else logging.ERROR,
            "service %s slot %s: %s%s%s", run.service_id, run.slot, RESULT_LABELS[result],
            f", file {file}" if file else "", f": {error}" if error else "")
    return get_run(run.id, summary=summary)


def _error_text(exc: Exception) -> str:
    """What went wrong, for people: our own errors speak for themselves, others get their type."""
    if isinstance(exc, UserError | OSError | ValueError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return f"Körningen misslyckades: {text}"


# --------------------------------------------------------------------------- mail


def notify(service: ScheduledService, run: RunInfo) -> None:
    """Mail the service's list: on failure always, on success when asked. Never raises."""
    recipients = [e for e in service.notify_emails.split(",") if e]
    if not recipients or (run.result == "ok" and not (service.notify_success or run.attention)):
        return
    from tui_inkasso.services.mail import send_notification

    subject, body = run_mail(service, run)
    try:
        send_notification(recipients, subject, body)
    except Exception as exc:  # the run is recorded; a lost mail must not lose it
        note = f"E-post till {', '.join(recipients)} kunde inte skickas: {exc}"
        log.error("service %s run %s: %s", service.id, run.id, note)
        with write_transaction():
            ServiceRun.update(error=(run.error + "\n" + note).strip()).where(
                ServiceRun.id == run.id
            ).execute()


def run_mail(service: ScheduledService, run: RunInfo) -> tuple[str, str]:
    """Subject and body: what ran, when, the result, the file, the error."""
    label = scheduled_jobs.service_label(service.service)
    verdict = {"ok": "klar", "failed": "misslyckades", "interrupted": "avbröts"}.get(run.result, run.result)
    slot_time = rules.parse_slot_key(run.slot)
    when = f"{slot_time:%Y-%m-%d %H:%M}" if slot_time else f"{run.started_at:%Y-%m-%d %H:%M}"
    subject = f"tui-inkasso: {label} \u201d{service.name}\u201d {verdict} ({when})"
    trigger = {
        "schedule": f"schemalagd, planerad {when}",
        "catch-up": f"efterkörning av den missade körningen {when}",
        "manual": "manuell (Kör nu)",
    }.get(run.trigger, run.trigger)
    lines = [
        f"Schemalagd tjänst: {service.name} ({label}, id {service.id})",
        f"Resultat: {run.result_label}",
        f"Körning: {trigger}",
        f"Start: {run.started_at:%Y-%m-%d %H:%M:%S}",
        f"Slut: {run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "Slut: -",
        f"Fil: {run.file or 'ingen fil'}",
    ]
    if run.summary:
        lines.append(f"Sammanfattning: {run.summary}")
    if run.error:
        lines.append(f"Fel: {run.error}")
    lines += [
        f"Dator: {run.worker}",
        "",
        "Körningarna finns i tui-inkasso: Meny → Verktyg → Schemalagda tjänster.",
    ]
    return subject, "\n".join(lines) + "\n"
