"""Claims in the books of each owner (issue 13), on SQLite and PostgreSQL: the fee and interest of
a letter are income on the accounts the invoice's own owner maps to its roles (not on fixed
numbers), a letter paid exactly leaves nothing open and nothing on the prepayment account in each
owner's books, every voucher belongs to one owner and balances there; and a balance correction
(money paid to the owner on an invoice in a collection case, read from a bank file) settles the
claim the same way and is reported to the agency with its whole amount."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.claim_helpers import (
    DEMAND_RUN,
    REMINDER_RUN,
    RENT,
    account_sums,
    open_parts,
    reminder_and_demand,
    rent_on_lease,
)
from tests.factories import make_customer, make_object, make_owner
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    ChargeSettlement,
    Invoice,
    InvoiceCharge,
    Owner,
    Payment,
    Voucher,
)
from tui_inkasso.services import balance_corrections, collection_run, dunning_run
from tui_inkasso.services import payment_import as pi

FAB_ROLES = {
    AccountRole.RECEIVABLES: "1511",
    AccountRole.BANK: "1940",
    AccountRole.PREPAYMENTS: "2421",
    AccountRole.FEE_INCOME: "3592",
    AccountRole.INTEREST_INCOME: "8314",
}
"""The second owner's chart: every role on another number than the first owner's."""

_files = itertools.count()


def _lease(code: str, customer: str, national_id: str, owner: Owner) -> Invoice:
    """A 3 330,00 rent due 2026-03-31 on a dwelling of ``owner`` whose lease allows the fee."""
    rental_object = make_object(code, owner=owner)
    tenant = make_customer(customer, name=f"Hyresgäst {customer}", national_id=national_id)
    return rent_on_lease(f"9{code[-4:]}", tenant, rental_object, f"A-{code}")


def _fab() -> Owner:
    """The second owner, FAB, receiving on bankgiro 123-4566 with its own account numbers."""
    owner = Owner.create(code="FAB", name="Fastighets AB Två", org_no="559012-3450", bankgiro="1234566",
                         address="Box 2", postal_code="222 22", city="Lund", phone="046-12 34 56",
                         email="hyra@fab.example")
    for role, number in FAB_ROLES.items():
        Account.create(owner=owner, role=role.value, number=number, name=role.value)
    return owner


@pytest.fixture
def two_owners(any_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Invoice, Invoice]:
    """A rent of BAB (1510/1930/2420/3591/8313) and one of FAB (1511/1940/2421/3592/8314), a
    reminder (60 kr) and a collection demand (180 kr) configured."""
    reminder_and_demand(tmp_path, monkeypatch)
    bab = _lease("1001-1101", "K1001", "19800101-0001", make_owner("BAB"))
    fab = _lease("2001-1201", "K2001", "19850505-0002", _fab())
    assert bab.owner_id != fab.owner_id
    return bab, fab


def _pay(tmp_path: Path, payments: list[tuple[Invoice, int]], day: dt.date,
         monkeypatch: pytest.MonkeyPatch) -> list[Payment]:
    """One BgMax file, each payment to its invoice's OCR on its owner's bankgiro."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    created = dt.datetime.combine(day, dt.time(18, 0)) + dt.timedelta(seconds=next(_files))
    lines = [bgmax_payment(amount, invoice.ocr, sender="3783511", receiving=invoice.owner.bankgiro, pay_date=day,
                           deposit=f"{index + 1:05d}")
             for index, (invoice, amount) in enumerate(payments)]
    path = write_bgmax_file(tmp_path, f"bg-{next(_files)}.txt", lines, created=created)
    result = pi.import_payment_file(path)
    assert result.summary is not None and result.summary.matched == len(payments)
    return list(Payment.select().where(Payment.payment_file == result.payment_file_id).order_by(Payment.id))


def _owner_books(invoice: Invoice) -> dict[str, int]:
    """The owner's accounts with a sum other than 0, every voucher of the owner balanced."""
    return {account: amount for account, amount in account_sums(invoice.owner_id).items() if amount}


def test_each_owner_books_fee_and_interest_on_its_own_role_accounts_and_a_letter_paid_exactly_leaves_nothing(
        two_owners: tuple[Invoice, Invoice], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bab, fab = two_owners
    monkeypatch.setenv("TUI_INKASSO_TODAY", REMINDER_RUN.isoformat())
    notices = {n.invoice_id: n for n in dunning_run.run_dunning(REMINDER_RUN).notices}
    assert {(n.fee, n.interest, n.total) for n in notices.values()} == {(6000, 3011, 342_011)}
    assert Voucher.select().where(Voucher.source == "dunning_run").count() == 2, "one voucher per owner"
    _pay(tmp_path, [(bab, 342_011), (fab, 342_011)], REMINDER_RUN + dt.timedelta(days=6), monkeypatch)
    for invoice in (bab, fab):
        assert open_parts(invoice) == (0, 0, 0)
        assert Payment.get(Payment.invoice == invoice.id).excess_amount == 0
    # The booking, each owner on its own chart: bank + 3 420,11, income 60,00 and 30,11.
    assert _owner_books(bab) == {"1930": 342_011, "3591": -6000, "8313": -3011, "1510": -RENT}
    assert _owner_books(fab) == {"1940": 342_011, "3592": -6000, "8314": -3011, "1511": -RENT}


def test_a_demand_paid_exactly_in_each_owners_books(
        two_owners: tuple[Invoice, Invoice], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bab, fab = two_owners
    monkeypatch.setenv("TUI_INKASSO_TODAY", REMINDER_RUN.isoformat())
    dunning_run.run_dunning(REMINDER_RUN)
    monkeypatch.setenv("TUI_INKASSO_TODAY", DEMAND_RUN.isoformat())
    demands = {n.invoice_id: n for n in dunning_run.run_dunning(DEMAND_RUN).notices}
    assert {(n.level, n.fee, n.interest) for n in demands.values()} == {(2, 18000, 2007)}
    total = RENT + 6000 + 18000 + 3011 + 2007
    assert {n.total for n in demands.values()} == {total}
    over = 2_500
    payments = _pay(tmp_path, [(bab, total), (fab, total + over)], DEMAND_RUN + dt.timedelta(days=3), monkeypatch)
    assert [(p.invoice_amount, p.excess_amount) for p in payments] == [(total, 0), (total, over)]
    assert open_parts(bab) == open_parts(fab) == (0, 0, 0)
    assert _owner_books(bab) == {"1930": total, "3591": -24000, "8313": -5018, "1510": -RENT}
    assert _owner_books(fab) == {"1940": total + over, "3592": -24000, "8314": -5018, "1511": -RENT,
                                 "2421": -over}, "only what exceeds the whole claim is a prepayment"


def test_a_balance_correction_from_a_bank_file_settles_the_claim_the_same_way(
        two_owners: tuple[Invoice, Invoice], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bab, _ = two_owners
    monkeypatch.setenv("TUI_INKASSO_TODAY", REMINDER_RUN.isoformat())
    dunning_run.run_dunning(REMINDER_RUN)
    monkeypatch.setenv("TUI_INKASSO_TODAY", DEMAND_RUN.isoformat())
    dunning_run.run_dunning(DEMAND_RUN)
    handover = Invoice.get_by_id(bab.id).dunning_deadline + dt.timedelta(days=1)
    monkeypatch.setenv("TUI_INKASSO_TODAY", handover.isoformat())
    result = collection_run.create_cases(handover, None, [bab.id], "intrum", out=tmp_path / "ut", deliver=False)
    (claim,) = result.records[0].claims
    assert claim.fees_ore == 24000 and claim.interest_ore > 5018
    # The tenant pays the owner a part, then the rest, long after the letters' deadlines: a
    # balance correction each, settled costs, interest, capital, and no late interest on a case.
    part = 30_000
    first, = _pay(tmp_path, [(bab, part)], handover + dt.timedelta(days=30), monkeypatch)
    assert open_parts(bab) == (RENT, 0, claim.fees_ore + claim.interest_ore - part)
    second, = _pay(tmp_path, [(bab, claim.total_ore - part)], handover + dt.timedelta(days=60), monkeypatch)
    assert open_parts(bab) == (0, 0, 0) and second.excess_amount == 0
    assert not InvoiceCharge.select().where(InvoiceCharge.payment.in_([first.id, second.id])).exists()
    settled = ChargeSettlement.select().where(ChargeSettlement.payment.in_([first.id, second.id]))
    assert sum(s.amount for s in settled) == claim.fees_ore + claim.interest_ore
    corrections = balance_corrections.unreported_corrections()
    assert [(c.payment_id, c.amount, c.is_correction) for c in corrections] == [
        (first.id, part, True), (second.id, claim.total_ore - part, True)], "the whole amounts go to the agency"
    assert sum(c.amount for c in corrections) == claim.total_ore
    assert _owner_books(bab).get("2420", 0) == 0


def _kronor(ore: int) -> str:
    return f"{ore // 100},{ore % 100:02d}"


@pytest.mark.parametrize("system", ["intrum", "svea", "none"])
def test_the_collection_file_lists_capital_fees_and_interest_apart(
        two_owners: tuple[Invoice, Invoice], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str) -> None:
    bab, _ = two_owners
    for day in (REMINDER_RUN, DEMAND_RUN):
        monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
        dunning_run.run_dunning(day)
    handover = Invoice.get_by_id(bab.id).dunning_deadline + dt.timedelta(days=1)
    monkeypatch.setenv("TUI_INKASSO_TODAY", handover.isoformat())
    (tmp_path / "ut").mkdir()
    out = tmp_path / "ut" / ("fil" if system == "none" else "")
    result = collection_run.create_cases(handover, None, [bab.id], system, out=out, deliver=False)
    (claim,) = result.records[0].claims
    interest = claim.interest_ore
    assert (claim.capital_ore, claim.fees_ore) == (RENT, 24000) and interest > 5018
    assert open_parts(bab) == (RENT, 24000, interest), "the case claims what the ledger shows open"
    (path,) = result.files
    if system == "intrum":
        (line,) = [x for x in path.read_bytes().decode("latin-1").split("\r\n") if x.startswith("20")]
        assert f"{RENT:012d}{24000:010d}{interest:010d}" in line
    elif system == "svea":
        (row,) = [r for r in csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline=""), delimiter=";")
                  if r[0] == "F"]
        assert row[7:10] == [_kronor(RENT), _kronor(24000), _kronor(interest)]
    else:
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        (values,) = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        assert (values["Kapital"], values["Avgifter"], values["Ränta"]) == (RENT / 100, 240, interest / 100)
