"""Unmatched payments: the payments no invoice was found for, waiting for a hand.

A payment file's import books such a payment to the owner whose account received it, as a
prepayment with status ``unmatched`` (``services.payment_import``). Staff find it here
(:func:`unmatched_payments`, paged and sorted in SQL), look for its invoice
(:func:`find_invoices`) and allocate it (:func:`allocate_payment`), or keep it as a prepayment
on a customer (:func:`keep_as_prepayment`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from tui_inkasso.db.models import Customer, Invoice, Owner, Payment, PaymentFile
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.identifiers import digits_only
from tui_inkasso.services import customer_search, invoice_detail
from tui_inkasso.services.booking import Booked, allocate_unmatched, mark_as_prepayment
from tui_inkasso.services.errors import BookingError, NotFound, UserError
from tui_inkasso.services.permissions import reads, requires


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


UNMATCHED_SORTS: dict[str, pw.Field] = {
    "date": Payment.pay_date,
    "amount": Payment.amount,
    "payer": Payment.payer_name,
    "reference": Payment.reference,
}


def _unmatched_query(text: str = "") -> pw.ModelSelect[Payment]:
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


@reads
def count_unmatched(text: str = "") -> int:
    """How many payments wait for a hand (optionally only those matching ``text``)."""
    return _unmatched_query(text).count()


@reads
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
    return [UnmatchedPayment(*row) for row in tuple_rows(query)]


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


@reads
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
    found = [InvoiceCandidate(*row) for row in tuple_rows(exact)]
    if found:
        return found
    customers = [hit.id for hit in customer_search.search_customers(query, limit=20)]
    if not customers:
        return []
    query_open = (
        base.where(Invoice.customer.in_(customers) & (Invoice.balance > 0))
        .order_by(Customer.name, Invoice.due_date, Invoice.id)
        .limit(limit)
    )
    return [InvoiceCandidate(*row) for row in tuple_rows(query_open)]


@reads
def find_customers(text: str, limit: int = 50) -> list[customer_search.CustomerHit]:
    """Customers for "keep as prepayment": the ledger's search (name, number, id, invoice)."""
    return customer_search.search_customers(text, limit=limit)


@requires(StaffRole.CLERK, "fördela betalningar")
def allocate_payment(payment_id: int, invoice: int | str) -> Booked:
    """Allocate an unmatched payment to an invoice (id, number or OCR) by hand.

    Refused when the money came into another owner's account than the invoice's: the voucher
    would move money between two companies' books.
    """
    target = invoice_detail.find_invoice(invoice)
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


@requires(StaffRole.CLERK, "behålla betalningar som förskott")
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
