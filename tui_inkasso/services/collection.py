"""The collection run (Meny → Reskontra → Inkasso, "Skapa underlag för inkasso"), end to end.

* **Candidates** (:func:`collection_candidates`): the upper table is the dunning service's
  ready-for-collection rule (``services.dunning_run.ready_for_collection_query``) within the
  standard selection; the lower table holds the excluded invoices of the selection (excluded
  earlier or now, with who, when and why) that still have a balance and no case. Both are SQL
  behind a paged interface (count, sums, one sorted and filtered page, all ids), so 50,000 rows
  cost one page of objects, never a list of 50,000.
* **Interest**: each row and each claim carries late-payment interest (räntelagen 6 §) on the
  invoice's current balance, from the day after the due date (moved to the next bank day) up to
  and including the run date, with the reference rates the dunning service keeps: the same rule
  as the reminder letters (docs/dunning.md). Notices do not store interest on the invoice, so
  nothing is counted twice. Fees are the invoice's recorded reminder and demand fees.
* **Exclusion** (:func:`exclude`, :func:`include`): persisted at once, who/when/why, audited,
  one bulk UPDATE per 500 invoices.
* **Creating cases** (:func:`create_cases`): ONE write transaction marks the invoices (an UPDATE
  that only touches invoices without case and exclusion, its row count compared), creates one
  case per (customer, owner), the claimed amounts per invoice (payments booked before this
  moment are in the balance), events, the CollectionFile record and the audit entries, and
  stages the agency file or the Excel sheet (services/collection_files.py: published after the
  commit; a crash can leave neither cases without a file nor a file without cases). Two people
  running the wizard at once: the second is told exactly which invoices were taken
  (:class:`InvoicesTaken`), and nothing of theirs is written.
* The **case register** is in ``services/case_register.py`` and re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CaseStatus,
    CollectionCase,
    CollectionFile,
    CollectionSystem,
    Customer,
    DunningLevelConfig,
    Invoice,
    ObjectType,
    OutboxFile,
    Owner,
    RentalObject,
)
from tui_inkasso.domain import codes
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.interest import InterestError, ReferenceRate, late_interest
from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.domain.sfi import SfiCategory, debt_type
from tui_inkasso.fileio import FileWriteError, write_bytes_atomic
from tui_inkasso.formats.case_file import (
    CaseFileError,
    CaseRecord,
    Claim,
    Creditor,
    Debtor,
    render_case_file,
)
from tui_inkasso.formats.layout import Layout, LayoutError, load_layout
from tui_inkasso.services import audit, outbox
from tui_inkasso.services.balance_files import crash_point
from tui_inkasso.services.bulk import fetch_in_chunks, insert_plain, reserve_ids, select_in
from tui_inkasso.services.case_register import (  # noqa: F401 - the register is part of this API
    CaseDetail,
    CaseError,
    CaseEventLine,
    CaseFilter,
    CaseInvoiceLine,
    CasePaymentLine,
    CaseSummary,
    add_case_note,
    case_detail,
    case_summary,
    close_case,
    count_cases,
    find_case,
    list_cases,
    register_case_payment,
    set_case_status,
)
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.collection_files import (
    StagedFile,
    StagingError,
    recover_pending_files,
    stage_file,
)
from tui_inkasso.services.dunning_levels import get_reference_rates
from tui_inkasso.services.dunning_run import ready_for_collection_query
from tui_inkasso.services.errors import Conflict, UserError
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import collection_system, get_setting
from tui_inkasso.services.transaction import is_postgres, write_transaction

RUN_LOCK_KEY = 727_274_204
"""PostgreSQL advisory lock key: one collection run at a time numbers cases and marks invoices."""

CHUNK = 500

OWNER_SPAN = 1 << 20
"""Owner ids are below this: (customer, owner) pairs are counted as customer × span + owner."""

CASE_PREFIX = {
    CollectionSystem.INHOUSE.value: "IK",
    CollectionSystem.INTRUM.value: "INT",
    CollectionSystem.SVEA.value: "SVEA",
    CollectionSystem.NONE.value: "XL",
}
"""Case numbers are ``<prefix>-<year>-<sequence>``, a sequence per system and year."""

SYSTEM_LABELS = codes.SYSTEM_LABELS
"""What staff read for each system (kept here for the screens and the CLI that use it)."""

KIND_LABELS = {"rent": "Hyresfaktura", "direct": "Direktfaktura"}

MAX_REASON = 200
TAKEN_SHOWN = 20
"""Invoices named one by one in a conflict message (the rest are counted)."""


def count(n: int, one: str, many: str) -> str:
    """"1 faktura", "3 fakturor": a number with its noun in Swedish."""
    return f"{n} {one if n == 1 else many}"


class CollectionError(UserError):
    """A collection run, exclusion or export that cannot be done; the message says why."""

    exit_code = 1


@dataclass(frozen=True)
class TakenInvoice:
    """An invoice that could not be put in a case, and why (in Swedish)."""

    invoice_id: int
    number: str
    reason: str


class InvoicesTaken(Conflict):
    """Some invoices were taken (put in a case, excluded, paid) since the list was shown.

    Nothing was written; ``invoices`` names each one with the reason, so the screen can refresh
    and offer to go on without them.
    """

    def __init__(self, invoices: list[TakenInvoice]) -> None:
        self.invoices = invoices
        named = ", ".join(f"{t.number} ({t.reason})" for t in invoices[:TAKEN_SHOWN])
        more = f" och {len(invoices) - TAKEN_SHOWN} till" if len(invoices) > TAKEN_SHOWN else ""
        super().__init__(
            f"{len(invoices)} av fakturorna kan inte längre gå till inkasso: {named}{more}. "
            "Någon annan kan ha skapat ärenden samtidigt. Inget har skapats; uppdatera listan "
            "och försök igen utan dem."
        )

    @property
    def invoice_ids(self) -> list[int]:
        """The ids of the invoices taken."""
        return [t.invoice_id for t in self.invoices]

    @property
    def numbers(self) -> list[str]:
        """The numbers of the invoices taken."""
        return [t.number for t in self.invoices]


# --------------------------------------------------------------------------- candidates


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
        return KIND_LABELS.get(self.kind, self.kind)


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
    RentalObject.code, ObjectType.sfi,
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

    def _base(self) -> pw.ModelSelect:
        if self.which == "ready":
            return ready_for_collection_query(self.today, self.selection)
        query = Invoice.select().where(
            Invoice.excluded_at.is_null(False),
            Invoice.collection_case.is_null(),
            Invoice.balance > 0,
        )
        return apply_selection(query, self.selection)

    def _query(self, text: str, *columns: Any) -> pw.ModelSelect:
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
        (customer id × 2^20 + owner id; owner ids stay far below 2^20).
        """
        pair = Invoice.customer * OWNER_SPAN + Invoice.owner
        count, balance, fees, cases = self._query(
            text, pw.fn.COUNT(Invoice.id), pw.fn.COALESCE(pw.fn.SUM(Invoice.balance), 0),
            pw.fn.COALESCE(pw.fn.SUM(Invoice.fees), 0), pw.fn.COUNT(pw.NodeList((pw.SQL("DISTINCT"), pair))),
        ).tuples().get()
        return CandidateTotals(int(count), int(balance), int(fees), int(cases))

    def page(self, offset: int = 0, limit: int = 100, sort: str | None = None, descending: bool = False,
             text: str = "") -> list[CandidateRow]:
        """Rows [offset, offset + limit) sorted by ``sort`` (a key of SORT_COLUMNS)."""
        query = self._query(text, *_COLUMNS).order_by(*_order(sort, descending))
        rows = query.offset(offset).limit(limit).tuples()
        return [self._row(values) for values in rows]

    def ids(self, text: str = "") -> list[int]:
        """Every invoice id that passes the filter (for "mark all")."""
        return [row[0] for row in self._query(text, Invoice.id).tuples()]

    def ordered_ids(self, sort: str | None = None, descending: bool = False, text: str = "") -> list[int]:
        """Every id that passes the filter, in table order: count and pages from one scan.

        A screen keeps this list (plain integers) for its current sort and filter and reads the
        rows of a page by id (:meth:`rows_by_ids`), so 50,000 candidates cost one pass over the
        ready set instead of one for the count and another for each page.
        """
        order = _order(sort, descending, for_scan=True)
        query = self._query(text, Invoice.id, *_sort_columns(sort)).order_by(*order)
        sql, params = query.sql()
        return [row[0] for row in db.execute_sql(sql, params)]

    def rows_by_ids(self, ids: Sequence[int]) -> list[CandidateRow]:
        """The rows of ``ids`` (a page), in the order given, read by primary key."""
        if not ids:
            return []
        query = _joined(Invoice.select(*_COLUMNS)).where(Invoice.id.in_(list(ids)))
        found = {values[0]: self._row(values) for values in query.tuples()}
        return [found[i] for i in ids if i in found]

    # ------------------------------------------------------------------ rows

    def _row(self, values: tuple[Any, ...]) -> CandidateRow:
        (iid, number, kind, due, balance, fees, level, level_date, deadline, reason, by, at,
         owner_code, customer_id, customer_number, customer_name, national_id, object_code, sfi) = values
        due = _date(due)
        if self._level_names is None:
            self._level_names = level_names()
        return CandidateRow(
            invoice_id=iid, invoice_number=number, kind=kind, owner_code=owner_code,
            customer_id=customer_id, customer_number=customer_number, customer_name=customer_name,
            national_id=national_id, object_code=object_code or "", sfi=SfiCategory.parse(sfi),
            due_date=due, level=level, level_name=self._level_names.get(level, ""),
            level_date=_date(level_date) if level_date else None,
            deadline=_date(deadline) if deadline else None, balance=balance, fees=fees,
            interest=self._interest(balance, due, number), excluded_reason=reason, excluded_by=by,
            excluded_at=_datetime(at) if at else None,
        )

    def _interest(self, balance: int, due: dt.date, number: str) -> int:
        if self._rates is None:
            self._rates = get_reference_rates()
        return claim_interest(balance, due, self.today, self._rates, number)


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
    return CandidateSet(today, selection, collection_system().value, ready, excluded, notes)


def warm_up(today: dt.date) -> None:
    """Load the bank-day calendar (the holidays package, a fifth of a second) ahead of the first
    page, which needs it for interest: a screen calls this beside the first table read."""
    next_bank_day(today)


def plan_totals(invoice_ids: Sequence[int]) -> CandidateTotals:
    """Count, balance, fees and number of cases of these invoices (for "are you sure?")."""
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    count = balance = fees = 0
    pairs: set[tuple[int, int]] = set()

    def query(chunk: list[int]) -> Any:
        return Invoice.select(Invoice.balance, Invoice.fees, Invoice.customer, Invoice.owner).where(
            Invoice.id.in_(chunk)).tuples()

    for row_balance, row_fees, customer_id, owner_id in fetch_in_chunks(query, ids, CHUNK):
        count += 1
        balance += row_balance
        fees += row_fees
        pairs.add((customer_id, owner_id))
    return CandidateTotals(count, balance, fees, len(pairs))


def level_names() -> dict[int, str]:
    """The configured dunning levels' names by level."""
    return dict(DunningLevelConfig.select(DunningLevelConfig.level, DunningLevelConfig.name).tuples())


def claim_interest(balance: int, due: dt.date, today: dt.date, rates: Sequence[ReferenceRate],
                   number: str = "") -> int:
    """Late-payment interest on ``balance`` from the due date (next bank day) to ``today``."""
    try:
        return late_interest(balance, next_bank_day(due), today, rates)
    except InterestError as exc:
        raise CollectionError(f"Faktura {number}: {exc}") from None


def _joined(query: pw.ModelSelect) -> pw.ModelSelect:
    return (
        query.join(Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Owner, on=(Invoice.owner == Owner.id))
        .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
        .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
    )


def _like(column: Any, pattern: str) -> pw.Node:
    return pw.NodeList((column, pw.SQL("LIKE"), pw.Value(pattern), pw.SQL("ESCAPE '\\'")), parens=True)


def _filter(text: str) -> pw.Node:
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


def _order(sort: str | None, descending: bool, *, for_scan: bool = False) -> list[pw.Node]:
    """ORDER BY the sort column, then id. ``for_scan``: the whole set is read, so SQLite must
    not walk the sort column's index over a million invoices (unary plus: sort what the
    ready-set index found instead)."""
    if sort is not None and sort not in SORT_COLUMNS:
        raise CollectionError(f"listan kan inte sorteras på {sort!r}; välj en av {', '.join(SORT_COLUMNS)}")
    column: Any = SORT_COLUMNS[sort or "invoice"]
    if for_scan and not is_postgres():
        column = pw.NodeList((pw.SQL("+"), column), glue="")
    if descending:
        return [column.desc(), Invoice.id.desc()]
    return [column.asc(), Invoice.id.asc()]


def _date(value: Any) -> dt.date:
    """A DateField read through ``.tuples()`` on SQLite can still be text."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


# --------------------------------------------------------------------------- exclusion


@dataclass(frozen=True)
class MoveResult:
    """What an exclusion or inclusion changed."""

    moved: list[int]
    """Ids of the invoices moved."""
    skipped: list[TakenInvoice]
    """Invoices left as they were, and why."""

    @property
    def count(self) -> int:
        return len(self.moved)


def _clean_reason(reason: str) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise CollectionError("Ange ett skäl till undantaget (det syns i listan och i loggen).")
    if len(text) > MAX_REASON:
        raise CollectionError(f"Skälet är {len(text)} tecken; högst {MAX_REASON}.")
    return text


def _states(ids: Sequence[int]) -> dict[int, tuple[str, int | None, Any, str | None]]:
    """id -> (number, case id, excluded_at, excluded_reason) for the invoices that exist."""

    def query(chunk: list[int]) -> Any:
        return Invoice.select(
            Invoice.id, Invoice.number, Invoice.collection_case, Invoice.excluded_at, Invoice.excluded_reason
        ).where(Invoice.id.in_(chunk)).tuples()

    return {r[0]: (r[1], r[2], r[3], r[4]) for r in fetch_in_chunks(query, ids, CHUNK)}


def exclude(invoice_ids: Iterable[int], reason: str) -> MoveResult:
    """Keep the invoices out of collection (Undanta), persisted at once with who, when and why.

    Invoices already in a case or already excluded are left as they are (``skipped``).
    """
    text = _clean_reason(reason)
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    with write_transaction():
        at, user = now(), current_user()
        states = _states(ids)
        skipped = _not_movable(ids, states, want_excluded=False)
        wanted = [i for i in ids if i in states and states[i][1] is None and states[i][2] is None]
        moved = _bulk_update(
            wanted,
            {Invoice.excluded_reason: text, Invoice.excluded_by: user, Invoice.excluded_at: at},
            Invoice.excluded_at.is_null(),
        )
        audit.record_many([("invoice.excluded", "invoice", states[i][0], f"undantagen från inkasso: {text}")
                           for i in moved])
    return MoveResult(moved, skipped)


def include(invoice_ids: Iterable[int]) -> MoveResult:
    """Take excluded invoices back (Inkludera); audited with the reason they had."""
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    with write_transaction():
        states = _states(ids)
        skipped = _not_movable(ids, states, want_excluded=True)
        wanted = [i for i in ids if i in states and states[i][1] is None and states[i][2] is not None]
        moved = _bulk_update(
            wanted,
            {Invoice.excluded_reason: None, Invoice.excluded_by: None, Invoice.excluded_at: None},
            Invoice.excluded_at.is_null(False),
        )
        audit.record_many([("invoice.included", "invoice", states[i][0],
                            f"inkluderad för inkasso igen (undantagen: {states[i][3] or ''})")
                           for i in moved])
    return MoveResult(moved, skipped)


def _not_movable(ids: Sequence[int], states: dict[int, tuple[str, int | None, Any, str | None]],
                 *, want_excluded: bool) -> list[TakenInvoice]:
    skipped = []
    for i in ids:
        if i not in states:
            skipped.append(TakenInvoice(i, str(i), "finns inte"))
        elif states[i][1] is not None:
            skipped.append(TakenInvoice(i, states[i][0], "redan i ett inkassoärende"))
        elif want_excluded and states[i][2] is None:
            skipped.append(TakenInvoice(i, states[i][0], "är inte undantagen"))
        elif not want_excluded and states[i][2] is not None:
            skipped.append(TakenInvoice(i, states[i][0], "redan undantagen"))
    return skipped


def _bulk_update(ids: list[int], values: dict[pw.Field, Any], guard: pw.Node) -> list[int]:
    """UPDATE the invoices in chunks, only where still without case and matching ``guard``.

    Returns the ids changed: all of them when the row counts add up; otherwise (someone changed
    some meanwhile, PostgreSQL) the ones now holding the new values.
    """
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        changed += Invoice.update(values).where(
            Invoice.id.in_(chunk), Invoice.collection_case.is_null(), guard
        ).execute()
    if changed == len(ids):
        return ids
    at = values.get(Invoice.excluded_at)
    check = Invoice.excluded_at.is_null() if at is None else (Invoice.excluded_at == at)

    def query(chunk: list[int]) -> Any:
        return Invoice.select(Invoice.id).where(Invoice.id.in_(chunk), check).tuples()

    now_set = {r[0] for r in fetch_in_chunks(query, ids, CHUNK)}
    return [i for i in ids if i in now_set]


# --------------------------------------------------------------------------- creating cases


@dataclass(frozen=True)
class CreatedClaim:
    """An invoice put in a case, with what was claimed."""

    invoice_id: int
    number: str
    kind: str
    due_date: dt.date
    balance: int
    fees: int
    interest: int
    debt_type: str
    """The agency's code (Intrum 17..., Svea BO...) or, in-house and Excel, the SFI category's name."""

    @property
    def total(self) -> int:
        return self.balance + self.fees + self.interest


@dataclass(frozen=True)
class CreatedCase:
    """A case the run created."""

    case_id: int
    number: str
    system: str
    owner_code: str
    owner_name: str
    customer_number: str
    customer_name: str
    claims: tuple[CreatedClaim, ...]
    file: Path | None

    @property
    def total(self) -> int:
        return sum(c.total for c in self.claims)

    @property
    def debt_types(self) -> str:
        return ", ".join(dict.fromkeys(c.debt_type for c in self.claims))


@dataclass(frozen=True)
class CaseRunResult:
    """What :func:`create_cases` did."""

    system: str
    created_at: dt.datetime
    cases: list[CreatedCase]
    records: list[CaseRecord]
    """The cases as the formats take them (for the result list, its Excel export and PDF)."""
    files: list[Path]
    outbox_ids: list[int] = field(default_factory=list)
    deliveries: list[outbox.DeliveryResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def file(self) -> Path | None:
        """The file written (the first, when there is one per owner)."""
        return self.files[0] if self.files else None

    @property
    def invoice_count(self) -> int:
        return sum(len(c.claims) for c in self.cases)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cases)

    @property
    def message(self) -> str:
        """One Swedish line for the screen and the CLI."""
        text = (f"{count(len(self.cases), 'inkassoärende', 'inkassoärenden')} med "
                f"{count(self.invoice_count, 'faktura', 'fakturor')} skapade "
                f"({SYSTEM_LABELS.get(self.system, self.system)}), totalt {format_sek(self.total)} kr.")
        if self.files:
            text += " Fil: " + ", ".join(str(f) for f in self.files)
        return text


@dataclass
class _Claimed:
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
    interest: int = 0


@dataclass(frozen=True)
class _Customer:
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
class _Case:
    case_id: int
    number: str
    owner: Owner
    customer: _Customer
    claims: list[_Claimed]
    file_index: int | None = None


@dataclass
class _PlannedFile:
    collection_file_id: int
    file_id: str
    final: Path
    cases: list[_Case]
    records: list[CaseRecord]
    staged: StagedFile | None = None


def create_cases(
    today: dt.date,
    selection: Selection | None,
    invoice_ids: Sequence[int],
    system: str | CollectionSystem | None = None,
    *,
    out: Path | None = None,
    deliver: bool = True,
) -> CaseRunResult:
    """Put ``invoice_ids`` in collection cases: one transaction, then the file, then the upload.

    ``system`` defaults to the setting ``collection.system``. ``out`` is where the file goes:
    an existing folder, or the file's own name (Excel; an agency file only when all cases have
    one owner); default ``collection.output_dir``. Every invoice must still be ready for
    collection within ``selection``; when some are not (taken by someone else meanwhile,
    excluded, paid) :class:`InvoicesTaken` names them and nothing is written.
    """
    selection = selection or Selection()
    validate_selection(selection)
    chosen = _system(system)
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    if not ids:
        raise CollectionError("Inga fakturor att skapa inkassoärenden av: den övre listan är tom.")
    created = now()
    destination = _destination(chosen, out)
    if destination is not None:
        recover_pending_files([destination[0]])
    layout = _layout(chosen)
    planned: list[_PlannedFile] = []
    try:
        with write_transaction():
            result = _create(today, selection, ids, chosen, created, destination, layout, planned)
            crash_point("collection-before-commit")
    except BaseException:
        for plan in planned:
            if plan.staged is not None:
                plan.staged.discard()
        raise
    crash_point("collection-after-commit")
    warnings = list(result.warnings)
    for plan in planned:
        if plan.staged is not None:
            try:
                plan.staged.publish()
            except StagingError as exc:
                warnings.append(f"Filen kunde inte få sitt namn: {exc}. Ärendena är skapade; "
                                "nästa inkassokörning flyttar filen på plats.")
    deliveries = _deliver(result.outbox_ids) if deliver else []
    return CaseRunResult(result.system, result.created_at, result.cases, result.records, result.files,
                         result.outbox_ids, deliveries, warnings)


def _system(system: str | CollectionSystem | None) -> str:
    if system is None:
        return collection_system().value
    try:
        return CollectionSystem(str(system).strip().lower()).value
    except ValueError:
        raise CollectionError(
            f"okänt inkassosystem {system!r}; välj {', '.join(c.value for c in CollectionSystem)}"
        ) from None


def _layout(system: str) -> Layout | None:
    if system not in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value):
        return None
    try:
        return load_layout(system)
    except LayoutError as exc:
        raise CollectionError(f"Filformatet för {SYSTEM_LABELS[system]} kan inte läsas: {exc}") from None


def _destination(system: str, out: Path | None) -> tuple[Path, str | None] | None:
    """(folder, file name or None) for the file; None for the in-house register (no file)."""
    if system == CollectionSystem.INHOUSE.value:
        return None
    if out is None:
        folder = Path(get_setting("collection.output_dir")).expanduser().absolute()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CollectionError(f"Mappen för inkassofiler {folder} kan inte skapas: "
                                  f"{exc.strerror or exc}; inget har registrerats.") from None
        return folder, None
    target = Path(out).expanduser().absolute()
    if target.is_dir():
        return target, None
    if target.exists():
        raise CollectionError(f"{target}: filen finns redan; välj ett annat namn. Inget har registrerats.")
    if not target.parent.is_dir():
        raise CollectionError(f"{target.parent}: mappen finns inte; inget har registrerats.")
    name = target.name
    if system == CollectionSystem.NONE.value and not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return target.parent, name


def _create(
    today: dt.date,
    selection: Selection,
    ids: list[int],
    system: str,
    created: dt.datetime,
    destination: tuple[Path, str | None] | None,
    layout: Layout | None,
    planned: list[_PlannedFile],
) -> CaseRunResult:
    """The transaction's body: lock, read, plan, stage files, write rows, mark, audit, enqueue."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
        _lock_invoice_rows(ids)
    claimed = _read_claimed(today, selection, ids)
    missing = [i for i in ids if i not in claimed]
    if missing:
        raise InvoicesTaken(_describe_taken(missing, today, selection))
    cases = _plan_cases(system, claimed, created)
    interest = _Interest(today, get_reference_rates())
    for case in cases:
        for claim in case.claims:
            claim.interest = interest.of(claim.balance, claim.due_date, claim.number)
    records = [_record(case, system) for case in cases]
    planned.extend(_plan_files(system, cases, records, created, destination, layout))
    for plan in planned:
        plan.staged = _stage(system, plan, created, layout)
    _insert_rows(system, cases, planned, created)
    _mark_invoices(ids, created, today, selection)
    outbox_ids = _enqueue(system, planned)
    _audit(system, cases, planned, selection)
    by_file = {id(c): plan.final for plan in planned for c in plan.cases}
    created_cases = [_created_case(case, system, by_file.get(id(case))) for case in cases]
    return CaseRunResult(system, created, created_cases, records, [p.final for p in planned], outbox_ids)


def _lock_invoice_rows(ids: list[int]) -> None:
    """PostgreSQL: lock the invoices (in id order) so a payment booked now waits for our commit
    and then counts as a correction; one booked before is in the balance we read."""
    for start in range(0, len(ids), CHUNK):
        chunk = sorted(ids[start : start + CHUNK])
        list(Invoice.select(Invoice.id).where(Invoice.id.in_(chunk)).order_by(Invoice.id).for_update().tuples())


_CLAIM_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.invoice_date, Invoice.due_date, Invoice.ocr,
    Invoice.balance, Invoice.fees, Invoice.dunning_level, Invoice.dunning_date, Invoice.owner,
    Invoice.customer, RentalObject.code, RentalObject.address, ObjectType.sfi,
)


def _read_claimed(today: dt.date, selection: Selection, ids: list[int]) -> dict[int, _Claimed]:
    """The requested invoices that are still ready for collection within the selection."""

    base = ready_for_collection_query(today, selection).select(*_CLAIM_COLUMNS)
    base = base.join(RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
    base = base.join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER,
                          on=(RentalObject.object_type == ObjectType.id))
    sql, params = base.sql()
    rows = _by_ids(f'{sql} AND "t1"."id" IN', params, ids)
    found: dict[int, _Claimed] = {}
    dates = _Dates()
    categories: dict[Any, SfiCategory] = {}
    for values in rows:
        (iid, number, kind, inv_date, due, ocr, balance, fees, level, level_date, owner_id, customer_id,
         obj_code, obj_address, sfi) = values
        category = categories.get(sfi)
        if category is None:
            category = categories[sfi] = SfiCategory.parse(sfi)
        found[iid] = _Claimed(
            iid, number, kind, dates[inv_date], dates[due], ocr, balance, fees, level,
            dates[level_date] if level_date else None, owner_id, customer_id, obj_code or "",
            obj_address or "", category,
        )
    return found


def _by_ids(sql: str, params: Sequence[Any], ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (ending in ``... IN``) for the distinct ``ids``, in chunks, through the raw cursor.

    peewee builds an IN list of 500 parameters value by value; for 20,000 invoices that is a
    second of Python, the queries themselves a tenth of it. ``sql`` comes from peewee's
    ``.sql()`` with its values in ``params``, so it holds no braces of its own.
    """
    return list(select_in(sql + " ({})", list(dict.fromkeys(ids)), CHUNK, params=params))


class _Dates(dict[Any, dt.date]):
    """Dates as read from the cursor (ISO text on SQLite), each distinct value parsed once."""

    def __missing__(self, key: Any) -> dt.date:
        value = self[key] = _date(key)
        return value


class _Interest:
    """Late-payment interest for many claims, the rate walk done once per due date.

    ``late_interest`` is ``capital × S`` rounded half-up over ``10 000 × 365``, where ``S``
    depends only on the period; asked for a capital of exactly ``10 000 × 365`` it returns ``S``.
    So ``S`` comes from the domain function once per due date and each claim costs a division:
    the same integers and the same rounding (the dunning run does the same).
    """

    DENOMINATOR = 10_000 * 365

    def __init__(self, today: dt.date, rates: Sequence[ReferenceRate]) -> None:
        self.today = today
        self.rates = rates
        self._sums: dict[dt.date, int] = {}

    def of(self, balance: int, due: dt.date, number: str) -> int:
        """``claim_interest(balance, due, today, rates)``."""
        if balance <= 0:
            return 0
        total = self._sums.get(due)
        if total is None:
            total = self._sums[due] = claim_interest(self.DENOMINATOR, due, self.today, self.rates, number)
        return (2 * balance * total + self.DENOMINATOR) // (2 * self.DENOMINATOR)


def _describe_taken(ids: list[int], today: dt.date, selection: Selection) -> list[TakenInvoice]:
    """Why each invoice is no longer ready: in a case, excluded, paid, or not ready at all."""

    def query(chunk: list[int]) -> Any:
        return (
            Invoice.select(Invoice.id, Invoice.number, CollectionCase.number, Invoice.excluded_by,
                           Invoice.balance)
            .join(CollectionCase, pw.JOIN.LEFT_OUTER, on=(Invoice.collection_case == CollectionCase.id))
            .where(Invoice.id.in_(chunk)).tuples()
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


def _plan_cases(system: str, claimed: dict[int, _Claimed], created: dt.datetime) -> list[_Case]:
    """One case per (owner, customer), in owner and customer order, numbered in sequence."""
    groups: dict[tuple[int, int], list[_Claimed]] = defaultdict(list)
    for claim in claimed.values():
        groups[(claim.owner_id, claim.customer_id)].append(claim)
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({k[0] for k in groups}))}

    customers = {row[0]: _Customer(*row[:4], bool(row[4]), *row[5:]) for row in _by_ids(
        'SELECT "id", "number", "name", "national_id", "is_company", "address", "postal_code", "city", '
        '"email" FROM "customer" WHERE "id" IN', (), list({k[1] for k in groups}))}
    keys = sorted(groups, key=lambda k: (owners[k[0]].code, customers[k[1]].number))
    case_ids = reserve_ids(CollectionCase, len(keys))
    numbers = _next_numbers(system, created.year, len(keys))
    cases = []
    for key, case_id, number in zip(keys, case_ids, numbers, strict=True):
        claims = sorted(groups[key], key=lambda c: (c.due_date, c.number))
        cases.append(_Case(case_id, number, owners[key[0]], customers[key[1]], claims))
    return cases


def _next_numbers(system: str, year: int, count: int) -> list[str]:
    """The next ``count`` case numbers of ``system`` in ``year`` (under the run's lock)."""
    prefix = f"{CASE_PREFIX[system]}-{year}-"
    highest = (
        CollectionCase.select(pw.fn.MAX(CollectionCase.number))
        .where(CollectionCase.number >= prefix, CollectionCase.number < prefix[:-1] + ".")
        .scalar()
    )
    last = int(highest[len(prefix):]) if highest and highest[len(prefix):].isdigit() else 0
    return [f"{prefix}{n:06d}" for n in range(last + 1, last + 1 + count)]


def _debt_type(system: str, sfi: SfiCategory) -> str:
    """The stored debt type: the agency's code, or the SFI category (in-house, Excel)."""
    if system in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value):
        return debt_type(system, sfi)
    return sfi.value


def _shown_debt_type(system: str, stored: str) -> str:
    """A stored debt type as staff read it (codes as they are, SFI categories by name)."""
    if system in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value):
        return stored
    try:
        return SfiCategory.parse(stored).label
    except ValueError:
        return stored


def _creditor(owner: Owner) -> Creditor:
    return Creditor(
        owner_id=owner.id, name=owner.name, org_no=owner.org_no, bankgiro=owner.bankgiro or "",
        address=owner.address, postal_code=owner.postal_code, city=owner.city,
    )


def _debtor(customer: Customer | _Customer) -> Debtor:
    return Debtor(
        customer_number=customer.number, name=customer.name, national_id=customer.national_id,
        is_company=bool(customer.is_company), address=customer.address, postal_code=customer.postal_code,
        city=customer.city, email=customer.email,
    )


def _record(case: _Case, system: str) -> CaseRecord:
    agency = system in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value)
    claims = tuple(
        Claim(
            case_number=case.number, invoice_number=c.number, kind=c.kind, invoice_date=c.invoice_date,
            due_date=c.due_date, ocr=c.ocr, capital_ore=c.balance, fees_ore=c.fees, interest_ore=c.interest,
            sfi_category=c.sfi, debt_type=debt_type(system, c.sfi) if agency else "",
            object_id=c.object_code, object_address=c.object_address, last_dunning_level=c.level or None,
            last_dunning_date=c.level_date,
        )
        for c in case.claims
    )
    return CaseRecord(case.number, _creditor(case.owner), _debtor(case.customer), claims)


def _plan_files(system: str, cases: list[_Case], records: list[CaseRecord], created: dt.datetime,
                destination: tuple[Path, str | None] | None, layout: Layout | None) -> list[_PlannedFile]:
    """Which files the run writes: none in-house, one sheet for Excel, one agency file per owner."""
    if destination is None:
        return []
    folder, name = destination
    if system == CollectionSystem.NONE.value:
        groups = [(cases, records)]
    else:
        by_owner: dict[int, tuple[list[_Case], list[CaseRecord]]] = {}
        for case, record in zip(cases, records, strict=True):
            entry = by_owner.setdefault(case.owner.id, ([], []))
            entry[0].append(case)
            entry[1].append(record)
        groups = list(by_owner.values())
        if name is not None and len(groups) > 1:
            codes = ", ".join(sorted(g[0][0].owner.code for g in groups))
            raise CollectionError(
                f"Ärendena gäller {len(groups)} ägare ({codes}) och {SYSTEM_LABELS[system]} vill ha en "
                "fil per ägare: ange en mapp i stället för ett filnamn. Inget har registrerats.")
    file_ids = reserve_ids(CollectionFile, len(groups))
    taken: set[Path] = set()
    planned = []
    for (group_cases, group_records), cf_id in zip(groups, file_ids, strict=True):
        file_id = f"{CASE_PREFIX[system]}{created:%Y%m%d}-{cf_id}"
        if name is not None:
            wanted = name
        elif layout is not None:
            wanted = layout.file_name(group_records[0].creditor, created, file_id)
        else:
            wanted = f"inkasso_{created:%Y%m%d_%H%M%S}.xlsx"
        final = _free_path(folder, wanted, taken, exact=name is not None)
        taken.add(final)
        planned.append(_PlannedFile(cf_id, file_id, final, group_cases, group_records))
    return planned


def _free_path(folder: Path, name: str, taken: set[Path], *, exact: bool) -> Path:
    """``folder/name``, or with ``_2``, ``_3`` ... when another file or run has that name."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 1
    while path in taken or path.exists() or CollectionFile.select().where(CollectionFile.path == str(path)).exists():
        if exact:
            raise CollectionError(f"{path}: filen finns redan; välj ett annat namn. Inget har registrerats.")
        n += 1
        path = folder / f"{stem}_{n}{suffix}"
    return path


def _stage(system: str, plan: _PlannedFile, created: dt.datetime, layout: Layout | None) -> StagedFile:
    """Render and write the file under its pending name; errors roll the run back."""
    try:
        if layout is not None:
            data = render_case_file(plan.records, layout, created_at=created, file_id=plan.file_id)
            return stage_file(plan.final, lambda handle: handle.write(data))
        return _stage_excel(plan)
    except CaseFileError as exc:
        raise CollectionError(f"Inkassofilen kan inte skapas: {exc}. Inget har registrerats.") from None
    except (StagingError, FileWriteError) as exc:
        what = "Excelfilen" if system == CollectionSystem.NONE.value else "Inkassofilen"
        raise CollectionError(f"{what} kunde inte skrivas: {exc}. Inget har registrerats.") from None


def _stage_excel(plan: _PlannedFile) -> StagedFile:
    """The Excel-only system's sheet; openpyxl is imported here, not with the module (see below)."""
    from tui_inkasso.formats.excel import ExcelError, write_cases_xlsx

    try:
        return stage_file(plan.final, lambda handle: write_cases_xlsx(plan.records, handle, system="none"))
    except ExcelError as exc:
        raise CollectionError(f"Excelfilen kan inte skapas: {exc}. Inget har registrerats.") from None


def _insert_rows(system: str, cases: list[_Case], planned: list[_PlannedFile], created: dt.datetime) -> None:
    """The file records, cases, their invoices and "registered" events, through the driver
    (``bulk.insert_plain``: peewee's SQL building for 30,000 rows of insert_many costs seconds)."""
    user = current_user()
    file_of: dict[int, int] = {}
    for plan in planned:
        for case in plan.cases:
            file_of[case.case_id] = plan.collection_file_id
    insert_plain(CollectionFile, [
        {"id": p.collection_file_id, "kind": "cases", "system": system, "path": str(p.final), "file_id": p.file_id,
         "created_at": created, "created_by": user, "records": len(p.cases),
         "amount": sum(r.sum_total_ore for r in p.records), "sha256": p.staged.sha256 if p.staged else ""}
        for p in planned
    ])
    insert_plain(CollectionCase, [
        {"id": c.case_id, "number": c.number, "system": system, "owner": c.owner.id, "customer": c.customer.id,
         "status": CaseStatus.REGISTERED.value, "created_at": created, "created_by": user,
         "file": file_of.get(c.case_id), "agency_reference": "", "capital": sum(x.balance for x in c.claims),
         "fees": sum(x.fees for x in c.claims), "interest": sum(x.interest for x in c.claims)}
        for c in cases
    ])
    insert_plain(CaseInvoice, [
        {"case": c.case_id, "invoice": x.invoice_id, "balance": x.balance, "fees": x.fees, "interest": x.interest,
         "debt_type": _debt_type(system, x.sfi)}
        for c in cases for x in c.claims
    ])
    file_names = {p.collection_file_id: p.final.name for p in planned}
    insert_plain(CaseEvent, [
        {"case": c.case_id, "at": created, "user": user, "kind": "created",
         "text": _created_text(system, c, file_names.get(file_of.get(c.case_id, 0)))}
        for c in cases
    ])


def _created_text(system: str, case: _Case, file_name: str | None) -> str:
    total = sum(x.balance + x.fees + x.interest for x in case.claims)
    text = (f"Ärende registrerat ({SYSTEM_LABELS[system]}): {count(len(case.claims), 'faktura', 'fakturor')}, "
            f"{format_sek(total)} kr")
    return text + (f", fil {file_name}" if file_name else "")


def _mark_invoices(ids: list[int], created: dt.datetime, today: dt.date, selection: Selection) -> None:
    """Collection-mark the invoices: only those still without case and exclusion; count them.

    The case comes from the CaseInvoice row just written (its unique invoice column is the
    database's own guarantee that an invoice is never in two cases).
    """
    param = db.param
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join(param for _ in chunk)
        changed = db.execute_sql(
            'UPDATE "invoice" SET "collection_case_id" = (SELECT "case_id" FROM "case_invoice" '
            'WHERE "case_invoice"."invoice_id" = "invoice"."id"), '
            f'"collection_marked_at" = {param} WHERE "id" IN ({marks}) '
            'AND "collection_case_id" IS NULL AND "excluded_at" IS NULL',
            (created, *chunk),
        ).rowcount
        if changed != len(chunk):
            marked = {r[0] for r in Invoice.select(Invoice.id).where(
                Invoice.id.in_(chunk), Invoice.collection_marked_at == created).tuples()}
            raise InvoicesTaken(_describe_taken([i for i in chunk if i not in marked], today, selection))


def _enqueue(system: str, planned: list[_PlannedFile]) -> list[int]:
    """Record agency files for upload (when collection.upload_url is set), in this transaction.

    The outbox measures the staged file; its record then names the final path it will have.
    """
    if system not in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value):
        return []
    ids = []
    for plan in planned:
        assert plan.staged is not None
        try:
            row = outbox.enqueue_delivery(plan.staged.pending, "cases", plan.collection_file_id)
        except UserError as exc:  # outbox's own words: "<file>: filen kan inte läggas i utkorgen: ..."
            raise CollectionError(f"{exc}. Inget har registrerats.") from None
        if row is not None:
            OutboxFile.update(path=str(plan.final.resolve())).where(OutboxFile.id == row.id).execute()
            ids.append(row.id)
    return ids


def _audit(system: str, cases: list[_Case], planned: list[_PlannedFile], selection: Selection) -> None:
    invoices = sum(len(c.claims) for c in cases)
    total = sum(x.balance + x.fees + x.interest for c in cases for x in c.claims)
    files = ", ".join(str(p.final) for p in planned) or "ingen fil"
    audit.record("collection.run", "collection_run", cases[0].number if cases else "",
                 f"{len(cases)} ärenden, {invoices} fakturor, {format_amount(total)} kr, "
                 f"{SYSTEM_LABELS[system]}, urval: {selection.describe()}, fil: {files}")
    audit.record_many([
        ("case.created", "collection_case", c.number,
         f"{c.customer.number} {c.customer.name}, ägare {c.owner.code}: "
         + ", ".join(f"{x.number} {format_amount(x.balance)}" for x in c.claims))
        for c in cases
    ])


def _created_case(case: _Case, system: str, file: Path | None) -> CreatedCase:
    claims = tuple(
        CreatedClaim(x.invoice_id, x.number, x.kind, x.due_date, x.balance, x.fees, x.interest,
                     _shown_debt_type(system, _debt_type(system, x.sfi)))
        for x in case.claims
    )
    return CreatedCase(case.case_id, case.number, system, case.owner.code, case.owner.name,
                       case.customer.number, case.customer.name, claims, file)


def _deliver(outbox_ids: list[int]) -> list[outbox.DeliveryResult]:
    """Send the new files right away ("skickas direkt vid skapande"); a failure stays in the outbox."""
    results = []
    for outbox_id in outbox_ids:
        row = OutboxFile.get_or_none(OutboxFile.id == outbox_id)
        result = outbox.deliver_now(row)
        if result is not None:
            results.append(result)
    return results


# --------------------------------------------------------------------------- result list export


LIST_COLUMNS: tuple[tuple[str, Literal["text", "amount_ore"]], ...] = (
    ("Ärende", "text"),
    ("Kundnr", "text"),
    ("Kund", "text"),
    ("Fakturor", "text"),
    ("Belopp", "amount_ore"),
    ("Skuldtyp", "text"),
    ("Ägare", "text"),
)
"""The result list as exported to Excel: the same columns the screen and the PDF show.

(title, kind) pairs, made into ``formats.excel.Column`` only when a list is exported: importing
openpyxl (and fpdf for the PDF) with this module cost about 0.6 s of every start that loads it.
"""


def case_records(case_ids: Sequence[int]) -> list[CaseRecord]:
    """Stored cases as format rows, in case-number order (for exports of earlier runs)."""
    cases = {c.id: c for c in fetch_in_chunks(
        lambda chunk: CollectionCase.select().where(CollectionCase.id.in_(chunk)), list(case_ids), CHUNK)}
    if not cases:
        return []
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({c.owner_id for c in cases.values()}))}
    customers = {c.id: c for c in fetch_in_chunks(
        lambda chunk: Customer.select().where(Customer.id.in_(chunk)),
        list({c.customer_id for c in cases.values()}), CHUNK)}

    def claims_query(chunk: list[int]) -> Any:
        return (
            CaseInvoice.select(CaseInvoice.case, CaseInvoice.balance, CaseInvoice.fees, CaseInvoice.interest,
                               CaseInvoice.debt_type, Invoice.number, Invoice.kind, Invoice.invoice_date,
                               Invoice.due_date, Invoice.ocr, Invoice.dunning_level, Invoice.dunning_date,
                               RentalObject.code, RentalObject.address, ObjectType.sfi)
            .join(Invoice, on=(CaseInvoice.invoice == Invoice.id))
            .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
            .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
            .where(CaseInvoice.case.in_(chunk)).tuples()
        )

    claims: dict[int, list[Claim]] = defaultdict(list)
    for (case_id, balance, fees, interest, stored, number, kind, inv_date, due, ocr, level, level_date,
         obj_code, obj_address, sfi) in fetch_in_chunks(claims_query, list(cases), CHUNK):
        case = cases[case_id]
        agency = case.system in (CollectionSystem.INTRUM.value, CollectionSystem.SVEA.value)
        claims[case_id].append(Claim(
            case_number=case.number, invoice_number=number, kind=kind, invoice_date=_date(inv_date),
            due_date=_date(due), ocr=ocr, capital_ore=balance, fees_ore=fees, interest_ore=interest,
            sfi_category=SfiCategory.parse(sfi), debt_type=stored if agency else "", object_id=obj_code or "",
            object_address=obj_address or "", last_dunning_level=level or None,
            last_dunning_date=_date(level_date) if level_date else None,
        ))
    ordered = sorted(cases.values(), key=lambda c: c.number)
    return [
        CaseRecord(c.number, _creditor(owners[c.owner_id]), _debtor(customers[c.customer_id]),
                   tuple(sorted(claims[c.id], key=lambda x: (x.due_date, x.invoice_number))))
        for c in ordered if claims[c.id]
    ]


def case_list_export(
    source: CaseRunResult | Sequence[int],
    path: Path,
    kind: Literal["xlsx", "pdf"] = "xlsx",
    *,
    title: str = "Skapade inkassoärenden",
) -> Path:
    """Export the result list (case, customer, invoices, amount, debt type) as .xlsx or PDF.

    ``source`` is a run's result or stored case ids. ``path`` is a file, or a folder for a
    dated default name; an existing file is never replaced. Returns the path written.
    """
    if kind not in ("xlsx", "pdf"):
        raise CollectionError(f"okänt exportformat {kind!r}; välj xlsx eller pdf")
    records = source.records if isinstance(source, CaseRunResult) else case_records(list(source))
    if not records:
        raise CollectionError("Inga ärenden att exportera.")
    created = now()
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        target = target / f"inkassoarenden_{created:%Y%m%d_%H%M%S}.{kind}"
    elif target.suffix.lower() != f".{kind}":
        target = target.with_name(target.name + f".{kind}")
    from tui_inkasso.formats.excel import Column, ExcelError, write_table_xlsx

    try:
        if kind == "pdf":
            from tui_inkasso.formats.case_list_pdf import render_case_list_pdf

            write_bytes_atomic(target, render_case_list_pdf(records, title, created, system="none"))
        else:
            columns = [Column(name, column_kind) for name, column_kind in LIST_COLUMNS]
            write_table_xlsx("Inkassoärenden", columns, _list_rows(records), target)
    except (FileWriteError, OSError) as exc:
        raise CollectionError(f"Listan kunde inte sparas: {exc}") from None
    except ExcelError as exc:
        raise CollectionError(f"Listan kunde inte skapas: {exc}") from None
    return target


def _list_rows(records: Iterable[CaseRecord]) -> Iterable[tuple[Any, ...]]:
    for record in records:
        yield (
            record.case_number,
            record.debtor.customer_number,
            record.debtor.name,
            ", ".join(c.invoice_number for c in record.claims),
            record.sum_total_ore,
            ", ".join(dict.fromkeys(c.debt_type_for("none") for c in record.claims)),
            record.creditor.name,
        )


def result_list_rows(result: CaseRunResult) -> list[tuple[str, str, str, int, str]]:
    """(case, customer, invoices, amount in öre, debt types) per case, as the screen lists them."""
    return [
        (c.number, f"{c.customer_number} {c.customer_name}", ", ".join(x.number for x in c.claims), c.total,
         c.debt_types)
        for c in result.cases
    ]


def default_excel_path(at: dt.datetime | None = None) -> Path:
    """Where "Skapa Excelfil" proposes to save: the output folder, a dated name."""
    when = at or now()
    return output_folder() / f"inkasso_{when:%Y%m%d_%H%M%S}.xlsx"


def excel_preview(path: Path, max_rows: int = 200) -> tuple[list[str], list[list[str]]]:
    """The header and first ``max_rows`` rows of an Excel list, as display text for the screen.

    The Excel-only system has no agency to look at the file, so staff read it in the app.
    """
    from tui_inkasso.formats.excel import read_xlsx_preview

    return read_xlsx_preview(path, max_rows)


def output_folder() -> Path:
    """The collection output folder as configured (absolute; not created here)."""
    return Path(get_setting("collection.output_dir")).expanduser().absolute()


def recover(folder: Path | None = None) -> list[str]:
    """Publish files a crash left staged (see services/collection_files.py); problems as text."""
    folders = [folder or output_folder()]
    try:
        done = recover_pending_files([f for f in folders if f.is_dir()])
    except OSError as exc:
        return [f"Återställning av inkassofiler: {exc}"]
    return done.problems + [f"Inkassofilen {p} flyttades på plats efter ett avbrott." for p in done.published]

