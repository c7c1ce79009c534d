"""Importing bank payment files (BgMax, Total IN): analyse first, then book the whole file at once.

The screen, the CLI and the daemon share two steps:

1. :func:`analyse_payment_file` reads the file and matches every payment WITHOUT writing
   (``services.payment_plan``): the summary staff see before anything is booked
   (``services.payment_report``: deposits, payments, sum, matched, unmatched, from the agency,
   overpayments, deductions, warnings) and the verdict (why the file would be refused).
2. :func:`import_payment_file` does the same inside ONE write transaction and books every payment
   through one :class:`tui_inkasso.services.booking.PaymentBatch`; a refusal, an error or a killed
   process leaves nothing behind. :func:`import_payment_files` runs several files, each in its own
   transaction, and reports per file.

Unmatched payments are booked to the owner whose bankgiro/plusgiro received them (as a
prepayment, status ``unmatched``) and wait for a hand allocation (``services.unmatched_payments``).
Deductions (negative amounts) are booked as negative payments: on their invoice when the
reference matches (the balance rises again), else unmatched. Each one is listed in the log.
The rules of matching and of ``bank_ref`` are in ``services.payment_matching``,
``services.payment_refusals`` and docs/payments.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    ChargeSettlement,
    Invoice,
    InvoiceCharge,
    Payment,
    PaymentFile,
    Voucher,
    VoucherRow,
)
from tui_inkasso.db.statistics import refresh_statistics, stale_tables
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.formats.payment_file import PaymentFile as BankFile
from tui_inkasso.gc_pause import gc_paused
from tui_inkasso.services import audit
from tui_inkasso.services.booking import Booked, PaymentBatch, PaymentIn
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import BookingError, UserError
from tui_inkasso.services.payment_matching import Part, PlannedPayment
from tui_inkasso.services.payment_plan import PreparedFile, prepare
from tui_inkasso.services.payment_refusals import (
    PaymentImportError,
    Refusal,
    read_bank_file,
    refused,
)
from tui_inkasso.services.payment_report import ImportSummary, summarise
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.publishing import crash_point
from tui_inkasso.services.transaction import is_postgres, write_transaction

BOOK_CHUNK = 5000
"""Payments handed to the ``PaymentBatch`` at a time: bounds the memory of a 100,000-payment file
(the booking's plan is a few dicts per payment); every chunk is in the same transaction."""

ANALYZE_FROM = 10_000
"""From this many payments in a file, the tables it booked into get fresh planner statistics after
the commit (``db/statistics.py``): the lists of payments and vouchers are planned from them. On
PostgreSQL only the tables it changed by a tenth or more (``stale_tables``)."""

BOOKED_TABLES = (Payment, Voucher, VoucherRow, ChargeSettlement, InvoiceCharge, Invoice)
"""The tables a payment file's booking writes."""

ADVISORY_LOCK_KEY = 727_274_205
"""PostgreSQL advisory lock held for the transaction of an import, so that two imports of
different copies of the same bank file cannot both pass the duplicate check."""

Progress = Callable[[int, int], object]
"""``progress(done, total)``: payments booked so far (called after each chunk; what it returns is
not used)."""


@dataclass(frozen=True)
class ImportPlan:
    """The analysis of a file: its summary and why it would be refused (nothing written)."""

    path: str
    summary: ImportSummary
    refusals: tuple[Refusal, ...]
    _planned: list[PlannedPayment] = field(default_factory=list, repr=False, compare=False)

    @property
    def can_import(self) -> bool:
        """True when nothing stops the import."""
        return not self.refusals

    @property
    def only_refused_as_test(self) -> bool:
        """True when the one obstacle is that the file is a test file (allow_test would pass)."""
        return bool(self.refusals) and all(r.kind == "test" for r in self.refusals)


@dataclass(frozen=True)
class ImportResult:
    """What happened to one file: imported, checked (dry run), refused or failed."""

    path: str
    status: str
    """"imported", "dry_run", "refused" or "failed"."""
    summary: ImportSummary | None = None
    payment_file_id: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the file was imported (or would be, for a dry run)."""
        return self.status in ("imported", "dry_run")


# ------------------------------------------------------------------------------------ entry points


@reads
def analyse_payment_file(path: str | Path, *, allow_test: bool = False) -> ImportPlan:
    """Read and match ``path`` without writing; raises PaymentImportError when it cannot be read."""
    bank_file, sha = read_bank_file(path)
    return _plan(bank_file, sha, str(path), allow_test=allow_test, lock=False)


@requires(StaffRole.CLERK, "läsa in betalfiler")
def import_payment_file(
    path: str | Path,
    *,
    dry_run: bool = False,
    allow_test: bool = False,
    expected_sha256: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Book every payment of ``path`` in one transaction; raises PaymentImportError when refused.

    ``expected_sha256`` (from the analysis staff confirmed) refuses a file that changed since.
    ``dry_run`` analyses only and returns what the import would do.
    """
    with gc_paused():
        return _import(path, dry_run=dry_run, allow_test=allow_test, expected_sha256=expected_sha256,
                       progress=progress)


def _import(
    path: str | Path, *, dry_run: bool, allow_test: bool, expected_sha256: str | None, progress: Progress | None
) -> ImportResult:
    bank_file, sha = read_bank_file(path)
    name = Path(path).name
    if expected_sha256 is not None and sha != expected_sha256:
        raise PaymentImportError(name, "filen har ändrats sedan sammanställningen visades; läs in den igen")
    if dry_run:
        plan = _plan(bank_file, sha, str(path), allow_test=allow_test, lock=False)
        if plan.refusals:
            raise refused(name, plan.refusals)
        return ImportResult(str(path), "dry_run", plan.summary)
    try:
        with write_transaction():
            if is_postgres():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
            prepared = prepare(bank_file, sha, allow_test=allow_test, lock=True, splits=False)
            if prepared.refusals:
                raise refused(name, prepared.refusals)
            file_id, summary = _book(name, prepared, progress)
            stale = stale_tables(BOOKED_TABLES) if len(prepared.planned) >= ANALYZE_FROM else []
            crash_point("payments-before-commit")
        crash_point("payments-after-commit")
    except pw.IntegrityError as exc:
        raise PaymentImportError(
            name, f"filen eller en av dess betalningar bokfördes samtidigt av någon annan; inget sparades ({exc})"
        ) from None
    except BookingError as exc:
        raise PaymentImportError(name, f"kunde inte bokföras, inget sparades: {exc}") from None
    if stale:
        refresh_statistics(stale)
    return ImportResult(str(path), "imported", summary, file_id)


@requires(StaffRole.CLERK, "läsa in betalfiler")
def import_payment_files(
    paths: Sequence[str | Path],
    *,
    dry_run: bool = False,
    allow_test: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ImportResult]:
    """Import each file in its own transaction; a refused or failing file does not stop the rest."""
    results: list[ImportResult] = []
    for path in paths:
        report = (lambda done, total, p=str(path): progress(p, done, total)) if progress else None
        try:
            results.append(import_payment_file(path, dry_run=dry_run, allow_test=allow_test, progress=report))
        except UserError as exc:
            results.append(ImportResult(str(path), "refused", message=str(exc)))
        except Exception as exc:  # one broken file must not stop the others; the reason is kept
            results.append(ImportResult(str(path), "failed", message=f"{Path(path).name}: {type(exc).__name__}: {exc}"))
    return results


# ------------------------------------------------------------------------------------ analysis


def _plan(bank_file: BankFile, sha: str, path: str, *, allow_test: bool, lock: bool) -> ImportPlan:
    """The analysis: refusals, every payment's plan, and the summary from simulated splits."""
    prepared = prepare(bank_file, sha, allow_test=allow_test, lock=lock, splits=True)
    summary = summarise(Path(path).name, prepared, booked=None)
    return ImportPlan(path, summary, tuple(prepared.refusals), prepared.planned)


# ------------------------------------------------------------------------------------ booking


def _book(name: str, prepared: PreparedFile, progress: Progress | None) -> tuple[int, ImportSummary]:
    """The file's row, every payment through one :class:`PaymentBatch` (in chunks: on PostgreSQL
    the server stores one while the next is planned), the audit entry."""
    bank_file, planned = prepared.bank_file, prepared.planned
    file_row = PaymentFile.create(
        file_name=name[:500],
        sha256=prepared.sha256,
        format=bank_file.format,
        bank_file_id=bank_file.file_id[:100],
        imported_at=now(),
        imported_by=current_user(),
        payments=len(bank_file.payments),
        amount=bank_file.total_amount,
    )
    booked: list[list[Booked]] = []
    total = len(planned)
    parts = [part for item in planned for part in item.parts]
    batch = PaymentBatch([p.invoice_id for p in parts if p.invoice_id is not None],
                         {item.owner_id for item in planned if item.owner_id}, len(parts))
    with batch.writing():
        for chunk in pw.chunked(planned, BOOK_CHUNK):
            items = [_payment_in(item, part, file_row.id) for item in chunk for part in item.parts]
            results = iter(batch.book(items))
            booked.extend([next(results) for _ in item.parts] for item in chunk)
            crash_point("payments-booking")
            if progress:
                progress(len(booked), total)
        batch.settled_in_background()
        done = summarise(name, prepared, booked=booked)  # while the writer updates the invoices
    audit.record(
        "payments.imported", "payment_file", file_row.id,
        f"{name} ({done.format_label}): {done.payments} betalningar, {format_kronor(done.amount)}; "
        f"{done.matched} matchade, {done.unmatched} ej matchade, {done.collection_payments} från inkassobolaget",
    )
    return file_row.id, done


def _payment_in(item: PlannedPayment, part: Part, file_id: int) -> PaymentIn:
    p = item.payment
    note = item.note if part.invoice_id is None or part.bank_ref == item.parts[0].bank_ref else ""
    if len(item.parts) > 1:
        note = f"del av betalning på rad {p.line}; {note}".rstrip("; ")
    return PaymentIn(
        amount=part.amount,
        pay_date=p.pay_date,
        method=item.method,
        invoice_id=part.invoice_id,
        owner_id=item.owner_id if part.invoice_id is None else None,
        reference=p.reference or (p.extra_references[0] if p.extra_references else ""),
        sender_account=p.sender_account,
        payer_name=p.display_name,
        bank_ref=part.bank_ref,
        payment_file_id=file_id,
        note=note,
    )
