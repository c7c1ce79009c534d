"""The balance-file run: every unreported correction to the agency's XML file, one per owner.

:func:`create_balance_file` is what the wizard's last step, ``tui-inkasso balance create`` and the
daemon's "Skapa saldofil" call. Which payments are corrections and what a file holds is in
``services.balance_corrections``; how a file is put on disk so that a crash loses and
duplicates nothing is in ``services.balance_files`` (on ``services.publishing``); a run that
died half-way is finished by ``services.balance_recovery`` (which every run calls first).
docs/balance-corrections.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import peewee as pw
from peewee import fn

from tui_inkasso.db.models import (
    CollectionFile,
    Invoice,
    OutboxFile,
    Owner,
    Payment,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats.balance_xml import BalanceFileHeader
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services import outbox, publishing
from tui_inkasso.services.balance_corrections import (
    NOTHING_TO_REPORT,
    correction_query,
    corrections_text,
    dashed_id,
    file_corrections,
    is_correction,
    not_reported,
)
from tui_inkasso.services.balance_recording import Recorded, Recorder, RunFile
from tui_inkasso.services.balance_recovery import (
    RecoveryAction,
    finish_record,
    recover_balance_files,
)
from tui_inkasso.services.clock import now
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.outbox import DeliveryResult
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import output_dir


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
    entry: RunFile


@requires(StaffRole.CLERK, "skapa saldofiler")
def create_balance_file(
    out: Path | None = None, *, selection: Selection | None = None
) -> BalanceFileResult:
    """Write every unreported correction (within ``selection``) to the agency's XML file.

    One file per owner (the header names one creditor), named ``saldo-<owner>-<date>-<time>.xml``
    in ``collection.output_dir``, or in ``out`` when that is a folder; when ``out`` is a file
    name, that name (with ``-<owner>`` added when there are several owners). Steps: temporary
    files written and validated (fsynced) → ONE transaction records files, reports and every
    reported correction (unique per payment), committed once every file is written (on
    PostgreSQL it stores the rows while the files are written: ``services.balance_recording``) →
    each file renamed, its record set to the final name and queued for upload → upload
    attempted. A concurrent run that reported some of the same corrections first makes this one
    fail with Conflict (nothing recorded, no file). Any crash is finished by
    :func:`recover_balance_files`, which runs first.
    """
    folder, exact_name = _target(out)
    recovered = tuple(recover_balance_files(extra_dirs=[folder]))
    if selection is not None:
        validate_selection(selection)
    with publishing.folder_lock(folder, exclusive=False, wait=True), Recorder() as recorder:
        written: list[_Written] = []
        try:
            _write_files(folder, exact_name, selection or Selection(), recorder, written)
            if not written:
                return BalanceFileResult(None, 0, 0, recovered=recovered)
            publishing.crash_point("after-write")
            recorded = recorder.commit()
        except BaseException:
            bf.discard(w.plan for w in written)
            raise
        publishing.crash_point("after-commit")
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


def _write_files(
    folder: Path, exact_name: str | None, selection: Selection, recorder: Recorder,
    written: list[_Written],
) -> None:
    """Every owner's temporary file, written from one snapshot of the database (appended to
    ``written`` as each is planned, so that the caller can discard them after any error)."""
    stamp = now()
    with bf.read_snapshot():
        groups = _owner_groups(selection)
        for group in groups:
            plan = _plan(folder, exact_name, group, stamp, several=len(groups) > 1)
            entry = recorder.add_file(plan, group.owner_id, group.count, group.amount, stamp)
            written.append(_Written(plan, group, entry))
            header = BalanceFileHeader(
                plan.file_id, stamp, group.name, dashed_id(group.org_no), group.count, group.amount
            )
            stream = bf.stream_tuples(correction_query(
                apply_selection(_stream_base().where(
                    is_correction() & not_reported() & (Invoice.owner == group.owner_id)
                ), selection), whole_first=recorder.background
            ))
            crash_at = max(1, group.count // 2) if len(written) == 1 else 0
            with contextlib.closing(stream) as rows:  # at once on an error, not when it is garbage
                sha = bf.write_plan(plan, header, file_corrections(rows, entry.remember, crash_at),
                                    f"{group.code} ({group.name})")
            recorder.written(entry, sha)


def _owner_groups(selection: Selection) -> list[_OwnerGroup]:
    query = apply_selection(
        Payment.select(Invoice.owner, fn.COUNT(Payment.id), fn.SUM(Payment.amount))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .where(is_correction() & not_reported())
        .group_by(Invoice.owner),
        selection,
    )
    totals = {owner_id: (count, int(amount or 0)) for owner_id, count, amount in tuple_rows(query)}
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


def _stream_base() -> pw.ModelSelect[Payment]:
    """Payments with their invoice (the selection's columns are the invoice's)."""
    return Payment.select(Payment.id).join(Invoice, on=(Payment.invoice == Invoice.id))


def _place_all(written: list[_Written], recorded: list[Recorded]) -> list[OutboxFile | None]:
    """Rename each file to its final name and finish its record (queue it for upload)."""
    rows: list[OutboxFile | None] = []
    last = len(written) - 1
    for index, (w, rec) in enumerate(zip(written, recorded, strict=True)):
        if index == last:
            publishing.crash_point("before-rename")
        bf.place(w.plan)
        if index == last:
            publishing.crash_point("after-rename")
        rows.append(finish_record(rec.collection_file_id, w.plan.temp, w.plan.final))
    return rows


def _result(
    written: list[_Written], recorded: list[Recorded], rows: list[OutboxFile | None],
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
        return DeliveryInfo(row.id, status, outbox.status_label(status),
                            fresh.last_error if fresh else "")
    return _delivery_info(result)


def _delivery_info(result: DeliveryResult) -> DeliveryInfo:
    label = outbox.status_label(result.status)
    return DeliveryInfo(result.outbox_id, result.status, label, result.error, result.remote_path)
