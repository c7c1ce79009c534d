"""The claim model's pure rules (domain/claim.py): settling capital, fees and interest in order,
the excess only over the whole claim, and the policy for interest after the last letter."""

from __future__ import annotations

import datetime as dt

from tui_inkasso.domain.claim import (
    ClaimSettlement,
    OpenCharge,
    claim_parts,
    interest_on_late_payment,
    settle_claim,
)
from tui_inkasso.domain.codes import ChargeKind
from tui_inkasso.domain.interest import ReferenceRate, late_interest
from tui_inkasso.domain.settlement import CAPITAL_FIRST

DAY = dt.date(2026, 5, 3)
FEE = OpenCharge(1, ChargeKind.REMINDER_FEE.value, 6000, DAY)
INTEREST = OpenCharge(2, ChargeKind.INTEREST.value, 3011, DAY)
RATES = [ReferenceRate(dt.date(2026, 1, 1), 200)]


def _late(capital: int, start: dt.date, end: dt.date) -> int:
    return late_interest(capital, start, end, RATES)


def test_the_issue_example_settles_costs_then_interest_then_capital_and_leaves_nothing() -> None:
    paid = settle_claim(333_000, [INTEREST, FEE], 342_011)
    assert (paid.fees_ore, paid.interest_ore, paid.capital_ore, paid.excess_ore) == (6000, 3011, 333_000, 0)
    assert paid.charges == ((1, 6000), (2, 3011)) and paid.applied_ore == 342_011


def test_a_part_payment_goes_to_costs_and_interest_first_by_default() -> None:
    paid = settle_claim(333_000, [FEE, INTEREST], 10_000)
    assert (paid.fees_ore, paid.interest_ore, paid.capital_ore) == (6000, 3011, 989)


def test_capital_first_settles_the_rent_before_fees_and_interest() -> None:
    paid = settle_claim(333_000, [FEE, INTEREST], 335_000, CAPITAL_FIRST)
    assert (paid.capital_ore, paid.fees_ore, paid.interest_ore) == (333_000, 2000, 0)


def test_overpayment_is_only_what_exceeds_capital_fees_and_interest() -> None:
    paid = settle_claim(333_000, [FEE, INTEREST], 350_000)
    assert (paid.applied_ore, paid.excess_ore, paid.excess_role) == (342_011, 7989, "Förskott från kunder")
    agency = settle_claim(333_000, [FEE, INTEREST], 350_000, from_agency=True, owner_has_overpayment_account=True)
    assert (agency.excess_ore, agency.excess_role) == (7989, "Överskjutande betalning inkasso")


def test_a_plain_invoice_settles_its_capital_without_parts() -> None:
    assert settle_claim(100_000, [], 40_000) == ClaimSettlement(40_000, 40_000, (), 0, 0, 0, None)
    assert settle_claim(100_000, [], 140_000).excess_ore == 40_000


def test_charges_of_a_kind_settle_oldest_first() -> None:
    older = OpenCharge(7, ChargeKind.REMINDER_FEE.value, 6000, dt.date(2026, 4, 1))
    newer = OpenCharge(3, ChargeKind.COLLECTION_FEE.value, 18000, dt.date(2026, 4, 20))
    assert [p.key for p in claim_parts(100, [newer, older])] == ["capital", "7", "3"]
    assert settle_claim(100, [newer, older], 10_000).charges == ((7, 6000), (3, 4000))


def test_interest_after_the_letter_is_waived_when_paid_by_its_deadline() -> None:
    assert interest_on_late_payment(
        capital_settled_ore=333_000, pay_date=dt.date(2026, 5, 13), due_date=dt.date(2026, 3, 31),
        interest_to=DAY, letter_deadline=dt.date(2026, 5, 13), minimum_ore=5000, late_interest=_late) is None


def test_interest_after_the_deadline_is_charged_from_the_minimum_and_written_off_below_it() -> None:
    small = interest_on_late_payment(
        capital_settled_ore=333_000, pay_date=dt.date(2026, 5, 20), due_date=dt.date(2026, 3, 31),
        interest_to=DAY, letter_deadline=dt.date(2026, 5, 13), minimum_ore=5000, late_interest=_late)
    assert small is not None and (small.amount_ore, small.charged) == (1551, False), "17 days at 10 %"
    assert (small.from_date, small.to_date) == (DAY, dt.date(2026, 5, 20))
    large = interest_on_late_payment(
        capital_settled_ore=333_000, pay_date=dt.date(2026, 6, 30), due_date=dt.date(2026, 3, 31),
        interest_to=DAY, letter_deadline=dt.date(2026, 5, 13), minimum_ore=5000, late_interest=_late)
    assert large is not None and (large.amount_ore, large.charged) == (5292, True), "58 days at 10 %"


def test_a_late_payment_without_a_letter_runs_from_the_due_date_moved_to_a_bank_day() -> None:
    # Due Saturday 2026-05-30: a payment on Monday 2026-06-01 is on time.
    assert interest_on_late_payment(
        capital_settled_ore=333_000, pay_date=dt.date(2026, 6, 1), due_date=dt.date(2026, 5, 30),
        interest_to=None, letter_deadline=None, minimum_ore=0, late_interest=_late) is None
    late = interest_on_late_payment(
        capital_settled_ore=333_000, pay_date=dt.date(2026, 6, 2), due_date=dt.date(2026, 5, 30),
        interest_to=None, letter_deadline=None, minimum_ore=0, late_interest=_late)
    assert late is not None and (late.from_date, late.amount_ore, late.charged) == (dt.date(2026, 6, 1), 91, True)


def test_nothing_of_the_capital_settled_leaves_no_interest() -> None:
    assert interest_on_late_payment(
        capital_settled_ore=0, pay_date=dt.date(2026, 9, 1), due_date=dt.date(2026, 3, 31),
        interest_to=DAY, letter_deadline=None, minimum_ore=0, late_interest=_late) is None
