"""The ledger import's issue-13 fields, on SQLite and PostgreSQL: contracts (and through them the
reminder fee the law lets a run charge), an owner's OCR control level (an OCR checked only by its
check digit imports when the owner's account says so), a level's kind, and invoice dates that make
sense. The migration of schema version 5 gives stored levels their kinds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DOCS
from tests.rate_data import store_rates
from tui_inkasso.db.models import Contract, DunningLevelConfig, Invoice, Owner
from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.services import dunning_candidates
from tui_inkasso.services.ledger_import import LedgerImportError, import_ledger_bytes

EXAMPLE = SHARED_DOCS / "ledger-import-example.json"


def _example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _import(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return import_ledger_bytes(json.dumps(data, ensure_ascii=False).encode(), "ledger.json")


def _errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(LedgerImportError) as caught:
        _import(data)
    return caught.value.errors


def test_contracts_are_imported_and_invoices_find_theirs(any_db: str) -> None:
    data = _example()
    data["contracts"] = [
        {"id": "A-1101", "customer": "K1001", "object": "1001-1101", "from": "2024-04-01", "reminder_fee": True,
         "monthly_rent": "8450.00"},
        {"id": "A-P07", "customer": "K1001", "object": "1001-P07", "from": "2024-04-01", "to": "2025-12-31"},
    ]
    data["invoices"][1]["contract"] = "A-P07"
    result = _import(data)
    assert (result.counts["contracts"].created, result.counts["contracts"].updated) == (2, 0)
    lease = Contract.get(Contract.number == "A-1101")
    assert (lease.reminder_fee_allowed, lease.monthly_rent, lease.end_date) == (True, 845000, None)
    assert not Contract.get(Contract.number == "A-P07").reminder_fee_allowed, "no agreement, no reminder fee"
    by_number = {i.number: i.contract_id for i in Invoice.select()}
    assert by_number["100234"] == lease.id, "the customer's lease of the object on the due date"
    assert by_number["100235"] == Contract.get(Contract.number == "A-P07").id, "named in the file"
    assert by_number["200001"] is None


def test_a_contract_naming_the_wrong_customer_or_an_unknown_object_is_refused(any_db: str) -> None:
    data = _example()
    data["contracts"] = [
        {"id": "A-1", "customer": "K1002", "object": "1001-1101", "from": "2024-04-01"},
        {"id": "A-2", "customer": "K1001", "object": "9999", "from": "2024-04-01", "to": "2023-01-01",
         "reminder_fee": "ja"},
    ]
    data["invoices"][0]["contract"] = "A-1"
    errors = _errors(data)
    assert "contracts[1].to: 2023-01-01 ligger före from 2024-04-01" in errors
    assert "contracts[1].reminder_fee: ska vara true eller false, inte 'ja'" in errors
    data["contracts"][1] = {"id": "A-2", "customer": "K1001", "object": "9999", "from": "2024-04-01"}
    errors = _errors(data)
    assert "contracts[1].object: okänt objekt '9999'" in errors
    assert "invoices[0].contract: avtal 'A-1' är kund 'K1002's, inte 'K1001's" in errors


def test_an_ocr_checked_only_by_its_check_digit_imports_when_the_account_says_so(any_db: str) -> None:
    data = _example()
    ocr = ocr_with_check("100263", length_digit=False)  # 1002633: a check digit, no length digit
    data["invoices"][0]["ocr"] = ocr
    [error] = _errors(data)
    assert error.startswith(f"invoices[0].ocr: OCR-numret '{ocr}' har fel längdsiffra")
    data["owners"][0]["ocr_control"] = "check_digit"
    _import(data)
    assert Invoice.get(Invoice.number == "100234").ocr == ocr
    assert Owner.get(Owner.code == "BAB").ocr_control == "check_digit"
    data["invoices"][0]["ocr"] = ocr[:-1] + str((int(ocr[-1]) + 1) % 10)
    del data["owners"][0]["ocr_control"]  # the stored level stands
    assert any("fel kontrollsiffra (ägarens OCR-kontroll: Checksiffra)" in e for e in _errors(data))


def test_an_unknown_ocr_control_is_refused(sqlite_url: str) -> None:
    data = _example()
    data["owners"][0]["ocr_control"] = "sträng"
    assert any(e.startswith("owners[0].ocr_control: okänd OCR-kontroll 'sträng'") for e in _errors(data))


def test_invoice_dates_make_sense(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    data = _example()
    data["invoices"][0]["invoice_date"] = "1010-03-24"
    data["invoices"][1]["invoice_date"] = "2028-01-01"
    data["invoices"][1]["due_date"] = "2029-06-01"
    errors = _errors(data)
    assert "invoices[0].invoice_date: 1010-03-24 ligger mer än 10 år före dagens datum 2026-11-28 " \
           "(tidigast 2016-11-28)" in errors
    assert any(e.startswith("invoices[1].invoice_date: 2028-01-01 ligger mer än ett år efter") for e in errors)
    assert any(e.startswith("invoices[1].due_date: förfallodagen 2029-06-01 ligger mer än ett år efter")
               for e in errors)


def test_a_level_kind_from_the_file_and_the_lawful_check(sqlite_url: str) -> None:
    data = _example()
    data["dunning_levels"][1]["kind"] = "reminder_no_fee"
    _import(data)
    assert [(r.level, r.kind) for r in DunningLevelConfig.select().order_by(DunningLevelConfig.level)] == [
        (1, "reminder"), (2, "reminder_no_fee")]
    data["dunning_levels"][1]["kind"] = "fel"
    assert any(e.startswith("dunning_levels[1].kind: okänd typ av kravnivå 'fel'") for e in _errors(data))


def test_an_imported_ledger_with_contracts_charges_the_reminder_fee(sqlite_url: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without contracts an imported ledger never charged a fee (the law wants it agreed); with
    the contract's reminder_fee the run charges it."""
    data = _example()
    data["contracts"] = [{"id": "A-1101", "customer": "K1001", "object": "1001-1101", "from": "2024-04-01",
                          "reminder_fee": True}]
    for invoice in data["invoices"]:
        invoice.pop("dunning", None)
    data["payments"] = []
    _import(data)
    store_rates()
    due = {i.number: i for i in Invoice.select()}["100234"].due_date
    run_date = due + dt.timedelta(days=30)
    rows = {r.invoice_number: r.fee for r in dunning_candidates.preview_run(run_date).rows}
    assert rows["100234"] == 6000
    assert all(fee == 0 for number, fee in rows.items() if number != "100234")


def test_the_example_ledger_has_no_contracts_so_no_fee_until_a_file_brings_them(any_db: str,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared example as shipped carries no `contracts`: its letters already sent keep the
    fees the old system charged (history), but a run charges no reminder fee on it, since none
    was agreed (lag (1981:739) 2 §). A later file with only the leases lets the next run charge
    it on the invoices under a lease that allows it, and only there (docs/ledger-import.md)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-10")
    data = _example()
    assert "contracts" not in data
    import_ledger_bytes(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert Contract.select().count() == 0
    assert Invoice.get(Invoice.number == "100234").fees == 6000, "the old letter' fees stand"
    _import({"format": data["format"], "invoices": [
        {"number": "100239", "kind": "rent", "customer": "K1001", "object": "1001-1101", "invoice_date": "2026-10-20",
         "due_date": "2026-10-30", "ocr": ocr_with_check("100239"), "rows": [{"text": "Hyra november",
                                                                             "amount": "3330.00"}]},
        {"number": "100240", "kind": "rent", "customer": "K1002", "object": "1001-0001", "invoice_date": "2026-10-20",
         "due_date": "2026-10-30", "ocr": ocr_with_check("100240"), "rows": [{"text": "Lokalhyra november",
                                                                             "amount": "15000.00"}]}]})
    store_rates()
    day = dt.date(2026, 11, 10)
    before = {r.invoice_number: (r.level, r.fee) for r in dunning_candidates.preview_run(day).rows}
    assert before["100239"] == (1, 0) and before["100240"] == (1, 0), "no contract, no reminder fee"
    assert all(fee == 0 for _, fee in before.values())
    leases = {"format": data["format"], "contracts": [
        {"id": "A-1101", "customer": "K1001", "object": "1001-1101", "from": "2024-04-01", "reminder_fee": True},
        {"id": "A-0001", "customer": "K1002", "object": "1001-0001", "from": "2024-04-01"}]}
    _import(leases)
    under = {i.number: i.contract.number if i.contract else None for i in Invoice.select()}
    assert under == {"100234": "A-1101", "100235": None, "100236": "A-0001", "200001": None, "200002": None,
                     "100237": "A-1101", "100238": None, "100239": "A-1101", "100240": "A-0001", "300001": None}, \
        "the stored invoices go under the lease of their customer and object"
    assert not _import(leases).changed, "the same leases again change nothing"
    after = {r.invoice_number: (r.level, r.fee) for r in dunning_candidates.preview_run(day).rows}
    assert after["100239"] == (1, 6000), "the lease allows it"
    assert after["100240"] == (1, 0), "the lease does not"
    assert {n: fee for n, (_, fee) in after.items() if n not in ("100239", "100240")} == {
        n: fee for n, (_, fee) in before.items() if n not in ("100239", "100240")}


def test_migration_5_gives_stored_levels_their_kinds(tmp_path: Path) -> None:
    """A version-4 database's levels read as before: level 1 with a fee a påminnelse, without one
    a påminnelse utan avgift, later levels inkassokrav; nothing else is changed."""
    import peewee as pw

    from tui_inkasso.db.migration_v5 import _KIND_SQL

    database = pw.SqliteDatabase(str(tmp_path / "v4.db"))
    database.execute_sql('CREATE TABLE "dunning_level_config" ("id" INTEGER PRIMARY KEY, "level" INTEGER, '
                         '"fee" INTEGER, "kind" VARCHAR(20) NOT NULL DEFAULT \'\')')
    database.execute_sql('INSERT INTO "dunning_level_config" ("level", "fee") VALUES (1, 6000), (2, 18000), (3, 18000)')
    database.execute_sql(_KIND_SQL)
    assert database.execute_sql('SELECT "level", "fee", "kind" FROM "dunning_level_config" ORDER BY 1').fetchall() \
        == [(1, 6000, "reminder"), (2, 18000, "collection_demand"), (3, 18000, "collection_demand")]
    database.execute_sql('UPDATE "dunning_level_config" SET "kind" = \'\'')
    database.execute_sql('UPDATE "dunning_level_config" SET "fee" = 0 WHERE "level" = 1')
    database.execute_sql(_KIND_SQL)
    assert database.execute_sql('SELECT "kind" FROM "dunning_level_config" WHERE "level" = 1').fetchone() == (
        "reminder_no_fee",)


def test_the_file_levels_are_checked_with_their_kinds(sqlite_url: str) -> None:
    data = _example()
    data["dunning_levels"][1].update(kind="reminder_no_fee", fee="180.00")
    assert any("får inte ta ut någon avgift" in e for e in _errors(data))
    data["dunning_levels"][1].update(kind="reminder_no_fee", fee="0.00")
    _import(data)
    del data["dunning_levels"][1]["kind"]  # left out: the stored kind stands, and is what is checked
    data["dunning_levels"][1]["fee"] = "60.00"
    assert any("får inte ta ut någon avgift" in e for e in _errors(data))
