"""Ageing buckets (åldersintervall) for the aged receivables report.

An invoice's open balance is put in a bucket by its days overdue on the report's date: "not
due" (0 or fewer days), then one bucket per interval between the configured limits, then
"over" the last limit. The limits are a setting (``reports.aging_buckets``, "30,60,90,180" by
default, the intervals Vitec's åldersfördelad saldolista and the common ERPs use), so the
buckets are computed here from the limits and never written out by hand.

The bucket codes are what the command line's JSON names ("not_due", "1-30", ..., "over_180");
the labels are what staff read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LIMITS: tuple[int, ...] = (30, 60, 90, 180)
"""Days overdue where a bucket ends: 1–30, 31–60, 61–90, 91–180, over 180."""

MAX_LIMITS = 8
"""At most nine overdue buckets (and "not due"): more do not fit a table or a chart."""

MAX_DAYS = 3650
"""A limit above ten years is a typing mistake."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket: its code, its label, and the days overdue it holds (``last`` None: no end)."""

    code: str
    label: str
    first: int | None
    """The first day overdue it holds; None for "not due" (0 or fewer days)."""
    last: int | None
    """The last day overdue it holds; None for the open-ended last bucket and for "not due"."""

    @property
    def short(self) -> str:
        """A narrow column heading: "Ej förf.", "1–30", ">180"."""
        if self.first is None:
            return "Ej förf."
        if self.last is None:
            return f">{self.first - 1}"
        return self.label


NOT_DUE = "not_due"


def parse_limits(text: str) -> tuple[int, ...]:
    """Limits typed as "30, 60, 90, 180" (commas, semicolons or spaces between); ValueError in
    Swedish naming what is wrong."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("ange minst en gräns i dagar, t.ex. 30,60,90,180")
    limits: list[int] = []
    for part in parts:
        value = part.strip()
        if not value.isdigit():
            raise ValueError(f"'{value}' är inget antal dagar (heltal större än 0)")
        limits.append(int(value))
    check_limits(limits)
    return tuple(limits)


def check_limits(limits: Sequence[int]) -> None:
    """Refuse limits that do not make buckets: empty, not increasing, 0, too many or too large."""
    if not limits:
        raise ValueError("ange minst en gräns i dagar, t.ex. 30,60,90,180")
    if len(limits) > MAX_LIMITS:
        raise ValueError(f"högst {MAX_LIMITS} gränser ({len(limits)} angivna)")
    previous = 0
    for value in limits:
        if value < 1:
            raise ValueError(f"{value}: en gräns är minst 1 dag")
        if value > MAX_DAYS:
            raise ValueError(f"{value}: en gräns är högst {MAX_DAYS} dagar")
        if value <= previous:
            raise ValueError(f"gränserna ska öka: {value} kommer efter {previous}")
        previous = value


def limits_text(limits: Sequence[int]) -> str:
    """The stored form of the setting: "30,60,90,180"."""
    return ",".join(str(v) for v in limits)


def buckets(limits: Sequence[int] = DEFAULT_LIMITS) -> tuple[Bucket, ...]:
    """The buckets the limits make, "not due" first and the open-ended one last."""
    check_limits(limits)
    result = [Bucket(NOT_DUE, "Ej förfallet", None, None)]
    first = 1
    for last in limits:
        result.append(Bucket(f"{first}-{last}", f"{first}–{last}", first, last))
        first = last + 1
    result.append(Bucket(f"over_{limits[-1]}", f"Över {limits[-1]}", first, None))
    return tuple(result)


def bucket_index(days_overdue: int, limits: Sequence[int] = DEFAULT_LIMITS) -> int:
    """The index (in :func:`buckets`) of the bucket for ``days_overdue``."""
    if days_overdue <= 0:
        return 0
    for index, last in enumerate(limits, 1):
        if days_overdue <= last:
            return index
    return len(limits) + 1


def due_date_bounds(as_of: dt.date, limits: Sequence[int] = DEFAULT_LIMITS) -> tuple[dt.date, ...]:
    """The earliest due date of each bucket but the last, for SQL: an invoice due on or after
    ``bounds[i]`` (and before ``bounds[i - 1]``) is in bucket ``i``; one due before every
    bound is in the last bucket. ``bounds[0]`` is the report's date: due then or later is not
    due yet."""
    return (as_of, *(as_of - dt.timedelta(days=last) for last in limits))
