"""A fixed ledger for the rent-arrears tests: rent late on dwellings and premises, at the edges of
12 kap. 42 § jordabalken on the business day 2026-12-08 (a Tuesday).

| contract | object | rent due | on 2026-12-08 |
|---|---|---|---|
| H-DWELL-LATE | dwelling 1001-0101 | Mon 2026-11-30 | forfeited (a week ended Mon 12-07) |
| H-DWELL-EDGE | dwelling 1001-0102 | Tue 2026-12-01 | not yet (a week ends Tue 12-08) |
| H-PREM-LATE | premises 1001-L01 | Thu 2026-12-03 | forfeited (two vardagar: Fri, Mon) |
| H-PREM-EDGE | premises 1001-L02 | Fri 2026-12-04 | not yet (two vardagar: Mon, Tue) |
| H-PARK | parking 1001-P01 | 2026-11-01 | never: not under chapter 12 |
| H-DWELL-PAID | dwelling 1001-0103 | 2026-11-30, paid | never |
| H-MALMO | dwelling 2001-0101 in Malmö, no socialnämnd address | 2026-11-30 | forfeited, but a run stops |

H-DWELL-LATE also has an older rent due 2026-10-30 half paid, a direct invoice (never rent) and
a reminder fee and interest charged on its rent (never part of the recovery amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import make_customer, make_owner
from tui_inkasso.db.models import (
    Contract,
    Invoice,
    InvoiceCharge,
    InvoiceRow,
    ObjectType,
    Property,
    RentalObject,
    Socialnamnd,
)
from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.services import booking, settings
from tui_inkasso.services.booking import PaymentIn

DAY = dt.date(2026, 12, 8)
RENT = 1_234_550
"""A month's rent, öre (12 345,50 kr)."""

LISTED = ["H-DWELL-LATE", "H-MALMO", "H-PREM-LATE"]
"""What the list shows on DAY (by contract number)."""


@dataclass
class ArrearsLedger:
    """The fixture's handles."""

    out: Path
    invoices: dict[str, Invoice]

    def invoice(self, name: str) -> Invoice:
        return Invoice.get_by_id(self.invoices[name].id)


def _object_type(sfi: str, code: str, name: str) -> ObjectType:
    return ObjectType.get_or_none(ObjectType.code == code) or ObjectType.create(code=code, name=name, sfi=sfi)


def _invoice(contract: Contract, due: dt.date, amount: int = RENT, kind: str = "rent") -> Invoice:
    number = f"{9100001 + Invoice.select().count()}"  # the same numbers whatever ran before
    obj = contract.rental_object
    invoice = Invoice.create(
        number=number, kind=kind, owner=obj.property.owner, customer=contract.customer, rental_object=obj,
        contract=contract, invoice_date=due - dt.timedelta(days=10), due_date=due, ocr=ocr_with_check(number),
        amount=amount, balance=amount)
    InvoiceRow.create(invoice=invoice, line_no=1, text="Hyra", amount=amount)
    return invoice


def build_arrears_ledger(out: Path) -> ArrearsLedger:
    """The ledger of the module docstring, in the bound database."""
    owner = make_owner()
    uppsala = Property.create(code="1001", owner=owner, designation="Eken 1:2", name="Kv. Eken", area="Centrum",
                              municipality="Uppsala")
    malmo = Property.create(code="2001", owner=owner, designation="Björken 3:4", name="Kv. Björken", area="Söder",
                            municipality="Malmö")
    dwelling = _object_type("bostad", "LGH", "Lägenhet")
    premises = _object_type("ovriga", "LOK", "Lokal")
    parking = _object_type("parkering", "PP", "Parkeringsplats")
    Socialnamnd.create(municipality="Uppsala", address="Socialförvaltningen\nBox 1234\n751 04 Uppsala",
                       changed_at=dt.datetime(2026, 1, 1), changed_by="testare")
    invoices: dict[str, Invoice] = {}

    def contract(number: str, obj_code: str, prop: Property, otype: ObjectType, customer: str, rooms: str = "",
                 area: int | None = None) -> Contract:
        obj = RentalObject.create(code=obj_code, property=prop, object_type=otype, address=f"Storgatan 1, {obj_code}",
                                  rooms=rooms, floor_area=area)
        who = make_customer(customer, name=f"Hyresgäst {customer}", national_id="19800101-0001")
        return Contract.create(number=number, customer=who, rental_object=obj, start_date=dt.date(2020, 1, 1),
                               monthly_rent=RENT)

    late = contract("H-DWELL-LATE", "1001-0101", uppsala, dwelling, "K1", "2 rum och kök", 58)
    invoices["late_old"] = _invoice(late, dt.date(2026, 10, 30))
    invoices["late"] = _invoice(late, dt.date(2026, 11, 30))
    invoices["late_direct"] = _invoice(late, dt.date(2026, 10, 30), 50_000, kind="direct")
    edge = contract("H-DWELL-EDGE", "1001-0102", uppsala, dwelling, "K2", "1 rum och kök", 34)
    invoices["edge"] = _invoice(edge, dt.date(2026, 12, 1))
    prem = contract("H-PREM-LATE", "1001-L01", uppsala, premises, "K3")
    invoices["prem"] = _invoice(prem, dt.date(2026, 12, 3))
    prem_edge = contract("H-PREM-EDGE", "1001-L02", uppsala, premises, "K4")
    invoices["prem_edge"] = _invoice(prem_edge, dt.date(2026, 12, 4))
    park = contract("H-PARK", "1001-P01", uppsala, parking, "K5")
    invoices["park"] = _invoice(park, dt.date(2026, 11, 1))
    paid = contract("H-DWELL-PAID", "1001-0103", uppsala, dwelling, "K6", "3 rum och kök", 74)
    invoices["paid"] = _invoice(paid, dt.date(2026, 11, 30))
    malmo_contract = contract("H-MALMO", "2001-0101", malmo, dwelling, "K7", "2 rum och kök", 61)
    invoices["malmo"] = _invoice(malmo_contract, dt.date(2026, 11, 30))
    pay(invoices["paid"], RENT, dt.date(2026, 11, 30))
    pay(invoices["late_old"], RENT // 2, dt.date(2026, 11, 2))
    _charge(invoices["late"], "reminder_fee", 6_000)
    _charge(invoices["late"], "interest", 1_234)
    settings.set_setting("dunning.letters_dir", str(out))
    return ArrearsLedger(out, invoices)


def _charge(invoice: Invoice, kind: str, amount: int) -> None:
    """An open fee or interest on the invoice (carried over, no voucher): not rent."""
    InvoiceCharge.create(invoice=invoice, kind=kind, amount=amount, open_amount=amount, charged_on=DAY)
    column = Invoice.fees if kind != "interest" else Invoice.interest
    Invoice.update({column: column + amount}).where(Invoice.id == invoice.id).execute()


def pay(invoice: Invoice, amount: int, on: dt.date) -> None:
    """Book a bankgiro payment on the invoice, as a bank file would."""
    booking.book_one(PaymentIn(amount, on, "bankgiro", invoice_id=invoice.id))


@pytest.fixture
def arrears(any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArrearsLedger]:
    """The ledger on SQLite and on PostgreSQL, business day DAY."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", DAY.isoformat())
    yield build_arrears_ledger(tmp_path / "brev")


@pytest.fixture
def arrears_sqlite(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArrearsLedger]:
    """The same ledger on SQLite only (the CLI, the screens, the processes)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", DAY.isoformat())
    yield build_arrears_ledger(tmp_path / "brev")


__all__ = ["DAY", "LISTED", "RENT", "ArrearsLedger", "arrears", "arrears_sqlite", "build_arrears_ledger", "pay"]
