"""Candidates of a reminder and demand run: who gets a letter on a date, with fee and interest,
and the preview (``preview_run``) the screen and ``dunning preview`` show.

Candidates are found in SQL first (balance at least the minimum amount, no collection case, no
block on the invoice or its customer, the next level's days passed), so a million-invoice ledger
answers in well under a second; only those rows go through
:func:`~tui_inkasso.domain.dunning.next_level_due` in Python. Exclusion from collection does not
stop reminders: it keeps an invoice away from the agency, while a *block* stops letters.

**Interest** (räntelagen 6 §) is computed on the invoice's current balance from the day after the
last day interest was charged for (the previous letter's date), or from the day after the due date
moved to the next bank day (a payment on that day would have been on time), up to and including
the run date. The current balance is used for the whole period: a debtor who paid part late is
charged a little less, never more.

The run itself (``services/dunning_run.py``) finds the candidates again inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Contract,
    Customer,
    Invoice,
    InvoiceCharge,
    ObjectType,
    Owner,
    RentalObject,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.codes import ChargeKind
from tui_inkasso.domain.deadlines import lawful_deadline
from tui_inkasso.domain.dunning import DunningLevel, FeeCaps, next_level_due
from tui_inkasso.domain.fee_ceilings import FeeKind
from tui_inkasso.domain.interest import InterestError, LateInterest, ReferenceRate
from tui_inkasso.domain.level_fees import letter_fee, level_kind
from tui_inkasso.services.charges import account_problems
from tui_inkasso.services.dunning_letter import (
    RateTable,
    refuse_missing_rates,
    rent_notice_config,
    rent_premises,
)
from tui_inkasso.services.dunning_levels import (
    fee_caps,
    get_levels,
    get_reference_rates,
    level_problems,
    min_amount,
)
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.stored_values import StoredDates

_DAY = dt.timedelta(days=1)


@dataclass(slots=True)
class PreviewRow:
    """An invoice that gets its next level in a run, with what the letter will claim."""

    invoice_id: int
    invoice_number: str
    customer_number: str
    customer_name: str
    kind: str
    due_date: dt.date
    level: int
    level_name: str
    balance: int
    fee: int
    interest: int
    """The interest this letter charges (since the last charge)."""
    earlier_fees: int
    total: int
    """What the letter asks for: balance + all open interest + this fee + earlier fees."""
    deadline: dt.date
    earlier_interest: int = 0
    """Interest charged before and still open (the letter shows it with the new interest)."""
    interest_from: dt.date | None = None
    """The day after which this letter's interest runs."""


@dataclass(frozen=True)
class RunPreview:
    """What a run on ``run_date`` would issue, with counts and sums."""

    run_date: dt.date
    selection: Selection
    rows: list[PreviewRow]
    problems: list[str] = field(default_factory=list)
    """Why a run would be refused (invalid levels, an owner without bankgiro); empty when fine."""

    @property
    def count(self) -> int:
        """Notices the run would issue."""
        return len(self.rows)

    @property
    def balance(self) -> int:
        """Sum of the capital claimed."""
        return sum(r.balance for r in self.rows)

    @property
    def fees(self) -> int:
        """Sum of the fees this run charges."""
        return sum(r.fee for r in self.rows)

    @property
    def interest(self) -> int:
        """Sum of the late-payment interest shown on the letters."""
        return sum(r.interest for r in self.rows)

    @property
    def total(self) -> int:
        """Sum of what the letters ask for."""
        return sum(r.total for r in self.rows)

    def per_level(self) -> dict[int, int]:
        """Notices per level number."""
        counts: dict[int, int] = {}
        for row in self.rows:
            counts[row.level] = counts.get(row.level, 0) + 1
        return dict(sorted(counts.items()))


@dataclass(slots=True)
class Candidate:
    """One invoice as read for a run: the preview row plus what its letter needs."""

    row: PreviewRow
    owner_id: int
    invoice_date: dt.date
    ocr: str
    customer_address: tuple[str, ...]
    object_address: str
    level: DunningLevel
    moved_due: dt.date
    """The due date moved to a bank day: late interest runs from the day after it."""
    rent_premises: str
    """"bostad", "lokal" or "": the rent sentence the letter carries (``dunning.rent_notice``)."""


_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.invoice_date, Invoice.due_date, Invoice.ocr,
    Invoice.balance, Invoice.fees, Invoice.interest, Invoice.interest_to, Invoice.dunning_level,
    Invoice.dunning_date, Invoice.owner,
    Customer.number, Customer.name, Customer.address, Customer.postal_code, Customer.city,
    Contract.reminder_fee_allowed, RentalObject.address, RentalObject.code, ObjectType.sfi,
)


def _charged(kind: ChargeKind) -> pw.Node:
    """True when the invoice already carries a fee of ``kind`` (any letter, any level)."""
    return pw.fn.EXISTS(InvoiceCharge.select(pw.SQL("1")).where(
        (InvoiceCharge.invoice == Invoice.id) & (InvoiceCharge.kind == kind.value)))


def _candidate_query(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                     minimum: int) -> pw.ModelSelect[Invoice]:
    """The cheap filter in SQL: everything a candidate must be, short of the bank-day rules.

    Each level's condition is necessary for :func:`next_level_due` (moving a due date to a bank
    day only makes it later), so nothing due is lost; the Python pass decides exactly.
    """
    first = levels[0]
    level_column = Invoice.dunning_level
    timing = (level_column == 0) & (Invoice.due_date <= run_date - dt.timedelta(days=first.days))
    for previous, level in zip(levels, levels[1:], strict=False):
        timing |= (
            (level_column == previous.level)
            & (Invoice.dunning_date <= run_date - dt.timedelta(days=level.days))
            & (Invoice.dunning_deadline.is_null() | (Invoice.dunning_deadline < run_date))
        )
    blocked_customers = Customer.select(Customer.id).where(Customer.dunning_blocked_reason.is_null(False))
    query = (
        Invoice.select(*_COLUMNS, _charged(ChargeKind.REMINDER_FEE), _charged(ChargeKind.COLLECTION_FEE))
        .join(Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Contract, pw.JOIN.LEFT_OUTER, on=(Invoice.contract == Contract.id))
        .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
        .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
        .where(
            Invoice.balance >= max(minimum, 1),
            Invoice.collection_case.is_null(),
            Invoice.dunning_blocked_reason.is_null(),
            Invoice.customer.not_in(blocked_customers),
            timing,
        )
    )
    return apply_selection(query, selection)


def find_candidates(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                caps: FeeCaps, minimum: int, rates: Sequence[ReferenceRate]) -> list[Candidate]:
    """The invoices that get their next level on ``run_date``, with fee and interest.

    Read through the raw cursor: peewee's per-column conversion of 30,000 rows costs more than
    the scan of a million.
    """
    result: list[Candidate] = []
    dates = StoredDates()
    late_interest = LateInterest(rates)
    table = RateTable(rates)
    missing: set[dt.date] = set()
    rent_config = rent_notice_config()
    deadlines = {level.level: lawful_deadline(run_date, level.deadline_days) for level in levels}
    fees_by = {(level.level, allowed, reminder_charged, collection_charged): letter_fee(
                   level, caps, run_date, reminder_fee_allowed=allowed, reminder_fee_charged=reminder_charged,
                   collection_fee_charged=collection_charged)
               for level in levels for allowed in (True, False) for reminder_charged in (True, False)
               for collection_charged in (True, False)}
    sql, params = _candidate_query(run_date, selection, levels, minimum).sql()
    for values in db.execute_sql(sql, params):
        (iid, number, kind, inv_date, due, ocr, balance, fees, open_interest, interest_to, current, issued_on,
         owner_id, cust_no, cust_name, address, postal, city, fee_allowed, obj_address, obj_code, sfi,
         reminder_charged, collection_charged) = values
        due = dates[due]
        issued = [(current, dates[issued_on])] if current else []
        level = next_level_due(due, issued, levels, run_date)
        if level is None:
            continue
        fee = fees_by[level.level, bool(fee_allowed), bool(reminder_charged), bool(collection_charged)]
        moved_due = next_bank_day(due)
        missing.update(table.missing(moved_due + _DAY, run_date))
        start = dates[interest_to] if interest_to else moved_due
        try:
            interest = late_interest(balance, start, run_date)
        except InterestError as exc:
            raise DunningError(f"Faktura {number}: {exc}") from None
        row = PreviewRow(
            invoice_id=iid, invoice_number=number, customer_number=cust_no, customer_name=cust_name,
            kind=kind, due_date=due, level=level.level, level_name=level.name, balance=balance,
            fee=fee, interest=interest, earlier_fees=fees,
            total=balance + interest + open_interest + fee + fees, deadline=deadlines[level.level],
            earlier_interest=open_interest, interest_from=start,
        )
        result.append(Candidate(
            row, owner_id, dates[inv_date], ocr,
            tuple(x for x in (address, f"{postal} {city}".strip()) if x),
            obj_address or obj_code or "", level, moved_due, rent_premises(kind, sfi, rent_config),
        ))
    refuse_missing_rates(missing)
    # Sorted here, not in SQL: an ORDER BY makes SQLite walk an index instead of one scan.
    result.sort(key=lambda c: (c.owner_id, c.row.customer_number, c.row.due_date, c.row.invoice_number))
    return result


def fee_charge_kind(level: DunningLevel) -> str:
    """The charge kind of a level's fee, by the level's kind: a collection fee only on an
    inkassokrav, a reminder fee on a påminnelse (``domain.level_kinds``)."""
    fee_kind = level_kind(level).fee_kind
    return (ChargeKind.COLLECTION_FEE if fee_kind is FeeKind.COLLECTION else ChargeKind.REMINDER_FEE).value


def _blank(column: pw.Field) -> pw.Expression:
    """True where a text column of the owner is empty."""
    return column.is_null() | (column == "")


def owner_problems(candidates: Sequence[Candidate]) -> list[str]:
    """Owners whose letters could not say where to pay or how to reach the creditor (so the
    preview says what the run's letter check would refuse, once per owner), or whose fees and
    interest could not be booked (an account role without an account)."""
    owner_ids = {c.owner_id for c in candidates}
    if not owner_ids:
        return []
    missing = Owner.select(Owner.code, Owner.name).where(
        Owner.id.in_(owner_ids), Owner.bankgiro.is_null() | (Owner.bankgiro == ""),
        Owner.plusgiro.is_null() | (Owner.plusgiro == ""))
    problems = [f"Ägaren {code} ({name}) saknar bankgiro och plusgiro; breven kan inte säga vart "
                f"man betalar." for code, name in tuple_rows(missing)]
    unreachable = Owner.select(Owner.code, Owner.name).where(
        Owner.id.in_(owner_ids), *(_blank(column) for column in (
            Owner.phone, Owner.email, Owner.address, Owner.postal_code, Owner.city)))
    problems += [f"Ägaren {code} ({name}) saknar telefon, e-post och adress; breven kan inte säga hur "
                 f"borgenären nås (inkassolagen 5 §); lägg in dem under Inställningar, Ägare och konton "
                 f"(eller med reskontrafilen: owners: phone, email, address)."
                 for code, name in tuple_rows(unreachable)]
    charged = {(c.owner_id, kind) for c in candidates for kind, amount in (
        (fee_charge_kind(c.level), c.row.fee), (ChargeKind.INTEREST.value, c.row.interest)) if amount}
    return problems + account_problems(charged)


@reads
def preview_run(run_date: dt.date, selection: Selection | None = None) -> RunPreview:
    """What a run on ``run_date`` over ``selection`` would issue; writes nothing.

    An invalid level configuration is reported in ``problems`` (with no rows), as is an owner
    without bankgiro or plusgiro; :func:`run_dunning` refuses in both cases.
    """
    selection = selection or Selection()
    validate_selection(selection)
    levels = get_levels()
    problems = level_problems(levels, on_date=run_date)
    if problems:
        return RunPreview(run_date, selection, [], problems)
    try:
        candidates = find_candidates(run_date, selection, levels, fee_caps(), min_amount(), get_reference_rates())
    except DunningError as exc:
        return RunPreview(run_date, selection, [], [str(exc)])
    return RunPreview(run_date, selection, [c.row for c in candidates], owner_problems(candidates))


