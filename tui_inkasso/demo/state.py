"""The builder's shared state: the random generator, the ids it assigns and the row buffers.

The demo is written by one :class:`~tui_inkasso.demo.builder.DemoBuilder` whose parts live in
modules by concept (people, estate, invoice history, scenarios). They are mixins over this one
state rather than separate objects because the hot loop (a million invoices) reads the buffers
and ids as plain attributes; every part sees the same attributes, declared here.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import peewee as pw

from tui_inkasso.db import models as m
from tui_inkasso.db.bulk import BulkWriter
from tui_inkasso.demo.catalogue import DIRECT, RENT
from tui_inkasso.demo.dates import IsoDates, RegisteredAt, rent_months
from tui_inkasso.demo.tables import COLUMNS, FLUSH_ORDER, SHORT


@dataclass(slots=True)
class Lease:
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
class Payer:
    """A customer's paying habit (AUTOGIRO, GOOD, SLOPPY, BAD) and what a payment shows of them.

    ``sender`` is a company's own bankgiro, the sender account of its payments; persons pay from
    an internet bank and leave it empty, which is also how the generator tells the two apart.
    """

    profile: int
    name: str
    sender: str


@dataclass(slots=True)
class CaseDraft:
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


class BuilderState:
    """Everything the builder's parts share; :meth:`_flush` writes the buffered rows."""

    def __init__(self, database: pw.Database, *, invoices: int, seed: int, today: dt.date) -> None:
        self.writer = BulkWriter(database)
        self.rng = random.Random(seed)
        self.today = today
        self.last_pay_day = today - dt.timedelta(days=1)
        self.target = invoices
        self.months = rent_months(today)
        self.start = self.months[0].invoice_date
        self.ds = IsoDates()
        self.registered = RegisteredAt()
        self.flag = self.writer.flag
        self.ids: dict[type[m.BaseModel], int] = {model: self.writer.next_id(model) for model in FLUSH_ORDER}
        self.full: dict[type[m.BaseModel], list[tuple]] = {model: [] for model in FLUSH_ORDER}
        self.short: dict[type[m.BaseModel], list[tuple]] = {model: [] for model in SHORT}
        self.owner_ids: list[int] = []
        self.type_ids: list[int] = []
        self.customers: dict[int, Payer] = {}
        self.contracts: list[Lease] = []
        self.runs: dict[dt.date, list[int]] = {}
        self.cases: dict[tuple[int, int, dt.date], CaseDraft] = {}
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
        for model in FLUSH_ORDER:
            rows = self.full[model]
            if rows:
                self.writer.insert(model, COLUMNS[model], rows)
                rows.clear()
            rows = self.short.get(model, [])
            if rows:
                self.writer.insert(model, SHORT[model], rows)
                rows.clear()
