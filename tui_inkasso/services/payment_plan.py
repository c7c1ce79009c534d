"""Planning a bank payment file (BgMax, Total IN): read it, refuse it or match every payment.

Nothing here writes. :func:`prepare` is the common first step of the analysis staff see and of
the import (``services.payment_import``): why the file would be refused, and for every payment
its invoices, its parts, its method and its owner. The summary of a plan is
``services.payment_report``.

Refused (docs/payments.md): a file already imported (same sha256, or same bank file id for the
same receiving account), a payment already booked (same ``bank_ref``), a test file, a section in
another currency than SEK, a file whose own creation date lies after today or more than ten
years back (``domain.date_sanity.file_date_problem``).

* **Matching**: a payment's references (the main one split on blanks, commas and semicolons, then
  the extra references) are looked up as OCR numbers; when none is an OCR, as invoice numbers
  (whole tokens, and digit runs of 3 or more inside free text). An OCR shared by several
  invoices matches none of them. A payment naming several invoices is split over them in the
  order named, each taking up to its balance, the last one the rest (its excess is an
  overpayment like any other).
* **Method**: BgMax → bankgiro, Total IN → plusgiro; a sender account among
  ``collection.agency_accounts`` → inkasso (and then the booking keeps it out of the balance
  corrections and sends its excess to the owner's "Överskjutande betalning inkasso" account).
* **Whose books**: money is booked only in the books of the owner whose bankgiro/plusgiro
  received it (the law, and the guide's rule for a hand allocation). A reference naming another
  owner's invoice does not match it: the payment is unmatched, booked for the receiving owner,
  with the reason in its note and the summary's warnings. A payment to an account no owner has
  (or that two owners share) is recorded unmatched without an owner and without a voucher (not
  booked in anyone's books) until staff allocate it, and the summary warns about it.
* **Unmatched** payments go to the owner whose bankgiro/plusgiro received them.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui_inkasso.db.bulk import select_in
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    Invoice,
    Owner,
    Payment,
    PaymentFile,
    PaymentMethod,
)
from tui_inkasso.domain.allocation import Split, split_payment
from tui_inkasso.domain.date_sanity import file_date_problem
from tui_inkasso.domain.identifiers import IdentifierError, digits_only
from tui_inkasso.domain.ocr_control import OcrControl, check_ocr, is_valid_ocr
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
from tui_inkasso.services.settings import agency_accounts
from tui_inkasso.services.transaction import is_postgres

METHOD_BY_FORMAT = {BGMAX: PaymentMethod.BANKGIRO.value, TOTALIN: PaymentMethod.PLUSGIRO.value}

_REFERENCE_SPLIT = re.compile(r"[\s,;]+")
_DIGIT_RUN = re.compile(r"\d{3,}")
_MAX_NAMED = 5
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


@dataclass(slots=True)
class Part:
    """What one payment pays on one invoice (or, unmatched, the whole payment with no invoice)."""

    invoice_id: int | None
    amount: int
    bank_ref: str
    split: Split | None = None


@dataclass(slots=True)
class PlannedPayment:
    """A payment of the file as it will be booked: method, owner, its parts, a note for the log.

    ``foreign`` are the invoices of other owners its references named (not matched: the money
    came into ``owner_id``'s account); ``owner_id`` None means no owner has the receiving account.
    """

    payment: BankPayment
    method: str
    owner_id: int | None
    parts: list[Part]
    invoice_numbers: tuple[str, ...]
    note: str
    foreign: tuple[str, ...] = ()
    failed_ocr: tuple[str, ...] = ()
    """References that found an invoice's OCR but fail the receiving account's OCR control."""


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


# ------------------------------------------------------------------------------------ planning


@dataclass(slots=True)
class KnownInvoice:
    """An invoice a reference of the file names, as read before matching; ``balance`` is its
    whole open claim (capital, fees and interest), which is what a payment settles."""

    id: int
    number: str
    owner_id: int
    balance: int


@dataclass
class MatchContext:
    """What matching and the simulated split need, read once per file."""

    agency: frozenset[str]
    owners_by_giro: dict[str, frozenset[int]]
    """Bankgiro/plusgiro digits (no leading zeros) -> the owners that have it (normally one)."""
    accounts: dict[int, dict[str, str]]
    owner_codes: dict[int, str] = field(default_factory=dict)
    ocr_control: dict[int, OcrControl] = field(default_factory=dict)
    """owner id -> the OCR control of its receiving accounts (``Owner.ocr_control``)."""
    invoices: dict[int, KnownInvoice] = field(default_factory=dict)
    by_ocr: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_number: dict[str, int] = field(default_factory=dict)


@dataclass
class PreparedFile:
    """A whole file planned: why it would be refused, every payment's plan, what was read."""

    bank_file: BankFile
    sha256: str
    refusals: list[Refusal]
    planned: list[PlannedPayment]
    context: MatchContext
    warnings: list[str]


def prepare(bank_file: BankFile, sha: str, *, allow_test: bool, lock: bool, splits: bool) -> PreparedFile:
    """Refusals, the plan of every payment (invoices, parts, method, owner), the context read.

    ``lock`` locks the named invoices (PostgreSQL ``FOR UPDATE``, inside the import's
    transaction); ``splits`` keeps each part's simulated split, which only the analysis needs
    (the booking makes its own).
    """
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
    return PreparedFile(bank_file, sha, refusals, planned, context, warnings)


def _file_refusals(bank_file: BankFile, sha: str, allow_test: bool) -> list[Refusal]:
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
        named = ", ".join(f"rad {line_of[ref]} ({ref})" for ref in refs[:_MAX_NAMED])
        more = f" och {len(refs) - _MAX_NAMED} till" if len(refs) > _MAX_NAMED else ""
        texts.append(f"{source}: {named}{more}")
    field_name = "BGC-löpnummer" if bank_file.format == BGMAX else "löpnummer"
    return [Refusal(
        f"{len(found)} betalning(ar) är redan bokförda " + "; ".join(texts), line_of[found[0][0]], field_name,
        "payment",
    )]


def _context() -> MatchContext:
    agency = frozenset(a.lstrip("0") for a in agency_accounts())
    owners_by_giro: dict[str, frozenset[int]] = {}
    codes: dict[int, str] = {}
    controls: dict[int, OcrControl] = {}
    for owner_id, code, bankgiro, plusgiro, control in Owner.select(
            Owner.id, Owner.code, Owner.bankgiro, Owner.plusgiro, Owner.ocr_control).tuples():
        codes[owner_id] = code
        controls[owner_id] = OcrControl.parse(control)
        for number in (bankgiro, plusgiro):
            digits = digits_only(number or "").lstrip("0")
            if digits:
                owners_by_giro[digits] = owners_by_giro.get(digits, frozenset()) | {owner_id}
    accounts: dict[int, dict[str, str]] = defaultdict(dict)
    for owner_id, role, number in Account.select(Account.owner, Account.role, Account.number).tuples():
        accounts[owner_id][role] = number
    return MatchContext(agency, owners_by_giro, accounts, codes, controls)


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


def _look_up_invoices(tokens: list[list[str]], context: MatchContext, *, lock: bool) -> None:
    """Find every invoice the file's references name: by OCR first, by number for the rest."""
    # What a payment can settle is the whole claim: capital, fees and interest (issue 13).
    columns = f'"id", "number", "ocr", "{Invoice.owner.column_name}", "balance" + "fees" + "interest"'
    suffix = " FOR UPDATE" if lock and is_postgres() else ""
    ocr_keys = sorted({key for refs in tokens for token in refs for key in _ocr_keys(token)})
    sql = f'SELECT {columns} FROM "{Invoice._meta.table_name}" WHERE "ocr" IN ({{}}){suffix}'
    for invoice_id, number, ocr, owner_id, balance in select_in(sql, ocr_keys):
        context.invoices[invoice_id] = KnownInvoice(invoice_id, number, owner_id, balance)
        context.by_ocr[ocr].append(invoice_id)
    number_keys: set[str] = set()
    for refs in tokens:
        if not any(_ocr_ids(context, t) for t in refs):
            number_keys.update(key for t in refs for key in _number_keys(t))
    sql = f'SELECT {columns} FROM "{Invoice._meta.table_name}" WHERE "number" IN ({{}}){suffix}'
    for invoice_id, number, _ocr, owner_id, balance in select_in(sql, sorted(number_keys)):
        context.invoices[invoice_id] = KnownInvoice(invoice_id, number, owner_id, balance)
        context.by_number[number] = invoice_id


def _ocr_ids(context: MatchContext, token: str) -> list[int]:
    for key in _ocr_keys(token):
        ids = context.by_ocr.get(key)
        if ids:
            return ids
    return []


_INKASSO = PaymentMethod.INKASSO.value
_OVERPAYMENT_ROLE = AccountRole.COLLECTION_OVERPAYMENT.value
_PREPAYMENT_ROLE = AccountRole.PREPAYMENTS.value


def _plan_payment(p: BankPayment, key: str, tokens: list[str], file_format: str, context: MatchContext) -> PlannedPayment:
    sender = p.sender_account.lstrip("0")
    method = _INKASSO if sender and sender in context.agency else METHOD_BY_FORMAT[file_format]
    owners = _receiving_owners(p, context)
    owner_id = next(iter(owners)) if len(owners) == 1 else None
    control = context.ocr_control[owner_id] if owner_id is not None else OcrControl.NONE
    matched, note, failed = _match(tokens, context, control)
    if any(context.invoices[i].owner_id not in owners for i in matched):
        matched, foreign, note = _own_invoices(p, matched, note, owners, context)
    else:
        foreign = ()
    if not matched:
        if owner_id is None and not foreign:
            note = "; ".join(n for n in (note, _no_owner_note(p, owners, context)) if n)
        elif owner_id is not None:
            note = "; ".join(n for n in (note, _ocr_note(tokens, context.ocr_control[owner_id])) if n)
        return PlannedPayment(p, method, owner_id, [Part(None, p.amount, key)], (), note, foreign, failed)
    owner_id = context.invoices[matched[0]].owner_id
    if len(matched) == 1:
        invoice = context.invoices[matched[0]]
        return PlannedPayment(p, method, owner_id, [Part(invoice.id, 0, key)], (invoice.number,), note, foreign,
                              failed)
    invoices = [context.invoices[i] for i in matched]
    parts = [Part(inv.id, 0, key if n == 0 else f"{key}+{n + 1}") for n, inv in enumerate(invoices)]
    return PlannedPayment(p, method, owner_id, parts, tuple(inv.number for inv in invoices), note, foreign,
                          failed)


def _ocr_note(tokens: list[str], control: OcrControl) -> str:
    """Why an unmatched payment's reference is no OCR number at the receiving account's level of
    OCR control (``domain.ocr_control``), so staff see a mistyped reference as such; "" when every
    reference passes (or is no number at all)."""
    wrong = []
    for token in tokens:
        if token.isdigit() and len(token) >= 2:
            try:
                check_ocr(token, control)
            except IdentifierError as exc:
                wrong.append(str(exc))
    return f"{'; '.join(wrong[:3])} (mottagarkontots OCR-kontroll: {control.label})" if wrong else ""


def _receiving_owners(p: BankPayment, context: MatchContext) -> frozenset[int]:
    """The owners whose bankgiro/plusgiro received ``p`` (normally one; none when no owner has it)."""
    owners = context.owners_by_giro.get(_receiving(p).lstrip("0"), frozenset())
    if not owners and p.receiving_plusgiro:
        owners = context.owners_by_giro.get(p.receiving_plusgiro.lstrip("0"), frozenset())
    return owners


def _own_invoices(p: BankPayment, matched: list[int], note: str, owners: frozenset[int],
                  context: MatchContext) -> tuple[list[int], tuple[str, ...], str]:
    """Keep the invoices of the owner that received the money; the others are named in the note."""
    own = [i for i in matched if context.invoices[i].owner_id in owners]
    others = [context.invoices[i] for i in matched if i not in own]
    named = ", ".join(f"{inv.number} tillhör {context.owner_codes.get(inv.owner_id, '?')}" for inv in others)
    paid_to = " och ".join(sorted(context.owner_codes.get(o, "?") for o in owners))
    if not owners:
        why = (f"faktura {named}, men betalningen kom in på {_receiving(p)}, som ingen ägare har: den "
               "bokförs inte förrän den fördelas")
    elif own:
        why = f"faktura {named}, men betalningen kom in på {paid_to}s konto {_receiving(p)}: bokförs inte där"
    else:
        why = (f"faktura {named}, men betalningen kom in på {paid_to}s konto {_receiving(p)}: bokförs som "
               f"ej matchad hos {paid_to}" if len(owners) == 1 else
               f"faktura {named}, men betalningen kom in på {_receiving(p)}, som {paid_to} delar: bokförs "
               "inte förrän den fördelas")
    return own, tuple(inv.number for inv in others), "; ".join(n for n in (note, why) if n)


def _no_owner_note(p: BankPayment, owners: frozenset[int], context: MatchContext) -> str:
    if owners:
        shared = " och ".join(sorted(context.owner_codes.get(o, "?") for o in owners))
        return f"kom in på {_receiving(p)}, som {shared} delar: bokförs inte förrän den fördelas"
    return f"kom in på {_receiving(p)}, som ingen ägare har: bokförs inte förrän den fördelas"


def _passes(token: str, control: OcrControl) -> bool:
    """Whether ``token`` is an OCR reference the receiving account's agreement accepts.

    With no control every reference that equals an invoice's OCR does (the lookup already
    asked for digits); with a control the check digit (and the length digit) must be right,
    as Bankgirot checks them for the account: ``01002633`` finds the OCR ``1002633`` without
    its zero, but with a length check it is eight digits with a length digit of 3.
    """
    return control is OcrControl.NONE or is_valid_ocr(token, control)


def _match(tokens: list[str], context: MatchContext,
           control: OcrControl = OcrControl.NONE) -> tuple[list[int], str, tuple[str, ...]]:
    """The invoices a payment names (OCR first, else invoice numbers) and a note for the log.

    A reference that finds an OCR but fails the receiving account's OCR control (``control``,
    the owner's level) matches nothing, by OCR or as an invoice number: it was meant as an OCR,
    and one the agreement does not accept is a wrong reference for staff to look at, not a
    payment to settle a claim with (docs/payments.md, "Matching"). Returns those references too.
    """
    if len(tokens) == 1:
        ids = context.by_ocr.get(tokens[0])
        if ids is not None and len(ids) == 1 and _passes(tokens[0], control):
            return ids[:], "", ()
    matched: list[int] = []
    ambiguous: list[str] = []
    failing: list[str] = []
    for token in tokens:
        ids = _ocr_ids(context, token)
        if ids and not _passes(token, control):
            failing.append(token)
        elif len(ids) == 1 and ids[0] not in matched:
            matched.append(ids[0])
        elif len(ids) > 1:
            ambiguous.append(token)
    via = "OCR"
    if not matched:
        via = "fakturanummer"
        for token in tokens:
            if token in failing:
                continue
            for key in _number_keys(token):
                invoice_id = context.by_number.get(key)
                if invoice_id is not None and invoice_id not in matched:
                    matched.append(invoice_id)
    notes = []
    if failing:
        notes.append(f"OCR {', '.join(failing[:5])} klarar inte mottagarkontots OCR-kontroll "
                     f"({control.label}): matchas inte")
    if ambiguous:
        notes.append("OCR " + ", ".join(ambiguous) + " finns på flera fakturor")
    if matched:
        unknown = [t for t in tokens if t.isdigit() and not _ocr_ids(context, t) and t not in context.by_number]
        if via == "fakturanummer":
            notes.append("matchad på fakturanummer")
        if unknown:
            notes.append("okända referenser: " + ", ".join(unknown[:5]))
    elif rest := [t for t in tokens if t not in failing]:
        notes.append("ingen faktura med referens " + ", ".join(rest[:5]))
    elif not failing:  # (failing OCRs are named above)
        notes.append("ingen referens")
    return matched, "; ".join(notes), tuple(failing)


def _simulate(planned: list[PlannedPayment], context: MatchContext, *, splits: bool) -> None:
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


def _split_over_invoices(item: PlannedPayment, balances: dict[int, int], context: MatchContext) -> None:
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


def _renumber(item: PlannedPayment) -> None:
    """Parts left after dropping empty ones keep KEY, KEY+2, ... in order."""
    base = item.parts[0].bank_ref.split("+")[0]
    for n, part in enumerate(item.parts):
        part.bank_ref = base if n == 0 else f"{base}+{n + 1}"


def _owner_warnings(bank_file: BankFile, planned: list[PlannedPayment], context: MatchContext) -> list[str]:
    """The payments that are not booked where their reference points: another owner's invoice
    named, an OCR the receiving account's control refuses, or an account no owner has."""
    warnings = []
    foreign = [item for item in planned if item.foreign and item.owner_id is not None]
    if foreign:
        warnings.append(
            f"{_count(len(foreign))} kom in på en ägares konto men angav en annan ägares faktura "
            f"({_lines(foreign)}): bokförda som ej matchade hos den ägare som fick pengarna; fördela dem "
            "till en faktura hos samma ägare eller betala tillbaka"
        )
    failed = [item for item in planned if item.failed_ocr]
    if failed:
        warnings.append(
            f"{_count(len(failed))} angav en faktura med ett OCR-nummer som mottagarkontots OCR-kontroll inte "
            f"godtar ({_lines(failed)}): de matchas inte utan bokförs som ej matchade; kontrollera referensen "
            "och fördela dem för hand"
        )
    without_owner = [item for item in planned if item.owner_id is None]
    if without_owner:
        accounts = sorted({_receiving(item.payment) for item in without_owner})
        warnings.append(
            f"{_count(len(without_owner))} till {', '.join(accounts[:_MAX_NAMED])} saknar ägare (inget ägares "
            f"bankgiro/plusgiro stämmer; {_lines(without_owner)}): de registreras som ej matchade utan "
            "verifikation och bokförs inte förrän de fördelas"
        )
    return warnings


def _count(n: int) -> str:
    return "1 betalning" if n == 1 else f"{n} betalningar"


def _lines(items: list[PlannedPayment]) -> str:
    named = ", ".join(str(item.payment.line) for item in items[:_MAX_NAMED])
    more = f" och {len(items) - _MAX_NAMED} till" if len(items) > _MAX_NAMED else ""
    return f"rad {named}{more}"
