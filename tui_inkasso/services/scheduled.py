"""Scheduled services (Meny → Verktyg → Schemalagda tjänster): definitions, runs, the run recorder.

A service says what to run (a kind in :data:`JOBS`, e.g. "saldofil" = "Skapa saldofil"), who is
mailed, and when (a :class:`~tui_inkasso.domain.schedule_rules.ScheduleRule`). The daemon, the CLI
(`services run ID`) and the screen ("Kör nu") all run a service through :func:`run_service`:

1. the :class:`ServiceRun` row for the slot is inserted FIRST, in its own transaction. The
   database's unique (service, slot) index makes this the final guard: a second daemon that tries
   the same slot gets an IntegrityError and skips, so no slot ever runs twice;
2. the job runs in its own transaction(s) (the balance-file service commits its file);
3. end, result, file and error are recorded;
4. the people on the service's list are mailed on failure always, on success when asked.

A run whose process died (SIGKILL, power loss) stays "running"; :func:`recover_interrupted`
marks it "interrupted" (and mails) when the next daemon starts. Its slot is NOT run again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import peewee as pw

from tui_inkasso.db.models import ScheduledService, ServiceRun
from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.email_address import EmailAddressError, normalize_email
from tui_inkasso.services import audit
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import write_transaction

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo

log = logging.getLogger(__name__)


class ScheduleError(UserError):
    """A service definition that cannot be saved; the message names each field and why."""


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class JobOutcome:
    """What a job made: the file (None when there was nothing to do) and a line for people."""

    file: Path | None = None
    summary: str = ""
    attention: bool = False
    """Someone must act on what the job found: the service's list is mailed even when it asked
    for mail on failures only (the daily check of terminated tenancies)."""


Job = Callable[[], JobOutcome]


def balance_file_job() -> JobOutcome:
    """"Skapa saldofil": every unreported balance correction, no standard selection (the guide).

    The summary carries the balance service's own line and, per file, what became of its upload,
    so the run's mail says whether the agency has the file or it waits in the outbox.
    """
    from tui_inkasso.services.balance_file_run import create_balance_file

    result = create_balance_file()
    lines = [result.message]
    for created in result.files:
        line = f"{created.path} ({created.owner_name}: {created.corrections} st)"
        if created.delivery is not None:
            line += f"; uppladdning: {created.delivery.label}"
            if created.delivery.error:
                line += f" – {created.delivery.error}"
        lines.append(line)
    return JobOutcome(Path(result.file) if result.file else None, "\n".join(lines))


def arrears_check_job() -> JobOutcome:
    """"Bevaka uppsägningar": move terminated tenancies to today's state, say who must act."""
    from tui_inkasso.services.arrears_check import daily_check
    from tui_inkasso.services.clock import today

    result = daily_check(today())
    return JobOutcome(None, result.summary, attention=result.needs_action)


JOBS: dict[str, Job] = {"saldofil": balance_file_job, "uppsagningar": arrears_check_job}
"""Service kind → the job it runs. Tests register small real jobs here too."""

SERVICE_LABELS: dict[str, str] = {"saldofil": "Skapa saldofil", "uppsagningar": "Bevaka uppsägningar"}
"""Service kind → what staff read (the guide's words)."""


def service_label(kind: str) -> str:
    """The Swedish name of a service kind (the kind itself when it has none)."""
    return SERVICE_LABELS.get(kind, kind)


# --------------------------------------------------------------------------- runs

TRIGGER_LABELS = {"schedule": "Schemalagd", "catch-up": "Efterkörning", "manual": "Manuell"}
"""How a run started: on its slot, made up at start after a missed slot, or by a person."""

RESULT_LABELS = {"running": "Pågår", "ok": "Klar", "failed": "Misslyckades", "interrupted": "Avbruten"}

STALE_FOREIGN_RUN = dt.timedelta(hours=12)
"""A run of another host still "running" after this long is taken as interrupted."""

CATCH_UP_AFTER = dt.timedelta(minutes=5)
"""A due slot older than this is run as a catch-up ("Efterkörning"), newer as on time."""


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


@dataclass(frozen=True)
class ScheduleStatus:
    """What the list of services says above the table: when the daemon last ran a service, and
    what stops a service from doing all it is set to (mail without a mail server)."""

    last_daemon_run: dt.datetime | None
    """The start of the newest scheduled or catch-up run (None: the daemon has never run one)."""
    mail_missing_for: tuple[str, ...]
    """Names of services that should send mail while no mail server (``mail.host``) is set."""


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class ServiceSpec:
    """A service as typed in the wizard or on the command line (validated by :func:`check_spec`)."""

    name: str
    service: str = "saldofil"
    description: str = ""
    enabled: bool = True
    notify_emails: tuple[str, ...] = ()
    notify_success: bool = False
    frequency: str = "day"
    weekdays: tuple[str, ...] = ()
    """Codes (mon ... sun) or Swedish names; only for ``week``."""
    month_day: int | str | None = None
    """1-28 or "last"/"sista"; only for ``month``."""
    every_hours: int | None = None
    """1, 2, 3, 4, 6, 8 or 12; only for ``hour``."""
    at_time: str = "06:00"


@dataclass(frozen=True)
class ServiceInfo:
    """A stored service with its schedule in words, its next slot and its last run."""

    id: int
    name: str
    service: str
    service_label: str
    description: str
    enabled: bool
    notify_emails: tuple[str, ...]
    notify_success: bool
    frequency: str
    weekdays: tuple[str, ...]
    month_day: int | str | None
    every_hours: int | None
    at_time: str
    schedule_text: str
    next_run: dt.datetime | None
    """None for a disabled service (it is kept but does not run)."""
    last_run: RunInfo | None
    created_at: dt.datetime
    changed_at: dt.datetime
    runs: list[RunInfo] = field(default_factory=list)
    problem: str = ""
    """Why the stored schedule cannot be read (a frequency or time no version of the app wrote,
    an edit in the database): the service is listed with it, never hidden, and does not run."""
    recipients_proposal: ProposalInfo | None = None
    """After a save that changed the e-mail recipients: the proposal that waits for a second
    administrator (the recipients in force are ``notify_emails``)."""

    def spec(self) -> ServiceSpec:
        """The definition, to edit it."""
        return ServiceSpec(
            name=self.name, service=self.service, description=self.description,
            enabled=self.enabled, notify_emails=self.notify_emails,
            notify_success=self.notify_success, frequency=self.frequency, weekdays=self.weekdays,
            month_day=self.month_day, every_hours=self.every_hours, at_time=self.at_time,
        )


def check_spec(spec: ServiceSpec) -> dict[str, object]:
    """The column values for ``spec``, or :class:`ScheduleError` naming every wrong field."""
    problems: list[str] = []
    name = spec.name.strip()
    if not name:
        problems.append("namn: ett namn krävs")
    elif len(name) > 100:
        problems.append("namn: högst 100 tecken")
    if spec.service not in JOBS:
        known = ", ".join(f"{k} ({service_label(k)})" for k in JOBS)
        problems.append(f"tjänst: {spec.service!r} finns inte; välj {known}")
    emails: list[str] = []
    for address in spec.notify_emails:
        try:
            emails.append(normalize_email(address))
        except EmailAddressError as exc:
            problems.append(f"e-post: {exc}")
    rule: rules.ScheduleRule | None = None
    try:
        rule = rule_from_fields(spec.frequency, spec.at_time, spec.weekdays, spec.month_day,
                                spec.every_hours)
    except rules.ScheduleRuleError as exc:
        problems.append(str(exc))
    if problems or rule is None:
        raise ScheduleError("; ".join(problems))
    return {
        "name": name,
        "service": spec.service,
        "description": spec.description.strip(),
        "enabled": bool(spec.enabled),
        "notify_emails": ",".join(dict.fromkeys(emails)),
        "notify_success": bool(spec.notify_success),
        "frequency": rule.frequency,
        "weekdays": ",".join(str(d) for d in rule.weekdays),
        "month_day": rule.month_day,
        "every_hours": rule.every_hours,
        "at_time": rules.format_time(rule.at_time),
    }


def rule_from_fields(
    frequency: str,
    at_time: str,
    weekdays: Sequence[str] = (),
    month_day: int | str | None = None,
    every_hours: int | str | None = None,
) -> rules.ScheduleRule:
    """A rule from typed fields; fields that do not belong to the frequency are dropped."""
    at = rules.parse_time(at_time)
    frequency = rules.normalize_frequency(frequency)
    if frequency == "week":
        return rules.ScheduleRule("week", at, weekdays=rules.parse_weekdays(weekdays))
    if frequency == "month":
        return rules.ScheduleRule("month", at, month_day=rules.parse_month_day(month_day))
    if frequency == "hour":
        try:
            hours = int(every_hours) if every_hours not in (None, "") else None
        except (TypeError, ValueError):
            hours = -1
        return rules.ScheduleRule("hour", at, every_hours=hours)
    return rules.ScheduleRule(frequency, at)


def rule_of(service: ScheduledService) -> rules.ScheduleRule:
    """The stored service's rule."""
    days = tuple(int(d) for d in service.weekdays.split(",") if d)
    return rules.ScheduleRule(
        service.frequency, rules.parse_time(service.at_time), weekdays=days,
        month_day=service.month_day, every_hours=service.every_hours,
    )


def next_run(service: ScheduledService, after: dt.datetime) -> dt.datetime:
    """The service's first slot after ``after``."""
    return rules.next_run(rule_of(service), after)


@requires(StaffRole.ADMIN, "lägga till schemalagda tjänster")
def create_service(spec: ServiceSpec) -> ServiceInfo:
    """Save a new service ("Spara" in the wizard). Its e-mail recipients are a proposal that
    another administrator approves (four eyes, ``services.approvals``): until then it mails no one."""
    values = check_spec(spec)
    recipients = str(values.pop("notify_emails"))
    at = clock_now()
    with write_transaction():
        row = ScheduledService.create(**values, notify_emails="", created_at=at, changed_at=at)
        audit.record("service.created", "scheduled_service", row.id, {**values, "notify_emails": ""})
        proposal = _propose_recipients(row.id, "", recipients)
    return replace(get_service(row.id), recipients_proposal=proposal)


@requires(StaffRole.ADMIN, "ändra schemalagda tjänster")
def update_service(service_id: int, spec: ServiceSpec) -> ServiceInfo:
    """Change a service ("Redigera"); the daemon picks the change up without a restart. A change
    of its e-mail recipients is a proposal (four eyes); the recipients in force stay until it is
    approved."""
    values = check_spec(spec)
    recipients = str(values.pop("notify_emails"))
    with write_transaction():
        row = _row(service_id)
        ScheduledService.update(**values, changed_at=clock_now()).where(
            ScheduledService.id == service_id
        ).execute()
        audit.record("service.changed", "scheduled_service", service_id, {**values, "notify_emails": row.notify_emails})
        proposal = _propose_recipients(service_id, row.notify_emails, recipients)
    return replace(get_service(service_id), recipients_proposal=proposal)


def _propose_recipients(service_id: int, old: str, new: str) -> ProposalInfo | None:
    from tui_inkasso.services import approvals

    return approvals.propose(approvals.SERVICE, str(service_id), approvals.RECIPIENTS,
                             f"service.{service_id}.{approvals.RECIPIENTS}", old, new)


def store_approved_recipients(service_id: int, recipients: str, proposal_id: int) -> None:
    """Put approved e-mail recipients in force (inside the approval's transaction), audited with
    the proposal's number."""
    row = _row(service_id)
    ScheduledService.update(notify_emails=recipients, changed_at=clock_now()).where(
        ScheduledService.id == service_id).execute()
    audit.record("service.recipients", "scheduled_service", service_id,
                 {"old": row.notify_emails, "new": recipients, "proposal": proposal_id})


@requires(StaffRole.ADMIN, "ta bort schemalagda tjänster")
def delete_service(service_id: int) -> None:
    """Remove a service and its run history ("Ta bort"); a waiting proposal of its recipients
    is withdrawn."""
    from tui_inkasso.services import approvals

    with write_transaction():
        row = _row(service_id)
        ServiceRun.delete().where(ServiceRun.service == service_id).execute()
        row.delete_instance()
        audit.record("service.deleted", "scheduled_service", service_id, row.name)
        approvals.withdraw(approvals.SERVICE, str(service_id))


@reads
def get_service(service_id: int, *, runs: int = 0, now: dt.datetime | None = None) -> ServiceInfo:
    """One service (with its latest ``runs`` runs), or :class:`NotFound`."""
    return _info(_row(service_id), now or clock_now(), runs)


@reads
def list_services(now: dt.datetime | None = None) -> list[ServiceInfo]:
    """Every service, by name."""
    at = now or clock_now()
    rows = ScheduledService.select().order_by(ScheduledService.name, ScheduledService.id)
    return [_info(row, at, 0) for row in rows]


@reads
def schedule_status() -> ScheduleStatus:
    """The daemon's last run and the services whose mail cannot be sent (see :class:`ScheduleStatus`)."""
    from tui_inkasso.services.settings import get_setting

    last = (ServiceRun.select(pw.fn.MAX(ServiceRun.started_at))
            .where(ServiceRun.trigger.in_(["schedule", "catch-up"])).scalar())
    missing: tuple[str, ...] = ()
    if not get_setting("mail.host").strip():
        missing = tuple(row.name for row in ScheduledService.select(ScheduledService.name)
                        .where(ScheduledService.notify_emails != "").order_by(ScheduledService.name))
    return ScheduleStatus(_as_datetime(last), missing)


def _as_datetime(value: object) -> dt.datetime | None:
    """A MAX() over a datetime column: SQLite hands back its text."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


@reads
def list_runs(service_id: int, limit: int = 100) -> list[RunInfo]:
    """The service's runs, newest first."""
    _row(service_id)
    query = (
        ServiceRun.select()
        .where(ServiceRun.service == service_id)
        .order_by(ServiceRun.started_at.desc(), ServiceRun.id.desc())
        .limit(limit)
    )
    return [_run_info(r) for r in query]


def _row(service_id: int) -> ScheduledService:
    row = ScheduledService.get_or_none(ScheduledService.id == service_id)
    if row is None:
        raise NotFound(f"schemalagd tjänst {service_id} finns inte")
    return row


def _info(row: ScheduledService, at: dt.datetime, runs: int) -> ServiceInfo:
    try:
        rule: rules.ScheduleRule | None = rule_of(row)
        problem = ""
    except ValueError as exc:  # one unreadable row must not hide the others (nor itself)
        rule, problem = None, f"schemat kan inte läsas: {exc}"
    latest = list_runs(row.id, max(runs, 1))
    month_day: int | str | None = "last" if row.month_day == rules.LAST_DAY else row.month_day
    return ServiceInfo(
        id=row.id, name=row.name, service=row.service, service_label=service_label(row.service),
        description=row.description, enabled=row.enabled,
        notify_emails=tuple(e for e in row.notify_emails.split(",") if e),
        notify_success=row.notify_success, frequency=row.frequency,
        weekdays=tuple(rules.WEEKDAYS[d] for d in rule.weekdays) if rule else (), month_day=month_day,
        every_hours=row.every_hours, at_time=row.at_time,
        schedule_text=rules.describe(rule) if rule else "Ogiltigt schema",
        next_run=rules.next_run(rule, at) if rule and row.enabled else None,
        last_run=latest[0] if latest else None, created_at=row.created_at,
        changed_at=row.changed_at, runs=latest[:runs] if runs else [], problem=problem,
    )


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
    service = _row(service_id)
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
    _notify(service, info)
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
    job = JOBS.get(service.service)
    if job is None:
        raise UserError(
            f"tjänsten {service.service!r} finns inte i det här programmet (kända: {', '.join(JOBS)})"
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
            rule, error = rule_of(row), ""
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
            rule = rule_of(service)
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
        info = get_run(run.id)
        recovered.append(info)
        service = ScheduledService.get_or_none(ScheduledService.id == run.service_id)
        if service is not None:
            _notify(service, info)
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


# --------------------------------------------------------------------------- mail


def _notify(service: ScheduledService, run: RunInfo) -> None:
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
    label = service_label(service.service)
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
