"""`tui-inkasso sie-export`: an owner's vouchers of a period as a SIE 4I file for its accounting.

One file per owner (each owner is its own company with its own organisation number and
accounts): with ``owner_code`` the file is ``target``; without it ``target`` is a folder that gets
one file per owner that has vouchers in the period, ``<OWNER>_<from>_<to>.si``. Vouchers are read
with a streaming cursor (rows joined to their voucher, in date and number order), so a year of a
large ledger is written in constant memory; each file is written atomically.

The voucher series is one letter per export kind ("I" for the payments and allocations of this
program, by default); the voucher number is the owner's voucher number, so a number seen in the
accounting system leads back to the voucher here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from tui_inkasso import __version__
from tui_inkasso.db.models import Account, Owner, Voucher, VoucherRow
from tui_inkasso.fileio import FileNameError, atomic_write, file_in, make_folder, name_part
from tui_inkasso.formats.sie import SieHeader, SieTransaction, SieVoucher, write_sie
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, today
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.stored_values import stored_date
from tui_inkasso.services.transaction import write_transaction

DEFAULT_SERIES = "I"


class SieExportError(UserError):
    """An export that cannot be made (no such owner, wrong dates, a target that exists)."""


@dataclass(frozen=True)
class SieFile:
    """One file written: whose, where, how many vouchers, which characters were replaced."""

    owner_code: str
    path: Path
    vouchers: int
    transactions: int
    replaced: dict[str, str]


@dataclass(frozen=True)
class SieExportResult:
    """Every file of an export."""

    from_date: dt.date
    to_date: dt.date
    files: tuple[SieFile, ...]

    @property
    def vouchers(self) -> int:
        """Vouchers in all files."""
        return sum(f.vouchers for f in self.files)


def export_sie(
    target: str | Path,
    *,
    from_date: dt.date,
    to_date: dt.date,
    owner_code: str | None = None,
    series: str = DEFAULT_SERIES,
    overwrite: bool = False,
) -> SieExportResult:
    """Write the vouchers dated in [from_date, to_date] as SIE 4I, one file per owner."""
    if to_date < from_date:
        raise SieExportError(f"--to {to_date} ligger före --from {from_date}")
    if not series or any(ch.isspace() or ch == '"' for ch in series):
        raise SieExportError(f"serien {series!r} måste vara ett ord utan blanksteg eller citattecken")
    target = Path(target).expanduser()
    if owner_code is not None:
        owner = Owner.get_or_none(Owner.code == owner_code)
        if owner is None:
            known = ", ".join(o.code for o in Owner.select(Owner.code).order_by(Owner.code))
            raise NotFound(f"ägare {owner_code!r} finns inte (finns: {known or 'inga'})")
        if target.is_dir():
            raise SieExportError(f"{target} är en mapp; ange en fil, eller utelämna --owner för en fil per ägare")
        files = [_write_owner(owner, target, from_date, to_date, series, overwrite)]
    else:
        if target.exists() and not target.is_dir():
            raise SieExportError(f"{target} är en fil; utan --owner skrivs en fil per ägare i en mapp")
        make_folder(target)
        files = [
            _write_owner(owner, _owner_file(target, owner.code, from_date, to_date),
                         from_date, to_date, series, overwrite)
            for owner in Owner.select().order_by(Owner.code)
            if _vouchers(owner.id, from_date, to_date).exists()
        ]
    result = SieExportResult(from_date, to_date, tuple(files))
    with write_transaction():
        audit.record(
            "sie.exported", "sie", str(target),
            f"{from_date}–{to_date}: " + ", ".join(f"{f.owner_code} {f.vouchers} verifikationer" for f in files),
        )
    return result


def _owner_file(folder: Path, code: str, from_date: dt.date, to_date: dt.date) -> Path:
    """``<OWNER>_<from>_<to>.si`` in ``folder``: the code as a plain name part (an owner code
    stored before the import checked it, ``../../OWN``, must not lead out of the folder)."""
    try:
        return file_in(folder, f"{name_part(code)}_{from_date:%Y%m%d}_{to_date:%Y%m%d}.si")
    except FileNameError as exc:
        raise SieExportError(str(exc)) from None


def _vouchers(owner_id: int, from_date: dt.date, to_date: dt.date) -> pw.ModelSelect:
    return Voucher.select().where(
        (Voucher.owner == owner_id) & (Voucher.date >= from_date) & (Voucher.date <= to_date)
    )


def _write_owner(
    owner: Owner, path: Path, from_date: dt.date, to_date: dt.date, series: str, overwrite: bool
) -> SieFile:
    header = SieHeader(
        program="tui-inkasso",
        version=__version__,
        generated_on=today(),
        generated_by=current_user(),
        org_no=owner.org_no,
        company_name=owner.name,
        accounts=_used_accounts(owner.id, from_date, to_date),
    )
    with atomic_write(path, overwrite=overwrite) as handle:
        stats = write_sie(handle, header, _sie_vouchers(owner.id, from_date, to_date, series))
    return SieFile(owner.code, path, stats.vouchers, stats.transactions, dict(stats.replaced))


def _used_accounts(owner_id: int, from_date: dt.date, to_date: dt.date) -> tuple[tuple[str, str], ...]:
    """(number, name) of the accounts the period's vouchers use; the name from the owner's
    account mapping (its name, else its role), else "Konto NNNN"."""
    used = (
        VoucherRow.select(VoucherRow.account)
        .join(Voucher)
        .where((Voucher.owner == owner_id) & (Voucher.date >= from_date) & (Voucher.date <= to_date))
        .distinct()
        .tuples()
    )
    names: dict[str, str] = {}
    for number, name, role in Account.select(Account.number, Account.name, Account.role).where(
        Account.owner == owner_id
    ).order_by(Account.id).tuples():
        names.setdefault(number, name or role)
    numbers = sorted({row[0] for row in used}, key=lambda n: (len(n), n))
    return tuple((number, names.get(number, f"Konto {number}")) for number in numbers)


def _sie_vouchers(owner_id: int, from_date: dt.date, to_date: dt.date, series: str) -> Iterator[SieVoucher]:
    """The period's vouchers with their rows, from one streamed, ordered query."""
    query = (
        VoucherRow.select(Voucher.id, Voucher.number, Voucher.date, Voucher.text, VoucherRow.account, VoucherRow.amount)
        .join(Voucher)
        .where((Voucher.owner == owner_id) & (Voucher.date >= from_date) & (Voucher.date <= to_date))
        .order_by(Voucher.date, Voucher.number, VoucherRow.id)
        .tuples()
    )
    current: tuple[int, int, dt.date, str] | None = None
    rows: list[SieTransaction] = []
    for voucher_id, number, date, text, account, amount in query.iterator():
        if current is not None and current[0] != voucher_id:
            yield SieVoucher(series, current[1], stored_date(current[2]), current[3], tuple(rows))
            rows = []
        current = (voucher_id, number, date, text)
        rows.append(SieTransaction(account, amount))
    if current is not None:
        yield SieVoucher(series, current[1], stored_date(current[2]), current[3], tuple(rows))
