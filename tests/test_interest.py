"""Late-payment interest: per half year, actual/365, one rounding at the end, integer only."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from tui_inkasso.domain.interest import (
    InterestError,
    LateInterest,
    ReferenceRate,
    default_reference_rates,
    format_rate_bp,
    half_year_start,
    interest_on,
    late_interest,
    missing_half_years,
    parse_rate_table,
    rate_days,
    rate_table_text,
    reference_rate_for,
    validate_rates,
)

RATES = default_reference_rates()
FLAT_2026 = [ReferenceRate(date(2026, 1, 1), 200), ReferenceRate(date(2026, 7, 1), 200)]


def test_across_the_half_year_boundary_each_day_has_its_own_rate() -> None:
    # 10 000 kr overdue from 2025-06-20 (due date) to 2025-07-10:
    # 21-30 June: 10 days at 3.00 % + 8 = 11 %; 1-10 July: 10 days at 2.00 % + 8 = 10 %.
    # 1 000 000 öre × (10 × 1100 + 10 × 1000) / (10 000 × 365) = 5 753.42 → 5 753 öre.
    assert late_interest(1_000_000, date(2025, 6, 20), date(2025, 7, 10), RATES) == 5753


def test_interest_runs_from_the_day_after_the_due_date_to_the_end_date_inclusive() -> None:
    # One day at 2026's 2 % + 8 = 10 %: 36 500,00 kr × 10 % / 365 = 10,00 kr exactly.
    assert late_interest(3_650_000, date(2026, 3, 31), date(2026, 4, 1), RATES) == 1000
    # The first day of July carries the second half year's rate.
    rates = [ReferenceRate(date(2026, 1, 1), 200), ReferenceRate(date(2026, 7, 1), 400)]
    assert late_interest(3_650_000, date(2026, 6, 30), date(2026, 7, 1), rates) == 1200


@pytest.mark.parametrize("to_date", [date(2026, 3, 31), date(2026, 3, 1), date(2025, 1, 1)])
def test_zero_and_negative_spans_give_no_interest(to_date: date) -> None:
    assert late_interest(1_000_000, date(2026, 3, 31), to_date, RATES) == 0


def test_no_interest_on_nothing_or_on_a_credit() -> None:
    assert late_interest(0, date(2026, 1, 1), date(2026, 6, 1), RATES) == 0
    assert late_interest(-50_000, date(2026, 1, 1), date(2026, 6, 1), RATES) == 0


@pytest.mark.parametrize(("capital", "expected"), [(24, 0), (25, 1), (75, 2), (26, 1)])
def test_rounding_is_half_up_to_whole_ore(capital: int, expected: int) -> None:
    # 73 days at 10 %: capital × 73 × 1000 / 3 650 000 = capital / 50 (25 → 0.50, 75 → 1.50).
    assert late_interest(capital, date(2026, 1, 1), date(2026, 3, 15), FLAT_2026) == expected


def test_rounding_happens_once_not_per_half_year() -> None:
    # 73 days in each half year on 20 öre: 0.4 + 0.4 öre. Once: 0.8 → 1; per part it would be 0.
    assert late_interest(20, date(2026, 4, 18), date(2026, 9, 11), FLAT_2026) == 1


def test_actual_365_also_in_a_leap_year() -> None:
    # 29 Feb and 1 Mar 2024 at 4 % + 8 = 12 %, over 365: 365 000 kr × 12 % × 2 / 365 = 240 kr.
    assert late_interest(36_500_000, date(2024, 2, 28), date(2024, 3, 1), RATES) == 24_000


def test_a_year_and_a_half_matches_exact_fractions() -> None:
    capital = 123_456_789_012  # large claims must not lose an öre to float
    got = late_interest(capital, date(2023, 11, 15), date(2025, 5, 2), RATES)
    exact = (
        Fraction(capital * 46 * 1150)      # 16 Nov - 31 Dec 2023: 3.50 % + 8
        + Fraction(capital * 182 * 1200)   # H1 2024 (leap year, 182 days): 4.00 % + 8
        + Fraction(capital * 184 * 1200)   # H2 2024: 4.00 % + 8
        + Fraction(capital * 122 * 1100)   # 1 Jan - 2 May 2025: 3.00 % + 8
    ) / (10_000 * 365)
    assert got == int(exact + Fraction(1, 2))


def test_negative_reference_rates_are_used_as_given() -> None:
    rates = [ReferenceRate(date(2019, 1, 1), -50)]
    assert late_interest(3_650_000, date(2019, 3, 1), date(2019, 3, 2), rates) == 750
    # A total rate below zero gives no interest for those days (never a credit to the debtor).
    assert late_interest(3_650_000, date(2019, 3, 1), date(2019, 3, 2), rates, margin_bp=0) == 0


def test_a_custom_margin() -> None:
    assert late_interest(3_650_000, date(2026, 3, 1), date(2026, 3, 2), RATES, margin_bp=0) == 200


def test_a_period_before_the_table_is_an_error_that_says_what_to_do() -> None:
    with pytest.raises(InterestError, match="ingen referensränta för halvåret från 2019-07-01.*Inställningar"):
        late_interest(1_000_000, date(2019, 12, 1), date(2020, 2, 1), RATES)


def test_the_last_known_rate_goes_on_until_staff_add_the_next() -> None:
    assert reference_rate_for(date(2026, 9, 30), RATES) == 200
    assert missing_half_years(RATES, date(2026, 11, 28)) == [date(2026, 7, 1)]
    assert missing_half_years(RATES, date(2026, 6, 30)) == []


def test_order_of_the_table_does_not_matter() -> None:
    shuffled = list(reversed(RATES))
    assert late_interest(1_000_000, date(2022, 1, 1), date(2026, 1, 1), shuffled) == \
        late_interest(1_000_000, date(2022, 1, 1), date(2026, 1, 1), RATES)


def test_default_table() -> None:
    assert [r.valid_from for r in RATES] == sorted(r.valid_from for r in RATES)
    assert RATES[0] == ReferenceRate(date(2020, 1, 1), 0)
    assert len(RATES) == 13
    assert reference_rate_for(date(2022, 8, 1), RATES) == 50
    assert reference_rate_for(date(2023, 2, 1), RATES) == 250
    assert reference_rate_for(date(2024, 12, 31), RATES) == 400
    assert reference_rate_for(date(2025, 1, 1), RATES) == 300
    assert validate_rates(RATES) == []
    assert default_reference_rates() is not RATES  # a fresh list the settings may change


def test_validate_rates_names_the_row() -> None:
    problems = validate_rates([ReferenceRate(date(2026, 1, 1), 200),
                               ReferenceRate(date(2026, 3, 1), 200),
                               ReferenceRate(date(2026, 1, 1), 250),
                               ReferenceRate(date(2026, 7, 1), 9000)])
    assert len(problems) == 3
    assert problems[0].startswith("Referensränta rad 2 (2026-03-01): giltig från")
    assert "rad 3" in problems[1] and "redan" in problems[1]
    assert "rad 4" in problems[2] and "90,00 %" in problems[2]


def test_helpers() -> None:
    assert half_year_start(date(2026, 6, 30)) == date(2026, 1, 1)
    assert half_year_start(date(2026, 7, 1)) == date(2026, 7, 1)
    assert format_rate_bp(-50) == "-0,50 %"
    assert format_rate_bp(1150) == "11,50 %"


def test_one_rounding_half_up_for_the_period_sum() -> None:
    # 21-30 June 2025 at 11 %, 1-10 July at 10 %: 10 × 1100 + 10 × 1000 basis-point days.
    assert rate_days(date(2025, 6, 20), date(2025, 7, 10), RATES) == 21_000
    assert rate_days(date(2026, 1, 1), date(2026, 1, 1), RATES) == 0
    assert interest_on(1_000_000, 21_000) == 5753            # 5 753.42 öre
    assert interest_on(1, 1_825_000) == 1                    # exactly half an öre rounds up
    assert interest_on(1, 1_824_999) == 0
    assert interest_on(0, 21_000) == interest_on(-100, 21_000) == 0


def test_many_claims_over_a_few_periods_get_late_interest_to_the_ore() -> None:
    """LateInterest (the runs' and collection files' shortcut) is late_interest, not a copy."""
    late = LateInterest(RATES)
    periods = [(date(2023, 11, 15), date(2025, 5, 2)), (date(2025, 6, 20), date(2025, 7, 10)),
               (date(2026, 3, 2), date(2026, 3, 2)), (date(2026, 3, 2), date(2026, 2, 1))]
    for capital in (-5, 0, 1, 20, 99_999, 845_000, 123_456_789):
        for from_date, to_date in periods:
            assert late(capital, from_date, to_date) == late_interest(capital, from_date, to_date, RATES)
    assert LateInterest(RATES, margin_bp=0)(3_650_000, date(2026, 3, 1), date(2026, 3, 2)) == 200
    with pytest.raises(InterestError):
        late(1_000_000, date(2019, 12, 1), date(2020, 2, 1))


def test_the_rate_table_as_staff_type_it() -> None:
    rates, problems = parse_rate_table("2025-07-01  2,00\n\n2026-01-01 -0,50 %\n2026-07-01\t1.75%\n")
    assert problems == []
    assert rates == [ReferenceRate(date(2025, 7, 1), 200), ReferenceRate(date(2026, 1, 1), -50),
                     ReferenceRate(date(2026, 7, 1), 175)]
    assert rate_table_text(rates) == "2025-07-01  2,00\n2026-01-01  -0,50\n2026-07-01  1,75"
    assert parse_rate_table(rate_table_text(RATES)) == (RATES, [])


def test_a_row_that_cannot_be_read_is_named_by_its_line() -> None:
    rates, problems = parse_rate_table("2026-01-01 2,00\n2026-13-01 2,00\n2026-07-01 två\n2027-01-01\n")
    assert rates == [ReferenceRate(date(2026, 1, 1), 200)]
    assert problems == [
        "Referensränta rad 2: '2026-13-01' är inget datum (ÅÅÅÅ-MM-DD).",
        "Referensränta rad 3: 'två' är ingen procentsats (t.ex. 2,00 eller -0,50).",
        "Referensränta rad 4: skriv datum och ränta, t.ex. 2026-01-01 2,00.",
    ]
