"""Capped exponential back-off for delivery retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui_inkasso.transport.backoff import MAX_DELAY, next_retry_delay


def test_doubles_from_one_minute_up_to_one_hour() -> None:
    minutes = [next_retry_delay(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_no_wait_before_the_first_attempt() -> None:
    assert next_retry_delay(0) == timedelta(0)


def test_huge_attempt_counts_stay_at_the_cap() -> None:
    assert next_retry_delay(10**9) == MAX_DELAY


def test_custom_base_and_cap() -> None:
    delays = [next_retry_delay(n, base=timedelta(seconds=10), cap=timedelta(seconds=35))
              for n in range(1, 5)]
    assert delays == [timedelta(seconds=s) for s in (10, 20, 35, 35)]


def test_negative_attempts_are_an_error() -> None:
    with pytest.raises(ValueError, match="attempts must be 0 or more, got -1"):
        next_retry_delay(-1)
