"""Balance corrections (saldokorrigeringar): what the agency must be told of, once and only once.

A correction is a payment or credit booked on an invoice that was already in a collection case
(``Payment.collection_case`` is set by the booking service under the invoice's row lock), whose
payment method is not Inkasso (that money came through the agency, which knows) and whose status
is "booked". Payments booked before the case are part of the claimed balance and never
corrections. Rent and direct invoices alike. ``ReportedCorrection.payment`` is unique: a
correction is reported in exactly one file, whatever runs at the same time.

The guide's screens use :func:`corrections_in_range` (step 2: every payment and credit on
collection-marked invoices in a date range, each marked reported or not, and why not) and
:func:`unreported_corrections` (step 3). :func:`create_balance_file` writes one file per owner
(the file's header names one creditor); the daemon's "Skapa saldofil" calls it without a
selection. The history: :func:`balance_reports`, :func:`report_detail`, :func:`rewrite_report`,
:func:`resend_report`. How a file reaches the disk safely is in ``services.balance_files`` and
docs/balance-corrections.md.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import peewee as pw
from peewee import JOIN, SQL, Case, fn

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    BalanceReport,
    CollectionCase,
    CollectionFile,
    Customer,
    Invoice,
    OutboxFile,
    Owner,
    Payment,
    PaymentMethod,
    ReportedCorrection,
)
from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats.balance_xml import (
    BalanceFileHeader,
    BalanceXmlError,
    Correction,
    write_balance_file,
)
from tui_inkasso.services import audit, outbox
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.outbox import STATUS_LABELS as DELIVERY_LABELS
from tui_inkasso.services.outbox import DeliveryResult
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import get_setting, output_dir
from tui_inkasso.services.transaction import is_postgres, write_transaction

log = logging.getLogger(__name__)

FILE_KIND = "saldofil"
"""``CollectionFile.kind`` and the outbox kind of balance-correction files."""

NOTHING_TO_REPORT = "Inga saldokorrigeringar att rapportera"


def corrections_text(count: int) -> str:
    """"1 saldokorrigering", "3 saldokorrigeringar" (for every text staff read)."""
    return f"{count} saldokorrigering" if count == 1 else f"{count} saldokorrigeringar"


__all__ = [
    "NOTHING_TO_REPORT", "BalanceFileError", "BalanceFileResult", "CorrectionRow",
    "CorrectionStatus", "CreatedFile", "DeliveryInfo", "RangeSummary", "RecoveryAction",
    "ReportDetail", "ReportSummary", "RewriteResult", "Totals", "balance_reports",
    "corrections_in_range", "corrections_text", "count_in_range", "create_balance_file", "range_summary",
    "recover_balance_files", "report_detail", "resend_report", "rewrite_report",
    "unreported_corrections", "unreported_totals",
]

BalanceFileError = bf.BalanceFileError


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


@dataclass(frozen=True)
class DeliveryInfo:
    """What became of a file's upload right after it was created or resent."""

    outbox_id: int
    status: str
    """sent, waiting (retried by the daemon), failed (needs a person) or sending."""
    label: str
    error: str = ""
    remote_path: str = ""


@dataclass(frozen=True)
class CreatedFile:
    """One file a run created (one per owner)."""

    path: Path
    file_id: str
    owner_code: str
    owner_name: str
    corrections: int
    amount: int
    report_id: int
    collection_file_id: int
    delivery: DeliveryInfo | None
    """None when no upload server is set (collection.upload_url)."""


@dataclass(frozen=True)
class RecoveryAction:
    """What recovery did to one file: finished, renamed, regenerated, removed, or blocked."""

    path: str
    action: str
    file_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class BalanceFileResult:
    """What :func:`create_balance_file` did; ``file`` None means there was nothing to report."""

    file: Path | None
    corrections: int
    amount: int
    report_ids: tuple[int, ...] = ()
    files: tuple[CreatedFile, ...] = ()
    recovered: tuple[RecoveryAction, ...] = ()

    @property
    def message(self) -> str:
        """One Swedish line for people (CLI, screen, mail)."""
        if not self.files:
            return NOTHING_TO_REPORT
        where = str(self.file) if len(self.files) == 1 else f"{len(self.files)} filer (en per ägare)"
        return (f"Saldofil skapad: {where}; {corrections_text(self.corrections)}, "
                f"{format_sek(self.amount)} kr")


@dataclass(frozen=True)
class ReportSummary:
    """An earlier balance file, for the history list."""

    report_id: int
    file_id: str
    path: str
    created_at: dt.datetime
    created_by: str
    owner_code: str
    owner_name: str
    corrections: int
    amount: int
    file_exists: bool
    pending: bool
    """Recorded but not yet under its final name (a crash; recovery finishes it)."""
    delivery_status: str
    """The latest outbox status (sent, waiting, sending, failed), "" when never queued."""

    @property
    def delivery_label(self) -> str:
        """Swedish delivery status."""
        if not self.delivery_status:
            return "Ej skickad"
        return DELIVERY_LABELS.get(self.delivery_status, self.delivery_status)  # type: ignore[call-overload]

    @property
    def file_name(self) -> str:
        """The file's name (its final name, also while pending)."""
        if not self.path:
            return ""
        path = Path(self.path)
        return bf.final_path(path).name if bf.is_temp_path(path) else path.name


@dataclass(frozen=True)
class ReportDetail:
    """One earlier file and the corrections it reported."""

    summary: ReportSummary
    corrections: list[CorrectionRow] = field(default_factory=list)


@dataclass(frozen=True)
class RewriteResult:
    """A file written again from its recorded corrections."""

    path: Path
    file_id: str
    corrections: int
    amount: int
    identical: bool
    """True when the new file has the recorded SHA-256 (nothing about it changed since)."""


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
    """Status "booked", compared as ``status || ''`` to keep its index out of SQLite's choice."""
    return Payment.status.concat("") == "booked"


def _is_correction() -> pw.Expression:
    """Booked on an invoice already in a case, not from the agency."""
    return (
        _on_a_case() & _booked() & (Payment.method != PaymentMethod.INKASSO.value)
    )


def _on_a_case() -> pw.Expression:
    """``Payment.collection_case`` is set, with a hint for SQLite's planner.

    SQLite keeps no statistics here, so it guesses that "status = 'booked'" or an invoice's owner
    narrows more than "collection_case IS NOT NULL", and walks nearly every payment. In a ledger
    only a few payments in a thousand are on a case: ``likelihood`` says so and the planner takes
    the index on collection_case (0.3 s → milliseconds on a million payments). PostgreSQL has
    statistics.
    """
    return _rare(Payment.collection_case.is_null(False))


def _rare(condition: pw.Expression) -> pw.Expression:
    """``condition``, marked for SQLite's planner as true for about one row in a thousand."""
    return condition if is_postgres() else fn.likelihood(condition, SQL("0.001"))


def _not_reported() -> pw.Expression:
    reported = ReportedCorrection.select(ReportedCorrection.id).where(
        ReportedCorrection.payment == Payment.id
    )
    return ~fn.EXISTS(reported)


def _list_query(*columns: Any) -> pw.ModelSelect:
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


_ROW_COLUMNS = (
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
    path = file_path
    if path and bf.is_temp_path(path):
        path = str(bf.final_path(Path(path)))
    return CorrectionRow(
        pid, pay_date, registered_at, kind, method, amount, invoice_id, invoice_number,
        invoice_kind, customer_number, customer_name, owner_code, payment_case or invoice_case or "",
        _status_of(method, case_id, report_id), report_id, file_id, path,
    )


def _page(
    query: pw.ModelSelect, offset: int, limit: int | None, sort: str, descending: bool
) -> list[CorrectionRow]:
    column = SORT_COLUMNS.get(sort)
    if column is None:
        raise UserError(f"okänd sortering {sort!r}; välj bland {', '.join(SORT_COLUMNS)}")
    order = column.desc() if descending else column
    tie = Payment.id.desc() if descending else Payment.id
    query = query.order_by(order, tie).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_row(values) for values in query.tuples()]


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
    where = _booked() & _rare(Invoice.collection_case.is_null(False))
    if date_from:
        where &= Payment.pay_date >= date_from
    if date_to:
        where &= Payment.pay_date <= date_to
    chosen = _kinds(kinds)
    if chosen:
        where &= Invoice.kind.in_(chosen)
    return where


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
    query = apply_selection(_list_query(*_ROW_COLUMNS).where(where), selection or Selection())
    return _page(query, offset, limit, sort, descending)


def count_in_range(
    selection: Selection | None, date_from: dt.date | None, date_to: dt.date | None,
    kinds: Iterable[str] = (),
) -> int:
    """How many rows :func:`corrections_in_range` has (for paging)."""
    return range_summary(selection, date_from, date_to, kinds).rows


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
        _list_query(status, fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .where(_range_where(date_from, date_to, kinds)).group_by(status),
        selection or Selection(),
    )
    return RangeSummary({
        CorrectionStatus(name): Totals(count, int(amount or 0))
        for name, count, amount in query.tuples()
    })


def unreported_corrections(
    selection: Selection | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str = "pay_date",
    descending: bool = False,
) -> list[CorrectionRow]:
    """Step 3: every correction not yet reported, whatever its date, within the selection."""
    where = _is_correction() & ReportedCorrection.id.is_null()
    query = apply_selection(_list_query(*_ROW_COLUMNS).where(where), selection or Selection())
    return _page(query, offset, limit, sort, descending)


def unreported_totals(selection: Selection | None = None) -> Totals:
    """How many corrections the next file would hold, and their sum."""
    query = apply_selection(
        Payment.select(fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .where(_is_correction() & _not_reported()),
        selection or Selection(),
    )
    count, amount = query.tuples().get()
    return Totals(count, int(amount or 0))


# =========================================================================== the file


@dataclass
class _OwnerGroup:
    owner_id: int
    code: str
    name: str
    org_no: str
    count: int
    amount: int


@dataclass
class _Written:
    plan: bf.FilePlan
    group: _OwnerGroup
    stamp: dt.datetime
    spool: bf.IdSpool
    sha: str = ""


@dataclass
class _Recorded:
    collection_file_id: int
    report_id: int


def create_balance_file(
    out: Path | None = None, *, selection: Selection | None = None
) -> BalanceFileResult:
    """Write every unreported correction (within ``selection``) to the agency's XML file.

    One file per owner (the header names one creditor), named ``saldo-<owner>-<date>-<time>.xml``
    in ``collection.output_dir``, or in ``out`` when that is a folder; when ``out`` is a file
    name, that name (with ``-<owner>`` added when there are several owners). Steps: temporary
    files written and validated (fsynced) → ONE transaction records files, reports and every
    reported correction (unique per payment) → each file renamed, its record set to the final
    name and queued for upload → upload attempted. A concurrent run that reported some of the
    same corrections first makes this one fail with Conflict (nothing recorded, no file). Any
    crash is finished by :func:`recover_balance_files`, which runs first.
    """
    folder, exact_name = _target(out)
    recovered = tuple(recover_balance_files(extra_dirs=[folder]))
    if selection is not None:
        validate_selection(selection)
    with bf.dir_lock(folder, exclusive=False, wait=True):
        written = _write_files(folder, exact_name, selection or Selection())
        if not written:
            return BalanceFileResult(None, 0, 0, recovered=recovered)
        try:
            bf.crash_point("after-write")
            recorded = _record(written)
        except BaseException:
            bf.discard(w.plan for w in written)
            raise
        finally:
            for w in written:
                w.spool.close()
        bf.crash_point("after-commit")
        rows = _place_all(written, recorded)
    return _result(written, recorded, rows, recovered)


def _target(out: Path | str | None) -> tuple[Path, str | None]:
    """The folder to write in, and the file name the user gave (None: we name the files)."""
    if out is None:
        return output_dir().resolve(), None
    path = Path(out).expanduser()
    if path.is_dir():
        return path.resolve(), None
    if not path.parent.is_dir():
        raise UserError(f"{path}: mappen {path.parent} finns inte")
    if path.exists() or path.is_symlink():
        raise UserError(f"{path}: filen finns redan; välj ett annat namn")
    return path.parent.resolve(), path.name


def _write_files(folder: Path, exact_name: str | None, selection: Selection) -> list[_Written]:
    """Every owner's temporary file, written from one snapshot of the database."""
    stamp = now()
    written: list[_Written] = []
    try:
        with bf.read_snapshot():
            groups = _owner_groups(selection)
            for group in groups:
                plan = _plan(folder, exact_name, group, stamp, several=len(groups) > 1)
                item = _Written(plan, group, stamp, bf.IdSpool())
                written.append(item)
                header = BalanceFileHeader(
                    plan.file_id, stamp, group.name, _org_no(group.org_no), group.count, group.amount
                )
                rows = bf.stream_tuples(_correction_query(
                    apply_selection(_stream_base().where(
                        _is_correction() & _not_reported() & ((Invoice.owner + 0) == group.owner_id)
                    ), selection)
                ))
                crash_at = max(1, group.count // 2) if len(written) == 1 else 0
                item.sha = bf.write_plan(plan, header, _corrections(rows, item.spool, crash_at))
    except BaseException:
        bf.discard(w.plan for w in written)
        for w in written:
            w.spool.close()
        raise
    return written


def _owner_groups(selection: Selection) -> list[_OwnerGroup]:
    query = apply_selection(
        Payment.select(Invoice.owner, fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .where(_is_correction() & _not_reported())
        .group_by(Invoice.owner),
        selection,
    )
    totals = {owner_id: (count, int(amount or 0)) for owner_id, count, amount in query.tuples()}
    owners = Owner.select().where(Owner.id.in_(list(totals))).order_by(Owner.code) if totals else []
    return [_OwnerGroup(o.id, o.code, o.name, o.org_no, *totals[o.id]) for o in owners]


def _plan(
    folder: Path, exact_name: str | None, group: _OwnerGroup, stamp: dt.datetime, *, several: bool
) -> bf.FilePlan:
    code = bf.safe_part(group.code)
    id_stem = f"SALDO-{code}-{stamp:%Y%m%d-%H%M%S}"

    def id_for(n: int) -> str:
        return id_stem if n == 1 else f"{id_stem}-{n}"

    if exact_name is not None and not several:
        return bf.plan_file(folder, lambda n: exact_name, id_for, _file_id_taken, exact=True)
    if exact_name is not None:
        stem, suffix = Path(exact_name).stem, Path(exact_name).suffix or ".xml"
        return bf.plan_file(folder, lambda n: f"{stem}-{code}{suffix}", id_for, _file_id_taken,
                            exact=True)
    name_stem = f"saldo-{code}-{stamp:%Y%m%d-%H%M%S}"
    return bf.plan_file(
        folder, lambda n: f"{name_stem}.xml" if n == 1 else f"{name_stem}-{n}.xml", id_for,
        _file_id_taken,
    )


def _file_id_taken(file_id: str) -> bool:
    return CollectionFile.select().where(CollectionFile.file_id == file_id).exists()


def _stream_base() -> pw.ModelSelect:
    """Payments with their invoice (the selection's columns are the invoice's)."""
    return Payment.select(Payment.id).join(Invoice, on=(Payment.invoice == Invoice.id))


def _correction_query(base: pw.ModelSelect) -> pw.ModelSelect:
    """What the file needs of each correction, by case and then payment (the index's order:
    no sort of 100,000 rows; the same order when a recorded file is written again)."""
    return (
        base.select(
            Payment.id, CollectionCase.number, CollectionCase.agency_reference, Customer.number,
            Customer.name, Customer.national_id, Invoice.number, Invoice.ocr, Payment.kind,
            Payment.pay_date, Payment.amount, Payment.method,
        )
        .join_from(Invoice, Customer, on=(Invoice.customer == Customer.id))
        .join_from(Payment, CollectionCase, on=(Payment.collection_case == CollectionCase.id))
        .order_by(Payment.collection_case, Payment.id)
    )


def _corrections(
    rows: Iterable[tuple[Any, ...]], spool: bf.IdSpool | None, crash_at: int = 0
) -> Iterator[Correction]:
    """Database rows as the format's corrections (ids spooled for the record on the way).

    The hot loop of a 100,000-correction file: identifiers and dates repeat (a customer's many
    payments, a day's many payments), so their clean forms are looked up, not recomputed.
    """
    national_ids: dict[str, str] = {}
    dates: dict[Any, dt.date] = {}
    remember = spool.add if spool is not None else None
    for number, row in enumerate(rows, 1):
        (pid, case_number, reference, customer_number, name, national_id, invoice_number, ocr,
         kind, pay_date, amount, method) = row
        if remember is not None:
            remember(pid)
        clean_id = national_ids.get(national_id)
        if clean_id is None:
            clean_id = national_ids[national_id] = _national_id(national_id)
        day = dates.get(pay_date)
        if day is None:
            day = dates[pay_date] = _as_date(pay_date)
        yield Correction(
            str(pid), case_number, customer_number, name, clean_id, invoice_number,
            ocr if ocr and ocr.isdigit() and 2 <= len(ocr) <= 25 else _ocr(ocr), kind, day, amount,
            method, reference or "",
        )
        if number == crash_at:
            bf.crash_point("during-write")


def _national_id(value: str) -> str:
    """Personnummer YYYYMMDD-NNNN / orgnr NNNNNN-NNNN from the stored forms (with or without dash)."""
    compact = value.strip().replace("-", "")
    if compact.isdigit() and len(compact) == 12:
        return f"{compact[:8]}-{compact[8:]}"
    if compact.isdigit() and len(compact) == 10:
        return f"{compact[:6]}-{compact[6:]}"
    return value


_org_no = _national_id


def _ocr(value: str | None) -> str:
    """The invoice's OCR when it has the format's form (2-25 digits), else none."""
    text = (value or "").strip()
    return text if text.isdigit() and 2 <= len(text) <= 25 else ""


def _as_date(value: Any) -> dt.date:
    """A date column read by raw SQL (SQLite gives text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _record(written: list[_Written]) -> list[_Recorded]:
    """ONE transaction: every file's record, report and reported corrections, and the audit."""
    user = current_user()
    system = get_setting("collection.system")
    try:
        with write_transaction():
            return [_record_one(w, user, system) for w in written]
    except pw.IntegrityError:
        raise Conflict(_conflict_message(written)) from None


def _record_one(w: _Written, user: str, system: str) -> _Recorded:
    cf = CollectionFile.create(
        kind=FILE_KIND, system=system, path=str(w.plan.temp), file_id=w.plan.file_id,
        created_at=w.stamp, created_by=user, records=w.group.count, amount=w.group.amount,
        sha256=w.sha,
    )
    report = BalanceReport.create(
        file=cf.id, owner=w.group.owner_id, created_at=w.stamp, created_by=user,
        corrections=w.group.count, amount=w.group.amount,
    )
    _insert_reported(report.id, w.spool)
    audit.record(
        "balance_file.created", "balance_report", report.id,
        f"{w.plan.file_id}: {corrections_text(w.group.count)}, {format_sek(w.group.amount)} kr, "
        f"{w.plan.final}",
    )
    return _Recorded(cf.id, report.id)


def _insert_reported(report_id: int, spool: bf.IdSpool) -> None:
    """Mark every spooled payment reported; the unique payment column refuses a second time.

    One statement per 5,000 ids, the ids passed as one array (PostgreSQL ``unnest``, SQLite
    ``json_each``): 100,000 rows in a tenth of a second, a third of ``executemany``'s time.
    """
    table = ReportedCorrection._meta.table_name
    columns = f'"{ReportedCorrection.report.column_name}", "{ReportedCorrection.payment.column_name}"'
    for chunk in spool.chunks(5000):
        if is_postgres():
            db.execute_sql(
                f'INSERT INTO "{table}" ({columns}) SELECT %s, unnest(%s::bigint[])',
                (report_id, chunk),
            )
        else:
            db.execute_sql(
                f'INSERT INTO "{table}" ({columns}) SELECT ?, value FROM json_each(?)',
                (report_id, json.dumps(chunk)),
            )


def _conflict_message(written: list[_Written]) -> str:
    """Who got there first: the file that already reported one of ours."""
    for w in written:
        for chunk in w.spool.chunks(500):
            hit = (
                ReportedCorrection.select(ReportedCorrection.payment, CollectionFile.file_id,
                                          CollectionFile.path)
                .join(BalanceReport)
                .join(CollectionFile, JOIN.LEFT_OUTER, on=(BalanceReport.file == CollectionFile.id))
                .where(ReportedCorrection.payment.in_(chunk))
                .tuples()
                .first()
            )
            if hit:
                payment_id, file_id, path = hit
                where = f"fil {file_id} ({_display_path(path)})" if file_id else "en tidigare rapport"
                return (
                    f"saldokorrigering {payment_id} är redan rapporterad i {where} av en annan "
                    "körning; ingenting sparades och ingen fil skapades. Kör igen för att ta med "
                    "det som återstår."
                )
    return ("en annan körning skapade samtidigt en fil med samma id; ingenting sparades och "
            "ingen fil skapades. Kör igen.")


def _display_path(path: str | None) -> str:
    if path and bf.is_temp_path(path):
        return str(bf.final_path(Path(path)))
    return path or ""


def _place_all(written: list[_Written], recorded: list[_Recorded]) -> list[OutboxFile | None]:
    """Rename each file to its final name and finish its record (queue it for upload)."""
    rows: list[OutboxFile | None] = []
    last = len(written) - 1
    for index, (w, rec) in enumerate(zip(written, recorded, strict=True)):
        if index == last:
            bf.crash_point("before-rename")
        bf.place(w.plan.temp, w.plan.final)
        if index == last:
            bf.crash_point("after-rename")
        rows.append(_finish(rec.collection_file_id, w.plan.temp, w.plan.final))
    return rows


def _finish(
    collection_file_id: int, temp: Path, final: Path, *, sha: str | None = None,
    recovered: str = "",
) -> OutboxFile | None:
    """The record gets the final path (once: compare-and-set) and the file its outbox entry."""
    changes: dict[Any, Any] = {CollectionFile.path: str(final)}
    if sha is not None:
        changes[CollectionFile.sha256] = sha
    with write_transaction():
        done = (
            CollectionFile.update(changes)
            .where((CollectionFile.id == collection_file_id) & (CollectionFile.path == str(temp)))
            .execute()
        )
        if not done:
            return None
        row = outbox.enqueue_delivery(final, kind=FILE_KIND, collection_file_id=collection_file_id)
        if recovered:
            audit.record("balance_file.recovered", "collection_file", collection_file_id, recovered)
    return row


def _result(
    written: list[_Written], recorded: list[_Recorded], rows: list[OutboxFile | None],
    recovered: tuple[RecoveryAction, ...],
) -> BalanceFileResult:
    files = []
    for w, rec, row in zip(written, recorded, rows, strict=True):
        files.append(CreatedFile(
            w.plan.final, w.plan.file_id, w.group.code, w.group.name, w.group.count,
            w.group.amount, rec.report_id, rec.collection_file_id, _deliver(row),
        ))
    return BalanceFileResult(
        files[0].path, sum(f.corrections for f in files), sum(f.amount for f in files),
        tuple(f.report_id for f in files), tuple(files), recovered,
    )


def _deliver(row: OutboxFile | None) -> DeliveryInfo | None:
    """Send a just-queued file now; the outbox keeps it (and retries) whatever happens."""
    if row is None:
        return None
    result = outbox.deliver_now(row)
    if result is None:
        fresh = OutboxFile.get_or_none(OutboxFile.id == row.id)
        status = fresh.status if fresh else "waiting"
        return DeliveryInfo(row.id, status, DELIVERY_LABELS.get(status, status),  # type: ignore[call-overload]
                            fresh.last_error if fresh else "")
    return _delivery_info(result)


def _delivery_info(result: DeliveryResult) -> DeliveryInfo:
    label = DELIVERY_LABELS.get(result.status, result.status)  # type: ignore[call-overload]
    return DeliveryInfo(result.outbox_id, result.status, label, result.error, result.remote_path)


# =========================================================================== recovery


def recover_balance_files(extra_dirs: Iterable[Path] = ()) -> list[RecoveryAction]:
    """Finish what a crashed run left: call at the start of a run, the app and the daemon.

    * a record whose path is still the temporary name (committed, not renamed): the temporary
      file gets its final name (when its SHA-256 is the recorded one), or the file is written
      again from the recorded corrections; then the record is finished (final path, upload);
    * a temporary file no record names (written, never committed): removed, its corrections
      are still unreported and go into the next file.

    A folder in which a run is working (its shared lock) is left alone this time. Never raises:
    a problem is logged and returned as a "blocked" action.
    """
    pending = list(
        CollectionFile.select(CollectionFile.id, CollectionFile.path)
        .where((CollectionFile.kind == FILE_KIND) & CollectionFile.path.endswith(bf.TEMP_SUFFIX))
        .tuples()
    )
    folders = {Path(path).parent for _id, path in pending} | {Path(d) for d in extra_dirs}
    configured = Path(get_setting("collection.output_dir")).expanduser()
    if configured.is_dir():
        folders.add(configured.resolve())
    actions: list[RecoveryAction] = []
    for folder in sorted(folders):
        with bf.dir_lock(folder, exclusive=True, wait=False) as held:
            if not held:
                continue
            ids = [cf_id for cf_id, path in pending if Path(path).parent == folder]
            actions.extend(_finish_pending(cf_id) for cf_id in ids)
            actions.extend(_remove_garbage(folder))
    return [a for a in actions if a.action != "none"]


def _finish_pending(collection_file_id: int) -> RecoveryAction:
    cf = CollectionFile.get_or_none(CollectionFile.id == collection_file_id)
    if cf is None or not bf.is_temp_path(cf.path):
        return RecoveryAction("", "none")
    temp = Path(cf.path)
    final = bf.final_path(temp)
    try:
        return _finish_one(cf, temp, final)
    except (UserError, OSError, BalanceXmlError) as exc:
        log.error("balance file %s could not be recovered: %s", final, exc)
        return RecoveryAction(str(final), "blocked", cf.file_id, str(exc))


def _finish_one(cf: CollectionFile, temp: Path, final: Path) -> RecoveryAction:
    if final.exists():
        if bf.sha256_of(final) != cf.sha256:
            return RecoveryAction(
                str(final), "blocked", cf.file_id,
                f"{final}: en annan fil med samma namn ligger i vägen; flytta den, så gör nästa "
                "körning klart saldofilen",
            )
        temp.unlink(missing_ok=True)
        _finish(cf.id, temp, final, recovered=f"{final}: flyttad, posten färdigställd")
        return RecoveryAction(str(final), "finished", cf.file_id)
    if temp.exists() and bf.sha256_of(temp) == cf.sha256:
        bf.place(temp, final)
        _finish(cf.id, temp, final, recovered=f"{final}: fick sitt namn efter ett avbrott")
        return RecoveryAction(str(final), "renamed", cf.file_id)
    report = BalanceReport.get(BalanceReport.file == cf.id)
    sha = _regenerate(report, cf, temp)
    bf.place(temp, final)
    _finish(cf.id, temp, final, sha=sha,
            recovered=f"{final}: skrevs om från de rapporterade saldokorrigeringarna")
    return RecoveryAction(str(final), "regenerated", cf.file_id,
                          "" if sha == cf.sha256 else "innehållet skiljer sig från originalet")


def _regenerate(report: BalanceReport, cf: CollectionFile, path: Path) -> str:
    header = _recorded_header(report, cf)
    with bf.read_snapshot():
        return bf.write_file_at(path, header, _recorded_corrections(report.id))


def _recorded_header(report: BalanceReport, cf: CollectionFile) -> BalanceFileHeader:
    owner = Owner.get_by_id(report.owner_id)
    return BalanceFileHeader(
        cf.file_id, cf.created_at, owner.name, _org_no(owner.org_no), report.corrections, report.amount
    )


def _recorded_corrections(report_id: int) -> Iterator[Correction]:
    """The corrections a report recorded, in payment order (inside ``read_snapshot``)."""
    base = (
        Payment.select(Payment.id)
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .join_from(Payment, ReportedCorrection, on=(ReportedCorrection.payment == Payment.id))
        .where(ReportedCorrection.report == report_id)
    )
    return _corrections(bf.stream_tuples(_correction_query(base)), None)


def _remove_garbage(folder: Path) -> list[RecoveryAction]:
    """Temporary files no record names: written by a run that died before its commit."""
    actions = []
    for temp in folder.glob(f".*{bf.TEMP_SUFFIX}"):
        recorded = CollectionFile.select().where(CollectionFile.path == str(temp)).exists()
        if recorded:
            continue
        try:
            temp.unlink()
        except OSError as exc:
            actions.append(RecoveryAction(str(temp), "blocked", "", str(exc)))
            continue
        log.info("removed %s: a balance file run ended before recording it", temp)
        actions.append(RecoveryAction(str(temp), "removed"))
    return actions


# =========================================================================== history


def balance_reports(limit: int = 1000) -> list[ReportSummary]:
    """Earlier balance files, newest first."""
    query = (
        BalanceReport.select(BalanceReport, CollectionFile, Owner)
        .join(CollectionFile, JOIN.LEFT_OUTER, on=(BalanceReport.file == CollectionFile.id))
        .switch(BalanceReport)
        .join(Owner, JOIN.LEFT_OUTER, on=(BalanceReport.owner == Owner.id))
        .order_by(BalanceReport.created_at.desc(), BalanceReport.id.desc())
        .limit(limit)
    )
    reports = list(query)
    statuses = _delivery_statuses([r.file_id for r in reports if r.file_id])
    return [_summary(r, statuses) for r in reports]


def _delivery_statuses(file_ids: list[int]) -> dict[int, str]:
    """The latest outbox status of each collection file."""
    statuses: dict[int, str] = {}
    for start in range(0, len(file_ids), 500):
        query = (
            OutboxFile.select(OutboxFile.collection_file, OutboxFile.status)
            .where(OutboxFile.collection_file.in_(file_ids[start : start + 500]))
            .order_by(OutboxFile.id)
            .tuples()
        )
        statuses.update(dict(query))
    return statuses


def _summary(report: BalanceReport, statuses: dict[int, str]) -> ReportSummary:
    cf = report.file if report.file_id else None
    owner = report.owner if report.owner_id else None
    path = cf.path if cf else ""
    shown = _display_path(path)
    return ReportSummary(
        report_id=report.id,
        file_id=cf.file_id if cf else "",
        path=shown,
        created_at=report.created_at,
        created_by=report.created_by,
        owner_code=owner.code if owner else "",
        owner_name=owner.name if owner else "",
        corrections=report.corrections,
        amount=report.amount,
        file_exists=bool(shown) and Path(shown).exists(),
        pending=bool(path) and bf.is_temp_path(path),
        delivery_status=statuses.get(cf.id, "") if cf else "",
    )


def _report(report_id: int) -> BalanceReport:
    report = BalanceReport.get_or_none(BalanceReport.id == report_id)
    if report is None:
        raise NotFound(f"saldofil (rapport) {report_id} finns inte")
    return report


def report_detail(
    report_id: int, *, offset: int = 0, limit: int | None = None
) -> ReportDetail:
    """One earlier file and the corrections it reported (a page of them, when asked)."""
    report = _report(report_id)
    statuses = _delivery_statuses([report.file_id] if report.file_id else [])
    query = _list_query(*_ROW_COLUMNS).where(ReportedCorrection.report == report_id)
    rows = _page(query, offset, limit, "pay_date", False)
    return ReportDetail(_summary(report, statuses), rows)


def rewrite_report(report_id: int, out: Path | str) -> RewriteResult:
    """Write an earlier file again from its recorded corrections: same file id, same content.

    ``out`` is a folder (the file keeps its name) or a file name; an existing file is never
    overwritten. ``identical`` tells whether the content matches the recorded SHA-256 (it does
    unless a customer's or owner's details changed since).
    """
    report = _report(report_id)
    cf = _file_of(report)
    target = Path(out).expanduser()
    if target.is_dir():
        target = target / _display_name(cf.path)
    header = _recorded_header(report, cf)
    try:
        with bf.read_snapshot():
            write_balance_file(target, header, _recorded_corrections(report.id))
    except (OSError, BalanceXmlError) as exc:
        raise BalanceFileError(f"{exc}; ingen fil skrevs") from None
    identical = bf.sha256_of(target) == cf.sha256
    with write_transaction():
        audit.record("balance_file.rewritten", "balance_report", report.id,
                     f"{cf.file_id} -> {target}" + ("" if identical else " (innehållet skiljer sig)"))
    return RewriteResult(target.resolve(), cf.file_id, report.corrections, report.amount, identical)


def _file_of(report: BalanceReport) -> CollectionFile:
    cf = CollectionFile.get_or_none(CollectionFile.id == report.file_id) if report.file_id else None
    if cf is None:
        raise UserError(f"saldofil (rapport) {report.id} har ingen fil registrerad")
    return cf


def _display_name(path: str) -> str:
    return Path(_display_path(path)).name


def resend_report(report_id: int) -> DeliveryResult:
    """Queue an earlier file for delivery again and send it now (through the outbox).

    A file already on the server is found there and not sent twice (the outbox's rule). Refused
    when no upload server is set, or when the local file is gone (write it again first).
    """
    report = _report(report_id)
    cf = _file_of(report)
    if bf.is_temp_path(cf.path):
        recover_balance_files()
        cf = CollectionFile.get_by_id(cf.id)
    path = Path(cf.path)
    if not path.exists():
        raise UserError(f"{path}: filen finns inte längre; skriv den igen (rewrite) och skicka sedan")
    row = (OutboxFile.select().where(OutboxFile.collection_file == cf.id)
           .order_by(OutboxFile.id.desc()).first())
    if row is not None:
        result = outbox.resend(row.id)
    else:
        if not get_setting("collection.upload_url"):
            raise outbox.DeliveryConfigError(
                "ingen FTP-server är inställd (collection.upload_url); filen kan inte skickas"
            )
        with write_transaction():
            row = outbox.enqueue_delivery(path, kind=FILE_KIND, collection_file_id=cf.id)
        assert row is not None
        result = outbox.deliver_pending(only_ids=[row.id])[0]
    with write_transaction():
        audit.record("balance_file.resent", "balance_report", report.id,
                     f"{cf.file_id}: {DELIVERY_LABELS.get(result.status, result.status)}")  # type: ignore[call-overload]
    return result
