"""Claims that add up (issue 13), on SQLite and PostgreSQL: a letter's fee and interest are charged
and booked, a payment of exactly what the letter asked leaves nothing open and books the income,
an overpayment is only the excess over the whole claim, the interest after the letter follows the
policy, and credits, the agency's payments, hand allocations and collection cases settle the same
way. The issue's example: a reminder of 3 420,11 = rent 3 330,00 + fee 60,00 + interest 30,11."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from tests.claim_helpers import (
    DEMAND_RUN,
    DUE,
    REMINDER_RUN,
    RENT,
    account_sums,
    open_parts,
    reminder_and_demand,
    rent_on_lease,
    voucher_lines,
)
from tests.factories import make_customer, make_invoice, make_object
from tests.payment_files import AGENCY, bgmax_payment, write_bgmax_file
from tests.staff import in_force
from tui_inkasso.db.models import (
    Account,
    AccountRole,
    ChargeSettlement,
    DunningNotice,
    Invoice,
    InvoiceCharge,
    Payment,
    PaymentKind,
    PaymentMethod,
    Voucher,
)
from tui_inkasso.services import (
    case_register,
    collection_run,
    dunning_run,
    settings,
    unmatched_payments,
)
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services.booking import PaymentIn, book_one
from tui_inkasso.services.errors import BookingError


@pytest.fixture
def rent(any_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Invoice:
    """A rent invoice of 3 330,00 due 2026-03-31 on a lease that allows a reminder fee, and a
    reminder (60 kr) and a collection demand (180 kr) configured."""
    reminder_and_demand(tmp_path, monkeypatch)
    return rent_on_lease("2026031", make_customer(), make_object(), "A-1")


def _run(day: dt.date, monkeypatch: pytest.MonkeyPatch) -> dunning_run.IssuedNotice:
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    result = dunning_run.run_dunning(day)
    (notice,) = result.notices
    return notice


_files = itertools.count()


def _pay(tmp_path: Path, invoice: Invoice, amount: int, day: dt.date, monkeypatch: pytest.MonkeyPatch,
         *, sender: str = "3783511") -> Payment:
    """A BgMax file with one payment of ``amount`` to the invoice's OCR, imported."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    created = dt.datetime.combine(day, dt.time(18, 0)) + dt.timedelta(seconds=next(_files))  # a file id each
    path = write_bgmax_file(tmp_path, f"bg-{day}-{amount}.txt", [bgmax_payment(amount, invoice.ocr, sender=sender,
                                                                                pay_date=day)], created=created)
    result = pi.import_payment_file(path)
    assert result.summary is not None and result.summary.matched == 1
    return Payment.get(Payment.payment_file == result.payment_file_id)


# --------------------------------------------------------------------------- the example


def test_a_reminder_charges_and_books_its_fee_and_interest(rent: Invoice, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    assert (notice.fee, notice.interest, notice.total) == (6000, 3011, 342_011)
    charges = list(InvoiceCharge.select().where(InvoiceCharge.invoice == rent.id).order_by(InvoiceCharge.id))
    assert [(c.kind, c.amount, c.open_amount, c.notice_id) for c in charges] == [
        ("reminder_fee", 6000, 6000, notice.notice_id), ("interest", 3011, 3011, notice.notice_id)]
    interest = charges[1]
    assert (interest.period_from, interest.period_to, interest.base) == (DUE, REMINDER_RUN, RENT)
    assert open_parts(rent) == (RENT, 6000, 3011)
    assert Invoice.get_by_id(rent.id).interest_to == REMINDER_RUN
    voucher = Voucher.get(Voucher.source == "dunning_run")
    assert voucher.date == REMINDER_RUN and charges[0].voucher_id == voucher.id
    assert voucher_lines(voucher) == {"1510": 9011, "3591": -6000, "8313": -3011}


def test_paying_exactly_what_the_reminder_asked_leaves_nothingopen_parts(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    payment = _pay(tmp_path, rent, notice.total, REMINDER_RUN + dt.timedelta(days=6), monkeypatch)
    assert (payment.invoice_amount, payment.excess_amount, payment.excess_role) == (342_011, 0, None)
    assert open_parts(rent) == (0, 0, 0)
    assert {c.open_amount for c in InvoiceCharge.select()} == {0}
    assert sorted(s.amount for s in ChargeSettlement.select().where(ChargeSettlement.payment == payment.id)) == [
        3011, 6000]
    assert voucher_lines(Voucher.get(Voucher.payment == payment.id)) == {"1930": 342_011, "1510": -342_011}
    # The run's voucher and the payment's together: the booking, through the receivables.
    books = account_sums()
    assert {a: books[a] for a in ("1930", "1510", "3591", "8313", "2420")} == {
        "1930": 342_011, "1510": -RENT, "3591": -6000, "8313": -3011, "2420": 0}


def test_paying_exactly_what_a_demand_asked_leaves_nothingopen_parts(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(REMINDER_RUN, monkeypatch)
    demand = _run(DEMAND_RUN, monkeypatch)
    # The demand charges 180 kr and the interest since the reminder; it asks for everything open.
    assert (demand.fee, demand.interest) == (18000, 2007)
    assert demand.total == RENT + 6000 + 18000 + 3011 + 2007
    assert DunningNotice.get_by_id(demand.notice_id).interest == 3011 + 2007, "the letter shows all interest"
    _pay(tmp_path, rent, demand.total, DEMAND_RUN + dt.timedelta(days=3), monkeypatch)
    assert open_parts(rent) == (0, 0, 0)
    books = account_sums()
    assert (books["1510"], books["3591"], books["8313"], books["2420"]) == (-RENT, -24000, -5018, 0)


def test_an_overpayment_is_only_what_exceeds_the_whole_claim(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    payment = _pay(tmp_path, rent, notice.total + 10_000, REMINDER_RUN + dt.timedelta(days=2), monkeypatch)
    assert (payment.invoice_amount, payment.excess_amount, payment.excess_role) == (
        342_011, 10_000, "Förskott från kunder")
    assert open_parts(rent) == (0, 0, 0)
    assert voucher_lines(Voucher.get(Voucher.payment == payment.id)) == {"1930": 352_011, "1510": -342_011, "2420": -10_000}


def test_the_agencys_payment_settles_the_claim_and_only_the_excess_goes_to_its_account(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_force({"collection.agency_accounts": AGENCY})
    notice = _run(REMINDER_RUN, monkeypatch)
    payment = _pay(tmp_path, rent, notice.total + 5_000, REMINDER_RUN + dt.timedelta(days=20), monkeypatch,
                   sender=AGENCY)
    assert payment.method == PaymentMethod.INKASSO.value
    assert (payment.invoice_amount, payment.excess_amount, payment.excess_role) == (
        342_011, 5_000, "Överskjutande betalning inkasso")
    assert open_parts(rent) == (0, 0, 0), "no late interest on the agency's money"
    assert voucher_lines(Voucher.get(Voucher.payment == payment.id)) == {"1930": 347_011, "1510": -342_011, "2421": -5_000}


def test_a_part_payment_settles_costs_interest_then_capital_or_the_rent_first_when_set(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = make_invoice("2026032", amount=RENT, due_date=DUE, customer=rent.customer,
                         rental_object=rent.rental_object)
    Invoice.update(contract=rent.contract).where(Invoice.id == other.id).execute()
    assert dunning_run.run_dunning(REMINDER_RUN).count == 2
    _pay(tmp_path, rent, 100_000, REMINDER_RUN + dt.timedelta(days=1), monkeypatch)
    assert open_parts(rent) == (RENT - (100_000 - 9011), 0, 0), "fee and interest first"
    settings.set_setting("payments.settlement_order", "capital_costs_interest")
    _pay(tmp_path, other, RENT + 1000, REMINDER_RUN + dt.timedelta(days=1), monkeypatch)
    assert open_parts(other) == (0, 5000, 3011), "the rent first, then 10 kr of the fee"


# --------------------------------------------------------------------------- interest after the letter


def test_interest_after_the_deadline_is_charged_from_the_minimum_and_written_off_below(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    deadline = Invoice.get_by_id(rent.id).dunning_deadline
    late_day = REMINDER_RUN + dt.timedelta(days=58)
    assert late_day > deadline
    payment = _pay(tmp_path, rent, notice.total, late_day, monkeypatch)
    # 58 days at 10 % on the 3 330,00 the payment settled: 52,92 kr, at least 50 kr: charged.
    late = InvoiceCharge.get(InvoiceCharge.payment == payment.id)
    assert (late.kind, late.amount, late.open_amount, late.period_from, late.period_to, late.base) == (
        "interest", 5292, 5292, REMINDER_RUN, late_day, RENT)
    assert open_parts(rent) == (0, 0, 5292)
    assert voucher_lines(Voucher.get(Voucher.id == late.voucher_id)) == {"1510": 5292, "8313": -5292}
    assert Invoice.get_by_id(rent.id).interest_to == REMINDER_RUN, "the rest of the capital still runs from there"


def test_small_interest_after_the_deadline_is_written_off_and_nothing_when_paid_in_time(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    deadline = Invoice.get_by_id(rent.id).dunning_deadline
    payment = _pay(tmp_path, rent, notice.total, deadline + dt.timedelta(days=3), monkeypatch)
    assert not InvoiceCharge.select().where(InvoiceCharge.payment == payment.id).exists()
    assert open_parts(rent) == (0, 0, 0)
    settings.set_setting("payments.late_interest_min", "0")
    other = make_invoice("2026033", amount=RENT, due_date=REMINDER_RUN, customer=rent.customer,
                         rental_object=rent.rental_object)
    on_time = _pay(tmp_path, other, RENT, REMINDER_RUN, monkeypatch)
    assert not InvoiceCharge.select().where(InvoiceCharge.payment == on_time.id).exists()


def test_no_late_interest_is_charged_over_a_half_year_whose_rate_is_not_entered(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    payment = _pay(tmp_path, rent, notice.total, dt.date(2026, 7, 15), monkeypatch)  # 2026-07-01 not shipped
    assert not InvoiceCharge.select().where(InvoiceCharge.payment == payment.id).exists()
    assert open_parts(rent) == (0, 0, 0)


# --------------------------------------------------------------------------- the same settlement everywhere


def test_a_credit_reduces_the_capital_only_and_never_more_than_isopen_parts(
        rent: Invoice, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(REMINDER_RUN, monkeypatch)
    Account.create(owner=rent.owner, role=AccountRole.RENT_INCOME.value, number="3010", name="Hyresintäkter")
    booked = book_one(PaymentIn(amount=30_000, pay_date=REMINDER_RUN, method=PaymentMethod.CREDIT.value,
                                kind=PaymentKind.CREDIT.value, invoice_id=rent.id))
    assert booked.settlement is not None and booked.settlement.capital_ore == 30_000
    assert open_parts(rent) == (RENT - 30_000, 6000, 3011)
    assert voucher_lines(Voucher.get(Voucher.payment == booked.payment_id)) == {"3010": 30_000, "1510": -30_000}
    with pytest.raises(BookingError, match="större än fakturans saldo"):
        book_one(PaymentIn(amount=RENT, pay_date=REMINDER_RUN, method=PaymentMethod.CREDIT.value,
                           kind=PaymentKind.CREDIT.value, invoice_id=rent.id))


def test_a_hand_allocated_payment_settles_like_a_matched_one(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notice = _run(REMINDER_RUN, monkeypatch)
    day = REMINDER_RUN + dt.timedelta(days=2)
    monkeypatch.setenv("TUI_INKASSO_TODAY", day.isoformat())
    path = write_bgmax_file(tmp_path, "unmatched.txt", [bgmax_payment(notice.total, "9999999999", pay_date=day)],
                            created=dt.datetime.combine(day, dt.time(18, 0)))
    pi.import_payment_file(path)
    (waiting,) = unmatched_payments.unmatched_payments()
    booked = unmatched_payments.allocate_payment(waiting.id, rent.number)
    assert (booked.split.invoice_amount, booked.split.excess_amount) == (342_011, 0)
    assert open_parts(rent) == (0, 0, 0)
    allocation = Voucher.get(Voucher.source == "allocation")
    assert voucher_lines(allocation) == {"2420": 342_011, "1510": -342_011}
    assert account_sums()["2420"] == 0


def test_a_collection_case_claims_capital_fees_and_interest_apart_and_settles_the_same_way(
        rent: Invoice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(REMINDER_RUN, monkeypatch)
    _run(DEMAND_RUN, monkeypatch)
    handover = Invoice.get_by_id(rent.id).dunning_deadline + dt.timedelta(days=1)
    monkeypatch.setenv("TUI_INKASSO_TODAY", handover.isoformat())
    result = collection_run.create_cases(handover, None, [rent.id], "intrum", out=tmp_path / "ut", deliver=False)
    (claim,) = result.records[0].claims
    new_interest = InvoiceCharge.get(InvoiceCharge.case.is_null(False))
    assert (new_interest.period_from, new_interest.period_to) == (DEMAND_RUN, handover)
    assert (claim.capital_ore, claim.fees_ore, claim.interest_ore) == (RENT, 24000, 5018 + new_interest.amount)
    marked = Invoice.get_by_id(rent.id)
    assert (marked.collection_case_id, marked.interest, marked.interest_to) == (
        result.cases[0].case_id, claim.interest_ore, handover), "marked and charged in one UPDATE"
    assert voucher_lines(Voucher.get(Voucher.source == "collection_run")) == {
        "1510": new_interest.amount, "8313": -new_interest.amount}
    text = result.files[0].read_text(encoding="latin-1")
    assert f"{RENT:012d}{24000:010d}{claim.interest_ore:010d}" in text, "the file lists the three apart"
    # The debtor pays the owner directly: the whole claim, settled in the same order.
    case_id = result.cases[0].case_id
    booked = case_register.register_case_payment(case_id, rent.id, claim.total_ore, handover, "bankgiro")
    assert booked.split.excess_amount == 0 and open_parts(rent) == (0, 0, 0)
    summary = case_register.case_summary(case_id)
    assert summary.remaining == 0 and summary.claimed == claim.total_ore
