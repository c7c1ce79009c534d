"""Booking payments and credits: splits, balances, vouchers, corrections, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    AuditEntry,
    CollectionCase,
    Invoice,
    Payment,
    Voucher,
    VoucherRow,
)
from tui_inkasso.services.booking import (
    PaymentBatch,
    PaymentIn,
    allocate_unmatched,
    book_one,
    book_payments,
    mark_as_prepayment,
)
from tui_inkasso.services.errors import BookingError
from tui_inkasso.services.transaction import write_transaction

DAY = dt.date(2026, 9, 25)


def _rows(payment_id: int) -> dict[str, int]:
    voucher = Voucher.get(Voucher.payment == payment_id)
    return {r.account: r.amount for r in VoucherRow.select().where(VoucherRow.voucher == voucher)}


def test_partial_payment(any_db: str) -> None:
    invoice = make_invoice("100236", amount=1875000)
    booked = book_one(PaymentIn(500000, DAY, "bankgiro", invoice.id, reference=invoice.ocr))
    assert Invoice.get_by_id(invoice.id).balance == 1375000
    assert booked.split.invoice_amount == 500000 and booked.split.excess_amount == 0
    assert _rows(booked.payment_id) == {"1930": 500000, "1510": -500000}
    assert AuditEntry.select().where(AuditEntry.action == "payment.booked").count() == 1


def test_agency_overpayment_goes_to_mapped_account(any_db: str) -> None:
    invoice = make_invoice(amount=84500)
    booked = book_one(PaymentIn(90000, DAY, "inkasso", invoice.id, sender_account="5051057"))
    assert booked.split.excess_amount == 5500
    assert booked.split.excess_role == "Överskjutande betalning inkasso"
    assert Invoice.get_by_id(invoice.id).balance == 0
    assert _rows(booked.payment_id) == {"1930": 90000, "1510": -84500, "2421": -5500}


def test_agency_overpayment_without_mapping_is_a_prepayment(any_db: str) -> None:
    owner = make_owner("FAB", name="Fastighets AB Utan Konto", org_no="559012-3450", overpayment_account=False)
    invoice = make_invoice(amount=84500, rental_object=make_object("2001-G03", sfi="garage", owner=owner))
    booked = book_one(PaymentIn(90000, DAY, "inkasso", invoice.id))
    assert booked.split.excess_role == "Förskott från kunder"
    assert _rows(booked.payment_id) == {"1930": 90000, "1510": -84500, "2420": -5500}


def test_ordinary_overpayment_is_a_prepayment_even_with_mapping(any_db: str) -> None:
    invoice = make_invoice(amount=84500)
    booked = book_one(PaymentIn(90000, DAY, "bankgiro", invoice.id))
    assert booked.split.excess_role == "Förskott från kunder"


def test_two_payments_in_one_batch_see_each_other(any_db: str) -> None:
    invoice = make_invoice(amount=100000)
    with write_transaction():
        first, second = book_payments(
            [PaymentIn(60000, DAY, "inkasso", invoice.id), PaymentIn(60000, DAY, "inkasso", invoice.id)]
        )
    assert first.split.invoice_amount == 60000
    assert (second.split.invoice_amount, second.split.excess_amount) == (40000, 20000)
    assert Invoice.get_by_id(invoice.id).balance == 0
    numbers = [v.number for v in Voucher.select().order_by(Voucher.number)]
    assert numbers == [1, 2]


def test_payment_on_collection_marked_invoice_is_a_correction(any_db: str) -> None:
    invoice = make_invoice(amount=84500)
    before = book_one(PaymentIn(10000, DAY, "bankgiro", invoice.id))
    case = CollectionCase.create(
        number="IN-1",
        system="inhouse",
        owner=invoice.owner,
        customer=invoice.customer,
        created_at=dt.datetime(2026, 10, 1),
        created_by="testare",
    )
    Invoice.update(collection_case=case).where(Invoice.id == invoice.id).execute()
    after = book_one(PaymentIn(20000, DAY, "bankgiro", invoice.id))
    assert before.collection_case_id is None
    assert after.collection_case_id == case.id
    assert Payment.get_by_id(after.payment_id).collection_case_id == case.id


def test_credit(any_db: str) -> None:
    invoice = make_invoice(amount=84500)
    owner = invoice.owner
    from tui_inkasso.db.models import Account

    Account.create(owner=owner, role="Hyresintäkter", number="3010")
    booked = book_one(PaymentIn(4500, DAY, "credit", invoice.id, kind="credit"))
    assert Invoice.get_by_id(invoice.id).balance == 80000
    assert _rows(booked.payment_id) == {"3010": 4500, "1510": -4500}
    with pytest.raises(BookingError, match="större än fakturans saldo"):
        book_one(PaymentIn(90000, DAY, "credit", invoice.id, kind="credit"))


def test_missing_account_is_refused_and_nothing_written(any_db: str) -> None:
    invoice = make_invoice(amount=84500)
    with pytest.raises(BookingError, match='saknar konto för kontovärdet "Hyresintäkter"'):
        book_one(PaymentIn(4500, DAY, "credit", invoice.id, kind="credit"))
    assert Payment.select().count() == 0
    assert Invoice.get_by_id(invoice.id).balance == 84500


def test_unmatched_then_allocated(any_db: str) -> None:
    owner = make_owner()
    invoice = make_invoice(amount=84500)
    parked = book_one(PaymentIn(84500, DAY, "bankgiro", None, owner_id=owner.id, reference="okänd"))
    payment = Payment.get_by_id(parked.payment_id)
    assert payment.status == "unmatched" and payment.invoice is None
    assert _rows(payment.id) == {"1930": 84500, "2420": -84500}
    allocated = allocate_unmatched(payment.id, invoice.id)
    assert allocated.split.invoice_amount == 84500
    assert Invoice.get_by_id(invoice.id).balance == 0
    assert Payment.get_by_id(payment.id).status == "booked"
    allocation = Voucher.get(Voucher.source == "allocation")
    assert {r.account: r.amount for r in allocation.rows} == {"2420": 84500, "1510": -84500}
    with pytest.raises(BookingError):
        allocate_unmatched(payment.id, invoice.id)


def test_unmatched_kept_as_prepayment(any_db: str) -> None:
    owner = make_owner()
    customer = make_customer()
    parked = book_one(PaymentIn(1000, DAY, "bankgiro", None, owner_id=owner.id))
    mark_as_prepayment(parked.payment_id, customer.id)
    payment = Payment.get_by_id(parked.payment_id)
    assert (payment.status, payment.customer_id) == ("prepayment", customer.id)


def test_a_batch_plans_its_parts_without_a_query_and_books_them_all(any_db: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """PaymentBatch (a bank file): on PostgreSQL one part's rows are written by COPY on another
    thread while the next part is planned, and a query from the planning thread then hangs the
    connection. So everything planning reads, the reference rates of late interest too, is read
    when the batch starts; the parts book as one file would."""
    invoice = make_invoice(amount=1_000_000, due_date=dt.date(2026, 1, 30))
    items = [PaymentIn(1000, DAY, "bankgiro", invoice.id, bank_ref=f"bgmax:{n}") for n in range(120)]
    queries: list[str] = []
    with write_transaction():
        batch = PaymentBatch([invoice.id], set(), len(items))
        real = db.obj.execute_sql

        def spy(sql: str, *args: object, **kwargs: object) -> object:
            queries.append(sql)
            return real(sql, *args, **kwargs)

        monkeypatch.setattr(db.obj, "execute_sql", spy)
        with batch.writing():
            booked = batch.book(items[:60]) + batch.book(items[60:])
            assert queries == [], "planning and handing over the parts queried nothing"
        monkeypatch.undo()
    assert Payment.select().where(Payment.invoice == invoice.id).count() == 120
    assert Voucher.select().where(Voucher.payment.in_([b.payment_id for b in booked])).count() == 120
    assert Invoice.get_by_id(invoice.id).balance == 1_000_000 - 120_000


@pytest.mark.parametrize("background", [False, True])
def test_a_batch_changes_only_balance_fees_and_interest_of_its_invoices(any_db: str, background: bool) -> None:
    """The invoices' UPDATE names more columns than it changes on PostgreSQL (customer, contract,
    object and due date assigned to themselves, for the indexes' sake): every invoice keeps them,
    and an invoice not paid keeps everything."""
    invoices = [make_invoice(f"77{n:03d}", amount=100_000 + n, due_date=dt.date(2026, 8, 1 + n % 28))
                for n in range(30)]
    paid = {i.id for i in invoices[:25]}

    def rows() -> dict[int, dict[str, object]]:
        return {row["id"]: row for row in Invoice.select().dicts()}

    before = rows()
    items = [PaymentIn(1000 + n, DAY, "bankgiro", i, bank_ref=f"bgmax:{n}") for n, i in enumerate(sorted(paid))]
    if background:  # a bank file's way: the settled amounts written on the writer's thread
        with write_transaction():
            batch = PaymentBatch(sorted(paid), set(), len(items))
            with batch.writing():
                batch.book(items[:10])
                batch.book(items[10:])
                batch.settled_in_background()
    else:
        book_payments_in_one(items)
    after = rows()
    for invoice_id, row in after.items():
        kept = {k: v for k, v in row.items() if invoice_id not in paid or k not in {"balance", "fees", "interest"}}
        assert kept == {k: before[invoice_id][k] for k in kept}, invoice_id
        if invoice_id in paid:
            assert row["balance"] == before[invoice_id]["balance"] - (1000 + sorted(paid).index(invoice_id))


def book_payments_in_one(items: list[PaymentIn]) -> None:
    with write_transaction():
        book_payments(items)
