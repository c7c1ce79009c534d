"""Inkassoöversikt (services/collection_overview.py) on SQLite and PostgreSQL, on the collection
history of tests/report_data.py (every figure worked out by hand there) and on the demo."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.report_data import TODAY, overview_module, overview_shared
from tui_inkasso.db.connection import db
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

__all__ = ["overview_module", "overview_shared"]  # the fixtures, imported for pytest

PERIOD = (dt.date(2026, 10, 1), TODAY)


def test_every_figure_by_hand(overview_shared: str) -> None:
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


def test_the_selection_narrows_every_figure(overview_shared: str) -> None:
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
