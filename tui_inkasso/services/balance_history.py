"""Earlier balance files (Saldofiler): the list, one file's corrections, write again, send again.

Every file a run created has a ``BalanceReport`` (its owner, count and sum) and the corrections it
reported (``ReportedCorrection``); from those a file is written again with the same content
(:func:`rewrite_report`) or queued for delivery again (:func:`resend_report`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from peewee import JOIN

from tui_inkasso.db.bulk import fetch_in_chunks
from tui_inkasso.db.models import (
    BalanceReport,
    CollectionFile,
    OutboxFile,
    Owner,
    ReportedCorrection,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.formats.balance_xml import BalanceXmlError, write_balance_file
from tui_inkasso.services import audit, outbox, publishing
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services.balance_corrections import (
    FILE_KIND,
    ROW_COLUMNS,
    CorrectionRow,
    display_path,
    list_query,
    recorded_corrections,
    recorded_header,
    rows_page,
)
from tui_inkasso.services.balance_recovery import recover_balance_files
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.outbox import DeliveryResult
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.transaction import write_transaction


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
        return outbox.status_label(self.delivery_status)

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


# =========================================================================== history


@reads
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
    query = OutboxFile.select(OutboxFile.collection_file, OutboxFile.status).order_by(OutboxFile.id)
    return dict(fetch_in_chunks(lambda part: tuple_rows(query.where(OutboxFile.collection_file.in_(part))), file_ids))


def _summary(report: BalanceReport, statuses: dict[int, str]) -> ReportSummary:
    cf = report.file if report.file_id else None
    owner = report.owner if report.owner_id else None
    path = cf.path if cf else ""
    shown = display_path(path)
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


@reads
def report_detail(
    report_id: int, *, offset: int = 0, limit: int | None = None
) -> ReportDetail:
    """One earlier file and the corrections it reported (a page of them, when asked)."""
    report = _report(report_id)
    statuses = _delivery_statuses([report.file_id] if report.file_id else [])
    query = list_query(*ROW_COLUMNS).where(ReportedCorrection.report == report_id)
    rows = rows_page(query, offset, limit, "pay_date", False)
    return ReportDetail(_summary(report, statuses), rows)


@requires(StaffRole.CLERK, "skriva saldofiler igen")
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
    header = recorded_header(report, cf)
    try:
        with bf.read_snapshot():
            write_balance_file(target, header, recorded_corrections(report.id))
    except (OSError, BalanceXmlError) as exc:
        raise bf.BalanceFileError(f"{exc}; ingen fil skrevs") from None
    identical = publishing.sha256_of(target) == cf.sha256
    with write_transaction():
        audit.record("balance_file.rewritten", "balance_report", report.id,
                     {"file_id": cf.file_id, "target": str(target), "identical": identical})
    return RewriteResult(target.resolve(), cf.file_id, report.corrections, report.amount, identical)


def _file_of(report: BalanceReport) -> CollectionFile:
    cf = CollectionFile.get_or_none(CollectionFile.id == report.file_id) if report.file_id else None
    if cf is None:
        raise UserError(f"saldofil (rapport) {report.id} har ingen fil registrerad")
    return cf


def _display_name(path: str) -> str:
    return Path(display_path(path)).name


@requires(StaffRole.CLERK, "skicka saldofiler")
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
                     f"{cf.file_id}: {outbox.status_label(result.status)}")
    return result
