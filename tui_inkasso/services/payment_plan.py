"""Planning a bank payment file (BgMax, Total IN): read it, refuse it or match every payment.

Nothing here writes. :func:`prepare` is the common first step of the analysis staff see and of
the import (``services.payment_import``): why the file would be refused
(``services.payment_refusals``), and for every payment its invoices, its parts, its method and
its owner (``services.payment_matching``). A payment naming several invoices is split over them
in the order named, each taking up to its balance, the last one the rest (its excess is an
overpayment like any other). The summary of a plan is ``services.payment_report``; the rules in
full are in docs/payments.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_inkasso.db.models import AccountRole, PaymentMethod
from tui_inkasso.domain.allocation import split_payment
from tui_inkasso.formats.payment_file import PaymentFile as BankFile
from tui_inkasso.services.payment_matching import (
    MatchContext,
    PlannedPayment,
    look_up_invoices,
    plan_payment,
    read_context,
    references,
)
from tui_inkasso.services.payment_refusals import (
    MAX_NAMED,
    Refusal,
    bank_refs,
    file_refusals,
    payment_refusals,
    receiving_account,
)


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
    refusals = file_refusals(bank_file, sha, allow_test)
    keys = bank_refs(bank_file)
    if not any(r.kind == "file" for r in refusals):
        refusals += payment_refusals(bank_file, keys)
    context = read_context()
    tokens = [references(p) for p in bank_file.payments]
    look_up_invoices(tokens, context, lock=lock)
    planned = [
        plan_payment(p, key, refs, bank_file.format, context)
        for p, key, refs in zip(bank_file.payments, keys, tokens, strict=True)
    ]
    warnings = list(bank_file.warnings) + _owner_warnings(bank_file, planned, context)
    _simulate(planned, context, splits=splits)
    return PreparedFile(bank_file, sha, refusals, planned, context, warnings)


_INKASSO = PaymentMethod.INKASSO.value
_OVERPAYMENT_ROLE = AccountRole.COLLECTION_OVERPAYMENT.value


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
        accounts = sorted({receiving_account(item.payment) for item in without_owner})
        warnings.append(
            f"{_count(len(without_owner))} till {', '.join(accounts[:MAX_NAMED])} saknar ägare (inget ägares "
            f"bankgiro/plusgiro stämmer; {_lines(without_owner)}): de registreras som ej matchade utan "
            "verifikation och bokförs inte förrän de fördelas"
        )
    return warnings


def _count(n: int) -> str:
    return "1 betalning" if n == 1 else f"{n} betalningar"


def _lines(items: list[PlannedPayment]) -> str:
    named = ", ".join(str(item.payment.line) for item in items[:MAX_NAMED])
    more = f" och {len(items) - MAX_NAMED} till" if len(items) > MAX_NAMED else ""
    return f"rad {named}{more}"
