"""The demo's calendar: rent months, run days, and dates as the rows store them.

A million invoices share a few hundred dates, so their ISO texts are computed once each
(:class:`IsoDates`, :class:`RegisteredAt`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from tui_inkasso.demo.catalogue import MONTH_NAMES, MONTHS


class IsoDates(dict[Any, str]):
    """ISO text for dates, computed once each: a million invoices share a few hundred dates."""

    def __missing__(self, key: dt.date) -> str:
        text = key.isoformat()
        self[key] = text
        return text


class RegisteredAt(dict[Any, str]):
    """When a payment of a given pay date was registered: the bank file came the next morning."""

    def __missing__(self, key: dt.date) -> str:
        text = f"{(key + dt.timedelta(days=1)).isoformat()} 06:30:00"
        self[key] = text
        return text



def weekday_on_or_after(day: dt.date) -> dt.date:
    """Runs and deadlines fall on weekdays; Saturday and Sunday move to Monday."""
    wd = day.weekday()
    return day + dt.timedelta(days=7 - wd) if wd >= 5 else day


def wednesday_on_or_after(day: dt.date) -> dt.date:
    """Collection runs are on Wednesdays."""
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class RentMonth:
    """One month of rent: billed on the 20th of the month before, due its last day."""

    first: dt.date
    invoice_date: dt.date
    due: dt.date

    @property
    def label(self) -> str:
        """"september 2026": the month as the invoice row names it."""
        return f"{MONTH_NAMES[self.first.month - 1]} {self.first.year}"


def rent_months(today: dt.date, months: int = MONTHS) -> list[RentMonth]:
    """The ``months`` rent months whose invoices are issued on or before ``today``, oldest first."""
    year, month = today.year, today.month
    if today.day >= 20:
        year, month = add_months(year, month, 1)
    result = []
    for back in range(months - 1, -1, -1):
        ry, rm = add_months(year, month, -back)
        py, pm = add_months(ry, rm, -1)
        last = calendar.monthrange(py, pm)[1]
        result.append(RentMonth(dt.date(ry, rm, 1), dt.date(py, pm, 20), dt.date(py, pm, last)))
    return result
