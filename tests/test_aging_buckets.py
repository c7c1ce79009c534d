"""Ageing buckets from their limits (domain/aging.py): codes, labels, which day goes where."""

from __future__ import annotations

import datetime as dt

import pytest

from tui_inkasso.domain.aging import (
    bucket_index,
    buckets,
    due_date_bounds,
    limits_text,
    parse_limits,
)


def test_the_default_buckets_are_the_usual_ones() -> None:
    found = buckets()
    assert [b.code for b in found] == ["not_due", "1-30", "31-60", "61-90", "91-180", "over_180"]
    assert [b.label for b in found] == ["Ej förfallet", "1–30", "31–60", "61–90", "91–180", "Över 180"]
    assert [b.short for b in found] == ["Ej förf.", "1–30", "31–60", "61–90", "91–180", ">180"]


@pytest.mark.parametrize(("days", "index"), [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3),
                                             (90, 3), (91, 4), (180, 4), (181, 5), (5000, 5)])
def test_a_day_goes_in_its_bucket(days: int, index: int) -> None:
    assert bucket_index(days) == index


def test_the_due_date_bounds_put_each_day_where_bucket_index_does() -> None:
    """The SQL side (bounds on the due date) and the Python side agree on every day."""
    as_of = dt.date(2026, 3, 1)  # over a February
    limits = (7, 30, 45)
    bounds = due_date_bounds(as_of, limits)
    for days in range(-3, 60):
        due = as_of - dt.timedelta(days=days)
        by_bounds = next((i for i, bound in enumerate(bounds) if due >= bound), len(bounds))
        assert by_bounds == bucket_index(days, limits), days


def test_limits_are_read_as_typed_and_stored_plainly() -> None:
    assert parse_limits(" 15; 30 60,90 ") == (15, 30, 60, 90)
    assert limits_text((15, 30)) == "15,30"
    assert [b.code for b in buckets((15, 45))] == ["not_due", "1-15", "16-45", "over_45"]


@pytest.mark.parametrize(("text", "reason"), [
    ("", "minst en gräns"),
    ("30,x", "'x' är inget antal dagar"),
    ("60,30", "gränserna ska öka: 30 kommer efter 60"),
    ("30,30", "gränserna ska öka"),
    ("0,30", "minst 1 dag"),
    ("1,2,3,4,5,6,7,8,9", "högst 8 gränser"),
    ("99999", "högst 3650 dagar"),
    ("-5", "inget antal dagar"),
])
def test_limits_that_make_no_buckets_are_refused_in_swedish(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_limits(text)
