"""Fast bulk writes that stay correct on SQLite and PostgreSQL.

Large runs (a payment file of 100,000 rows, a dunning run of 20,000 notices) insert rows that
refer to each other. Reading generated ids back row by row would cost a round trip each, so ids
are reserved up front: on SQLite from MAX(id) under the write lock the caller already holds
(``write_transaction`` begins IMMEDIATE), on PostgreSQL from the table's own sequence, which is
safe under concurrency.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.services.transaction import is_postgres

CHUNK = 500


def reserve_ids(model: type[pw.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``; call inside a write transaction."""
    if count <= 0:
        return []
    table = model._meta.table_name
    if is_postgres():
        cursor = db.execute_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, count),
        )
        return [row[0] for row in cursor.fetchall()]
    start = db.execute_sql(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"').fetchone()[0] + 1
    return list(range(start, start + count))


def insert_rows(model: type[pw.Model], rows: Iterable[dict[str, Any]], chunk: int = CHUNK) -> int:
    """Insert dict rows in chunks; returns how many."""
    total = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            model.insert_many(batch).execute()
            total += len(batch)
            batch = []
    if batch:
        model.insert_many(batch).execute()
        total += len(batch)
    return total


def insert_plain(model: type[pw.Model], rows: Sequence[dict[str, Any]]) -> int:
    """Insert many dict rows with one prepared statement; returns how many.

    For the large runs: peewee's ``insert_many`` builds the SQL text of every value in Python
    (about 1 ms per row of 20 columns here, 128 s of a 100,000-payment import under a profiler),
    while one ``executemany`` (SQLite) or ``execute_values`` (PostgreSQL) hands the values to the
    driver as they are. So every row must have the same keys (field names) and hold values as
    stored: ints, text, ``date``/``datetime`` (the drivers adapt them as peewee does), None;
    no model instances, no missing fields that need a Python-side default. Driver errors are
    raised as peewee's (``IntegrityError``...).
    """
    if not rows:
        return 0
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    table = model._meta.table_name
    pick = operator.itemgetter(*names)
    params = [pick(row) for row in rows] if len(names) > 1 else [(row[names[0]],) for row in rows]
    with pw.__exception_wrapper__:
        cursor = db.cursor()
        if is_postgres():
            from psycopg2.extras import execute_values

            execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s', params, page_size=1000)
        else:
            marks = ", ".join("?" * len(names))
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', params)
    return len(params)


def execute_many(sql: str, params: Sequence[Sequence[Any]]) -> None:
    """Run one statement for many parameter rows; write ``?`` placeholders, they are adapted."""
    if not params:
        return
    cursor = db.cursor()
    if is_postgres():
        from psycopg2.extras import execute_batch

        execute_batch(cursor, sql.replace("?", "%s"), params, page_size=CHUNK)
        return
    cursor.executemany(sql, params)


IN_CHUNK = 1000
"""Keys per ``IN (...)`` in :func:`select_in` (SQLite allows 32,766 parameters a statement)."""


def select_in(
    sql: str, keys: Sequence[Any], chunk: int = IN_CHUNK, *, params: Sequence[Any] = ()
) -> Iterable[tuple[Any, ...]]:
    """Rows of ``sql`` (``{}`` where the ``IN`` placeholders go) over ``keys``, in chunks.

    Plain SQL for lookups by many keys: peewee builds the SQL of an ``in_()`` list value by
    value in Python, which costs more than the lookups themselves for a 100,000-payment file.
    ``params`` are the values of placeholders before the ``IN`` list (a query peewee built, with
    ``.sql()``); each chunk passes them again.
    """
    mark = "%s" if is_postgres() else "?"
    for start in range(0, len(keys), chunk):
        part = list(keys[start : start + chunk])
        yield from db.execute_sql(sql.format(", ".join([mark] * len(part))), [*params, *part]).fetchall()


def fetch_in_chunks(query_for: Any, ids: Sequence[int], chunk: int = CHUNK) -> list[Any]:
    """Run ``query_for(chunk_of_ids)`` over ``ids`` in chunks and collect the rows."""
    rows: list[Any] = []
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), chunk):
        rows.extend(query_for(unique[start : start + chunk]))
    return rows
