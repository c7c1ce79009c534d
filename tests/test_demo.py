"""The demo ledger: exact, valid, deterministic, and with material for every workflow."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import peewee as pw
import pytest

from tests.common import database_digest
from tui_inkasso import demo as demo_db
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    AuditEntry,
    CaseInvoice,
    CollectionCase,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceRow,
    ObjectType,
    Owner,
    Payment,
    RentalObject,
)
from tui_inkasso.domain.identifiers import (
    normalize_bankgiro,
    normalize_national_id,
    normalize_orgnr,
    ocr_with_check,
)
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.services import settings
from tui_inkasso.services.demo import LedgerExists, create_demo
from tui_inkasso.services.errors import UserError

TODAY = dt.date(2026, 11, 28)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())


def _scalar(sql: str, params: tuple = ()) -> int:
    return db.obj.execute_sql(sql, params).fetchone()[0]


def _digest() -> str:
    """A hash of every table's rows in id order, without what the clock writes."""
    return database_digest(skip_tables=("audit_entry",),
                           skip_columns=(("setting", "changed_at"), ("staff_user", "added_at")))


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 6,000-invoice demo built once for the read-only checks of this module."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
        open_database(f"sqlite:///{path}")
        try:
            create_demo(6000, 1)
        finally:
            close_database()
    return path


@pytest.fixture
def demo(demo_file: Path) -> pw.Database:
    database = open_database(f"sqlite:///{demo_file}")
    yield database
    close_database()


def test_exact_counts_owners_and_accounts(demo: pw.Database) -> None:
    assert Invoice.select().count() == 6000
    owners = list(Owner.select().order_by(Owner.id))
    assert 3 <= len(owners) <= 5
    roles = {o.code: {a.role for a in Account.select().where(Account.owner == o)} for o in owners}
    every_role = {r.value for r in AccountRole}
    without = [code for code, r in roles.items() if AccountRole.COLLECTION_OVERPAYMENT.value not in r]
    assert len(without) == 1
    for code, owned in roles.items():
        expected = every_role - ({AccountRole.COLLECTION_OVERPAYMENT.value} if code in without else set())
        assert owned == expected, code
    assert {t.sfi for t in ObjectType.select()} == {c.value for c in SfiCategory}
    used = {row[0] for row in demo.execute_sql(
        "SELECT DISTINCT t.sfi FROM invoice i JOIN rental_object o ON o.id = i.rental_object_id "
        "JOIN object_type t ON t.id = o.object_type_id")}
    assert used == {c.value for c in SfiCategory}, "every SFI category has invoices"
    assert _scalar("SELECT COUNT(DISTINCT area) FROM property") >= 3


def test_every_identifier_is_valid(demo: pw.Database) -> None:
    for owner in Owner.select():
        assert normalize_orgnr(owner.org_no) == owner.org_no
        assert normalize_bankgiro(owner.bankgiro) == owner.bankgiro
    persons = companies = 0
    for national_id, is_company in demo.execute_sql("SELECT national_id, is_company FROM customer"):
        assert normalize_national_id(national_id) == national_id
        persons += not is_company
        companies += bool(is_company)
    assert persons > 100 and companies > 10
    assert _scalar("SELECT COUNT(DISTINCT national_id) FROM customer") == Customer.select().count()
    for number, ocr in demo.execute_sql("SELECT number, ocr FROM invoice"):
        assert ocr == ocr_with_check(number), number
    with_email = _scalar("SELECT COUNT(*) FROM customer WHERE email != ''")
    assert with_email > 0.7 * Customer.select().count()


def test_two_years_of_rent_ending_today(demo: pw.Database) -> None:
    first, last = demo.execute_sql("SELECT MIN(invoice_date), MAX(invoice_date) FROM invoice WHERE kind = 'rent'").fetchone()
    assert last == "2026-11-20" and first == "2024-12-20"
    assert _scalar("SELECT COUNT(DISTINCT invoice_date) FROM invoice WHERE kind = 'rent'") == 24
    assert _scalar("SELECT MAX(invoice_date) FROM invoice") <= TODAY.isoformat()
    assert _scalar("SELECT COUNT(*) FROM invoice WHERE kind = 'direct'") >= 250
    assert _scalar("SELECT COUNT(*) FROM invoice_row WHERE text LIKE 'Moms 25 %'") > 0
    assert _scalar("SELECT COUNT(*) FROM invoice_row WHERE text LIKE 'P-plats %'") > 0


def test_amounts_and_balances_are_exact(demo: pw.Database) -> None:
    wrong_amount = _scalar(
        "SELECT COUNT(*) FROM invoice i WHERE amount != (SELECT SUM(amount) FROM invoice_row r WHERE r.invoice_id = i.id)")
    wrong_balance = _scalar(
        "SELECT COUNT(*) FROM invoice i WHERE balance != amount - "
        "COALESCE((SELECT SUM(invoice_amount) FROM payment p WHERE p.invoice_id = i.id), 0)")
    assert (wrong_amount, wrong_balance) == (0, 0)
    assert _scalar("SELECT COUNT(*) FROM payment WHERE amount != invoice_amount + excess_amount") == 0
    assert _scalar("SELECT COUNT(*) FROM invoice WHERE balance < 0 OR balance > amount") == 0
    paid = _scalar("SELECT COUNT(*) FROM invoice WHERE balance = 0")
    partly = _scalar("SELECT COUNT(*) FROM invoice WHERE balance > 0 AND balance < amount")
    assert paid > 0.85 * 6000 and partly > 5
    late = _scalar("SELECT COUNT(*) FROM payment p JOIN invoice i ON i.id = p.invoice_id WHERE p.pay_date > i.due_date")
    assert late > 50
    assert {m for (m,) in demo.execute_sql("SELECT DISTINCT method FROM payment")} >= {"bankgiro", "autogiro", "inkasso"}


def test_dunning_state_matches_the_notices(demo: pw.Database) -> None:
    levels = [(c.level, c.name, c.days, c.fee, c.deadline_days) for c in DunningLevelConfig.select().order_by(DunningLevelConfig.level)]
    assert levels == [(1, "Påminnelse", 8, 6000, 10), (2, "Krav", 10, 0, 10)]
    mismatched = _scalar("""
        SELECT COUNT(*) FROM invoice i LEFT JOIN dunning_notice n ON n.invoice_id = i.id
          AND n.level = (SELECT MAX(level) FROM dunning_notice x WHERE x.invoice_id = i.id)
        WHERE i.dunning_level != COALESCE(n.level, 0)
           OR COALESCE(i.dunning_date, '') != COALESCE(n.issued_on, '')
           OR COALESCE(i.dunning_deadline, '') != COALESCE(n.deadline, '')
           OR i.fees != COALESCE((SELECT SUM(g.open_amount) FROM invoice_charge g
                                  WHERE g.invoice_id = i.id AND g.kind <> 'interest'), 0)""")
    assert mismatched == 0
    # Each letter's fee is a charge of the claim: open while capital is, written off on a paid invoice.
    assert _scalar("SELECT COUNT(*) FROM dunning_notice n WHERE n.fee > 0 AND NOT EXISTS (SELECT 1 FROM "
                   "invoice_charge g WHERE g.notice_id = n.id AND g.amount = n.fee)") == 0
    assert _scalar("SELECT COUNT(*) FROM invoice_charge g JOIN invoice i ON i.id = g.invoice_id WHERE "
                   "g.open_amount != CASE WHEN i.balance > 0 THEN g.amount ELSE 0 END") == 0
    assert _scalar("SELECT COUNT(*) FROM dunning_notice WHERE issued_on > ?", (TODAY.isoformat(),)) == 0
    assert _scalar("SELECT COUNT(*) FROM dunning_notice n JOIN invoice i ON i.id = n.invoice_id "
                   "WHERE n.issued_on <= i.due_date") == 0
    runs = _scalar("SELECT COUNT(*) FROM dunning_run r WHERE notices != (SELECT COUNT(*) FROM dunning_notice n WHERE n.run_id = r.id)")
    assert runs == 0 and _scalar("SELECT COUNT(*) FROM dunning_run WHERE notices = 0") == 0


def test_cases_are_consistent(demo: pw.Database) -> None:
    marked = Invoice.select().where(Invoice.collection_case.is_null(False)).count()
    assert marked == CaseInvoice.select().count() > 0
    assert _scalar("SELECT COUNT(*) FROM collection_case c WHERE capital != "
                   "(SELECT SUM(balance) FROM case_invoice x WHERE x.case_id = c.id)") == 0
    assert _scalar("SELECT COUNT(*) FROM invoice WHERE collection_case_id IS NOT NULL AND dunning_level < 2") == 0
    assert {c.system for c in CollectionCase.select()} == {"inhouse"}
    # payments on a case invoice registered after the case record the case, the others do not
    wrong = _scalar("""
        SELECT COUNT(*) FROM payment p JOIN invoice i ON i.id = p.invoice_id
        LEFT JOIN collection_case c ON c.id = i.collection_case_id
        WHERE (c.id IS NOT NULL AND p.registered_at > c.created_at) != (p.collection_case_id IS NOT NULL)""")
    assert wrong == 0


def test_material_for_every_workflow(demo: pw.Database) -> None:
    today = TODAY.isoformat()
    due_reminder = _scalar(
        "SELECT COUNT(*) FROM invoice WHERE dunning_level = 0 AND balance > 0 AND date(due_date, '+8 days') <= ? "
        "AND dunning_blocked_reason IS NULL AND collection_case_id IS NULL", (today,))
    due_demand = _scalar(
        "SELECT COUNT(*) FROM invoice WHERE dunning_level = 1 AND balance > 0 AND dunning_deadline < ? "
        "AND date(dunning_date, '+10 days') <= ?", (today, today))
    ready = _scalar(
        "SELECT COUNT(*) FROM invoice WHERE dunning_level = 2 AND balance > 0 AND dunning_deadline < ? "
        "AND collection_case_id IS NULL AND excluded_reason IS NULL", (today,))
    excluded = Invoice.select().where(Invoice.excluded_reason.is_null(False))
    corrections = _scalar("SELECT COUNT(*) FROM payment WHERE collection_case_id IS NOT NULL AND method != 'inkasso'")
    assert due_reminder >= 2 and due_demand >= 2 and ready >= 2 and corrections >= 2
    assert 1 <= excluded.count() <= 2
    assert all(i.excluded_by and i.excluded_at and i.dunning_level == 2 for i in excluded)
    agency = Payment.select().where(Payment.method == "inkasso")
    assert agency.count() >= 2 and {p.sender_account for p in agency} == {demo_db.AGENCY_BANKGIRO}
    over = [p for p in agency if p.excess_amount > 0]
    assert over and over[0].excess_role == AccountRole.COLLECTION_OVERPAYMENT.value
    assert settings.agency_accounts() == {demo_db.AGENCY_BANKGIRO}
    assert settings.collection_system().code == "inhouse"
    unmatched = list(Payment.select().where(Payment.status == "unmatched"))
    assert len(unmatched) == 1 and unmatched[0].invoice is None
    assert Customer.select().where(Customer.dunning_blocked_reason.is_null(False)).count() == 1
    blocked = list(Invoice.select().where(Invoice.dunning_blocked_reason.is_null(False)))
    assert len(blocked) == 1 and blocked[0].balance > 0 and blocked[0].dunning_level == 0
    assert Payment.select().where(Payment.kind == "credit").count() >= 1


def test_big_company_customer(demo: pw.Database) -> None:
    big = Customer.get(Customer.number == demo_db.BIG_CUSTOMER_NUMBER)
    assert big.is_company
    assert Invoice.select().where(Invoice.customer == big).count() >= 500
    parking = (RentalObject.select().join(ObjectType).switch(RentalObject)
               .where(ObjectType.sfi == "parkering", RentalObject.id.in_(
                   Invoice.select(Invoice.rental_object).where(Invoice.customer == big))))
    assert parking.count() >= 20


def test_same_seed_same_database_other_seed_differs(tmp_path: Path) -> None:
    digests = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        open_database(f"sqlite:///{tmp_path / name}.db")
        create_demo(800, seed)
        digests.append(_digest())
        close_database()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_refused_on_a_ledger_kept_with_if_missing_replaced_with_reset(sqlite_url: str) -> None:
    first = create_demo(700, 3)
    assert first.created and first.counts["invoice"] == 700
    before = _digest()
    with pytest.raises(LedgerExists, match="har redan en reskontra.*--reset"):
        create_demo(900, 3)
    assert _digest() == before
    kept = create_demo(900, 3, if_missing=True)
    assert not kept.created and kept.invoices == 700
    assert _digest() == before
    with pytest.raises(UserError, match="går inte ihop"):
        create_demo(900, 3, True, if_missing=True)
    again = create_demo(700, 3, reset=True)
    assert again.deleted["invoice"] == 700
    assert _digest() == before, "a reset and the same seed give the same ledger"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions.count("demo.created") == 2


def test_postgresql(postgres_url: str) -> None:
    summary = create_demo(800, 2)
    assert summary.counts["invoice"] == Invoice.select().count() == 800
    assert _scalar(
        "SELECT COUNT(*) FROM invoice i WHERE balance != amount - "
        "COALESCE((SELECT SUM(invoice_amount) FROM payment p WHERE p.invoice_id = i.id), 0)") == 0
    assert DunningNotice.select().count() > 0 and InvoiceRow.select().count() >= 800
    # sequences moved past the ids written explicitly: ordinary inserts still work
    owner = Owner.select().first()
    Customer.create(number="K-NY", name="Ny Kund", national_id="19800101-0001")
    Account.create(owner=owner, role="Test", number="9999")
    with pytest.raises(LedgerExists):
        create_demo(800, 2)


def test_cli_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cli.db"
    assert main(["--db", str(path), "demo", "--invoices", "600", "--seed", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created"] is True and data["counts"]["invoice"] == 600 and data["today"] == TODAY.isoformat()
    close_database()
    assert main(["--db", str(path), "demo", "--invoices", "600"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "har redan en reskontra" in err[0]
    close_database()
    assert main(["--db", str(path), "demo", "--if-missing", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] is False
    close_database()


def test_cli_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.db"
    assert main(["--db", str(path), "demo", "--invoices", "12"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "tui-inkasso demo: --invoices ska vara mellan 500 och 5000000, inte 12\n"
    assert main(["--db", str(path), "demo", "--reset", "--if-missing"]) == 2
    assert "går inte ihop" in capsys.readouterr().err
    close_database()


def test_cli_not_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--invoices", "abc"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "användning: tui-inkasso demo" in err
    assert "tui-inkasso demo: fel: argument --invoices: inget heltal: 'abc'" in err
