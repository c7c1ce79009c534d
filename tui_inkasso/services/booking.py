"""Booking money on invoices: the one place where a payment or credit changes a claim.

Every path that registers money (a bank file, a hand allocation, a credit note, a payment on a
case, the agency's payments) goes through :func:`book_payments` (or :func:`allocate_unmatched`),
so the rules hold everywhere:

- the money settles the invoice's claim, capital, fees and interest, in the configured order
  (``services/claim_settlement.py``, ``domain/claim.py``); only what exceeds the whole claim is
  an overpayment, booked to its role per :mod:`tui_inkasso.domain.allocation` (prepayment, or
  the agency's overpayment account);
- the invoice's capital, fees and interest move in the same transaction, with the row locked on
  PostgreSQL;
- a payment on an invoice that is already in a collection case records that case: it is a
  balance correction (unless its method is Inkasso); one booked before the case is part of the
  claimed balance instead (domain.md);
- each booking makes a balanced voucher on the owner's accounts: the bank (or what the money
  came from) against the receivables for capital and charges, the income account for a charge
  never booked as a receivable, the excess on its role's account; late interest a payment
  leaves behind is charged (and booked) or written off (docs/dunning.md).

Callers hold a :func:`~tui_inkasso.services.transaction.write_transaction`; these functions never
commit on their own, so a whole file is booked or nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from tui_inkasso.db.bulk import BulkWriter, insert_dicts, reserve_ids, stored_text
from tui_inkasso.db.models import (
    AccountRole,
    Payment,
    PaymentKind,
    PaymentMethod,
    Voucher,
    VoucherRow,
)
from tui_inkasso.domain.allocation import Split
from tui_inkasso.domain.claim import ClaimSettlement, LateInterestDecision
from tui_inkasso.services import audit
from tui_inkasso.services.claim_settlement import Claim, ClaimBook
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import BookingError
from tui_inkasso.services.transaction import write_transaction
from tui_inkasso.services.vouchers import (
    AccountMap,
    account_for,
    account_map,
    next_voucher_numbers,
    voucher_row_tuples,
    voucher_rows,
)

_CREDIT = PaymentKind.CREDIT.value
_INKASSO = PaymentMethod.INKASSO.value
_BANK_ROLE = AccountRole.BANK.value
_RECEIVABLES_ROLE = AccountRole.RECEIVABLES.value
_PREPAYMENT_ROLE = AccountRole.PREPAYMENTS.value
_OVERPAYMENT_ROLE = AccountRole.COLLECTION_OVERPAYMENT.value
_RENT_INCOME_ROLE = AccountRole.RENT_INCOME.value
# Enum member lookups cost about a microsecond each; a 100,000-payment file made a million.


class PaymentIn(NamedTuple):
    """Money to book. ``invoice_id`` None means unmatched: kept aside for a hand allocation.

    A named tuple, not a frozen dataclass: as immutable, and made in a third of the time (a
    frozen dataclass sets each field through ``object.__setattr__``; a bank file makes 100,000).
    """

    amount: int
    pay_date: dt.date
    method: str
    invoice_id: int | None = None
    kind: str = PaymentKind.PAYMENT.value
    owner_id: int | None = None
    customer_id: int | None = None
    reference: str = ""
    sender_account: str = ""
    payer_name: str = ""
    bank_ref: str | None = None
    payment_file_id: int | None = None
    note: str = ""


class Booked(NamedTuple):
    """What a booking did (a named tuple, as :class:`PaymentIn`: one for each payment of a file).

    ``split`` is the payment against the whole claim (``invoice_amount`` what settled capital,
    fees and interest; the excess and its role), ``settlement`` its parts, ``late_interest``
    the interest the payment left behind (charged or written off), if any.
    """

    payment_id: int
    invoice_id: int | None
    invoice_number: str | None
    owner_id: int | None
    split: Split
    collection_case_id: int | None
    voucher_id: int | None
    settlement: ClaimSettlement | None = None
    late_interest: LateInterestDecision | None = None


PAYMENT_COLUMNS = ("id", "kind", "method", "invoice", "customer", "owner", "amount", "invoice_amount",
                   "excess_amount", "excess_role", "pay_date", "registered_at", "registered_by", "reference",
                   "sender_account", "payer_name", "payment_file", "bank_ref", "status", "note", "collection_case")
VOUCHER_COLUMNS = ("id", "owner", "number", "date", "text", "source", "payment", "created_at")
VOUCHER_ROW_COLUMNS = ("voucher", "account", "amount", "text")
"""The rows a booking writes, as tuples in these orders (a dict a row cost a file of 100,000 payments
a second of building and taking apart again)."""


@dataclass
class _Plan:
    payments: list[tuple] = field(default_factory=list)
    vouchers: list[tuple] = field(default_factory=list)
    voucher_rows: list[tuple] = field(default_factory=list)
    booked: list[Booked] = field(default_factory=list)


def book_payments(items: Sequence[PaymentIn], *, voucher_text: str = "Inbetalning") -> list[Booked]:
    """Book ``items`` in order (inside the caller's write transaction); returns what each did."""
    if not items:
        return []
    batch = PaymentBatch([i.invoice_id for i in items if i.invoice_id is not None],
                         {i.owner_id for i in items if i.owner_id}, len(items), voucher_text=voucher_text)
    with batch.writing():
        return batch.book(items)


class PaymentBatch:
    """Payments booked part by part in one transaction (a bank file of 100,000 in parts of a few
    thousand, so the plan's dicts stay small): the claims, accounts, voucher numbers and ids are
    read once for all of them, and on PostgreSQL each part's rows are written by ``COPY`` on a
    thread of its own (``BulkWriter.in_background``) while the next part is planned, so the
    server's work (its indexes are most of it; the foreign keys are checked once per part,
    ``db/key_checks.py``) and Python's overlap instead of taking turns. The claims' changes are written at the end (:meth:`writing`).

    ``invoice_ids`` and ``owner_ids`` (of payments without an invoice) must cover every payment
    later handed to :meth:`book`, and ``count`` be at least their number. Everything planning
    reads is read here: between the parts the caller must not use the database either (psycopg2
    lets another thread in while a ``COPY`` sends its data, and the connection then hangs).
    """

    def __init__(self, invoice_ids: Sequence[int], owner_ids: set[int], count: int, *,
                 voucher_text: str = "Inbetalning") -> None:
        self.claims = ClaimBook.of(invoice_ids)
        self.claims.read_ahead()  # planning must not query while a COPY runs on the connection
        owners = {c.owner_id for c in self.claims.claims.values()} | owner_ids
        self.accounts = account_map(owners)
        self.next_voucher = next_voucher_numbers(owners)
        self.payment_ids = iter(reserve_ids(Payment, count))
        self.voucher_ids = iter(reserve_ids(Voucher, count))
        self.registered_at, self.user = now(), current_user()
        self.voucher_text = voucher_text
        self.writer = BulkWriter(keys_per_batch=True)
        self.stored_registered_at = stored_text(self.registered_at)
        self._days: dict[dt.date, str] = {}

    def stored_day(self, day: dt.date) -> str:
        """``day`` as the rows store it, made once a date (a file's payments share a few dates)."""
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = stored_text(day)
        return text

    @contextmanager
    def writing(self) -> Iterator[PaymentBatch]:
        """Book inside this block; at its end every row is written and the claims' changes too.
        On an error nothing queued is written (the caller's transaction rolls back)."""
        with self.writer.in_background():
            yield self
        self.claims.write()

    def book(self, items: Sequence[PaymentIn]) -> list[Booked]:
        """Plan ``items`` and hand their rows to the writer; what each did."""
        plan = _Plan()
        for item in items:
            _plan_one(plan, self, item, next(self.payment_ids), next(self.voucher_ids))
        self.writer.insert(Payment, PAYMENT_COLUMNS, plan.payments)
        self.writer.insert(Voucher, VOUCHER_COLUMNS, plan.vouchers)
        self.writer.insert(VoucherRow, VOUCHER_ROW_COLUMNS, plan.voucher_rows)
        return plan.booked

    def settled_in_background(self) -> None:
        """After the last :meth:`book`: hand what the payments settled (the invoices' and charges'
        balances, the settlement rows) to the writer thread now, so that the caller's own last
        work (a bank file's summary) overlaps it instead of following it. Nothing may be booked
        after this. (On PostgreSQL a few settlement rows, below ``COPY``'s threshold, are
        inserted at once, after the writer caught up.)"""
        self.claims.write_settled(self.writer)


def book_one(item: PaymentIn, *, voucher_text: str = "Inbetalning", audit_action: str = "payment.booked") -> Booked:
    """Book one payment in its own transaction, with an audit entry."""
    with write_transaction():
        booked = book_payments([item], voucher_text=voucher_text)[0]
        audit.record(audit_action, "payment", booked.payment_id, _describe(item, booked))
    return booked


def _settle(book: ClaimBook, claim: Claim, item: PaymentIn, payment_id: int,
            accounts: AccountMap) -> tuple[ClaimSettlement, LateInterestDecision | None]:
    """What the money settles of the claim, and the late interest it leaves behind."""
    credit = item.kind == _CREDIT
    if credit and item.amount > claim.capital:
        raise BookingError(
            f"kreditering {item.amount / 100:.2f} kr är större än fakturans saldo {claim.capital / 100:.2f} kr"
        )
    from_agency = item.method == _INKASSO
    result = book.settle(claim, item.amount, credit=credit, from_agency=from_agency,
                         overpayment_account=_OVERPAYMENT_ROLE in accounts.get(claim.owner_id, {}))
    book.record_settlement(payment_id, result)
    late = book.late_interest(claim, result, pay_date=item.pay_date, payment_id=payment_id,
                              applies=not credit and not from_agency and claim.case_id is None)
    return result, late


def _plan_one(plan: _Plan, batch: PaymentBatch, item: PaymentIn, payment_id: int, voucher_id: int) -> None:
    book, accounts = batch.claims, batch.accounts
    claim = book.claims.get(item.invoice_id) if item.invoice_id is not None else None
    if item.invoice_id is not None and claim is None:
        raise BookingError(f"faktura med id {item.invoice_id} finns inte")
    owner_id = claim.owner_id if claim else item.owner_id
    result: ClaimSettlement | None = None
    late: LateInterestDecision | None = None
    if claim is None:
        split = Split(0, item.amount, _PREPAYMENT_ROLE)
    else:
        result, late = _settle(book, claim, item, payment_id, accounts)
        split = Split(result.applied_ore, result.excess_ore, result.excess_role)
    voucher_lines: list[tuple[int, str, int, str]] = []
    if owner_id:
        debit = account_for(accounts, owner_id, _RENT_INCOME_ROLE if item.kind == _CREDIT else _BANK_ROLE)
        if claim is not None and result is not None:
            lines = book.credit_lines(claim, result, accounts)
        else:
            lines = {account_for(accounts, owner_id, _PREPAYMENT_ROLE): -item.amount}
        lines[debit] = lines.get(debit, 0) + item.amount
        voucher_lines = voucher_row_tuples(voucher_id, lines)
    pay_date = batch.stored_day(item.pay_date)
    plan.payments.append((
        payment_id, item.kind, item.method, claim.id if claim else None,
        claim.customer_id if claim else item.customer_id, owner_id, item.amount, split.invoice_amount,
        split.excess_amount, split.excess_role, pay_date, batch.stored_registered_at, batch.user,
        item.reference[:100], item.sender_account, item.payer_name[:200], item.payment_file_id, item.bank_ref,
        "booked" if claim else "unmatched", item.note[:200], claim.case_id if claim else None,
    ))
    used_voucher: int | None = None
    if voucher_lines and owner_id:
        used_voucher = voucher_id
        number = batch.next_voucher[owner_id]
        batch.next_voucher[owner_id] = number + 1
        text = f"{batch.voucher_text} {claim.number}" if claim else f"{batch.voucher_text}, ej matchad"
        plan.vouchers.append((voucher_id, owner_id, number, pay_date, text[:200],
                              "credit" if item.kind == _CREDIT else "payment", payment_id,
                              batch.stored_registered_at))
        plan.voucher_rows.extend(voucher_lines)
    plan.booked.append(
        Booked(
            payment_id,
            claim.id if claim else None,
            claim.number if claim else None,
            owner_id,
            split,
            claim.case_id if claim else None,
            used_voucher,
            result,
            late,
        )
    )


def _describe(item: PaymentIn, booked: Booked) -> dict[str, object]:
    """The audit details of a booked payment (worded by services/audit.py)."""
    details: dict[str, object] = {"kind": item.kind, "amount": item.amount, "method": item.method,
                                  "invoice": booked.invoice_number}
    if booked.split.excess_amount:
        details.update(excess=booked.split.excess_amount, excess_role=booked.split.excess_role)
    return details


def allocate_unmatched(payment_id: int, invoice_id: int) -> Booked:
    """Put an unmatched payment on an invoice (by hand): settlement, claim, voucher, audit.

    The money sat on "Förskott från kunder" since it came in (or, when its owner was unknown, was
    not booked yet: then it is booked from the bank now); the voucher moves it to what it settles
    of the claim (and the excess, if any, to its role's account), exactly as a payment booked on
    the invoice would have settled it.
    """
    with write_transaction():
        payment = Payment.get_or_none(Payment.id == payment_id)
        if payment is None or payment.status != "unmatched":
            raise BookingError(f"betalning {payment_id} är inte en ej matchad betalning")
        book = ClaimBook.of([invoice_id])
        claim = book.claims.get(invoice_id)
        if claim is None:
            raise BookingError(f"faktura med id {invoice_id} finns inte")
        accounts = account_map({claim.owner_id})
        item = PaymentIn(amount=payment.amount, pay_date=payment.pay_date, method=payment.method,
                         invoice_id=claim.id)
        result, late = _settle(book, claim, item, payment.id, accounts)
        split = Split(result.applied_ore, result.excess_ore, result.excess_role)
        Payment.update(
            invoice=claim.id,
            customer=claim.customer_id,
            owner=claim.owner_id,
            invoice_amount=split.invoice_amount,
            excess_amount=split.excess_amount,
            excess_role=split.excess_role,
            status="booked",
            collection_case=claim.case_id,
        ).where(Payment.id == payment.id).execute()
        voucher_id = _allocation_voucher(payment, book, claim, result, accounts)
        book.write()
        booked = Booked(payment.id, claim.id, claim.number, claim.owner_id, split, claim.case_id, voucher_id,
                        result, late)
        audit.record("payment.allocated", "payment", payment.id, f"till faktura {claim.number}")
    return booked


def _allocation_voucher(payment: Payment, book: ClaimBook, claim: Claim, result: ClaimSettlement,
                        accounts: AccountMap) -> int:
    owner_id = claim.owner_id
    parked = Voucher.select().where(Voucher.payment == payment.id).exists()
    source_role = AccountRole.PREPAYMENTS.value if parked else AccountRole.BANK.value
    lines: dict[str, int] = defaultdict(int)
    lines[account_for(accounts, owner_id, source_role)] += payment.amount
    for account, amount in book.credit_lines(claim, result, accounts).items():
        lines[account] += amount
    number = next_voucher_numbers({owner_id})[owner_id]
    voucher = Voucher.create(
        owner=owner_id,
        number=number,
        date=payment.pay_date,
        text=f"Fördelning av inbetalning till faktura {claim.number}",
        source="allocation",
        payment=payment.id,
        created_at=now(),
    )
    insert_dicts(VoucherRow, voucher_rows(voucher.id, dict(lines)))
    return voucher.id


def mark_as_prepayment(payment_id: int, customer_id: int) -> None:
    """Keep an unmatched payment as a prepayment on a customer (it already sits on that account)."""
    with write_transaction():
        updated = (
            Payment.update(status="prepayment", customer=customer_id)
            .where((Payment.id == payment_id) & (Payment.status == "unmatched"))
            .execute()
        )
        if not updated:
            raise BookingError(f"betalning {payment_id} är inte en ej matchad betalning")
        audit.record("payment.prepayment", "payment", payment_id, f"förskott för kund {customer_id}")
