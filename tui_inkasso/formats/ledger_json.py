"""The ledger file (``tui-inkasso-ledger/1``, docs/ledger-import.md): JSON in, checked records out.

This is the first half of ``tui-inkasso import-ledger``: it reads the file's JSON into typed
records and checks everything the file can be checked against by itself (types, ISO dates that
exist, amounts with at most two decimals read without a float, check digits of
organisationsnummer, personnummer, bankgiro, plusgiro and OCR, texts within their column,
unknown and missing fields, keys that appear twice in a section). It knows no database: whether a
reference names a stored record, and whether a stored invoice would have to change, is the
import service's business (``services/ledger_import.py``).

Every problem is a :class:`Problem`: the JSON path of the value (``invoices[3].ocr``) and the
reason in Swedish, worded for the person migrating (``OCR-numret '20000189' har fel
kontrollsiffra``). The reader never stops at the first problem: it collects them all, so one
refusal lists everything to fix, and a later check (size limits, duplicate keys) is one more
``problems.add(path, reason)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from tui_inkasso.domain.codes import AccountRole, InvoiceKind, PaymentKind, PaymentMethod
from tui_inkasso.domain.date_sanity import due_date_problem, invoice_date_problem
from tui_inkasso.domain.identifiers import (
    IdentifierError,
    digits_only,
    is_organisation,
    normalize_bankgiro,
    normalize_national_id,
    normalize_orgnr,
    normalize_plusgiro,
)
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.money import MAX_AMOUNT, format_amount
from tui_inkasso.domain.ocr_control import OcrControl, check_ocr
from tui_inkasso.domain.safe_text import clean_text
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.fileio import identifier_problem

FORMAT = "tui-inkasso-ledger/1"
"""The value of the file's ``format`` field this version reads."""

DEFAULT_DEADLINE_DAYS = 10
"""A dunning level's payment time when the file does not give one."""

MAX_FILE_SIZE = 200_000_000
"""The largest ledger file the import reads: 200 MB (docs/ledger-import.md).

The file is parsed whole and checked before anything is written (refused whole on any error),
which takes about six times its size in memory: 200 MB holds some 750,000 invoices with two rows
each. A larger ledger is imported in several files (a file may leave sections out, and a later
file may carry only new invoices and payments). The limit keeps a wrong file (``/dev/zero``, a
backup) from exhausting the memory of a server the staff share.
"""

FILE_NAME_IDENTIFIERS = frozenset({"invoices.number", "owners.id"})
"""Identifiers that become part of file names (a reprinted letter, a SIE export per owner):
they must pass ``fileio.identifier_problem`` (letters, digits, . _ -; no path)."""

FILE = "(filen)"
"""The path of a problem with the file as a whole (not UTF-8, not JSON, not an object)."""

MAX_LENGTH: dict[str, int] = {
    "dunning_levels.name": 60,
    "owners.id": 40, "owners.name": 200, "owners.address": 200, "owners.postal_code": 10,
    "owners.city": 100, "owners.phone": 40, "owners.email": 200,
    "properties.id": 40, "properties.owner": 40, "properties.designation": 100,
    "properties.name": 200, "properties.area": 100,
    "object_types.code": 20, "object_types.name": 100,
    "objects.id": 40, "objects.property": 40, "objects.type": 20, "objects.address": 200,
    "customers.id": 40, "customers.name": 200, "customers.address": 200,
    "customers.postal_code": 10, "customers.city": 100, "customers.email": 200,
    "customers.phone": 40,
    "contracts.id": 40, "contracts.customer": 40, "contracts.object": 40,
    "invoices.contract": 40,
    "invoices.number": 40, "invoices.customer": 40, "invoices.object": 40, "invoices.owner": 40,
    "invoices.ocr": 25, "invoices.rows.text": 200,
    "payments.invoice": 40, "payments.reference": 100, "payments.sender_account": 40,
    "payments.payer_name": 200,
}
"""The longest text of each field (``section.field``): the column the value is stored in, so a
value the ledger cannot hold is refused here with its path. ``tests/test_ledger_json.py`` checks
every number against the model's column."""

MAX_INTEGER: dict[str, int] = {
    "dunning_levels.level": 99, "dunning_levels.days_after_due": 3650,
    "dunning_levels.days_after_previous": 3650, "dunning_levels.deadline_days": 365,
    "invoices.dunning.level": 99,
}
"""The largest whole number each integer field takes: a level number, days before a level (ten
years), days to pay (a year). Far above any real configuration, and a value that fits the
columns and the date arithmetic (``10**30`` days is refused with its path, not an overflow)."""

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_AMOUNT = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_ACCOUNT = re.compile(r"^[0-9]{1,10}$")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

_SECTIONS = ("settings", "dunning_levels", "owners", "properties", "object_types", "objects",
             "customers", "contracts", "invoices", "payments")


class Problem(NamedTuple):
    """One thing wrong in the file: where (a JSON path) and why (Swedish)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class Problems(list[Problem]):
    """The problems found so far, in the order they were found."""

    def add(self, path: str, reason: str) -> None:
        """Record that the value at ``path`` is wrong because of ``reason``."""
        self.append(Problem(path, reason))


class LedgerFileError(ValueError):
    """The bytes are no ledger file at all (not UTF-8, not JSON); ``problems`` says where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- the records
@dataclass
class LevelRecord:
    """A dunning level (``dunning_levels[i]``)."""

    level: int
    name: str
    days: int
    fee: int
    deadline_days: int
    letter_text: str | None
    """None: the file leaves the level's letter text as it is."""
    kind: str | None = None
    """``domain.level_kinds.LevelKind`` code; None: the file leaves the level's kind as it is
    (a new level gets ``level_kinds.default_kind``)."""


@dataclass
class OwnerRecord:
    """An owner (``owners[i]``) with its accounts: account role -> account number."""

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
    ocr_control: str | None = None
    """``domain.ocr_control.OcrControl`` code of the owner's receiving bankgiro/plusgiro; None:
    as stored (a new owner: check digit and length)."""


@dataclass
class PropertyRecord:
    """A property (``properties[i]``), naming its owner by code."""

    path: str
    code: str
    owner: str
    designation: str
    name: str
    area: str


@dataclass
class ObjectTypeRecord:
    """An object type (``object_types[i]``) with its SFI category code."""

    path: str
    code: str
    name: str
    sfi: str


@dataclass
class ObjectRecord:
    """A rental object (``objects[i]``), naming its property and type by code."""

    path: str
    code: str
    property: str
    object_type: str
    address: str


@dataclass
class CustomerRecord:
    """A customer (``customers[i]``); ``is_company`` follows from the national id."""

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
class ContractRecord:
    """A lease (``contracts[i]``): a customer's contract for an object, from/to, and whether it
    allows a reminder fee (lag (1981:739) 2 §: only when agreed when the debt arose)."""

    path: str
    number: str
    customer: str
    object: str
    start: dt.date
    end: dt.date | None
    reminder_fee_allowed: bool
    monthly_rent: int


@dataclass
class NoticeRecord:
    """A reminder or demand already sent (``invoices[i].dunning[j]``)."""

    path: str
    level: int
    date: dt.date
    fee: int
    deadline: dt.date | None
    """None: the level's payment time from ``date``."""


@dataclass
class InvoiceRecord:
    """An invoice (``invoices[i]``) with its rows (text, öre) and dunning history."""

    path: str
    number: str
    kind: str
    customer: str
    object: str | None
    owner: str | None
    """As the file gives it; the import fills it in from the object's property."""
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    rows: list[tuple[str, int]]
    notices: list[NoticeRecord]
    contract: str | None = None
    """The contract the invoice is under, by number; None: the import finds the customer's
    contract for the object that runs on the due date, if there is one."""

    @property
    def amount(self) -> int:
        """An invoice's amount is the sum of its rows."""
        return sum(amount for _, amount in self.rows)


@dataclass
class PaymentRecord:
    """A payment or credit (``payments[i]``) on an invoice named by number."""

    path: str
    invoice: str
    date: dt.date
    amount: int
    method: str
    kind: str
    reference: str
    sender_account: str
    payer_name: str

    @property
    def identity(self) -> tuple[str, dt.date, int, str, str, str]:
        """What makes two payments the same payment (see :func:`payment_key`)."""
        return (self.invoice, self.date, self.amount, self.method, self.kind, self.reference)


@dataclass
class Ledger:
    """Every record of the file that has no problem of its own, by section."""

    settings: dict[str, str] = field(default_factory=dict)
    levels: list[LevelRecord] = field(default_factory=list)
    owners: list[OwnerRecord] = field(default_factory=list)
    properties: list[PropertyRecord] = field(default_factory=list)
    object_types: list[ObjectTypeRecord] = field(default_factory=list)
    objects: list[ObjectRecord] = field(default_factory=list)
    customers: list[CustomerRecord] = field(default_factory=list)
    contracts: list[ContractRecord] = field(default_factory=list)
    invoices: list[InvoiceRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    declared: dict[str, set[str]] = field(default_factory=dict)
    """Keys of every record in each section, valid or not: a reference to a record that is in
    the file but has an error of its own is not reported again as unknown."""


def payment_key(payment: PaymentRecord, occurrence: int) -> str:
    """A payment's stable key: its content, and which of identical payments in the file it is
    (0 for the first), so two equal payments on one day stay two on every re-import."""
    invoice, date, amount, method, kind, reference = payment.identity
    text = f"{invoice}|{date.isoformat()}|{amount}|{method}|{kind}|{reference}|{occurrence}"
    return "import:" + hashlib.sha256(text.encode()).hexdigest()[:40]


# --------------------------------------------------------------------------- entry points
def parse_json(raw: bytes) -> Any:
    """The file's JSON; decimals stay exact (``Decimal``), so 18750.005 is an error, not a rounding.

    JSON that Python's reader would take but a ledger must not is refused with the path: a key
    given twice in one object (the reader would silently keep the last value), a lone UTF-16
    surrogate (``"\\ud800"``: no text can hold it), ``NaN``/``Infinity``, a number of thousands
    of digits, lists and objects nested deeper than Python's reader goes (about 1,000).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LedgerFileError([Problem(FILE, f"inte UTF-8-text (byte {exc.start})")]) from None
    repeated: list[tuple[dict, list[str]]] = []
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant,
                          object_pairs_hook=_pairs_hook(repeated))
    except json.JSONDecodeError as exc:
        raise LedgerFileError(
            [Problem(FILE, f"ogiltig JSON på rad {exc.lineno}, kolumn {exc.colno}")]) from None
    except _NotJson as exc:
        raise LedgerFileError([Problem(FILE, str(exc))]) from None
    except RecursionError:
        raise LedgerFileError([Problem(FILE, "listor och objekt är nästlade för djupt (en reskontrafil har "
                                             "högst fem nivåer)")]) from None
    except ValueError as exc:  # an integer of more digits than Python converts (sys.int_info)
        raise LedgerFileError([Problem(FILE, f"ett tal i filen är för långt för att läsas ({exc})")]) from None
    problems = Problems()
    if repeated or _SURROGATE_ESCAPE.search(raw):
        _check_tree(data, {id(d): keys for d, keys in repeated}, problems)
    if problems:
        raise LedgerFileError(problems)
    return data


class _NotJson(ValueError):
    """A value the JSON standard does not have (Python's reader takes NaN and Infinity)."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} är inget tal i JSON; skriv belopp som \"1234.50\"")


def _pairs_hook(repeated: list[tuple[dict, list[str]]]) -> Callable[[list[tuple[str, Any]]], dict]:
    """An object as a dict, noting the keys an object gives more than once (found by path later)."""
    def hook(pairs: list[tuple[str, Any]]) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts: dict[str, int] = {}
            for key, _value in pairs:
                counts[key] = counts.get(key, 0) + 1
            repeated.append((obj, [key for key, count in counts.items() if count > 1]))
        return obj
    return hook


def _check_tree(data: Any, repeated: dict[int, list[str]], problems: Problems) -> None:
    """Report, by path, keys given twice in an object and texts holding a lone surrogate."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                problems.add(path or FILE, "texten har ett ogiltigt tecken (ett ensamt UTF-16-surrogat, "
                             "\\ud800–\\udfff); skriv tecknet som det är eller som ett par")
            continue
        if isinstance(value, list):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(value))))
            continue
        if not isinstance(value, dict):
            continue
        for key in repeated.get(id(value), ()):
            problems.add(_join(path, _safe_key(key)), "fältet står två gånger i samma objekt; ta bort det ena")
        for key, child in reversed(value.items()):
            if _has_surrogate(key):
                problems.add(_join(path, _safe_key(key)), "fältnamnet har ett ogiltigt tecken (ett ensamt "
                             "UTF-16-surrogat)")
            else:
                stack.append((child, _join(path, key)))


def _has_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= c <= "\udfff" for c in text)


def _safe_key(key: str) -> str:
    """A key as a path may show it: a lone surrogate as its escape."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(key) else key


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


SettingCheck = Callable[[str, str], str]
"""(key, value) -> the value as it is stored, or ValueError with the reason."""


def read_ledger(data: Any, check_setting: SettingCheck | None = None,
                today: dt.date | None = None) -> tuple[Ledger, Problems]:
    """The records of a parsed file, and every problem found in it.

    What a setting may hold is the settings' business, not the file's: ``check_setting`` checks
    one value (the import passes the settings service's check); without it a setting only has to
    be a text. With ``today`` every invoice date is checked for sense (``domain.date_sanity``:
    at most ten years back, at most a year ahead; a due date within a year of its invoice date).

    An OCR reference is read here as 2 to 25 digits; its check digit and length digit are
    checked by the import against the OCR control of the owner's receiving account
    (``domain.ocr_control``), which only the import knows.
    """
    reader = _Reader(check_setting, today)
    return reader.ledger(data), reader.problems


# --------------------------------------------------------------------------- reading
class _Reader:
    """Reads the JSON records into typed values, collecting every problem instead of stopping."""

    def __init__(self, check_setting: SettingCheck | None, today: dt.date | None = None) -> None:
        self.problems = Problems()
        self.check_setting = check_setting
        self.today = today

    def error(self, path: str, reason: str) -> None:
        self.problems.add(path, reason)

    def ledger(self, data: Any) -> Ledger:
        ledger = Ledger()
        if not isinstance(data, dict):
            self.error(FILE, f"ska vara ett JSON-objekt, inte {_json_type(data)}")
            return ledger
        self.fields(data, "", ["format"], _SECTIONS)
        if data.get("format") is not None and data.get("format") != FORMAT:
            self.error("format", f"ska vara {FORMAT!r}, inte {_shown(data.get('format'))}")
        ledger.settings = self.settings(data)
        ledger.levels = self.section(data, "dunning_levels", _read_level)
        ledger.owners = self.section(data, "owners", _read_owner)
        ledger.properties = self.section(data, "properties", _read_property)
        ledger.object_types = self.section(data, "object_types", _read_type)
        ledger.objects = self.section(data, "objects", _read_object)
        ledger.customers = self.section(data, "customers", _read_customer)
        ledger.contracts = self.section(data, "contracts", _read_contract)
        ledger.invoices = self.section(data, "invoices", _read_invoice)
        ledger.payments = self.section(data, "payments", _read_payment)
        _check_unique(data, self)
        for section, key in (("dunning_levels", "level"), ("owners", "id"), ("properties", "id"), ("object_types", "code"),
                             ("objects", "id"), ("customers", "id"), ("contracts", "id"), ("invoices", "number")):
            ledger.declared[section] = {k for _, rec in _raw_items(data, section)
                                        if (k := _key_text(rec.get(key)))}
        return ledger

    def section(self, data: dict, name: str, read: Callable[[Any, str, _Reader], Any]) -> list[Any]:
        """The records of section ``name`` that have no problem of their own."""
        return [record for path, raw in self.items(data, name)
                if (record := read(raw, path, self)) is not None]

    def settings(self, data: dict) -> dict[str, str]:
        raw = data.get("settings")
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error("settings", f"ska vara ett objekt, inte {_json_type(raw)}")
            return {}
        values = {}
        for key, value in raw.items():
            if not isinstance(value, str):
                self.error(f"settings.{key}", f"ska vara en text, inte {_json_type(value)}")
                continue
            if self.check_setting is None:
                values[key] = value
                continue
            try:
                values[key] = self.check_setting(key, value)
            except ValueError as exc:
                self.error(f"settings.{key}", str(exc))
        return values

    def fields(self, record: Any, path: str, required: Iterable[str], optional: Iterable[str]) -> bool:
        """Check ``record`` is an object with the required fields and no unknown ones."""
        if not isinstance(record, dict):
            self.error(path, f"ska vara ett objekt, inte {_json_type(record)}")
            return False
        required = tuple(required)
        known = set(required) | set(optional)
        for name in required:
            if name not in record:
                self.error(f"{path}.{name}" if path else name, "saknas")
            elif record[name] is None:
                self.error(f"{path}.{name}" if path else name, "saknas (är null)")
        for name in record:
            if name not in known:
                self.error(f"{path}.{name}" if path else name,
                           f"okänt fält; kända fält: {', '.join(sorted(known))}")
        return True

    def text(self, record: dict, path: str, name: str, *, default: str | None = None) -> str | None:
        """A non-empty string (or ``default`` when absent), within its column's length."""
        value = record.get(name)
        if value is None:
            return default
        where = f"{path}.{name}"
        if not isinstance(value, str):
            self.error(where, f"ska vara en text, inte {_json_type(value)}")
            return None
        value = clean_text(value)
        if not value and default is None:
            self.error(where, "får inte vara tom")
            return None
        limit = MAX_LENGTH.get(_field_of(where))
        if limit and len(value) > limit:
            self.error(where, f"längre än {limit} tecken")
            return None
        if _field_of(where) in FILE_NAME_IDENTIFIERS:
            problem = identifier_problem(value)
            if problem is not None:
                self.error(where, f"{problem} (numret blir en del av filnamn)")
                return None
        return value

    def integer(self, record: dict, path: str, name: str, *, minimum: int,
                default: int | None = None) -> int | None:
        """A whole number from ``minimum`` up to the field's :data:`MAX_INTEGER`."""
        value = record.get(name)
        if value is None:
            return default
        where = f"{path}.{name}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, f"ska vara ett heltal, inte {_json_type(value)}")
            return None
        maximum = MAX_INTEGER[_field_of(where)]
        if not minimum <= value <= maximum:
            self.error(where, f"ska vara ett heltal från {minimum} till {maximum}, inte {_shown(value)}")
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
        if _foreign_digits(text):
            self.error(where, f"beloppet har siffror som inte är 0–9 ({_foreign_digits(text)}): {_shown(value)}")
            return None
        if not _AMOUNT.match(text):
            self.error(where, f"inget belopp (siffror, punkt och högst två decimaler): {_shown(value)}")
            return None
        whole, _, decimals = text.lstrip("-").partition(".")
        if len(decimals) > 2:
            self.error(where, "fler än två decimaler")
            return None
        if len(whole.lstrip("0")) > len(str(MAX_AMOUNT // 100)):
            self.error(where, f"större än {format_amount(MAX_AMOUNT)}, det största belopp reskontran bokför")
            return None
        ore = int(whole) * 100 + int(decimals.ljust(2, "0"))
        if ore > MAX_AMOUNT:
            self.error(where, f"större än {format_amount(MAX_AMOUNT)}, det största belopp reskontran bokför")
            return None
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
            self.error(where, f"inget giltigt datum (ÅÅÅÅ-MM-DD): {_shown(value)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(where, f"inget giltigt datum (ÅÅÅÅ-MM-DD): {_shown(value)}")
            return None

    def identifier(self, record: dict, path: str, name: str,
                   normalize: Callable[[str], str]) -> str | None:
        value = self.text(record, path, name)
        if value is None:
            return None
        if _foreign_digits(value):
            self.error(f"{path}.{name}", f"har siffror som inte är 0–9 ({_foreign_digits(value)}): {_shown(value)}")
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


def _field_of(path: str) -> str:
    """``invoices[3].rows[0].text`` -> ``invoices.rows.text``, the key of :data:`MAX_LENGTH`."""
    return re.sub(r"\[\d+\]", "", path)


def _shown(value: Any) -> str:
    """A value of the file in a message: a text or number as written (cut at 60 characters), a
    list or object by its type only (never its whole, possibly huge or deeply nested, content)."""
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        text = repr(value) if isinstance(value, str) else str(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return _json_type(value)


def _foreign_digits(text: str) -> str:
    """The digits of ``text`` that are not 0-9 (full-width ``１``, Arabic-Indic ``٣`` ...), which
    Python's ``int()`` would read as numbers; empty when there are none."""
    if text.isascii():
        return ""
    return " ".join(dict.fromkeys(c for c in text if c.isdigit() or c.isdecimal() or c.isnumeric()))


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


def _read_level(rec: Any, path: str, reader: _Reader) -> LevelRecord | None:
    optional = ["days_after_due", "days_after_previous", "fee", "deadline_days", "letter_text", "kind"]
    if not reader.fields(rec, path, ["level", "name"], optional):
        return None
    before = len(reader.problems)
    level = reader.integer(rec, path, "level", minimum=1)
    name = reader.text(rec, path, "name")
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
    kind_text = reader.text(rec, path, "kind", default="")
    kind = None
    if kind_text:
        try:
            kind = LevelKind.parse(kind_text).value
        except ValueError as exc:
            reader.error(f"{path}.kind", str(exc))
    if len(reader.problems) > before or level is None or name is None or days is None or deadline is None:
        return None
    return LevelRecord(level, name, days, fee or 0, deadline, letter or None, kind)


def _read_owner(rec: Any, path: str, reader: _Reader) -> OwnerRecord | None:
    optional = ["bankgiro", "plusgiro", "address", "postal_code", "city", "phone", "email", "accounts",
                "ocr_control"]
    if not reader.fields(rec, path, ["id", "name", "org_no"], optional):
        return None
    before = len(reader.problems)
    code = reader.text(rec, path, "id")
    name = reader.text(rec, path, "name")
    org_no = reader.identifier(rec, path, "org_no", normalize_orgnr)
    bankgiro = reader.identifier(rec, path, "bankgiro", normalize_bankgiro) if rec.get("bankgiro") else None
    plusgiro = reader.identifier(rec, path, "plusgiro", normalize_plusgiro) if rec.get("plusgiro") else None
    extra = {n: reader.text(rec, path, n, default="") or ""
             for n in ("address", "postal_code", "city", "phone", "email")}
    accounts = _read_accounts(rec.get("accounts"), f"{path}.accounts", reader)
    control_text = reader.text(rec, path, "ocr_control", default="")
    control = None
    if control_text:
        try:
            control = OcrControl.parse(control_text).value
        except ValueError as exc:
            reader.error(f"{path}.ocr_control", str(exc))
    if len(reader.problems) > before or code is None or name is None or org_no is None:
        return None
    return OwnerRecord(path, code, name, org_no, bankgiro, plusgiro, accounts=accounts, ocr_control=control,
                       **extra)


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
            reader.error(f"{path}.{role}", f"kontonumret ska vara 1 till 10 siffror som text, inte {_shown(number)}")
        else:
            accounts[role] = number
    return accounts


def _read_property(rec: Any, path: str, reader: _Reader) -> PropertyRecord | None:
    if not reader.fields(rec, path, ["id", "owner", "designation"], ["name", "area"]):
        return None
    code, owner, designation = (reader.text(rec, path, n) for n in ("id", "owner", "designation"))
    name = reader.text(rec, path, "name", default="") or ""
    area = reader.text(rec, path, "area", default="") or ""
    if code is None or owner is None or designation is None:
        return None
    return PropertyRecord(path, code, owner, designation, name, area)


def _read_type(rec: Any, path: str, reader: _Reader) -> ObjectTypeRecord | None:
    if not reader.fields(rec, path, ["code", "name"], ["sfi"]):
        return None
    code = reader.text(rec, path, "code")
    name = reader.text(rec, path, "name")
    raw = rec.get("sfi")
    sfi = None
    if raw is not None and not isinstance(raw, str):
        reader.error(f"{path}.sfi", f"ska vara en text eller null, inte {_json_type(raw)}")
    else:
        try:
            sfi = SfiCategory.parse(raw).value
        except ValueError as exc:
            reader.error(f"{path}.sfi", str(exc))
    if code is None or name is None or sfi is None:
        return None
    return ObjectTypeRecord(path, code, name, sfi)


def _read_object(rec: Any, path: str, reader: _Reader) -> ObjectRecord | None:
    if not reader.fields(rec, path, ["id", "property", "type"], ["address"]):
        return None
    code, prop, object_type = (reader.text(rec, path, n) for n in ("id", "property", "type"))
    address = reader.text(rec, path, "address", default="") or ""
    if code is None or prop is None or object_type is None:
        return None
    return ObjectRecord(path, code, prop, object_type, address)


def _read_customer(rec: Any, path: str, reader: _Reader) -> CustomerRecord | None:
    optional = ["address", "postal_code", "city", "email", "phone"]
    if not reader.fields(rec, path, ["id", "name", "national_id"], optional):
        return None
    number = reader.text(rec, path, "id")
    name = reader.text(rec, path, "name")
    national_id = reader.identifier(rec, path, "national_id", normalize_national_id)
    extra = {n: reader.text(rec, path, n, default="") or "" for n in optional}
    if number is None or name is None or national_id is None:
        return None
    return CustomerRecord(path, number, name, national_id, is_organisation(national_id), **extra)


def _read_contract(rec: Any, path: str, reader: _Reader) -> ContractRecord | None:
    if not reader.fields(rec, path, ["id", "customer", "object", "from"], ["to", "reminder_fee", "monthly_rent"]):
        return None
    before = len(reader.problems)
    number, customer, obj = (reader.text(rec, path, n) for n in ("id", "customer", "object"))
    start = reader.date(rec, path, "from")
    end = reader.date(rec, path, "to")
    if start and end and end < start:
        reader.error(f"{path}.to", f"{end.isoformat()} ligger före from {start.isoformat()}")
    allowed = rec.get("reminder_fee", False)
    if not isinstance(allowed, bool):
        reader.error(f"{path}.reminder_fee", f"ska vara true eller false, inte {_shown(allowed)}")
    rent = reader.amount(rec, path, "monthly_rent", minimum=0) if rec.get("monthly_rent") is not None else 0
    if len(reader.problems) > before or None in (number, customer, obj, start):
        return None
    assert number and customer and obj and start  # for the type checker
    return ContractRecord(path, number, customer, obj, start, end, bool(allowed), rent or 0)


def _read_invoice(rec: Any, path: str, reader: _Reader) -> InvoiceRecord | None:
    required = ["number", "kind", "customer", "invoice_date", "due_date", "ocr", "rows"]
    if not reader.fields(rec, path, required, ["object", "owner", "dunning", "contract"]):
        return None
    before = len(reader.problems)
    number = reader.text(rec, path, "number")
    kind = reader.text(rec, path, "kind")
    if kind is not None and kind not in {k.value for k in InvoiceKind}:
        reader.error(f"{path}.kind", f"ska vara rent eller direct, inte {kind!r}")
    customer = reader.text(rec, path, "customer")
    obj = reader.text(rec, path, "object")
    owner = reader.text(rec, path, "owner")
    if obj is None and owner is None and "object" not in rec:
        reader.error(f"{path}.owner", "saknas (en faktura utan objekt anger sin ägare)")
    contract = reader.text(rec, path, "contract")
    invoice_date = reader.date(rec, path, "invoice_date")
    due_date = reader.date(rec, path, "due_date")
    if invoice_date and due_date and due_date < invoice_date:
        reader.error(f"{path}.due_date", f"före fakturadatumet {invoice_date.isoformat()}")
    elif invoice_date and due_date and (reason := due_date_problem(invoice_date, due_date)):
        reader.error(f"{path}.due_date", reason)
    if invoice_date and reader.today and (reason := invoice_date_problem(invoice_date, reader.today)):
        reader.error(f"{path}.invoice_date", reason)
    ocr = reader.text(rec, path, "ocr")
    if ocr is not None:
        try:
            ocr = check_ocr(ocr, OcrControl.NONE)
        except IdentifierError as exc:
            reader.error(f"{path}.ocr", str(exc))
    rows = _read_rows(rec.get("rows"), path, reader)
    notices = _read_notices(rec.get("dunning"), path, due_date, reader)
    if len(reader.problems) > before or None in (number, kind, customer, invoice_date, due_date, ocr):
        return None
    assert number and kind and customer and invoice_date and due_date and ocr  # for the type checker
    return InvoiceRecord(path, number, kind, customer, obj, owner, invoice_date, due_date, ocr, rows,
                         notices, contract)


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
            text = reader.text(row, where, "text")
            amount = reader.amount(row, where, "amount")
            if text is not None and amount is not None:
                rows.append((text, amount))
    total = sum(a for _, a in rows)
    if len(rows) == len(raw) and total <= 0:
        reader.error(f"{path}.rows", "raderna blir noll eller mindre; en faktura ska kräva ett belopp")
    elif total > MAX_AMOUNT:
        reader.error(f"{path}.rows", f"raderna blir {format_amount(total)}, mer än "
                     f"{format_amount(MAX_AMOUNT)}, det största belopp reskontran bokför")
    return rows


def _read_notices(raw: Any, path: str, due: dt.date | None, reader: _Reader) -> list[NoticeRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        reader.error(f"{path}.dunning", f"ska vara en lista, inte {_json_type(raw)}")
        return []
    notices: list[NoticeRecord] = []
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
            reader.error(f"{where}.date",
                         f"före datumet för nivå {notices[-1].level}, {notices[-1].date.isoformat()}")
        if deadline is not None and deadline < date:
            reader.error(f"{where}.deadline", f"före brevets datum {date.isoformat()}")
        notices.append(NoticeRecord(where, level, date, fee or 0, deadline))
    return notices


def _read_payment(rec: Any, path: str, reader: _Reader) -> PaymentRecord | None:
    optional = ["kind", "reference", "sender_account", "payer_name"]
    if not reader.fields(rec, path, ["invoice", "date", "amount", "method"], optional):
        return None
    before = len(reader.problems)
    invoice = reader.text(rec, path, "invoice")
    date = reader.date(rec, path, "date")
    amount = reader.amount(rec, path, "amount", minimum=1)
    method = reader.text(rec, path, "method")
    if method is not None and method not in {m.value for m in PaymentMethod}:
        reader.error(f"{path}.method", f"okänt betalsätt {method!r}; kända: "
                     + ", ".join(m.value for m in PaymentMethod))
    default_kind = PaymentKind.CREDIT.value if method == "credit" else PaymentKind.PAYMENT.value
    kind = reader.text(rec, path, "kind") or default_kind
    if kind not in {k.value for k in PaymentKind}:
        reader.error(f"{path}.kind", f"ska vara payment eller credit, inte {kind!r}")
    reference = reader.text(rec, path, "reference", default="") or ""
    sender = reader.text(rec, path, "sender_account", default="") or ""
    payer = reader.text(rec, path, "payer_name", default="") or ""
    if len(reader.problems) > before or None in (invoice, date, amount, method):
        return None
    assert invoice and date and amount and method  # for the type checker
    return PaymentRecord(path, invoice, date, amount, method, kind, reference, sender, payer)


def _check_unique(data: dict, reader: _Reader) -> None:
    """Keys that appear twice in a section (checked on the raw records, so none hides another)."""
    for section, key, what in (
        ("dunning_levels", "level", "kravnivå"), ("owners", "id", "ägar-id"),
        ("properties", "id", "fastighets-id"), ("object_types", "code", "objektstypskod"),
        ("objects", "id", "objekt-id"), ("customers", "id", "kund-id"), ("contracts", "id", "avtalsnummer"),
        ("invoices", "number", "fakturanummer"), ("invoices", "ocr", "OCR-nummer"),
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
