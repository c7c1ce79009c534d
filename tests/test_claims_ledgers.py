"""Issue 13's "done when" on the example ledger (../shared/docs/ledger-import-example.json) and
the demo, on SQLite and PostgreSQL: a reminder and a demand paid exactly leave nothing open and
book the fee and interest income; only the excess over the whole claim is an overpayment."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from tests.claim_helpers import account_sums, open_parts, voucher_lines
from tests.conftest import SHARED_DOCS
from tests.factories import make_invoice
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.db.models import (
    Contract,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    Owner,
    Payment,
    ReferenceRate,
    Voucher,
)
from tui_inkasso.domain.level_kinds import COLLECTION_DEMAND_TEXT, REMINDER_TEXT
from tui_inkasso.services import dunning_run, settings
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services.demo import create_demo
from tui_inkasso.services.ledger_import import import_ledger

_files = itertools.count()


def _lawful_texts() -> None:
    """The lawful default texts on the ledger's levels (what a collection demand must say)."""
    for level in DunningLevelConfig.select():
        text = REMINDER_TEXT if level.level == 1 else COLLECTION_DEMAND_TEXT
        DunningLevelConfig.update(letter_text=text).where(DunningLevelConfig.id == level.id).execute()


def _rate_for_h2_2026() -> None:
    """Staff enter the reference rate of 2026-07-01 (not shipped: no source was found)."""
    if not ReferenceRate.select().where(ReferenceRate.valid_from == dt.date(2026, 7, 1)).exists():
        if not ReferenceRate.select().exists():
            dunning_run.seed_rates_if_empty()
        ReferenceRate.create(valid_from=dt.date(2026, 7, 1), rate_bp=200)


def _pay(tmp_path: Path, invoice: Invoice, amount: int, day: dt.date, receiving: str,
         monkeypatch: pytest.MonkeyPatch) -> Payment:
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    created = dt.datetime.combine(day, dt.time(18, 0)) + dt.timedelta(seconds=next(_files))
    path = write_bgmax_file(tmp_path, f"bg-{invoice.number}-{amount}.txt", [
        bgmax_payment(amount, invoice.ocr, sender="3783511", receiving=receiving, pay_date=day)], created=created)
    result = pi.import_payment_file(path)
    assert result.summary is not None and result.summary.matched == 1
    return Payment.get(Payment.payment_file == result.payment_file_id)


def test_example_ledger_reminder_and_demand_paid_exactly(
        any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    # A letter must say how to reach the creditor (inkassolagen 5 §); the example has no contacts.
    Owner.update(phone="08-123 456", email="hyra@example.se").execute()
    settings.set_setting("dunning.letters_dir", str(tmp_path / "brev"))
    _lawful_texts()
    _rate_for_h2_2026()
    demanded = Invoice.get(Invoice.number == "100237")  # a reminder of 2026-10-08 (60 kr, imported)
    # A new rent invoice on Anna's lease, which allows a reminder fee.
    old = Invoice.get(Invoice.number == "100234")
    lease = Contract.create(number="K1001-1", customer=old.customer, rental_object=old.rental_object,
                            start_date=dt.date(2024, 1, 1), reminder_fee_allowed=True)
    reminded = make_invoice("100239", amount=333_000, due_date=dt.date(2026, 10, 30), customer=old.customer,
                            rental_object=old.rental_object, owner=old.owner)
    Invoice.update(contract=lease).where(Invoice.id == reminded.id).execute()
    day = dt.date(2026, 11, 10)
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    owner = old.owner_id
    before = account_sums(owner)
    result = dunning_run.run_dunning(day)
    notices = {n.invoice_number: n for n in result.notices}
    assert set(notices) == {"100237", "100239"}
    reminder, demand = notices["100239"], notices["100237"]
    assert (reminder.level, reminder.fee) == (1, 6000) and reminder.interest > 0
    assert demand.level == 2 and demand.interest > 0
    assert demand.total == 845_000 + 6000 + demand.fee + demand.interest, "the imported fee is on the demand"
    pay_day = day + dt.timedelta(days=5)
    for invoice, notice in ((reminded, reminder), (demanded, demand)):
        payment = _pay(tmp_path, invoice, notice.total, pay_day, "58056201", monkeypatch)
        assert (payment.invoice_amount, payment.excess_amount) == (notice.total, 0)
        assert open_parts(invoice) == (0, 0, 0)
    after = account_sums(owner)
    books = {account: after[account] - before[account] for account in after}
    # Fees: the reminder's 60 kr booked by the run, the imported 60 kr when it was paid.
    assert (books["3591"], books["8313"]) == (-6000 - demand.fee - 6000, -reminder.interest - demand.interest)
    assert books["1930"] == reminder.total + demand.total and books.get("2420", 0) == 0
    assert DunningNotice.get_by_id(reminder.notice_id).fee == 6000


@pytest.fixture(params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo ledger (6,000 invoices) in a fresh database of each kind."""
    request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    create_demo(6000, 1)


def test_demo_reminder_paid_exactly_and_an_overpayment_only_over_the_claim(
        demo: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.set_setting("dunning.letters_dir", str(tmp_path / "brev"))
    _lawful_texts()
    _rate_for_h2_2026()
    day = dt.date(2026, 12, 10)
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    result = dunning_run.run_dunning(day)
    reminders = [n for n in result.notices if n.level == 1 and n.fee and n.interest]
    assert len(reminders) >= 2
    exact, over = reminders[0], reminders[1]
    first = Invoice.get_by_id(exact.invoice_id)
    receiving = first.owner.bankgiro
    before = account_sums(first.owner_id)
    payment = _pay(tmp_path, first, exact.total, day + dt.timedelta(days=4), receiving, monkeypatch)
    assert (payment.invoice_amount, payment.excess_amount) == (exact.total, 0) and open_parts(first) == (0, 0, 0)
    second = Invoice.get_by_id(over.invoice_id)
    extra = _pay(tmp_path, second, over.total + 12_345, day + dt.timedelta(days=4), second.owner.bankgiro,
                 monkeypatch)
    assert (extra.invoice_amount, extra.excess_amount, extra.excess_role) == (
        over.total, 12_345, "Förskott från kunder")
    assert open_parts(second) == (0, 0, 0)
    run_voucher = Voucher.get((Voucher.owner == first.owner_id) & (Voucher.source == "dunning_run"))
    rows = voucher_lines(run_voucher)
    assert rows["3591"] < 0 and rows["8313"] < 0 and rows["1510"] == -(rows["3591"] + rows["8313"])
    after = account_sums(first.owner_id)
    books = {account: after[account] - before[account] for account in after}
    assert books["1930"] >= exact.total
