"""A database connection for code that runs in a worker thread.

peewee keeps one connection per thread. The app's main thread opens the database at start; a
Textual thread worker runs in the event loop's thread pool and needs its own. It is opened on the
first use in a pool thread and then kept: the pool is small and its threads are reused, so each
keeps a warm SQLite page cache (and PostgreSQL is spared a new login per keystroke of a search).
The connections end with the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tui_inkasso.db.connection import db


@contextlib.contextmanager
def thread_connection() -> Iterator[None]:
    """Make sure this thread has a connection (opened once per thread, then reused)."""
    if db.is_closed():
        db.connect()
    yield
