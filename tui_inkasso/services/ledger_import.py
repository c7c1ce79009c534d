"""Import a ledger from another system (`tui-inkasso import-ledger FILE.json`).

The format is documented in ``docs/ledger-import.md``. The import has two phases:

1. **Validate everything** without writing: every field of every record (types, ISO dates,
   amounts with at most two decimals, check digits of organisationsnummer, personnummer,
   bankgiro, plusgiro and OCR), references between records (in the file or already in the
   database), duplicates, and that nothing already stored would have to change where changing
   is not allowed. Every problem is collected as ``path: reason``
   (``invoices[3].ocr: OCR-numret '20000189' har fel kontrollsiffra``, the reason in Swedish for
   the person migrating, as the domain words it); one problem refuses the whole file.
2. **Write it all** in one transaction.

Re-importing is safe. Records are found by their natural keys (owner id -> ``Owner.code``,
property id, object type code, object id, customer id -> ``Customer.number``, invoice number,
dunning level per invoice, and for payments a key derived from their content, stored in
``Payment.bank_ref`` as ``import:<sha>``). What the file says about master data (settings,
dunning levels, owners and their accounts, properties, object types, objects, customers) is
applied: a changed record is updated. Money is never rewritten: an invoice (rows included) or a
dunning notice that differs from the stored one is an error; new notices and new payments are
added, and the invoice's balance and dunning state follow. The same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import BulkWriter
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceKind,
    InvoiceRow,
    ObjectType,
    Owner,
    Payment,
    PaymentKind,
    PaymentMethod,
    Property,
    RentalObject,
    Setting,
)
from tui_inkasso.domain.allocation import COLLECTION_OVERPAYMENT_ROLE, Split, split_payment
from tui_inkasso.domain.identifiers import (
    IdentifierError,
    digits_only,
    is_organisation,
    normalize_bankgiro,
    normalize_national_id,
    normalize_ocr,
    normalize_orgnr,
    normalize_plusgiro,
)
from tui_inkasso.domain.money import format_amount
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.services import audit, settings
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.transaction import write_transaction

FORMAT = "tui-inkasso-ledger/1"
"""The value of the file's ``format`` field this version reads."""

DEFAULT_DEADLINE_DAYS = 10
CHUNK = 500
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^-?\d+(?:\.\d+)?$")
_ACCOUNT = re.compile(r"^\d{1,10}$")
SECTIONS = (
    "settings", "dunning_levels", "owners", "accounts", "properties", "object_types", "objects",
    "customers", "invoices", "invoice_rows", "dunning_notices", "payments",
)
"""Record types counted in the result, in the order they are written."""


class LedgerImportError(UserError):
    """The file was refused; ``errors`` lists every problem as ``path: reason``."""

    def __init__(self, source: str, errors: Sequence[str]) -> None:
        self.source = source
        self.errors = list(errors)
        lines = [f"{source}: {len(self.errors)} fel, ingenting lästes in", *self.errors]
        super().__init__("\n".join(lines))


@dataclass
class RecordCounts:
    """How many records of one type the import created, updated, or found unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class LedgerImportResult:
    """What an import did, per record type (see :data:`SECTIONS`)."""

    source: str
    sha256: str
    counts: dict[str, RecordCounts]

    @property
    def changed(self) -> bool:
        """False when the database already held everything in the file."""
        return any(c.created or c.updated for c in self.counts.values())


# --------------------------------------------------------------------------- parsed records
@dataclass
class _Level:
    level: int
    name: str
    days: int
    fee: int
    deadline_days: int
    letter_text: str | None


@dataclass
class _Owner:
    path: str
    code: str
    name: str
    org_no: str
    bankgiro: str | None
    plusgiro: str | None
    address: str
    postal_code: str
    city: str
    phone: str
    email: str
    accounts: dict[str, str]


@dataclass
class _Property:
    path: str
    code: str
    owner: str
    designation: str
    name: str
    area: str


@dataclass
class _ObjectType:
    path: str
    code: str
    name: str
    sfi: str


@dataclass
class _Object:
    path: str
    code: str
    property: str
    object_type: str
    address: str


@dataclass
class _Customer:
    path: str
    number: str
    name: str
    national_id: str
    is_company: bool
    address: str
    postal_code: str
    city: str
    email: str
    phone: str


@dataclass
class _Notice:
    path: str
    level: int
    date: dt.date
    fee: int
    deadline: dt.date | None


@dataclass
class _Invoice:
    path: str
    number: str
    kind: str
    customer: str
    object: str | None
    owner: str | None
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    rows: list[tuple[str, int]]
    notices: list[_Notice]

    @property
    def amount(self) -> int:
        """An invoice's amount is the sum of its rows."""
        return sum(amount for _, amount in self.rows)


@dataclass
class _Payment:
    path: str
    invoice: str
    date: dt.date
    amount: int
    method: str
    kind: str
    reference: str
    sender_account: str
    payer_name: str
    key: str = ""


@dataclass
class _Ledger:
    settings: dict[str, str] = field(default_factory=dict)
    levels: list[_Level] = field(default_factory=list)
    owners: list[_Owner] = field(default_factory=list)
    properties: list[_Property] = field(default_factory=list)
    object_types: list[_ObjectType] = field(default_factory=list)
    objects: list[_Object] = field(default_factory=list)
    customers: list[_Customer] = field(default_factory=list)
    invoices: list[_Invoice] = field(default_factory=list)
    payments: list[_Payment] = field(default_factory=list)
    declared: dict[str, set[str]] = field(default_factory=dict)
    """Keys of every record in each section, valid or not: a reference to a record that is in
    the file but has an error of its own is not reported again as unknown."""


# --------------------------------------------------------------------------- phase 1a: reading
class _Reader:
    """Reads the JSON records into typed values, collecting every problem instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, reason: str) -> None:
        self.errors.append(f"{path}: {reason}")

    def fields(self, record: Any, path: str, required: Iterable[str], optional: Iterable[str]) -> bool:
        """Check ``record`` is an object with the required fields and no unknown ones."""
        if not isinstance(record, dict):
            self.error(path, f"ska vara ett objekt, inte {_json_type(record)}")
            return False
        required = tuple(required)
        known = set(required) | set(optional)
        for name in required:
            if name not in record or record[name] is None:
                self.error(f"{path}.{name}" if path else name, "saknas")
        for name in record:
            if name not in known:
                self.error(f"{path}.{name}" if path else name,
                           f"okänt fält; kända fält: {', '.join(sorted(known))}")
        return True

    def text(self, record: dict, path: str, name: str, model_field: pw.Field | None = None,
             *, default: str | None = None) -> str | None:
        """A non-empty string (or ``default`` when absent), within the column's length."""
        value = record.get(name)
        if value is None:
            return default
        where = f"{path}.{name}"
        if not isinstance(value, str):
            self.error(where, f"ska vara en text, inte {_json_type(value)}")
            return None
        value = value.strip()
        if not value and default is None:
            self.error(where, "får inte vara tom")
            return None
        limit = getattr(model_field, "max_length", None)
        if limit and len(value) > limit:
            self.error(where, f"längre än {limit} tecken")
            return None
        return value

    def integer(self, record: dict, path: str, name: str, *, minimum: int, default: int | None = None) -> int | None:
        value = record.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"{path}.{name}", f"ska vara ett heltal, inte {_json_type(value)}")
            return None
        if value < minimum:
            self.error(f"{path}.{name}", f"ska vara minst {minimum}, inte {value}")
            return None
        return value

    def amount(self, record: dict, path: str, name: str, *, minimum: int | None = None) -> int | None:
        """An amount in öre from "1234.50" or 1234.50: at most two decimals, never rounded."""
        value = record.get(name)
        if value is None:
            return None
        where = f"{path}.{name}"
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.error(where, f"ska vara ett belopp som \"1234.50\", inte {_json_type(value)}")
            return None
        text = str(value).strip()
        if not _AMOUNT.match(text):
            self.error(where, f"inget belopp (siffror, punkt och högst två decimaler): {value!r}")
            return None
        whole, _, decimals = text.lstrip("-").partition(".")
        if len(decimals) > 2:
            self.error(where, "fler än två decimaler")
            return None
        ore = int(whole) * 100 + int(decimals.ljust(2, "0"))
        ore = -ore if text.startswith("-") else ore
        if minimum is not None and ore < minimum:
            self.error(where, f"ska vara minst {format_amount(minimum)}, inte {text}")
            return None
        return ore

    def date(self, record: dict, path: str, name: str) -> dt.date | None:
        value = record.get(name)
        if value is None:
            return None
        where = f"{path}.{name}"
        if not isinstance(value, str) or not _DATE.match(value):
            self.error(where, f"inget giltigt datum (ÅÅÅÅ-MM-DD): {value!r}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(where, f"inget giltigt datum (ÅÅÅÅ-MM-DD): {value!r}")
            return None

    def identifier(self, record: dict, path: str, name: str, normalize: Callable[[str], str]) -> str | None:
        value = self.text(record, path, name)
        if value is None:
            return None
        try:
            return normalize(value)
        except IdentifierError as exc:
            self.error(f"{path}.{name}", str(exc))
            return None

    def items(self, data: dict, name: str) -> list[tuple[str, Any]]:
        """The section ``name`` as (path, record) pairs; absent means empty."""
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, f"ska vara en lista, inte {_json_type(value)}")
            return []
        return [(f"{name}[{i}]", record) for i, record in enumerate(value)]

    def unique(self, records: Iterable[tuple[str, str | None]], what: str) -> None:
        """Report a key that appears twice in a section."""
        first: dict[str, str] = {}
        for path, key in records:
            if key is None:
                continue
            if key in first:
                self.error(path, f"samma {what} {key!r} som {first[key]}")
            else:
                first[key] = path


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "ett tal"
    if isinstance(value, str):
        return "en text"
    if isinstance(value, list):
        return "en lista"
    return "ett objekt"


def _read(data: Any, reader: _Reader) -> _Ledger:
    ledger = _Ledger()
    if not isinstance(data, dict):
        reader.error("(filen)", f"ska vara ett JSON-objekt, inte {_json_type(data)}")
        return ledger
    reader.fields(data, "", ["format"], [
        "settings", "dunning_levels", "owners", "properties", "object_types", "objects", "customers",
        "invoices", "payments"])
    if data.get("format") is not None and data.get("format") != FORMAT:
        reader.error("format", f"ska vara {FORMAT!r}, inte {data.get('format')!r}")
    ledger.settings = _read_settings(data, reader)
    ledger.levels = [lv for path, rec in reader.items(data, "dunning_levels") if (lv := _read_level(rec, path, reader))]
    ledger.owners = [o for path, rec in reader.items(data, "owners") if (o := _read_owner(rec, path, reader))]
    ledger.properties = [p for path, rec in reader.items(data, "properties") if (p := _read_property(rec, path, reader))]
    ledger.object_types = [t for path, rec in reader.items(data, "object_types") if (t := _read_type(rec, path, reader))]
    ledger.objects = [o for path, rec in reader.items(data, "objects") if (o := _read_object(rec, path, reader))]
    ledger.customers = [c for path, rec in reader.items(data, "customers") if (c := _read_customer(rec, path, reader))]
    ledger.invoices = [i for path, rec in reader.items(data, "invoices") if (i := _read_invoice(rec, path, reader))]
    ledger.payments = [p for path, rec in reader.items(data, "payments") if (p := _read_payment(rec, path, reader))]
    _check_unique(data, reader)
    for section, key in (("owners", "id"), ("properties", "id"), ("object_types", "code"), ("objects", "id"),
                         ("customers", "id"), ("invoices", "number")):
        ledger.declared[section] = {k for _, rec in _raw_items(data, section) if (k := _key_text(rec.get(key)))}
    return ledger


def _read_settings(data: dict, reader: _Reader) -> dict[str, str]:
    raw = data.get("settings")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        reader.error("settings", f"ska vara ett objekt, inte {_json_type(raw)}")
        return {}
    values = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            reader.error(f"settings.{key}", f"ska vara en text, inte {_json_type(value)}")
            continue
        try:
            values[key] = settings.validate_setting(key, value)
        except settings.SettingError as exc:
            reason = str(exc)
            reader.error(f"settings.{key}", reason.removeprefix(f"{key}: "))
    return values


def _read_level(rec: Any, path: str, reader: _Reader) -> _Level | None:
    optional = ["days_after_due", "days_after_previous", "fee", "deadline_days", "letter_text"]
    if not reader.fields(rec, path, ["level", "name"], optional):
        return None
    before = len(reader.errors)
    level = reader.integer(rec, path, "level", minimum=1)
    name = reader.text(rec, path, "name", DunningLevelConfig.name)
    days_field = "days_after_due" if level == 1 else "days_after_previous"
    other = "days_after_previous" if level == 1 else "days_after_due"
    if level is not None and rec.get(days_field) is None:
        reader.error(f"{path}.{days_field}", f"saknas (nivå {level} räknas från "
                     + ("förfallodagen)" if level == 1 else "föregående nivå)"))
    if level is not None and rec.get(other) is not None:
        reader.error(f"{path}.{other}", f"gäller inte nivå {level}; använd {days_field}")
    days = reader.integer(rec, path, days_field, minimum=1)
    fee = reader.amount(rec, path, "fee", minimum=0)
    deadline = reader.integer(rec, path, "deadline_days", minimum=1, default=DEFAULT_DEADLINE_DAYS)
    letter = reader.text(rec, path, "letter_text", default="")
    if len(reader.errors) > before or level is None or name is None or days is None or deadline is None:
        return None
    return _Level(level, name, days, fee or 0, deadline, letter or None)


def _read_owner(rec: Any, path: str, reader: _Reader) -> _Owner | None:
    optional = ["bankgiro", "plusgiro", "address", "postal_code", "city", "phone", "email", "accounts"]
    if not reader.fields(rec, path, ["id", "name", "org_no"], optional):
        return None
    before = len(reader.errors)
    code = reader.text(rec, path, "id", Owner.code)
    name = reader.text(rec, path, "name", Owner.name)
    org_no = reader.identifier(rec, path, "org_no", normalize_orgnr)
    bankgiro = reader.identifier(rec, path, "bankgiro", normalize_bankgiro) if rec.get("bankgiro") else None
    plusgiro = reader.identifier(rec, path, "plusgiro", normalize_plusgiro) if rec.get("plusgiro") else None
    extra = {n: reader.text(rec, path, n, getattr(Owner, n), default="") or ""
             for n in ("address", "postal_code", "city", "phone", "email")}
    accounts = _read_accounts(rec.get("accounts"), f"{path}.accounts", reader)
    if len(reader.errors) > before or code is None or name is None or org_no is None:
        return None
    return _Owner(path, code, name, org_no, bankgiro, plusgiro, accounts=accounts, **extra)


def _read_accounts(raw: Any, path: str, reader: _Reader) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        reader.error(path, f"ska vara ett objekt med kontovärde -> kontonummer, inte {_json_type(raw)}")
        return {}
    roles = {r.value for r in AccountRole}
    accounts = {}
    for role, number in raw.items():
        if role not in roles:
            reader.error(f"{path}.{role}", f"okänt kontovärde; kända: {', '.join(sorted(roles))}")
        elif not isinstance(number, str) or not _ACCOUNT.match(number):
            reader.error(f"{path}.{role}", f"kontonumret ska vara 1 till 10 siffror som text, inte {number!r}")
        else:
            accounts[role] = number
    return accounts


def _read_property(rec: Any, path: str, reader: _Reader) -> _Property | None:
    if not reader.fields(rec, path, ["id", "owner", "designation"], ["name", "area"]):
        return None
    values = [reader.text(rec, path, "id", Property.code), reader.text(rec, path, "owner", Owner.code),
              reader.text(rec, path, "designation", Property.designation)]
    name = reader.text(rec, path, "name", Property.name, default="") or ""
    area = reader.text(rec, path, "area", Property.area, default="") or ""
    return None if None in values else _Property(path, *values, name, area)  # type: ignore[arg-type]


def _read_type(rec: Any, path: str, reader: _Reader) -> _ObjectType | None:
    if not reader.fields(rec, path, ["code", "name"], ["sfi"]):
        return None
    code = reader.text(rec, path, "code", ObjectType.code)
    name = reader.text(rec, path, "name", ObjectType.name)
    raw = rec.get("sfi")
    sfi = None
    if raw is not None and not isinstance(raw, str):
        reader.error(f"{path}.sfi", f"ska vara en text eller null, inte {_json_type(raw)}")
    else:
        try:
            sfi = SfiCategory.parse(raw).value
        except ValueError as exc:
            reader.error(f"{path}.sfi", str(exc))
    return None if None in (code, name, sfi) else _ObjectType(path, code, name, sfi)  # type: ignore[arg-type]


def _read_object(rec: Any, path: str, reader: _Reader) -> _Object | None:
    if not reader.fields(rec, path, ["id", "property", "type"], ["address"]):
        return None
    values = [reader.text(rec, path, "id", RentalObject.code), reader.text(rec, path, "property", Property.code),
              reader.text(rec, path, "type", ObjectType.code)]
    address = reader.text(rec, path, "address", RentalObject.address, default="") or ""
    return None if None in values else _Object(path, *values, address)  # type: ignore[arg-type]


def _read_customer(rec: Any, path: str, reader: _Reader) -> _Customer | None:
    optional = ["address", "postal_code", "city", "email", "phone"]
    if not reader.fields(rec, path, ["id", "name", "national_id"], optional):
        return None
    number = reader.text(rec, path, "id", Customer.number)
    name = reader.text(rec, path, "name", Customer.name)
    national_id = reader.identifier(rec, path, "national_id", normalize_national_id)
    extra = {n: reader.text(rec, path, n, getattr(Customer, n), default="") or "" for n in optional}
    if None in (number, name, national_id):
        return None
    return _Customer(path, number, name, national_id, is_organisation(national_id), **extra)  # type: ignore[arg-type]


def _read_invoice(rec: Any, path: str, reader: _Reader) -> _Invoice | None:
    required = ["number", "kind", "customer", "invoice_date", "due_date", "ocr", "rows"]
    if not reader.fields(rec, path, required, ["object", "owner", "dunning"]):
        return None
    before = len(reader.errors)
    number = reader.text(rec, path, "number", Invoice.number)
    kind = reader.text(rec, path, "kind")
    if kind is not None and kind not in {k.value for k in InvoiceKind}:
        reader.error(f"{path}.kind", f"ska vara rent eller direct, inte {kind!r}")
    customer = reader.text(rec, path, "customer", Customer.number)
    obj = reader.text(rec, path, "object", RentalObject.code)
    owner = reader.text(rec, path, "owner", Owner.code)
    if obj is None and owner is None and "object" not in rec:
        reader.error(f"{path}.owner", "saknas (en faktura utan objekt anger sin ägare)")
    invoice_date = reader.date(rec, path, "invoice_date")
    due_date = reader.date(rec, path, "due_date")
    if invoice_date and due_date and due_date < invoice_date:
        reader.error(f"{path}.due_date", f"före fakturadatumet {invoice_date.isoformat()}")
    ocr = reader.text(rec, path, "ocr", Invoice.ocr)
    if ocr is not None:
        try:
            ocr = normalize_ocr(ocr)
        except IdentifierError as exc:
            reader.error(f"{path}.ocr", str(exc))
    rows = _read_rows(rec.get("rows"), path, reader)
    notices = _read_notices(rec.get("dunning"), path, due_date, reader)
    if len(reader.errors) > before:
        return None
    assert number and kind and customer and invoice_date and due_date and ocr
    return _Invoice(path, number, kind, customer, obj, owner, invoice_date, due_date, ocr, rows, notices)


def _read_rows(raw: Any, path: str, reader: _Reader) -> list[tuple[str, int]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        reader.error(f"{path}.rows", "ska vara en lista med minst en rad {text, amount}")
        return []
    rows = []
    for i, row in enumerate(raw):
        where = f"{path}.rows[{i}]"
        if reader.fields(row, where, ["text", "amount"], []):
            text = reader.text(row, where, "text", InvoiceRow.text)
            amount = reader.amount(row, where, "amount")
            if text is not None and amount is not None:
                rows.append((text, amount))
    if len(rows) == len(raw) and sum(a for _, a in rows) <= 0:
        reader.error(f"{path}.rows", "raderna blir noll eller mindre; en faktura ska kräva ett belopp")
    return rows


def _read_notices(raw: Any, path: str, due: dt.date | None, reader: _Reader) -> list[_Notice]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.error(f"{path}.dunning", f"ska vara en lista, inte {_json_type(raw)}")
        return []
    notices: list[_Notice] = []
    for i, rec in enumerate(raw):
        where = f"{path}.dunning[{i}]"
        if not reader.fields(rec, where, ["level", "date"], ["fee", "deadline"]):
            continue
        level = reader.integer(rec, where, "level", minimum=1)
        date = reader.date(rec, where, "date")
        fee = reader.amount(rec, where, "fee", minimum=0)
        deadline = reader.date(rec, where, "deadline")
        if level is None or date is None:
            continue
        if level != len(notices) + 1:
            reader.error(f"{where}.level", f"nivå {level} efter nivå {len(notices)}; nivåerna går 1, 2, 3 ...")
        if due and date <= due:
            reader.error(f"{where}.date", f"inte efter förfallodagen {due.isoformat()}")
        if notices and date < notices[-1].date:
            reader.error(f"{where}.date", f"före datumet för nivå {notices[-1].level}, {notices[-1].date.isoformat()}")
        if deadline is not None and deadline < date:
            reader.error(f"{where}.deadline", f"före brevets datum {date.isoformat()}")
        notices.append(_Notice(where, level, date, fee or 0, deadline))
    return notices


def _read_payment(rec: Any, path: str, reader: _Reader) -> _Payment | None:
    optional = ["kind", "reference", "sender_account", "payer_name"]
    if not reader.fields(rec, path, ["invoice", "date", "amount", "method"], optional):
        return None
    before = len(reader.errors)
    invoice = reader.text(rec, path, "invoice", Invoice.number)
    date = reader.date(rec, path, "date")
    amount = reader.amount(rec, path, "amount", minimum=1)
    method = reader.text(rec, path, "method")
    if method is not None and method not in {m.value for m in PaymentMethod}:
        reader.error(f"{path}.method", f"okänt betalsätt {method!r}; kända: "
                     + ", ".join(m.value for m in PaymentMethod))
    kind = reader.text(rec, path, "kind") or (PaymentKind.CREDIT.value if method == "credit" else PaymentKind.PAYMENT.value)
    if kind not in {k.value for k in PaymentKind}:
        reader.error(f"{path}.kind", f"ska vara payment eller credit, inte {kind!r}")
    reference = reader.text(rec, path, "reference", Payment.reference, default="") or ""
    sender = reader.text(rec, path, "sender_account", Payment.sender_account, default="") or ""
    payer = reader.text(rec, path, "payer_name", Payment.payer_name, default="") or ""
    if len(reader.errors) > before:
        return None
    assert invoice and date and amount and method
    return _Payment(path, invoice, date, amount, method, kind, reference, sender, payer)


def _check_unique(data: dict, reader: _Reader) -> None:
    """Keys that appear twice in a section (checked on the raw records, so none hides another)."""
    for section, key, what in (
        ("dunning_levels", "level", "kravnivå"), ("owners", "id", "ägar-id"), ("properties", "id", "fastighets-id"),
        ("object_types", "code", "objektstypskod"), ("objects", "id", "objekt-id"),
        ("customers", "id", "kund-id"), ("invoices", "number", "fakturanummer"),
        ("invoices", "ocr", "OCR-nummer"),
    ):
        pairs = [(f"{path}.{key}", _key_text(rec.get(key))) for path, rec in _raw_items(data, section)]
        if key == "ocr":
            pairs = [(path, digits_only(text) if text else text) for path, text in pairs]
        reader.unique(pairs, what)


def _raw_items(data: dict, section: str) -> list[tuple[str, dict]]:
    value = data.get(section)
    if not isinstance(value, list):
        return []
    return [(f"{section}[{i}]", rec) for i, rec in enumerate(value) if isinstance(rec, dict)]


def _key_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


# --------------------------------------------------------------------------- phase 1b: references
@dataclass
class _Known:
    """Natural keys found in the file or the database, with what the checks need of them."""

    owners: dict[str, set[str]] = field(default_factory=dict)
    """owner code -> its account roles."""
    properties: dict[str, str] = field(default_factory=dict)
    """property code -> owner code."""
    object_types: set[str] = field(default_factory=set)
    objects: dict[str, str] = field(default_factory=dict)
    """object code -> property code."""
    customers: set[str] = field(default_factory=set)
    levels: dict[int, _Level] = field(default_factory=dict)
    invoices: dict[str, _InvoiceState] = field(default_factory=dict)
    """Invoices the payments may name: from the file, or stored."""
    stored_payments: set[str] = field(default_factory=set)


@dataclass
class _InvoiceState:
    number: str
    kind: str
    owner: str
    amount: int
    balance: int


def _in_chunks(model: type[pw.Model], key: pw.Field, values: Iterable[str], *columns: pw.Field) -> list[Any]:
    wanted = list(dict.fromkeys(values))
    rows: list[Any] = []
    for start in range(0, len(wanted), CHUNK):
        query = model.select(*columns) if columns else model.select()
        rows.extend(query.where(key.in_(wanted[start : start + CHUNK])))
    return rows


def _resolve(ledger: _Ledger, reader: _Reader) -> _Known:
    """Check every reference against the file first, then the database; return what is known."""
    known = _Known()
    err = reader.error
    for code in ledger.declared.get("owners", ()):
        known.owners[code] = set()
    for owner in ledger.owners:
        known.owners[owner.code] = set(owner.accounts)
    known.properties = dict.fromkeys(ledger.declared.get("properties", ()), "")
    known.objects = dict.fromkeys(ledger.declared.get("objects", ()), "")
    owner_refs = [p.owner for p in ledger.properties] + [i.owner for i in ledger.invoices if i.owner]
    for code, roles in _owner_roles([c for c in owner_refs if c not in known.owners]).items():
        known.owners[code] = roles
    for code, roles in _owner_roles([o.code for o in ledger.owners]).items():
        known.owners[code] |= roles
    for prop in ledger.properties:
        known.properties[prop.code] = prop.owner
        if prop.owner not in known.owners:
            err(f"{prop.path}.owner", f"okänd ägare {prop.owner!r}")
    known.object_types = {t.code for t in ledger.object_types} | ledger.declared.get("object_types", set())
    wanted_types = [o.object_type for o in ledger.objects if o.object_type not in known.object_types]
    known.object_types |= {t.code for t in _in_chunks(ObjectType, ObjectType.code, wanted_types, ObjectType.code)}
    known.properties.update(_property_owners([o.property for o in ledger.objects if o.property not in known.properties]))
    for obj in ledger.objects:
        known.objects[obj.code] = obj.property
        if obj.property not in known.properties:
            err(f"{obj.path}.property", f"okänd fastighet {obj.property!r}")
        if obj.object_type not in known.object_types:
            err(f"{obj.path}.type", f"okänd objektstyp {obj.object_type!r}")
    _resolve_invoice_refs(ledger, known, reader)
    _resolve_levels(ledger, known, reader)
    _compare_stored_invoices(ledger, known, reader)
    _resolve_payments(ledger, known, reader)
    return known


def _owner_roles(codes: list[str]) -> dict[str, set[str]]:
    """Stored owners (by code) with the account roles they map."""
    found: dict[str, set[str]] = {code: set() for code in _in_chunks_values(Owner, Owner.code, codes)}
    if found:
        query = (Account.select(Owner.code, Account.role).join(Owner)
                 .where(Owner.code.in_(list(found))).tuples())
        for code, role in query:
            found[code].add(role)
    return found


def _in_chunks_values(model: type[pw.Model], key: pw.Field, values: Iterable[str]) -> list[str]:
    return [getattr(row, key.name) for row in _in_chunks(model, key, values, key)]


def _property_owners(codes: list[str]) -> dict[str, str]:
    """Stored properties' owner codes, by property code."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(codes))
    for start in range(0, len(unique), CHUNK):
        query = (Property.select(Property.code, Owner.code.alias("owner_code")).join(Owner)
                 .where(Property.code.in_(unique[start : start + CHUNK])).tuples())
        found.update(dict(query))
    return found


def _object_properties(codes: list[str]) -> dict[str, str]:
    """Stored objects' property codes, by object code."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(codes))
    for start in range(0, len(unique), CHUNK):
        query = (RentalObject.select(RentalObject.code, Property.code.alias("property_code")).join(Property)
                 .where(RentalObject.code.in_(unique[start : start + CHUNK])).tuples())
        found.update(dict(query))
    return found


def _resolve_invoice_refs(ledger: _Ledger, known: _Known, reader: _Reader) -> None:
    known.customers = {c.number for c in ledger.customers} | ledger.declared.get("customers", set())
    wanted = [i.customer for i in ledger.invoices if i.customer not in known.customers]
    known.customers |= {c.number for c in _in_chunks(Customer, Customer.number, wanted, Customer.number)}
    wanted_objects = [i.object for i in ledger.invoices if i.object and i.object not in known.objects]
    known.objects.update(_object_properties(wanted_objects))
    known.properties.update(_property_owners([p for p in known.objects.values() if p not in known.properties]))
    explicit: set[str] = set()
    for invoice in ledger.invoices:
        if invoice.customer not in known.customers:
            reader.error(f"{invoice.path}.customer", f"okänd kund {invoice.customer!r}")
        if not invoice.object:
            explicit.add(invoice.number)
        elif invoice.object not in known.objects:
            reader.error(f"{invoice.path}.object", f"okänt objekt {invoice.object!r}")
        else:
            derived = known.properties.get(known.objects[invoice.object]) or None
            if invoice.owner and derived and invoice.owner != derived:
                reader.error(f"{invoice.path}.owner",
                             f"{invoice.owner!r}, men objekt {invoice.object!r} hör till {derived!r}")
            invoice.owner = derived
    known.owners.update(_owner_roles([i.owner for i in ledger.invoices if i.owner and i.owner not in known.owners]))
    for invoice in ledger.invoices:
        # an owner that came from the object's property was checked with the property
        if invoice.number in explicit and invoice.owner not in known.owners:
            reader.error(f"{invoice.path}.owner", f"okänd ägare {invoice.owner!r}")
        known.invoices[invoice.number] = _InvoiceState(invoice.number, invoice.kind, invoice.owner or "",
                                                       invoice.amount, invoice.amount)


def _resolve_levels(ledger: _Ledger, known: _Known, reader: _Reader) -> None:
    for row in DunningLevelConfig.select():
        known.levels[row.level] = _Level(row.level, row.name, row.days, row.fee, row.deadline_days, row.letter_text)
    file_levels = sorted(lv.level for lv in ledger.levels)
    if file_levels and file_levels != list(range(1, len(file_levels) + 1)):
        reader.error("dunning_levels", f"nivåerna {file_levels} ska vara 1, 2, 3 ... utan luckor")
    for level in ledger.levels:
        known.levels[level.level] = level
    if ledger.levels:
        _check_levels_by_law(known, reader)
    for invoice in ledger.invoices:
        for notice in invoice.notices:
            if notice.level not in known.levels:
                reader.error(f"{notice.path}.level", f"kravnivå {notice.level} finns inte inlagd")


def _check_levels_by_law(known: _Known, reader: _Reader) -> None:
    """The levels as they would be after the import, checked as the levels screen checks them
    (payment time of at least 8 days, fee caps, a demand not before the reminder's deadline)."""
    from tui_inkasso.domain.dunning import DunningLevel
    from tui_inkasso.services.dunning import fee_caps, level_problems

    levels = [DunningLevel(level=lv.level, name=lv.name, days=lv.days, fee_ore=lv.fee,
                           deadline_days=lv.deadline_days, letter_text=lv.letter_text or "",
                           is_demand=lv.level > 1)
              for lv in sorted(known.levels.values(), key=lambda lv: lv.level)]
    for problem in level_problems(levels, fee_caps()):
        reader.error("dunning_levels", problem)


def _compare_stored_invoices(ledger: _Ledger, known: _Known, reader: _Reader) -> None:
    """An invoice already stored must be the same; its stored notices must agree; a new invoice
    must not take an OCR reference a stored one has (payments would match either)."""
    by_ocr = {i.ocr: i.number for i in _in_chunks(Invoice, Invoice.ocr, [i.ocr for i in ledger.invoices],
                                                   Invoice.ocr, Invoice.number)}
    for invoice in ledger.invoices:
        other = by_ocr.get(invoice.ocr)
        if other is not None and other != invoice.number:
            reader.error(f"{invoice.path}.ocr", f"den sparade fakturan {other} har samma OCR-nummer {invoice.ocr}")
    stored = _stored_invoices([i.number for i in ledger.invoices])
    if not stored:
        return
    rows = _rows_by_invoice([i.id for i in stored.values()])
    notices = _notices_by_invoice([i.id for i in stored.values()])
    owners = {o.id: o.code for o in Owner.select(Owner.id, Owner.code)}
    codes = _codes(RentalObject, [i.rental_object_id for i in stored.values() if i.rental_object_id])
    customers = _codes(Customer, [i.customer_id for i in stored.values()], key="number")
    for invoice in ledger.invoices:
        old = stored.get(invoice.number)
        if old is None:
            continue
        mine = {"kind": invoice.kind, "customer": invoice.customer, "object": invoice.object,
                "owner": invoice.owner, "invoice_date": invoice.invoice_date, "due_date": invoice.due_date,
                "ocr": invoice.ocr, "rows": [(t, format_amount(a)) for t, a in invoice.rows]}
        theirs = {"kind": old.kind, "customer": customers.get(old.customer_id), "object": codes.get(old.rental_object_id),
                  "owner": owners.get(old.owner_id), "invoice_date": old.invoice_date, "due_date": old.due_date,
                  "ocr": old.ocr, "rows": [(t, format_amount(a)) for t, a in rows.get(old.id, [])]}
        for name, value in mine.items():
            if value != theirs[name]:
                reader.error(f"{invoice.path}.{name}", f"faktura {invoice.number} är sparad med {_shown(theirs[name])}, "
                             f"filen säger {_shown(value)}; en sparad faktura ändras aldrig")
        for notice in invoice.notices:
            had = notices.get(old.id, {}).get(notice.level)
            if had is None:
                continue
            deadline = notice.deadline or _deadline(notice, known)
            if (had.issued_on, had.fee, had.deadline) != (notice.date, notice.fee, deadline):
                reader.error(notice.path, f"nivå {notice.level} är sparad som skickad {had.issued_on}, avgift "
                             f"{format_amount(had.fee)}, sista betaldag {had.deadline}; filen skiljer sig")
        known.invoices[invoice.number].balance = old.balance


@dataclass
class _StoredInvoice:
    """The stored fields of an invoice that a re-import compares."""

    id: int
    kind: str
    customer_id: int
    rental_object_id: int | None
    owner_id: int
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    balance: int


def _stored_invoices(numbers: list[str]) -> dict[str, _StoredInvoice]:
    found: dict[str, _StoredInvoice] = {}
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), CHUNK):
        query = (Invoice.select(Invoice.number, Invoice.id, Invoice.kind, Invoice.customer, Invoice.rental_object,
                                Invoice.owner, Invoice.invoice_date, Invoice.due_date, Invoice.ocr, Invoice.balance)
                 .where(Invoice.number.in_(unique[start : start + CHUNK])).tuples())
        for number, *values in query:
            found[number] = _StoredInvoice(*values)
    return found


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "raderna " + "; ".join(f"{t} {a}" for t, a in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _rows_by_invoice(ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    rows: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(ids), CHUNK):
        query = (InvoiceRow.select(InvoiceRow.invoice, InvoiceRow.text, InvoiceRow.amount)
                 .where(InvoiceRow.invoice.in_(ids[start : start + CHUNK])).order_by(InvoiceRow.line_no))
        for invoice_id, text, amount in query.tuples():
            rows.setdefault(invoice_id, []).append((text, amount))
    return rows


def _notices_by_invoice(ids: list[int]) -> dict[int, dict[int, DunningNotice]]:
    found: dict[int, dict[int, DunningNotice]] = {}
    for start in range(0, len(ids), CHUNK):
        for notice in DunningNotice.select().where(DunningNotice.invoice.in_(ids[start : start + CHUNK])):
            found.setdefault(notice.invoice_id, {})[notice.level] = notice
    return found


def _codes(model: type[pw.Model], ids: list[int], key: str = "code") -> dict[int, str]:
    column = getattr(model, key)
    found: dict[int, str] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), CHUNK):
        for row in model.select(model.id, column).where(model.id.in_(unique[start : start + CHUNK])):
            found[row.id] = getattr(row, key)
    return found


def _deadline(notice: _Notice, known: _Known) -> dt.date:
    level = known.levels.get(notice.level)
    days = level.deadline_days if level else DEFAULT_DEADLINE_DAYS
    return notice.date + dt.timedelta(days=days)


def _resolve_payments(ledger: _Ledger, known: _Known, reader: _Reader) -> None:
    wanted = [p.invoice for p in ledger.payments if p.invoice not in known.invoices]
    owners = {o.id: o.code for o in Owner.select(Owner.id, Owner.code)} if wanted else {}
    for inv in _in_chunks(Invoice, Invoice.number, wanted):
        known.invoices[inv.number] = _InvoiceState(inv.number, inv.kind, owners[inv.owner_id], inv.amount,
                                                   inv.balance)
    seen: dict[tuple, int] = {}
    declared = ledger.declared.get("invoices", set())
    for payment in ledger.payments:
        if payment.invoice not in known.invoices:
            if payment.invoice not in declared:
                reader.error(f"{payment.path}.invoice", f"okänd faktura {payment.invoice!r}")
            continue
        identity = (payment.invoice, payment.date, payment.amount, payment.method, payment.kind, payment.reference)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        payment.key = _payment_key(identity, occurrence)
    keys = [p.key for p in ledger.payments if p.key]
    known.stored_payments = {p.bank_ref for p in _in_chunks(Payment, Payment.bank_ref, keys, Payment.bank_ref)}
    _check_credits(ledger, known, reader)


def _payment_key(identity: tuple, occurrence: int) -> str:
    """A payment's stable key: its content, and which of identical payments it is."""
    invoice, date, amount, method, kind, reference = identity
    text = f"{invoice}|{date.isoformat()}|{amount}|{method}|{kind}|{reference}|{occurrence}"
    return "import:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _check_credits(ledger: _Ledger, known: _Known, reader: _Reader) -> None:
    """A credit larger than what is left on the invoice cannot be booked."""
    balances = {n: s.balance for n, s in known.invoices.items()}
    for payment in sorted((p for p in ledger.payments if p.key and p.key not in known.stored_payments),
                          key=lambda p: p.date):
        balance = balances[payment.invoice]
        if payment.kind == PaymentKind.CREDIT.value and payment.amount > balance:
            reader.error(f"{payment.path}.amount", f"krediteringen {format_amount(payment.amount)} är mer än "
                         f"fakturans saldo {format_amount(balance)}")
        balances[payment.invoice] = balance - min(payment.amount, max(balance, 0))


# --------------------------------------------------------------------------- phase 2: writing
class _Writer:
    """Applies a validated ledger; every method returns the counts of its record type."""

    def __init__(self, ledger: _Ledger, known: _Known) -> None:
        self.ledger = ledger
        self.known = known
        self.counts = {name: RecordCounts() for name in SECTIONS}
        self.changes: list[str] = []
        self.ids: dict[type[pw.Model], dict[str, int]] = {}

    def run(self) -> None:
        self._settings()
        self._levels()
        self._master(Owner, Owner.code, self.ledger.owners, "owners", lambda o: {
            "code": o.code, "name": o.name, "org_no": o.org_no, "bankgiro": o.bankgiro, "plusgiro": o.plusgiro,
            "address": o.address, "postal_code": o.postal_code, "city": o.city, "phone": o.phone, "email": o.email})
        self._accounts()
        self._ids(Owner, Owner.code, self.ledger.properties, lambda p: p.owner)
        self._master(Property, Property.code, self.ledger.properties, "properties", lambda p: {
            "code": p.code, "owner": self.ids[Owner][p.owner], "designation": p.designation, "name": p.name,
            "area": p.area})
        self._master(ObjectType, ObjectType.code, self.ledger.object_types, "object_types", lambda t: {
            "code": t.code, "name": t.name, "sfi": t.sfi})
        self._ids(Property, Property.code, self.ledger.objects, lambda o: o.property)
        self._ids(ObjectType, ObjectType.code, self.ledger.objects, lambda o: o.object_type)
        self._master(RentalObject, RentalObject.code, self.ledger.objects, "objects", lambda o: {
            "code": o.code, "property": self.ids[Property][o.property],
            "object_type": self.ids[ObjectType][o.object_type], "address": o.address})
        self._master(Customer, Customer.number, self.ledger.customers, "customers", lambda c: {
            "number": c.number, "name": c.name, "national_id": c.national_id, "is_company": c.is_company,
            "address": c.address, "postal_code": c.postal_code, "city": c.city, "email": c.email,
            "phone": c.phone, "search_text": f"{c.name} {c.number} {c.national_id}".lower()})
        _InvoiceWriter(self).run()

    def _settings(self) -> None:
        values = self.ledger.settings
        current = settings.all_settings()
        stored = {row.key for row in Setting.select(Setting.key)}
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if changed:
            settings.set_settings(changed)
            self.changes.extend(f"setting {k}" for k in changed)
        created = sum(1 for k in changed if k not in stored)
        self.counts["settings"] = RecordCounts(created, len(changed) - created, len(values) - len(changed))

    def _levels(self) -> None:
        counts = self.counts["dunning_levels"]
        stored = {row.level: row for row in DunningLevelConfig.select()}
        for level in self.ledger.levels:
            values = {"level": level.level, "name": level.name, "days": level.days, "fee": level.fee,
                      "deadline_days": level.deadline_days}
            if level.letter_text is not None:
                values["letter_text"] = level.letter_text
            row = stored.get(level.level)
            if row is None:
                DunningLevelConfig.create(**values)
                counts.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                DunningLevelConfig.update(**values).where(DunningLevelConfig.id == row.id).execute()
                counts.updated += 1
                self.changes.append(f"dunning level {level.level}")
            else:
                counts.unchanged += 1

    def _master(self, model: type[pw.Model], key: pw.Field, records: Sequence[Any], section: str,
                values_of: Callable[[Any], dict[str, Any]]) -> None:
        """Create what is new, update what differs, and remember every record's id by key."""
        counts = self.counts[section]
        wanted = [values_of(r) for r in records]
        stored = {getattr(row, key.name): row for row in _in_chunks(model, key, [v[key.name] for v in wanted])}
        new = []
        for values in wanted:
            row = stored.get(values[key.name])
            if row is None:
                new.append(values)
                continue
            changed = {k: v for k, v in values.items() if _stored_value(row, k) != v}
            if changed:
                model.update(**changed).where(model.id == row.id).execute()
                counts.updated += 1
                self.changes.append(f"{section} {values[key.name]}: {', '.join(sorted(changed))}")
            else:
                counts.unchanged += 1
        if new:
            bulk = BulkWriter(db.obj)
            columns = tuple(new[0])
            bulk.insert(model, columns, [tuple(bulk.flag(v) if isinstance(v, bool) else v for v in values.values())
                                         for values in new])
        counts.created += len(new)
        ids = self.ids.setdefault(model, {})
        for row in _in_chunks(model, key, [v[key.name] for v in wanted], model.id, key):
            ids[getattr(row, key.name)] = row.id

    def _ids(self, model: type[pw.Model], key: pw.Field, records: Sequence[Any], ref: Callable[[Any], str]) -> None:
        """Ids of referenced records that are not in the file (stored earlier)."""
        ids = self.ids.setdefault(model, {})
        missing = [ref(r) for r in records if ref(r) not in ids]
        for row in _in_chunks(model, key, missing, model.id, key):
            ids[getattr(row, key.name)] = row.id

    def _accounts(self) -> None:
        """Each owner's roles as the file maps them; roles the file does not name are kept."""
        counts = self.counts["accounts"]
        for owner in self.ledger.owners:
            owner_id = self.ids[Owner][owner.code]
            stored = {a.role: a for a in Account.select().where(Account.owner == owner_id)}
            for role, number in owner.accounts.items():
                row = stored.get(role)
                if row is None:
                    Account.create(owner=owner_id, role=role, number=number, name=role)
                    counts.created += 1
                elif row.number != number:
                    Account.update(number=number).where(Account.id == row.id).execute()
                    counts.updated += 1
                    self.changes.append(f"account {owner.code} {role}")
                else:
                    counts.unchanged += 1


def _stored_value(row: pw.Model, name: str) -> Any:
    """A stored field as the import compares it (foreign keys by id)."""
    field_ = row._meta.fields[name]
    if isinstance(field_, pw.ForeignKeyField):
        return getattr(row, field_.column_name)
    return getattr(row, name)


class _InvoiceWriter:
    """Invoices with rows, dunning notices and payments, written in bulk.

    New invoices are inserted with their final state (balance after the file's payments, fees
    and dunning level from their history), so nothing is updated row by row; a stored invoice is
    updated only when the file adds notices or payments to it.
    """

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.ledger = writer.ledger
        self.known = writer.known
        self.counts = writer.counts
        self.bulk = BulkWriter(db.obj)
        self.user = current_user()
        self.at = str(now())

    def run(self) -> None:
        self._referenced_ids()
        stored = self._stored()
        planned = self._plan_payments(stored)
        applied: dict[str, list[tuple[dt.date, int]]] = {}
        for payment, split in planned:
            applied.setdefault(payment.invoice, []).append((payment.date, split.invoice_amount))
        new = [i for i in self.ledger.invoices if i.number not in stored]
        self._create_invoices(new, applied)
        ids = {number: state.id for number, state in stored.items()}
        ids.update(self._ids_of([i.number for i in new]))
        added = self._notices(stored, ids, applied)
        self._payments(planned, stored, ids)
        self._update_stored(stored, applied, added)

    def _referenced_ids(self) -> None:
        """Ids of the customers, objects and owners the invoices name (stored or just written)."""
        self.writer._ids(Customer, Customer.number, self.ledger.invoices, lambda i: i.customer)
        self.writer._ids(RentalObject, RentalObject.code, [i for i in self.ledger.invoices if i.object],
                         lambda i: i.object)
        self.writer._ids(Owner, Owner.code, self.ledger.invoices, lambda i: i.owner)

    def _stored(self) -> dict[str, _Stored]:
        """The stored invoices the file names (as invoices or in payments)."""
        found: dict[str, _Stored] = {}
        numbers = list(self.known.invoices)
        for start in range(0, len(numbers), CHUNK):
            query = (Invoice.select(Invoice.number, Invoice.id, Invoice.customer, Invoice.owner, Invoice.ocr,
                                    Invoice.amount, Invoice.balance, Invoice.collection_case)
                     .where(Invoice.number.in_(numbers[start : start + CHUNK])).tuples())
            for number, *values in query:
                found[number] = _Stored(*values)
        return found

    def _plan_payments(self, stored: dict[str, _Stored]) -> list[tuple[_Payment, Split]]:
        """The new payments in date order (file order within a day), split against the balance
        each invoice has when its turn comes, as the booking service splits them."""
        counts = self.counts["payments"]
        amounts = {i.number: i.amount for i in self.ledger.invoices}
        balances = {number: s.balance for number, s in stored.items()}
        planned = []
        for payment in sorted(self.ledger.payments, key=lambda p: p.date):
            if payment.key in self.known.stored_payments:
                counts.unchanged += 1
                continue
            balance = balances.get(payment.invoice, amounts.get(payment.invoice, 0))
            split = self._split(payment, balance)
            balances[payment.invoice] = balance - split.invoice_amount
            planned.append((payment, split))
        return planned

    def _split(self, payment: _Payment, balance: int) -> Split:
        if payment.kind == PaymentKind.CREDIT.value:
            return Split(payment.amount, 0, None)
        owner_code = self.known.invoices[payment.invoice].owner
        return split_payment(
            payment.amount, balance,
            from_agency=payment.method == PaymentMethod.INKASSO.value,
            owner_has_overpayment_account=COLLECTION_OVERPAYMENT_ROLE in self.known.owners.get(owner_code, set()),
        )

    def _create_invoices(self, invoices: list[_Invoice], applied: dict[str, list[tuple[dt.date, int]]]) -> None:
        ids = self.writer.ids
        rows = []
        for i in invoices:
            last = i.notices[-1] if i.notices else None
            rows.append((
                i.number, i.kind, ids[Owner][i.owner], ids[Customer][i.customer],
                ids[RentalObject][i.object] if i.object else None, str(i.invoice_date), str(i.due_date), i.ocr,
                i.amount, i.amount - sum(a for _, a in applied.get(i.number, [])), sum(n.fee for n in i.notices),
                last.level if last else 0, str(last.date) if last else None,
                str(last.deadline or _deadline(last, self.known)) if last else None,
            ))
        self.bulk.insert(Invoice, _INVOICE_COLUMNS, rows)
        self.counts["invoices"].created = len(rows)
        created = self._ids_of([i.number for i in invoices])
        lines = [(created[i.number], n, text, amount) for i in invoices for n, (text, amount) in enumerate(i.rows, 1)]
        self.bulk.insert(InvoiceRow, ("invoice", "line_no", "text", "amount"), lines)
        self.counts["invoice_rows"].created = len(lines)
        self.counts["invoice_rows"].unchanged = sum(len(i.rows) for i in self.ledger.invoices) - len(lines)

    @staticmethod
    def _ids_of(numbers: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(numbers), CHUNK):
            query = Invoice.select(Invoice.number, Invoice.id).where(Invoice.number.in_(numbers[start : start + CHUNK]))
            found.update(dict(query.tuples()))
        return found

    def _notices(self, stored: dict[str, _Stored], ids: dict[str, int],
                 applied: dict[str, list[tuple[dt.date, int]]]) -> set[str]:
        """New notices, each with the capital left on its date; returns the invoices that got any."""
        counts = self.counts["dunning_notices"]
        stored_ids = [stored[i.number].id for i in self.ledger.invoices if i.notices and i.number in stored]
        existing = _notices_by_invoice(stored_ids)
        paid_earlier = _applied_by_invoice(stored_ids)
        rows = []
        added: set[str] = set()
        for invoice in self.ledger.invoices:
            invoice_id = ids[invoice.number]
            payments = paid_earlier.get(invoice_id, []) + applied.get(invoice.number, [])
            for notice in invoice.notices:
                if notice.level in existing.get(invoice_id, {}):
                    counts.unchanged += 1
                    continue
                paid_before = sum(a for d, a in payments if d < notice.date)
                rows.append((invoice_id, notice.level, self.known.levels[notice.level].name, str(notice.date),
                             str(notice.deadline or _deadline(notice, self.known)),
                             max(invoice.amount - paid_before, 0), notice.fee, 0))
                added.add(invoice.number)
        self.bulk.insert(DunningNotice, ("invoice", "level", "name", "issued_on", "deadline", "capital", "fee",
                                         "interest"), rows)
        counts.created = len(rows)
        return added

    def _payments(self, planned: list[tuple[_Payment, Split]], stored: dict[str, _Stored], ids: dict[str, int]) -> None:
        """The new payments; one on an invoice already in a case records the case (a correction)."""
        writer_ids = self.writer.ids
        new_invoices = {i.number: i for i in self.ledger.invoices if i.number not in stored}
        rows = []
        for payment, split in planned:
            if payment.invoice in stored:
                s = stored[payment.invoice]
                customer, owner, ocr, case = s.customer_id, s.owner_id, s.ocr, s.case_id
            else:
                invoice = new_invoices[payment.invoice]
                customer, owner = writer_ids[Customer][invoice.customer], writer_ids[Owner][invoice.owner]
                ocr, case = invoice.ocr, None
            rows.append((
                payment.kind, payment.method, ids[payment.invoice], customer, owner, payment.amount,
                split.invoice_amount, split.excess_amount, split.excess_role, str(payment.date), self.at,
                self.user, payment.reference or ocr, payment.sender_account, payment.payer_name, payment.key,
                "booked", "importerad", case,
            ))
        self.bulk.insert(Payment, _PAYMENT_COLUMNS, rows)
        self.counts["payments"].created = len(rows)

    def _update_stored(self, stored: dict[str, _Stored], applied: dict[str, list[tuple[dt.date, int]]],
                       added: set[str]) -> None:
        """Balance, fees and dunning state of stored invoices the file added notices or payments to."""
        counts = self.counts["invoices"]
        in_file = {i.number for i in self.ledger.invoices}
        changed = [n for n in stored if n in applied or n in added]
        notices = _notices_by_invoice([stored[n].id for n in changed if n in added])
        for number in changed:
            state = stored[number]
            values: dict[str, Any] = {"balance": state.balance - sum(a for _, a in applied.get(number, []))}
            issued = notices.get(state.id)
            if issued:
                last = issued[max(issued)]
                values.update(fees=sum(n.fee for n in issued.values()), dunning_level=last.level,
                              dunning_date=last.issued_on, dunning_deadline=last.deadline)
            Invoice.update(**values).where(Invoice.id == state.id).execute()
        counts.updated = sum(1 for n in changed if n in in_file)
        counts.unchanged = sum(1 for n in stored if n in in_file) - counts.updated


@dataclass
class _Stored:
    """What the writer needs of a stored invoice."""

    id: int
    customer_id: int
    owner_id: int
    ocr: str
    amount: int
    balance: int
    case_id: int | None


_INVOICE_COLUMNS = ("number", "kind", "owner", "customer", "rental_object", "invoice_date", "due_date", "ocr",
                    "amount", "balance", "fees", "dunning_level", "dunning_date", "dunning_deadline")
_PAYMENT_COLUMNS = ("kind", "method", "invoice", "customer", "owner", "amount", "invoice_amount", "excess_amount",
                    "excess_role", "pay_date", "registered_at", "registered_by", "reference", "sender_account",
                    "payer_name", "bank_ref", "status", "note", "collection_case")


def _applied_by_invoice(ids: list[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """(pay date, part applied to the invoice) of every stored payment on these invoices."""
    found: dict[int, list[tuple[dt.date, int]]] = {}
    for start in range(0, len(ids), CHUNK):
        query = (Payment.select(Payment.invoice, Payment.pay_date, Payment.invoice_amount)
                 .where(Payment.invoice.in_(ids[start : start + CHUNK])).tuples())
        for invoice_id, pay_date, applied in query:
            found.setdefault(invoice_id, []).append((pay_date, applied))
    return found


# --------------------------------------------------------------------------- entry points
def validate_ledger(data: Any) -> tuple[_Ledger, _Known | None, list[str]]:
    """Read and check a parsed file against itself and the database; writes nothing."""
    reader = _Reader()
    ledger = _read(data, reader)
    known = _resolve(ledger, reader)
    return ledger, known, reader.errors


def load_json(raw: bytes, source: str) -> Any:
    """Parse the file; decimals stay exact (``Decimal``), so 18750.005 is an error, not a rounding."""
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise LedgerImportError(source, [f"(filen): inte UTF-8-text (byte {exc.start})"]) from None
    except json.JSONDecodeError as exc:
        raise LedgerImportError(source, [f"(filen): ogiltig JSON på rad {exc.lineno}, kolumn {exc.colno}"]) from None


def import_ledger(path: str | Path) -> LedgerImportResult:
    """Validate ``path`` whole, then write it in one transaction; refused whole on any error."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UserError(f"{file}: filen kan inte läsas: {exc.strerror}") from None
    return import_ledger_bytes(raw, str(file))


def import_ledger_bytes(raw: bytes, source: str = "(data)") -> LedgerImportResult:
    """The same as :func:`import_ledger` for a file already read."""
    data = load_json(raw, source)
    sha = hashlib.sha256(raw).hexdigest()
    with write_transaction():
        ledger, known, errors = validate_ledger(data)
        if errors:
            raise LedgerImportError(source, errors)
        assert known is not None
        writer = _Writer(ledger, known)
        writer.run()
        result = LedgerImportResult(source, sha, writer.counts)
        if result.changed:
            summary = ", ".join(f"{name}: {c.created} created, {c.updated} updated"
                                for name, c in writer.counts.items() if c.created or c.updated)
            details = f"{Path(source).name} sha256 {sha[:16]}: {summary}"
            if writer.changes:
                details += "; updated: " + "; ".join(writer.changes[:50])
            audit.record("ledger.imported", "file", Path(source).name, details)
    return result


def counts_as_dict(result: LedgerImportResult) -> dict[str, dict[str, int]]:
    """Per record type {created, updated, unchanged}, for JSON output."""
    return {name: {f.name: getattr(c, f.name) for f in fields(c)} for name, c in result.counts.items()}
