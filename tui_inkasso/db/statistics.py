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


STALE_SHARE = 0.1
"""The share of a table's rows a write must insert, update or delete before :func:`stale_tables`
names it: autovacuum's own rule (``autovacuum_analyze_scale_factor``, 10 %; its base of 50 rows
is nothing beside a bulk write's)."""


def stale_tables(models: Sequence[type[pw.Model]], database: pw.Database | None = None) -> list[type[pw.Model]]:
    """Of ``models``, the tables whose statistics the current transaction's writes make stale;
    call inside the transaction, before its commit, and refresh those after it.

    PostgreSQL: the rows the transaction inserted, updated and deleted in each table
    (``pg_stat_get_xact_tuples_*``, the server's own counts) against the rows its statistics
    counted (``pg_class.reltuples``; -1 when never analysed): from :data:`STALE_SHARE` on. A payment
    file of 100,000 updates about 5 % of the million invoices: analysing them (0.2 s of the
    server's time) would change nothing the planner uses, while the vouchers it writes double that
    table. The counts may include the session's writes of the second before the transaction too
    (PostgreSQL flushes them at most once a second): a table is then analysed sooner, never later.
    SQLite keeps no such counts: every table named (its ``ANALYZE`` samples, cheaply).
    """
    database = database if database is not None else db.obj
    if isinstance(database, pw.SqliteDatabase) or not models:
        return list(models)
    by_table = {model._meta.table_name: model for model in models}
    rows = database.execute_sql(
        "SELECT relname, reltuples, pg_stat_get_xact_tuples_inserted(oid) + pg_stat_get_xact_tuples_updated(oid)"
        " + pg_stat_get_xact_tuples_deleted(oid) FROM pg_class WHERE oid = ANY(%s::regclass[])",
        ([f'"{table}"' for table in by_table],),
    ).fetchall()
    return [by_table[table] for table, counted, changed in rows
            if changed and (counted <= 0 or changed >= STALE_SHARE * counted)]
