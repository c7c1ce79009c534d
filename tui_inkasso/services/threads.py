"""A database connection for code that runs in a worker thread.

peewee keeps one connection per thread. The app's main thread opens the database at start; a
Textual thread worker (or any other thread) needs its own, opened for the work and closed after,
so no connection is left behind in a pool thread. In a thread that already has one (the main
thread, tests) the existing connection is used and left open.
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
