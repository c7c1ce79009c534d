"""Balance corrections (saldokorrigeringar): which payments the agency must be told of, and the lists.

A correction is a payment or credit booked on an invoice that was already in a collection case
(``Payment.collection_case`` is set by the booking service under the invoice's row lock), whose
payment method is not Inkasso (that money came through the agency, which knows) and whose status
is "booked". Payments booked before the case are part of the claimed balance and never
corrections. Rent and direct invoices alike. ``ReportedCorrection.payment`` is unique: a
correction is reported in exactly one file, whatever runs at the same time.

The guide's screens use :func:`corrections_in_range` (step 2: every payment and credit on
collection-marked invoices in a date range, each marked reported or not, and why not) and
:func:`unreported_corrections` (step 3). What a file holds (:func:`correction_query`,
:func:`file_corrections`, and for a file written again :func:`recorded_corrections`) is here too,
so that a new file, a recovered one and a rewritten one are the same rows.

The rest of the balance-file work: ``services.balance_file_run`` (the run that writes and records
the files), ``services.balance_recovery`` (finishing a crashed run), ``services.balance_history``
(earlier files: detail, write again, send again), ``services.balance_files`` (how a file reaches
the disk safely) and docs/balance-corrections.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import peewee as pw
from peewee import JOIN, Case, fn

from tui_inkasso.db.models import (
    BalanceReport,
    CollectionCase,
    CollectionFile,
    Customer,
    Invoice,
    Owner,
    Payment,
    PaymentMethod,
    ReportedCorrection,
)
from tui_inkasso.db.rows import tuple_row, tuple_rows
from tui_inkasso.formats.balance_xml import BalanceFileHeader, Correction
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services import publishing
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.selection import Selection, apply_selection
from tui_inkasso.services.stored_values import StoredDates

FILE_KIND = "saldofil"
"""``CollectionFile.kind`` and the outbox kind of balance-correction files."""

NOTHING_TO_REPORT = "Inga saldokorrigeringar att rapportera"


def corrections_text(count: int) -> str:
    """"1 saldokorrigering", "3 saldokorrigeringar" (for every text staff read)."""
    return f"{count} saldokorrigering" if count == 1 else f"{count} saldokorrigeringar"


class CorrectionStatus(StrEnum):
    """Where a payment on a collection-marked invoice stands towards the agency."""

    REPORTED = "reported"
    """A correction that went to the agency in a file (X in column "Saldokorrigering")."""
    UNREPORTED = "unreported"
    """A correction the agency has not been told of yet: goes into the next file."""
    AGENCY = "agency"
    """Payment method Inkasso: came through the agency; shown, never reported."""
    BEFORE_CASE = "before_case"
    """Booked before the case was created: part of the claim the agency got; never reported."""


STATUS_LABELS = {
    CorrectionStatus.REPORTED: "Rapporterad",
    CorrectionStatus.UNREPORTED: "Ej rapporterad",
    CorrectionStatus.AGENCY: "Från inkassobolaget",
    CorrectionStatus.BEFORE_CASE: "Före ärendet (ingår i kravet)",
}


@dataclass(frozen=True)
class CorrectionRow:
    """A payment or credit on a collection-marked invoice, as the lists show it."""

    payment_id: int
    pay_date: dt.date
    registered_at: dt.datetime
    kind: str
    """payment or credit."""
    method: str
    amount: int
    invoice_id: int
    invoice_number: str
    invoice_kind: str
    """rent or direct."""
    customer_number: str
    customer_name: str
    owner_code: str
    case_number: str
    status: CorrectionStatus
    report_id: int | None = None
    file_id: str | None = None
    file_path: str | None = None

    @property
    def reported(self) -> bool:
        """True when the correction went to the agency in an earlier file."""
        return self.status is CorrectionStatus.REPORTED

    @property
    def is_correction(self) -> bool:
        """True for a balance correction (reported or not); False for agency and pre-case money."""
        return self.status in (CorrectionStatus.REPORTED, CorrectionStatus.UNREPORTED)

    @property
    def status_label(self) -> str:
        """Swedish status."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Totals:
    """How many corrections and their sum in öre."""

    count: int
    amount: int


@dataclass(frozen=True)
class RangeSummary:
    """Step 2's figures: rows in the list, and how many of each status (with sums)."""

    by_status: dict[CorrectionStatus, Totals]

    @property
    def rows(self) -> int:
        """Every row of the list."""
        return sum(t.count for t in self.by_status.values())

    def of(self, status: CorrectionStatus) -> Totals:
        """Count and sum of one status (zero when none)."""
        return self.by_status.get(status, Totals(0, 0))


# =========================================================================== lists

_PaymentCase = CollectionCase.alias("payment_case")
_InvoiceCase = CollectionCase.alias("invoice_case")

SORT_COLUMNS: dict[str, Any] = {
    "pay_date": Payment.pay_date,
    "invoice_number": Invoice.number,
    "customer": Customer.name,
    "amount": Payment.amount,
    "kind": Invoice.kind,
    "method": Payment.method,
    "file": CollectionFile.file_id,
}
"""Sort keys the lists accept (the screens' column keys)."""


def _booked() -> pw.Expression:
    """Status "booked" (no index: nearly every payment is)."""
    return Payment.status == "booked"


def is_correction() -> pw.Expression:
    """Booked on an invoice already in a case, not from the agency.

    ``collection_case IS NOT NULL`` is the condition of the partial index ``payment_on_case``
    (the few payments in a thousand that are on a case), so both planners read those and not the
    million others.
    """
    return (
        _on_a_case() & _booked() & (Payment.method != PaymentMethod.INKASSO.value)
    )


def _on_a_case() -> pw.Expression:
    """``Payment.collection_case`` is set (the partial index ``payment_on_case``)."""
    return Payment.collection_case.is_null(False)


def not_reported() -> pw.Expression:
    reported = ReportedCorrection.select(ReportedCorrection.id).where(
        ReportedCorrection.payment == Payment.id
    )
    return ~fn.EXISTS(reported)


def list_query(*columns: Any) -> pw.ModelSelect[Payment]:
    """Payments with their invoice, customer, owner, case and (if any) report and file."""
    return (
        Payment.select(*columns)
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .join(Customer, on=(Invoice.customer == Customer.id))
        .switch(Invoice)
        .join(Owner, on=(Invoice.owner == Owner.id))
        .switch(Payment)
        .join(_PaymentCase, JOIN.LEFT_OUTER, on=(Payment.collection_case == _PaymentCase.id))
        .switch(Invoice)
        .join(_InvoiceCase, JOIN.LEFT_OUTER, on=(Invoice.collection_case == _InvoiceCase.id))
        .switch(Payment)
        .join(ReportedCorrection, JOIN.LEFT_OUTER, on=(ReportedCorrection.payment == Payment.id))
        .join(BalanceReport, JOIN.LEFT_OUTER, on=(ReportedCorrection.report == BalanceReport.id))
        .join(CollectionFile, JOIN.LEFT_OUTER, on=(BalanceReport.file == CollectionFile.id))
    )


ROW_COLUMNS = (
    Payment.id, Payment.pay_date, Payment.registered_at, Payment.kind, Payment.method,
    Payment.amount, Payment.collection_case, Invoice.id, Invoice.number, Invoice.kind,
    Customer.number, Customer.name, Owner.code, _PaymentCase.number, _InvoiceCase.number,
    BalanceReport.id, CollectionFile.file_id, CollectionFile.path,
)


def _status_of(method: str, case_id: int | None, report_id: int | None) -> CorrectionStatus:
    if method == PaymentMethod.INKASSO.value:
        return CorrectionStatus.AGENCY
    if case_id is None:
        return CorrectionStatus.BEFORE_CASE
    return CorrectionStatus.REPORTED if report_id is not None else CorrectionStatus.UNREPORTED


def _row(values: tuple[Any, ...]) -> CorrectionRow:
    (pid, pay_date, registered_at, kind, method, amount, case_id, invoice_id, invoice_number,
     invoice_kind, customer_number, customer_name, owner_code, payment_case, invoice_case,
     report_id, file_id, file_path) = values
    return CorrectionRow(
        pid, pay_date, registered_at, kind, method, amount, invoice_id, invoice_number,
        invoice_kind, customer_number, customer_name, owner_code, payment_case or invoice_case or "",
        _status_of(method, case_id, report_id), report_id, file_id, display_path(file_path) or file_path,
    )


def rows_page(
    query: pw.ModelSelect[Payment], offset: int, limit: int | None, sort: str, descending: bool
) -> list[CorrectionRow]:
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise UserError(f"okänd sortering {sort!r}; välj bland {', '.join(SORT_COLUMNS)}")
    order = column.desc() if descending else column
    tie = Payment.id.desc() if descending else Payment.id
    query = query.order_by(order, tie).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_row(values) for values in tuple_rows(query)]


def _kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """rent, direct, both (or nothing) → the invoice kinds to keep; () means both."""
    wanted = {k for k in kinds if k != "both"}
    unknown = wanted - {"rent", "direct"}
    if unknown:
        raise UserError(f"okänd fakturatyp: {', '.join(sorted(unknown))} (rent, direct eller both)")
    return () if wanted in (set(), {"rent", "direct"}) else tuple(sorted(wanted))


def _range_where(
    date_from: dt.date | None, date_to: dt.date | None, kinds: Iterable[str]
) -> pw.Expression:
    if date_from and date_to and date_from > date_to:
        raise UserError(f"datum från ({date_from}) är efter datum till ({date_to})")
    where = _booked() & Invoice.collection_case.is_null(False)  # the partial index invoice_in_case
    if date_from:
        where &= Payment.pay_date >= date_from
    if date_to:
        where &= Payment.pay_date <= date_to
    chosen = _kinds(kinds)
    if chosen:
        where &= Invoice.kind.in_(chosen)
    return where


@reads
def corrections_in_range(
    selection: Selection | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    kinds: Iterable[str] = (),
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str = "pay_date",
    descending: bool = False,
) -> list[CorrectionRow]:
    """Step 2: payments and credits on collection-marked invoices paid in the range.

    Every such payment is listed, each with its status: reported (and in which file), not yet
    reported, from the agency (method Inkasso: never reported) or booked before the case (part
    of the claim: never reported). ``kinds``: "rent", "direct", "both" (or empty for both).
    """
    where = _range_where(date_from, date_to, kinds)
    query = apply_selection(list_query(*ROW_COLUMNS).where(where), selection or Selection())
    return rows_page(query, offset, limit, sort, descending)


@reads
def count_in_range(
    selection: Selection | None, date_from: dt.date | None, date_to: dt.date | None,
    kinds: Iterable[str] = (),
) -> int:
    """How many rows :func:`corrections_in_range` has (for paging)."""
    return range_summary(selection, date_from, date_to, kinds).rows


@reads
def range_summary(
    selection: Selection | None, date_from: dt.date | None, date_to: dt.date | None,
    kinds: Iterable[str] = (),
) -> RangeSummary:
    """Count and sum per status of step 2's list, in one query."""
    status = Case(None, [
        (Payment.method == PaymentMethod.INKASSO.value, CorrectionStatus.AGENCY.value),
        (Payment.collection_case.is_null(), CorrectionStatus.BEFORE_CASE.value),
        (ReportedCorrection.id.is_null(False), CorrectionStatus.REPORTED.value),
    ], CorrectionStatus.UNREPORTED.value)
    query = apply_selection(
        list_query(status, fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .where(_range_where(date_from, date_to, kinds)).group_by(status),
        selection or Selection(),
    )
    return RangeSummary({
        CorrectionStatus(name): Totals(count, int(amount or 0))
        for name, count, amount in tuple_rows(query)
    })


@reads
def unreported_corrections(
    selection: Selection | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str = "pay_date",
    descending: bool = False,
) -> list[CorrectionRow]:
    """Step 3: every correction not yet reported, whatever its date, within the selection."""
    where = is_correction() & ReportedCorrection.id.is_null()
    query = apply_selection(list_query(*ROW_COLUMNS).where(where), selection or Selection())
    return rows_page(query, offset, limit, sort, descending)


@reads
def unreported_totals(selection: Selection | None = None) -> Totals:
    """How many corrections the next file would hold, and their sum."""
    query = apply_selection(
        Payment.select(fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .where(is_correction() & not_reported()),
        selection or Selection(),
    )
    count, amount = tuple_row(query)
    return Totals(count, int(amount or 0))


# =========================================================================== what a file holds


def correction_query(base: pw.ModelSelect[Payment], *, whole_first: bool = False) -> pw.ModelSelect[Payment]:
    """What the file needs of each correction, by case and then payment (the index's order:
    no sort of 100,000 rows; the same order when a recorded file is written again).

    ``whole_first``: the database computes every row before it returns the first (a sort it
    cannot take from an index: the same order). For a new file on PostgreSQL, whose run records
    the corrections while the file is written (``services.balance_recording``): the query's
    "not reported yet" probes ``reported_correction``, and a planner that believes that table
    empty (analysed while it was) scans it for each probe; rows the recording inserted meanwhile,
    invisible to the snapshot, are visited by every scan all the same, and a stream computed
    while they were inserted grew quadratic (42 s of server CPU for 100,000 corrections instead of
    0.3 s). Computed first, before anything is recorded, any plan the planner picks is safe.
    """
    order = (Payment.collection_case + 0) if whole_first else Payment.collection_case
    return (
        base.select(
            Payment.id, CollectionCase.number, CollectionCase.agency_reference, Customer.number,
            Customer.name, Customer.national_id, Invoice.number, Invoice.ocr, Payment.kind,
            Payment.pay_date, Payment.amount, Payment.method,
        )
        .join_from(Invoice, Customer, on=(Invoice.customer == Customer.id))
        .join_from(Payment, CollectionCase, on=(Payment.collection_case == CollectionCase.id))
        .order_by(order, Payment.id)
    )


def file_corrections(
    rows: Iterable[tuple[Any, ...]], remember: Callable[[int], None] | None, crash_at: int = 0
) -> Iterator[Correction]:
    """Database rows as the format's corrections (each payment id handed to ``remember`` on the
    way, for the run's record).

    The hot loop of a 100,000-correction file: identifiers and dates repeat (a customer's many
    payments, a day's many payments), so their clean forms are looked up, not recomputed.
    """
    national_ids: dict[str, str] = {}
    dates = StoredDates()
    for number, row in enumerate(rows, 1):
        (pid, case_number, reference, customer_number, name, national_id, invoice_number, ocr,
         kind, pay_date, amount, method) = row
        if remember is not None:
            remember(pid)
        clean_id = national_ids.get(national_id)
        if clean_id is None:
            clean_id = national_ids[national_id] = dashed_id(national_id)
        day = dates[pay_date]
        yield Correction(
            str(pid), case_number, customer_number, name, clean_id, invoice_number,
            ocr if ocr and ocr.isdigit() and 2 <= len(ocr) <= 25 else _ocr(ocr), kind, day, amount,
            method, reference or "",
        )
        if number == crash_at:
            publishing.crash_point("during-write")


def dashed_id(value: str) -> str:
    """Personnummer YYYYMMDD-NNNN / orgnr NNNNNN-NNNN from the stored forms (with or without dash)."""
    compact = value.strip().replace("-", "")
    if compact.isdigit() and len(compact) == 12:
        return f"{compact[:8]}-{compact[8:]}"
    if compact.isdigit() and len(compact) == 10:
        return f"{compact[:6]}-{compact[6:]}"
    return value


def _ocr(value: str | None) -> str:
    """The invoice's OCR when it has the format's form (2-25 digits), else none."""
    text = (value or "").strip()
    return text if text.isdigit() and 2 <= len(text) <= 25 else ""


def recorded_header(report: BalanceReport, cf: CollectionFile) -> BalanceFileHeader:
    """The header of a file written again: as recorded, with the owner's details of today."""
    owner = Owner.get_by_id(report.owner_id)
    return BalanceFileHeader(
        cf.file_id, cf.created_at, owner.name, dashed_id(owner.org_no), report.corrections, report.amount
    )


def recorded_corrections(report_id: int) -> Iterator[Correction]:
    """The corrections a report recorded, in payment order (inside ``read_snapshot``)."""
    base = (
        Payment.select(Payment.id)
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .join_from(Payment, ReportedCorrection, on=(ReportedCorrection.payment == Payment.id))
        .where(ReportedCorrection.report == report_id)
    )
    return file_corrections(bf.stream_tuples(correction_query(base)), None)


def display_path(path: str | None) -> str:
    """A recorded file path as staff should see it: the final name, also while pending."""
    if path and bf.is_temp_path(path):
        return str(bf.final_path(Path(path)))
    return path or ""
