"""A query's rows as plain tuples, typed as what peewee returns.

peewee's stubs type ``query.tuples()`` as the query itself, so a type checker sees a model
instance in every row where peewee hands over a tuple (and cannot unpack it). The services read
most of their lists this way (a tuple per row is several times faster than a model instance), so
the one ``cast`` that says what peewee returns lives here and nowhere else.

Each function only calls ``tuples()`` (a copy of the query) and the method named: the query runs
and iterates exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias, cast

import peewee as pw

#: One row of a ``tuples()`` query: the selected columns in order, each as peewee converts it.
Row: TypeAlias = tuple[Any, ...]


def tuple_rows(query: pw.SelectBase) -> Iterable[Row]:
    """The rows of ``query`` as tuples (lazy: the query runs when iterated, as ``tuples()`` does)."""
    return cast("Iterable[Row]", query.tuples())


def iter_tuple_rows(query: pw.SelectBase) -> Iterator[Row]:
    """The rows of ``query`` as tuples, not kept on the query (``tuples().iterator()``: constant
    memory for a long result read once)."""
    return cast("Iterator[Row]", query.tuples().iterator())


def tuple_row(query: pw.SelectBase) -> Row:
    """The first row of ``query`` as a tuple (``tuples().get()``: for a model's query, raises
    ``DoesNotExist`` when there is none; an aggregate always has its one row)."""
    return cast(Row, query.tuples().get())


def first_tuple_row(query: pw.SelectBase) -> Row | None:
    """The first row of ``query`` as a tuple, or None (``tuples().first()``, which adds LIMIT 1)."""
    return cast("Row | None", query.tuples().first())
