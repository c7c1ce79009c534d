"""The ledger import: the example as it is, re-imports, refusals with exact reasons, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.common import database_digest
from tests.conftest import SHARED_DOCS
from tests.staff import approve_pending, data_rows
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    AuditEntry,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceRow,
    ObjectType,
    Owner,
    Payment,
)
from tui_inkasso.services import approvals, settings
from tui_inkasso.services.ledger_import import LedgerImportError, import_ledger, import_ledger_bytes

EXAMPLE = SHARED_DOCS / "ledger-import-example.json"
ROOT = Path(__file__).resolve().parent.parent


def _example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _import(data: dict[str, Any], name: str = "ledger.json"):  # type: ignore[no-untyped-def]
    return import_ledger_bytes(json.dumps(data, ensure_ascii=False).encode(), name)




def test_example_imports_as_it_is(any_db: str) -> None:
    result = import_ledger(EXAMPLE)
    counts = {name: (c.created, c.updated, c.unchanged) for name, c in result.counts.items()}
    assert counts == {
        "settings": (2, 0, 0), "dunning_levels": (2, 0, 0), "owners": (2, 0, 0), "accounts": (11, 0, 0),
        "properties": (2, 0, 0), "object_types": (6, 0, 0), "objects": (6, 0, 0), "customers": (3, 0, 0),
        "contracts": (0, 0, 0), "invoices": (8, 0, 0), "invoice_rows": (9, 0, 0), "dunning_notices": (13, 0, 0), "payments": (3, 0, 0),
    }
    invoice = Invoice.get(Invoice.number == "100236")
    assert (invoice.amount, invoice.balance, invoice.fees) == (1875000, 1375000, 6000)
    assert [(r.text, r.amount) for r in InvoiceRow.select().where(InvoiceRow.invoice == invoice).order_by(InvoiceRow.line_no)] == [
        ("Lokalhyra september", 1500000), ("Moms 25 %", 375000)]
    assert (invoice.dunning_level, str(invoice.dunning_date), str(invoice.dunning_deadline)) == (2, "2026-09-18", "2026-09-28")
    assert invoice.owner.code == "BAB" and invoice.customer.number == "K1002" and invoice.kind == "rent"
    assert Invoice.get(Invoice.number == "300001").balance == 20000
    paid = Invoice.get(Invoice.number == "100238")
    assert (paid.balance, paid.dunning_level, paid.fees) == (0, 0, 0)
    assert Invoice.get(Invoice.number == "100237").dunning_level == 1
    assert Invoice.get(Invoice.number == "200001").kind == "direct"
    assert {p.method for p in Payment.select()} == {"bankgiro", "autogiro"}
    assert all(p.bank_ref.startswith("import:") and p.status == "booked" for p in Payment.select())
    levels = [(lv.level, lv.name, lv.days, lv.fee, lv.deadline_days) for lv in DunningLevelConfig.select().order_by(DunningLevelConfig.level)]
    assert levels == [(1, "Påminnelse", 8, 6000, 10), (2, "Krav", 10, 0, 10)]
    fab = Owner.get(Owner.code == "FAB")
    assert (fab.org_no, fab.bankgiro) == ("559012-3450", "1234566")
    assert AccountRole.COLLECTION_OVERPAYMENT.value not in {a.role for a in Account.select().where(Account.owner == fab)}
    anna = Customer.get(Customer.number == "K1001")
    assert (anna.national_id, anna.is_company, anna.email) == ("19800101-0001", False, "anna@example.se")
    assert Customer.get(Customer.number == "K1002").is_company
    assert ObjectType.get(ObjectType.code == "OVR").sfi == "ej_vald"
    assert settings.collection_system().code == "intrum"
    assert settings.agency_accounts() == frozenset(), "payment routing: proposed, not changed (issue 17)"
    assert [p.key for p in result.proposals] == ["collection.agency_accounts"], "the third setting: proposed"
    [proposal] = approvals.list_approvals()
    assert (proposal.key, proposal.old, proposal.new, proposal.proposed_by) == (
        "collection.agency_accounts", "", "5051057;9912346", "testare")
    approve_pending()
    assert settings.agency_accounts() == {"5051057", "9912346"}
    first = DunningNotice.select().join(Invoice).where(Invoice.number == "100236", DunningNotice.level == 1).get()
    assert (first.capital, first.fee, str(first.deadline)) == (1875000, 6000, "2026-09-18")
    assert AuditEntry.select().where(AuditEntry.action == "ledger.imported").count() == 1


def test_second_import_changes_nothing(any_db: str) -> None:
    import_ledger(EXAMPLE)
    before = database_digest()
    result = import_ledger(EXAMPLE)
    assert not result.changed
    assert all(c.created == c.updated == 0 for c in result.counts.values())
    assert result.counts["payments"].unchanged == 3 and result.counts["invoices"].unchanged == 8
    assert database_digest() == before, "not even an audit entry"


def _broken() -> dict[str, Any]:
    data = _example()
    data["invoices"][3]["ocr"] = "20000189"
    data["invoices"][0]["customer"] = "K9"
    data["payments"][1]["amount"] = "100.005"
    data["invoices"][2]["due_date"] = "2026-02-30"
    data["customers"][0]["national_id"] = "800101-0002"
    return data


BROKEN_ERRORS = [
    "customers[0].national_id: inget giltigt personnummer: '800101-0002' (fel kontrollsiffra)",
    "invoices[2].due_date: inget giltigt datum (ÅÅÅÅ-MM-DD): '2026-02-30'",
    "payments[1].amount: fler än två decimaler",
    "invoices[0].customer: okänd kund 'K9'",
    "invoices[3].ocr: OCR-numret '20000189' har fel kontrollsiffra (ägarens OCR-kontroll: Checksiffra och längd)",
]


def test_invalid_file_is_refused_whole_with_every_error(any_db: str) -> None:
    with pytest.raises(LedgerImportError) as caught:
        _import(_broken())
    assert caught.value.errors == BROKEN_ERRORS
    assert str(caught.value).splitlines()[0] == "ledger.json: 5 fel, ingenting lästes in"
    assert data_rows() == 0, "nothing written, not even the valid settings"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["invoices"][5].update(ocr="30000187"), "invoices[5].ocr: OCR-numret '30000187' har fel kontrollsiffra "
         "(ägarens OCR-kontroll: Checksiffra och längd)"),
        (lambda d: d["invoices"][5].update(ocr="30000178"), "invoices[5].ocr: OCR-numret '30000178' har fel längdsiffra "
         "(ägarens OCR-kontroll: Checksiffra och längd)"),
        (lambda d: d["invoices"][5]["rows"][0].update(amount="12,50"),
         "invoices[5].rows[0].amount: inget belopp (siffror, punkt och högst två decimaler): '12,50'"),
        (lambda d: d["payments"][0].update(invoice="999"), "payments[0].invoice: okänd faktura '999'"),
        (lambda d: d["objects"][0].update(type="XYZ"), "objects[0].type: okänd objektstyp 'XYZ'"),
        (lambda d: d["properties"][1].update(owner="NOPE"), "properties[1].owner: okänd ägare 'NOPE'"),
        (lambda d: d["owners"][0].update(org_no="556677-8898"),
         "owners[0].org_no: inget giltigt organisationsnummer: '556677-8898' (fel kontrollsiffra)"),
        (lambda d: d["owners"][1].update(bankgiro="123-4567"), "owners[1].bankgiro: bankgironumret '123-4567' har fel kontrollsiffra"),
        (lambda d: d["object_types"][0].update(sfi="kontor"),
         "object_types[0].sfi: okänd SFI-kategori 'kontor'; kända: bostad, ovriga, parkering, lager, garage, ej_vald"),
        (lambda d: d["invoices"][1].update(number="100234"), "invoices[1].number: samma fakturanummer '100234' som invoices[0].number"),
        (lambda d: d["invoices"][6]["dunning"][0].update(level=2), "invoices[6].dunning[0].level: nivå 2 efter nivå 0; nivåerna går 1, 2, 3 ..."),
        (lambda d: d["invoices"][6]["dunning"][0].update(date="2026-09-30"), "invoices[6].dunning[0].date: inte efter förfallodagen 2026-09-30"),
        (lambda d: d["payments"][2].update(method="swish"), None),
        (lambda d: d["payments"][2].update(amount=900.001), "payments[2].amount: fler än två decimaler"),
        (lambda d: d["customers"][1].update(colour="blue"), None),
        (lambda d: d.update(format="other/2"), "format: ska vara 'tui-inkasso-ledger/1', inte 'other/2'"),
        (lambda d: d["settings"].update({"collection.system": "kronofogden"}),
         "settings.collection.system: ska vara en av inhouse, intrum, svea, none, inte 'kronofogden'"),
        (lambda d: d["dunning_levels"][1].update(deadline_days=5), None),
        (lambda d: d["dunning_levels"][0].update(fee="75.00"), None),
        (lambda d: d["invoices"][0]["rows"][0].update(amount="-8450.00"),
         "invoices[0].rows: raderna blir noll eller mindre; en faktura ska kräva ett belopp"),
    ],
)
def test_one_bad_field_refuses_the_file(sqlite_url: str, change: Any, error: str | None) -> None:
    data = _example()
    change(data)
    with pytest.raises(LedgerImportError) as caught:
        _import(data)
    if error is not None:
        assert caught.value.errors == [error]
    else:
        assert len(caught.value.errors) == 1
    assert data_rows() == 0


def test_json_numbers_are_exact_amounts(sqlite_url: str) -> None:
    raw = EXAMPLE.read_text(encoding="utf-8").replace('"amount": "15000.00"', '"amount": 15000.00')
    import_ledger_bytes(raw.encode(), "numbers.json")
    assert Invoice.get(Invoice.number == "100236").amount == 1875000


def test_changed_master_data_is_updated(sqlite_url: str) -> None:
    import_ledger(EXAMPLE)
    data = _example()
    data["customers"][2]["city"] = "Luleå"
    data["owners"][0]["accounts"]["Bank"] = "1940"
    data["dunning_levels"][0]["fee"] = "50.00"
    result = _import(data)
    assert result.counts["customers"].updated == 1 and result.counts["customers"].unchanged == 2
    assert result.counts["accounts"].updated == 0 and result.counts["dunning_levels"].updated == 1
    assert Customer.get(Customer.number == "K2001").city == "Luleå"
    bank = Account.get(Account.role == "Bank", Account.owner == Owner.get(Owner.code == "BAB"))
    assert bank.number == "1930", "an owner's account is payment routing: proposed, not changed (issue 17)"
    assert [(p.key, p.old, p.new) for p in result.proposals] == [("owner.BAB.account.Bank", "1930", "1940")]
    approve_pending()
    assert Account.get_by_id(bank.id).number == "1940"
    assert DunningLevelConfig.get(DunningLevelConfig.level == 1).fee == 5000
    assert Invoice.get(Invoice.number == "100234").fees == 6000, "fees recorded on notices stay"
    entry = AuditEntry.select().where(AuditEntry.action == "ledger.imported").order_by(AuditEntry.id.desc()).get()
    assert "customers K2001: city" in entry.details


def test_changed_invoice_or_notice_is_refused(sqlite_url: str) -> None:
    import_ledger(EXAMPLE)
    before = database_digest()
    data = _example()
    data["invoices"][2]["rows"][1]["amount"] = "3800.00"
    data["invoices"][0]["dunning"][1]["fee"] = "10.00"
    with pytest.raises(LedgerImportError) as caught:
        _import(data)
    assert caught.value.errors == [
        "invoices[0].dunning[1]: nivå 2 är sparad som skickad 2026-09-18, avgift 0.00, sista betaldag 2026-09-28; "
        "filen skiljer sig",
        "invoices[2].rows: faktura 100236 är sparad med raderna Lokalhyra september 15000.00; Moms 25 % 3750.00, "
        "filen säger raderna Lokalhyra september 15000.00; Moms 25 % 3800.00; en sparad faktura ändras aldrig",
    ]
    assert database_digest() == before


def test_later_file_adds_payments_and_notices(any_db: str) -> None:
    import_ledger(EXAMPLE)
    later = {
        "format": "tui-inkasso-ledger/1",
        "invoices": [_example()["invoices"][6] | {"dunning": [
            {"level": 1, "date": "2026-10-08", "fee": "60.00"}, {"level": 2, "date": "2026-10-19", "fee": "0.00"}]}],
        "payments": [
            {"invoice": "100237", "date": "2026-10-25", "amount": "8000.00", "method": "bankgiro"},
            {"invoice": "100234", "date": "2026-10-26", "amount": "9000.00", "method": "inkasso",
             "sender_account": "5051057"},
            {"invoice": "100235", "date": "2026-10-26", "amount": "100.00", "method": "credit"},
        ],
    }
    result = _import(later, "later.json")
    assert result.counts["payments"].created == 3 and result.counts["dunning_notices"].created == 1
    assert result.counts["dunning_notices"].unchanged == 1 and result.counts["invoices"].updated == 1
    inv = Invoice.get(Invoice.number == "100237")
    assert (inv.balance, inv.dunning_level, str(inv.dunning_deadline), inv.fees) == (45000, 2, "2026-10-29", 6000)
    over = Payment.get(Payment.method == "inkasso")
    assert (over.invoice_amount, over.excess_amount, over.excess_role) == (845000, 55000, AccountRole.COLLECTION_OVERPAYMENT.value)
    assert Invoice.get(Invoice.number == "100234").balance == 0
    credit = Payment.get(Payment.method == "credit")
    assert (credit.kind, credit.invoice_amount, credit.reference) == ("credit", 10000, "10023588")
    assert Invoice.get(Invoice.number == "100235").balance == 35000
    assert not _import(later, "later.json").changed


def test_same_payment_twice_in_one_file_is_two_payments(sqlite_url: str) -> None:
    data = _example()
    data["payments"].append(dict(data["payments"][1]))
    result = _import(data)
    assert result.counts["payments"].created == 4
    assert Invoice.get(Invoice.number == "300001").balance == 10000
    assert not _import(data).changed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TUI_INKASSO_DB"}
    return subprocess.run([sys.executable, "-m", "tui_inkasso.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)


def test_cli_exit_codes_stderr_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(tmp_path / "cli.db")
    assert _cli("--db", database, "init").returncode == 0, "an import goes into a ledger that exists"
    assert _cli("--db", database, "users", "add", "testare", "--role", "admin").returncode == 0  # init's is the OS login
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_broken(), ensure_ascii=False), encoding="utf-8")
    refused = _cli("--db", database, "import-ledger", str(broken))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"tui-inkasso import-ledger: {broken}: 5 fel, ingenting lästes in", *BROKEN_ERRORS]
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"format": "tui-inkasso-ledger/1",\n "owners": [}', encoding="utf-8")
    assert main(["--db", database, "import-ledger", str(bad_json)]) == 2
    assert "(filen): ogiltig JSON på rad 2, kolumn 13" in capsys.readouterr().err
    assert main(["--db", database, "import-ledger", str(EXAMPLE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] is True and data["counts"]["invoices"] == {"created": 8, "updated": 0, "unchanged": 0}
    assert main(["--db", database, "import-ledger", str(EXAMPLE), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["changed"] is False and again["counts"]["payments"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert main(["--db", database, "import-ledger", str(tmp_path / "nope.json")]) == 2
    assert "nope.json: filen kan inte läsas" in capsys.readouterr().err
    close_database()


def test_cli_in_process_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "t.db"), "init"]) == 0
    assert main(["--db", str(tmp_path / "t.db"), "import-ledger", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "inläst" in out and "fakturor" in out and "betalningar" in out
    close_database()

