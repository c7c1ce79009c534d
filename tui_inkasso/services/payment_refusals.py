"""Why a bank payment file (BgMax, Total IN) is refused, and reading it.

Nothing here writes. Refused (docs/payments.md): a file already imported (same sha256, or same
bank file id for the same receiving account), a payment already booked (same ``bank_ref``), a test
file, a section in another currency than SEK, a file whose own creation date lies after today or
more than ten years back (``domain.date_sanity.file_date_problem``). A refusal names the file and,
where known, the line and the field (:class:`PaymentImportError`).

**bank_ref** (unique per payment row): ``format:receiving account:pay date:deposit serial:bank
serial``. Bankgirot's own sample files repeat a BGC serial inside one deposit, so the second
occurrence of a key in the same file gets ``/2`` (the third ``/3``); the order of a re-delivered
file is the bank's, so the key stays stable. The parts of a payment split over several invoices
are ``KEY``, ``KEY+2``, ``KEY+3``; the duplicate check looks at ``KEY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tui_inkasso.db.bulk import select_in
from tui_inkasso.db.models import Payment, PaymentFile
from tui_inkasso.domain.date_sanity import file_date_problem
from tui_inkasso.fileio import InputFileError, read_regular_file
from tui_inkasso.formats.payment_file import (
    BGMAX,
    MAX_FILE_SIZE,
    TOTALIN,
    BankPayment,
    PaymentFileError,
    read_payment_file,
)
from tui_inkasso.formats.payment_file import PaymentFile as BankFile
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import UserError

MAX_NAMED = 5
"""At most this many payments are named in a refusal; the rest are counted."""


# ------------------------------------------------------------------------------------ errors


class PaymentImportError(UserError):
    """A payment file that is refused: unreadable, already imported, a test file, not SEK...

    The message names the file and, where known, the line and the field. Nothing was written.
    """

    exit_code = 1

    def __init__(self, path: str, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(_where(path, line, field) + reason)


def _where(path: str, line: int | None, field: str | None) -> str:
    parts = [path]
    if line is not None:
        parts.append(f"rad {line}")
    if field:
        parts.append(f"fält {field}")
    return ", ".join(parts) + ": "


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be imported: the reason and where (line, field) when known."""

    reason: str
    line: int | None = None
    field: str | None = None
    kind: str = ""
    """"test", "currency", "file" (same file or same file id), "payment" (already booked), "date"
    (the file's own creation date makes no sense today)."""

    def text(self, path: str) -> str:
        """The refusal as one line naming the file."""
        return _where(path, self.line, self.field) + self.reason



# ------------------------------------------------------------------------------------ reading


def read_bank_file(path: str | Path) -> tuple[BankFile, str]:
    """The parsed file and its sha256; any problem is a PaymentImportError naming file and line."""
    file = Path(path)
    try:
        data = read_regular_file(file, limit=MAX_FILE_SIZE)
    except InputFileError as exc:
        raise PaymentImportError(str(file), exc.reason) from None
    try:
        bank_file = read_payment_file(data, file.name)
    except PaymentFileError as exc:
        raise PaymentImportError(exc.path, exc.reason, line=exc.line, field=_field_text(exc)) from None
    return bank_file, hashlib.sha256(data).hexdigest()


def _field_text(exc: PaymentFileError) -> str | None:
    if exc.field is None:
        return None
    if exc.pos is None:
        return exc.field
    start, end = exc.pos
    return f"{exc.field} (pos {start})" if start == end else f"{exc.field} (pos {start}–{end})"


def refused(name: str, refusals: Sequence[Refusal]) -> PaymentImportError:
    """Every refusal of a file as one error (the first one's line and field)."""
    first, *rest = refusals
    reason = "; ".join([first.reason] + [_where("", r.line, r.field)[2:] + r.reason for r in rest])
    return PaymentImportError(name, reason, line=first.line, field=first.field)



def file_refusals(bank_file: BankFile, sha: str, allow_test: bool) -> list[Refusal]:
    refusals: list[Refusal] = []
    dated = _file_date_refusal(bank_file)
    if dated is not None:
        refusals.append(dated)
    if bank_file.is_test and not allow_test:
        refusals.append(Refusal(
            "en testfil (märkt som test av banken) bokförs inte; välj att tillåta testfiler om det är meningen",
            1, "testmarkering", "test",
        ))
    for section in bank_file.sections:
        if section.currency != "SEK":
            refusals.append(Refusal(
                f"insättningen till {section.receiving_account} ({section.pay_date}) är i {section.currency}; "
                "bara betalningar i SEK kan bokföras",
                section.first_line, "valuta", "currency",
            ))
    earlier = PaymentFile.get_or_none(PaymentFile.sha256 == sha)
    if earlier is not None:
        refusals.append(Refusal(f"filen är redan inläst: {_earlier(earlier)}", kind="file"))
        return refusals
    accounts = list(dict.fromkeys(receiving_account(p) for p in bank_file.payments))
    for candidate in PaymentFile.select().where(PaymentFile.bank_file_id == bank_file.file_id):
        for account in accounts:
            prefix = f"{bank_file.format}:{account}:"
            shared = Payment.select().where(
                (Payment.payment_file == candidate.id) & Payment.bank_ref.startswith(prefix)
            ).exists()
            if shared:
                refusals.append(Refusal(
                    f"en fil med samma fil-id ({bank_file.file_id}) till mottagarkonto {account} är redan inläst: "
                    f"{_earlier(candidate)}",
                    1, "fil-id", "file",
                ))
                return refusals
    return refusals


_TIMESTAMP_FIELD = {BGMAX: "tidsstämpel (pos 25–44)", TOTALIN: "tidsstämpel (pos 15–34)"}
"""Where the file's creation stamp is: BgMax TK01, Total IN record 00 (both the first line)."""


def _file_date_refusal(bank_file: BankFile) -> Refusal | None:
    """The file's own creation date against today (``domain.date_sanity.file_date_problem``).

    The readers check every payment date against the file's date, but the file's date itself
    can only be judged against the day it is read: a file "created" in the future is a wrong
    stamp or a wrong clock, and one from more than ten years back can hold no payment that could
    still settle a claim. Either is refused, naming the file and the field (docs/payments.md).
    """
    problem = file_date_problem(bank_file.created_at.date(), today())
    if problem is None:
        return None
    return Refusal(problem, 1, _TIMESTAMP_FIELD[bank_file.format], "date")


def _earlier(row: PaymentFile) -> str:
    return f"{row.file_name} den {row.imported_at:%Y-%m-%d %H:%M} av {row.imported_by}"


def receiving_account(p: BankPayment) -> str:
    """The account the payment came in on, as bank_ref, notes and warnings name it."""
    return p.receiving_account or p.receiving_plusgiro or p.receiving_bank_account or "okänt"


def bank_refs(bank_file: BankFile) -> list[str]:
    """The stable key of every payment (see the module docstring), in file order."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    days: dict[dt.date, str] = {}
    for p in bank_file.payments:
        day = days.get(p.pay_date) or days.setdefault(p.pay_date, f"{p.pay_date:%Y%m%d}")
        key = f"{bank_file.format}:{receiving_account(p)}:{day}:{p.deposit_serial or ''}:{p.bank_serial}"
        if len(key) > 90:
            key = f"{bank_file.format}:{receiving_account(p)[:20]}:sha1:{hashlib.sha1(key.encode()).hexdigest()}"
        count = seen.get(key, 0) + 1
        seen[key] = count
        keys.append(key if count == 1 else f"{key}/{count}")
    return keys


def payment_refusals(bank_file: BankFile, keys: list[str]) -> list[Refusal]:
    """Payments of this file already booked (from another file): named with their earlier file."""
    line_of = {key: p.line for key, p in zip(keys, bank_file.payments, strict=True)}
    sql = (f'SELECT "bank_ref", "{Payment.payment_file.column_name}" FROM "{Payment._meta.table_name}" '
           'WHERE "bank_ref" IN ({})')
    found: list[tuple[str, int | None]] = list(select_in(sql, keys))
    if not found:
        return []
    found.sort(key=lambda row: line_of[row[0]])
    by_file: dict[int | None, list[str]] = defaultdict(list)
    for bank_ref, file_id in found:
        by_file[file_id].append(bank_ref)
    files = {f.id: f for f in PaymentFile.select().where(PaymentFile.id.in_([fid for fid in by_file if fid]))}
    texts = []
    for file_id, refs in by_file.items():
        source = f"från {_earlier(files[file_id])}" if file_id in files else "registrerade utan fil"
        named = ", ".join(f"rad {line_of[ref]} ({ref})" for ref in refs[:MAX_NAMED])
        more = f" och {len(refs) - MAX_NAMED} till" if len(refs) > MAX_NAMED else ""
        texts.append(f"{source}: {named}{more}")
    field_name = "BGC-löpnummer" if bank_file.format == BGMAX else "löpnummer"
    return [Refusal(
        f"{len(found)} betalning(ar) är redan bokförda " + "; ".join(texts), line_of[found[0][0]], field_name,
        "payment",
    )]

