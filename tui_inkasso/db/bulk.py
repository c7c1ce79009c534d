"""The one bulk writer: many rows in and many keys looked up, fast and correct on SQLite and PostgreSQL.

peewee's ``insert_many`` builds every statement in Python from dicts, value by value (about 1 ms
per row of 20 columns here, 128 s of a 100,000-payment import under a profiler); at tens of
thousands of rows that costs far more than the database's own work. So rows go to the driver as
they are: on SQLite many rows per ``INSERT ... VALUES (...), (...)`` statement (measured twice as
fast here as ``executemany``, whose per-row overhead exceeds the binding itself), on PostgreSQL
psycopg2's ``execute_values``. Everything here writes inside the caller's transaction and never
commits; services (and the demo loader) are its only callers.

* :func:`insert` takes tuples in a column order, :func:`insert_dicts` dict rows (a field a row
  leaves out gets its model default); values as stored: ints, text, ``date``/``datetime`` (the
  drivers adapt them as peewee does), None.
* :func:`execute_many` runs one statement (an UPDATE, an INSERT ... SELECT) for many parameter rows.
* Ids: :func:`reserve_ids` for a service that writes rows referring to each other (from the
  table's sequence on PostgreSQL, safe under concurrency; from MAX(id) under the write lock the
  caller holds on SQLite); :func:`next_id` and :func:`fix_sequences` for a loader that assigns
  ids itself.
* Keyed reads: :func:`select_in` (plain SQL over many keys) and :func:`fetch_in_chunks` (a
  peewee query per chunk of ids), the ``IN`` list cut into chunks with peewee's ``chunked``.
* :class:`BulkWriter` is the same for a loader (the demo, the ledger import): one database, the
  rows counted per table, indexes dropped and rebuilt around the load.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

import peewee as pw

from tui_inkasso.db.connection import db

CHUNK = 500
"""Ids per ``IN (...)`` of a peewee query (:func:`fetch_in_chunks`)."""

IN_CHUNK = 1000
"""Keys per ``IN (...)`` in :func:`select_in` (SQLite allows 32,766 parameters a statement)."""

ROWS_PER_STATEMENT = 200
"""Rows per SQLite ``INSERT ... VALUES`` statement (fewer when the columns would pass the limit)."""

SQLITE_MAX_VARIABLES = 32_766
"""SQLite's limit on parameters in one statement (since 3.32)."""

PAGE = 2000
"""Rows per PostgreSQL round trip (``execute_values``, ``execute_batch``)."""


def _database(database: pw.Database | None) -> pw.Database:
    return database if database is not None else db.obj


def is_sqlite(database: pw.Database | None = None) -> bool:
    """The database is SQLite (else PostgreSQL)."""
    return isinstance(_database(database), pw.SqliteDatabase)


def flag(value: bool, database: pw.Database | None = None) -> bool | int:
    """A boolean as the driver binds it fastest (sqlite3 adapts ``bool`` the slow way)."""
    return int(value) if is_sqlite(database) else bool(value)


# --------------------------------------------------------------------------- writing


def insert(model: type[pw.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]],
           database: pw.Database | None = None) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, field names) into ``model``'s table; how many.

    Values go to the driver as they are: every NOT NULL column given (peewee's Python-side
    defaults do not apply here; :func:`insert_dicts` fills them), dates as ``date`` or ISO text.
    Driver errors are raised as peewee's (``IntegrityError`` ...).
    """
    if not rows:
        return 0
    database = _database(database)
    table = model._meta.table_name
    names = ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns)
    head = f'INSERT INTO "{table}" ({names}) VALUES '
    with pw.__exception_wrapper__:
        cursor = database.cursor()
        if isinstance(database, pw.SqliteDatabase):
            _insert_sqlite(cursor, head, len(columns), rows)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, head + "%s", rows, page_size=PAGE)
    return len(rows)


def _insert_sqlite(cursor: Any, head: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
    """Many rows per statement; full batches reuse one cached statement, the rest goes row by row."""
    one = "(" + ", ".join("?" * width) + ")"
    per = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // width))
    full = len(rows) - len(rows) % per
    if full:
        statement = head + ", ".join([one] * per)
        for batch in pw.chunked(chain.from_iterable(rows[:full]), per * width):
            cursor.execute(statement, batch)
    if full < len(rows):
        cursor.executemany(head + one, rows[full:])


def insert_dicts(model: type[pw.Model], rows: Sequence[dict[str, Any]],
                 database: pw.Database | None = None) -> int:
    """Insert dict rows (field names; the same keys in every row) through :func:`insert`; how many.

    A field the rows leave out gets its model default (a callable one is called once per call),
    so a new column with a default needs no change here; the auto-incremented id is left to the
    database.
    """
    if not rows:
        return 0
    names = list(rows[0])
    defaults = _defaults(model, names)
    pick: Callable[[dict[str, Any]], Any] = operator.itemgetter(*names)
    if len(names) == 1:
        tuples = [(row[names[0]], *defaults.values()) for row in rows]
    elif defaults:
        extra = tuple(defaults.values())
        tuples = [(*pick(row), *extra) for row in rows]
    else:
        tuples = [pick(row) for row in rows]
    return insert(model, [*names, *defaults], tuples, database)


def _defaults(model: type[pw.Model], given: Sequence[str]) -> dict[str, Any]:
    values = {}
    for name, field in model._meta.fields.items():
        if name in given or isinstance(field, pw.AutoField) or field.default is None:
            continue
        values[name] = field.db_value(field.default() if callable(field.default) else field.default)
    return values


def execute_many(sql: str, params: Sequence[Sequence[Any]], database: pw.Database | None = None) -> None:
    """Run one statement for many parameter rows; write ``?`` placeholders, they are adapted."""
    if not params:
        return
    database = _database(database)
    with pw.__exception_wrapper__:
        cursor = database.cursor()
        if isinstance(database, pw.SqliteDatabase):
            cursor.executemany(sql, params)
            return
        from psycopg2.extras import execute_batch

        execute_batch(cursor, sql.replace("?", "%s"), params, page_size=PAGE)


# --------------------------------------------------------------------------- ids


def reserve_ids(model: type[pw.Model], count: int, database: pw.Database | None = None) -> list[int]:
    """``count`` fresh primary keys for ``model``; call inside a write transaction."""
    if count <= 0:
        return []
    database = _database(database)
    table = model._meta.table_name
    if isinstance(database, pw.SqliteDatabase):
        start = next_id(model, database)
        return list(range(start, start + count))
    cursor = database.execute_sql(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table, count))
    return [row[0] for row in cursor.fetchall()]


def next_id(model: type[pw.Model], database: pw.Database | None = None) -> int:
    """The first id above every id in ``model``'s table (a loader assigns its ids from here)."""
    table = model._meta.table_name
    row = _database(database).execute_sql(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"').fetchone()
    return int(row[0]) + 1


def fix_sequences(models: Sequence[type[pw.Model]], database: pw.Database | None = None) -> None:
    """PostgreSQL: move each serial sequence past the ids written explicitly."""
    database = _database(database)
    if isinstance(database, pw.SqliteDatabase):
        return
    for model in models:
        if not isinstance(model._meta.primary_key, pw.AutoField):
            continue
        table = model._meta.table_name
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT MAX("id") FROM "{table}"), 1), '
            f'(SELECT MAX("id") FROM "{table}") IS NOT NULL)'
        )


# --------------------------------------------------------------------------- keyed reads


def select_in(sql: str, keys: Sequence[Any], chunk: int = IN_CHUNK, *, params: Sequence[Any] = (),
              database: pw.Database | None = None) -> Iterable[tuple[Any, ...]]:
    """Rows of ``sql`` (``{}`` where the ``IN`` placeholders go) over ``keys``, in chunks.

    Plain SQL for lookups by many keys: peewee builds the SQL of an ``in_()`` list value by
    value in Python, which costs more than the lookups themselves for a 100,000-payment file.
    ``params`` are the values of placeholders before the ``IN`` list (a query peewee built, with
    ``.sql()``); each chunk passes them again.
    """
    database = _database(database)
    for part in pw.chunked(keys, chunk):
        marks = ", ".join([database.param] * len(part))
        yield from database.execute_sql(sql.format(marks), [*params, *part]).fetchall()


def fetch_in_chunks(query_for: Callable[[list[Any]], Iterable[Any]], ids: Iterable[Any],
                    chunk: int = CHUNK) -> list[Any]:
    """Run ``query_for(chunk_of_ids)`` over the distinct ``ids`` in chunks and collect the rows."""
    rows: list[Any] = []
    for part in pw.chunked(dict.fromkeys(ids), chunk):
        rows.extend(query_for(part))
    return rows


# --------------------------------------------------------------------------- a loader's writer


class BulkWriter:
    """The functions above on one database for a loader (the demo, the ledger import), counting the
    rows it writes per table and dropping the tables' indexes for the load."""

    def __init__(self, database: pw.Database | None = None) -> None:
        self.database = _database(database)
        self.sqlite = isinstance(self.database, pw.SqliteDatabase)
        self.counts: dict[str, int] = {}

    def flag(self, value: bool) -> bool | int:
        """A boolean as the driver binds it fastest."""
        return int(value) if self.sqlite else bool(value)

    def insert(self, model: type[pw.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """:func:`insert`, counted."""
        if rows:
            insert(model, columns, rows, self.database)
            table = model._meta.table_name
            self.counts[table] = self.counts.get(table, 0) + len(rows)

    def update_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """:func:`execute_many` (an UPDATE or DELETE written with ``?`` placeholders)."""
        execute_many(sql, rows, self.database)

    def next_id(self, model: type[pw.Model]) -> int:
        """:func:`next_id`."""
        return next_id(model, self.database)

    def fix_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        """:func:`fix_sequences`."""
        fix_sequences(models, self.database)

    def drop_indexes(self, models: Sequence[type[pw.Model]]) -> list[str]:
        """SQLite: drop the tables' indexes for the load; returns the SQL that recreates them.

        Building an index once from sorted keys is about twice as fast as keeping it up to date
        row by row. Inside the transaction a failure rolls the drop back with everything else.
        """
        if not self.sqlite:
            return []
        recreate = []
        for model in models:
            found = self.database.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY name", (model._meta.table_name,),
            ).fetchall()
            for name, sql in found:
                self.database.execute_sql(f'DROP INDEX "{name}"')
                recreate.append(sql)
        return recreate

    def create_indexes(self, statements: Sequence[str]) -> None:
        """Recreate what :meth:`drop_indexes` dropped, exactly as it was declared."""
        for sql in statements:
            self.database.execute_sql(sql)
