"""A realistic, deterministic demo ledger, written in bulk.

Every later workflow needs material: reminder and demand runs, the collection run (with invoices
ready for it, excluded ones and ones already in a case), balance corrections (payments after a
case was created), payments from the agency (with an overpayment), unmatched payments and dunning
blocks. This module builds two years of such a ledger ending at a given business date.

Why it writes models directly (the one db/ writer besides services): a million invoices must be
written in well under two minutes, so it assigns every id in Python (no read-backs), builds plain
tuples and hands them to the driver in large batches (``executemany`` on SQLite,
``execute_values`` on PostgreSQL), parents before children so foreign keys hold at every
statement. The caller owns the transaction.

Determinism: everything comes from one ``random.Random(seed)`` and the business date, never from
the clock or from set/hash order, so the same seed and date give the same rows, id for id.

The story the data tells (business date T):

* 4 owners (5 from 100,000 invoices), each with accounts for every role except that one owner
  (KLA) has no "Överskjutande betalning inkasso"; properties in areas; objects of every type and
  SFI category; persons with personnummer from real birth dates, companies with orgnr; one big
  company (K900001) renting dozens of parking spaces, with hundreds of invoices.
* Rent invoices for the 24 months whose invoice date (the 20th of the month before) is on or
  before T, rows for rent, extras and VAT for companies' premises; 5 % direct invoices.
* Payers have habits: autogiro on the due date, bankgiro before it, some late, some partial,
  some never. Reminder/demand runs issue level 1 eight days after the due date and level 2 when
  level 1's deadline has passed; collection runs (Wednesdays) put unpaid invoices in in-house
  cases. Each owner ran those runs up to its own lag before T (``_OwnerSpec``), so on T some
  invoices are due for a reminder, some for a demand and some are ready for collection.
* Payments after a case are balance corrections (``Payment.collection_case``); some came from
  the agency's bankgiro (method inkasso). A fixed set of scenario invoices (``_SCENARIOS``)
  guarantees each workflow's material at any size: excluded invoices, an agency overpayment,
  a credit, a dunning-blocked invoice and customer, an unmatched payment.
* No vouchers: the demo's history was booked before the program came.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db import models as m
from tui_inkasso.db.bulk import BulkWriter
from tui_inkasso.domain.allocation import PREPAYMENT_ROLE, split_payment
from tui_inkasso.domain.identifiers import luhn_check_digit

DEMO_USER = "demo"
"""Who the demo says created its runs, cases and payments."""

AGENCY_BANKGIRO = "5051057"
"""The collection agency's bankgiro: the demo's agency payments come from it."""

AGENCY_NAME = "Inkassobyrån Exempel AB"
MIN_INVOICES = 500
MAX_INVOICES = 5_000_000
MONTHS = 24
"""Months of rent invoices, ending with the latest one issued on the business date."""

FLUSH_EVERY = 40_000
"""Invoices buffered before the buffers are written (bounds memory at a million invoices)."""

BIG_CUSTOMER_NUMBER = "K900001"
"""The company with hundreds of parking invoices (ledger-view benchmark)."""

LEDGER_MODELS: tuple[type[m.BaseModel], ...] = (
    m.Owner, m.Account, m.Property, m.ObjectType, m.RentalObject, m.Customer, m.Contract,
    m.CollectionFile, m.CollectionCase, m.Invoice, m.InvoiceRow, m.DunningLevelConfig,
    m.DunningRun, m.DunningNotice, m.PaymentFile, m.Payment, m.Voucher, m.VoucherRow,
    m.CaseInvoice, m.CaseEvent, m.BalanceReport, m.ReportedCorrection, m.OutboxFile,
)
"""Tables a reset empties (in dependency order). Settings, the audit log, schema version,
reference rates and scheduled services are configuration and history, and stay."""


@dataclass(frozen=True)
class DemoLevel:
    """A dunning level of the demo (the same as the issue's configuration)."""

    level: int
    name: str
    days: int
    fee: int
    deadline_days: int
    letter_text: str


LEVELS = (
    DemoLevel(1, "Påminnelse", 8, 6000, 10,
              "Vi har ännu inte fått betalt för fakturan nedan. Betala senast förfallodagen "
              "i detta brev. Har du redan betalat kan du bortse från påminnelsen."),
    DemoLevel(2, "Krav", 10, 0, 10,
              "Trots påminnelse har fakturan nedan inte betalats. Betalar du inte senast "
              "förfallodagen i detta brev lämnas fordran till inkasso."),
)


@dataclass(frozen=True)
class _OwnerSpec:
    code: str
    name: str
    city: str
    postal: str
    weight: int
    dunning_lag: int
    """Days before the business date when this owner last ran reminders and demands."""
    collection_lag: int
    """Days before the business date when this owner last created collection cases."""
    overpayment_account: bool = True


OWNERS = (
    _OwnerSpec("SBF", "Stadsbyggen Fastigheter AB", "Stockholm", "11", 5, 2, 16),
    _OwnerSpec("BAN", "Bostads AB Norrsken", "Umeå", "90", 3, 38, 52),
    _OwnerSpec("KLA", "Kvarterets Lokaler AB", "Göteborg", "41", 2, 9, 23, overpayment_account=False),
    _OwnerSpec("HGS", "Hyresgården i Söder AB", "Malmö", "21", 3, 4, 30),
    _OwnerSpec("FAA", "Fastighets AB Älvstranden", "Uppsala", "75", 2, 15, 20),
)

ACCOUNT_NUMBERS = {
    m.AccountRole.RECEIVABLES: "1510",
    m.AccountRole.BANK: "1930",
    m.AccountRole.PREPAYMENTS: "2420",
    m.AccountRole.COLLECTION_OVERPAYMENT: "2421",
    m.AccountRole.FEE_INCOME: "3591",
    m.AccountRole.INTEREST_INCOME: "8313",
    m.AccountRole.RENT_INCOME: "3010",
}

# code, name, SFI category, monthly rent range in kr, VAT for companies, row text
OBJECT_TYPES = (
    ("LGH", "Lägenhet", "bostad", (4200, 14500), False, "Hyra"),
    ("LOK", "Butikslokal", "ovriga", (9000, 48000), True, "Lokalhyra"),
    ("PP", "Parkeringsplats", "parkering", (350, 950), True, "P-plats"),
    ("FRD", "Förråd", "lager", (150, 600), True, "Förråd"),
    ("GAR", "Garage", "garage", (900, 1800), True, "Garage"),
    ("OVR", "Övrigt", "ej_vald", (100, 900), True, "Hyra övrigt"),
    ("KONT", "Kontor", "ovriga", (7000, 36000), True, "Kontorshyra"),
)

AREAS = ("Centrum", "Norr", "Söder", "Väster", "Öster", "Hamnen", "Gamla stan", "Stationsområdet")
BLOCKS = (
    "Kvarnen", "Lärkan", "Svalan", "Eken", "Björken", "Måsen", "Tranan", "Hägern", "Lönnen",
    "Almen", "Oxeln", "Rönnen", "Granen", "Tallen", "Vitsippan", "Blåklockan", "Smedjan",
    "Bryggan", "Sågen", "Hammaren", "Ankaret", "Fyren", "Skeppet", "Rosen", "Liljan", "Näckrosen",
)
STREETS = (
    "Storgatan", "Kyrkogatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Parkvägen",
    "Björkvägen", "Ekvägen", "Stationsgatan", "Hamngatan", "Torggatan", "Norra vägen",
    "Södra Långgatan", "Västra Allén", "Östra Ringvägen", "Sjögatan", "Trädgårdsgatan",
)
FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kristina", "Elin", "Ida", "Sofia",
    "Linnea", "Maja", "Astrid", "Ingrid", "Fatima", "Amira", "Johanna", "Malin", "Hanna",
    "Lars", "Mikael", "Anders", "Johan", "Erik", "Per", "Karl", "Peter", "Thomas", "Daniel",
    "Oscar", "Ali", "Mohammed", "Jonas", "Fredrik", "Henrik", "Magnus", "Nils", "Gustav", "Olle",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Ali", "Mohammed", "Öberg",
    "Åberg", "Holm", "Ekström",
)
COMPANY_WORDS = (
    "Bageriet", "Frisörsalongen", "Tandläkarhuset", "Bokhandeln", "Caféet", "Konsultbyrån",
    "Redovisningsbyrån", "Blomsterhandeln", "Skomakaren", "Elfirman", "Målerifirman",
    "Gymmet", "Pizzerian", "Optikern", "Kemtvätten", "Cykelverkstaden", "Arkitektkontoret",
)
COMPANY_SUFFIX = ("AB", "AB", "AB", "HB", "Handelsbolag", "& Co AB")
DIRECT_CHARGES = (
    ("Byte av lås", 900, 2500),
    ("Extra nyckel", 250, 600),
    ("Flyttstädning", 2500, 6500),
    ("Reparation av dörr", 1500, 5200),
    ("Skadegörelse i tvättstuga", 800, 3000),
    ("Bortforsling av kvarlämnade saker", 1200, 4000),
    ("Vattenskada, självrisk", 3000, 9000),
    ("Byte av spishäll", 2800, 7000),
)
MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)

# Payer profiles and what they do with one invoice: (on time, late, partial, unpaid).
AUTOGIRO, GOOD, SLOPPY, BAD = 0, 1, 2, 3
_OUTCOMES: dict[int, tuple[float, float, float]] = {
    AUTOGIRO: (0.99, 0.997, 0.997),
    GOOD: (0.965, 0.997, 0.999),
    SLOPPY: (0.78, 0.95, 0.975),
    BAD: (0.45, 0.75, 0.87),
}
"""Cumulative thresholds for on time / late / partial; above the last one: unpaid."""
_ON_TIME = {profile: thresholds[0] for profile, thresholds in _OUTCOMES.items()}


class _Dates(dict[Any, str]):
    """ISO text for dates, computed once each: a million invoices share a few hundred dates."""

    def __missing__(self, key: dt.date) -> str:
        text = key.isoformat()
        self[key] = text
        return text


class _Registered(dict[Any, str]):
    """When a payment of a given pay date was registered: the bank file came the next morning."""

    def __missing__(self, key: dt.date) -> str:
        text = f"{(key + dt.timedelta(days=1)).isoformat()} 06:30:00"
        self[key] = text
        return text


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn_sum(digits: str, *, double_last: bool) -> int:
    """Luhn's weighted digit sum; ``double_last`` says whether the rightmost digit is doubled."""
    total = 0
    double = double_last
    for ch in reversed(digits):
        digit = ord(ch) - 48
        total += _DOUBLED[digit] if double else digit
        double = not double
    return total


_TAIL_SUMS = {f"{n:03d}": _luhn_sum(f"{n:03d}", double_last=True) for n in range(1000)}
_HEAD_SUMS: dict[str, int] = {}


def demo_ocr(number: str) -> str:
    """The OCR reference of an invoice number: length digit, then the Luhn digit.

    The same result as :func:`tui_inkasso.domain.identifiers.ocr_with_check` (the tests compare
    every invoice), computed from cached partial sums: python-stdnum's generic Luhn costs 30 µs
    a number here, half a minute at a million invoices. Sequential numbers share their head, so
    only the last three digits are looked up each time.
    """
    base = number + str((len(number) + 2) % 10)
    if len(base) < 4:
        return base + str(-_luhn_sum(base, double_last=True) % 10)
    head = base[:-3]
    part = _HEAD_SUMS.get(head)
    if part is None:
        part = _HEAD_SUMS[head] = _luhn_sum(head, double_last=False)
    return base + str(-(part + _TAIL_SUMS[base[-3:]]) % 10)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    """Runs and deadlines fall on weekdays; Saturday and Sunday move to Monday."""
    wd = day.weekday()
    return day + dt.timedelta(days=7 - wd) if wd >= 5 else day


def _wednesday_on_or_after(day: dt.date) -> dt.date:
    """Collection runs are on Wednesdays."""
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class RentMonth:
    """One month of rent: billed on the 20th of the month before, due its last day."""

    first: dt.date
    invoice_date: dt.date
    due: dt.date

    @property
    def label(self) -> str:
        """"september 2026": the month as the invoice row names it."""
        return f"{MONTH_NAMES[self.first.month - 1]} {self.first.year}"


def rent_months(today: dt.date, months: int = MONTHS) -> list[RentMonth]:
    """The ``months`` rent months whose invoices are issued on or before ``today``, oldest first."""
    year, month = today.year, today.month
    if today.day >= 20:
        year, month = _add_months(year, month, 1)
    result = []
    for back in range(months - 1, -1, -1):
        ry, rm = _add_months(year, month, -back)
        py, pm = _add_months(ry, rm, -1)
        last = calendar.monthrange(py, pm)[1]
        result.append(RentMonth(dt.date(ry, rm, 1), dt.date(py, pm, 20), dt.date(py, pm, last)))
    return result


def clear_ledger(database: pw.Database) -> dict[str, int]:
    """Empty every ledger table (children first); returns rows deleted per table."""
    deleted: dict[str, int] = {}
    for model in reversed(LEDGER_MODELS):
        table = model._meta.table_name
        cursor = database.execute_sql(f'DELETE FROM "{table}"')
        deleted[table] = max(cursor.rowcount, 0)
    return deleted


def has_ledger(database: pw.Database) -> bool:
    """True when the database holds owners, customers, invoices or payments."""
    for model in (m.Owner, m.Customer, m.Invoice, m.Payment):
        table = model._meta.table_name
        if database.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            return True
    return False


@dataclass(slots=True)
class _Contract:
    """A lease as the generator needs it: who, what, which months of the window (start..end)."""

    id: int
    number: str
    customer: int
    obj: int
    owner: int
    type_index: int
    start: int
    end: int
    rent: int
    vat: bool
    extra: tuple[str, int] | None
    fee_allowed: bool
    label: str
    first_year: tuple[tuple[tuple[str, int], ...], int] = ((), 0)
    """Rows and amount of a rent invoice in the first year (the first row's text gets the month)."""
    later: tuple[tuple[tuple[str, int], ...], int] = ((), 0)
    """The same after the yearly rent increase (about 3 %) of the second year."""


@dataclass(slots=True)
class _Person:
    """A customer's paying habit (AUTOGIRO, GOOD, SLOPPY, BAD) and what a payment shows of them.

    ``sender`` is a company's own bankgiro, the sender account of its payments; persons pay from
    an internet bank and leave it empty, which is also how the generator tells the two apart.
    """

    profile: int
    name: str
    sender: str


@dataclass(slots=True)
class _Case:
    """A collection case being filled; its totals and status are written when all is known."""

    id: int
    owner: int
    customer: int
    created: dt.date
    capital: int = 0
    fees: int = 0
    balance: int = 0
    last_paid: str = ""
    paid_after: bool = False


@dataclass(slots=True)
class Outcome:
    """What happened to one invoice up to the business date."""

    payments: list[tuple[dt.date, int, int]] = field(default_factory=list)
    """(pay date, amount, channel): channel 0 bankgiro, 1 autogiro, 2 agency, 3 credit."""
    notices: list[tuple[int, dt.date, dt.date, int, int]] = field(default_factory=list)
    """(level, issued on, deadline, capital, fee)."""
    case_date: dt.date | None = None
    balance: int = 0
    fees: int = 0


class DemoBuilder:
    """Builds the demo ledger into the bound database; call :meth:`build` inside a transaction."""

    def __init__(self, database: pw.Database, *, invoices: int, seed: int, today: dt.date) -> None:
        self.writer = BulkWriter(database)
        self.rng = random.Random(seed)
        self.today = today
        self.last_pay_day = today - dt.timedelta(days=1)
        self.target = invoices
        self.months = rent_months(today)
        self.start = self.months[0].invoice_date
        self.ds = _Dates()
        self.registered = _Registered()
        self.flag = self.writer.flag
        self.ids = {model: self.writer.next_id(model) for model in _FLUSH_ORDER}
        self.full: dict[type[m.BaseModel], list[tuple]] = {model: [] for model in _FLUSH_ORDER}
        self.short: dict[type[m.BaseModel], list[tuple]] = {model: [] for model in _SHORT}
        self.owner_ids: list[int] = []
        self.type_ids: list[int] = []
        self.customers: dict[int, _Person] = {}
        self.contracts: list[_Contract] = []
        self.runs: dict[dt.date, list[int]] = {}
        self.cases: dict[tuple[int, int, dt.date], _Case] = {}
        self.national_ids: set[str] = set()
        self.invoice_seq = {RENT: 10_000_000, DIRECT: 50_000_000}
        self.blocked_customers: dict[int, tuple[str, str]] = {}

    # ----------------------------------------------------------------- ids and buffers
    def _id(self, model: type[m.BaseModel]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _add(self, model: type[m.BaseModel], row: tuple) -> None:
        self.full[model].append(row)

    def _flush(self) -> None:
        """Write every buffer, parents first, so each foreign key points at a written row.

        Rows without NULLs go in the short shape: binding ``None`` costs sqlite3 as much as a
        whole extra column, and most invoices and payments have ten and three of them.
        """
        for model in _FLUSH_ORDER:
            rows = self.full[model]
            if rows:
                self.writer.insert(model, _COLUMNS[model], rows)
                rows.clear()
            rows = self.short.get(model, [])
            if rows:
                self.writer.insert(model, _SHORT[model], rows)
                rows.clear()

    # ----------------------------------------------------------------- the whole build
    def build(self) -> dict[str, int]:
        """Write the demo ledger; returns rows written per table."""
        n_rent = round(self.target * 0.95)
        self._levels()
        self._owners()
        self._object_types()
        self._runs()
        self._master_data(n_rent)
        self._flush()
        indexes = self.writer.drop_indexes(_BULK_TABLES)
        scenarios = _SCENARIOS
        self._invoices(n_rent, self.target - n_rent - len(scenarios))
        self._scenarios(scenarios)
        self._flush()
        self.writer.create_indexes(indexes)
        self._finish()
        return dict(self.writer.counts)

    def _levels(self) -> None:
        """The demo's two levels; any other configured level would leave nothing ready."""
        table = m.DunningLevelConfig
        table.delete().where(table.level > len(LEVELS)).execute()
        for level in LEVELS:
            table.insert(
                level=level.level, name=level.name, days=level.days, fee=level.fee,
                deadline_days=level.deadline_days, letter_text=level.letter_text,
            ).on_conflict(
                conflict_target=[table.level],
                update={table.name: level.name, table.days: level.days, table.fee: level.fee,
                        table.deadline_days: level.deadline_days, table.letter_text: level.letter_text},
            ).execute()
        self.writer.counts[table._meta.table_name] = len(LEVELS)

    def _owners(self) -> None:
        count = 4 if self.target < 100_000 else 5
        for spec in OWNERS[:count]:
            owner_id = self._id(m.Owner)
            self.owner_ids.append(owner_id)
            self._add(m.Owner, (
                owner_id, spec.code, spec.name, self._orgnr(), self._bankgiro(), None,
                f"Box {100 + owner_id}", f"{spec.postal}1 {10 + owner_id}", spec.city,
                f"0{10 + owner_id}-{self.rng.randrange(100000, 999999)}",
                f"hyra@{spec.code.lower()}.example.com",
            ))
            for role, number in ACCOUNT_NUMBERS.items():
                if role is m.AccountRole.COLLECTION_OVERPAYMENT and not spec.overpayment_account:
                    continue
                self._add(m.Account, (self._id(m.Account), owner_id, role.value, number, role.value))

    def _object_types(self) -> None:
        for code, name, sfi, *_ in OBJECT_TYPES:
            type_id = self._id(m.ObjectType)
            self.type_ids.append(type_id)
            self._add(m.ObjectType, (type_id, code, name, sfi))

    def _runs(self) -> None:
        """One reminder/demand run per weekday of the period; empty ones are dropped at the end."""
        day = _weekday_on_or_after(self.start)
        while day <= self.today:
            run_id = self._id(m.DunningRun)
            self.runs[day] = [run_id, 0, 0]
            self._add(m.DunningRun, (run_id, self.ds[day], f"{self.ds[day]} 07:00:00", DEMO_USER, 0, 0, None))
            day = _weekday_on_or_after(day + dt.timedelta(days=1))

    # ----------------------------------------------------------------- identifiers and people
    def _orgnr(self) -> str:
        while True:
            base = "55" + str(self.rng.randrange(6, 10)) + f"{self.rng.randrange(0, 1_000_000):06d}"
            digits = base + luhn_check_digit(base)
            text = f"{digits[:6]}-{digits[6:]}"
            if text not in self.national_ids:
                self.national_ids.add(text)
                return text

    def _personnummer(self) -> str:
        rng = self.rng
        while True:
            born = dt.date(1938, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 67))
            serial = f"{rng.randrange(0, 1000):03d}"
            base = born.strftime("%y%m%d") + serial
            text = f"{born:%Y%m%d}-{serial}{luhn_check_digit(base)}"
            if text not in self.national_ids:
                self.national_ids.add(text)
                return text

    def _bankgiro(self) -> str:
        base = str(self.rng.randrange(100_000, 999_999))
        return base + luhn_check_digit(base)

    def _customer(self, *, company: bool, address: str, postal: str, city: str,
                  name: str | None = None, profile: int | None = None, number: str | None = None) -> int:
        rng = self.rng
        customer_id = self._id(m.Customer)
        if company:
            name = name or f"{rng.choice(COMPANY_WORDS)} {rng.choice(BLOCKS)} {rng.choice(COMPANY_SUFFIX)}"
            national_id = self._orgnr()
            email = f"faktura{customer_id}@{_ascii(name.split()[0])}.example.com" if rng.random() < 0.95 else ""
            draw = rng.random()
            profile = profile if profile is not None else (GOOD if draw < 0.8 else SLOPPY if draw < 0.95 else BAD)
            sender = self._bankgiro()
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = name or f"{first} {last}"
            national_id = self._personnummer()
            email = f"{_ascii(first)}.{_ascii(last)}{customer_id}@example.com" if rng.random() < 0.85 else ""
            draw = rng.random()
            if profile is None:
                profile = AUTOGIRO if draw < 0.3 else GOOD if draw < 0.85 else SLOPPY if draw < 0.96 else BAD
            sender = ""
        number = number or f"K{customer_id:06d}"
        phone = f"07{rng.randrange(0, 10)}-{rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
        self.short[m.Customer].append((
            customer_id, number, name, national_id, self.flag(company), address, postal, city, email,
            phone, f"{name} {number} {national_id}".lower(),
        ))
        self.customers[customer_id] = _Person(profile, name, sender)
        return customer_id

    # ----------------------------------------------------------------- properties and contracts
    def _master_data(self, n_rent: int) -> None:
        """Properties, objects, customers and contracts until they carry ``n_rent`` rent invoices."""
        budget = n_rent
        if self.target >= 5_000:
            budget -= self._big_customer(min(25 + self.target // 100_000, 40), budget)
        owners = len(self.owner_ids)
        # first one property per owner, each with every object type, so small ledgers have all
        share = max(budget // (2 * owners), 1)
        for owner_index in range(owners):
            if budget > 0:
                budget -= self._property(owner_index, 1001 + owner_index, min(budget, share), complete=True)
        spec_order = [i for i, spec in enumerate(OWNERS[:owners]) for _ in range(spec.weight)]
        number = owners
        while budget > 0:
            owner_index = spec_order[number % len(spec_order)]
            number += 1
            budget -= self._property(owner_index, 1000 + number, budget, complete=False)

    def _new_property(self, owner_index: int, code: int, name: str | None = None) -> tuple[int, str, str, str]:
        rng = self.rng
        spec = OWNERS[owner_index]
        prop_id = self._id(m.Property)
        block = name or rng.choice(BLOCKS)
        street = f"{rng.choice(STREETS)} {rng.randrange(1, 60)}"
        postal = f"{spec.postal}{rng.randrange(1, 10)} {rng.randrange(10, 99)}"
        self._add(m.Property, (
            prop_id, str(code), self.owner_ids[owner_index], f"{block} {rng.randrange(1, 30)}:{rng.randrange(1, 200)}",
            f"Kv. {block}", AREAS[code % len(AREAS)],
        ))
        return prop_id, street, postal, spec.city

    def _property(self, owner_index: int, code: int, budget: int, *, complete: bool) -> int:
        """One property with its objects and contracts; returns the rent invoices it carries."""
        rng = self.rng
        prop_id, street, postal, city = self._new_property(owner_index, code)
        counts = [rng.randrange(8, 49), rng.randrange(0, 4), rng.randrange(4, 25), rng.randrange(0, 7),
                  rng.randrange(0, 7), rng.randrange(0, 2), rng.randrange(0, 3)]
        if complete:
            counts = [max(c, 1) for c in counts]
        order = [t for round_ in range(max(counts)) for t in range(len(counts)) if round_ < counts[t]]
        tenants: list[int] = []
        used = 0
        serial = [0] * len(counts)
        for type_index in order:
            if used >= budget:
                break
            serial[type_index] += 1
            used += self._object(prop_id, code, owner_index, type_index, serial[type_index],
                                 street, postal, city, tenants, budget - used)
        return used

    def _object(self, prop_id: int, code: int, owner_index: int, type_index: int, serial: int,
                street: str, postal: str, city: str, tenants: list[int], budget: int,
                customer: int | None = None) -> int:
        """One rental object and its tenants' contracts; returns the rent invoices they carry."""
        rng = self.rng
        type_code = OBJECT_TYPES[type_index][0]
        obj_code, address = _object_code(code, type_code, serial, street)
        obj_id = self._id(m.RentalObject)
        self._add(m.RentalObject, (obj_id, obj_code, prop_id, self.type_ids[type_index], address))
        spans = [(0, MONTHS)]
        if rng.random() < 0.12:
            cut = rng.randrange(1, MONTHS)
            spans = [(0, cut), (cut, MONTHS)]
        used = 0
        for start, end in spans:
            if used >= budget:
                break
            start = max(start, end - (budget - used))
            tenant = customer or self._tenant(type_index, tenants, address, postal, city)
            self._contract(tenant, obj_id, owner_index, type_index, start, end, obj_code)
            used += end - start
        return used

    def _tenant(self, type_index: int, tenants: list[int], address: str, postal: str, city: str) -> int:
        code = OBJECT_TYPES[type_index][0]
        if code in ("LOK", "KONT"):
            return self._customer(company=True, address=address, postal=postal, city=city)
        if code != "LGH" and tenants and self.rng.random() < 0.55:
            return tenants[int(self.rng.random() * len(tenants))]
        company = code in ("GAR", "OVR") and self.rng.random() < 0.2
        customer = self._customer(company=company, address=address, postal=postal, city=city)
        if code == "LGH":
            tenants.append(customer)
        return customer

    def _contract(self, customer: int, obj_id: int, owner_index: int, type_index: int,
                  start: int, end: int, obj_code: str) -> None:
        rng = self.rng
        _code, _name, _sfi, (low, high), vat_for_company, label = OBJECT_TYPES[type_index]
        person = self.customers[customer]
        company = bool(person.sender)
        rent = rng.randrange(low, high + 1) * 100
        extra = None
        if _code == "LGH" and rng.random() < 0.25:
            extra = ("Bredband", 9900) if rng.random() < 0.6 else ("Hushållsel", rng.randrange(250, 700) * 100)
        contract_id = self._id(m.Contract)
        started = (self.months[0].first - dt.timedelta(days=rng.randrange(30, 365 * 12))).replace(day=1) \
            if start == 0 else self.months[start].first
        ended = self.months[end - 1].first.replace(day=calendar.monthrange(
            self.months[end - 1].first.year, self.months[end - 1].first.month)[1]) if end < MONTHS else None
        fee_allowed = rng.random() < 0.97
        label_text = f"{label} {obj_code.split('-')[-1][1:]}" if _code in ("PP", "GAR", "FRD") else label
        contract = _Contract(contract_id, f"A{contract_id:07d}", customer, obj_id, owner_index, type_index,
                             start, end, rent, vat_for_company and company, extra, fee_allowed, label_text)
        contract.first_year = _bill(rent - rent * 3 // 10_000 * 100, extra, contract.vat)
        contract.later = _bill(rent, extra, contract.vat)
        self.contracts.append(contract)
        self._add(m.Contract, (
            contract_id, contract.number, customer, obj_id, self.ds[started],
            self.ds[ended] if ended else None, rent, self.flag(fee_allowed),
        ))

    def _big_customer(self, spaces: int, budget: int) -> int:
        """A company renting many parking spaces: hundreds of invoices in one ledger view."""
        prop_id, street, postal, city = self._new_property(0, 999, name="Parkeringshuset")
        customer = self._customer(company=True, address="Industrivägen 7", postal="117 43", city="Stockholm",
                                  name="Bilpoolen Sverige AB", profile=SLOPPY, number=BIG_CUSTOMER_NUMBER)
        used = 0
        for serial in range(1, spaces + 1):
            if used >= budget:
                break
            used += self._object(prop_id, 999, 0, 2, serial, street, postal, city, [], budget - used,
                                 customer=customer)
        return used

    # ----------------------------------------------------------------- invoices, month by month
    def _invoices(self, n_rent: int, n_direct: int) -> None:
        """Rent invoices of each month, then that month's direct invoices, in number order."""
        direct = self._direct_plan(max(n_direct, 0))
        active: list[list[_Contract]] = [[] for _ in self.months]
        for contract in self.contracts:
            for index in range(contract.start, contract.end):
                active[index].append(contract)
        assert sum(len(a) for a in active) == n_rent, "contracts must carry exactly the rent invoices"
        pointer = 0
        for index, month in enumerate(self.months):
            self._rent_month(index, month, active[index])
            limit = self.months[index + 1].invoice_date if index + 1 < MONTHS else self.today + _ONE_DAY
            while pointer < len(direct) and direct[pointer][0] < limit:
                self._direct_invoice(*direct[pointer])
                pointer += 1
            if len(self.short[m.Invoice]) >= FLUSH_EVERY:
                self._flush()
        for item in direct[pointer:]:
            self._direct_invoice(*item)

    def _rent_month(self, index: int, month: RentMonth, contracts: list[_Contract]) -> None:
        """One month's rent invoices. The hot loop of the generator: a million times at full size.

        Invoices paid on time in full (nine in ten) are written right here with precomputed
        text; the rest go through :meth:`_settle`, which simulates reminders and cases.
        """
        ids, ds, registered, rand = self.ids, self.ds, self.registered, self.rng.random
        customers, owner_ids, last_pay_day = self.customers, self.owner_ids, self.last_pay_day
        add_invoice = self.short[m.Invoice].append
        add_row = self.short[m.InvoiceRow].append
        add_payment = self.short[m.Payment].append
        invoice_s, due_s, label, due = ds[month.invoice_date], ds[month.due], month.label, month.due
        options = [max(month.invoice_date + _ONE_DAY, due - _DAYS[k]) for k in range(8)]
        bankgiro = [(ds[d], registered[d], BANKGIRO_METHOD) for d in options if d <= last_pay_day]
        autogiro = (ds[due], registered[due], AUTOGIRO_METHOD) if due <= last_pay_day else None
        seq, invoice_id, row_id = self.invoice_seq[RENT], ids[m.Invoice], ids[m.InvoiceRow]
        for contract in contracts:
            seq += 1
            number = str(seq)
            ocr = demo_ocr(number)
            rows, amount = contract.later if index >= 12 else contract.first_year
            add_row((row_id, invoice_id, 1, f"{contract.label} {label}", rows[0][1]))
            for line_no in range(1, len(rows)):
                add_row((row_id + line_no, invoice_id, line_no + 1, *rows[line_no]))
            row_id += len(rows)
            person = customers[contract.customer]
            profile = person.profile
            draw = rand()
            if draw < _ON_TIME[profile]:
                pay = autogiro if profile == AUTOGIRO else (
                    bankgiro[int(rand() * len(bankgiro))] if len(bankgiro) == 8 else None)
                if pay is not None:
                    owner_id = owner_ids[contract.owner]
                    payment_id = ids[m.Payment]
                    ids[m.Payment] = payment_id + 1
                    add_payment((payment_id, PAYMENT, pay[2], invoice_id, contract.customer, owner_id, amount,
                                 amount, 0, pay[0], pay[1], DEMO_USER, ocr, person.sender, person.name, BOOKED, ""))
                    add_invoice((invoice_id, number, RENT, owner_id, contract.customer, contract.obj, contract.id,
                                 invoice_s, due_s, ocr, amount, 0, 0, 0))
                    invoice_id += 1
                    continue
            self._settle(invoice_id, number, ocr, RENT, contract, month.invoice_date, due, amount, draw)
            invoice_id += 1
        self.invoice_seq[RENT], ids[m.Invoice], ids[m.InvoiceRow] = seq, invoice_id, row_id

    def _direct_plan(self, count: int) -> list[tuple[dt.date, int]]:
        """Dates and contracts of the direct invoices, sorted by date."""
        rng = self.rng
        plan = []
        contracts = self.contracts
        for _ in range(count):
            position = int(rng.random() * len(contracts))
            contract = contracts[position]
            first = self.months[contract.start].invoice_date
            last = self.months[contract.end].invoice_date if contract.end < MONTHS else self.today
            plan.append((first + dt.timedelta(days=int(rng.random() * ((last - first).days + 1))), position))
        plan.sort()
        return plan

    def _direct_invoice(self, day: dt.date, position: int) -> None:
        rng = self.rng
        contract = self.contracts[position]
        text, low, high = DIRECT_CHARGES[int(rng.random() * len(DIRECT_CHARGES))]
        amount = (low + int(rng.random() * (high - low))) * 100
        rows = [(text, amount)]
        if amount > 200_000 and rng.random() < 0.5:
            rows = [(f"{text}, arbete", amount * 3 // 5), (f"{text}, material", amount - amount * 3 // 5)]
        if self.customers[contract.customer].sender:
            rows.append(("Moms 25 %", amount // 4))
            amount += amount // 4
        self._invoice(DIRECT, contract, day, day + dt.timedelta(days=30), rows, amount)

    def _invoice(self, kind: str, contract: _Contract, invoice_date: dt.date, due: dt.date,
                 rows: list[tuple[str, int]], amount: int, outcome: Outcome | None = None,
                 blocked: tuple[str, str] | None = None, excluded: tuple[str, str] | None = None) -> int:
        """Write one invoice (outside the rent loop) with its rows and what happened to it."""
        ids = self.ids
        seq = self.invoice_seq[kind] + 1
        self.invoice_seq[kind] = seq
        number = str(seq)
        invoice_id = ids[m.Invoice]
        ids[m.Invoice] = invoice_id + 1
        row_id = ids[m.InvoiceRow]
        add_row = self.short[m.InvoiceRow].append
        for line_no, (text, row_amount) in enumerate(rows, 1):
            add_row((row_id + line_no - 1, invoice_id, line_no, text, row_amount))
        ids[m.InvoiceRow] = row_id + len(rows)
        draw = self.rng.random() if outcome is None else 1.0
        self._settle(invoice_id, number, demo_ocr(number), kind, contract, invoice_date, due, amount, draw,
                     outcome, blocked, excluded)
        return invoice_id

    def _settle(self, invoice_id: int, number: str, ocr: str, kind: str, contract: _Contract,
                invoice_date: dt.date, due: dt.date, amount: int, draw: float, outcome: Outcome | None = None,
                blocked: tuple[str, str] | None = None, excluded: tuple[str, str] | None = None) -> None:
        """Payments, notices and case of one invoice, then the invoice row itself."""
        person = self.customers[contract.customer]
        profile = person.profile
        if outcome is None:
            if draw < _ON_TIME[profile]:
                paid_on = due if profile == AUTOGIRO else max(
                    invoice_date + _ONE_DAY, due - _DAYS[int(self.rng.random() * 8)])
                outcome = Outcome(balance=amount)
                if paid_on <= self.last_pay_day:
                    outcome.payments.append((paid_on, amount, 1 if profile == AUTOGIRO else 0))
                    outcome.balance = 0
            else:
                outcome = self._simulate(draw, due, amount, profile, contract)
        ds = self.ds
        owner_id = self.owner_ids[contract.owner]
        case = self._case(contract, outcome, invoice_id, amount) if outcome.case_date else None
        self._notices(invoice_id, outcome)
        balance = self._payments(invoice_id, contract, ocr, amount, outcome, case)
        if case is not None:
            case.balance += balance
        head = (invoice_id, number, kind, owner_id, contract.customer, contract.obj, contract.id,
                ds[invoice_date], ds[due], ocr, amount, balance, outcome.fees)
        if not (outcome.notices or case or blocked or excluded):
            self.short[m.Invoice].append((*head, 0))
            return
        last = outcome.notices[-1] if outcome.notices else None
        self.full[m.Invoice].append((
            *head, last[0] if last else 0, ds[last[1]] if last else None, ds[last[2]] if last else None,
            blocked[0] if blocked else None, DEMO_USER if blocked else None, blocked[1] if blocked else None,
            case.id if case else None, f"{ds[case.created]} 10:00:00" if case else None,
            excluded[0] if excluded else None, DEMO_USER if excluded else None, excluded[1] if excluded else None,
        ))

    # ----------------------------------------------------------------- what happened to an invoice
    def _simulate(self, draw: float, due: dt.date, amount: int, profile: int,
                  contract: _Contract) -> Outcome:
        """A payer who was late, paid part, or did not pay; then the dunning the owner ran."""
        rng = self.rng
        outcome = Outcome()
        _on_time, late, partial = _OUTCOMES[profile]
        pays = outcome.payments
        if draw < late:
            pays.append((due + dt.timedelta(days=1 + int(rng.random() * (55 if profile == BAD else 30))), amount, 0))
        elif draw < partial:
            part = max(100, amount * (2 + int(rng.random() * 7)) // 1000 * 100)
            pays.append((due - dt.timedelta(days=int(rng.random() * 3)), part, 0))
            if rng.random() < 0.5:
                pays.append((due + dt.timedelta(days=10 + int(rng.random() * 80)), amount - part, 2))
        else:
            later = rng.random()
            if later < 0.35:
                pays.append((due + dt.timedelta(days=40 + int(rng.random() * 160)), amount, 2))
            elif later < 0.55:
                pays.append((due + dt.timedelta(days=40 + int(rng.random() * 120)), amount // 200 * 100, 2))
        if pays and pays[-1][0] > self.last_pay_day:
            outcome.payments = pays = [p for p in pays if p[0] <= self.last_pay_day]
        self._dunning(outcome, due, amount, contract)
        return outcome

    def _dunning(self, outcome: Outcome, due: dt.date, amount: int, contract: _Contract) -> None:
        """Issue the levels the owner's runs reached, then a case if its collection run came."""
        pays = outcome.payments
        outcome.balance = amount - sum(p[1] for p in pays)
        spec = OWNERS[contract.owner]
        cutoff = self.today - dt.timedelta(days=spec.dunning_lag)
        eligible = _weekday_on_or_after(_weekday_on_or_after(due) + dt.timedelta(days=LEVELS[0].days))
        for level in LEVELS:
            if eligible > cutoff:
                return
            balance = amount - sum(p[1] for p in pays if p[0] < eligible)
            if balance <= 0:
                return
            deadline = _weekday_on_or_after(eligible + dt.timedelta(days=level.deadline_days))
            fee = level.fee if contract.fee_allowed else 0
            outcome.notices.append((level.level, eligible, deadline, balance, fee))
            outcome.fees += fee
            eligible = _weekday_on_or_after(max(eligible + dt.timedelta(days=level.days),
                                                deadline + dt.timedelta(days=1)))
        case_day = _wednesday_on_or_after(outcome.notices[-1][2] + dt.timedelta(days=1))
        if case_day > self.today - dt.timedelta(days=spec.collection_lag):
            return
        if amount - sum(p[1] for p in pays if p[0] < case_day) > 0:
            outcome.case_date = case_day

    # ----------------------------------------------------------------- children of an invoice
    def _notices(self, invoice_id: int, outcome: Outcome) -> None:
        ds = self.ds
        for level, issued, deadline, capital, fee in outcome.notices:
            run = self.runs[issued]
            run[1] += 1
            run[2] += fee
            self.short[m.DunningNotice].append((
                self._id(m.DunningNotice), invoice_id, run[0], level, LEVELS[level - 1].name,
                ds[issued], ds[deadline], capital, fee, 0,
            ))

    def _payments(self, invoice_id: int, contract: _Contract, ocr: str, amount: int, outcome: Outcome,
                  case: _Case | None) -> int:
        """Write the payments in date order, each applied up to the balance; returns the balance."""
        ds = self.ds
        person = self.customers[contract.customer]
        owner_id = self.owner_ids[contract.owner]
        balance = amount
        for pay_date, paid, channel in outcome.payments:
            after_case = case is not None and pay_date >= case.created
            if channel == 2 and not after_case:
                channel = 0  # the agency only pays on invoices it holds
            split = split_payment(paid, balance, from_agency=channel == 2,
                                  owner_has_overpayment_account=OWNERS[contract.owner].overpayment_account)
            balance -= split.invoice_amount
            registered = self.registered[pay_date]
            kind, method, sender, payer = _CHANNELS[channel]
            row = (self._id(m.Payment), kind, method, invoice_id, contract.customer, owner_id, paid,
                   split.invoice_amount, split.excess_amount, ds[pay_date], registered, DEMO_USER, ocr,
                   sender or person.sender, payer or person.name, BOOKED, "")
            if split.excess_amount or after_case:
                self.full[m.Payment].append((*row[:9], split.excess_role, *row[9:15], None, None, *row[15:],
                                             case.id if after_case and case else None))
            else:
                self.short[m.Payment].append(row)
            if case is not None and after_case:
                case.paid_after = True
                case.last_paid = max(case.last_paid, registered)
        return balance

    def _case(self, contract: _Contract, outcome: Outcome, invoice_id: int, amount: int) -> _Case:
        """The case of this debtor created on that collection run (one per owner and run)."""
        assert outcome.case_date is not None
        key = (contract.owner, contract.customer, outcome.case_date)
        case = self.cases.get(key)
        if case is None:
            case = _Case(self._id(m.CollectionCase), contract.owner, contract.customer, outcome.case_date)
            self.cases[key] = case
            created = f"{self.ds[outcome.case_date]} 10:00:00"
            self._add(m.CollectionCase, (
                case.id, f"IK{outcome.case_date.year}-{case.id:06d}", m.CollectionSystem.INHOUSE.value,
                self.owner_ids[contract.owner], contract.customer, m.CaseStatus.REGISTERED.value,
                created, DEMO_USER, None, "", 0, 0, 0, None,
            ))
            self._add(m.CaseEvent, (self._id(m.CaseEvent), case.id, created, DEMO_USER, "created",
                                    "Ärendet registrerat från inkassokörningen"))
        capital = amount - sum(p[1] for p in outcome.payments if p[0] < outcome.case_date)
        case.capital += capital
        case.fees += outcome.fees
        sfi = OBJECT_TYPES[contract.type_index][2]
        self._add(m.CaseInvoice, (self._id(m.CaseInvoice), case.id, invoice_id, capital, outcome.fees, 0, sfi))
        return case

    # ----------------------------------------------------------------- guaranteed material
    def _scenarios(self, scenarios: Sequence[Callable[[DemoBuilder, _Contract], None]]) -> None:
        """A few invoices built to a plan, so every workflow has material at any size."""
        candidates = [c for c in self.contracts
                      if self.customers[c.customer].profile in (AUTOGIRO, GOOD)
                      and OBJECT_TYPES[c.type_index][0] == "LGH" and c.end == MONTHS]
        candidates = candidates or self.contracts
        seen: set[int] = set()
        by_owner = {0: [c for c in candidates if c.owner == 0], 2: [c for c in candidates if c.owner == 2]}
        for position, scenario in enumerate(scenarios):
            owner = 2 if scenario in (_agency_part_no_account,) else 0
            pool = by_owner[owner] or candidates
            contract = next((c for c in pool[position:] + pool if c.customer not in seen), pool[0])
            seen.add(contract.customer)
            scenario(self, contract)

    def scenario_invoice(self, contract: _Contract, due_days_ago: int, levels: int,
                         payments: Sequence[tuple[int, int, int]] = (), case_days_ago: int | None = None,
                         amount: int = 348_000, **marks: tuple[str, str]) -> int:
        """A direct invoice due ``due_days_ago`` with ``levels`` notices, payments given as
        (days ago, öre or -1 for the balance plus 500 kr, channel), and a case when asked."""
        today = self.today
        due = today - dt.timedelta(days=due_days_ago)
        outcome = Outcome()
        issued = _weekday_on_or_after(due + dt.timedelta(days=LEVELS[0].days))
        for level in LEVELS[:levels]:
            deadline = _weekday_on_or_after(issued + dt.timedelta(days=level.deadline_days))
            fee = level.fee if contract.fee_allowed else 0
            outcome.notices.append((level.level, issued, deadline, amount, fee))
            outcome.fees += fee
            issued = _weekday_on_or_after(max(issued + dt.timedelta(days=level.days), deadline + dt.timedelta(days=1)))
        balance = amount
        for days_ago, pay, channel in payments:
            pay = balance + 50_000 if pay < 0 else pay
            outcome.payments.append((today - dt.timedelta(days=days_ago), pay, channel))
            balance -= min(pay, balance)
        outcome.balance = balance
        if case_days_ago is not None:
            outcome.case_date = _wednesday_on_or_after(today - dt.timedelta(days=case_days_ago))
        text = "Reparation efter vattenskada" if "excluded" not in marks else "Hyresskuld enligt avtal"
        return self._invoice(DIRECT, contract, due - dt.timedelta(days=30), due,
                             [(text, amount)], amount, outcome, marks.get("blocked"), marks.get("excluded"))

    def unmatched_payment(self) -> None:
        """A payment whose reference matches no invoice and whose payer is unknown."""
        pay_date = self.today - dt.timedelta(days=3)
        self._add(m.Payment, (
            self._id(m.Payment), m.PaymentKind.PAYMENT.value, m.PaymentMethod.BANKGIRO.value, None, None,
            self.owner_ids[0], 123_400, 0, 123_400, PREPAYMENT_ROLE, self.ds[pay_date],
            self.registered[pay_date], DEMO_USER, "4711081547", self._bankgiro(), "Okänd inbetalare",
            None, None, "unmatched", "Referensen matchar ingen faktura", None,
        ))

    def block_customer(self, contract: _Contract, reason: str) -> None:
        """Mark the contract's customer as dunning-blocked (written with the scenario rows)."""
        at = f"{self.ds[self.today - dt.timedelta(days=21)]} 14:05:00"
        self.blocked_customers[contract.customer] = (reason, at)

    # ----------------------------------------------------------------- totals written last
    def _finish(self) -> None:
        """Case totals and statuses, run totals, empty runs dropped, sequences moved on."""
        writer = self.writer
        today = self.today
        case_rows = []
        closed_events = []
        for case in self.cases.values():
            if case.balance <= 0:
                status, closed = m.CaseStatus.CLOSED.value, case.last_paid or None
                if closed:
                    closed_events.append((self._id(m.CaseEvent), case.id, closed, DEMO_USER, "closed",
                                          "Ärendet avslutat: skulden är betald"))
            elif case.paid_after:
                status, closed = m.CaseStatus.INSTALMENT_PLAN.value, None
            elif (today - case.created).days > 20:
                status, closed = m.CaseStatus.DEMAND_SENT.value, None
            else:
                status, closed = m.CaseStatus.REGISTERED.value, None
            case_rows.append((case.capital, case.fees, status, closed, case.id))
        writer.update_many(
            'UPDATE "collection_case" SET "capital" = ?, "fees" = ?, "status" = ?, "closed_at" = ? WHERE "id" = ?',
            case_rows,
        )
        writer.insert(m.CaseEvent, _COLUMNS[m.CaseEvent], closed_events)
        writer.update_many(
            'UPDATE "dunning_run" SET "notices" = ?, "fees" = ? WHERE "id" = ?',
            [(count, fees, run_id) for run_id, count, fees in self.runs.values() if count],
        )
        empty = [(run_id,) for run_id, count, _fees in self.runs.values() if not count]
        writer.update_many('DELETE FROM "dunning_run" WHERE "id" = ?', empty)
        writer.counts["dunning_run"] = writer.counts.get("dunning_run", 0) - len(empty)
        if self.blocked_customers:
            writer.update_many(
                'UPDATE "customer" SET "dunning_blocked_reason" = ?, "dunning_blocked_by" = ?, '
                '"dunning_blocked_at" = ? WHERE "id" = ?',
                [(reason, DEMO_USER, at, cid) for cid, (reason, at) in self.blocked_customers.items()],
            )
        writer.fix_sequences([*LEDGER_MODELS])


def _bill(rent: int, extra: tuple[str, int] | None, vat: bool) -> tuple[tuple[tuple[str, int], ...], int]:
    """A rent invoice's rows (rent, an extra such as broadband, VAT for premises) and its total."""
    rows = [("", rent)]
    if extra:
        rows.append(extra)
    net = sum(amount for _, amount in rows)
    if vat:
        rows.append(("Moms 25 %", net // 4))
    return tuple(rows), sum(amount for _, amount in rows)


def _ascii(text: str) -> str:
    """An e-mail-safe form of a Swedish name."""
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "a", "Ä": "a", "Ö": "o", "&": ""})
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())


def _object_code(prop: int, type_code: str, serial: int, street: str) -> tuple[str, str]:
    """Object code and address in the style of the import example: 1001-1101, 1001-P07."""
    if type_code == "LGH":
        floor, door = divmod(serial - 1, 4)
        number = f"{floor + 1:02d}{door + 1:02d}"
        return f"{prop}-{number}", f"{street}, lgh {number}"
    prefix = {"LOK": "L", "KONT": "K", "PP": "P", "FRD": "F", "GAR": "G", "OVR": "X"}[type_code]
    word = {"LOK": "lokal", "KONT": "kontor", "PP": "p-plats", "FRD": "förråd", "GAR": "garage",
            "OVR": "övrigt"}[type_code]
    return f"{prop}-{prefix}{serial:02d}", f"{street}, {word} {serial}"


RENT = m.InvoiceKind.RENT.value
DIRECT = m.InvoiceKind.DIRECT.value
PAYMENT = m.PaymentKind.PAYMENT.value
BANKGIRO_METHOD = m.PaymentMethod.BANKGIRO.value
AUTOGIRO_METHOD = m.PaymentMethod.AUTOGIRO.value
BOOKED = "booked"
_ONE_DAY = dt.timedelta(days=1)
_DAYS = tuple(dt.timedelta(days=n) for n in range(10))

_CHANNELS = {
    0: (m.PaymentKind.PAYMENT.value, m.PaymentMethod.BANKGIRO.value, "", ""),
    1: (m.PaymentKind.PAYMENT.value, m.PaymentMethod.AUTOGIRO.value, "", ""),
    2: (m.PaymentKind.PAYMENT.value, m.PaymentMethod.INKASSO.value, AGENCY_BANKGIRO, AGENCY_NAME),
    3: (m.PaymentKind.CREDIT.value, m.PaymentMethod.CREDIT.value, "", "Kreditfaktura"),
}
"""Payment channel -> (kind, method, sender account, payer name; empty = the customer's own)."""


# The scenarios: each builds one invoice (or mark) so that the workflow named has material.
def _due_for_reminder(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 12, 0)


def _due_for_reminder_2(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 10, 0, amount=89_500)


def _due_for_demand(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 34, 1)


def _due_for_demand_partly_paid(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 36, 1, payments=[(20, 100_000, 0)])


def _ready_for_collection(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 60, 2)


def _ready_for_collection_partly_paid(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 64, 2, payments=[(40, 150_000, 0)])


def _excluded(builder: DemoBuilder, contract: _Contract) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=6)]} 11:20:00"
    builder.scenario_invoice(contract, 62, 2, excluded=("Avbetalningsplan överenskommen", at))


def _excluded_disputed(builder: DemoBuilder, contract: _Contract) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=3)]} 09:45:00"
    builder.scenario_invoice(contract, 66, 2, excluded=("Bestridd faktura, utreds", at))


def _case_paid_after(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 110, 2, payments=[(20, 120_000, 0)], case_days_ago=70)


def _case_credited_after(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 115, 2, payments=[(25, 48_000, 3), (12, 50_000, 0)],
                             case_days_ago=75)


def _agency_overpayment(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 120, 2, payments=[(15, -1, 2)], case_days_ago=80)


def _agency_part_no_account(builder: DemoBuilder, contract: _Contract) -> None:
    builder.scenario_invoice(contract, 118, 2, payments=[(18, 200_000, 2)], case_days_ago=78)


def _blocked_invoice(builder: DemoBuilder, contract: _Contract) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=15)]} 13:30:00"
    builder.scenario_invoice(contract, 25, 0, blocked=("Reklamation: fel i debiteringen", at))


def _blocked_customer(builder: DemoBuilder, contract: _Contract) -> None:
    builder.block_customer(contract, "Tvist hos hyresnämnden, invänta beslut")
    builder.scenario_invoice(contract, 20, 0, amount=412_500)
    builder.unmatched_payment()


_SCENARIOS: tuple[Callable[[DemoBuilder, _Contract], None], ...] = (
    _due_for_reminder, _due_for_reminder_2, _due_for_demand, _due_for_demand_partly_paid,
    _ready_for_collection, _ready_for_collection_partly_paid, _excluded, _excluded_disputed,
    _case_paid_after, _case_credited_after, _agency_overpayment, _agency_part_no_account,
    _blocked_invoice, _blocked_customer,
)

_COLUMNS: dict[type[m.BaseModel], tuple[str, ...]] = {
    m.Owner: ("id", "code", "name", "org_no", "bankgiro", "plusgiro", "address", "postal_code", "city",
              "phone", "email"),
    m.Account: ("id", "owner", "role", "number", "name"),
    m.ObjectType: ("id", "code", "name", "sfi"),
    m.Property: ("id", "code", "owner", "designation", "name", "area"),
    m.RentalObject: ("id", "code", "property", "object_type", "address"),
    m.Customer: ("id", "number", "name", "national_id", "is_company", "address", "postal_code", "city",
                 "email", "phone", "search_text", "dunning_blocked_reason", "dunning_blocked_by",
                 "dunning_blocked_at"),
    m.Contract: ("id", "number", "customer", "rental_object", "start_date", "end_date", "monthly_rent",
                 "reminder_fee_allowed"),
    m.DunningRun: ("id", "run_date", "created_at", "created_by", "notices", "fees", "pdf_path"),
    m.CollectionCase: ("id", "number", "system", "owner", "customer", "status", "created_at", "created_by",
                       "file", "agency_reference", "capital", "fees", "interest", "closed_at"),
    m.CaseEvent: ("id", "case", "at", "user", "kind", "text"),
    m.Invoice: ("id", "number", "kind", "owner", "customer", "rental_object", "contract", "invoice_date",
                "due_date", "ocr", "amount", "balance", "fees", "dunning_level", "dunning_date",
                "dunning_deadline", "dunning_blocked_reason", "dunning_blocked_by", "dunning_blocked_at",
                "collection_case", "collection_marked_at", "excluded_reason", "excluded_by", "excluded_at"),
    m.InvoiceRow: ("id", "invoice", "line_no", "text", "amount"),
    m.DunningNotice: ("id", "invoice", "run", "level", "name", "issued_on", "deadline", "capital", "fee",
                      "interest", "letter"),
    m.Payment: ("id", "kind", "method", "invoice", "customer", "owner", "amount", "invoice_amount",
                "excess_amount", "excess_role", "pay_date", "registered_at", "registered_by", "reference",
                "sender_account", "payer_name", "payment_file", "bank_ref", "status", "note", "collection_case"),
    m.CaseInvoice: ("id", "case", "invoice", "balance", "fees", "interest", "debt_type"),
}

_SHORT: dict[type[m.BaseModel], tuple[str, ...]] = {
    m.Customer: _COLUMNS[m.Customer][:11],
    m.Invoice: _COLUMNS[m.Invoice][:14],
    m.InvoiceRow: _COLUMNS[m.InvoiceRow],
    m.DunningNotice: _COLUMNS[m.DunningNotice][:10],
    m.Payment: tuple(c for c in _COLUMNS[m.Payment]
                     if c not in ("excess_role", "payment_file", "bank_ref", "collection_case")),
}
"""Null-free shapes of the tables written in bulk (the common row leaves the rest NULL)."""

_BULK_TABLES = (m.Invoice, m.InvoiceRow, m.DunningNotice, m.Payment, m.CaseInvoice)
"""Tables whose indexes are dropped during the load and rebuilt after it (SQLite)."""

_FLUSH_ORDER = (
    m.Owner, m.Account, m.ObjectType, m.Property, m.RentalObject, m.Customer, m.Contract, m.DunningRun,
    m.CollectionCase, m.CaseEvent, m.Invoice, m.InvoiceRow, m.DunningNotice, m.Payment, m.CaseInvoice,
)


def build_demo(database: pw.Database, *, invoices: int, seed: int, today: dt.date) -> dict[str, int]:
    """Write a demo ledger of exactly ``invoices`` invoices; returns rows written per table.

    Call inside one write transaction on a database without a ledger (see :func:`has_ledger`).
    """
    if not MIN_INVOICES <= invoices <= MAX_INVOICES:
        raise ValueError(f"invoices must be between {MIN_INVOICES} and {MAX_INVOICES}, not {invoices}")
    return DemoBuilder(database, invoices=invoices, seed=seed, today=today).build()
