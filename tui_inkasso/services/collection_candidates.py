"""Step 2 of the collection wizard: which invoices can go to collection, as two paged tables.

The upper table is the dunning service's ready-for-collection rule
(``services.ready_for_collection.ready_for_collection_query``) within the standard selection; the lower
table holds the excluded invoices of the selection (excluded earlier or now, with who, when and
why) that still have a balance and no case. Both are SQL behind a paged interface (count, sums,
one sorted and filtered page, all ids), so 50,000 rows cost one page of objects, never a list of
50,000.

Each row carries the late-payment interest (räntelagen 6 §) the case would claim: the interest
the letters charged and still open on the invoice, plus the interest on the current balance
since the last day charged (or the due date moved to the next bank day) up to and including the
run date, with the reference rates the dunning service keeps: the same rule as the reminder
letters and the collection run (docs/dunning.md), so nothing is counted twice. Fees are the
invoice's open reminder and demand fees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import peewee as pw

from tui_inkasso.db.bulk import CHUNK, fetch_in_chunks
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Customer,
    DunningLevelConfig,
    Invoice,
    ObjectType,
    Owner,
    RentalObject,
)
from tui_inkasso.db.rows import tuple_row, tuple_rows
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.claim import interest_start
from tui_inkasso.domain.codes import invoice_kind_label
from tui_inkasso.domain.interest import InterestError, ReferenceRate, late_interest
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.services.collection_errors import CollectionError
from tui_inkasso.services.dunning_levels import get_reference_rates
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.ready_for_collection import ready_for_collection_query
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import collection_system
from tui_inkasso.services.stored_values import stored_date, stored_datetime

OWNER_SPAN = 1 << 20
"""Owner ids are below this: (customer, owner) pairs are counted as customer × span + owner."""

@dataclass(frozen=True)
class CandidateRow:
    """An invoice in one of the wizard's tables, with everything its columns show."""

    invoice_id: int
    invoice_number: str
    kind: str
    owner_code: str
    customer_id: int
    customer_number: str
    customer_name: str
    national_id: str
    object_code: str
    sfi: SfiCategory
    due_date: dt.date
    level: int
    level_name: str
    level_date: dt.date | None
    deadline: dt.date | None
    balance: int
    fees: int
    interest: int
    excluded_reason: str | None = None
    excluded_by: str | None = None
    excluded_at: dt.datetime | None = None

    @property
    def total(self) -> int:
        """Balance, fees and interest: what the claim would be today."""
        return self.balance + self.fees + self.interest

    @property
    def kind_label(self) -> str:
        return invoice_kind_label(self.kind)


@dataclass(frozen=True)
class CandidateTotals:
    """Count and sums of a table (for the line under it)."""

    count: int
    balance: int
    fees: int
    cases: int
    """How many cases (customer and owner pairs) these invoices would make."""


_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.due_date, Invoice.balance, Invoice.fees,
    Invoice.dunning_level, Invoice.dunning_date, Invoice.dunning_deadline,
    Invoice.excluded_reason, Invoice.excluded_by, Invoice.excluded_at,
    Owner.code, Customer.id, Customer.number, Customer.name, Customer.national_id,
    RentalObject.code, ObjectType.sfi, Invoice.interest, Invoice.interest_to,
)

SORT_COLUMNS: dict[str, pw.Field] = {
    "invoice": Invoice.number,
    "kind": Invoice.kind,
    "owner": Owner.code,
    "customer": Customer.name,
    "national_id": Customer.national_id,
    "object": RentalObject.code,
    "sfi": ObjectType.sfi,
    "due_date": Invoice.due_date,
    "level": Invoice.dunning_level,
    "level_date": Invoice.dunning_date,
    "balance": Invoice.balance,
    "fees": Invoice.fees,
    "excluded_at": Invoice.excluded_at,
    "excluded_by": Invoice.excluded_by,
    "reason": Invoice.excluded_reason,
}
"""The columns a table can be sorted by (the screen's column keys)."""


class CandidateTable:
    """One of the two tables, as SQL: count, sums, a sorted and filtered page, all ids.

    The filter is a text matched (case-insensitively) against the invoice number, the OCR, the
    customer's number, name and personnummer/orgnr, and the object's code.
    """

    def __init__(self, which: Literal["ready", "excluded"], today: dt.date, selection: Selection) -> None:
        self.which = which
        self.today = today
        self.selection = selection
        self._rates: list[ReferenceRate] | None = None
        self._level_names: dict[int, str] | None = None

    # ------------------------------------------------------------------ queries

    def _base(self) -> pw.ModelSelect[Invoice]:
        if self.which == "ready":
            return ready_for_collection_query(self.today, self.selection)
        query = Invoice.select().where(
            Invoice.excluded_at.is_null(False),
            Invoice.collection_case.is_null(),
            Invoice.balance > 0,
        )
        return apply_selection(query, self.selection)

    def _query(self, text: str, *columns: Any) -> pw.ModelSelect[Invoice]:
        query = self._base().select(*columns)
        if text.strip() or any(c.model is not Invoice for c in columns if isinstance(c, pw.Field)):
            query = _joined(query)
        if text.strip():
            query = query.where(_filter(text))
        return query

    def prepare(self) -> None:
        """Read what every row needs once (reference rates, level names), so the first page
        costs only its own query. The bank-day calendar is :func:`warm_up`'s business."""
        if self._rates is None:
            self._rates = get_reference_rates()
        if self._level_names is None:
            self._level_names = level_names()

    def count(self, text: str = "") -> int:
        """Rows that pass the filter."""
        return self._query(text, Invoice.id).count()

    def totals(self, text: str = "") -> CandidateTotals:
        """Count, balance and fees of the rows that pass the filter, and the cases they make.

        One pass: the cases are the distinct (customer, owner) pairs, counted as one integer
        (customer id × 2^20 + owner id; owner ids stay far below 2^20), a 64-bit one: PostgreSQL
        computes in the columns' 32 bits otherwise, and from customer id 2048 on the product
        overflowed ("integer out of range" on the million-invoice demo).
        """
        pair = pw.Cast(Invoice.customer, "BIGINT") * OWNER_SPAN + Invoice.owner
        count, balance, fees, cases = tuple_row(self._query(
                      text, pw.fn.COUNT(Invoice.id), pw.fn.COALESCE(pw.fn.SUM(Invoice.balance), 0),
                      pw.fn.COALESCE(pw.fn.SUM(Invoice.fees), 0), pw.fn.COUNT(pw.NodeList((pw.SQL("DISTINCT"), pair))),
                  ))
        return CandidateTotals(int(count), int(balance), int(fees), int(cases))

    def page(self, offset: int = 0, limit: int = 100, sort: str | None = None, descending: bool = False,
             text: str = "") -> list[CandidateRow]:
        """Rows [offset, offset + limit) sorted by ``sort`` (a key of SORT_COLUMNS)."""
        query = self._query(text, *_COLUMNS).order_by(*_order(sort, descending))
        rows = tuple_rows(query.offset(offset).limit(limit))
        return [self._row(values) for values in rows]

    def ids(self, text: str = "") -> list[int]:
        """Every invoice id that passes the filter (for "mark all")."""
        return [row[0] for row in tuple_rows(self._query(text, Invoice.id))]

    def ordered_ids(self, sort: str | None = None, descending: bool = False, text: str = "") -> list[int]:
        """Every id that passes the filter, in table order: count and pages from one scan.

        A screen keeps this list (plain integers) for its current sort and filter and reads the
        rows of a page by id (:meth:`rows_by_ids`), so 50,000 candidates cost one pass over the
        ready set instead of one for the count and another for each page.
        """
        order = _order(sort, descending)
        query = self._query(text, Invoice.id, *_sort_columns(sort)).order_by(*order)
        sql, params = query.sql()
        return [row[0] for row in db.execute_sql(sql, params)]

    def rows_by_ids(self, ids: Sequence[int]) -> list[CandidateRow]:
        """The rows of ``ids`` (a page), in the order given, read by primary key."""
        if not ids:
            return []
        query = _joined(Invoice.select(*_COLUMNS)).where(Invoice.id.in_(list(ids)))
        found = {values[0]: self._row(values) for values in tuple_rows(query)}
        return [found[i] for i in ids if i in found]

    # ------------------------------------------------------------------ rows

    def _row(self, values: tuple[Any, ...]) -> CandidateRow:
        (iid, number, kind, due, balance, fees, level, level_date, deadline, reason, by, at,
         owner_code, customer_id, customer_number, customer_name, national_id, object_code, sfi, open_interest,
         interest_to) = values
        due = stored_date(due)
        if self._level_names is None:
            self._level_names = level_names()
        return CandidateRow(
            invoice_id=iid, invoice_number=number, kind=kind, owner_code=owner_code,
            customer_id=customer_id, customer_number=customer_number, customer_name=customer_name,
            national_id=national_id, object_code=object_code or "", sfi=SfiCategory.parse(sfi),
            due_date=due, level=level, level_name=self._level_names.get(level, ""),
            level_date=stored_date(level_date) if level_date else None,
            deadline=stored_date(deadline) if deadline else None, balance=balance, fees=fees,
            interest=open_interest + self._interest(balance, due, stored_date(interest_to) if interest_to else None,
                                                    number),
            excluded_reason=reason, excluded_by=by,
            excluded_at=stored_datetime(at) if at else None,
        )

    def _interest(self, balance: int, due: dt.date, interest_to: dt.date | None, number: str) -> int:
        if self._rates is None:
            self._rates = get_reference_rates()
        return claim_interest(balance, due, self.today, self._rates, number, since=interest_to)


@dataclass(frozen=True)
class CandidateSet:
    """The wizard's step 2: the upper (ready) and lower (excluded) tables of a selection."""

    today: dt.date
    selection: Selection
    system: str
    ready: CandidateTable
    excluded: CandidateTable
    notes: list[str] = field(default_factory=list)
    """Why the upper table may be empty (no dunning levels configured ...)."""


@reads
def collection_candidates(today: dt.date, selection: Selection | None = None) -> CandidateSet:
    """Step 2 of the wizard for ``selection`` on ``today``: both tables, queried lazily."""
    selection = selection or Selection()
    validate_selection(selection)
    notes = []
    if not DunningLevelConfig.select().exists():
        notes.append("Inga kravnivåer är inställda: ingen faktura kan gå till inkasso förrän "
                     "påminnelse och krav har skickats (Inställningar → Påminnelse/krav).")
    ready, excluded = CandidateTable("ready", today, selection), CandidateTable("excluded", today, selection)
    ready.prepare()
    excluded._rates, excluded._level_names = ready._rates, ready._level_names
    return CandidateSet(today, selection, collection_system().code, ready, excluded, notes)


def warm_up(today: dt.date) -> None:
    """Load the bank-day calendar (the holidays package, a fifth of a second) ahead of the first
    page, which needs it for interest: a screen calls this beside the first table read."""
    next_bank_day(today)


@reads
def plan_totals(invoice_ids: Sequence[int]) -> CandidateTotals:
    """Count, balance, fees and number of cases of these invoices (for "are you sure?")."""
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    count = balance = fees = 0
    pairs: set[tuple[int, int]] = set()

    def query(chunk: list[int]) -> Any:
        return tuple_rows(Invoice.select(Invoice.balance, Invoice.fees, Invoice.customer, Invoice.owner)
                          .where(Invoice.id.in_(chunk)))

    for row_balance, row_fees, customer_id, owner_id in fetch_in_chunks(query, ids, CHUNK):
        count += 1
        balance += row_balance
        fees += row_fees
        pairs.add((customer_id, owner_id))
    return CandidateTotals(count, balance, fees, len(pairs))


def level_names() -> dict[int, str]:
    """The configured dunning levels' names by level."""
    return dict(tuple_rows(DunningLevelConfig.select(DunningLevelConfig.level, DunningLevelConfig.name)))


def claim_interest(balance: int, due: dt.date, today: dt.date, rates: Sequence[ReferenceRate],
                   number: str = "", *, since: dt.date | None = None) -> int:
    """Late-payment interest on ``balance`` not yet charged: after ``since`` (the last day a
    charge covered) or the due date moved to the next bank day, up to and including ``today``."""
    try:
        return late_interest(balance, interest_start(due, since), today, rates)
    except InterestError as exc:
        raise CollectionError(f"Faktura {number}: {exc}") from None


def _joined(query: pw.ModelSelect[Invoice]) -> pw.ModelSelect[Invoice]:
    return (
        query.join(Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Owner, on=(Invoice.owner == Owner.id))
        .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
        .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
    )


def _like(column: Any, pattern: str) -> pw.ColumnBase:
    return pw.NodeList((column, pw.SQL("LIKE"), pw.Value(pattern), pw.SQL("ESCAPE '\\'")), parens=True)


def _filter(text: str) -> pw.ColumnBase:
    needle = text.strip().lower()
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return (
        _like(pw.fn.LOWER(Invoice.number), pattern)
        | _like(Invoice.ocr, pattern)
        | _like(Customer.search_text, pattern)
        | _like(pw.fn.LOWER(Customer.name), pattern)
        | _like(Customer.number, pattern)
        | _like(Customer.national_id, pattern)
        | _like(pw.fn.LOWER(RentalObject.code), pattern)
    )


def _sort_columns(sort: str | None) -> tuple[pw.Field, ...]:
    """The sort column when it is not the invoice's own (so the query joins its table)."""
    column = SORT_COLUMNS.get(sort or "invoice")
    return (column,) if column is not None and column.model is not Invoice else ()


def _order(sort: str | None, descending: bool) -> list[pw.ColumnBase]:
    """ORDER BY the sort column, then id (the rows come from the partial indexes ``invoice_ready``
    and ``invoice_excluded``, a few thousand at most, and are sorted)."""
    if sort is not None and sort not in SORT_COLUMNS:
        raise CollectionError(f"listan kan inte sorteras på {sort!r}; välj en av {', '.join(SORT_COLUMNS)}")
    column: Any = SORT_COLUMNS[sort or "invoice"]
    if descending:
        return [column.desc(), Invoice.id.desc()]
    return [column.asc(), Invoice.id.asc()]

