"""One write, one transaction.

On SQLite a write transaction takes the write lock up front (``BEGIN IMMEDIATE``): two processes
that both read and then write would otherwise deadlock into "database is locked" half-way through
a run. PostgreSQL gets an ordinary transaction.
"""

from __future__ import annotations

import peewee as pw

from tui_inkasso.db.connection import db, renew_if_lost


def write_transaction() -> pw._atomic:
    """A context manager for one all-or-nothing write (refused inside a reader's entry point:
    ``services.permissions.check_write``); an outermost one starts on a live connection
    (``db.connection.renew_if_lost``), a nested one stays on its transaction's."""
    from tui_inkasso.services.permissions import check_write  # permissions writes through here too

    check_write()
    renew_if_lost()  # a lost connection is replaced before a transaction, never inside one
    if isinstance(db.obj, pw.SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()


def is_postgres() -> bool:
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, pw.PostgresqlDatabase)
