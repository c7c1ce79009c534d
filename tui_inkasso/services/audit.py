"""The audit log: everything a user did that changes money, a case or a setting.

Services call :func:`record` inside their own transaction, so the entry exists exactly when the
change does. What is stored are codes (``invoice.excluded``, ``collection_case``) and the details
as the service wrote them; :data:`ACTION_LABELS` and :data:`OBJECT_LABELS` name every code in
Swedish and :func:`readable_details` words the details for staff (a setting's values by their
names, status codes as labels), so the screen shows words while the database keeps codes.
A test reads every ``record``/``record_many`` call in ``tui_inkasso`` and checks each code used
has its label here.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from tui_inkasso.db.models import AuditEntry
from tui_inkasso.domain.codes import (
    CaseStatus,
    case_status_label,
    payment_kind_label,
    payment_method_label,
)
from tui_inkasso.domain.money import format_sek, parse_amount
from tui_inkasso.services.clock import current_user, now

ACTION_LABELS: dict[str, str] = {
    "balance_file.created": "Saldofil skapad",
    "balance_file.recovered": "Saldofil återställd",
    "balance_file.rewritten": "Saldofil skriven igen",
    "balance_file.resent": "Saldofil skickad igen",
    "case.created": "Ärende skapat",
    "case.status": "Ärendestatus ändrad",
    "case.closed": "Ärende avslutat",
    "case.note": "Anteckning i ärende",
    "case.payment": "Ärendebetalning bokförd",
    "case.payment_registered": "Betalning i ärende",
    "collection.run": "Inkassokörning",
    "demo.created": "Demodata skapade",
    "dunning.blocked": "Kravspärr satt",
    "dunning.unblocked": "Kravspärr borttagen",
    "dunning.levels": "Kravnivåer ändrade",
    "dunning.reference_rates": "Referensräntor ändrade",
    "dunning.run": "Påminnelsekörning",
    "dunning.notice": "Påminnelse/krav skapat",
    "dunning.reprint": "Brev utskrivet igen",
    "invoice.excluded": "Undantagen från inkasso",
    "invoice.included": "Inkluderad för inkasso",
    "ledger.imported": "Reskontra inläst",
    "outbox.enqueued": "Lagd i utkorgen",
    "outbox.sent": "Fil skickad",
    "outbox.failed": "Sändning misslyckades",
    "outbox.resend": "Skickas igen",
    "payment.booked": "Betalning bokförd",
    "payment.allocated": "Betalning fördelad",
    "payment.prepayment": "Betalning som förskott",
    "payments.imported": "Betalfil inläst",
    "service.created": "Tjänst skapad",
    "service.changed": "Tjänst ändrad",
    "service.deleted": "Tjänst borttagen",
    "service.run": "Tjänst körd",
    "setting.changed": "Inställning ändrad",
    "sie.exported": "SIE-fil exporterad",
}
"""Every action code a service records, and what staff read for it (the code stays in the
database, in exports and in the entry's detail view)."""

OBJECT_LABELS: dict[str, str] = {
    "balance_report": "Saldofil",
    "collection_case": "Inkassoärende",
    "collection_file": "Fil",
    "collection_run": "Inkassokörning",
    "customer": "Kund",
    "dunning_levels": "Kravnivåer",
    "dunning_run": "Påminnelsekörning",
    "file": "Fil",
    "invoice": "Faktura",
    "ledger": "Reskontra",
    "outbox_file": "Fil i utkorgen",
    "payment": "Betalning",
    "payment_file": "Betalfil",
    "reference_rate": "Referensräntor",
    "scheduled_service": "Schemalagd tjänst",
    "setting": "Inställning",
    "sie": "SIE-export",
}
"""Every kind of object an entry is about, in Swedish."""

WHOLE_TABLE = "all"
"""The object id of a change to a whole table (all dunning levels, every reference rate)."""


def action_label(code: str) -> str:
    """The Swedish name of an action code (an unknown code as it is)."""
    return ACTION_LABELS.get(code, code)


def object_label(object_type: str, object_id: str = "") -> str:
    """The object in Swedish with its id ("Faktura 2026008"); a whole table by its name only."""
    label = OBJECT_LABELS.get(object_type, object_type)
    return label if object_id in ("", WHOLE_TABLE) else f"{label} {object_id}"


def record(action: str, object_type: str, object_id: object, details: str = "") -> None:
    """Write one audit entry as the current OS user, now."""
    AuditEntry.create(
        at=now(),
        user=current_user(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )


def record_many(entries: list[tuple[str, str, object, str]]) -> None:
    """Write many audit entries at once (bulk runs).

    Through the driver's executemany: peewee's SQL building for 20,000 rows of insert_many
    costs seconds, the statement itself milliseconds.
    """
    from tui_inkasso.services.bulk import execute_many

    at, user = now(), current_user()
    execute_many(
        'INSERT INTO "audit_entry" ("at", "user", "action", "object_type", "object_id", "details") '
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(at, user, a, t, str(i), d) for a, t, i, d in entries],
    )


@dataclass(frozen=True)
class AuditLine:
    """One audit entry: the stored codes and text, and the same in words for the screen."""

    at: dt.datetime
    user: str
    action: str
    object_type: str
    object_id: str
    details: str

    @property
    def action_label(self) -> str:
        """What happened, in Swedish."""
        return action_label(self.action)

    @property
    def object_label(self) -> str:
        """What it happened to, in Swedish with its id."""
        return object_label(self.object_type, self.object_id)

    @property
    def readable_details(self) -> str:
        """The details as staff read them (see :func:`readable_details`)."""
        return readable_details(self.action, self.object_id, self.details)


def recent(limit: int = 100, object_type: str | None = None, object_id: str | None = None) -> list[AuditLine]:
    """The latest entries, newest first, optionally for one object."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return [AuditLine(e.at, e.user, e.action, e.object_type, e.object_id, e.details) for e in query]


# --------------------------------------------------------------------------- details in words

ARROW = " → "


def readable_details(action: str, object_id: str, details: str) -> str:
    """The stored details in words: values and codes by their Swedish names, "->" as an arrow.

    Services write details once, in the form the entry was made with (a setting's old and new
    code, a run's trigger and result codes); older entries keep that form forever, so the
    wording happens here, when they are shown. Details in a form this does not recognise are
    shown as stored.
    """
    wording = _DETAIL_WORDING.get(action)
    return wording(object_id, details) if wording else details


def _arrow(_: str, details: str) -> str:
    return details.replace(" -> ", ARROW)


def _repr_pair(details: str) -> tuple[str | None, str | None] | None:
    """``'old' -> 'new'`` (Python reprs, either may be None) as its two values, else None."""
    start = 0
    while (at := details.find(" -> ", start)) >= 0:
        start = at + 1
        try:
            old, new = ast.literal_eval(details[:at]), ast.literal_eval(details[at + 4:])
        except (ValueError, SyntaxError):
            continue
        if all(v is None or isinstance(v, str) for v in (old, new)):
            return old, new
    return None


def _setting(key: str, details: str) -> str:
    from tui_inkasso.services import settings  # settings records through this module

    definition = settings.SETTINGS.get(key)
    name = definition.label if definition else key
    pair = _repr_pair(details)
    if pair is None:
        return f"{name}: {details}"
    old, new = (settings.display_value(key, value or "") for value in pair)
    return f"{name}: {old}{ARROW}{new}"


def _case_status(_: str, details: str) -> str:
    old, separator, rest = details.partition(" -> ")
    for status in sorted(CaseStatus, key=lambda s: -len(s.value)):
        if separator and (rest == status.value or rest.startswith(status.value + ": ")):
            note = rest[len(status.value):]
            return f"{case_status_label(old)}{ARROW}{case_status_label(status.value)}{note}"
    return details


def _block(_: str, details: str) -> str:
    pair = _repr_pair(details)
    if pair is None:
        return details
    old, new = pair
    return f"{old or '(ingen)'}{ARROW}{new if new is not None else '(ingen spärr)'}"


_RUN = re.compile(r"(?P<trigger>\S+) (?P<slot>\S+): (?P<result>[a-z]+)(?P<rest>.*)", re.DOTALL)


def _service_run(_: str, details: str) -> str:
    from tui_inkasso.services.scheduled import RESULT_LABELS, TRIGGER_LABELS

    match = _RUN.fullmatch(details)
    if not match or match["trigger"] not in TRIGGER_LABELS or match["result"] not in RESULT_LABELS:
        return details
    slot = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", match["slot"])
    when = f" {slot[1]} {slot[2]}" if slot else ""
    return f"{TRIGGER_LABELS[match['trigger']]}{when}: {RESULT_LABELS[match['result']]}{match['rest']}"


_SERVICE_FIELDS = ("name", "service", "description", "enabled", "notify_emails", "notify_success",
                   "frequency", "weekdays", "month_day", "every_hours", "at_time")


def _service_spec(_: str, details: str) -> str:
    from tui_inkasso.domain import schedule_rules as rules
    from tui_inkasso.services.scheduled import service_label

    parts = re.split(r"(?:^|, )(" + "|".join(_SERVICE_FIELDS) + ")=", details)
    values = dict(zip(parts[1::2], parts[2::2], strict=True))
    if parts[0] or "name" not in values:
        return details
    words = [f"Namn: {values['name']}", f"Tjänst: {service_label(values.get('service', ''))}"]
    try:
        rule = rules.ScheduleRule(
            values.get("frequency", ""), rules.parse_time(values.get("at_time", "")),
            weekdays=tuple(int(d) for d in values.get("weekdays", "").split(",") if d),
            month_day=None if values.get("month_day") in (None, "None") else int(values["month_day"]),
            every_hours=None if values.get("every_hours") in (None, "None") else int(values["every_hours"]),
        )
        words.append(f"Schema: {rules.describe(rule)}")
    except (rules.ScheduleRuleError, ValueError, IndexError):
        pass
    words.append(f"Aktiv: {'ja' if values.get('enabled') == 'True' else 'nej'}")
    if values.get("notify_emails"):
        also = " (även när körningen lyckas)" if values.get("notify_success") == "True" else ""
        words.append(f"E-post: {values['notify_emails']}{also}")
    if values.get("description"):
        words.append(f"Beskrivning: {values['description']}")
    return "; ".join(words)


_BOOKED = re.compile(r"(?P<kind>payment|credit) (?P<amount>-?\d+\.\d\d) kr via (?P<method>\S+)(?P<rest>.*)",
                     re.DOTALL)


def _kr(text: str) -> str:
    """Amounts written "1234.50 kr" as "1 234,50 kr"."""
    return re.sub(r"-?\d+\.\d\d(?= kr)", lambda m: format_sek(parse_amount(m[0])), text)


def _booked(_: str, details: str) -> str:
    match = _BOOKED.fullmatch(details)
    if not match:
        return details
    kind = payment_kind_label(match["kind"])
    method = payment_method_label(match["method"])
    return _kr(f"{kind} {match['amount']} kr via {method}{match['rest']}")


_AMOUNT = re.compile(r"(?:^|(?<=\s))-?\d+\.\d\d(?=$|[\s,;:)])")


def _amounts(_: str, details: str) -> str:
    """Amounts the service wrote in the file form "8450.00" with a decimal comma: "8 450,00"."""
    return _AMOUNT.sub(lambda m: format_sek(parse_amount(m[0])), details)


def _case_payment(_: str, details: str) -> str:
    amount, separator, rest = details.partition(" på ")
    if not separator or not _AMOUNT.fullmatch(amount):
        return details
    return f"{format_sek(parse_amount(amount))} kr på {rest}"


def _demo(_: str, details: str) -> str:
    match = re.fullmatch(r"(\d+) invoices, business date (\S+)(, after reset)?", details)
    if not match:
        return details
    return f"{match[1]} fakturor, affärsdag {match[2]}" + (", efter tömning" if match[3] else "")


_SECTIONS = {
    "settings": "inställningar", "dunning_levels": "kravnivåer", "owners": "ägare", "accounts": "konton",
    "properties": "fastigheter", "object_types": "objekttyper", "objects": "objekt", "customers": "kunder",
    "invoices": "fakturor", "invoice_rows": "fakturarader", "dunning_notices": "påminnelser/krav",
    "payments": "betalningar",
}


def _ledger(_: str, details: str) -> str:
    def counts(match: re.Match[str]) -> str:
        return f"{_SECTIONS.get(match[1], match[1])}: {match[2]} nya, {match[3]} ändrade"

    text = re.sub(r"\b([a-z_]+): (\d+) created, (\d+) updated", counts, details)
    return text.replace("; updated: ", "; ändrat: ", 1)


_DETAIL_WORDING: dict[str, Callable[[str, str], str]] = {
    "setting.changed": _setting,
    "case.status": _case_status,
    "dunning.blocked": _block,
    "dunning.unblocked": _block,
    "dunning.levels": _arrow,
    "dunning.reference_rates": _arrow,
    "balance_file.rewritten": _arrow,
    "outbox.enqueued": _arrow,
    "outbox.sent": _arrow,
    "service.run": _service_run,
    "service.created": _service_spec,
    "service.changed": _service_spec,
    "payment.booked": _booked,
    "case.payment": _booked,
    "case.payment_registered": _case_payment,
    "case.created": _amounts,
    "collection.run": _amounts,
    "dunning.run": _amounts,
    "dunning.notice": _amounts,
    "demo.created": _demo,
    "ledger.imported": _ledger,
}
"""Actions whose stored details hold codes or English; the rest are stored in words already."""
