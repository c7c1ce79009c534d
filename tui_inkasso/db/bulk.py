"""Fast bulk inserts of plain tuples, for the demo generator and the ledger import.

peewee's ``insert_many`` builds every statement in Python from dicts; at hundreds of thousands
of rows that costs more than the database's own work. These helpers hand tuples straight to the
driver: on SQLite many rows per ``INSERT ... VALUES (...), (...)`` statement (measured twice as
fast here as ``executemany``, whose per-row overhead exceeds the binding itself), on PostgreSQL
psycopg2's ``execute_values``. They write inside the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import peewee as pw

ROWS_PER_STATEMENT = 200
SQLITE_MAX_VARIABLES = 32_766
"""SQLite's limit on parameters in one statement (since 3.32)."""


class BulkWriter:
    """Plain-tuple inserts into one table at a time, the fastest way each driver offers."""

    def __init__(self, database: pw.Database) -> None:
        self.database = database
        self.sqlite = isinstance(database, pw.SqliteDatabase)
        self.counts: dict[str, int] = {}

    def flag(self, value: bool) -> bool | int:
        """A boolean as the driver binds it fastest (sqlite3 adapts ``bool`` the slow way)."""
        return int(value) if self.sqlite else bool(value)

    def insert(self, model: type[pw.Model], columns: Sequence[str], rows: list[tuple]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order, field names) into ``model``'s table.

        Values go to the driver as they are: give dates as ISO text (``"2026-08-31"``) and times
        as ``"2026-08-31 10:00:00"``, which both databases read and peewee reads back, and every
        NOT NULL column (peewee's Python-side defaults do not apply here).
        """
        if not rows:
            return
        table = model._meta.table_name
        names = ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns)
        cursor = self.database.cursor()
        if self.sqlite:
            self._insert_sqlite(cursor, f'INSERT INTO "{table}" ({names}) VALUES ', len(columns), rows)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=2000)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    @staticmethod
    def _insert_sqlite(cursor: Any, head: str, width: int, rows: list[tuple]) -> None:
        """Many rows per statement: twice as fast as ``executemany`` (measured here), whose
        per-row overhead costs more than the binding itself. Full batches reuse one cached
        statement; the rest goes one row at a time."""
        one = "(" + ", ".join("?" * width) + ")"
        per = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // width))
        full = len(rows) - len(rows) % per
        if full:
            statement = head + ", ".join([one] * per)
            flat = list(chain.from_iterable(rows[:full]))
            step = per * width
            for start in range(0, len(flat), step):
                cursor.execute(statement, flat[start : start + step])
        if full < len(rows):
            cursor.executemany(head + one, rows[full:])

    def update_many(self, sql: str, rows: list[tuple]) -> None:
        """Run an UPDATE written with ``?`` placeholders for every parameter row."""
        if not rows:
            return
        cursor = self.database.cursor()
        if self.sqlite:
            cursor.executemany(sql, rows)
            return
        from psycopg2.extras import execute_batch

        execute_batch(cursor, sql.replace("?", "%s"), rows, page_size=1000)

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

    def next_id(self, model: type[pw.Model]) -> int:
        """The first free id of ``model``'s table (ids are assigned here, never read back)."""
        table = model._meta.table_name
        row = self.database.execute_sql(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"').fetchone()
        return int(row[0]) + 1

    def fix_sequences(self, models: Sequence[type[pw.Model]]) -> None:
        """PostgreSQL: move each serial sequence past the ids written explicitly."""
        if self.sqlite:
            return
        for model in models:
            if not isinstance(model._meta.primary_key, pw.AutoField):
                continue
            table = model._meta.table_name
            self.database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX("id") FROM "{table}"), 1), '
                f'(SELECT MAX("id") FROM "{table}") IS NOT NULL)'
            )
