"""The statutory fee ceilings by date (lag (1981:739) 4 §, before 2013 förordning (1981:1057))."""

from __future__ import annotations

from datetime import date

import pytest

from tui_inkasso.domain.fee_ceilings import (
    FEE_CEILINGS,
    FeeCeilingError,
    FeeKind,
    ceiling_row,
    fee_ceiling,
    fee_problem,
    format_kr,
    lawful_fee,
)


@pytest.mark.parametrize(("kind", "on", "expected"), [
    (FeeKind.REMINDER, date(2026, 12, 21), 6000),
    (FeeKind.COLLECTION, date(2026, 12, 21), 18000),
    (FeeKind.PAYMENT_PLAN, date(2026, 12, 21), 17000),
    # lag (2013:56) took effect on 16 March 2013; the day before the förordning's amounts held
    (FeeKind.REMINDER, date(2013, 3, 16), 6000),
    (FeeKind.COLLECTION, date(2013, 3, 16), 18000),
    (FeeKind.REMINDER, date(2013, 3, 15), 5000),
    (FeeKind.COLLECTION, date(2013, 3, 15), 16000),
    (FeeKind.PAYMENT_PLAN, date(2013, 3, 15), 15000),
    (FeeKind.COLLECTION, date(2003, 7, 1), 16000),
])
def test_the_ceiling_in_force_on_the_letters_date(kind: FeeKind, on: date, expected: int) -> None:
    assert fee_ceiling(kind, on) == expected


def test_no_ceiling_is_invented_before_the_table() -> None:
    with pytest.raises(FeeCeilingError, match="2003-07-01"):
        fee_ceiling(FeeKind.REMINDER, date(2003, 6, 30))


def test_the_table_is_one_row_per_change_oldest_first_with_a_source() -> None:
    days = [row.valid_from for row in FEE_CEILINGS]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert all(row.source for row in FEE_CEILINGS)
    assert ceiling_row(date(2030, 1, 1)) is FEE_CEILINGS[-1]


def test_a_future_change_is_one_row() -> None:
    table = FEE_CEILINGS + (FEE_CEILINGS[-1].__class__(date(2027, 1, 1), 7000, 20000, 19000, "x"),)
    assert ceiling_row(date(2026, 12, 31), table).reminder_ore == 6000
    assert ceiling_row(date(2027, 1, 1), table).reminder_ore == 7000


def test_a_fee_above_the_ceiling_is_refused_with_the_law_named() -> None:
    reason = fee_problem(FeeKind.REMINDER, 10000, date(2026, 1, 15))
    assert reason == ("påminnelseavgiften 100,00 kr är högre än 60,00 kr, det högsta lag "
                      "(1981:739) om ersättning för inkassokostnader m.m. 4 § tillåter; en lägre "
                      "avgift går att ange, en högre inte")
    assert "inkassoavgiften 500,00 kr är högre än 180,00 kr" in (
        fee_problem(FeeKind.COLLECTION, 50000, date(2026, 1, 15)) or "")


@pytest.mark.parametrize("fee", [0, 1, 5999, 6000])
def test_a_fee_at_or_below_the_ceiling_is_lawful(fee: int) -> None:
    assert fee_problem(FeeKind.REMINDER, fee, date(2026, 1, 15)) is None


def test_a_negative_fee_is_refused() -> None:
    assert fee_problem(FeeKind.COLLECTION, -1, date(2026, 1, 15)) == (
        "inkassoavgiften får inte vara negativ (-0,01 kr)")


def test_lawful_fee_cuts_to_the_ceiling_of_the_letters_date() -> None:
    assert lawful_fee(FeeKind.COLLECTION, 18000, date(2013, 3, 15)) == 16000
    assert lawful_fee(FeeKind.COLLECTION, 18000, date(2013, 3, 16)) == 18000
    assert lawful_fee(FeeKind.REMINDER, -500, date(2020, 1, 1)) == 0


def test_fee_labels_and_sections() -> None:
    assert FeeKind.REMINDER.label == "påminnelseavgift" and FeeKind.REMINDER.section == "2 §"
    assert FeeKind.COLLECTION.section == "3 § 1"
    assert format_kr(18000) == "180,00 kr" and format_kr(-5) == "-0,05 kr"
