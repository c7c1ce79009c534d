"""A payment settles a claim's parts in the set order; only what exceeds the claim is excess."""

from __future__ import annotations

import random

import pytest

from tui_inkasso.domain.allocation import COLLECTION_OVERPAYMENT_ROLE, PREPAYMENT_ROLE
from tui_inkasso.domain.settlement import (
    CAPITAL_FIRST,
    DEFAULT_ORDER,
    ORDER_LABELS,
    ORDERS,
    Allocation,
    ClaimPart,
    PartKind,
    claim_total,
    order_problem,
    parse_order,
    settle,
)

COST, INTEREST, CAPITAL = PartKind.COST, PartKind.INTEREST, PartKind.CAPITAL

# issue 13, item 1: 3 330 rent + 60 fee + 30,11 interest = 3 420,11 paid by BgMax
CLAIM = (ClaimPart("rent", CAPITAL, 333000), ClaimPart("fee1", COST, 6000),
         ClaimPart("int1", INTEREST, 3011))


def test_paying_exactly_what_the_letter_demanded_leaves_nothing_open() -> None:
    result = settle(CLAIM, 342011)
    assert result.excess_ore == 0 and result.excess_role is None
    assert result.open_ore == 0
    assert result.allocations == (Allocation("fee1", COST, 6000),
                                  Allocation("int1", INTEREST, 3011),
                                  Allocation("rent", CAPITAL, 333000))
    assert result.applied_to(COST) == 6000 and result.applied_to(INTEREST) == 3011


def test_a_part_payment_goes_to_costs_then_interest_then_capital() -> None:
    result = settle(CLAIM, 10000)
    assert result.allocations == (Allocation("fee1", COST, 6000),
                                  Allocation("int1", INTEREST, 3011),
                                  Allocation("rent", CAPITAL, 989))
    assert [p.open_ore for p in result.remaining] == [333000 - 989, 0, 0]
    small = settle(CLAIM, 5000)
    assert small.allocations == (Allocation("fee1", COST, 5000),)
    assert small.applied_to(CAPITAL) == 0


def test_capital_first_settles_the_rent_before_fees() -> None:
    result = settle(CLAIM, 333000, CAPITAL_FIRST)
    assert result.allocations == (Allocation("rent", CAPITAL, 333000),)
    assert [p.open_ore for p in result.remaining] == [0, 6000, 3011]


def test_overpayment_is_only_what_exceeds_the_whole_claim() -> None:
    result = settle(CLAIM, 350000)
    assert result.excess_ore == 350000 - 342011
    assert result.excess_role == PREPAYMENT_ROLE
    assert result.applied_ore == 342011 and result.open_ore == 0
    agency = settle(CLAIM, 350000, from_agency=True, owner_has_overpayment_account=True)
    assert agency.excess_role == COLLECTION_OVERPAYMENT_ROLE
    paid = settle((ClaimPart("rent", CAPITAL, 0),), 10000)
    assert paid.excess_ore == 10000 and paid.allocations == ()


def test_within_a_kind_parts_are_settled_in_the_order_given() -> None:
    parts = (ClaimPart("fee-old", COST, 6000), ClaimPart("fee-new", COST, 18000),
             ClaimPart("rent", CAPITAL, 100000))
    result = settle(parts, 10000)
    assert result.allocations == (Allocation("fee-old", COST, 6000),
                                  Allocation("fee-new", COST, 4000))


def test_negative_open_parts_take_nothing_and_count_as_nothing() -> None:
    parts = (ClaimPart("credit", CAPITAL, -5000), ClaimPart("fee", COST, 6000))
    assert claim_total(parts) == 6000
    result = settle(parts, 7000)
    assert result.allocations == (Allocation("fee", COST, 6000),)
    assert result.excess_ore == 1000


def test_a_zero_payment_settles_nothing() -> None:
    result = settle(CLAIM, 0)
    assert result.allocations == () and result.excess_ore == 0 and result.open_ore == 342011


def test_a_negative_payment_is_refused() -> None:
    with pytest.raises(ValueError, match="en betalning kan inte vara negativ"):
        settle(CLAIM, -1)


def test_orders() -> None:
    assert parse_order("costs_interest_capital") == DEFAULT_ORDER
    assert parse_order(" capital_costs_interest ") == CAPITAL_FIRST
    assert set(ORDERS) == set(ORDER_LABELS)
    with pytest.raises(ValueError, match="okänd avräkningsordning 'x'; välj costs_interest_capital"):
        parse_order("x")
    assert order_problem(DEFAULT_ORDER) is None
    assert order_problem((COST, COST, CAPITAL)) is not None
    with pytest.raises(ValueError, match="en gång var"):
        settle(CLAIM, 100, (COST, CAPITAL))


def test_money_is_conserved_for_any_payment() -> None:
    rng = random.Random(13)
    for _ in range(2000):
        parts = tuple(ClaimPart(str(i), rng.choice(list(PartKind)), rng.randint(-1000, 50000))
                      for i in range(rng.randint(0, 6)))
        amount = rng.randint(0, 200000)
        order = rng.choice([DEFAULT_ORDER, CAPITAL_FIRST])
        result = settle(parts, amount, order)
        assert sum(a.amount_ore for a in result.allocations) + result.excess_ore == amount
        assert result.excess_ore == max(0, amount - claim_total(parts))
        assert result.open_ore == claim_total(parts) - result.applied_ore
        assert all(p.open_ore >= 0 for p in result.remaining)
        # a later kind gets money only when every earlier kind is settled
        for position, kind in enumerate(order[1:], start=1):
            if result.applied_to(kind):
                assert all(p.open_ore == 0 for p in result.remaining if p.kind in order[:position])
