"""Planner statistics after a large write: the queries of the screens depend on them.

After a load that changes a large part of a table (the demo, a ledger import, a payment file of
tens of thousands of payments) the planner's picture of the data is stale: SQLite has none until
``ANALYZE`` ran once, and PostgreSQL's autovacuum catches up only later. :func:`refresh_statistics`
analyses the tables the load wrote, and only those:

* PostgreSQL: ``ANALYZE "invoice", "payment", ...`` naming the tables. A bare ``ANALYZE``
  analyses every table of every schema in the database (every other ledger on the server, every
  test's schema) and, run by two loads at once, deadlocked on their tables' locks.
* SQLite: ``ANALYZE`` of the same tables with ``PRAGMA analysis_limit`` (a sample of about 1,000
  rows an index, milliseconds instead of seconds on a million rows, and as good for the planner),
  then ``PRAGMA optimize``, which SQLite recommends after a schema or data change of this size.
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee as pw

from tui_inkasso.db.connection import db

SQLITE_ANALYSIS_LIMIT = 1000
"""Rows SQLite samples per index (``PRAGMA analysis_limit``)."""


def refresh_statistics(models: Sequence[type[pw.Model]], database: pw.Database | None = None) -> None:
    """Fresh planner statistics for the tables of ``models``; inside or outside a transaction."""
    database = database if database is not None else db.obj
    tables = ", ".join(f'"{model._meta.table_name}"' for model in models)
    if not tables:
        return
    if isinstance(database, pw.SqliteDatabase):
        database.execute_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        for model in models:
            database.execute_sql(f'ANALYZE "{model._meta.table_name}"')
        database.execute_sql("PRAGMA optimize")
        return
    database.execute_sql(f"ANALYZE {tables}")
