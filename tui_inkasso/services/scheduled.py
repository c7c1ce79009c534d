"""Scheduled services (Meny → Verktyg → Schemalagda tjänster): the definitions.

A service says what to run (a kind in :data:`~tui_inkasso.services.scheduled_jobs.JOBS`, e.g.
"saldofil" = "Skapa saldofil"), who is mailed, and when (a
:class:`~tui_inkasso.domain.schedule_rules.ScheduleRule`). Saving, listing and removing services
is here; running one is ``services/scheduled_runs.py``, the daemon's view of what is due and what
died is ``services/scheduled_slots.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import peewee as pw

from tui_inkasso.db.models import ScheduledService, ServiceRun
from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.email_address import EmailAddressError, normalize_email
from tui_inkasso.services import audit, scheduled_jobs, scheduled_runs
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.scheduled_runs import RunInfo, service_row
from tui_inkasso.services.transaction import write_transaction

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo




class ScheduleError(UserError):
    """A service definition that cannot be saved; the message names each field and why."""




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
    if spec.service not in scheduled_jobs.JOBS:
        known = ", ".join(f"{k} ({scheduled_jobs.service_label(k)})" for k in scheduled_jobs.JOBS)
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
        row = service_row(service_id)
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
    row = service_row(service_id)
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
        row = service_row(service_id)
        ServiceRun.delete().where(ServiceRun.service == service_id).execute()
        row.delete_instance()
        audit.record("service.deleted", "scheduled_service", service_id, row.name)
        approvals.withdraw(approvals.SERVICE, str(service_id))


@reads
def get_service(service_id: int, *, runs: int = 0, now: dt.datetime | None = None) -> ServiceInfo:
    """One service (with its latest ``runs`` runs), or :class:`NotFound`."""
    return _info(service_row(service_id), now or clock_now(), runs)


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



def _info(row: ScheduledService, at: dt.datetime, runs: int) -> ServiceInfo:
    try:
        rule: rules.ScheduleRule | None = rule_of(row)
        problem = ""
    except ValueError as exc:  # one unreadable row must not hide the others (nor itself)
        rule, problem = None, f"schemat kan inte läsas: {exc}"
    latest = scheduled_runs.list_runs(row.id, max(runs, 1))
    month_day: int | str | None = "last" if row.month_day == rules.LAST_DAY else row.month_day
    return ServiceInfo(
        id=row.id, name=row.name, service=row.service, service_label=scheduled_jobs.service_label(row.service),
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


