"""The shipped reference-rate table with sources, and refusing a period whose rate is missing."""

from __future__ import annotations

from datetime import date

import pytest

from tui_inkasso.domain.interest import (
    InterestError,
    ReferenceRate,
    default_reference_rates,
    late_interest,
    validate_rates,
)
from tui_inkasso.domain.reference_rates import (
    SHIPPED_RATES,
    RateInputError,
    RatePeriod,
    check_half_year_start,
    half_year_label,
    half_years,
    interest_half_years,
    missing_half_years_for,
    missing_rate_message,
    parse_rate_percent,
    rate_periods,
    require_rates,
    shipped_reference_rates,
)

RATES = shipped_reference_rates()


def test_every_shipped_rate_has_a_source_and_the_table_is_valid() -> None:
    assert all(row.source for row in SHIPPED_RATES)
    assert validate_rates(RATES) == []
    assert [r.valid_from for r in RATES] == sorted(r.valid_from for r in RATES)


def test_the_shipped_values() -> None:
    table = {r.valid_from.isoformat(): r.rate_bp for r in RATES}
    assert table == {
        "2020-01-01": 0, "2020-07-01": 0, "2021-01-01": 0, "2021-07-01": 0, "2022-01-01": 0,
        "2022-07-01": 50, "2023-01-01": 250, "2023-07-01": 350, "2024-01-01": 400,
        "2024-07-01": 400, "2025-01-01": 300, "2025-07-01": 200, "2026-01-01": 200,
    }


def test_the_settings_seed_is_the_sourced_table() -> None:
    assert default_reference_rates() == RATES


def test_half_years() -> None:
    assert half_years(date(2025, 6, 20), date(2026, 7, 1)) == [
        date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 7, 1)]
    assert half_years(date(2026, 3, 1), date(2026, 3, 1)) == [date(2026, 1, 1)]
    assert half_years(date(2026, 3, 2), date(2026, 3, 1)) == []
    # interest days start the day after the due date
    assert interest_half_years(date(2025, 6, 30), date(2025, 7, 10)) == [date(2025, 7, 1)]
    assert interest_half_years(date(2025, 6, 29), date(2025, 7, 10)) == [
        date(2025, 1, 1), date(2025, 7, 1)]
    assert interest_half_years(date(2025, 7, 10), date(2025, 7, 10)) == []


def test_missing_half_years_for_a_period() -> None:
    assert missing_half_years_for(RATES, date(2025, 12, 1), date(2026, 6, 30)) == []
    assert missing_half_years_for(RATES, date(2025, 12, 1), date(2026, 12, 10)) == [
        date(2026, 7, 1)]
    assert missing_half_years_for(RATES, date(2019, 12, 1), date(2020, 1, 10)) == [
        date(2019, 7, 1)]
    gap = [r for r in RATES if r.valid_from != date(2025, 1, 1)]
    assert missing_half_years_for(gap, date(2024, 12, 1), date(2025, 7, 10)) == [date(2025, 1, 1)]


def test_the_message_names_the_half_year_and_where_to_enter_it() -> None:
    assert half_year_label(date(2026, 7, 1)) == "2026-07-01–2026-12-31"
    assert missing_rate_message([date(2026, 7, 1)]) == (
        "Referensräntan saknas för halvåret 2026-07-01–2026-12-31: lägg in den under "
        "Inställningar, Alternativ – Påminnelse/krav eller med kommandot tui-inkasso rates set "
        "2026-07-01 RÄNTA (Riksbanken fastställer den varje halvår, räntelagen 9 §).")
    two = missing_rate_message([date(2027, 1, 1), date(2026, 7, 1), date(2026, 7, 1)])
    assert two.startswith("Referensräntan saknas för halvåren 2026-07-01–2026-12-31, "
                          "2027-01-01–2027-06-30: lägg in dem under")
    assert "med kommandot tui-inkasso rates set 2026-07-01 RÄNTA, ett kommando per halvår (" in two
    assert missing_rate_message([]) == ""


def test_a_typed_rate_and_half_year_are_checked() -> None:
    assert [parse_rate_percent(t) for t in ("2,00", "2.00", "2", "1,5", "-0,50", " 2,00 % ", "2,25%")] == [
        200, 200, 200, 150, -50, 200, 225]
    for text, words in (("2,005", "högst två decimaler"), ("2,0,0", "ingen procentsats"),
                        ("", "ingen procentsats"), ("50,01", "orimlig"), ("-10,01", "orimlig")):
        with pytest.raises(RateInputError, match=words):
            parse_rate_percent(text)
    check_half_year_start(date(2026, 1, 1))
    check_half_year_start(date(2026, 7, 1))
    with pytest.raises(RateInputError, match=r"2026-12-31 är inget halvårsskifte.*t\.ex\. 2026-07-01"):
        check_half_year_start(date(2026, 12, 31))


def test_require_rates_refuses_a_december_2026_run() -> None:
    # issue 13, item 5: runs in December 2026 used 2,00 % without a word
    with pytest.raises(InterestError, match="halvåret 2026-07-01–2026-12-31"):
        require_rates(RATES, date(2026, 6, 1), date(2026, 12, 10))
    require_rates(RATES, date(2026, 1, 2), date(2026, 6, 30))
    with_july = [*RATES, ReferenceRate(date(2026, 7, 1), 200)]
    require_rates(with_july, date(2026, 6, 1), date(2026, 12, 10))


def test_rate_periods_name_each_rate_with_its_days() -> None:
    # docs/dunning.md's example: 10 days at 11 % and 10 days at 10 %
    periods = rate_periods(date(2025, 6, 20), date(2025, 7, 10), RATES)
    assert periods == [RatePeriod(date(2025, 6, 21), date(2025, 6, 30), 1100),
                       RatePeriod(date(2025, 7, 1), date(2025, 7, 10), 1000)]
    assert periods[0].label == "11,00 % 2025-06-21–2025-06-30"
    assert late_interest(1_000_000, date(2025, 6, 20), date(2025, 7, 10), RATES) == 5753


def test_rate_periods_join_half_years_with_the_same_rate() -> None:
    assert rate_periods(date(2025, 6, 30), date(2026, 3, 1), RATES) == [
        RatePeriod(date(2025, 7, 1), date(2026, 3, 1), 1000)]


def test_rate_periods_refuse_a_missing_half_year_and_clip_negative_rates() -> None:
    with pytest.raises(InterestError, match="2026-07-01"):
        rate_periods(date(2026, 6, 1), date(2026, 7, 1), RATES)
    negative = [ReferenceRate(date(2030, 1, 1), -900)]
    assert rate_periods(date(2030, 1, 1), date(2030, 1, 5), negative) == [
        RatePeriod(date(2030, 1, 2), date(2030, 1, 5), 0)]
    assert rate_periods(date(2030, 1, 5), date(2030, 1, 5), negative) == []
