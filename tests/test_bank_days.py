"""Swedish bank days: weekends, public holidays and the three bank-closed eves."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from tui_inkasso.domain.bank_days import (
    add_days_to_bank_day,
    is_bank_day,
    next_bank_day,
    non_bank_weekdays,
)


def test_the_closed_weekdays_of_2026_are_the_holidays_and_the_three_eves() -> None:
    # National Day, Midsummer Day, All Saints' Day and Boxing Day fall on a Saturday in 2026.
    assert non_bank_weekdays(2026) == [
        date(2026, 1, 1),    # nyårsdagen (Thu)
        date(2026, 1, 6),    # trettondedag jul (Tue)
        date(2026, 4, 3),    # långfredagen
        date(2026, 4, 6),    # annandag påsk
        date(2026, 5, 1),    # första maj (Fri)
        date(2026, 5, 14),   # Kristi himmelsfärdsdag
        date(2026, 6, 19),   # midsommarafton: no public holiday, but the banks are closed
        date(2026, 12, 24),  # julafton
        date(2026, 12, 25),  # juldagen
        date(2026, 12, 31),  # nyårsafton
    ]


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 6, 19), date(2026, 6, 22)),   # midsommarafton, then midsommardagen and Sunday
    (date(2026, 3, 28), date(2026, 3, 30)),   # Saturday
    (date(2026, 3, 29), date(2026, 3, 30)),   # Sunday
    (date(2026, 4, 3), date(2026, 4, 7)),     # långfredagen to the Tuesday after Easter
    (date(2025, 12, 24), date(2025, 12, 29)), # julafton, juldagen, annandag jul, weekend
    (date(2025, 12, 31), date(2026, 1, 2)),   # nyårsafton and nyårsdagen
    (date(2025, 6, 6), date(2025, 6, 9)),     # nationaldagen on a Friday
    (date(2026, 5, 14), date(2026, 5, 15)),   # Kristi himmelsfärd; the Friday is a bank day
    (date(2026, 3, 31), date(2026, 3, 31)),   # an ordinary Tuesday is itself
])
def test_next_bank_day(day: date, expected: date) -> None:
    assert next_bank_day(day) == expected


def test_half_days_and_squeeze_days_are_bank_days() -> None:
    # The holidays package lists these in its BANK category (closing at 2 pm or a "squeeze
    # day"), but payments are booked on them.
    for day in (date(2026, 4, 30), date(2026, 4, 2), date(2026, 5, 15), date(2026, 6, 18),
                date(2026, 1, 5)):
        assert is_bank_day(day), day


def test_every_sunday_and_saturday_is_closed() -> None:
    day = date(2027, 1, 1)
    while day.year == 2027:
        if day.weekday() >= 5:
            assert not is_bank_day(day), day
        day += timedelta(days=1)


def test_midsummer_eve_is_the_friday_from_19_to_25_june() -> None:
    eves = [d for year in range(2020, 2031) for d in non_bank_weekdays(year) if d.month == 6
            and d.day >= 19 and d.day <= 25]
    assert len(eves) == 11
    assert all(d.weekday() == 4 for d in eves)
    assert date(2027, 6, 25) in eves and date(2020, 6, 19) in eves


def test_add_days_counts_calendar_days_then_moves_to_a_bank_day() -> None:
    assert add_days_to_bank_day(date(2026, 6, 11), 8) == date(2026, 6, 22)
    assert add_days_to_bank_day(date(2026, 6, 10), 8) == date(2026, 6, 18)
    assert add_days_to_bank_day(date(2026, 12, 16), 8) == date(2026, 12, 28)
    assert add_days_to_bank_day(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_a_million_checks_are_fast() -> None:
    days = [date(2020, 1, 1) + timedelta(days=i % 4000) for i in range(200_000)]
    started = time.perf_counter()
    for day in days:
        next_bank_day(day)
    assert time.perf_counter() - started < 2.0  # 200k calls ~0.16 s here (1M: ~0.8 s)
