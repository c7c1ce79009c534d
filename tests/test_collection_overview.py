"""Inkassoöversikt (services/collection_overview.py) on SQLite and PostgreSQL.

A small ledger made by hand over October and November 2026, so every figure can be worked out:

* case A (eget register), created 10-05: invoice A1 3 000 kr; the agency paid 1 000 on 11-10;
  an event on 11-15;
* case B (Intrum), created 11-03 for another customer: B1 1 500 kr; the debtor paid 500 to the
  landlord on 11-20 (a balance correction), and 100 was credited on 11-21;
* case C (eget), created 09-15: C1 800 kr, paid in full through the agency 10-20, closed 10-25;
* case D (eget), created 10-10, status inkassokrav skickat: D1 1 200 kr, no event since: stalled;
* E1 1 000 kr got a reminder (1 060 with the fee) on 10-08, paid in full 10-15;
  F1 2 000 kr got a reminder (2 060) on 10-08, 500 was paid 10-12, a demand (1 560) on 10-20,
  300 paid 10-25.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_customer, make_invoice, make_object
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CollectionCase,
    DunningNotice,
    Invoice,
    Payment,
)
from tui_inkasso.domain.money import kr
from tui_inkasso.services.collection_overview import (
    OverviewError,
    OverviewOptions,
    collection_overview,
    default_period,
    month_spans,
    overview_json,
)
from tui_inkasso.services.demo import create_demo
from tui_inkasso.services.selection import Selection

TODAY = dt.date(2026, 11, 28)
PERIOD = (dt.date(2026, 10, 1), TODAY)


def _case(number: str, system: str, invoice: Invoice, created: dt.date, status: str = "registrerat") -> CollectionCase:
    case = CollectionCase.create(number=number, system=system, owner=invoice.owner, customer=invoice.customer,
                                 status=status, created_at=dt.datetime.combine(created, dt.time(10, 0)),
                                 created_by="testare", capital=invoice.balance)
    CaseInvoice.create(case=case, invoice=invoice, balance=invoice.balance, debt_type="bostad")
    Invoice.update(collection_case=case.id).where(Invoice.id == invoice.id).execute()
    return case


def _pay(invoice: Invoice, amount: str, day: dt.date, method: str = "bankgiro", *, kind: str = "payment",
         case: CollectionCase | None = None) -> None:
    ore = kr(amount)
    Payment.create(kind=kind, method=method, invoice=invoice, customer=invoice.customer, owner=invoice.owner,
                   amount=ore, invoice_amount=ore, pay_date=day, registered_at=dt.datetime.combine(day, dt.time(8)),
                   registered_by="testare", collection_case=case)
    Invoice.update(balance=Invoice.balance - ore).where(Invoice.id == invoice.id).execute()


def _notice(invoice: Invoice, level: int, day: dt.date, capital: str, fee: str) -> None:
    DunningNotice.create(invoice=invoice, level=level, name="Påminnelse" if level == 1 else "Krav", issued_on=day,
                         deadline=day + dt.timedelta(days=10), capital=kr(capital), fee=kr(fee))


@pytest.fixture
def ledger(any_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    a1 = make_invoice("700001", amount=kr("3000.00"))
    other = make_customer("K2001", name="Bengt Berg", national_id="19850612-1238")
    b1 = make_invoice("700002", amount=kr("1500.00"), customer=other, rental_object=make_object("1001-1102"))
    c1 = make_invoice("700003", amount=kr("800.00"))
    d1 = make_invoice("700004", amount=kr("1200.00"))
    e1 = make_invoice("700005", amount=kr("1000.00"), due_date=dt.date(2026, 9, 30))
    f1 = make_invoice("700006", amount=kr("2000.00"), due_date=dt.date(2026, 9, 30))
    case_a = _case("IK-2026-000001", "inhouse", a1, dt.date(2026, 10, 5))
    _pay(a1, "1000.00", dt.date(2026, 11, 10), "inkasso", case=case_a)
    CaseEvent.create(case=case_a, at=dt.datetime(2026, 11, 15, 9, 0), user="testare", kind="note", text="Ringt")
    case_b = _case("INT-2026-000001", "intrum", b1, dt.date(2026, 11, 3))
    _pay(b1, "500.00", dt.date(2026, 11, 20), case=case_b)
    _pay(b1, "100.00", dt.date(2026, 11, 21), "credit", kind="credit", case=case_b)
    case_c = _case("IK-2026-000002", "inhouse", c1, dt.date(2026, 9, 15))
    _pay(c1, "800.00", dt.date(2026, 10, 20), "inkasso", case=case_c)
    CollectionCase.update(status="avslutat", closed_at=dt.datetime(2026, 10, 25, 14, 0)).where(
        CollectionCase.id == case_c.id).execute()
    _case("IK-2026-000003", "inhouse", d1, dt.date(2026, 10, 10), status="inkassokrav skickat")
    _notice(e1, 1, dt.date(2026, 10, 8), "1000.00", "60.00")
    _pay(e1, "1060.00", dt.date(2026, 10, 15))
    _notice(f1, 1, dt.date(2026, 10, 8), "2000.00", "60.00")
    _pay(f1, "500.00", dt.date(2026, 10, 12))
    _notice(f1, 2, dt.date(2026, 10, 20), "1560.00", "0.00")
    _pay(f1, "300.00", dt.date(2026, 10, 25))
    return any_db


def test_every_figure_by_hand(ledger: str) -> None:
    data = overview_json(collection_overview(OverviewOptions(*PERIOD)))
    october, november = data["months"]
    assert october == {
        "month": "2026-10",
        "sent": {"inhouse": "4200.00", "intrum": "0.00", "svea": "0.00", "none": "0.00"},
        "sent_count": 2, "sent_invoices": {"inhouse": 2, "intrum": 0, "svea": 0, "none": 0}, "cases_created": 2,
        "recovered_agency": "800.00", "recovered_direct": "0.00", "credited": "0.00",
        "closed": 1, "closed_outcomes": {"paid": 1, "partly_paid": 0, "unpaid": 0},
        # A (2 000 now + the 1 000 the agency paid after October) and D; C was closed
        "open_in_collection": "4200.00",
    }
    assert november["sent"]["intrum"] == "1500.00" and november["sent_count"] == 1
    assert (november["recovered_agency"], november["recovered_direct"], november["credited"]) == (
        "1000.00", "500.00", "100.00")
    assert (november["closed"], november["open_in_collection"]) == (0, "4100.00")
    assert data["letters"] == [
        {"level": 1, "name": "Påminnelse", "kind": "reminder", "letters": 2, "claimed": "3120.00",
         "paid_in_full": 1, "paid_partly": 1, "paid": "1560.00"},
        {"level": 2, "name": "Krav 1", "kind": "demand", "letters": 1, "claimed": "1560.00",
         "paid_in_full": 0, "paid_partly": 1, "paid": "300.00"},
    ]
    assert data["cases_by_status"] == [
        {"status": "registrerat", "cases": 1, "claimed": "3000.00", "open": "2000.00"},
        {"status": "inkassokrav skickat", "cases": 1, "claimed": "1200.00", "open": "1200.00"},
        {"status": "avslutat", "cases": 1, "claimed": "800.00", "open": "0.00"},
    ]
    assert data["stalled_days"] == 30
    assert data["stalled_cases"] == [
        {"case": "IK-2026-000003", "status": "inkassokrav skickat", "customer": "K1001", "name": "Anna Andersson",
         "last_event": "2026-10-10", "days": 49, "open": "1200.00"}]
    assert collection_overview(OverviewOptions(*PERIOD, stalled_days=50)).stalled == []


def test_the_selection_narrows_every_figure(ledger: str) -> None:
    data = overview_json(collection_overview(OverviewOptions(*PERIOD, Selection(customers=("K2001",)))))
    assert [m["sent_count"] for m in data["months"]] == [0, 1]
    assert [m["recovered_agency"] for m in data["months"]] == ["0.00", "0.00"]
    assert [m["recovered_direct"] for m in data["months"]] == ["0.00", "500.00"]
    assert [m["open_in_collection"] for m in data["months"]] == ["0.00", "900.00"]
    assert data["letters"] == [] and data["stalled_cases"] == [] and data["cases_by_status"] == []


def test_periods() -> None:
    assert month_spans(dt.date(2026, 1, 15), dt.date(2026, 3, 2)) == [
        ("2026-01", dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 2))]
    assert default_period(dt.date(2026, 11, 28)) == (dt.date(2025, 12, 1), dt.date(2026, 11, 28))
    with pytest.raises(OverviewError, match="efter att den slutar"):
        month_spans(dt.date(2026, 3, 1), dt.date(2026, 2, 1))
    with pytest.raises(OverviewError, match="högst 60"):
        month_spans(dt.date(2020, 1, 1), dt.date(2026, 1, 1))


def test_the_demo_reconciles_by_independent_queries(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """"sent" is what the cases created in the period claimed; "recovered_agency" the payments
    with method Inkasso; the open amount today is what the aged receivables show in collection."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    create_demo(2000, 3)
    start, end = default_period(TODAY)
    overview = collection_overview(OverviewOptions(start, end))
    param = db.obj.param

    def one(sql: str, *params: object) -> int:
        return int(db.obj.execute_sql(sql.replace("?", param), params).fetchone()[0] or 0)

    sent = one('SELECT SUM("capital" + "fees" + "interest") FROM "collection_case" WHERE "created_at" >= ? '
               'AND "created_at" < ?', dt.datetime.combine(start, dt.time()), dt.datetime(2026, 11, 29))
    assert sent > 0 and overview.total("sent_total") == sent
    agency = one('SELECT SUM("amount") FROM "payment" WHERE "method" = ? AND "pay_date" BETWEEN ? AND ?',
                 "inkasso", start, end)
    assert agency > 0 and overview.total("recovered_agency") == agency
    open_now = one('SELECT SUM(i."balance" + i."fees" + i."interest") FROM "invoice" i JOIN "collection_case" c '
                   'ON c."id" = i."collection_case_id" WHERE c."closed_at" IS NULL')
    assert overview.months[-1].open_in_collection == open_now
