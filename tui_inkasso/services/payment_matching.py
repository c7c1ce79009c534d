"""Matching the payments of a bank file: which invoices each names, its method, whose books.

Nothing here writes; ``services.payment_plan`` runs it over a whole file.

* **Matching**: a payment's references (the main one split on blanks, commas and semicolons, then
  the extra references) are looked up as OCR numbers; when none is an OCR, as invoice numbers
  (whole tokens, and digit runs of 3 or more inside free text). An OCR shared by several
  invoices matches none of them. A payment naming several invoices is split over them in the
  order named (``services.payment_plan``).
* **Method**: BgMax → bankgiro, Total IN → plusgiro; a sender account among
  ``collection.agency_accounts`` → inkasso (and then the booking keeps it out of the balance
  corrections and sends its excess to the owner's "Överskjutande betalning inkasso" account).
* **Whose books**: money is booked only in the books of the owner whose bankgiro/plusgiro
  received it (the law, and the guide's rule for a hand allocation). A reference naming another
  owner's invoice does not match it: the payment is unmatched, booked for the receiving owner,
  with the reason in its note and the summary's warnings. A payment to an account no owner has
  (or that two owners share) is recorded unmatched without an owner and without a voucher (not
  booked in anyone's books) until staff allocate it.
* **Unmatched** payments go to the owner whose bankgiro/plusgiro received them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from tui_inkasso.db.bulk import select_in
from tui_inkasso.db.models import Account, Invoice, Owner, PaymentMethod
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.allocation import Split
from tui_inkasso.domain.identifiers import IdentifierError, digits_only
from tui_inkasso.domain.ocr_control import OcrControl, check_ocr, is_valid_ocr
from tui_inkasso.formats.payment_file import BGMAX, TOTALIN, BankPayment
from tui_inkasso.services.payment_refusals import receiving_account
from tui_inkasso.services.settings import agency_accounts
from tui_inkasso.services.transaction import is_postgres

METHOD_BY_FORMAT = {BGMAX: PaymentMethod.BANKGIRO.value, TOTALIN: PaymentMethod.PLUSGIRO.value}

_REFERENCE_SPLIT = re.compile(r"[\s,;]+")
_DIGIT_RUN = re.compile(r"\d{3,}")

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



def read_context() -> MatchContext:
    agency = frozenset(a.lstrip("0") for a in agency_accounts())
    owners_by_giro: dict[str, frozenset[int]] = {}
    codes: dict[int, str] = {}
    controls: dict[int, OcrControl] = {}
    for owner_id, code, bankgiro, plusgiro, control in tuple_rows(Owner.select(
            Owner.id, Owner.code, Owner.bankgiro, Owner.plusgiro, Owner.ocr_control)):
        codes[owner_id] = code
        controls[owner_id] = OcrControl.parse(control)
        for number in (bankgiro, plusgiro):
            digits = digits_only(number or "").lstrip("0")
            if digits:
                owners_by_giro[digits] = owners_by_giro.get(digits, frozenset()) | {owner_id}
    accounts: dict[int, dict[str, str]] = defaultdict(dict)
    for owner_id, role, number in tuple_rows(Account.select(Account.owner, Account.role, Account.number)):
        accounts[owner_id][role] = number
    return MatchContext(agency, owners_by_giro, accounts, codes, controls)


def references(p: BankPayment) -> list[str]:
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


def look_up_invoices(tokens: list[list[str]], context: MatchContext, *, lock: bool) -> None:
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

def plan_payment(p: BankPayment, key: str, tokens: list[str], file_format: str, context: MatchContext) -> PlannedPayment:
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
    owners = context.owners_by_giro.get(receiving_account(p).lstrip("0"), frozenset())
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
        why = (f"faktura {named}, men betalningen kom in på {receiving_account(p)}, som ingen ägare har: den "
               "bokförs inte förrän den fördelas")
    elif own:
        why = f"faktura {named}, men betalningen kom in på {paid_to}s konto {receiving_account(p)}: bokförs inte där"
    else:
        why = (f"faktura {named}, men betalningen kom in på {paid_to}s konto {receiving_account(p)}: bokförs som "
               f"ej matchad hos {paid_to}" if len(owners) == 1 else
               f"faktura {named}, men betalningen kom in på {receiving_account(p)}, som {paid_to} delar: bokförs "
               "inte förrän den fördelas")
    return own, tuple(inv.number for inv in others), "; ".join(n for n in (note, why) if n)


def _no_owner_note(p: BankPayment, owners: frozenset[int], context: MatchContext) -> str:
    if owners:
        shared = " och ".join(sorted(context.owner_codes.get(o, "?") for o in owners))
        return f"kom in på {receiving_account(p)}, som {shared} delar: bokförs inte förrän den fördelas"
    return f"kom in på {receiving_account(p)}, som ingen ägare har: bokförs inte förrän den fördelas"


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

