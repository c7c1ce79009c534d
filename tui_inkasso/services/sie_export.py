"""`tui-inkasso sie-export`: an owner's vouchers as a SIE 4I file for its accounting, each once.

One file per owner (each owner is its own company with its own organisation number and
accounts): with ``owner_code`` the file is ``target``; without it ``target`` is a folder that gets
one file per owner that has vouchers to export, ``<OWNER>_<from>_<to>.si`` (``-2``, ``-3`` ...
when an earlier export of the same days has that name). Vouchers are read with a streaming
cursor (rows joined to their voucher, in date and number order), so a year of a large ledger is
written in constant memory; each file is written atomically.

**Every voucher is exported exactly once.** An export takes the vouchers no export has carried
yet (``Voucher.sie_export`` is NULL), whatever their date; a date range only narrows that. The
export records itself (``SieExport``: owner, file, period, count, SHA-256) and marks each voucher
it wrote, in one transaction with the file's rename, so a voucher booked late (a bank file dated
3 December imported after the 1-4 December export) goes into the next export instead of into
none. Exporting a period again finds nothing new and is refused, naming the earlier export;
``again=True`` (``--again``) writes a copy of everything in the period on purpose (its vouchers
keep their first export; any never exported before are marked by this one). When some vouchers
of the period were exported before and some not, only the new ones are written and the result
says how many were left out.

The voucher series is one letter per export kind ("I" for the payments, charges and allocations
of this program, by default); the voucher number is the owner's voucher number, so a number seen
in the accounting system leads back to the voucher here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import peewee as pw

from tui_inkasso import __version__
from tui_inkasso.db.bulk import execute_many
from tui_inkasso.db.models import Account, Owner, SieExport, Voucher, VoucherRow
from tui_inkasso.db.rows import iter_tuple_rows, tuple_row, tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.fileio import FileNameError, atomic_write, file_in, make_folder, name_part
from tui_inkasso.formats.sie import SieHeader, SieTransaction, SieVoucher, write_sie
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now, today
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.stored_values import stored_date
from tui_inkasso.services.transaction import write_transaction

DEFAULT_SERIES = "I"


class SieExportError(UserError):
    """An export that cannot be made (no such owner, wrong dates, a target that exists, nothing
    new to export)."""


@dataclass(frozen=True)
class SieFile:
    """One file written: whose, where, how many vouchers, which characters were replaced."""

    owner_code: str
    path: Path
    vouchers: int
    transactions: int
    replaced: dict[str, str]
    skipped: int = 0
    """Vouchers of the period left out because an earlier export carried them."""


@dataclass(frozen=True)
class SieExportResult:
    """Every file of an export."""

    from_date: dt.date | None
    to_date: dt.date | None
    files: tuple[SieFile, ...]
    again: bool = False
    skipped: int = 0
    """Vouchers of the period left out (exported before), over all owners."""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def vouchers(self) -> int:
        """Vouchers in all files."""
        return sum(f.vouchers for f in self.files)


@dataclass
class _Plan:
    """One owner's file: where it goes and which vouchers it takes."""

    owner: Owner
    path: Path | None
    where: pw.Expression
    count: int
    skipped: int
    first: dt.date | None = None
    last: dt.date | None = None
    written: list[int] = field(default_factory=list)


@requires(StaffRole.CLERK, "exportera bokföringen (SIE)")
def export_sie(
    target: str | Path,
    *,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    owner_code: str | None = None,
    series: str = DEFAULT_SERIES,
    overwrite: bool = False,
    again: bool = False,
) -> SieExportResult:
    """Write the vouchers not yet exported (in [from_date, to_date] when given) as SIE 4I, one
    file per owner, and record that they were; ``again`` copies the whole period on purpose."""
    if from_date and to_date and to_date < from_date:
        raise SieExportError(f"--to {to_date} ligger före --from {from_date}")
    if again and not (from_date and to_date):
        raise SieExportError("--again skriver en kopia av en period: ange --from och --to")
    if not series or any(ch.isspace() or ch == '"' for ch in series):
        raise SieExportError(f"serien {series!r} måste vara ett ord utan blanksteg eller citattecken")
    target = Path(target).expanduser()
    owners = _owners(target, owner_code)
    plans = [_plan(owner, from_date, to_date, again) for owner in owners]
    skipped = sum(p.skipped for p in plans)
    plans = [p for p in plans if p.count]
    if not plans:
        if skipped:
            raise SieExportError(_nothing_new(owners, from_date, to_date, skipped))
        return SieExportResult(from_date, to_date, (), again)
    if owner_code is not None:
        plans[0].path = target
    else:
        make_folder(target)
        for plan in plans:
            plan.path = _owner_file(target, plan.owner.code, from_date or plan.first, to_date or plan.last,
                                    overwrite)
    files = _write_and_record(plans, from_date, to_date, series, overwrite, again)
    warnings: tuple[str, ...] = ()
    if skipped:
        warnings = (f"{skipped} verifikationer i perioden exporterades redan och togs inte med "
                    f"(--again skriver en kopia av hela perioden).",)
    return SieExportResult(from_date, to_date, tuple(files), again, skipped, warnings)


def _owners(target: Path, owner_code: str | None) -> list[Owner]:
    if owner_code is not None:
        owner = Owner.get_or_none(Owner.code == owner_code)
        if owner is None:
            known = ", ".join(o.code for o in Owner.select(Owner.code).order_by(Owner.code))
            raise NotFound(f"ägare {owner_code!r} finns inte (finns: {known or 'inga'})")
        if target.is_dir():
            raise SieExportError(f"{target} är en mapp; ange en fil, eller utelämna --owner för en fil per ägare")
        return [owner]
    if target.exists() and not target.is_dir():
        raise SieExportError(f"{target} är en fil; utan --owner skrivs en fil per ägare i en mapp")
    return list(Owner.select().order_by(Owner.code))


def _period(from_date: dt.date | None, to_date: dt.date | None) -> pw.ColumnBase:
    expression: pw.ColumnBase = pw.SQL("1 = 1")
    if from_date is not None:
        expression &= Voucher.date >= from_date
    if to_date is not None:
        expression &= Voucher.date <= to_date
    return expression


def _plan(owner: Owner, from_date: dt.date | None, to_date: dt.date | None, again: bool) -> _Plan:
    """What the owner's file takes: the new vouchers (or, with ``again``, all of the period)."""
    in_period = (Voucher.owner == owner.id) & _period(from_date, to_date)
    where = in_period if again else in_period & Voucher.sie_export.is_null()
    count, first, last = tuple_row(Voucher.select(pw.fn.COUNT(Voucher.id), pw.fn.MIN(Voucher.date),
                                                  pw.fn.MAX(Voucher.date)).where(where))
    skipped = 0 if again else Voucher.select().where(in_period & Voucher.sie_export.is_null(False)).count()
    return _Plan(owner, None, where, count or 0, skipped,
                 stored_date(first) if first else None, stored_date(last) if last else None)


def _nothing_new(owners: list[Owner], from_date: dt.date | None, to_date: dt.date | None, skipped: int) -> str:
    """Why an export of a period exported before is refused, naming the last export."""
    period = f"{from_date or 'början'}–{to_date or 'slutet'}"
    last = (SieExport.select().where(SieExport.owner.in_([o.id for o in owners]))
            .order_by(SieExport.created_at.desc(), SieExport.id.desc()).first())
    when = f"; senast {last.created_at:%Y-%m-%d %H:%M} till {last.path}" if last else ""
    return (f"alla {skipped} verifikationer {period} är redan exporterade{when}. Inget nytt att "
            f"exportera; --again skriver en kopia av perioden med flit.")


def _owner_file(folder: Path, code: str, first: dt.date | None, last: dt.date | None, overwrite: bool) -> Path:
    """``<OWNER>_<from>_<to>.si`` in ``folder``, ``-2``, ``-3`` ... when taken: the code as a
    plain name part (an owner code stored before the import checked it, ``../../OWN``, must not
    lead out of the folder)."""
    start = f"{first:%Y%m%d}" if first else "start"
    end = f"{last:%Y%m%d}" if last else "slut"
    stem = f"{name_part(code)}_{start}_{end}"
    try:
        path = file_in(folder, f"{stem}.si")
        counter = 2
        while path.exists() and not overwrite:
            path = file_in(folder, f"{stem}-{counter}.si")
            counter += 1
    except FileNameError as exc:
        raise SieExportError(str(exc)) from None
    return path


class _Digest:
    """A binary handle that passes writes on and keeps their SHA-256."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return self.handle.write(data)


def _write_and_record(plans: list[_Plan], from_date: dt.date | None, to_date: dt.date | None, series: str,
                      overwrite: bool, again: bool) -> list[SieFile]:
    """Write every file under its temporary name, record the export and mark the vouchers in
    one transaction, then let the files take their names: all or nothing."""
    files: list[SieFile] = []
    with contextlib.ExitStack() as stack:
        digests = []
        for plan in plans:
            assert plan.path is not None
            handle = stack.enter_context(atomic_write(plan.path, overwrite=overwrite))
            digest = _Digest(handle)
            stats = write_sie(digest, _header(plan), _sie_vouchers(plan, series))  # type: ignore[arg-type]  # write_sie only write()s
            digests.append(digest.sha.hexdigest())
            files.append(SieFile(plan.owner.code, plan.path, stats.vouchers, stats.transactions,
                                 dict(stats.replaced), plan.skipped))
        with write_transaction():
            for plan, sha in zip(plans, digests, strict=True):
                _record(plan, sha, from_date, to_date, again)
            audit.record("sie.exported", "sie", ", ".join(p.path.name for p in plans if p.path)[:100], {
                "from": from_date.isoformat() if from_date else None,
                "to": to_date.isoformat() if to_date else None, "again": again,
                "files": [{"owner": f.owner_code, "file": str(f.path), "vouchers": f.vouchers,
                           "skipped": f.skipped} for f in files]})
    return files


def _record(plan: _Plan, sha: str, from_date: dt.date | None, to_date: dt.date | None, again: bool) -> None:
    """The export's row, and each voucher it wrote marked as carried by it (a copy marks only
    those no export had carried). Another export that marked them first rolls this one back."""
    assert plan.path is not None
    export = SieExport.create(owner=plan.owner.id, created_at=now(), created_by=current_user(),
                              path=str(plan.path), from_date=from_date or plan.first,
                              to_date=to_date or plan.last, vouchers=len(plan.written), again=again, sha256=sha)
    if again:
        execute_many('UPDATE "voucher" SET "sie_export_id" = ? WHERE "id" = ? AND "sie_export_id" IS NULL',
                     [(export.id, vid) for vid in plan.written])
        return
    execute_many('UPDATE "voucher" SET "sie_export_id" = ? WHERE "id" = ? AND "sie_export_id" IS NULL',
                 [(export.id, vid) for vid in plan.written])
    marked = Voucher.select().where(Voucher.sie_export == export.id).count()
    if marked != len(plan.written):
        raise SieExportError(f"en annan export tog {len(plan.written) - marked} av ägaren {plan.owner.code}s "
                             f"verifikationer samtidigt; ingen fil skrevs, försök igen")


def _header(plan: _Plan) -> SieHeader:
    return SieHeader(
        program="tui-inkasso",
        version=__version__,
        generated_on=today(),
        generated_by=current_user(),
        org_no=plan.owner.org_no,
        company_name=plan.owner.name,
        accounts=_used_accounts(plan),
    )


def _used_accounts(plan: _Plan) -> tuple[tuple[str, str], ...]:
    """(number, name) of the accounts the file's vouchers use; the name from the owner's
    account mapping (its name, else its role), else "Konto NNNN"."""
    used = tuple_rows(VoucherRow.select(VoucherRow.account).join(Voucher).where(plan.where).distinct())
    names: dict[str, str] = {}
    accounts = (Account.select(Account.number, Account.name, Account.role)
                .where(Account.owner == plan.owner.id).order_by(Account.id))
    for number, name, role in tuple_rows(accounts):
        names.setdefault(number, name or role)
    numbers = sorted({row[0] for row in used}, key=lambda n: (len(n), n))
    return tuple((number, names.get(number, f"Konto {number}")) for number in numbers)


def _sie_vouchers(plan: _Plan, series: str) -> Iterator[SieVoucher]:
    """The file's vouchers with their rows, from one streamed, ordered query; each voucher's id
    is noted in ``plan.written`` so the export can mark exactly what it wrote."""
    query = (
        VoucherRow.select(Voucher.id, Voucher.number, Voucher.date, Voucher.text, VoucherRow.account,
                          VoucherRow.amount)
        .join(Voucher)
        .where(plan.where)
        .order_by(Voucher.date, Voucher.number, VoucherRow.id)
    )
    current: tuple[int, int, dt.date, str] | None = None
    rows: list[SieTransaction] = []
    for voucher_id, number, date, text, account, amount in iter_tuple_rows(query):
        if current is not None and current[0] != voucher_id:
            plan.written.append(current[0])
            yield SieVoucher(series, current[1], stored_date(current[2]), current[3], tuple(rows))
            rows = []
        current = (voucher_id, number, date, text)
        rows.append(SieTransaction(account, amount))
    if current is not None:
        plan.written.append(current[0])
        yield SieVoucher(series, current[1], stored_date(current[2]), current[3], tuple(rows))
