"""What a collection run claims: the invoices read under the run's lock, grouped into the cases
it is about to create, the late interest the handover adds, and why an invoice was taken.

Only ``services/collection_run.py`` calls this, inside its one write transaction: an invoice that
is no longer ready for collection (``services/ready_for_collection.py``) is not read, and
:func:`describe_taken` says why, naming the case, the person who excluded it, or the payment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import CHUNK, fetch_in_chunks, reserve_ids, select_in
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import CollectionCase, Invoice, ObjectType, Owner, RentalObject
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.collection_systems import CollectionSystemSpec
from tui_inkasso.domain.interest import InterestError, LateInterest, ReferenceRate
from tui_inkasso.domain.reference_rates import missing_half_years_for, missing_rate_message
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.services.collection_errors import CollectionError, TakenInvoice
from tui_inkasso.services.ready_for_collection import ready_for_collection_query
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.stored_values import StoredDates
from tui_inkasso.services.transaction import is_postgres


@dataclass
class Claimed:
    """An invoice as read under the run's lock."""

    invoice_id: int
    number: str
    kind: str
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    balance: int
    fees: int
    level: int
    level_date: dt.date | None
    owner_id: int
    customer_id: int
    object_code: str
    object_address: str
    sfi: SfiCategory
    open_interest: int = 0
    """Interest charged earlier (by the letters) and still open."""
    interest_to: dt.date | None = None
    """The last day a charge of interest covered."""
    new_interest: int = 0
    """Interest since then up to the handover, charged by the run."""
    interest_from: dt.date | None = None

    @property
    def interest(self) -> int:
        """All the interest the case claims."""
        return self.open_interest + self.new_interest


@dataclass(frozen=True)
class CaseCustomer:
    """The columns of a customer a case and its file need."""

    id: int
    number: str
    name: str
    national_id: str
    is_company: bool
    address: str
    postal_code: str
    city: str
    email: str


@dataclass
class PlannedCase:
    """A case the run is about to create (its id and number reserved), with its claims."""

    case_id: int
    number: str
    owner: Owner
    customer: CaseCustomer
    claims: list[Claimed]


CLAIM_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.invoice_date, Invoice.due_date, Invoice.ocr,
    Invoice.balance, Invoice.fees, Invoice.dunning_level, Invoice.dunning_date, Invoice.owner,
    Invoice.customer, RentalObject.code, RentalObject.address, ObjectType.sfi, Invoice.interest,
    Invoice.interest_to,
)


def read_claimed(today: dt.date, selection: Selection, ids: list[int]) -> dict[int, Claimed]:
    """The requested invoices that are still ready for collection within the selection."""

    base = ready_for_collection_query(today, selection).select(*CLAIM_COLUMNS)
    base = base.join(RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
    base = base.join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER,
                          on=(RentalObject.object_type == ObjectType.id))
    sql, params = base.sql()
    rows = _by_ids(f'{sql} AND "t1"."id"', params, ids)
    found: dict[int, Claimed] = {}
    dates = StoredDates()
    categories: dict[Any, SfiCategory] = {}
    for values in rows:
        (iid, number, kind, inv_date, due, ocr, balance, fees, level, level_date, owner_id, customer_id,
         obj_code, obj_address, sfi, open_interest, interest_to) = values
        category = categories.get(sfi)
        if category is None:
            category = categories[sfi] = SfiCategory.parse(sfi)
        found[iid] = Claimed(
            iid, number, kind, dates[inv_date], dates[due], ocr, balance, fees, level,
            dates[level_date] if level_date else None, owner_id, customer_id, obj_code or "",
            obj_address or "", category, open_interest, dates[interest_to] if interest_to else None,
        )
    return found


def _by_ids(sql: str, params: Sequence[Any], ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (ending in a key column) for the distinct ``ids``, through the raw cursor.

    PostgreSQL: one statement, ``= ANY(array)``. In chunks of ``IN (...)`` the planner read the
    50,000 ready invoices through ``invoice_ready`` once a chunk (43 times for 10,000 cases).
    SQLite: chunks of ``IN (...)``, built as text (peewee builds an IN list of 500 parameters
    value by value; for 20,000 invoices that is a second of Python). ``sql`` comes from
    peewee's ``.sql()`` with its values in ``params``, so it holds no braces of its own.
    """
    keys = list(dict.fromkeys(ids))
    if not keys:
        return []
    if is_postgres():
        return list(db.execute_sql(f"{sql} = ANY(%s)", [*params, keys]).fetchall())
    return list(select_in(sql + " IN ({})", keys, CHUNK, params=params))


class HandoverInterest:
    """Late-payment interest on each claim not yet charged, up to the run date: from the last day
    a charge covered, or from the due date moved to the next bank day; the domain's
    ``LateInterest`` (the rate walk once per period), the moved due date once per due date."""

    def __init__(self, today: dt.date, rates: Sequence[ReferenceRate]) -> None:
        self.today = today
        self._late = LateInterest(rates)
        self._starts: dict[dt.date, dt.date] = {}
        self._rates = list(rates)
        self._covered: set[dt.date] = set()
        """Starts whose interest days all have a reference rate of their own."""

    def of(self, balance: int, due: dt.date, interest_to: dt.date | None, number: str) -> tuple[dt.date, int]:
        """(the day after which it runs, the interest up to and including today)."""
        start = interest_to
        if start is None:
            start = self._starts.get(due)
            if start is None:
                start = self._starts[due] = next_bank_day(due)
        if start not in self._covered:
            # A half year without its own rate: the file would claim interest nobody can state
            # (räntelagen 9 §); refused naming the half year and where to enter it.
            missing = missing_half_years_for(self._rates, start + dt.timedelta(days=1), self.today)
            if missing:
                raise CollectionError(missing_rate_message(missing) + " Inget ärende skapades.")
            self._covered.add(start)
        try:
            return start, self._late(balance, start, self.today)
        except InterestError as exc:
            raise CollectionError(f"Faktura {number}: {exc}") from None


def describe_taken(ids: list[int], today: dt.date, selection: Selection) -> list[TakenInvoice]:
    """Why each invoice is no longer ready: in a case, excluded, paid, or not ready at all."""

    def query(chunk: list[int]) -> Any:
        return tuple_rows(
            Invoice.select(Invoice.id, Invoice.number, CollectionCase.number, Invoice.excluded_by,
                           Invoice.balance)
            .join(CollectionCase, pw.JOIN.LEFT_OUTER, on=(Invoice.collection_case == CollectionCase.id))
            .where(Invoice.id.in_(chunk))
        )

    rows = {r[0]: r for r in fetch_in_chunks(query, ids, CHUNK)}
    taken = []
    for i in ids:
        if i not in rows:
            taken.append(TakenInvoice(i, str(i), "finns inte"))
            continue
        _, number, case_number, excluded_by, balance = rows[i]
        if case_number:
            reason = f"i ärende {case_number}"
        elif excluded_by:
            reason = f"undantagen av {excluded_by}"
        elif balance <= 0:
            reason = "betald"
        else:
            reason = "inte klar för inkasso i urvalet"
        taken.append(TakenInvoice(i, number, reason))
    return taken


def _case_customer(row: tuple[Any, ...]) -> CaseCustomer:
    """A customer row of :func:`plan_cases` (is_company stored as 0/1 on SQLite)."""
    cid, number, name, national_id, is_company, address, postal_code, city, email = row
    return CaseCustomer(cid, number, name, national_id, bool(is_company), address, postal_code, city, email)


def plan_cases(spec: CollectionSystemSpec, claimed: dict[int, Claimed], created: dt.datetime) -> list[PlannedCase]:
    """One case per (owner, customer), in owner and customer order, numbered in sequence."""
    groups: dict[tuple[int, int], list[Claimed]] = defaultdict(list)
    for claim in claimed.values():
        groups[(claim.owner_id, claim.customer_id)].append(claim)
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({k[0] for k in groups}))}

    customers = {row[0]: _case_customer(row) for row in _by_ids(
        'SELECT "id", "number", "name", "national_id", "is_company", "address", "postal_code", "city", '
        '"email" FROM "customer" WHERE "id"', (), list({k[1] for k in groups}))}
    keys = sorted(groups, key=lambda k: (owners[k[0]].code, customers[k[1]].number))
    case_ids = reserve_ids(CollectionCase, len(keys))
    numbers = _next_numbers(spec, created.year, len(keys))
    cases = []
    for key, case_id, number in zip(keys, case_ids, numbers, strict=True):
        claims = sorted(groups[key], key=lambda c: (c.due_date, c.number))
        cases.append(PlannedCase(case_id, number, owners[key[0]], customers[key[1]], claims))
    return cases


def _next_numbers(spec: CollectionSystemSpec, year: int, count: int) -> list[str]:
    """The next ``count`` case numbers of the system in ``year`` (under the run's lock)."""
    prefix = f"{spec.case_prefix}-{year}-"
    highest = (
        CollectionCase.select(pw.fn.MAX(CollectionCase.number))
        .where(CollectionCase.number >= prefix, CollectionCase.number < prefix[:-1] + ".")
        .scalar()
    )
    last = int(highest[len(prefix):]) if highest and highest[len(prefix):].isdigit() else 0
    return [f"{prefix}{n:06d}" for n in range(last + 1, last + 1 + count)]


