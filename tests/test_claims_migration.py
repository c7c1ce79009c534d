"""Schema version 4 on SQLite and PostgreSQL: an older ledger's fees and interest become charges.

Before the claim model an invoice kept every fee its letters charged in ``invoice.fees``, each
notice the interest its letter showed, and a case the interest it claimed; payments settled the
capital only. The migration makes each of them a charge, open where capital is still open,
written off on a settled invoice, never booked (income is booked when a payment settles it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest

from tests.conftest import postgres_schema
from tests.schema_v1 import v1_models
from tui_inkasso.db import migrations
from tui_inkasso.db.connection import close_database, open_database
from tui_inkasso.db.models import Invoice, InvoiceCharge, Voucher
from tui_inkasso.services.booking import PaymentIn, book_one

DAY = dt.date(2026, 9, 8)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a version-1 database with three invoices, their letters and a case."""
    if request.param == "sqlite":
        yield from _built(f"sqlite:///{tmp_path / 'old.db'}")
        return
    with postgres_schema("c") as (url, _schema):
        yield from _built(url)


def _built(url: str) -> Iterator[str]:
    database = open_database(url, migrate=False)
    frozen = {m.__name__: m for m in v1_models()}
    with database.bind_ctx(list(frozen.values())):
        database.create_tables(list(frozen.values()))
        _rows(frozen)
    migrations.stamp_version(database, 1)
    close_database()
    try:
        yield url
    finally:
        close_database()


def _rows(m: dict[str, type[pw.Model]]) -> None:
    owner = m["Owner"].create(code="BAB", name="Bostads AB", org_no="556036-0793", bankgiro="58056201",
                              address="", postal_code="", city="", phone="", email="")
    for role, number in (("Kundfordringar", "1510"), ("Bank", "1930"), ("Förskott från kunder", "2420"),
                         ("Påminnelseavgifter", "3591"), ("Ränteintäkter", "8313")):
        m["Account"].create(owner=owner, role=role, number=number, name=role)
    prop = m["Property"].create(code="1001", owner=owner, designation="Exempla 1:1", name="", area="Norr")
    kind = m["ObjectType"].create(code="LGH", name="Lägenhet", sfi="bostad")
    obj = m["RentalObject"].create(code="1001-1", property=prop, object_type=kind, address="")
    customer = m["Customer"].create(number="K1", name="Anna", national_id="19800101-0001", is_company=False,
                                    address="", postal_code="", city="", email="", phone="", search_text="anna")
    run = m["DunningRun"].create(run_date=DAY, created_at=dt.datetime(2026, 9, 8, 7), created_by="x", notices=3,
                                 fees=0, pdf_path=None)

    def invoice(number: str, balance: int, fees: int, level: int) -> pw.Model:
        return m["Invoice"].create(
            number=number, kind="rent", owner=owner, customer=customer, rental_object=obj, contract=None,
            invoice_date=dt.date(2026, 8, 20), due_date=dt.date(2026, 8, 31), ocr=number + "7", amount=845000,
            balance=balance, fees=fees, dunning_level=level, dunning_date=DAY, dunning_deadline=DAY)

    def notice(inv: pw.Model, level: int, fee: int, interest: int, issued: dt.date) -> None:
        m["DunningNotice"].create(invoice=inv, run=run, level=level, name="Påminnelse" if level == 1 else "Krav",
                                  issued_on=issued, deadline=issued + dt.timedelta(days=10), capital=845000,
                                  fee=fee, interest=interest, letter=None)

    open_one = invoice("100001", 845000, 24000 + 5000, 2)  # 50 kr of fees that no notice explains
    notice(open_one, 1, 6000, 1204, DAY)
    notice(open_one, 2, 18000, 3981, DAY + dt.timedelta(days=20))
    paid = invoice("100002", 0, 6000, 1)
    notice(paid, 1, 6000, 1204, DAY)
    in_case = invoice("100003", 845000, 6000, 1)
    notice(in_case, 1, 6000, 1204, DAY)
    case = m["CollectionCase"].create(number="IK-1", system="inhouse", owner=owner, customer=customer,
                                      status="registrerat", created_at=dt.datetime(2026, 10, 7, 10), created_by="x",
                                      file=None, agency_reference="", capital=845000, fees=6000, interest=7408,
                                      closed_at=None)
    m["CaseInvoice"].create(case=case, invoice=in_case, balance=845000, fees=6000, interest=7408, debt_type="bostad")
    m["Invoice"].update(collection_case=case).where(m["Invoice"].id == in_case.id).execute()


def test_old_fees_and_interest_become_charges_open_or_written_off(old_ledger: str) -> None:
    open_database(old_ledger)
    assert migrations.current_version(Invoice._meta.database) == migrations.LATEST

    def charges(number: str) -> list[tuple[str, int, int, int]]:
        query = (InvoiceCharge.select().join(Invoice).where(Invoice.number == number)
                 .order_by(InvoiceCharge.charged_on, InvoiceCharge.id))
        return [(c.kind, c.amount, c.open_amount, c.written_off) for c in query]

    assert sorted(charges("100001")) == sorted([
        ("reminder_fee", 6000, 6000, 0), ("interest", 3981, 3981, 0), ("collection_fee", 18000, 18000, 0),
        ("reminder_fee", 5000, 5000, 0)]), "the last letter's interest already covered the first one's days"
    assert charges("100002") == [("reminder_fee", 6000, 0, 6000), ("interest", 1204, 0, 1204)]
    assert sorted(charges("100003")) == sorted([("reminder_fee", 6000, 6000, 0), ("interest", 7408, 7408, 0)])
    first = Invoice.get(Invoice.number == "100001")
    assert (first.fees, first.interest, first.interest_to) == (29000, 3981, DAY + dt.timedelta(days=20))
    paid = Invoice.get(Invoice.number == "100002")
    assert (paid.fees, paid.interest) == (0, 0)
    case_interest = InvoiceCharge.get(InvoiceCharge.case.is_null(False))
    assert (case_interest.charged_on, case_interest.period_to) == (dt.date(2026, 10, 7), dt.date(2026, 10, 7))
    assert not InvoiceCharge.select().where(InvoiceCharge.voucher.is_null(False)).exists(), "none was booked"
    # Paying the migrated claim settles its charges and books their income only now.
    booked = book_one(PaymentIn(amount=845000 + 29000 + 3981, pay_date=dt.date(2026, 10, 1), method="bankgiro",
                                invoice_id=first.id))
    assert booked.split.excess_amount == 0
    rows = {r.account: r.amount for r in Voucher.get_by_id(booked.voucher_id).rows}
    assert rows == {"1930": 877981, "1510": -845000, "3591": -29000, "8313": -3981}
