"""Step 2 of the collection run on SQLite and PostgreSQL: the two tables (ready for collection,
excluded) as paged, sorted, filtered SQL, and exclusions persisted with who, when and why."""

from __future__ import annotations

import datetime as dt

import pytest
from playhouse.shortcuts import model_to_dict

from tests.collection_data import (
    DAY,
    READY,
    CollectionLedger,
    ledger,
    numbers,
)
from tui_inkasso.db.models import (
    AuditEntry,
    Customer,
    Invoice,
)
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.interest import late_interest
from tui_inkasso.services import collection_candidates, collection_errors, collection_exclusion
from tui_inkasso.services.dunning_levels import get_reference_rates
from tui_inkasso.services.selection import Selection

INTRUM = {"bostad": "17", "ovriga": "18", "parkering": "19", "lager": "20", "garage": "30", "ej_vald": "99"}
SVEA = {"bostad": "BO", "ovriga": "LO", "parkering": "PA", "lager": "LO", "garage": "LO", "ej_vald": "LO"}


__all__ = ["ledger"]  # the fixture, imported for pytest


# --------------------------------------------------------------------------- the two tables


def test_upper_table_is_ready_for_collection_and_lower_the_earlier_exclusions(ledger: CollectionLedger) -> None:
    tables = collection_candidates.collection_candidates(DAY)
    assert sorted(numbers(tables.ready.page(0, 100))) == READY
    assert tables.ready.count() == 7 and tables.excluded.count() == 1
    totals = tables.ready.totals()
    assert (totals.count, totals.balance, totals.fees) == (7, 2_940_000, 7 * 24_000)
    assert totals.cases == 5, "Anna/BAB, Bengt/BAB, Norrbygg/BAB, Bengt/FAB, Norrbygg/FAB"
    (row,) = tables.excluded.page()
    assert (row.invoice_number, row.excluded_reason, row.excluded_by) == ("3008", "Tvist om hyresnivå", "testare")
    assert row.excluded_at == dt.datetime(2026, 11, 2, 9, 30)
    first = next(r for r in tables.ready.page(0, 100) if r.invoice_number == "3007")
    assert (first.customer_number, first.national_id, first.object_code) == ("K1001", "19800101-0001", "1001-BOS")
    assert (first.sfi.label, first.level, first.level_name) == ("Bostad", 2, "Krav 1")
    assert (first.level_date, first.deadline, first.due_date) == (
        dt.date(2026, 10, 31), dt.date(2026, 11, 10), dt.date(2026, 9, 30))
    assert first.balance == 545_000, "the payment before collection is out of the balance"
    expected = late_interest(545_000, next_bank_day(dt.date(2026, 9, 30)), DAY, get_reference_rates())
    assert first.interest == expected > 0


def test_paging_sorting_and_filtering_happen_in_sql(ledger: CollectionLedger) -> None:
    ready = collection_candidates.collection_candidates(DAY).ready
    by_balance = ready.page(0, 3, sort="balance", descending=True)
    assert numbers(by_balance) == ["3004", "3001", "3007"]
    assert numbers(ready.page(3, 2, sort="balance", descending=True)) == ["3003", "3002"]
    assert numbers(ready.page(0, 10, sort="customer")) [:3] == ["3001", "3002", "3007"]
    assert sorted(numbers(ready.page(0, 10, text="ANNA"))) == ["3001", "3002", "3007"]
    assert numbers(ready.page(0, 10, text="1001-gar")) == ["3003"]
    assert ready.count("559012") == 2 and ready.count("3006") == 1 and ready.count("100%") == 0
    assert ready.totals("norrbygg").cases == 2
    assert sorted(ready.ids("bengt")) == sorted([ledger.id("3003"), ledger.id("3006")])
    owner = collection_candidates.collection_candidates(DAY, Selection(owners=("FAB",))).ready
    assert sorted(numbers(owner.page())) == ["3005", "3006"]
    with pytest.raises(collection_errors.CollectionError, match="listan kan inte sorteras på 'colour'"):
        ready.page(sort="colour")


def test_exclude_and_include_are_persisted_with_who_when_why(ledger: CollectionLedger) -> None:
    ids = [ledger.id("3002"), ledger.id("3003")]
    result = collection_exclusion.exclude(ids + [ledger.id("3011")], "  Ny   betalplan ")
    assert result.moved == ids
    assert [(t.number, t.reason) for t in result.skipped] == [("3011", "redan i ett inkassoärende")]
    row = Invoice.get_by_id(ledger.id("3002"))
    assert (row.excluded_reason, row.excluded_by) == ("Ny betalplan", "testare")
    assert row.excluded_at.date() == DAY
    tables = collection_candidates.collection_candidates(DAY)
    assert sorted(numbers(tables.excluded.page())) == ["3002", "3003", "3008"]
    assert "3002" not in numbers(tables.ready.page())
    entries = AuditEntry.select().where(AuditEntry.action == "invoice.excluded")
    assert sorted(e.object_id for e in entries) == ["3002", "3003"]
    assert all("Ny betalplan" in e.details and e.user == "testare" for e in entries)
    back = collection_exclusion.include([ledger.id("3008"), ledger.id("3002"), ledger.id("3001")])
    assert back.moved == [ledger.id("3008"), ledger.id("3002")]
    assert [t.number for t in back.skipped] == ["3001"]
    assert Invoice.get_by_id(ledger.id("3008")).excluded_at is None
    assert AuditEntry.select().where(AuditEntry.action == "invoice.included").count() == 2
    with pytest.raises(collection_errors.CollectionError, match="Ange ett skäl"):
        collection_exclusion.exclude(ids, "   ")


def test_the_cases_are_counted_for_customers_with_large_ids(ledger: CollectionLedger) -> None:
    """customer id × 2^20 overflowed PostgreSQL's 32-bit integers from id 2048 on."""
    ready = collection_candidates.collection_candidates(DAY).ready
    before = ready.totals()
    invoice = Invoice.get(Invoice.number == "3003")
    big = Customer.get_by_id(invoice.customer_id)
    Customer.insert({**model_to_dict(big, recurse=False), "id": 3_000_000, "number": "K-3000000"}).execute()
    Invoice.update(customer=3_000_000).where(Invoice.id == invoice.id).execute()
    after = ready.totals()
    assert (after.count, after.balance) == (before.count, before.balance)
    pairs = {(i.customer_id, i.owner_id) for i in Invoice.select().where(Invoice.id.in_(ready.ids()))}
    assert after.cases == len(pairs) and (3_000_000, invoice.owner_id) in pairs
