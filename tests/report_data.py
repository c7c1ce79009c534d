"""Ledgers for the report tests (services, CLI, screens, snapshots): the example ledger and a
small collection history made by hand.

The collection history, over October and November 2026, so every figure can be worked out:

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

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import SHARED_DOCS, postgres_schema
from tests.factories import make_customer, make_invoice, make_object
from tui_inkasso.db.connection import close_database, open_database
from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CollectionCase,
    DunningNotice,
    Invoice,
    Payment,
)
from tui_inkasso.domain.money import kr
from tui_inkasso.services.ledger_import import import_ledger

__all__ = ["build_overview_ledger", "example_module", "example_shared", "example_sqlite",
           "overview_module", "overview_shared", "overview_sqlite"]

TODAY = dt.date(2026, 11, 28)


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


def build_overview_ledger() -> None:
    """The collection history of the module docstring (the business date must be TODAY)."""
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



@pytest.fixture
def overview_sqlite(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The collection history on SQLite (the screens' tests)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    build_overview_ledger()
    return sqlite_url


@pytest.fixture
def example_sqlite(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The example ledger on SQLite (the screens' tests)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    return sqlite_url


def _shared_ledger(store: str, tmp_path_factory: pytest.TempPathFactory, build: Callable[[], object]) -> Iterator[str]:
    """A ledger on ``store`` built once by ``build`` (for a module's tests that only read it;
    a PostgreSQL schema's tables and the ledger cost a second or two a test on a busy machine)."""
    before = os.environ.get("TUI_INKASSO_TODAY")
    os.environ["TUI_INKASSO_TODAY"] = TODAY.isoformat()
    with contextlib.ExitStack() as stack:
        if store == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'inkasso.db'}"
        else:
            url, _schema = stack.enter_context(postgres_schema())
        try:
            open_database(url)
            build()
            close_database()
            yield url
        finally:
            close_database()
            if before is None:
                os.environ.pop("TUI_INKASSO_TODAY", None)
            else:
                os.environ["TUI_INKASSO_TODAY"] = before


def _bound(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    open_database(url)
    yield url
    close_database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def example_module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example ledger imported once per test module and store."""
    yield from _shared_ledger(request.param, tmp_path_factory,
                              lambda: import_ledger(SHARED_DOCS / "ledger-import-example.json"))


@pytest.fixture
def example_shared(example_module: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The example ledger on SQLite and PostgreSQL, shared by the tests of a module that only
    read it (a test that writes takes :func:`example`)."""
    yield from _bound(example_module, monkeypatch)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def overview_module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The collection history built once per test module and store."""
    yield from _shared_ledger(request.param, tmp_path_factory, build_overview_ledger)


@pytest.fixture
def overview_shared(overview_module: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The collection history on SQLite and PostgreSQL, shared by the tests of a module that
    only read it."""
    yield from _bound(overview_module, monkeypatch)
