"""The audit log: everything a user did that changes money, a case or a setting.

Services call :func:`record` inside their own transaction, so the entry exists exactly when the
change does. What is stored are codes: the action (``invoice.excluded``), the kind of object
(``collection_case``) and the details as a JSON object of codes and values (a setting's old and
new value, a payment's kind, method and amount in öre, a run's trigger and result); a detail
that is only words (a note, a reason typed by staff) is ``{"text": "..."}``. :data:`ACTION_LABELS`
and :data:`OBJECT_LABELS` name every code in Swedish and :func:`readable_details` words the
details for staff when they are shown (:data:`DETAIL_WORDING`), so the screen shows words while
the database keeps codes, and nothing stored is ever parsed back out of a sentence. Entries
written before details were JSON were converted by schema migration 3
(``db/migration_v3.py``). A test reads every ``record``/``record_many`` call in ``tui_inkasso``
and checks each code used has its label here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui_inkasso.db.models import AuditEntry
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import case_status_label, payment_kind_label, payment_method_label
from tui_inkasso.domain.money import format_sek
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.permissions import reads

if TYPE_CHECKING:
    from tui_inkasso.db.bulk import BulkWriter

ACTION_LABELS: dict[str, str] = {
    "approval.approved": "Ändring godkänd",
    "approval.proposed": "Ändring föreslagen",
    "approval.rejected": "Förslag avslaget",
    "approval.superseded": "Förslag ersatt",
    "arrears.excluded": "Undantagen från uppsägning",
    "arrears.included": "Åter med bland obetalda hyror",
    "arrears.run": "Uppsägningskörning",
    "arrears.served": "Delgivning registrerad",
    "arrears.socialnamnd_received": "Socialnämndens mottagande registrerat",
    "arrears.state": "Uppsägningens läge ändrat",
    "arrears.terminated": "Hyresavtal uppsagt för obetald hyra",
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
    "dunning.recovered": "Brev färdigställda efter avbrott",
    "invoice.excluded": "Undantagen från inkasso",
    "invoice.included": "Inkluderad för inkasso",
    "ledger.imported": "Reskontra inläst",
    "object.size": "Lägenhetens storlek ändrad",
    "outbox.enqueued": "Lagd i utkorgen",
    "outbox.sent": "Fil skickad",
    "outbox.failed": "Sändning misslyckades",
    "outbox.resend": "Skickas igen",
    "owner.changed": "Ägare ändrad",
    "payment.booked": "Betalning bokförd",
    "payment.allocated": "Betalning fördelad",
    "payment.prepayment": "Betalning som förskott",
    "payments.imported": "Betalfil inläst",
    "property.municipality": "Fastighetens kommun ändrad",
    "service.created": "Tjänst skapad",
    "service.changed": "Tjänst ändrad",
    "service.deleted": "Tjänst borttagen",
    "service.recipients": "Tjänstens e-postmottagare ändrade",
    "service.run": "Tjänst körd",
    "setting.changed": "Inställning ändrad",
    "sie.exported": "SIE-fil exporterad",
    "socialnamnd.imported": "Socialnämnder inlästa",
    "socialnamnd.removed": "Socialnämnd borttagen",
    "socialnamnd.set": "Socialnämndens adress ändrad",
    "user.added": "Användare tillagd",
    "user.removed": "Användare borttagen",
    "user.role": "Användares roll ändrad",
}
"""Every action code a service records, and what staff read for it (the code stays in the
database, in exports and in the entry's detail view)."""

OBJECT_LABELS: dict[str, str] = {
    "balance_report": "Saldofil",
    "collection_case": "Inkassoärende",
    "collection_file": "Fil",
    "collection_run": "Inkassokörning",
    "contract": "Hyresavtal",
    "customer": "Kund",
    "dunning_levels": "Kravnivåer",
    "dunning_run": "Påminnelsekörning",
    "file": "Fil",
    "invoice": "Faktura",
    "ledger": "Reskontra",
    "outbox_file": "Fil i utkorgen",
    "owner": "Ägare",
    "payment": "Betalning",
    "payment_file": "Betalfil",
    "property": "Fastighet",
    "proposal": "Förslag",
    "reference_rate": "Referensräntor",
    "rental_object": "Objekt",
    "scheduled_service": "Schemalagd tjänst",
    "setting": "Inställning",
    "sie": "SIE-export",
    "socialnamnd": "Socialnämnd",
    "staff_user": "Användare",
    "termination_run": "Uppsägningskörning",
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


Details = Mapping[str, Any] | str
"""An entry's details: codes and values (JSON-able), or words only (stored as ``{"text": ...}``)."""


def encode_details(details: Details) -> str:
    """The stored form of ``details``: one JSON object (``{}`` for none)."""
    data = ({"text": details} if details else {}) if isinstance(details, str) else dict(details)
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))


def record(action: str, object_type: str, object_id: object, details: Details = "") -> None:
    """Write one audit entry as the current OS user, now."""
    AuditEntry.create(
        at=now(),
        user=current_user(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=encode_details(details),
    )


def record_many(entries: list[tuple[str, str, object, Details]], writer: BulkWriter | None = None) -> None:
    """Write many audit entries at once (bulk runs), through ``writer`` when the run has one.

    Through ``bulk.insert`` (COPY on PostgreSQL, many rows a statement on SQLite): peewee's SQL
    building for 20,000 rows of insert_many costs seconds, and a prepared INSERT a row most of a
    second of PostgreSQL's CPU.
    """
    from tui_inkasso.db.bulk import insert, stored_text

    at, user = stored_text(now()), current_user()
    columns = ("at", "user", "action", "object_type", "object_id", "details")
    rows = [(at, user, a, t, str(i), encode_details(d)) for a, t, i, d in entries]
    if writer is None:
        insert(AuditEntry, columns, rows)
    else:
        writer.insert(AuditEntry, columns, rows)


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

    @property
    def has_codes(self) -> bool:
        """True when the stored details hold codes or values, not only words (the entry's view
        then shows them as stored, too)."""
        return bool(set(_decode(self.details)) - {"text"})


@reads
def recent(limit: int = 100, object_type: str | None = None, object_id: str | None = None,
           user: str | None = None) -> list[AuditLine]:
    """The latest entries, newest first, optionally for one object or of one user."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if user:
        query = query.where(AuditEntry.user == user)
    return [AuditLine(e.at, e.user, e.action, e.object_type, e.object_id, e.details) for e in query]


@reads
def audit_users() -> list[str]:
    """Everyone who has an entry in the log, by name (for the Granskningslogg's user filter)."""
    return [row[0] for row in tuple_rows(AuditEntry.select(AuditEntry.user).distinct().order_by(AuditEntry.user))]


# --------------------------------------------------------------------------- details in words

ARROW = " → "


def readable_details(action: str, object_id: str, details: str) -> str:
    """The stored details in words: codes by their Swedish names, amounts in kronor, arrows.

    The wording happens here, when an entry is shown, so a label changed later reads the same in
    old and new entries. Details that are words only are shown as they are; details this cannot
    read (not JSON, or a field missing) are shown as stored rather than hidden.
    """
    data = _decode(details)
    if not data:
        return "" if details.strip() in ("", "{}") else details
    wording = DETAIL_WORDING.get(action)
    if wording is not None and (set(data) - {"text"} or action == "setting.changed"):
        try:
            return wording(object_id, data)
        except (KeyError, TypeError, ValueError):
            return details
    if "text" in data and len(data) == 1:
        return str(data["text"])
    return "; ".join(f"{key}: {value}" for key, value in data.items())


def _decode(details: str) -> dict[str, Any]:
    """The stored JSON object, or {} for none and for text that is not a JSON object."""
    if not details.startswith("{"):
        return {}
    try:
        data = json.loads(details)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _sek(ore: int) -> str:
    return format_sek(int(ore))


def _change(_: str, d: dict[str, Any]) -> str:
    """{"old", "new"}: a value before and after (dunning levels, reference rates)."""
    return f"{d['old']}{ARROW}{d['new']}"


def _setting(key: str, d: dict[str, Any]) -> str:
    """{"old", "new", "proposal"}: the setting's stored values (codes), by the setting's label and
    names; the proposal approved, for a four-eyes setting."""
    from tui_inkasso.services import setting_keys

    definition = setting_keys.SETTINGS.get(key)
    name = definition.label if definition else key
    if "text" in d:
        return f"{name}: {d['text']}"
    old, new = (setting_keys.display_value(key, d[side] or "") for side in ("old", "new"))
    return f"{name}: {old}{ARROW}{new}" + _approved(d)


_OWNER_FIELD_NAMES = {"bankgiro": "Bankgiro", "plusgiro": "Plusgiro", "ocr_control": "OCR-kontroll",
                      "phone": "Telefon", "email": "E-post", "address": "Adress", "postal_code": "Postnummer",
                      "city": "Ort"}
"""An owner's fields as the log names them (an account is "Konto för <roll>")."""


def _owner_change(_: str, d: dict[str, Any]) -> str:
    """{"field": "bankgiro" | "plusgiro" | "ocr_control" | "account", "role" (for an account), "old",
    "new", "proposal"}: an owner's giro number, OCR control level or its account for a role, before
    and after ("" = none), and the proposal whose approval changed it (four eyes)."""
    from tui_inkasso.domain.identifiers import format_bankgiro, format_plusgiro
    from tui_inkasso.domain.ocr_control import OcrControl

    shown = {"bankgiro": format_bankgiro, "plusgiro": format_plusgiro,
             "ocr_control": lambda code: OcrControl(code).label}.get(d["field"], str)
    name = (_OWNER_FIELD_NAMES.get(d["field"])
            or f"Konto för {d['role']}")
    old, new = (shown(d[side]) if d[side] else "(inget)" for side in ("old", "new"))
    return f"{name}: {old}{ARROW}{new}" + _approved(d)


def _approved(d: dict[str, Any]) -> str:
    """" (förslag 7)" for a change put in force by approving proposal 7 (four eyes)."""
    return f" (förslag {d['proposal']})" if d.get("proposal") else ""


def _case_status(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "note"}: case status codes and what staff wrote."""
    note = f": {d['note']}" if d.get("note") else ""
    return f"{case_status_label(d['old'])}{ARROW}{case_status_label(d['new'])}{note}"


def _block(_: str, d: dict[str, Any]) -> str:
    """{"old", "new"}: the block's reason before and after (null: no block)."""
    old, new = d["old"], d["new"]
    if old is None:
        return str(new or "")
    return f"{old or '(ingen)'}{ARROW}{new if new is not None else '(ingen spärr)'}"


def _service_run(_: str, d: dict[str, Any]) -> str:
    """{"trigger", "slot", "result", "file", "error", "worker"}: one run of a scheduled service."""
    from tui_inkasso.services.scheduled_runs import RESULT_LABELS, TRIGGER_LABELS

    slot = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", d["slot"])
    when = f" {slot[1]} {slot[2]}" if slot else ""
    text = f"{TRIGGER_LABELS.get(d['trigger'], d['trigger'])}{when}: {RESULT_LABELS.get(d['result'], d['result'])}"
    if d.get("file"):
        text += f" {d['file']}"
    if d.get("error"):
        text += f" – {d['error']}"
    if d.get("worker"):
        text += f" ({d['worker']})"
    return text


def _service_spec(_: str, d: dict[str, Any]) -> str:
    """A scheduled service's fields as saved (``ScheduledService`` columns)."""
    from tui_inkasso.domain import schedule_rules as rules
    from tui_inkasso.services.scheduled_jobs import service_label

    words = [f"Namn: {d['name']}", f"Tjänst: {service_label(d.get('service', ''))}"]
    try:
        rule = rules.ScheduleRule(
            d.get("frequency", ""), rules.parse_time(d.get("at_time", "")),
            weekdays=tuple(int(day) for day in str(d.get("weekdays") or "").split(",") if day),
            month_day=d.get("month_day"), every_hours=d.get("every_hours"),
        )
        words.append(f"Schema: {rules.describe(rule)}")
    except (rules.ScheduleRuleError, ValueError, IndexError):
        pass
    words.append(f"Aktiv: {'ja' if d.get('enabled') else 'nej'}")
    if d.get("notify_emails"):
        also = " (även när körningen lyckas)" if d.get("notify_success") else ""
        words.append(f"E-post: {d['notify_emails']}{also}")
    if d.get("description"):
        words.append(f"Beskrivning: {d['description']}")
    return "; ".join(words)


def _booked(_: str, d: dict[str, Any]) -> str:
    """{"kind", "amount", "method", "invoice", "excess", "excess_role"}: a payment as booked."""
    text = f"{payment_kind_label(d['kind'])} {_sek(d['amount'])} kr via {payment_method_label(d['method'])}"
    if d.get("invoice"):
        text += f" på faktura {d['invoice']}"
    if d.get("excess"):
        text += f", överskott {_sek(d['excess'])} kr till {d['excess_role']}"
    return text


def _case_payment(_: str, d: dict[str, Any]) -> str:
    """{"amount", "invoice", "payment"}: a payment registered in a case."""
    return f"{_sek(d['amount'])} kr på {d['invoice']}, betalning {d['payment']}"


def _case_created(_: str, d: dict[str, Any]) -> str:
    """{"customer", "customer_name", "owner", "claims": [[invoice, öre], ...]}."""
    claims = ", ".join(f"{number} {_sek(amount)}" for number, amount in d["claims"])
    return f"{d['customer']} {d['customer_name']}, ägare {d['owner']}: {claims}"


def _collection_run(_: str, d: dict[str, Any]) -> str:
    """{"cases", "invoices", "amount", "system", "selection", "files"}."""
    from tui_inkasso.domain.collection_systems import system_label

    return (f"{d['cases']} ärenden, {d['invoices']} fakturor, {_sek(d['amount'])} kr, "
            f"{system_label(d['system'])}, urval: {d['selection']}, fil: {d['files']}")


def _dunning_run(_: str, d: dict[str, Any]) -> str:
    """{"date", "letters", "fees", "selection", "left_out", "file"}."""
    return (f"{d['date']}: {d['letters']} brev, avgifter {_sek(d['fees'])}, urval: {d['selection']}, "
            f"utelämnade: {d['left_out']}, fil: {d['file']}")


def _dunning_notice(_: str, d: dict[str, Any]) -> str:
    """{"name", "level", "fee", "interest", "run"}: one reminder or demand of a run."""
    return (f"{d['name']} (nivå {d['level']}), avgift {_sek(d['fee'])}, ränta {_sek(d['interest'])}, "
            f"körning {d['run']}")


def _rewritten(_: str, d: dict[str, Any]) -> str:
    """{"file_id", "target", "identical"}: a balance file written again."""
    return f"{d['file_id']}{ARROW}{d['target']}" + ("" if d["identical"] else " (innehållet skiljer sig)")


def _enqueued(_: str, d: dict[str, Any]) -> str:
    """{"file", "target"}: a file put in the outbox for a server (the URL without password)."""
    return f"{d['file']}{ARROW}{d['target']}"


def _sent(_: str, d: dict[str, Any]) -> str:
    """{"file", "remote", "already_there"}: a file delivered (or found there already)."""
    return f"{d['file']}{ARROW}{d['remote']}" + (" (fanns redan på servern)" if d.get("already_there") else "")


def _demo(_: str, d: dict[str, Any]) -> str:
    """{"invoices", "business_date", "reset"}."""
    return f"{d['invoices']} fakturor, affärsdag {d['business_date']}" + (", efter tömning" if d.get("reset") else "")


def _sie_export(_: str, d: dict[str, Any]) -> str:
    """{"from", "to", "again", "files": [{"owner", "file", "vouchers", "skipped"}]}."""
    period = f"{d.get('from') or 'början'}–{d.get('to') or 'slutet'}"
    files = ", ".join(f"{f['owner']} {f['vouchers']} verifikationer" for f in d.get("files", []))
    return f"{period}{' (kopia)' if d.get('again') else ''}: {files}"


LEDGER_SECTIONS = {
    "settings": "inställningar", "dunning_levels": "kravnivåer", "owners": "ägare", "accounts": "konton",
    "properties": "fastigheter", "object_types": "objekttyper", "objects": "objekt", "customers": "kunder",
    "contracts": "avtal", "invoices": "fakturor", "invoice_rows": "fakturarader",
    "dunning_notices": "påminnelser/krav",
    "payments": "betalningar",
}
"""The record types a ledger import counts, in words."""


def _ledger(_: str, d: dict[str, Any]) -> str:
    """{"file", "sha256", "counts": {type: [created, updated]}, "updated": [what, ...], "proposed":
    [proposal id, ...]}: the payment routing the file would change is proposed (issue 17)."""
    counts = ", ".join(f"{LEDGER_SECTIONS.get(name, name)}: {created} nya, {updated} ändrade"
                       for name, (created, updated) in d["counts"].items())
    text = f"{d['file']} sha256 {d['sha256']}: {counts}"
    text += "; ändrat: " + "; ".join(d["updated"]) if d.get("updated") else ""
    return text + ("; föreslaget (väntar på godkännande): förslag " + ", ".join(map(str, d["proposed"]))
                   if d.get("proposed") else "")


def _arrears_run(_: str, d: dict[str, Any]) -> str:
    """{"date", "terminations", "amount", "letters", "socialnamnd": {municipality: file}}."""
    notices = ", ".join(f"{m}: {f}" for m, f in d["socialnamnd"].items()) or "inga"
    return (f"{d['date']}: {d['terminations']} uppsägningar, {_sek(d['amount'])} kr för återvinning, brev: "
            f"{d['letters']}, till socialnämnden: {notices}")


def _terminated(_: str, d: dict[str, Any]) -> str:
    """{"premises": "dwelling"|"premises", "amount", "invoices", "municipality", "run"}."""
    what = "bostad" if d["premises"] == "dwelling" else "lokal"
    board = f", meddelande till socialnämnden i {d['municipality']}" if d.get("municipality") else ""
    return (f"{what}, {_sek(d['amount'])} kr för återvinning, fakturor {', '.join(d['invoices'])}{board}, "
            f"körning {d['run']}")


def _served(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "how"}: the day served (ISO) and the method's code."""
    from tui_inkasso.domain.rent_arrears import service_method_label

    before = f"{d['old']}{ARROW}" if d.get("old") else ""
    return f"{before}{d['new']} ({service_method_label(d['how'])})"


def _received(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "municipality"}: the day socialnämnden received the notice."""
    before = f"{d['old']}{ARROW}" if d.get("old") else ""
    return f"Socialnämnden i {d['municipality']}: {before}{d['new']}"


def _arrears_state(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "last_day"}: state codes (``domain.rent_arrears.RecoveryState``)."""
    from tui_inkasso.domain.rent_arrears import state_label

    last = f" (sista dag {d['last_day']})" if d.get("last_day") else ""
    return f"{state_label(d['old'])}{ARROW}{state_label(d['new'])}{last}"


def _board(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "email"}: a board's address before and after (null: none)."""
    old = d["old"] or "(ingen)"
    new = d["new"] or "(borttagen)"
    return f"{old}{ARROW}{new}" + (f", e-post {d['email']}" if d.get("email") else "")


def _boards_imported(_: str, d: dict[str, Any]) -> str:
    """{"file", "new", "changed", "unchanged"}."""
    return f"{d['file']}: {d['new']} nya, {d['changed']} ändrade, {d['unchanged']} oförändrade"


def _old_new(_: str, d: dict[str, Any]) -> str:
    """{"old", "new"}: a value before and after (null: none)."""
    return f"{d['old'] or '(ingen)'}{ARROW}{d['new']}"


def _staff_user(_: str, d: dict[str, Any]) -> str:
    """{"role", "first"}: a user added (the first user of a ledger becomes its administrator) or
    removed, with the role code."""
    from tui_inkasso.domain.codes import staff_role_label

    return staff_role_label(d["role"]) + (" (reskontrans första användare)" if d.get("first") else "")


def _staff_role(_: str, d: dict[str, Any]) -> str:
    """{"old", "new"}: role codes."""
    from tui_inkasso.domain.codes import staff_role_label

    return f"{staff_role_label(d['old'])}{ARROW}{staff_role_label(d['new'])}"


def _proposal(_: str, d: dict[str, Any]) -> str:
    """{"key", "old", "new", "proposed_by"}: a proposal's value (the proposer when decided)."""
    old, new = (d[side] if d.get(side) else "(tomt)" for side in ("old", "new"))
    text = f"{d['key']}: {old}{ARROW}{new}" if "old" in d else f"{d['key']}: {new}"
    return text + (f", föreslagen av {d['proposed_by']}" if d.get("proposed_by") else "")


def _recipients(_: str, d: dict[str, Any]) -> str:
    """{"old", "new", "proposal"}: a service's e-mail recipients before and after."""
    old, new = (d[side].replace(",", ", ") if d[side] else "(ingen)" for side in ("old", "new"))
    return f"{old}{ARROW}{new}" + (f" (förslag {d['proposal']})" if d.get("proposal") else "")


DETAIL_WORDING: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "user.added": _staff_user,
    "user.removed": _staff_user,
    "user.role": _staff_role,
    "approval.proposed": _proposal,
    "approval.approved": _proposal,
    "approval.rejected": _proposal,
    "approval.superseded": _proposal,
    "service.recipients": _recipients,
    "arrears.run": _arrears_run,
    "arrears.terminated": _terminated,
    "arrears.served": _served,
    "arrears.socialnamnd_received": _received,
    "arrears.state": _arrears_state,
    "socialnamnd.set": _board,
    "socialnamnd.removed": _board,
    "socialnamnd.imported": _boards_imported,
    "property.municipality": _old_new,
    "object.size": _old_new,
    "setting.changed": _setting,
    "case.status": _case_status,
    "owner.changed": _owner_change,
    "dunning.blocked": _block,
    "dunning.unblocked": _block,
    "dunning.levels": _change,
    "dunning.reference_rates": _change,
    "balance_file.rewritten": _rewritten,
    "outbox.enqueued": _enqueued,
    "outbox.sent": _sent,
    "service.run": _service_run,
    "service.created": _service_spec,
    "service.changed": _service_spec,
    "payment.booked": _booked,
    "case.payment": _booked,
    "case.payment_registered": _case_payment,
    "case.created": _case_created,
    "collection.run": _collection_run,
    "dunning.run": _dunning_run,
    "dunning.notice": _dunning_notice,
    "demo.created": _demo,
    "ledger.imported": _ledger,
    "sie.exported": _sie_export,
}
"""Actions whose details hold codes and values, and how each is worded (each function's
docstring names the JSON keys its service writes); every other action's details are words."""
