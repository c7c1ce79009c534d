"""Booking money on invoices: the one place where a payment or credit changes a balance.

Every path that registers money (a bank file, a hand allocation, a credit note, a payment on a
case) goes through :func:`book_payments`, so the rules hold everywhere:

- the payment is split per :mod:`tui_inkasso.domain.allocation` (invoice part, excess, role);
- the invoice's balance moves in the same transaction, with the row locked on PostgreSQL;
- a payment on an invoice that is already in a collection case records that case: it is a
  balance correction (unless its method is Inkasso); one booked before the case is part of the
  claimed balance instead (domain.md);
- each booking makes a balanced voucher on the owner's accounts.

Callers hold a :func:`~tui_inkasso.services.transaction.write_transaction`; these functions never
commit on their own, so a whole file is booked or nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import peewee as pw

from tui_inkasso.db.bulk import execute_many, insert_dicts, reserve_ids, select_in
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    Invoice,
    Owner,
    Payment,
    PaymentKind,
    PaymentMethod,
    Voucher,
    VoucherRow,
)
from tui_inkasso.domain.allocation import Split, split_payment
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.transaction import is_postgres, write_transaction

_CREDIT = PaymentKind.CREDIT.value
_INKASSO = PaymentMethod.INKASSO.value
_BANK_ROLE = AccountRole.BANK.value
_RECEIVABLES_ROLE = AccountRole.RECEIVABLES.value
_PREPAYMENT_ROLE = AccountRole.PREPAYMENTS.value
_OVERPAYMENT_ROLE = AccountRole.COLLECTION_OVERPAYMENT.value
_RENT_INCOME_ROLE = AccountRole.RENT_INCOME.value
# Enum member lookups cost about a microsecond each; a 100,000-payment file made a million.


class BookingError(UserError):
    """A booking that cannot be made (missing account mapping, unknown invoice...)."""

    exit_code = 1


@dataclass(frozen=True)
class PaymentIn:
    """Money to book. ``invoice_id`` None means unmatched: kept aside for a hand allocation."""

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


@dataclass(frozen=True)
class Booked:
    """What a booking did."""

    payment_id: int
    invoice_id: int | None
    invoice_number: str | None
    owner_id: int | None
    split: Split
    collection_case_id: int | None
    voucher_id: int | None


@dataclass
class _InvoiceState:
    id: int
    number: str
    owner_id: int
    customer_id: int
    balance: int
    case_id: int | None


@dataclass
class _Plan:
    payments: list[dict] = field(default_factory=list)
    vouchers: list[dict] = field(default_factory=list)
    voucher_rows: list[dict] = field(default_factory=list)
    balance_changes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    booked: list[Booked] = field(default_factory=list)


def book_payments(items: Sequence[PaymentIn], *, voucher_text: str = "Inbetalning") -> list[Booked]:
    """Book ``items`` in order (inside the caller's write transaction); returns what each did."""
    if not items:
        return []
    invoices = _lock_invoices([i.invoice_id for i in items if i.invoice_id is not None])
    owner_ids = {inv.owner_id for inv in invoices.values()} | {i.owner_id for i in items if i.owner_id}
    accounts = _accounts(owner_ids)
    next_voucher = _next_voucher_numbers(owner_ids)
    payment_ids = reserve_ids(Payment, len(items))
    voucher_ids = reserve_ids(Voucher, len(items))
    plan = _Plan()
    registered_at, user = now(), current_user()
    for item, payment_id, voucher_id in zip(items, payment_ids, voucher_ids, strict=True):
        _plan_one(plan, item, payment_id, voucher_id, invoices, accounts, next_voucher, registered_at, user, voucher_text)
    insert_dicts(Payment, plan.payments)
    insert_dicts(Voucher, plan.vouchers)
    insert_dicts(VoucherRow, plan.voucher_rows)
    execute_many(
        "UPDATE invoice SET balance = balance - ? WHERE id = ?",
        [(delta, invoice_id) for invoice_id, delta in sorted(plan.balance_changes.items()) if delta],
    )
    return plan.booked


def book_one(item: PaymentIn, *, voucher_text: str = "Inbetalning", audit_action: str = "payment.booked") -> Booked:
    """Book one payment in its own transaction, with an audit entry."""
    with write_transaction():
        booked = book_payments([item], voucher_text=voucher_text)[0]
        audit.record(audit_action, "payment", booked.payment_id, _describe(item, booked))
    return booked


def _plan_one(
    plan: _Plan,
    item: PaymentIn,
    payment_id: int,
    voucher_id: int,
    invoices: dict[int, _InvoiceState],
    accounts: dict[int, dict[str, str]],
    next_voucher: dict[int, int],
    registered_at: dt.datetime,
    user: str,
    voucher_text: str,
) -> None:
    invoice = invoices.get(item.invoice_id) if item.invoice_id is not None else None
    if item.invoice_id is not None and invoice is None:
        raise BookingError(f"faktura med id {item.invoice_id} finns inte")
    owner_id = invoice.owner_id if invoice else item.owner_id
    if invoice is None:
        split = Split(0, item.amount, _PREPAYMENT_ROLE)
    elif item.kind == _CREDIT:
        if item.amount > invoice.balance:
            raise BookingError(
                f"kreditering {item.amount / 100:.2f} kr är större än fakturans saldo {invoice.balance / 100:.2f} kr"
            )
        split = Split(item.amount, 0, None)
    else:
        owner_accounts = accounts.get(invoice.owner_id, {})
        split = split_payment(
            item.amount,
            invoice.balance,
            from_agency=item.method == _INKASSO,
            owner_has_overpayment_account=_OVERPAYMENT_ROLE in owner_accounts,
        )
    if invoice is not None:
        invoice.balance -= split.invoice_amount
        plan.balance_changes[invoice.id] += split.invoice_amount
    voucher_rows = _voucher_rows(item, split, owner_id, accounts, voucher_id) if owner_id else []
    status = "booked" if invoice else "unmatched"
    plan.payments.append(
        {
            "id": payment_id,
            "kind": item.kind,
            "method": item.method,
            "invoice": invoice.id if invoice else None,
            "customer": invoice.customer_id if invoice else item.customer_id,
            "owner": owner_id,
            "amount": item.amount,
            "invoice_amount": split.invoice_amount,
            "excess_amount": split.excess_amount,
            "excess_role": split.excess_role,
            "pay_date": item.pay_date,
            "registered_at": registered_at,
            "registered_by": user,
            "reference": item.reference[:100],
            "sender_account": item.sender_account,
            "payer_name": item.payer_name[:200],
            "payment_file": item.payment_file_id,
            "bank_ref": item.bank_ref,
            "status": status,
            "note": item.note[:200],
            "collection_case": invoice.case_id if invoice else None,
        }
    )
    used_voucher: int | None = None
    if voucher_rows:
        used_voucher = voucher_id
        number = next_voucher[owner_id]
        next_voucher[owner_id] = number + 1
        text = f"{voucher_text} {invoice.number}" if invoice else f"{voucher_text}, ej matchad"
        plan.vouchers.append(
            {
                "id": voucher_id,
                "owner": owner_id,
                "number": number,
                "date": item.pay_date,
                "text": text[:200],
                "source": "credit" if item.kind == _CREDIT else "payment",
                "payment": payment_id,
                "created_at": registered_at,
            }
        )
        plan.voucher_rows.extend(voucher_rows)
    plan.booked.append(
        Booked(
            payment_id,
            invoice.id if invoice else None,
            invoice.number if invoice else None,
            owner_id,
            split,
            invoice.case_id if invoice else None,
            used_voucher,
        )
    )


def _voucher_rows(
    item: PaymentIn, split: Split, owner_id: int, accounts: dict[int, dict[str, str]], voucher_id: int
) -> list[dict]:
    """Balanced rows of voucher ``voucher_id``: debit what money came into, credit what it settled."""
    debit_role = _RENT_INCOME_ROLE if item.kind == _CREDIT else _BANK_ROLE
    lines = {_account(accounts, owner_id, debit_role): item.amount}
    if split.invoice_amount:
        receivables = _account(accounts, owner_id, _RECEIVABLES_ROLE)
        lines[receivables] = lines.get(receivables, 0) - split.invoice_amount
    if split.excess_amount:
        excess = _account(accounts, owner_id, split.excess_role or _PREPAYMENT_ROLE)
        lines[excess] = lines.get(excess, 0) - split.excess_amount
    rows = [
        {"voucher": voucher_id, "account": account, "amount": amount, "text": ""}
        for account, amount in lines.items()
        if amount
    ]
    assert sum(lines.values()) == 0, "unbalanced voucher"
    return rows


def _account(accounts: dict[int, dict[str, str]], owner_id: int, role: str) -> str:
    try:
        return accounts[owner_id][role]
    except KeyError:
        owner = Owner.get_by_id(owner_id)
        raise BookingError(
            f"ägare {owner.code} ({owner.name}) saknar konto för kontovärdet \"{role}\": koppla ett konto först"
        ) from None


def _lock_invoices(ids: list[int]) -> dict[int, _InvoiceState]:
    """The invoices' current state, locked against concurrent bookings on PostgreSQL."""
    columns = ", ".join(
        f'"{field.column_name}"'
        for field in (Invoice.id, Invoice.number, Invoice.owner, Invoice.customer, Invoice.balance, Invoice.collection_case)
    )
    suffix = " FOR UPDATE" if is_postgres() else ""
    sql = f'SELECT {columns} FROM "{Invoice._meta.table_name}" WHERE "id" IN ({{}}){suffix}'
    rows = select_in(sql, list(dict.fromkeys(ids)))
    return {r[0]: _InvoiceState(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows}


def _accounts(owner_ids: set[int]) -> dict[int, dict[str, str]]:
    result: dict[int, dict[str, str]] = defaultdict(dict)
    if not owner_ids:
        return result
    for owner_id, role, number in Account.select(Account.owner, Account.role, Account.number).where(
        Account.owner.in_(list(owner_ids))
    ).tuples():
        result[owner_id][role] = number
    return result


def _next_voucher_numbers(owner_ids: set[int]) -> dict[int, int]:
    """The next voucher number per owner (owners locked on PostgreSQL so numbers never clash)."""
    numbers = {owner_id: 1 for owner_id in owner_ids}
    if not owner_ids:
        return numbers
    if is_postgres():
        list(Owner.select(Owner.id).where(Owner.id.in_(list(owner_ids))).for_update().tuples())
    query = (
        Voucher.select(Voucher.owner, pw.fn.MAX(Voucher.number))
        .where(Voucher.owner.in_(list(owner_ids)))
        .group_by(Voucher.owner)
        .tuples()
    )
    for owner_id, highest in query:
        numbers[owner_id] = (highest or 0) + 1
    return numbers


def _describe(item: PaymentIn, booked: Booked) -> dict[str, object]:
    """The audit details of a booked payment (worded by services/audit.py)."""
    details: dict[str, object] = {"kind": item.kind, "amount": item.amount, "method": item.method,
                                  "invoice": booked.invoice_number}
    if booked.split.excess_amount:
        details.update(excess=booked.split.excess_amount, excess_role=booked.split.excess_role)
    return details


def allocate_unmatched(payment_id: int, invoice_id: int) -> Booked:
    """Put an unmatched payment on an invoice (by hand): split, balance, voucher, audit.

    The money sat on "Förskott från kunder" since it came in (or, when its owner was unknown, was
    not booked yet: then it is booked from the bank now); the voucher moves it to the receivables
    (and the excess, if any, to its role's account).
    """
    with write_transaction():
        payment = Payment.get_or_none(Payment.id == payment_id)
        if payment is None or payment.status != "unmatched":
            raise BookingError(f"betalning {payment_id} är inte en ej matchad betalning")
        invoices = _lock_invoices([invoice_id])
        if invoice_id not in invoices:
            raise BookingError(f"faktura med id {invoice_id} finns inte")
        invoice = invoices[invoice_id]
        accounts = _accounts({invoice.owner_id})
        split = split_payment(
            payment.amount,
            invoice.balance,
            from_agency=payment.method == PaymentMethod.INKASSO.value,
            owner_has_overpayment_account=AccountRole.COLLECTION_OVERPAYMENT.value in accounts[invoice.owner_id],
        )
        Payment.update(
            invoice=invoice.id,
            customer=invoice.customer_id,
            owner=invoice.owner_id,
            invoice_amount=split.invoice_amount,
            excess_amount=split.excess_amount,
            excess_role=split.excess_role,
            status="booked",
            collection_case=invoice.case_id,
        ).where(Payment.id == payment.id).execute()
        Invoice.update(balance=Invoice.balance - split.invoice_amount).where(Invoice.id == invoice.id).execute()
        voucher_id = _allocation_voucher(payment, invoice, split, accounts)
        booked = Booked(payment.id, invoice.id, invoice.number, invoice.owner_id, split, invoice.case_id, voucher_id)
        audit.record("payment.allocated", "payment", payment.id, f"till faktura {invoice.number}")
    return booked


def _allocation_voucher(payment: Payment, invoice: _InvoiceState, split: Split, accounts: dict[int, dict[str, str]]) -> int:
    owner_id = invoice.owner_id
    parked = Voucher.select().where(Voucher.payment == payment.id).exists()
    source_role = AccountRole.PREPAYMENTS.value if parked else AccountRole.BANK.value
    lines: dict[str, int] = defaultdict(int)
    lines[_account(accounts, owner_id, source_role)] += payment.amount
    lines[_account(accounts, owner_id, AccountRole.RECEIVABLES.value)] -= split.invoice_amount
    if split.excess_amount:
        lines[_account(accounts, owner_id, split.excess_role or AccountRole.PREPAYMENTS.value)] -= split.excess_amount
    number = _next_voucher_numbers({owner_id})[owner_id]
    voucher = Voucher.create(
        owner=owner_id,
        number=number,
        date=payment.pay_date,
        text=f"Fördelning av inbetalning till faktura {invoice.number}",
        source="allocation",
        payment=payment.id,
        created_at=now(),
    )
    insert_dicts(
        VoucherRow,
        [{"voucher": voucher.id, "account": a, "amount": amt, "text": ""} for a, amt in lines.items() if amt],
    )
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
