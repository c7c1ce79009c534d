"""The payment deadline over holidays (inkassolagen 5 §, IMY's guidance), and bank-day counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tui_inkasso.domain.bank_days import add_bank_days, bank_days_between, is_bank_day
from tui_inkasso.domain.deadlines import (
    deadline_problem,
    lawful_deadline,
    ordinary_weekdays,
)


def test_bank_days_between_counts_after_start_up_to_end() -> None:
    assert bank_days_between(date(2026, 12, 21), date(2026, 12, 29)) == 4   # 22, 23, 28, 29
    assert bank_days_between(date(2026, 3, 30), date(2026, 3, 30)) == 0
    assert bank_days_between(date(2026, 3, 31), date(2026, 3, 30)) == 0
    assert bank_days_between(date(2026, 3, 27), date(2026, 3, 30)) == 1     # Friday to Monday


def test_add_bank_days() -> None:
    assert add_bank_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert add_bank_days(date(2026, 3, 27), 2) == date(2026, 3, 31)
    assert add_bank_days(date(2026, 3, 28), 0) == date(2026, 3, 28)
    with pytest.raises(ValueError):
        add_bank_days(date(2026, 3, 28), -1)


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 3, 30), 8, 6),    # Monday: Tue..Tue
    (date(2026, 3, 27), 8, 5),    # Friday: Sat..Sat
    (date(2026, 3, 28), 8, 5),    # Saturday
    (date(2026, 3, 30), 14, 10),
    (date(2026, 3, 30), 0, 0),
])
def test_ordinary_weekdays(start: date, days: int, expected: int) -> None:
    assert ordinary_weekdays(start, days) == expected


@pytest.mark.parametrize(("issued", "expected"), [
    # the example: 8 days gave 2026-12-29, only four bank days over Christmas
    (date(2026, 12, 21), date(2027, 1, 4)),
    (date(2026, 12, 18), date(2026, 12, 30)),
    (date(2025, 12, 19), date(2026, 1, 5)),
    # Easter 2026: långfredagen 3 April, annandag påsk 6 April
    (date(2026, 3, 30), date(2026, 4, 9)),
    (date(2026, 4, 1), date(2026, 4, 13)),
    # midsommarafton 2026-06-19 (banks closed)
    (date(2026, 6, 12), date(2026, 6, 23)),
    (date(2026, 6, 15), date(2026, 6, 24)),
    # ordinary weeks: a Monday letter gets its 8 days exactly, a Friday one the Monday after
    (date(2026, 9, 7), date(2026, 9, 15)),
    (date(2026, 9, 11), date(2026, 9, 21)),
    (date(2026, 9, 12), date(2026, 9, 21)),
])
def test_lawful_deadline(issued: date, expected: date) -> None:
    assert lawful_deadline(issued) == expected


def test_the_deadline_meets_every_condition_all_year() -> None:
    day = date(2026, 1, 1)
    while day.year < 2028:
        deadline = lawful_deadline(day)
        assert deadline >= day + timedelta(days=8)
        assert is_bank_day(deadline)
        assert bank_days_between(day, deadline) >= ordinary_weekdays(day, 8)
        assert bank_days_between(add_bank_days(day, 2), deadline) >= 4
        # and it is the earliest such day
        earlier = deadline - timedelta(days=1)
        assert (earlier < day + timedelta(days=8) or not is_bank_day(earlier)
                or bank_days_between(day, earlier) < ordinary_weekdays(day, 8)
                or bank_days_between(add_bank_days(day, 2), earlier) < 4)
        day += timedelta(days=1)


def test_more_days_than_eight_get_the_same_holiday_rule() -> None:
    # 10 days from 2026-12-21: Dec 22..31 hold 8 weekdays, but only 5 bank days
    assert lawful_deadline(date(2026, 12, 21), 10) == date(2027, 1, 7)
    assert lawful_deadline(date(2026, 9, 7), 10) == date(2026, 9, 17)
    assert lawful_deadline(date(2026, 9, 7), 3) == lawful_deadline(date(2026, 9, 7), 8)


def test_deadline_problem() -> None:
    assert deadline_problem(date(2026, 12, 21), date(2027, 1, 4)) is None
    assert deadline_problem(date(2026, 12, 21), date(2027, 1, 8)) is None
    assert deadline_problem(date(2026, 12, 21), date(2026, 12, 29)) == (
        "betalningstiden till 2026-12-29 är för kort: brevet är daterat 2026-12-21 och ska ge "
        "betalningstid till minst 2027-01-04 (minst 8 dagar och lika många bankdagar som 8 "
        "vanliga dagar, inkassolagen 5 § och IMY:s allmänna råd om god inkassosed)")
    assert deadline_problem(date(2026, 12, 21), None) == (
        "sista betalningsdag (Betalas senast) saknas")
