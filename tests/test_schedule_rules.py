"""Slot arithmetic of scheduled services (pure) and e-mail address checks."""

from __future__ import annotations

import datetime as dt

import pytest

from tui_inkasso.domain.email_address import EmailAddressError, normalize_email, split_emails
from tui_inkasso.domain.schedule_rules import (
    LAST_DAY,
    ScheduleRule,
    ScheduleRuleError,
    describe,
    next_run,
    normalize_frequency,
    parse_month_day,
    parse_slot_key,
    parse_time,
    parse_weekdays,
    previous_run,
    slot_key,
    times_of_day,
)

T = dt.datetime
SIX = dt.time(6, 0)


def test_daily_next_and_previous() -> None:
    rule = ScheduleRule("day", SIX)
    assert next_run(rule, T(2026, 1, 15, 5, 59)) == T(2026, 1, 15, 6, 0)
    assert next_run(rule, T(2026, 1, 15, 6, 0)) == T(2026, 1, 16, 6, 0)  # strictly after
    assert previous_run(rule, T(2026, 1, 15, 6, 0)) == T(2026, 1, 15, 6, 0)  # at or before
    assert previous_run(rule, T(2026, 1, 15, 5, 59)) == T(2026, 1, 14, 6, 0)
    assert next_run(rule, T(2025, 12, 31, 23, 0)) == T(2026, 1, 1, 6, 0)


def test_weekdays() -> None:
    rule = ScheduleRule("week", dt.time(7, 30), weekdays=parse_weekdays(["mon", "fredag"]))
    # 2026-01-15 is a Thursday
    assert next_run(rule, T(2026, 1, 15, 12, 0)) == T(2026, 1, 16, 7, 30)
    assert next_run(rule, T(2026, 1, 16, 7, 30)) == T(2026, 1, 19, 7, 30)
    assert previous_run(rule, T(2026, 1, 15, 12, 0)) == T(2026, 1, 12, 7, 30)
    assert describe(rule) == "Varje måndag och fredag kl. 07:30"


@pytest.mark.parametrize(("day", "after", "expected"), [
    (15, T(2026, 1, 15, 6, 0), T(2026, 2, 15, 6, 0)),
    (15, T(2026, 1, 14, 0, 0), T(2026, 1, 15, 6, 0)),
    (28, T(2026, 2, 1, 0, 0), T(2026, 2, 28, 6, 0)),
    (LAST_DAY, T(2026, 1, 31, 6, 0), T(2026, 2, 28, 6, 0)),   # not a leap year
    (LAST_DAY, T(2028, 2, 1, 0, 0), T(2028, 2, 29, 6, 0)),    # leap year
    (LAST_DAY, T(2026, 4, 2, 0, 0), T(2026, 4, 30, 6, 0)),
    (LAST_DAY, T(2026, 12, 31, 7, 0), T(2027, 1, 31, 6, 0)),
])
def test_month_day_and_last_day(day: int, after: dt.datetime, expected: dt.datetime) -> None:
    assert next_run(ScheduleRule("month", SIX, month_day=day), after) == expected


def test_last_day_previous_run_crosses_a_year() -> None:
    rule = ScheduleRule("month", SIX, month_day=LAST_DAY)
    assert previous_run(rule, T(2026, 1, 30, 0, 0)) == T(2025, 12, 31, 6, 0)
    assert describe(rule) == "Sista dagen i månaden kl. 06:00"


def test_every_n_hours_is_anchored_on_the_time_not_on_the_start() -> None:
    rule = ScheduleRule("hour", dt.time(6, 15), every_hours=8)
    assert times_of_day(rule) == [dt.time(6, 15), dt.time(14, 15), dt.time(22, 15)]
    assert next_run(rule, T(2026, 1, 15, 22, 15)) == T(2026, 1, 16, 6, 15)
    assert previous_run(rule, T(2026, 1, 16, 3, 0)) == T(2026, 1, 15, 22, 15)
    hourly = ScheduleRule("hour", dt.time(0, 5), every_hours=1)
    assert next_run(hourly, T(2026, 1, 15, 10, 5)) == T(2026, 1, 15, 11, 5)
    assert len(times_of_day(hourly)) == 24
    assert describe(hourly) == "Varje timme, på minut 05"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"frequency": "year"}, "frekvens"),
    ({"frequency": "week"}, "minst en veckodag"),
    ({"frequency": "month", "month_day": 30}, "ange 1-28 eller sista$"),
    ({"frequency": "month"}, "ange 1-28 eller sista$"),
    ({"frequency": "hour", "every_hours": 5}, "delare av 24"),
    ({"frequency": "hour"}, "delare av 24"),
])
def test_invalid_rules_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleRuleError, match=message):
        ScheduleRule(at_time=SIX, **kwargs)  # type: ignore[arg-type]


def test_parsers() -> None:
    assert normalize_frequency("Daily") == "day" and normalize_frequency("månad") == "month"
    assert normalize_frequency("year") == "year"
    assert parse_time("6:05") == dt.time(6, 5)
    assert parse_time("23.59") == dt.time(23, 59)
    for bad in ("24:00", "6", "06:60", "kl 6"):
        with pytest.raises(ScheduleRuleError, match="HH:MM"):
            parse_time(bad)
    assert parse_weekdays(["mon,wed", "sön"]) == (0, 2, 6)
    with pytest.raises(ScheduleRuleError, match="'funday' är ingen veckodag"):
        parse_weekdays(["funday"])
    assert parse_month_day("sista") == LAST_DAY
    assert parse_month_day("last") == LAST_DAY
    assert parse_month_day("12") == 12
    with pytest.raises(ScheduleRuleError, match="31 går inte; ange 1-28 eller sista$"):
        parse_month_day("31")


def test_slot_keys_sort_by_time_and_round_trip() -> None:
    assert slot_key(T(2026, 1, 5, 6, 0)) == "2026-01-05T06:00"
    assert slot_key(T(2026, 1, 5, 6, 0)) < slot_key(T(2026, 1, 15, 6, 0))
    assert parse_slot_key("2026-01-05T06:00") == T(2026, 1, 5, 6, 0)
    assert parse_slot_key("manual-20260105T060000") is None


def test_email_addresses() -> None:
    assert normalize_email(" ekonomi@fastighet.se ") == "ekonomi@fastighet.se"
    assert normalize_email("åsa.öberg@bostäder.se") == "åsa.öberg@bostäder.se"
    assert split_emails("a@x.se, b@x.se;a@x.se\nc@y.se") == ("a@x.se", "b@x.se", "c@y.se")
    for bad in ("anna.example.se", "anna@exempel", "a b@x.se", "a@x.se\nBcc: evil@x.se",
                "<a@x.se>", "@x.se", "a..b@x.se", "a@-x.se"):
        with pytest.raises(EmailAddressError, match="är ingen e-postadress|är tom"):
            normalize_email(bad)
