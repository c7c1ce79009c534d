"""Dates with sense: payment dates against the file's date, invoice dates against today."""

from __future__ import annotations

from datetime import date

import pytest

from tui_inkasso.domain.date_sanity import (
    due_date_problem,
    file_date_problem,
    invoice_date_problem,
    payment_date_problem,
    years_after,
    years_before,
)

FILE = date(2024, 3, 25)


def test_the_notima_sample_date_is_refused() -> None:
    # issue 13, item 7: deposit date 10100324 was booked as 1010-03-24
    assert payment_date_problem(date(1010, 3, 24), FILE) == (
        "1010-03-24 ligger mer än ett år före filens datum 2024-03-25")


@pytest.mark.parametrize("value", [date(2024, 3, 25), date(2024, 3, 1), date(2023, 3, 25)])
def test_dates_up_to_a_year_before_the_file_are_fine(value: date) -> None:
    assert payment_date_problem(value, FILE) is None


def test_a_day_more_than_a_year_before_or_any_day_after_is_refused() -> None:
    assert payment_date_problem(date(2023, 3, 24), FILE) is not None
    assert payment_date_problem(date(2024, 3, 26), FILE) == (
        "2024-03-26 ligger efter filens datum 2024-03-25")


def test_leap_days() -> None:
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert years_after(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert payment_date_problem(date(2023, 2, 28), date(2024, 2, 29)) is None
    assert payment_date_problem(date(2023, 2, 27), date(2024, 2, 29)) is not None


def test_the_files_own_date() -> None:
    today = date(2026, 11, 28)
    assert file_date_problem(today, today) is None
    assert file_date_problem(date(2026, 11, 29), today) is None   # clock difference
    assert file_date_problem(date(2026, 11, 30), today) == (
        "filens datum 2026-11-30 ligger efter dagens datum 2026-11-28")
    assert file_date_problem(date(1010, 3, 24), today) == (
        "filens datum 1010-03-24 ligger mer än 10 år före dagens datum 2026-11-28")


def test_invoice_dates_in_a_window_around_today() -> None:
    today = date(2026, 11, 28)
    assert invoice_date_problem(date(2016, 11, 28), today) is None
    assert invoice_date_problem(date(2027, 11, 28), today) is None
    assert invoice_date_problem(date(2016, 11, 27), today) == (
        "2016-11-27 ligger mer än 10 år före dagens datum 2026-11-28 (tidigast 2016-11-28)")
    assert invoice_date_problem(date(2027, 11, 29), today) == (
        "2027-11-29 ligger mer än ett år efter dagens datum 2026-11-28 (senast 2027-11-28)")


def test_due_dates_against_the_invoice_date() -> None:
    assert due_date_problem(date(2026, 11, 1), date(2026, 11, 30)) is None
    assert due_date_problem(date(2026, 11, 15), date(2026, 10, 31)) is None   # written late
    assert due_date_problem(date(2026, 1, 1), date(2027, 1, 2)) == (
        "förfallodagen 2027-01-02 ligger mer än ett år efter fakturadatum 2026-01-01")
    assert due_date_problem(date(2026, 1, 1), date(2024, 12, 31)) is not None
