"""Collection cases and bookings for the balance-correction tests, made the way the program does.

Payments and credits go through the ONE booking service (``services.booking.book_one``), so a
payment on an invoice already in a case gets ``Payment.collection_case`` exactly as in
production. Cases are made with the models (the collection service is another issue's).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tests.rate_data import store_rates
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    CaseInvoice,
    CollectionCase,
    Invoice,
    Owner,
)
from tui_inkasso.formats.balance_xml import read_balance_xml
from tui_inkasso.services.booking import PaymentIn, book_one
from tui_inkasso.services.clock import now
from tui_inkasso.services.transaction import write_transaction

_cases = itertools.count(1)


def make_case(*invoices: Invoice, agency_reference: str = "", number: str | None = None) -> CollectionCase:
    """A collection case holding ``invoices`` (collection-marked from now on)."""
    first = invoices[0]
    with write_transaction():
        case = CollectionCase.create(
            number=number or f"IK-{next(_cases):05d}", system="intrum", owner=first.owner_id,
            customer=first.customer_id, created_at=now(), created_by="testare",
            agency_reference=agency_reference, capital=sum(i.balance for i in invoices),
        )
        for invoice in invoices:
            fresh = Invoice.get_by_id(invoice.id)
            CaseInvoice.create(case=case, invoice=fresh.id, balance=fresh.balance, debt_type="17")
            Invoice.update(collection_case=case, collection_marked_at=now()).where(
                Invoice.id == invoice.id).execute()
    return case


def pay(invoice: Invoice, amount: int, day: dt.date = dt.date(2026, 11, 10), *,
        method: str = "bankgiro", kind: str = "payment") -> int:
    """Book a payment (or credit) on ``invoice`` through the booking service; its id."""
    _ensure_rent_income(invoice.owner_id)
    booked = book_one(PaymentIn(amount=amount, pay_date=day, method=method, invoice_id=invoice.id,
                                kind=kind))
    return booked.payment_id


def _ensure_rent_income(owner_id: int) -> None:
    """Credits are booked against the rent income account; the factory owner lacks it."""
    if not Account.select().where((Account.owner == owner_id)
                                  & (Account.role == AccountRole.RENT_INCOME.value)).exists():
        Account.create(owner=owner_id, role=AccountRole.RENT_INCOME.value, number="3010",
                       name="Hyresintäkter")


def second_owner() -> Owner:
    """Another creditor with its own object, for one-file-per-owner tests."""
    owner = make_owner("FAB", name="Fastighets AB Norr", org_no="556012-3456")
    make_object("2002-0101", owner=owner)
    return owner


def invoice_for(owner: Owner | None = None, *, kind: str = "rent", amount: int = 845000,
                customer: str = "K1001", object_code: str | None = None, number: str | None = None,
                name: str = "Anna Andersson") -> Invoice:
    """An invoice of ``owner`` (the default owner when None)."""
    who = make_customer(customer, name=name)
    if owner is None:
        return make_invoice(number, kind=kind, amount=amount, customer=who)
    code = object_code or ("2002-0101" if owner.code == "FAB" else "1001-1101")
    return make_invoice(number, kind=kind, amount=amount, customer=who,
                        rental_object=make_object(code, owner=owner))


def file_payment_ids(path: Path) -> list[int]:
    """The payment ids a balance file holds (validated on reading)."""
    _header, corrections = read_balance_xml(path)
    return [int(c.correction_id) for c in corrections]


def pay_many(invoice: Invoice, amounts: list[int], day: dt.date = dt.date(2026, 11, 10)) -> list[int]:
    """Book many payments on ``invoice`` in one transaction (one booking-service call); ids."""
    from tui_inkasso.services.booking import book_payments

    with write_transaction():
        booked = book_payments([PaymentIn(amount=a, pay_date=day, method="bankgiro",
                                          invoice_id=invoice.id) for a in amounts])
    return [b.payment_id for b in booked]


def case_by_collection_run(invoice: Invoice, today: dt.date = dt.date(2026, 11, 28)) -> int:
    """Put ``invoice`` in a case the way staff do (the collection run, in-house), after the one
    reminder the configured levels ask for; the case's id."""
    from tui_inkasso.db.models import DunningLevelConfig, DunningNotice
    from tui_inkasso.services import collection_run

    store_rates()  # the handover charges interest for late 2026: staff enter that half-year's rate
    if not DunningLevelConfig.select().exists():
        DunningLevelConfig.create(level=1, name="Påminnelse", days=10, fee=0, deadline_days=10)
    issued, deadline = dt.date(2026, 10, 1), dt.date(2026, 10, 11)
    fresh = Invoice.get_by_id(invoice.id)
    DunningNotice.create(invoice=fresh, level=1, name="Påminnelse", issued_on=issued,
                         deadline=deadline, capital=fresh.balance)
    Invoice.update(dunning_level=1, dunning_date=issued, dunning_deadline=deadline).where(
        Invoice.id == invoice.id).execute()
    [case] = collection_run.create_cases(today, None, [invoice.id], "inhouse").cases
    return case.case_id
