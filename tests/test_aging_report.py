"""Åldersanalys (services/aging_report.py) on SQLite and PostgreSQL.

The example ledger (../shared/docs/ledger-import-example.json) is imported and the report is
checked against figures worked out by hand from that file: eight invoices, a 60 kr reminder fee
on seven of them, three payments (which the import books on the capital). On 2026-11-28 the
August rents are 89 days overdue (61–90) and the September ones 59 (31–60):

    invoice  owner prop type cust    capital     fee    open   bucket
    100234   BAB   EX1  LGH  K1001   8450,00   60,00  8510,00  61–90
    100235   BAB   EX1  PP   K1001    450,00   60,00   510,00  61–90
    100236   BAB   EX1  LOK  K1002  13750,00   60,00 13810,00  61–90  (18750 − 5000 paid 09-25)
    200001   BAB   EX1  FRD  K1001   1250,00   60,00  1310,00  61–90
    200002   FAB   EX2  GAR  K2001    900,00   60,00   960,00  61–90
    300001   FAB   EX2  OVR  K2001    200,00   60,00   260,00  61–90  (300 − 100 paid 09-02)
    100237   BAB   EX1  LGH  K1001   8450,00   60,00  8510,00  31–60  (fee charged 10-08)
    100238   FAB   EX2  GAR  K2001      0,00    0,00     0,00  —      (paid in full 09-29)
                                    33450,00  420,00 33870,00
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_customer, make_invoice, make_object
from tests.report_data import TODAY, example_module, example_shared
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    CollectionCase,
    Contract,
    Invoice,
    InvoiceCharge,
    Termination,
    TerminationInvoice,
    TerminationRun,
)
from tui_inkasso.domain.money import kr
from tui_inkasso.services.aging_report import (
    AgingError,
    AgingOptions,
    GroupRef,
    Mode,
    aging_invoices,
    aging_json,
    aging_report,
    count_aging_invoices,
)
from tui_inkasso.services.booking import PaymentIn, book_payments
from tui_inkasso.services.selection import Selection, SelectionError
from tui_inkasso.services.setting_keys import SettingError
from tui_inkasso.services.settings import set_setting
from tui_inkasso.services.transaction import write_transaction

__all__ = ["example_module", "example_shared"]  # the fixtures, imported for pytest


def _by_key(report, attribute: str = "total") -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {row.key: getattr(row, attribute) for row in report.groups}


def test_the_example_ledger_by_hand(example_shared: str) -> None:
    report = aging_report(AgingOptions(TODAY, "owner"))
    assert [b.code for b in report.buckets] == ["not_due", "1-30", "31-60", "61-90", "91-180", "over_180"]
    assert report.totals.amounts == (0, 0, kr("8510.00"), kr("25360.00"), 0, 0)
    assert report.totals.total == kr("33870.00")
    assert (report.totals.capital, report.totals.fees, report.totals.interest) == (kr("33450.00"), kr("420.00"), 0)
    assert report.totals.invoices == 7
    assert _by_key(report) == {"BAB": kr("32650.00"), "FAB": kr("1220.00")}
    bab = report.groups[0]
    assert (bab.name, bab.amounts[2], bab.amounts[3]) == ("Bostads AB Exempel", kr("8510.00"), kr("24140.00"))
    assert _by_key(aging_report(AgingOptions(TODAY, "property"))) == {"EX1": kr("32650.00"), "EX2": kr("1220.00")}
    assert _by_key(aging_report(AgingOptions(TODAY, "object_type"))) == {
        "FRD": kr("1310.00"), "GAR": kr("960.00"), "LGH": kr("17020.00"), "LOK": kr("13810.00"),
        "OVR": kr("260.00"), "PP": kr("510.00")}
    customers = aging_report(AgingOptions(TODAY, "customer"))
    assert _by_key(customers) == {"K1001": kr("18840.00"), "K1002": kr("13810.00"), "K2001": kr("1220.00")}
    assert _by_key(customers, "fees") == {"K1001": kr("240.00"), "K1002": kr("60.00"), "K2001": kr("120.00")}

    # reconciled by an independent query: every invoice's capital, fees and interest
    (expected,) = db.obj.execute_sql(
        'SELECT SUM("balance" + "fees" + "interest") FROM "invoice" WHERE "invoice_date" <= %s'
        .replace("%s", db.obj.param), (TODAY,)).fetchone()
    for group_by in ("owner", "property", "object_type", "customer"):
        report = aging_report(AgingOptions(TODAY, group_by))
        assert report.totals.total == expected == sum(row.total for row in report.groups)


EARLIER_DAYS = [
    # payments up to 09-29 were made, the fee of 100237 (charged 10-08) was not; 100237 falls due
    # on the day itself (not due)
    (dt.date(2026, 9, 30), "33810.00", {"not_due": "8450.00", "1-30": "25360.00"}),
    # 100236's payment of 09-25 and 100238's of 09-29 not made yet; both September invoices issued
    (dt.date(2026, 9, 20), "39710.00", {"not_due": "9350.00", "1-30": "30360.00"}),
    # before the reminders (no fees yet) and before the September invoices were issued
    (dt.date(2026, 9, 5), "30000.00", {"1-30": "30000.00"}),
]


def test_an_earlier_day_takes_back_what_happened_after_it(example_shared: str) -> None:
    for day, total, buckets in EARLIER_DAYS:
        data = aging_json(aging_report(AgingOptions(day, "owner")))
        assert data["total"] == total, day
        assert {k: v for k, v in data["totals"].items() if v != "0.00"} == buckets, day


def test_a_fee_settled_after_the_day_is_still_open_on_the_day(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Costs first: a payment of 1 000 kr on 10-20 settles the 60 kr fee, then 940 kr of capital."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    invoice = make_invoice("500001", amount=kr("2000.00"), due_date=dt.date(2026, 9, 30))
    InvoiceCharge.create(invoice=invoice, kind="reminder_fee", amount=kr("60.00"), open_amount=kr("60.00"),
                         charged_on=dt.date(2026, 10, 8))
    Invoice.update(fees=kr("60.00")).where(Invoice.id == invoice.id).execute()
    with write_transaction():
        book_payments([PaymentIn(kr("1000.00"), dt.date(2026, 10, 20), "bankgiro", invoice.id)])
    now = aging_report(AgingOptions(TODAY, "owner")).totals
    assert (now.capital, now.fees, now.total) == (kr("1060.00"), 0, kr("1060.00"))
    before = aging_report(AgingOptions(dt.date(2026, 10, 19), "owner")).totals
    assert (before.capital, before.fees, before.total) == (kr("2000.00"), kr("60.00"), kr("2060.00"))
    before_fee = aging_report(AgingOptions(dt.date(2026, 10, 7), "owner")).totals
    assert (before_fee.capital, before_fee.fees) == (kr("2000.00"), 0)
    line = aging_invoices(AgingOptions(dt.date(2026, 10, 19), "owner"), GroupRef(everything=True))[0]
    assert (line.number, line.capital, line.fees, line.days_overdue, line.bucket) == (
        "500001", kr("2000.00"), kr("60.00"), 19, 1)


def _in_collection_and_terminated() -> tuple[Invoice, Invoice, Invoice]:
    """Three invoices of one owner: one plain, one in a case, one in a running termination."""
    plain = make_invoice("600001", amount=kr("1000.00"), due_date=dt.date(2026, 10, 31))
    in_case = make_invoice("600002", amount=kr("2000.00"), due_date=dt.date(2026, 8, 31))
    terminated = make_invoice("600003", amount=kr("4000.00"), due_date=dt.date(2026, 10, 31),
                              customer=make_customer("K2002", name="Bo Ek", national_id="19850612-1238"),
                              rental_object=make_object("1001-1102"))
    case = CollectionCase.create(number="IK-2026-000001", system="inhouse", owner=in_case.owner,
                                 customer=in_case.customer, created_at=dt.datetime(2026, 10, 1, 9, 0),
                                 created_by="testare", capital=kr("2000.00"))
    Invoice.update(collection_case=case.id).where(Invoice.id == in_case.id).execute()
    contract = Contract.create(number="A-1", customer=terminated.customer, rental_object=terminated.rental_object,
                               start_date=dt.date(2020, 1, 1))
    run = TerminationRun.create(run_date=dt.date(2026, 11, 12), created_at=dt.datetime(2026, 11, 12, 9, 0),
                                created_by="testare", terminations=1, amount=kr("4000.00"))
    termination = Termination.create(
        run=run, contract=contract, customer=terminated.customer, owner=terminated.owner,
        rental_object=terminated.rental_object, premises="dwelling", terminated_on=dt.date(2026, 11, 12),
        created_at=dt.datetime(2026, 11, 12, 9, 0), recovery_amount=kr("4000.00"), state="recovery_running",
        state_since=dt.date(2026, 11, 14), letter="{}")
    TerminationInvoice.create(termination=termination, invoice=terminated, due_date=terminated.due_date,
                              amount=kr("4000.00"))
    return plain, in_case, terminated


def test_collection_and_termination_are_shown_apart_or_left_out(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    plain, in_case, terminated = _in_collection_and_terminated()
    shown = aging_report(AgingOptions(TODAY, "owner")).groups[0]
    assert (shown.total, shown.in_collection, shown.in_termination) == (kr("7000.00"), kr("2000.00"), kr("4000.00"))

    apart = aging_report(AgingOptions(TODAY, "owner", collection=Mode.APART, termination=Mode.APART))
    assert [(r.key, r.total) for r in apart.groups] == [("BAB", kr("1000.00"))]
    assert [(r.apart, r.name, r.total, r.invoices) for r in apart.apart] == [
        ("collection", "I inkasso", kr("2000.00"), 1), ("termination", "Under uppsägning", kr("4000.00"), 1)]
    assert apart.totals.total == kr("7000.00")
    options = AgingOptions(TODAY, "owner", collection=Mode.APART, termination=Mode.APART)
    listed = aging_invoices(options, GroupRef(apart="collection"))
    assert [(i.number, i.case_number, i.case_text) for i in listed] == [
        ("600002", "IK-2026-000001", "IK-2026-000001 (eget ärenderegister)")]
    assert [i.number for i in aging_invoices(options, GroupRef(apart="termination"))] == ["600003"]
    assert [i.number for i in aging_invoices(options, GroupRef(apart.groups[0].group_id))] == ["600001"]

    left_out = aging_report(AgingOptions(TODAY, "owner", collection=Mode.EXCLUDE, termination=Mode.EXCLUDE))
    assert left_out.totals.total == kr("1000.00")
    assert {k: (r.invoices, r.total) for k, r in left_out.excluded.items()} == {
        "collection": (1, kr("2000.00")), "termination": (1, kr("4000.00"))}
    data = aging_json(left_out)
    assert data["total"] == "1000.00"
    assert data["excluded"]["collection"]["total"] == "2000.00"

    # before the case was created and before the termination: plain open invoices
    earlier = aging_report(AgingOptions(dt.date(2026, 9, 30), "owner", collection=Mode.APART,
                                        termination=Mode.APART))
    assert earlier.apart == [] and earlier.totals.total == kr("2000.00")  # 600001/600003 not issued yet

    Termination.update(state="recovered", state_since=dt.date(2026, 11, 20)).execute()
    recovered = aging_report(AgingOptions(TODAY, "owner", termination=Mode.APART))
    assert [r.apart for r in recovered.apart] == []
    on_the_19th = aging_report(AgingOptions(dt.date(2026, 11, 19), "owner", termination=Mode.APART))
    assert [r.apart for r in on_the_19th.apart] == ["termination"]


def test_the_drill_down_pages_and_sorts_in_sql(example_shared: str) -> None:
    report = aging_report(AgingOptions(TODAY, "customer"))
    anna = next(row for row in report.groups if row.key == "K1001")
    options = AgingOptions(TODAY, "customer")
    assert count_aging_invoices(options, GroupRef(anna.group_id)) == anna.invoices == 4
    oldest = aging_invoices(options, GroupRef(anna.group_id))
    assert [i.number for i in oldest] == ["100234", "100235", "200001", "100237"]
    assert [(i.days_overdue, i.bucket) for i in oldest] == [(89, 3), (89, 3), (89, 3), (59, 2)]
    largest = aging_invoices(options, GroupRef(anna.group_id), sort="total", descending=True, offset=1, limit=2)
    assert [(i.number, i.total) for i in largest] == [("100234", kr("8510.00")), ("200001", kr("1310.00"))]
    with pytest.raises(AgingError, match="kan inte sorteras"):
        aging_invoices(options, GroupRef(anna.group_id), sort="name")


def test_the_standard_selection_and_the_bucket_setting(example_shared: str) -> None:
    report = aging_report(AgingOptions(TODAY, "object_type", Selection(owners=("FAB",))))
    assert _by_key(report) == {"GAR": kr("960.00"), "OVR": kr("260.00")}
    direct = aging_report(AgingOptions(TODAY, "owner", Selection(kinds=("direct",))))
    assert direct.totals.total == kr("1310.00")
    with pytest.raises(SelectionError, match="okänd ägare: XYZ"):
        aging_report(AgingOptions(TODAY, "owner", Selection(owners=("XYZ",))))
    with pytest.raises(AgingError, match="okänd gruppering 'area'"):
        aging_report(AgingOptions(TODAY, "area"))

    # the bucket limits are a setting (put back: the ledger is shared by the module's tests)
    try:
        set_setting("reports.aging_buckets", "60, 90")
        report = aging_report(AgingOptions(TODAY, "owner"))
        assert [b.code for b in report.buckets] == ["not_due", "1-60", "61-90", "over_90"]
        assert report.totals.amounts == (0, kr("8510.00"), kr("25360.00"), 0)
        with pytest.raises(SettingError, match="gränserna ska öka"):
            set_setting("reports.aging_buckets", "90,60")
        explicit = aging_report(AgingOptions(TODAY, "owner", limits=(30,)))
        assert [b.code for b in explicit.buckets] == ["not_due", "1-30", "over_30"]
    finally:
        set_setting("reports.aging_buckets", "30,60,90,180")
