"""Dates and timestamps as a raw query returns them, made ``datetime.date`` / ``datetime``.

peewee converts a ``DateField`` when it builds a model instance, but rows read with
``.tuples()`` over a join, or with raw SQL (``select_in``, a server-side cursor), come as the
driver hands them over: ``datetime.date`` and ``datetime.datetime`` from PostgreSQL, ISO text
from SQLite. Every service that reads such rows turns them into the project's types here, so
the rule "dates are ``datetime.date``" has one home.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def stored_date(value: Any) -> dt.date:
    """A date column's value: a date as it is, a timestamp's day, ISO text ("2026-11-28...")."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def stored_datetime(value: Any) -> dt.datetime:
    """A timestamp column's value: a datetime as it is, ISO text ("2026-11-28 14:05:00")."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


class StoredDates(dict[Any, dt.date]):
    """:func:`stored_date` with a memory: each distinct stored value is parsed once.

    For the hot loops over many rows (a run, a file), where a day repeats across thousands of
    rows: ``dates[value]`` costs one dictionary lookup after the first time.
    """

    def __missing__(self, key: Any) -> dt.date:
        value = self[key] = stored_date(key)
        return value
