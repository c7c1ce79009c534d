"""One write, one transaction.

On SQLite a write transaction takes the write lock up front (``BEGIN IMMEDIATE``): two processes
that both read and then write would otherwise deadlock into "database is locked" half-way through
a run. PostgreSQL gets an ordinary transaction.
"""

from __future__ import annotations

import peewee as pw

from tui_inkasso.db.connection import db


def write_transaction() -> pw._atomic:
    """A context manager for one all-or-nothing write (refused inside a reader's entry point:
    ``services.permissions.check_write``)."""
    from tui_inkasso.services.permissions import check_write  # permissions writes through here too

    check_write()
    if isinstance(db.obj, pw.SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()


def is_postgres() -> bool:
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, pw.PostgresqlDatabase)
