"""Importing bank payment files (BgMax, Total IN): analyse first, then book the whole file at once.

The screen and the CLI share two steps:

1. :func:`analyse_payment_file` reads the file and matches every payment WITHOUT writing: the
   summary staff see before anything is booked (deposits, payments, sum, matched, unmatched, from
   the agency, overpayments, deductions, warnings) and the verdict: a file already imported (same
   sha256, or same bank file id for the same receiving account), a payment already booked (same
   ``bank_ref``), a test file or a section in another currency than SEK is refused.
2. :func:`import_payment_file` does the same inside ONE write transaction and books every payment
   through :func:`tui_inkasso.services.booking.book_payments`; a refusal, an error or a killed
   process leaves nothing behind. :func:`import_payment_files` runs several files, each in its own
   transaction, and reports per file.

Rules (docs/payments.md):

* **Matching**: a payment's references (the main one split on blanks, commas and semicolons, then
  the extra references) are looked up as OCR numbers; when none is an OCR, as invoice numbers
  (whole tokens, and digit runs of 3 or more inside free text). An OCR shared by several
  invoices matches none of them. A payment naming several invoices is split over them in the
  order named, each taking up to its balance, the last one the rest (its excess is an
  overpayment like any other).
* **Method**: BgMax → bankgiro, Total IN → plusgiro; a sender account among
  ``collection.agency_accounts`` → inkasso (and then the booking keeps it out of the balance
  corrections and sends its excess to the owner's "Överskjutande betalning inkasso" account).
* **Unmatched** payments are booked to the owner whose bankgiro/plusgiro received them (as a
  prepayment, status ``unmatched``) and wait for a hand allocation (:func:`allocate_payment`,
  :func:`keep_as_prepayment`). With no such owner they are recorded without a voucher.
* **Deductions** (negative amounts) are booked as negative payments: on their invoice when the
  reference matches (the balance rises again), else unmatched. Each one is listed in the log.
* **bank_ref** (unique per payment row): ``format:receiving account:pay date:deposit
  serial:bank serial``. Bankgirot's own sample files repeat a BGC serial inside one deposit, so
  the second occurrence of a key in the same file gets ``/2`` (the third ``/3``); the order of a
  re-delivered file is the bank's, so the key stays stable. The parts of a payment split over
  several invoices are ``KEY``, ``KEY+2``, ``KEY+3``; the duplicate check looks at ``KEY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    Customer,
    Invoice,
    Owner,
    Payment,
    PaymentFile,
    PaymentMethod,
)
from tui_inkasso.domain.allocation import Split, split_payment
from tui_inkasso.domain.identifiers import digits_only
from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.formats.excel import Column, write_table_xlsx
from tui_inkasso.formats.payment_file import (
    BGMAX,
    TOTALIN,
    BankPayment,
    PaymentFileError,
    read_payment_file,
)
from tui_inkasso.formats.payment_file import PaymentFile as BankFile
from tui_inkasso.gc_pause import gc_paused
from tui_inkasso.services import audit, ledger
from tui_inkasso.services.booking import (
    Booked,
    BookingError,
    PaymentIn,
    allocate_unmatched,
    book_payments,
    mark_as_prepayment,
)
from tui_inkasso.services.bulk import select_in
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.settings import agency_accounts
from tui_inkasso.services.transaction import is_postgres, write_transaction

BOOK_CHUNK = 5000
"""Payments handed to ``book_payments`` at a time: bounds the memory of a 100,000-payment file
(the booking's plan is a few dicts per payment); every chunk is in the same transaction."""

ADVISORY_LOCK_KEY = 727_274_205
"""PostgreSQL advisory lock held for the transaction of an import, so that two imports of
different copies of the same bank file cannot both pass the duplicate check."""

METHOD_BY_FORMAT = {BGMAX: PaymentMethod.BANKGIRO.value, TOTALIN: PaymentMethod.PLUSGIRO.value}
FORMAT_LABELS = {BGMAX: "BgMax", TOTALIN: "Total IN"}

_REFERENCE_SPLIT = re.compile(r"[\s,;]+")
_DIGIT_RUN = re.compile(r"\d{3,}")
_MAX_NAMED = 5
"""At most this many payments are named in a refusal; the rest are counted."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: payments booked so far (called after each chunk)."""


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
    """"test", "currency", "file" (same file or same file id), "payment" (already booked)."""

    def text(self, path: str) -> str:
        """The refusal as one line naming the file."""
        return _where(path, self.line, self.field) + self.reason


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class SectionSummary:
    """One deposit (BgMax) or account block (Total IN) of the file."""

    receiving_account: str
    currency: str
    pay_date: dt.date
    deposit_serial: str | None
    payments: int
    amount: int
    first_line: int


@dataclass(frozen=True)
class Overpayment:
    """The part of a payment above its invoice's balance, and where it went."""

    invoice: str
    amount: int
    account: str
    role: str
    line: int
    from_agency: bool
    payment_id: int | None = None

    @property
    def to_collection_account(self) -> bool:
        """True when the excess went to "Överskjutande betalning inkasso"."""
        return self.role == AccountRole.COLLECTION_OVERPAYMENT.value


@dataclass(frozen=True)
class LogRow:
    """A payment in the result log that needs a hand or a look (unmatched, overpaid, deduction)."""

    kind: str
    """In Swedish: "Ej matchad", "Överbetalning", "Avdrag", "Delvis matchad"."""
    line: int
    pay_date: dt.date
    amount: int
    reference: str
    payer: str
    sender_account: str
    method: str
    invoice: str
    note: str
    payment_id: int | None = None


@dataclass(frozen=True)
class ImportSummary:
    """What a file holds and what booking it does (or did)."""

    file_name: str
    format: str
    file_id: str
    sha256: str
    is_test: bool
    created_at: dt.datetime
    sections: tuple[SectionSummary, ...]
    payments: int
    amount: int
    matched: int
    matched_amount: int
    unmatched: int
    unmatched_amount: int
    collection_payments: int
    collection_amount: int
    deductions: int
    deduction_amount: int
    overpayments: tuple[Overpayment, ...]
    warnings: tuple[str, ...]
    log: tuple[LogRow, ...]

    @property
    def format_label(self) -> str:
        """"BgMax" or "Total IN"."""
        return FORMAT_LABELS.get(self.format, self.format)


@dataclass(slots=True)
class _Part:
    invoice_id: int | None
    amount: int
    bank_ref: str
    split: Split | None = None


@dataclass(slots=True)
class _Planned:
    payment: BankPayment
    method: str
    owner_id: int | None
    parts: list[_Part]
    invoice_numbers: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class ImportPlan:
    """The analysis of a file: its summary and why it would be refused (nothing written)."""

    path: str
    summary: ImportSummary
    refusals: tuple[Refusal, ...]
    _planned: list[_Planned] = field(default_factory=list, repr=False, compare=False)

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


def analyse_payment_file(path: str | Path, *, allow_test: bool = False) -> ImportPlan:
    """Read and match ``path`` without writing; raises PaymentImportError when it cannot be read."""
    bank_file, sha = _read(path)
    return _plan(bank_file, sha, str(path), allow_test=allow_test, lock=False)


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
    bank_file, sha = _read(path)
    name = Path(path).name
    if expected_sha256 is not None and sha != expected_sha256:
        raise PaymentImportError(name, "filen har ändrats sedan sammanställningen visades; läs in den igen")
    if dry_run:
        plan = _plan(bank_file, sha, str(path), allow_test=allow_test, lock=False)
        if plan.refusals:
            raise _refused(name, plan.refusals)
        return ImportResult(str(path), "dry_run", plan.summary)
    try:
        with write_transaction():
            if is_postgres():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
            refusals, planned, context, warnings = _prepare(
                bank_file, sha, allow_test=allow_test, lock=True, splits=False
            )
            if refusals:
                raise _refused(name, refusals)
            file_id, summary = _book(name, bank_file, sha, planned, context, warnings, progress)
    except pw.IntegrityError as exc:
        raise PaymentImportError(
            name, f"filen eller en av dess betalningar bokfördes samtidigt av någon annan; inget sparades ({exc})"
        ) from None
    except BookingError as exc:
        raise PaymentImportError(name, f"kunde inte bokföras, inget sparades: {exc}") from None
    return ImportResult(str(path), "imported", summary, file_id)


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


# ------------------------------------------------------------------------------------ reading


def _read(path: str | Path) -> tuple[BankFile, str]:
    file = Path(path)
    try:
        data = file.read_bytes()
    except IsADirectoryError:
        raise PaymentImportError(file.name, "är en mapp, inte en fil") from None
    except OSError as exc:
        raise PaymentImportError(str(file), f"kan inte läsa filen: {exc.strerror or exc}") from None
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


def _refused(name: str, refusals: Sequence[Refusal]) -> PaymentImportError:
    first, *rest = refusals
    reason = "; ".join([first.reason] + [_where("", r.line, r.field)[2:] + r.reason for r in rest])
    return PaymentImportError(name, reason, line=first.line, field=first.field)


# ------------------------------------------------------------------------------------ planning


@dataclass(slots=True)
class _Inv:
    id: int
    number: str
    owner_id: int
    balance: int


@dataclass
class _Context:
    """What matching and the simulated split need, read once per file."""

    agency: frozenset[str]
    owners_by_giro: dict[str, int | None]
    accounts: dict[int, dict[str, str]]
    invoices: dict[int, _Inv] = field(default_factory=dict)
    by_ocr: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_number: dict[str, int] = field(default_factory=dict)


def _plan(bank_file: BankFile, sha: str, path: str, *, allow_test: bool, lock: bool) -> ImportPlan:
    """The analysis: refusals, every payment's plan, and the summary from simulated splits."""
    refusals, planned, context, warnings = _prepare(bank_file, sha, allow_test=allow_test, lock=lock, splits=True)
    summary = _summary(Path(path).name, bank_file, sha, planned, context, warnings, booked=None)
    return ImportPlan(path, summary, tuple(refusals), planned)


def _prepare(
    bank_file: BankFile, sha: str, *, allow_test: bool, lock: bool, splits: bool
) -> tuple[list[Refusal], list[_Planned], _Context, list[str]]:
    """Refusals, the plan of every payment (invoices, parts, method, owner), the context read."""
    refusals = _file_refusals(bank_file, sha, allow_test)
    keys = _bank_refs(bank_file)
    if not any(r.kind == "file" for r in refusals):
        refusals += _payment_refusals(bank_file, keys)
    context = _context()
    tokens = [_tokens(p) for p in bank_file.payments]
    _look_up_invoices(tokens, context, lock=lock)
    planned = [
        _plan_payment(p, key, refs, bank_file.format, context)
        for p, key, refs in zip(bank_file.payments, keys, tokens, strict=True)
    ]
    warnings = list(bank_file.warnings) + _owner_warnings(bank_file, planned, context)
    _simulate(planned, context, splits=splits)
    return refusals, planned, context, warnings


def _file_refusals(bank_file: BankFile, sha: str, allow_test: bool) -> list[Refusal]:
    refusals: list[Refusal] = []
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
    accounts = list(dict.fromkeys(_receiving(p) for p in bank_file.payments))
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


def _earlier(row: PaymentFile) -> str:
    return f"{row.file_name} den {row.imported_at:%Y-%m-%d %H:%M} av {row.imported_by}"


def _receiving(p: BankPayment) -> str:
    return p.receiving_account or p.receiving_plusgiro or p.receiving_bank_account or "okänt"


def _bank_refs(bank_file: BankFile) -> list[str]:
    """The stable key of every payment (see the module docstring), in file order."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    days: dict[dt.date, str] = {}
    for p in bank_file.payments:
        day = days.get(p.pay_date) or days.setdefault(p.pay_date, f"{p.pay_date:%Y%m%d}")
        key = f"{bank_file.format}:{_receiving(p)}:{day}:{p.deposit_serial or ''}:{p.bank_serial}"
        if len(key) > 90:
            key = f"{bank_file.format}:{_receiving(p)[:20]}:sha1:{hashlib.sha1(key.encode()).hexdigest()}"
        count = seen.get(key, 0) + 1
        seen[key] = count
        keys.append(key if count == 1 else f"{key}/{count}")
    return keys


def _payment_refusals(bank_file: BankFile, keys: list[str]) -> list[Refusal]:
    """Payments of this file already booked (from another file): named with their earlier file."""
    line_of = {key: p.line for key, p in zip(keys, bank_file.payments, strict=True)}
    sql = (f'SELECT "bank_ref", "{Payment.payment_file.column_name}" FROM {_indexed(Payment, "bank_ref")} '
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
        named = ", ".join(f"rad {line_of[ref]} ({ref})" for ref in refs[:_MAX_NAMED])
        more = f" och {len(refs) - _MAX_NAMED} till" if len(refs) > _MAX_NAMED else ""
        texts.append(f"{source}: {named}{more}")
    field_name = "BGC-löpnummer" if bank_file.format == BGMAX else "löpnummer"
    return [Refusal(
        f"{len(found)} betalning(ar) är redan bokförda " + "; ".join(texts), line_of[found[0][0]], field_name,
        "payment",
    )]


def _context() -> _Context:
    agency = frozenset(a.lstrip("0") for a in agency_accounts())
    owners_by_giro: dict[str, int | None] = {}
    for owner_id, bankgiro, plusgiro in Owner.select(Owner.id, Owner.bankgiro, Owner.plusgiro).tuples():
        for number in (bankgiro, plusgiro):
            digits = digits_only(number or "").lstrip("0")
            if digits:
                known = owners_by_giro.get(digits, owner_id)
                owners_by_giro[digits] = owner_id if known == owner_id else None
    accounts: dict[int, dict[str, str]] = defaultdict(dict)
    for owner_id, role, number in Account.select(Account.owner, Account.role, Account.number).tuples():
        accounts[owner_id][role] = number
    return _Context(agency, owners_by_giro, accounts)


def _tokens(p: BankPayment) -> list[str]:
    """The payment's references, split into single references, first occurrence first."""
    if not p.extra_references:
        reference = p.reference
        if not reference:
            return []
        if _REFERENCE_SPLIT.search(reference) is None:
            return [reference]
    tokens: dict[str, None] = {}
    for reference in p.all_references:
        for token in _REFERENCE_SPLIT.split(reference):
            if token:
                tokens[token] = None
    return list(tokens)


def _ocr_keys(token: str) -> list[str]:
    if not token.isdigit():
        return []
    stripped = token.lstrip("0")
    return [token] if stripped == token or not stripped else [token, stripped]


def _number_keys(token: str) -> list[str]:
    keys = [token]
    if not token.isdigit():
        keys += _DIGIT_RUN.findall(token)
    return keys


def _look_up_invoices(tokens: list[list[str]], context: _Context, *, lock: bool) -> None:
    """Find every invoice the file's references name: by OCR first, by number for the rest."""
    columns = f'"id", "number", "ocr", "{Invoice.owner.column_name}", "balance"'
    suffix = " FOR UPDATE" if lock and is_postgres() else ""
    ocr_keys = sorted({key for refs in tokens for token in refs for key in _ocr_keys(token)})
    sql = f'SELECT {columns} FROM {_indexed(Invoice, "ocr")} WHERE "ocr" IN ({{}}){suffix}'
    for invoice_id, number, ocr, owner_id, balance in select_in(sql, ocr_keys):
        context.invoices[invoice_id] = _Inv(invoice_id, number, owner_id, balance)
        context.by_ocr[ocr].append(invoice_id)
    number_keys: set[str] = set()
    for refs in tokens:
        if not any(_ocr_ids(context, t) for t in refs):
            number_keys.update(key for t in refs for key in _number_keys(t))
    sql = f'SELECT {columns} FROM {_indexed(Invoice, "number")} WHERE "number" IN ({{}}){suffix}'
    for invoice_id, number, _ocr, owner_id, balance in select_in(sql, sorted(number_keys)):
        context.invoices[invoice_id] = _Inv(invoice_id, number, owner_id, balance)
        context.by_number[number] = invoice_id


def _indexed(model: type[pw.Model], column: str) -> str:
    """The table, on SQLite with ``INDEXED BY`` its index on ``column``.

    SQLite's planner, given the demo ledger's statistics (``bank_ref`` NULL on almost every
    payment), scans the whole payment table for an ``IN`` list of 1,000 references instead of
    using the unique index: 0.19 s a lookup, 10 s for a large file. The index is named as peewee
    names it (``<table>_<column>``); a missing index is an error, not a slow scan.
    """
    table = model._meta.table_name
    if is_postgres():
        return f'"{table}"'
    return f'"{table}" INDEXED BY "{table}_{column}"'


def _ocr_ids(context: _Context, token: str) -> list[int]:
    for key in _ocr_keys(token):
        ids = context.by_ocr.get(key)
        if ids:
            return ids
    return []


_INKASSO = PaymentMethod.INKASSO.value
_OVERPAYMENT_ROLE = AccountRole.COLLECTION_OVERPAYMENT.value
_PREPAYMENT_ROLE = AccountRole.PREPAYMENTS.value


def _plan_payment(p: BankPayment, key: str, tokens: list[str], file_format: str, context: _Context) -> _Planned:
    sender = p.sender_account.lstrip("0")
    method = _INKASSO if sender and sender in context.agency else METHOD_BY_FORMAT[file_format]
    matched, note = _match(tokens, context)
    if not matched:
        owner_id = context.owners_by_giro.get(_receiving(p).lstrip("0"))
        if owner_id is None and p.receiving_plusgiro:
            owner_id = context.owners_by_giro.get(p.receiving_plusgiro.lstrip("0"))
        return _Planned(p, method, owner_id, [_Part(None, p.amount, key)], (), note)
    if len(matched) == 1:
        invoice = context.invoices[matched[0]]
        return _Planned(p, method, invoice.owner_id, [_Part(invoice.id, 0, key)], (invoice.number,), note)
    invoices = [context.invoices[i] for i in matched]
    parts = [_Part(inv.id, 0, key if n == 0 else f"{key}+{n + 1}") for n, inv in enumerate(invoices)]
    return _Planned(p, method, invoices[0].owner_id, parts, tuple(inv.number for inv in invoices), note)


def _match(tokens: list[str], context: _Context) -> tuple[list[int], str]:
    """The invoices a payment names (OCR first, else invoice numbers) and a note for the log."""
    if len(tokens) == 1:
        ids = context.by_ocr.get(tokens[0])
        if ids is not None and len(ids) == 1:
            return ids[:], ""
    matched: list[int] = []
    ambiguous: list[str] = []
    for token in tokens:
        ids = _ocr_ids(context, token)
        if len(ids) == 1 and ids[0] not in matched:
            matched.append(ids[0])
        elif len(ids) > 1:
            ambiguous.append(token)
    via = "OCR"
    if not matched:
        via = "fakturanummer"
        for token in tokens:
            for key in _number_keys(token):
                invoice_id = context.by_number.get(key)
                if invoice_id is not None and invoice_id not in matched:
                    matched.append(invoice_id)
    notes = []
    if ambiguous:
        notes.append("OCR " + ", ".join(ambiguous) + " finns på flera fakturor")
    if matched:
        unknown = [t for t in tokens if t.isdigit() and not _ocr_ids(context, t) and t not in context.by_number]
        if via == "fakturanummer":
            notes.append("matchad på fakturanummer")
        if unknown:
            notes.append("okända referenser: " + ", ".join(unknown[:5]))
    elif tokens:
        notes.append("ingen faktura med referens " + ", ".join(tokens[:5]))
    else:
        notes.append("ingen referens")
    return matched, "; ".join(notes)


def _simulate(planned: list[_Planned], context: _Context, *, splits: bool) -> None:
    """Split each payment over its invoices with the running balances, as the booking will.

    The parts' amounts are needed for booking; the splits (what pays the invoice, what is
    excess) only for the analysis, since the booking makes its own.
    """
    balances = {i: inv.balance for i, inv in context.invoices.items()}
    for item in planned:
        first = item.parts[0]
        if first.invoice_id is None:
            continue
        if len(item.parts) == 1:
            first.amount = item.payment.amount
        else:
            _split_over_invoices(item, balances, context)
        from_agency = item.method == _INKASSO
        for part in item.parts:
            invoice_id = part.invoice_id or 0
            if splits:
                invoice = context.invoices[invoice_id]
                part.split = split_payment(
                    part.amount, balances[invoice_id], from_agency=from_agency,
                    owner_has_overpayment_account=_OVERPAYMENT_ROLE in context.accounts.get(invoice.owner_id, {}),
                )
                balances[invoice_id] -= part.split.invoice_amount
            elif part.amount > 0:
                balances[invoice_id] -= min(part.amount, max(balances[invoice_id], 0))
            else:
                balances[invoice_id] -= part.amount


def _split_over_invoices(item: _Planned, balances: dict[int, int], context: _Context) -> None:
    """A payment naming several invoices: each takes up to its balance in order, the last the rest."""
    amount = item.payment.amount
    remaining = amount
    last = len(item.parts) - 1
    for n, part in enumerate(item.parts):
        if amount <= 0:
            part.amount = amount if n == 0 else 0
        elif remaining <= 0:
            part.amount = 0
        elif n == last:
            part.amount = remaining
        else:
            part.amount = min(remaining, max(balances[part.invoice_id or 0], 0))
        remaining -= part.amount
    if not any(part.amount for part in item.parts):
        item.parts[-1].amount = amount
    item.parts = [part for part in item.parts if part.amount] or item.parts[:1]
    _renumber(item)
    item.invoice_numbers = tuple(context.invoices[part.invoice_id or 0].number for part in item.parts)


def _renumber(item: _Planned) -> None:
    """Parts left after dropping empty ones keep KEY, KEY+2, ... in order."""
    base = item.parts[0].bank_ref.split("+")[0]
    for n, part in enumerate(item.parts):
        part.bank_ref = base if n == 0 else f"{base}+{n + 1}"


def _owner_warnings(bank_file: BankFile, planned: list[_Planned], context: _Context) -> list[str]:
    warnings = []
    without_owner = [item for item in planned if item.parts[0].invoice_id is None and item.owner_id is None]
    if without_owner:
        accounts = sorted({_receiving(item.payment) for item in without_owner})
        warnings.append(
            f"{len(without_owner)} ej matchade betalning(ar) till {', '.join(accounts)} saknar ägare "
            "(inget ägares bankgiro/plusgiro stämmer): de registreras utan verifikation tills de fördelas"
        )
    return warnings


# ------------------------------------------------------------------------------------ booking


def _book(
    name: str,
    bank_file: BankFile,
    sha: str,
    planned: list[_Planned],
    context: _Context,
    warnings: list[str],
    progress: Progress | None,
) -> tuple[int, ImportSummary]:
    """The file's row, every payment through book_payments (in chunks), the audit entry."""
    file_row = PaymentFile.create(
        file_name=name[:500],
        sha256=sha,
        format=bank_file.format,
        bank_file_id=bank_file.file_id[:100],
        imported_at=now(),
        imported_by=current_user(),
        payments=len(bank_file.payments),
        amount=bank_file.total_amount,
    )
    booked: list[list[Booked]] = []
    total = len(planned)
    for start in range(0, total, BOOK_CHUNK):
        chunk = planned[start : start + BOOK_CHUNK]
        items = [_payment_in(item, part, file_row.id) for item in chunk for part in item.parts]
        results = iter(book_payments(items))
        booked.extend([next(results) for _ in item.parts] for item in chunk)
        if progress:
            progress(min(start + BOOK_CHUNK, total), total)
    done = _summary(name, bank_file, sha, planned, context, warnings, booked=booked)
    audit.record(
        "payments.imported", "payment_file", file_row.id,
        f"{name} ({done.format_label}): {done.payments} betalningar, {format_sek(done.amount)} kr; "
        f"{done.matched} matchade, {done.unmatched} ej matchade, {done.collection_payments} från inkassobolaget",
    )
    return file_row.id, done


def _payment_in(item: _Planned, part: _Part, file_id: int) -> PaymentIn:
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


# ------------------------------------------------------------------------------------ summary


def _summary(
    name: str,
    bank_file: BankFile,
    sha: str,
    planned: list[_Planned],
    context: _Context,
    warnings: list[str],
    *,
    booked: list[list[Booked]] | None,
) -> ImportSummary:
    """Counts and the log, from the simulated splits (analysis) or from what booking did."""
    numbers = {inv.id: inv.number for inv in context.invoices.values()}
    matched = unmatched = agency = deductions = 0
    matched_amount = unmatched_amount = agency_amount = deduction_amount = 0
    overpayments: list[Overpayment] = []
    log: list[LogRow] = []
    for n, item in enumerate(planned):
        p = item.payment
        results = booked[n] if booked is not None else None
        is_matched = item.parts[0].invoice_id is not None
        if is_matched:
            matched += 1
            matched_amount += p.amount
        else:
            unmatched += 1
            unmatched_amount += p.amount
        if item.method == _INKASSO:
            agency += 1
            agency_amount += p.amount
        if p.amount < 0:
            deductions += 1
            deduction_amount += p.amount
        first_id = results[0].payment_id if results else None
        mine: list[Overpayment] = []
        for k, part in enumerate(item.parts):
            split = results[k].split if results else part.split
            if split is None or not split.excess_amount or part.invoice_id is None:
                continue
            role = split.excess_role or _PREPAYMENT_ROLE
            if results:
                owner_id, number = results[k].owner_id, results[k].invoice_number
            else:
                owner_id, number = context.invoices[part.invoice_id].owner_id, numbers.get(part.invoice_id)
            account = context.accounts.get(owner_id or 0, {}).get(role, "")
            mine.append(Overpayment(
                number or "", split.excess_amount, account, role, p.line,
                item.method == _INKASSO, results[k].payment_id if results else None,
            ))
        overpayments.extend(mine)
        log.extend(_log_rows(item, mine, first_id))
    sections = tuple(
        SectionSummary(s.receiving_account, s.currency, s.pay_date, s.deposit_serial, s.count, s.amount, s.first_line)
        for s in bank_file.sections
    )
    return ImportSummary(
        name, bank_file.format, bank_file.file_id, sha, bank_file.is_test, bank_file.created_at, sections,
        len(planned), bank_file.total_amount, matched, matched_amount, unmatched, unmatched_amount, agency,
        agency_amount, deductions, deduction_amount, tuple(overpayments), tuple(warnings), tuple(log),
    )


def _log_rows(item: _Planned, overpayments: list[Overpayment], payment_id: int | None) -> list[LogRow]:
    p = item.payment
    invoice = ", ".join(item.invoice_numbers)

    def row(kind: str, note: str, amount: int | None = None) -> LogRow:
        return LogRow(kind, p.line, p.pay_date, p.amount if amount is None else amount, p.reference or
                      ", ".join(p.extra_references), p.display_name, p.sender_account, item.method, invoice,
                      note, payment_id)

    rows = []
    if item.parts[0].invoice_id is None:
        rows.append(row("Ej matchad", item.note))
    elif "okända referenser" in item.note:
        rows.append(row("Delvis matchad", item.note))
    if p.amount < 0:
        rows.append(row("Avdrag", f"avdragskod {p.deduction_code or '-'}" + (f"; {item.note}" if item.note else "")))
    for over in overpayments:
        where = "överskjutande betalning inkasso" if over.to_collection_account else "förskott"
        rows.append(row("Överbetalning", f"till {over.account} ({where}), faktura {over.invoice}", over.amount))
    return rows


# ------------------------------------------------------------------------------------ JSON and Excel


def summary_json(summary: ImportSummary) -> dict[str, Any]:
    """The summary for ``--json``: amounts as "1234.50" strings."""
    return {
        "file": summary.file_name,
        "format": summary.format,
        "file_id": summary.file_id,
        "sha256": summary.sha256,
        "is_test": summary.is_test,
        "deposits": len(summary.sections),
        "payments": summary.payments,
        "amount": format_amount(summary.amount),
        "matched": summary.matched,
        "matched_amount": format_amount(summary.matched_amount),
        "unmatched": summary.unmatched,
        "unmatched_amount": format_amount(summary.unmatched_amount),
        "collection_payments": summary.collection_payments,
        "collection_amount": format_amount(summary.collection_amount),
        "deductions": summary.deductions,
        "deduction_amount": format_amount(summary.deduction_amount),
        "overpayments": [
            {"invoice": o.invoice, "amount": format_amount(o.amount), "account": o.account, "role": o.role,
             "line": o.line, "from_agency": o.from_agency}
            for o in summary.overpayments
        ],
        "warnings": list(summary.warnings),
        "log": [
            {"kind": r.kind, "line": r.line, "date": r.pay_date, "amount": format_amount(r.amount),
             "reference": r.reference, "payer": r.payer, "sender_account": r.sender_account,
             "method": r.method, "invoice": r.invoice, "note": r.note, "payment_id": r.payment_id}
            for r in summary.log
        ],
    }


LOG_COLUMNS: tuple[Column, ...] = (
    Column("Typ"),
    Column("Rad", "int"),
    Column("Betaldatum", "date"),
    Column("Belopp", "amount_ore"),
    Column("Referens"),
    Column("Betalare"),
    Column("Avsändarkonto"),
    Column("Betalsätt"),
    Column("Faktura"),
    Column("Kommentar"),
    Column("Betalning (id)", "int"),
)


def export_log_xlsx(summary: ImportSummary, target: str | Path) -> Path:
    """The result log as an Excel sheet (written atomically; an existing file is not replaced)."""
    rows = [
        (r.kind, r.line, r.pay_date, r.amount, r.reference, r.payer, r.sender_account, r.method, r.invoice,
         r.note, r.payment_id)
        for r in summary.log
    ]
    path = Path(target).expanduser()
    write_table_xlsx(f"Betalfil {summary.file_name}"[:31], LOG_COLUMNS, rows, path)
    return path


# ------------------------------------------------------------------------------------ files imported


@dataclass(frozen=True)
class ImportedFile:
    """A payment file already imported: when, by whom, how much."""

    id: int
    file_name: str
    format: str
    bank_file_id: str
    imported_at: dt.datetime
    imported_by: str
    payments: int
    amount: int


def recent_imports(limit: int = 20) -> list[ImportedFile]:
    """The latest imported files, newest first."""
    query = PaymentFile.select().order_by(PaymentFile.imported_at.desc(), PaymentFile.id.desc()).limit(limit)
    return [
        ImportedFile(f.id, f.file_name, f.format, f.bank_file_id, f.imported_at, f.imported_by, f.payments, f.amount)
        for f in query
    ]


# ------------------------------------------------------------------------------------ unmatched


@dataclass(frozen=True)
class UnmatchedPayment:
    """A payment waiting for a hand: allocate it to an invoice or keep it as a prepayment."""

    id: int
    pay_date: dt.date
    amount: int
    method: str
    reference: str
    payer_name: str
    sender_account: str
    owner_code: str | None
    file_name: str | None
    note: str


UNMATCHED_SORTS = {
    "date": Payment.pay_date,
    "amount": Payment.amount,
    "payer": Payment.payer_name,
    "reference": Payment.reference,
}


def _unmatched_query(text: str = "") -> pw.ModelSelect:
    query = (
        Payment.select(
            Payment.id, Payment.pay_date, Payment.amount, Payment.method, Payment.reference, Payment.payer_name,
            Payment.sender_account, Owner.code, PaymentFile.file_name, Payment.note,
        )
        .join(Owner, pw.JOIN.LEFT_OUTER, on=(Payment.owner == Owner.id))
        .join(PaymentFile, pw.JOIN.LEFT_OUTER, on=(Payment.payment_file == PaymentFile.id))
        .where(Payment.status == "unmatched")
    )
    words = text.strip()
    if words:
        like = f"%{words}%"
        query = query.where(
            Payment.reference.contains(words) | Payment.payer_name ** like | Payment.sender_account.contains(words)
        )
    return query


def count_unmatched(text: str = "") -> int:
    """How many payments wait for a hand (optionally only those matching ``text``)."""
    return _unmatched_query(text).count()


def unmatched_payments(
    *, offset: int = 0, limit: int | None = None, sort: str = "date", descending: bool = False, text: str = ""
) -> list[UnmatchedPayment]:
    """Unmatched payments, a page at a time, sorted in SQL (``sort`` a key of UNMATCHED_SORTS)."""
    if sort not in UNMATCHED_SORTS:
        raise UserError(f"kan inte sortera på {sort!r}; välj {', '.join(UNMATCHED_SORTS)}")
    column = UNMATCHED_SORTS[sort]
    order = [column.desc(), Payment.id.desc()] if descending else [column.asc(), Payment.id.asc()]
    query = _unmatched_query(text).order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [UnmatchedPayment(*row) for row in query.tuples()]


@dataclass(frozen=True)
class InvoiceCandidate:
    """An invoice a payment could be allocated to."""

    id: int
    number: str
    ocr: str
    customer_number: str
    customer_name: str
    owner_code: str
    due_date: dt.date
    amount: int
    balance: int


def find_invoices(text: str, limit: int = 50) -> list[InvoiceCandidate]:
    """Invoices for a hand allocation: by invoice number or OCR exactly, else the open invoices
    of the customers a search finds (name, customer number, personnummer/orgnr)."""
    query = text.strip()
    if not query:
        return []
    base = (
        Invoice.select(
            Invoice.id, Invoice.number, Invoice.ocr, Customer.number, Customer.name, Owner.code,
            Invoice.due_date, Invoice.amount, Invoice.balance,
        )
        .join(Customer, on=(Invoice.customer == Customer.id))
        .switch(Invoice)
        .join(Owner, on=(Invoice.owner == Owner.id))
    )
    digits = digits_only(query)
    exact = base.where((Invoice.number == query) | (Invoice.ocr == (digits or query))).limit(limit)
    found = [InvoiceCandidate(*row) for row in exact.tuples()]
    if found:
        return found
    customers = [hit.id for hit in ledger.search_customers(query, limit=20)]
    if not customers:
        return []
    query_open = (
        base.where(Invoice.customer.in_(customers) & (Invoice.balance > 0))
        .order_by(Customer.name, Invoice.due_date, Invoice.id)
        .limit(limit)
    )
    return [InvoiceCandidate(*row) for row in query_open.tuples()]


def find_customers(text: str, limit: int = 50) -> list[ledger.CustomerHit]:
    """Customers for "keep as prepayment": the ledger's search (name, number, id, invoice)."""
    return ledger.search_customers(text, limit=limit)


def allocate_payment(payment_id: int, invoice: int | str) -> Booked:
    """Allocate an unmatched payment to an invoice (id, number or OCR) by hand.

    Refused when the money came into another owner's account than the invoice's: the voucher
    would move money between two companies' books.
    """
    target = ledger.find_invoice(invoice)
    payment = Payment.get_or_none(Payment.id == payment_id)
    if payment is None:
        raise NotFound(f"betalning {payment_id} finns inte")
    if payment.owner_id is not None and payment.owner_id != target.owner_id:
        paid_to = Owner.get_by_id(payment.owner_id).code
        raise BookingError(
            f"betalning {payment_id} kom in till ägare {paid_to}, faktura {target.number} tillhör "
            f"{Owner.get_by_id(target.owner_id).code}: fördela den till en faktura hos samma ägare"
        )
    return allocate_unmatched(payment_id, target.id)


def keep_as_prepayment(payment_id: int, customer: int | str) -> int:
    """Keep an unmatched payment as a prepayment on a customer (id or customer number)."""
    if isinstance(customer, int):
        found = Customer.get_or_none(Customer.id == customer)
    else:
        found = Customer.get_or_none(Customer.number == customer.strip())
    if found is None:
        raise NotFound(f"kund {customer} finns inte")
    mark_as_prepayment(payment_id, found.id)
    return found.id
