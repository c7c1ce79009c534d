"""Swedish bank days: when a due date or a payment deadline really falls.

A due date or deadline that falls on a day the banks are closed moves to the next bank day
(a payment made then is on time). A bank day here is a Monday to Friday that is neither

* a Swedish public holiday (allmän helgdag, lag (1989:253)), taken from ``holidays.Sweden``, nor
* midsommarafton, julafton or nyårsafton. These three are not public holidays by law, but the
  banks and Bankgirot are closed on them, so a payment cannot be booked: we treat them as
  non-bank days. We compute them ourselves (the Friday from 19 to 25 June, 24 and 31 December)
  so that the rule does not depend on which categories a given ``holidays`` release offers.

Older ``holidays`` releases list every Sunday as a Swedish holiday; it does not matter here
because weekends are never bank days anyway, and only weekdays are kept in the closed-day set.

The closed weekdays are computed once per year and cached: the functions are called for every
invoice in a scan of a million invoices, so a call must be a set look-up, not a calendar build.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

_ONE_DAY = timedelta(days=1)
_closed_weekdays: set[date] = set()
_years_loaded: set[int] = set()
_next_cache: dict[date, date] = {}
_NEXT_CACHE_LIMIT = 100_000


def _bank_eves(year: int) -> list[date]:
    """Midsommarafton, julafton and nyårsafton of ``year``: the banks are closed."""
    june_19 = date(year, 6, 19)
    midsummer_eve = june_19 + timedelta(days=(4 - june_19.weekday()) % 7)
    return [midsummer_eve, date(year, 12, 24), date(year, 12, 31)]


def _load_year(year: int) -> None:
    """Add the weekdays of ``year`` on which the banks are closed to the cache."""
    closed = set(holidays.Sweden(years=year).keys()) | set(_bank_eves(year))
    _closed_weekdays.update(d for d in closed if d.weekday() < 5 and d.year == year)
    _years_loaded.add(year)


def is_bank_day(d: date) -> bool:
    """True when banks are open on ``d``: a weekday that is no holiday or bank-closed eve."""
    if d.weekday() >= 5:
        return False
    if d.year not in _years_loaded:
        _load_year(d.year)
    return d not in _closed_weekdays


def next_bank_day(d: date) -> date:
    """``d`` itself when it is a bank day, otherwise the first bank day after it.

    Memoised: a scan asks about the same few due dates (rent falls due on the same day for
    everyone) hundreds of thousands of times.
    """
    cached = _next_cache.get(d)
    if cached is not None:
        return cached
    result = d
    while not is_bank_day(result):
        result += _ONE_DAY
    if len(_next_cache) >= _NEXT_CACHE_LIMIT:
        _next_cache.clear()
    _next_cache[d] = result
    return result


def add_days_to_bank_day(d: date, n: int) -> date:
    """``n`` calendar days after ``d``, moved forward to the next bank day when it is none.

    This is how a payment deadline of "n days" is set: count calendar days, then let a
    deadline on a weekend or holiday fall on the following bank day.
    """
    return next_bank_day(d + timedelta(days=n))


def non_bank_weekdays(year: int) -> list[date]:
    """The weekdays of ``year`` on which the banks are closed, sorted (for display and tests)."""
    if year not in _years_loaded:
        _load_year(year)
    return sorted(d for d in _closed_weekdays if d.year == year)


def bank_days_between(start: date, end: date) -> int:
    """The bank days after ``start`` up to and including ``end`` (0 when ``end <= start``).

    How many days a debtor can actually pay on between a letter's date and its deadline.
    """
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if is_bank_day(day):
            count += 1
        day += _ONE_DAY
    return count


def add_bank_days(d: date, n: int) -> date:
    """The ``n``-th bank day after ``d`` (``d`` itself when ``n`` is 0).

    When a letter posted on ``d`` can be assumed to have arrived: the postal service delivers
    within a number of working days, and the banks' days are the working days that count here.
    """
    if n < 0:
        raise ValueError(f"n must not be negative: {n}")
    day = d
    while n > 0:
        day += _ONE_DAY
        if is_bank_day(day):
            n -= 1
    return day
