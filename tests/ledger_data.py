"""A small, fixed ledger with one invoice in every status, for the ledger service, CLI and app tests.

Built with the shared factories plus the few records they do not make (payments, notices, a
collection case, an exclusion, blocks). Dates are fixed around ``TODAY`` so screenshots and JSON
are the same on every run; tests pin the business date with ``TUI_INKASSO_TODAY``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tests.rate_data import rates_with_h2_2026
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    AuditEntry,
    BalanceReport,
    CollectionCase,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceRow,
    Payment,
    ReferenceRate,
    ReportedCorrection,
)
from tui_inkasso.db.notice_charges import charge_notice_fees

TODAY = "2026-11-28"
"""The business date the ledger is built around (set it as TUI_INKASSO_TODAY)."""

STAMP = dt.datetime(2026, 11, 2, 9, 30)
"""When the recorded events happened (fixed, so nothing depends on the clock)."""


@dataclass(frozen=True)
class SmallLedger:
    """Ids and numbers of what :func:`build_small_ledger` made."""

    anna: int
    bengt: int
    cecilia: int
    company: int
    invoices: dict[str, str]
    """Status code -> Anna's invoice number in that status."""
    case_number: str


def _pay(invoice: Invoice, amount: int, day: dt.date, method: str = "bankgiro", **fields: object) -> Payment:
    payment = Payment.create(
        method=method,
        invoice=invoice,
        customer=invoice.customer,
        owner=invoice.owner,
        amount=amount,
        invoice_amount=amount,
        pay_date=day,
        registered_at=dt.datetime.combine(day, dt.time(8, 0)),
        registered_by="testare",
        reference=invoice.ocr,
        **fields,
    )
    Invoice.update(balance=Invoice.balance - amount).where(Invoice.id == invoice.id).execute()
    return payment


def _notice(invoice: Invoice, level: int, name: str, issued: dt.date, fee: int) -> None:
    DunningNotice.create(
        invoice=invoice, level=level, name=name, issued_on=issued, deadline=issued + dt.timedelta(days=10),
        capital=invoice.balance, fee=fee, interest=0,
    )
    Invoice.update(
        dunning_level=level, dunning_date=issued, dunning_deadline=issued + dt.timedelta(days=10),
        fees=Invoice.fees + fee,
    ).where(Invoice.id == invoice.id).execute()
    charge_notice_fees(db.obj, [invoice.id])  # the letter's fee is a charge of the claim


def small_on_business_day(monkeypatch: pytest.MonkeyPatch) -> SmallLedger:
    """Pin the business date to ``TODAY`` and build the ledger in the bound database."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    return build_small_ledger()


@pytest.fixture
def small(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> SmallLedger:
    """The small ledger on SQLite (import it into a test module and list it in ``__all__``)."""
    return small_on_business_day(monkeypatch)


@pytest.fixture
def small_any(any_db: str, monkeypatch: pytest.MonkeyPatch) -> SmallLedger:
    """The small ledger on SQLite and again on PostgreSQL (for the queries that differ)."""
    return small_on_business_day(monkeypatch)


def build_small_ledger() -> SmallLedger:
    """Create the ledger in the bound database and return what the tests look for.

    One transaction: on PostgreSQL eighty autocommitted inserts cost a second per test.
    """
    with db.atomic():
        return _build()


def _build() -> SmallLedger:
    DunningLevelConfig.create(level=1, name="Påminnelse", days=10, fee=6000, deadline_days=10, kind="reminder")
    DunningLevelConfig.create(level=2, name="Krav 1", days=20, fee=18000, deadline_days=10,
                              kind="collection_demand")
    # The rate for 2026-07-01 staff enter before running reminders in late 2026 (tests/rate_data.py).
    ReferenceRate.insert_many([{"valid_from": r.valid_from, "rate_bp": r.rate_bp}
                               for r in rates_with_h2_2026()]).execute()
    owner = make_owner()
    home = make_object("1001-1101", sfi="bostad")
    garage = make_object("1001-G07", sfi="garage")
    anna = make_customer("K1001", name="Anna Andersson", national_id="19800101-0001")
    bengt = make_customer("K1002", name="Bengt Berg", national_id="19850612-1238")
    cecilia = make_customer("K1003", name="Cecilia Öberg", national_id="19760315-4563")
    company = make_customer("K2001", name="Norrbygg Service AB", national_id="559012-3450")
    Customer.update(
        dunning_blocked_reason="Betalningsplan överenskommen", dunning_blocked_by="testare", dunning_blocked_at=STAMP
    ).where(Customer.id == cecilia.id).execute()

    def invoice(number: str, due: tuple[int, int, int], amount: int = 845000, **kw: object) -> Invoice:
        return make_invoice(number, customer=anna, rental_object=home, due_date=dt.date(*due), amount=amount, **kw)

    numbers = {}
    numbers["open"] = invoice("2026001", (2026, 12, 31)).number
    numbers["overdue"] = invoice("2026002", (2026, 10, 31)).number
    partly = invoice("2026003", (2026, 9, 30))
    _pay(partly, 300000, dt.date(2026, 10, 2))
    numbers["partly_paid"] = partly.number
    paid = invoice("2026004", (2026, 8, 31))
    _pay(paid, 845000, dt.date(2026, 8, 30), method="autogiro")
    numbers["paid"] = paid.number
    reminder = invoice("2026005", (2026, 7, 31))
    _notice(reminder, 1, "Påminnelse", dt.date(2026, 8, 12), 6000)
    numbers["reminder"] = reminder.number
    demand = invoice("2026006", (2026, 6, 30), amount=125000, kind="direct")
    InvoiceRow.update(text="Nyckel, ersättning").where(InvoiceRow.invoice == demand.id).execute()
    _notice(demand, 1, "Påminnelse", dt.date(2026, 7, 12), 6000)
    _notice(demand, 2, "Krav 1", dt.date(2026, 8, 3), 18000)
    numbers["demand"] = demand.number
    marked = invoice("2026007", (2026, 5, 31), amount=912550)
    InvoiceRow.update(text="Hyra lägenhet", amount=880000).where(InvoiceRow.invoice == marked.id).execute()
    InvoiceRow.create(invoice=marked, line_no=2, text="Värme [el]", amount=32550)
    _notice(marked, 1, "Påminnelse", dt.date(2026, 6, 12), 6000)
    _notice(marked, 2, "Krav 1", dt.date(2026, 7, 3), 18000)
    case = CollectionCase.create(
        number="IK-2026-0001", system="intrum", owner=owner, customer=anna, created_at=STAMP, created_by="testare",
        agency_reference="INT-77881", capital=912550, fees=24000,
    )
    Invoice.update(collection_case=case, collection_marked_at=STAMP).where(Invoice.id == marked.id).execute()
    correction = _pay(Invoice.get_by_id(marked.id), 100000, dt.date(2026, 11, 10), collection_case=case)
    _pay(Invoice.get_by_id(marked.id), 200000, dt.date(2026, 11, 20), method="inkasso", sender_account="9900417")
    report = BalanceReport.create(owner=owner, created_at=STAMP, created_by="testare", corrections=1, amount=100000)
    ReportedCorrection.create(report=report, payment=correction)
    numbers["collection"] = marked.number
    excluded = invoice("2026008", (2026, 4, 30))
    _notice(excluded, 1, "Påminnelse", dt.date(2026, 5, 12), 6000)
    Invoice.update(excluded_reason="Tvist om hyresnivå", excluded_by="testare", excluded_at=STAMP).where(
        Invoice.id == excluded.id
    ).execute()
    numbers["excluded"] = excluded.number

    make_invoice("2026101", customer=bengt, rental_object=home, due_date=dt.date(2026, 10, 31), amount=610000)
    make_invoice("2026102", customer=bengt, rental_object=garage, due_date=dt.date(2026, 11, 30), amount=95000)
    make_invoice("2026201", customer=cecilia, rental_object=home, due_date=dt.date(2026, 9, 30), amount=720000)
    make_invoice("2026301", customer=company, rental_object=garage, due_date=dt.date(2026, 10, 31), amount=1250000)

    for minute, (action, object_type, object_id, details) in enumerate(
        [
            ("setting.changed", "setting", "collection.system", '{"old": "none", "new": "intrum"}'),
            ("case.created", "collection_case", "IK-2026-0001", '{"text": "1 faktura, 9 125,50 kr"}'),
            ("invoice.excluded", "invoice", "2026008", '{"text": "Tvist om hyresnivå"}'),
        ]
    ):
        AuditEntry.create(
            at=STAMP + dt.timedelta(minutes=minute), user="testare", action=action, object_type=object_type,
            object_id=object_id, details=details,
        )
    # the ledger's first administrator was made when the test opened it: at a fixed time too
    AuditEntry.update(at=STAMP - dt.timedelta(minutes=1)).where(AuditEntry.object_type == "staff_user").execute()
    return SmallLedger(anna.id, bengt.id, cecilia.id, company.id, numbers, case.number)
