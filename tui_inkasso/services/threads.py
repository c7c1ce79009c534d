"""A database connection for code that runs in a worker thread.

peewee keeps one connection per thread. The app's main thread opens the database at start; a
Textual thread worker (or any other thread) needs its own, opened for the work and closed after.
Keeping them open in the pool threads would spare a connect and keep SQLite's page cache warm,
but pool threads outlive the event loop that made them (one per test, in the test suite), and
their connections would pile up until the process runs out of file handles or PostgreSQL of
client slots. Opening a SQLite connection costs about a millisecond. In a thread that already
has a connection (the main thread, tests) the existing one is used and left open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tui_inkasso.db.connection import db


@contextlib.contextmanager
def thread_connection() -> Iterator[None]:
    """Use this thread's connection, opening (and afterwards closing) one when it has none."""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened and not db.is_closed():
            db.close()
