"""A small ledger for the collection run: invoices ready for collection of every SFI category,
two owners, a person and a company, an earlier exclusion, and invoices that are not ready.

Dates are fixed around ``TODAY`` (pin it with TUI_INKASSO_TODAY). Levels: Påminnelse and Krav 1;
"ready" invoices have had both and the demand's deadline (2026-11-10) has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tests.rate_data import rates_with_h2_2026
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    CaseInvoice,
    CollectionCase,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    PaymentMethod,
    ReferenceRate,
)
from tui_inkasso.db.notice_charges import charge_notice_fees
from tui_inkasso.services import collection_candidates, settings
from tui_inkasso.services.booking import PaymentIn, book_payments

TODAY = "2026-11-28"
DAY = dt.date(2026, 11, 28)
STAMP = dt.datetime(2026, 11, 2, 9, 30)

READY = ["3001", "3002", "3003", "3004", "3005", "3006", "3007"]
"""Invoices ready for collection on TODAY (all owners)."""

SFI_OF = {
    "3001": "bostad", "3002": "parkering", "3003": "garage", "3004": "ovriga", "3005": "lager",
    "3006": "ej_vald", "3007": "bostad",
}


@dataclass(frozen=True)
class CollectionLedger:
    """Invoice ids by number and the customers' numbers."""

    ids: dict[str, int]

    def id(self, number: str) -> int:
        return self.ids[number]

    def ready_ids(self) -> list[int]:
        return [self.ids[n] for n in READY]


def _notices(invoice: Invoice, levels: int, last: dt.date = dt.date(2026, 10, 31)) -> None:
    """Both levels issued (the last on ``last``, deadline ten days later)."""
    issued = last - dt.timedelta(days=20)
    fees = 0
    for level, name, fee in ((1, "Påminnelse", 6000), (2, "Krav 1", 18000))[:levels]:
        day = issued if level == 1 else last
        DunningNotice.create(invoice=invoice, level=level, name=name, issued_on=day,
                             deadline=day + dt.timedelta(days=10), capital=invoice.balance, fee=fee)
        fees += fee
    day = issued if levels == 1 else last
    Invoice.update(dunning_level=levels, dunning_date=day, dunning_deadline=day + dt.timedelta(days=10),
                   fees=fees).where(Invoice.id == invoice.id).execute()
    charge_notice_fees(db.obj, [invoice.id])  # the letters' fees are charges of the claim


def collection_on_business_day(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CollectionLedger:
    """Pin the business date, build the ledger, and send collection files to ``tmp_path/ut``."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    built = build_collection_ledger()
    settings.set_setting("collection.output_dir", str(tmp_path / "ut"))
    return built


@pytest.fixture
def ledger(any_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CollectionLedger:
    """The collection ledger on SQLite and on PostgreSQL (import it and list it in ``__all__``)."""
    return collection_on_business_day(monkeypatch, tmp_path)


def numbers(rows: list[collection_candidates.CandidateRow]) -> list[str]:
    """The invoice numbers of candidate rows, in order."""
    return [r.invoice_number for r in rows]


def marked(number: str) -> CollectionCase | None:
    """The collection case the invoice ``number`` is marked with, if any."""
    return Invoice.get(Invoice.number == number).collection_case


def build_collection_ledger() -> CollectionLedger:
    """Create the ledger in the bound database (one transaction)."""
    with db.atomic():
        return _build()


def _build() -> CollectionLedger:
    DunningLevelConfig.create(level=1, name="Påminnelse", days=10, fee=6000, deadline_days=10)
    DunningLevelConfig.create(level=2, name="Krav 1", days=20, fee=18000, deadline_days=10)
    # The rate for 2026-07-01 staff enter before handing claims over in late 2026 (tests/rate_data.py).
    ReferenceRate.insert_many([{"valid_from": r.valid_from, "rate_bp": r.rate_bp}
                               for r in rates_with_h2_2026()]).execute()
    bab = make_owner("BAB")
    fab = make_owner("FAB", name="Fastighets AB Norr", org_no="556703-7485", bankgiro="58056201")
    objects = {sfi: make_object(f"1001-{sfi[:3].upper()}", sfi=sfi, owner=bab)
               for sfi in ("bostad", "parkering", "garage", "ovriga")}
    objects["lager"] = make_object("2001-LAG", sfi="lager", owner=fab)
    objects["ej_vald"] = make_object("2001-OVR", sfi="ej_vald", owner=fab)
    anna = make_customer("K1001", name="Anna Andersson", national_id="19800101-0001")
    bengt = make_customer("K1002", name="Bengt Berg", national_id="19850612-1238")
    company = make_customer("K2001", name="Norrbygg Service AB", national_id="559012-3450")
    who = {"3001": anna, "3002": anna, "3003": bengt, "3004": company, "3005": company, "3006": bengt,
           "3007": anna}
    amounts = {"3001": 845000, "3002": 95000, "3003": 125000, "3004": 1250000, "3005": 50000,
               "3006": 30000, "3007": 845000}
    kinds = {"3003": "direct", "3006": "direct"}
    ids: dict[str, int] = {}
    for number in READY:
        sfi = SFI_OF[number]
        invoice = make_invoice(number, customer=who[number], rental_object=objects[sfi],
                               due_date=dt.date(2026, 9, 30), amount=amounts[number],
                               kind=kinds.get(number, "rent"))
        ids[number] = invoice.id
    # 3007 was partly paid before any case: the claim is the balance left.
    book_payments([PaymentIn(amount=300000, pay_date=dt.date(2026, 10, 5), method=PaymentMethod.BANKGIRO.value,
                             invoice_id=ids["3007"], reference="early")])
    for number in READY:
        _notices(Invoice.get_by_id(ids[number]), 2)
    # 3008: ready, but excluded earlier.
    excluded = make_invoice("3008", customer=anna, rental_object=objects["bostad"], due_date=dt.date(2026, 9, 30))
    _notices(excluded, 2)
    Invoice.update(excluded_reason="Tvist om hyresnivå", excluded_by="testare", excluded_at=STAMP).where(
        Invoice.id == excluded.id).execute()
    ids["3008"] = excluded.id
    # 3009: only the reminder; 3010: the demand's deadline has not passed.
    reminder = make_invoice("3009", customer=anna, rental_object=objects["bostad"], due_date=dt.date(2026, 10, 31))
    _notices(reminder, 1)
    ids["3009"] = reminder.id
    fresh = make_invoice("3010", customer=bengt, rental_object=objects["bostad"], due_date=dt.date(2026, 10, 31))
    _notices(fresh, 2, last=dt.date(2026, 11, 25))
    ids["3010"] = fresh.id
    # 3011: already in a case.
    marked = make_invoice("3011", customer=anna, rental_object=objects["bostad"], due_date=dt.date(2026, 6, 30))
    _notices(marked, 2, last=dt.date(2026, 8, 1))
    case = CollectionCase.create(number="IK-2026-000001", system="inhouse", owner=bab, customer=anna,
                                 created_at=STAMP, created_by="testare", capital=845000, fees=24000)
    CaseInvoice.create(case=case, invoice=marked, balance=845000, fees=24000, debt_type="bostad")
    Invoice.update(collection_case=case, collection_marked_at=STAMP).where(Invoice.id == marked.id).execute()
    ids["3011"] = marked.id
    # 3012: paid in full after both levels.
    paid = make_invoice("3012", customer=bengt, rental_object=objects["bostad"], due_date=dt.date(2026, 9, 30),
                        amount=10000)
    _notices(paid, 2)
    Invoice.update(balance=0).where(Invoice.id == paid.id).execute()
    ids["3012"] = paid.id
    return CollectionLedger(ids)


def assert_no_invoice_in_two_cases() -> None:
    """Every invoice is in at most one case, and its mark names that case."""
    links = list(CaseInvoice.select(CaseInvoice.invoice, CaseInvoice.case).tuples())
    assert len({i for i, _ in links}) == len(links)
    for invoice_id, case_id in links:
        assert Invoice.get_by_id(invoice_id).collection_case_id == case_id
