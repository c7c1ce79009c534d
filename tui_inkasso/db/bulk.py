"""The one bulk writer: many rows in and many keys looked up, fast and correct on SQLite and PostgreSQL.

peewee's ``insert_many`` builds every statement in Python from dicts, value by value (about 1 ms
per row of 20 columns here, 128 s of a 100,000-payment import under a profiler); at tens of
thousands of rows that costs far more than the database's own work. So rows go to the driver as
they are: on SQLite many rows per ``INSERT ... VALUES (...), (...)`` statement (measured twice as
fast here as ``executemany``, whose per-row overhead exceeds the binding itself); on PostgreSQL
``COPY ... FROM STDIN`` in text format, one round trip per :data:`COPY_ROWS` rows (psycopg2's
``execute_values`` quoted every value through ``mogrify`` and the server parsed an ``INSERT`` of
2,000 rows a page: a third of the time of the 1,000,000-invoice demo), ``execute_values`` for a
few rows. Everything here writes inside the caller's transaction and never commits; services
(and the demo loader) are its only callers.

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
* On PostgreSQL a ``BulkWriter(keys_per_batch=True)`` checks the foreign keys of its background
  ``COPY`` once per batch instead of by a trigger per row (``db/key_checks.py``).
* :class:`BulkWriter` is the same for a loader (the demo, the ledger import): one database, the
  rows counted per table, indexes (and on PostgreSQL the tables' foreign keys) dropped and
  rebuilt around the load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import operator
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, Generic, TypeVar

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.key_checks import KeyChecks

CHUNK = 500
"""Ids per ``IN (...)`` of a peewee query (:func:`fetch_in_chunks`)."""

IN_CHUNK = 1000
"""Keys per ``IN (...)`` in :func:`select_in` (SQLite allows 32,766 parameters a statement)."""

ROWS_PER_STATEMENT = 1000
"""Rows per SQLite ``INSERT ... VALUES`` statement (fewer when the columns would pass the limit)."""

SQLITE_MAX_VARIABLES = 32_766
"""SQLite's limit on parameters in one statement (since 3.32)."""

PAGE = 2000
"""Rows per PostgreSQL round trip (``execute_values``, ``execute_batch``)."""

COPY_ROWS = 50_000
"""Rows per ``COPY`` round trip on PostgreSQL (a few MB of text)."""

_driver_errors: pw.ExceptionWrapper = pw.__exception_wrapper__  # type: ignore[attr-defined]  # not in peewee's stubs
"""peewee's own context that raises a driver's error as peewee's (``IntegrityError`` ...), as its
queries do: the raw cursors below get the same errors."""

driver_errors = _driver_errors
"""The same, for a service that runs a statement on the raw cursor itself (a counted UPDATE)."""

INDEX_BUILD_MEMORY = "256MB"
"""``maintenance_work_mem`` while a loader rebuilds its indexes on PostgreSQL (a server setting the
transaction raises for itself; the server's memory, not this process's)."""

COPY_FROM = 50
"""From this many rows :func:`insert` uses ``COPY`` on PostgreSQL (below it a plain ``INSERT``)."""


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
    with _driver_errors:
        cursor = database.cursor()
        if isinstance(database, pw.SqliteDatabase):
            _insert_sqlite(cursor, head, len(columns), rows)
        elif len(rows) >= COPY_FROM:
            _copy_postgres(cursor, f'COPY "{table}" ({names}) FROM STDIN', rows)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, head + "%s", rows, page_size=PAGE)
    return len(rows)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in ``COPY``'s text format (``\\N`` for NULL; backslash, TAB and line breaks escaped)."""
    if value is None:
        return "\\N"
    kind = value.__class__
    if kind is int:
        return str(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_postgres(cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """``rows`` through ``COPY ... FROM STDIN``, :data:`COPY_ROWS` per round trip."""
    for data in _copy_chunks(rows):
        cursor.copy_expert(statement, data)


def _copy_chunks(rows: Sequence[Sequence[Any]]) -> Iterator[io.StringIO]:
    """``rows`` as ``COPY`` text, :data:`COPY_ROWS` rows a chunk.

    The common values (texts, whole numbers, NULLs) are written inline, and a text is translated
    only when it holds a character to escape: the same output as :func:`_copy_text` for every
    value, at half the CPU (a million-invoice demo writes 3.5 million rows through here)."""
    for part in _parts(rows, COPY_ROWS):
        yield _copy_data(part)


def _parts(rows: Sequence[Sequence[Any]], size: int) -> list[Sequence[Sequence[Any]]]:
    """``rows`` in slices of ``size`` (peewee's ``chunked`` pads every chunk to ``size`` and cuts the
    padding off again: 2 ms for a part of 5,000 rows when ``size`` is :data:`COPY_ROWS`, 60 parts a
    payment file)."""
    return [rows[start:start + size] for start in range(0, len(rows), size)]


def _copy_data(rows: Sequence[Sequence[Any]]) -> io.StringIO:
    """``rows`` as one ``COPY`` text."""
    return io.StringIO("\n".join([_copy_row(row) for row in rows]) + "\n")


def _copy_row(row: Sequence[Any]) -> str:
    """One row in ``COPY``'s text format (:func:`_copy_text` for each value, the usual ones inline)."""
    cells = []
    for value in row:
        kind = value.__class__
        if kind is str:
            if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
                value = value.translate(_COPY_ESCAPES)
            cells.append(value)
        elif kind is int:
            cells.append(str(value))
        elif value is None:
            cells.append("\\N")
        else:
            cells.append(_copy_text(value))
    return "\t".join(cells)


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


def subtract_sql(model: type[pw.Model], columns: Sequence[str]) -> str:
    """``UPDATE`` that subtracts one ``?`` from each of ``columns`` of the row ``"id" = ?`` (for
    :func:`execute_many`: parameter rows are the amounts in ``columns`` order, then the id)."""
    table = model._meta.table_name
    sets = ", ".join(f'"{c}" = "{c}" - ?' for c in _column_names(model, columns))
    return f'UPDATE "{table}" SET {sets} WHERE "id" = ?'


def _column_names(model: type[pw.Model], columns: Sequence[str]) -> list[str]:
    return [model._meta.fields[c].column_name for c in columns]


def _subtract_sqlite(cursor: Any, table: str, names: Sequence[str], rows: Sequence[Sequence[int]]) -> None:
    """:func:`subtract_sql` for many rows in a few statements: ``UPDATE ... FROM (VALUES ...)``,
    up to :data:`ROWS_PER_STATEMENT` rows each (SQLite scans the values and finds each row by
    its id). As fast as ``executemany`` row by row, but on the writer's thread a statement gives
    the interpreter lock back once instead of once a row (each time waiting to win it back from
    the planning thread). The ids must be distinct: a row the join meets twice is updated once."""
    if len({row[-1] for row in rows}) != len(rows):
        raise ValueError(f"subtract on {table}: an id is given twice")
    width = len(names) + 1
    sets = ", ".join(f'"{name}" = "{table}"."{name}" - v.column{n}' for n, name in enumerate(names, start=1))
    one = "(" + ", ".join("?" * width) + ")"
    per = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // width))
    for part in pw.chunked(rows, per):
        values = ", ".join([one] * len(part))
        cursor.execute(f'UPDATE "{table}" SET {sets} FROM (VALUES {values}) AS v WHERE "{table}"."id" = v.column{width}',
                       list(chain.from_iterable(part)))


def _subtract_postgres(cursor: Any, table: str, names: Sequence[str], kept: Sequence[str],
                       rows: Sequence[Sequence[int]]) -> None:
    """:func:`subtract_sql` on PostgreSQL as ``UPDATE ... FROM (VALUES ...)``, :data:`PAGE` rows a
    statement, on the writer's thread (the same statement :func:`execute_many` makes of it); the
    ``kept`` columns assigned to themselves. The ids must be distinct (a row the join meets twice is
    updated once)."""
    from psycopg2.extras import execute_values

    if len({row[-1] for row in rows}) != len(rows):
        raise ValueError(f"subtract on {table}: an id is given twice")
    sets = ", ".join([f'"{name}" = "{table}"."{name}" - v.c{n}' for n, name in enumerate(names, start=1)]
                     + [f'"{name}" = "{table}"."{name}"' for name in kept])
    columns = ", ".join(f"c{n}" for n in range(1, len(names) + 1))
    execute_values(cursor, f'UPDATE "{table}" SET {sets} FROM (VALUES %s) AS v({columns}, id) '
                           f'WHERE "{table}"."id" = v.id', rows, page_size=PAGE)


def stored_text(value: dt.date | dt.datetime) -> str:
    """A date or a timestamp as text both drivers store as they would store the value itself
    (sqlite3's adapters write ``isoformat(" ")``; PostgreSQL reads the same text): a loader that
    writes one value in many rows converts it once instead of once a row."""
    return value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()


def insert_dicts(model: type[pw.Model], rows: Sequence[dict[str, Any]],
                 database: pw.Database | None = None) -> int:
    """Insert dict rows (field names; the same keys in every row) through :func:`insert`; how many.

    A field the rows leave out gets its model default (a callable one is called once per call),
    so a new column with a default needs no change here; the auto-incremented id is left to the
    database.
    """
    if not rows:
        return 0
    return insert(model, *_dict_rows(model, rows), database)


def _dict_rows(model: type[pw.Model], rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[Any]]:
    """The columns and the tuples :func:`insert` takes for dict rows (defaults filled)."""
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
    return [*names, *defaults], tuples


def _defaults(model: type[pw.Model], given: Sequence[str]) -> dict[str, Any]:
    values = {}
    for name, field in model._meta.fields.items():
        if name in given or isinstance(field, pw.AutoField) or field.default is None:
            continue
        values[name] = field.db_value(field.default() if callable(field.default) else field.default)
    return values


def execute_many(sql: str, params: Sequence[Sequence[Any]], database: pw.Database | None = None) -> None:
    """Run one statement for many parameter rows; write ``?`` placeholders, they are adapted.

    On PostgreSQL the statement is prepared once (``PREPARE``) and run with ``EXECUTE`` in
    batches of :data:`PAGE` a round trip: the server plans it once instead of once a row (a
    payment file's 100,000 invoice updates spent most of their time being parsed and planned).
    """
    if not params:
        return
    database = _database(database)
    with _driver_errors:
        cursor = database.cursor()
        if isinstance(database, pw.SqliteDatabase):
            cursor.executemany(sql, params)
            return
        from psycopg2.extras import execute_batch

        if len(params) < PREPARE_FROM:
            execute_batch(cursor, sql.replace("?", "%s"), params, page_size=PAGE)
            return
        joined = _update_from_values(sql, params)
        if joined is not None:
            from psycopg2.extras import execute_values

            execute_values(cursor, joined, params, page_size=PAGE)
            return
        name = f"bulk_{next(_PREPARED)}"
        parts = sql.split("?")
        numbered = "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]
        cursor.execute(f"PREPARE {name} AS {numbered}")
        try:
            marks = ", ".join(["%s"] * (len(parts) - 1))
            execute_batch(cursor, f"EXECUTE {name} ({marks})", params, page_size=PAGE)
        finally:
            if database.connection().get_transaction_status() != _IN_ERROR:
                cursor.execute(f"DEALLOCATE {name}")


_UPDATE_BY_ID = re.compile(r'^UPDATE ("\w+") SET (.+) WHERE "id" = \?$', re.DOTALL)


def _update_from_values(sql: str, params: Sequence[Sequence[Any]]) -> str | None:
    """``UPDATE "t" SET ... WHERE "id" = ?`` over whole numbers and distinct ids as one
    ``UPDATE ... FROM (VALUES ...)`` a page (PostgreSQL): one statement for 2,000 rows instead of
    2,000 (the booking's invoice updates). None when the statement or its values do not qualify
    (other placeholders' types would need casts; a repeated id would be updated once, not twice)."""
    match = _UPDATE_BY_ID.match(sql)
    if match is None:
        return None
    ids = set()
    for row in params:
        if not all(value.__class__ is int for value in row) or row[-1] in ids:
            return None
        ids.add(row[-1])
    table, assignments = match.groups()
    parts = assignments.split("?")
    width = len(parts)
    if width != len(params[0]):
        return None
    numbered = "".join(f"{part}v.c{n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]
    names = ", ".join(f"c{n}" for n in range(1, width + 1))
    return f'UPDATE {table} SET {numbered} FROM (VALUES %s) AS v({names}) WHERE {table}."id" = v.c{width}'


PREPARE_FROM = 20
"""From this many parameter rows :func:`execute_many` prepares its statement on PostgreSQL."""

_PREPARED = itertools.count(1)
"""Names of prepared statements: one per call, never reused (a session keeps a statement a failed
transaction could not deallocate; its name is then simply not taken again)."""

_IN_ERROR = 3
"""``psycopg2.extensions.TRANSACTION_STATUS_INERROR``: nothing but a rollback is accepted."""


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
    # The sequence is looked up first: written inside the nextval() the server looked it up again
    # for every id (``pg_get_serial_sequence`` per row, 0.3 s per 100,000 ids; nextval alone 0.03 s).
    sequence = database.execute_sql("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    cursor = database.execute_sql("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count))
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


T = TypeVar("T")


class Later(Generic[T]):
    """What a job handed to :meth:`BulkWriter.later` returned; read it after the writer's ``wait``."""

    value: T

    def __repr__(self) -> str:
        return f"Later({getattr(self, 'value', '<not run>')!r})"


class BulkWriter:
    """The functions above on one database for a loader (the demo, the ledger import), counting the
    rows it writes per table and dropping the tables' indexes for the load.

    Inside :meth:`in_background` :meth:`insert` hands each batch to a thread of its own on the
    same connection and returns, so the database stores one batch while the loader builds the next
    (the demo's million invoices, a payment file's 100,000 payments: the database's work and
    Python's overlap on two cores instead of taking turns). On PostgreSQL the thread runs the
    ``COPY`` and waits for the server; on SQLite it runs the ``INSERT`` statements, and sqlite3
    lets go of the interpreter while SQLite stores the rows. Every other method first waits until
    every row handed over is written; a failed batch is raised there.
    """

    def __init__(self, database: pw.Database | None = None, *, keys_per_batch: bool = False) -> None:
        self.database = _database(database)
        self.sqlite = isinstance(self.database, pw.SqliteDatabase)
        self.counts: dict[str, int] = {}
        self._copier: _Copier | None = None
        self._keys = KeyChecks() if keys_per_batch and not self.sqlite else None
        """On PostgreSQL, the foreign keys of a background ``COPY`` checked once per batch instead
        of by a trigger per row (``db/key_checks.py``): for a service whose rows were all read or
        made by itself (a payment file's booking), where the keys' per-row queries cost the server
        more than storing the rows."""

    @contextlib.contextmanager
    def in_background(self) -> Iterator[None]:
        """Inserts of the block run in the background. The block may only write through this
        writer and must not query meanwhile; at its end every row is written. On an error what is
        still queued is dropped, never run after the transaction rolled back."""
        self._copier = _Copier(self.database)
        try:
            with _quick_switches():
                yield
                self._copier.wait()
        finally:
            self._copier.close()
            self._copier = None

    def wait(self) -> None:
        """Return when every row handed to :meth:`insert` is written (or raise its error)."""
        if self._copier is not None:
            self._copier.wait()

    def later(self, job: Callable[[Any], T]) -> Later[T]:
        """Run ``job(cursor)`` (a raw cursor of the writer's connection) after everything handed
        over before it: on the writer's thread inside :meth:`in_background` (this returns at once),
        else now. What it returned is the result's ``value`` once :meth:`wait` has returned.

        For a statement of the service's own (an UPDATE whose row count it checks) that the
        database runs while Python builds the next rows; the job must only use ``cursor``."""
        result: Later[T] = Later()

        def run(cursor: Any) -> None:
            result.value = job(cursor)

        if self._copier is None:
            with _driver_errors:
                run(self.database.cursor())
        else:
            self._copier.put_job(run)
        return result

    def flag(self, value: bool) -> bool | int:
        """A boolean as the driver binds it fastest."""
        return int(value) if self.sqlite else bool(value)

    def insert(self, model: type[pw.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """:func:`insert`, counted (in the background when the writer was made so)."""
        if not rows:
            return
        table = model._meta.table_name
        if self._copier is not None and self.sqlite:
            names = ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns)
            self._copier.put_rows(f'INSERT INTO "{table}" ({names}) VALUES ', len(columns), list(rows))  # a loader clears its buffer
        elif self._copier is not None and len(rows) >= COPY_FROM:
            column_names = [model._meta.fields[c].column_name for c in columns]
            names = ", ".join(f'"{name}"' for name in column_names)
            statement = f'COPY "{table}" ({names}) FROM STDIN'
            for part in _parts(rows, COPY_ROWS):
                if self._keys is None:
                    self._copier.put(statement, _copy_data(part))
                else:
                    self._copier.put_checked(self._keys, table, column_names, statement, _copy_data(part), part)
        else:
            self.wait()
            insert(model, columns, rows, self.database)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def insert_dicts(self, model: type[pw.Model], rows: Sequence[dict[str, Any]]) -> None:
        """:func:`insert_dicts` through :meth:`insert` (in the background when the writer was made so)."""
        if rows:
            self.insert(model, *_dict_rows(model, rows))

    def subtract(self, model: type[pw.Model], columns: Sequence[str], rows: Sequence[Sequence[int]], *,
                 keep: Sequence[str] = ()) -> None:
        """Subtract whole numbers from ``columns`` of rows by id: ``rows`` are the amounts in
        ``columns`` order, then the id (distinct ids). In the background (:func:`_subtract_sqlite`,
        :func:`_subtract_postgres`), else :func:`execute_many` of :func:`subtract_sql` now.
        ``keep``: column names PostgreSQL's statement assigns to themselves (values unchanged), so their
        indexes get no bottom-up deletion hint (``services/claim_settlement.py``)."""
        if not rows:
            return
        table, names = model._meta.table_name, _column_names(model, columns)
        if self._copier is not None and self.sqlite:
            self._copier.put_job(lambda cursor: _subtract_sqlite(cursor, table, names, rows))
        elif self._copier is not None:
            self._copier.put_job(lambda cursor: _subtract_postgres(cursor, table, names, keep, rows))
        else:
            sql = subtract_sql(model, columns)
            if keep and not self.sqlite:
                same = "".join(f', "{name}" = "{table}"."{name}"' for name in keep)
                sql = sql.replace(' WHERE "id" = ?', f'{same} WHERE "id" = ?')
            self.update_many(sql, rows)

    def update_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """:func:`execute_many` (an UPDATE or DELETE written with ``?`` placeholders)."""
        self.wait()
        execute_many(sql, rows, self.database)

    def next_id(self, model: type[pw.Model]) -> int:
        """:func:`next_id`."""
        self.wait()
        return next_id(model, self.database)

    def fix_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        """:func:`fix_sequences`."""
        self.wait()
        fix_sequences(models, self.database)

    def drop_indexes(self, models: Sequence[type[pw.Model]]) -> list[str]:
        """Drop the tables' indexes for the load (on PostgreSQL their foreign keys too); returns
        the SQL that recreates them, exactly as declared.

        Building an index once from sorted keys is about twice as fast as keeping it up to date
        row by row; on PostgreSQL a foreign key checks every row it gets with a trigger, while
        adding it again after the load checks them all in one join. Inside the transaction a
        failure rolls the drop back with everything else (PostgreSQL's DDL is transactional).
        The primary keys stay.
        """
        self.wait()
        tables = [model._meta.table_name for model in models]
        if self.sqlite:
            recreate = []
            for table in tables:
                found = self.database.execute_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL ORDER BY name", (table,),
                ).fetchall()
                for name, sql in found:
                    self.database.execute_sql(f'DROP INDEX "{name}"')
                    recreate.append(sql)
            return recreate
        return self._drop_postgres(tables)

    def _drop_postgres(self, tables: Sequence[str]) -> list[str]:
        foreign = self.database.execute_sql(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            ([f'"{t}"' for t in tables],),
        ).fetchall()
        indexes = self.database.execute_sql(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            ([f'"{t}"' for t in tables],),
        ).fetchall()
        for table, name, _definition in foreign:
            self.database.execute_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            self.database.execute_sql(f"DROP INDEX {name}")
        return ([definition for _name, definition in indexes]
                + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign])

    def create_indexes(self, statements: Sequence[str]) -> None:
        """Recreate what :meth:`drop_indexes` dropped, exactly as it was declared.

        On PostgreSQL with :data:`INDEX_BUILD_MEMORY` for this transaction: the server's default
        (64 MB) sorts a million keys on disk, in several passes.
        """
        self.wait()
        if statements and not self.sqlite:
            self.database.execute_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for sql in statements:
            self.database.execute_sql(sql)


SWITCH_INTERVAL = 0.0005
"""Seconds the interpreter lets a thread run before it hands the lock to a waiting one, while a
writer works in the background (Python's default is 0.005). The writer thread waits for the lock
twice a statement (to bind the rows, and after SQLite stored them) while the loader's thread
plans in pure Python and gives the lock up only when the interval runs out: at the default,
100,000 payments' 400 statements waited about 1.5 s for it, and the planning thread then waited
for the writer (0.6-0.9 s of the import; 0.25-0.45 s at this interval)."""

_switches_lock = threading.Lock()
_switches_users = 0
_switches_before = 0.0


@contextlib.contextmanager
def _quick_switches() -> Iterator[None]:
    """:data:`SWITCH_INTERVAL` for the block (process-wide; the first block in sets it, the last
    one out puts back what was there)."""
    global _switches_users, _switches_before
    with _switches_lock:
        if _switches_users == 0:
            _switches_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switches_before, SWITCH_INTERVAL))
        _switches_users += 1
    try:
        yield
    finally:
        with _switches_lock:
            _switches_users -= 1
            if _switches_users == 0:
                sys.setswitchinterval(_switches_before)


class _Copier:
    """One thread that writes batches, in order, on the caller's connection: ``COPY`` on
    PostgreSQL (psycopg2 lets the thread wait for the server without holding the GIL), ``INSERT``
    statements on SQLite (sqlite3 releases it while SQLite steps; the connection is opened with
    ``check_same_thread=False`` for this, ``db/connection.py``)."""

    def __init__(self, database: pw.Database) -> None:
        self.connection = database.connection()
        self.queue: queue.Queue[Callable[[Any], None] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.cancelled = False

    def put(self, statement: str, data: io.StringIO) -> None:
        """Queue one ``COPY`` (blocks while two are waiting: the memory of the text stays bounded)."""
        self._put(lambda cursor: cursor.copy_expert(statement, data))

    def put_checked(self, keys: KeyChecks, table: str, columns: Sequence[str], statement: str, data: io.StringIO,
                    rows: Sequence[Sequence[Any]]) -> None:
        """Queue one ``COPY`` of ``rows`` whose foreign keys are checked for the batch
        (:meth:`KeyChecks.copy`)."""
        self._put(lambda cursor: keys.copy(cursor, table, columns, statement, data, rows))

    def put_job(self, job: Callable[[Any], None]) -> None:
        """Queue ``job(cursor)`` (:meth:`BulkWriter.later`)."""
        self._put(job)

    def put_rows(self, head: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
        """Queue SQLite's ``INSERT`` of ``rows`` (``head`` is the statement up to ``VALUES``)."""
        self._put(lambda cursor: _insert_sqlite(cursor, head, width, rows))

    def _put(self, job: Callable[[Any], None]) -> None:
        self._raise()
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)
            self.thread.start()
        self.queue.put(job)

    def wait(self) -> None:
        """Until every queued ``COPY`` has run; its error, if one failed."""
        if self.thread is not None:
            self.queue.join()
        self._raise()

    def close(self) -> None:
        """Skip what is still queued, let the thread end and wait for it."""
        if self.thread is None:
            return
        self.cancelled = True
        self.queue.put(None)
        self.thread.join()
        self.thread = None

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            with _driver_errors:
                raise error

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.error is None and not self.cancelled:
                    cursor = self.connection.cursor()
                    try:
                        item(cursor)
                    finally:
                        cursor.close()
            except BaseException as exc:  # handed to the loader's thread at its next call
                self.error = exc
            finally:
                self.queue.task_done()
