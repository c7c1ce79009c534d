"""Schema version 3: audit details become JSON objects of codes and values.

Before version 3 the services wrote an entry's details as one line of text: Python reprs for a
setting's values (``'none' -> 'intrum'``), English words and codes (``payment 1234.50 kr via
bankgiro``, ``schedule 2026-11-28T06:00: failed – ...``), amounts in file form. The screen
parsed them back out each time it showed them. This step parses each stored line once, with the
patterns the old program wrote, into the JSON the services now write (``services/audit.py``
names the keys per action); a line that does not have its action's old form is kept as words
(``{"text": ...}``, worded the way the old screen showed it). The patterns and code lists are
frozen here, as they were at version 2: they describe what old programs wrote, not today's codes.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import peewee as pw

from tui_inkasso.domain.money import MoneyError, format_sek, parse_amount

BATCH = 2_000
"""Entries read and rewritten per round: the log of a large site has millions of entries."""

_CASE_STATUSES = ("registrerat", "inkassokrav skickat", "avbetalningsplan", "hos Kronofogden", "avslutat")
_TRIGGERS = ("schedule", "catch-up", "manual")
_RESULTS = ("running", "ok", "failed", "interrupted")
_SYSTEMS = {"eget ärenderegister": "inhouse", "Intrum": "intrum", "Svea Inkasso": "svea", "Excelfil": "none"}
"""The collection systems' labels version 2 wrote into a run's details, back to their codes."""
_SERVICE_FIELDS = ("name", "service", "description", "enabled", "notify_emails", "notify_success",
                   "frequency", "weekdays", "month_day", "every_hours", "at_time")
_AMOUNT = r"-?\d+\.\d\d"

Details = dict[str, Any]


def migrate_audit_details(database: pw.Database, _migrator: object = None) -> None:
    """Rewrite every audit entry's details as JSON (inside the runner's transaction)."""
    for rows in _batches(database):
        changed = [(converted, entry_id) for entry_id, action, details in rows
                   if (converted := convert(action, details)) != details]
        if changed:
            placeholder = database.param
            cursor = database.cursor()
            cursor.executemany(
                f'UPDATE "audit_entry" SET "details" = {placeholder} WHERE "id" = {placeholder}', changed)


def _batches(database: pw.Database) -> Iterator[list[tuple[int, str, str]]]:
    last = 0
    param = database.param
    while True:
        rows = database.execute_sql(
            f'SELECT "id", "action", "details" FROM "audit_entry" WHERE "id" > {param} '
            f'ORDER BY "id" LIMIT {BATCH}', (last,)).fetchall()
        if not rows:
            return
        yield [(int(i), str(a), str(d or "")) for i, a, d in rows]
        last = int(rows[-1][0])


def convert(action: str, details: str) -> str:
    """The stored JSON for an entry of version 2 (already JSON: kept as it is)."""
    if details.startswith("{"):
        try:
            if isinstance(json.loads(details), dict):
                return details
        except ValueError:
            pass
    if not details:
        return "{}"
    reader = _READERS.get(action)
    data = reader(details) if reader else None
    if data is None:
        data = {"text": _FALLBACK.get(action, _same)(details)}
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))


def _same(details: str) -> str:
    return details


def _ore(text: str) -> int:
    return parse_amount(text)


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


def _setting(details: str) -> Details | None:
    pair = _repr_pair(details)
    return None if pair is None else {"old": pair[0], "new": pair[1]}


def _case_status(details: str) -> Details | None:
    old, separator, rest = details.partition(" -> ")
    if not separator:
        return None
    for status in sorted(_CASE_STATUSES, key=len, reverse=True):
        if rest == status or rest.startswith(status + ": "):
            return {"old": old, "new": status, "note": rest[len(status) + 2:]}
    return None


def _block(details: str) -> Details:
    pair = _repr_pair(details)
    return {"old": None, "new": details} if pair is None else {"old": pair[0], "new": pair[1]}


def _change(details: str) -> Details | None:
    old, separator, new = details.partition(" -> ")
    return {"old": old, "new": new} if separator else None


def _rewritten(details: str) -> Details | None:
    file_id, separator, target = details.partition(" -> ")
    if not separator:
        return None
    differs = target.endswith(" (innehållet skiljer sig)")
    return {"file_id": file_id, "target": target.removesuffix(" (innehållet skiljer sig)"),
            "identical": not differs}


def _enqueued(details: str) -> Details | None:
    file, separator, target = details.partition(" -> ")
    return {"file": file, "target": target} if separator else None


def _sent(details: str) -> Details | None:
    file, separator, remote = details.partition(" -> ")
    if not separator:
        return None
    already = remote.endswith(" (fanns redan på servern)")
    return {"file": file, "remote": remote.removesuffix(" (fanns redan på servern)"), "already_there": already}


_RUN = re.compile(r"(?P<trigger>\S+) (?P<slot>\S+): (?P<result>[a-z]+)(?P<rest>.*)", re.DOTALL)


def _service_run(details: str) -> Details | None:
    match = _RUN.fullmatch(details)
    if not match or match["trigger"] not in _TRIGGERS or match["result"] not in _RESULTS:
        return None
    data: Details = {"trigger": match["trigger"], "slot": match["slot"], "result": match["result"]}
    rest = match["rest"]
    worker = re.fullmatch(r" \((.*)\)", rest, re.DOTALL) if match["result"] == "interrupted" else None
    if worker:
        data["worker"] = worker[1]
        return data
    file, _, error = rest.partition(" – ")
    if file and not file.startswith(" "):
        return None
    data["file"], data["error"] = file.strip(), error
    return data


def _service_spec(details: str) -> Details | None:
    parts = re.split(r"(?:^|, )(" + "|".join(_SERVICE_FIELDS) + ")=", details)
    values = dict(zip(parts[1::2], parts[2::2], strict=True))
    if parts[0] or "name" not in values:
        return None
    data: Details = dict(values)
    for flag in ("enabled", "notify_success"):
        if flag in data:
            data[flag] = data[flag] == "True"
    for number in ("month_day", "every_hours"):
        if number in data:
            data[number] = None if data[number] in ("None", "") else int(data[number])
    return data


_BOOKED = re.compile(rf"(?P<kind>payment|credit) (?P<amount>{_AMOUNT}) kr via (?P<method>\S+)"
                     rf"(?: på faktura (?P<invoice>.+?))?"
                     rf"(?:, överskott (?P<excess>{_AMOUNT}) kr till (?P<role>.+))?", re.DOTALL)


def _booked(details: str) -> Details | None:
    match = _BOOKED.fullmatch(details)
    if not match:
        return None
    data: Details = {"kind": match["kind"], "amount": _ore(match["amount"]), "method": match["method"],
                     "invoice": match["invoice"]}
    if match["excess"]:
        data.update(excess=_ore(match["excess"]), excess_role=match["role"])
    return data


def _case_payment(details: str) -> Details | None:
    match = re.fullmatch(rf"({_AMOUNT}) på (.+), betalning (\d+)", details, re.DOTALL)
    if not match:
        return None
    return {"amount": _ore(match[1]), "invoice": match[2], "payment": int(match[3])}


def _case_created(details: str) -> Details | None:
    match = re.fullmatch(r"(\S+) (.*), ägare (\S+): (.+)", details, re.DOTALL)
    if not match:
        return None
    claims = []
    for claim in match[4].split(", "):
        part = re.fullmatch(rf"(\S+) ({_AMOUNT})", claim)
        if not part:
            return None
        claims.append([part[1], _ore(part[2])])
    return {"customer": match[1], "customer_name": match[2], "owner": match[3], "claims": claims}


def _collection_run(details: str) -> Details | None:
    match = re.fullmatch(rf"(\d+) ärenden, (\d+) fakturor, ({_AMOUNT}) kr, (.*?), urval: (.*), fil: (.*)",
                         details, re.DOTALL)
    if not match:
        return None
    return {"cases": int(match[1]), "invoices": int(match[2]), "amount": _ore(match[3]),
            "system": _SYSTEMS.get(match[4], match[4]), "selection": match[5], "files": match[6]}


def _dunning_run(details: str) -> Details | None:
    match = re.fullmatch(rf"(\S+): (\d+) brev, avgifter ({_AMOUNT}), urval: (.*), utelämnade: (\d+), fil: (.*)",
                         details, re.DOTALL)
    if not match:
        return None
    return {"date": match[1], "letters": int(match[2]), "fees": _ore(match[3]), "selection": match[4],
            "left_out": int(match[5]), "file": match[6]}


def _dunning_notice(details: str) -> Details | None:
    match = re.fullmatch(rf"(.*) \(nivå (\d+)\), avgift ({_AMOUNT}), ränta ({_AMOUNT}), körning (\d+)",
                         details, re.DOTALL)
    if not match:
        return None
    return {"name": match[1], "level": int(match[2]), "fee": _ore(match[3]), "interest": _ore(match[4]),
            "run": int(match[5])}


def _demo(details: str) -> Details | None:
    match = re.fullmatch(r"(\d+) invoices, business date (\S+)(, after reset)?", details)
    if not match:
        return None
    return {"invoices": int(match[1]), "business_date": match[2], "reset": bool(match[3])}


_COUNTS = re.compile(r"\b([a-z_]+): (\d+) created, (\d+) updated")


def _ledger(details: str) -> Details | None:
    match = re.fullmatch(r"(.*) sha256 ([0-9a-f]+): (.*?)(?:; updated: (.*))?", details, re.DOTALL)
    if not match:
        return None
    counts = {name: [int(created), int(updated)] for name, created, updated in _COUNTS.findall(match[3])}
    if ", ".join(f"{n}: {c} created, {u} updated" for n, (c, u) in counts.items()) != match[3]:
        return None
    return {"file": match[1], "sha256": match[2], "counts": counts,
            "updated": match[4].split("; ") if match[4] else []}


_READERS: dict[str, Callable[[str], Details | None]] = {
    "setting.changed": _setting,
    "case.status": _case_status,
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
}
"""Actions whose version-2 details held codes, English or file-form amounts, and their readers."""

_FILE_AMOUNT = re.compile(rf"(?:^|(?<=\s)){_AMOUNT}(?=$|[\s,;:)])")


def _amounts_in_words(details: str) -> str:
    """What the old screen did to a line it could not read: amounts with a decimal comma."""
    def word(match: re.Match[str]) -> str:
        try:
            return format_sek(parse_amount(match[0]))
        except MoneyError:
            return match[0]

    return _FILE_AMOUNT.sub(word, details)


_FALLBACK: dict[str, Callable[[str], str]] = {
    "case.created": _amounts_in_words,
    "collection.run": _amounts_in_words,
    "dunning.run": _amounts_in_words,
    "dunning.notice": _amounts_in_words,
    "dunning.levels": lambda text: text.replace(" -> ", " → "),
    "dunning.reference_rates": lambda text: text.replace(" -> ", " → "),
}
"""How a line that does not have its action's old form is kept as words: as the old screen
showed it."""
