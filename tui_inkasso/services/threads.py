"""A database connection for code that runs in a worker thread.

peewee keeps one connection per thread. The app's main thread opens the database at start; a
Textual thread worker (or any other thread) needs its own, taken for the work and given back
after. Keeping one open per worker thread would keep SQLite's page cache warm, but those threads
outlive the event loop that made them (one per test, in the test suite), and their connections
would pile up until the process runs out of file handles or PostgreSQL of client slots. Opening
a SQLite connection costs about a millisecond. A new PostgreSQL connection costs more (2-5 ms
here, and its first queries find the server's caches cold), so PostgreSQL's database is a pool
(``db/connection.py``): ``connect`` takes an idle connection and ``close`` hands it back, rolled
back if a transaction was left open. In a thread that already has a connection (the main
thread, tests) the existing one is used and left open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tui_inkasso.db.connection import db


@contextlib.contextmanager
def thread_connection() -> Iterator[None]:
    """Use this thread's connection, opening (and afterwards closing) one when it has none.

    Without a database bound (a widget shown in a test app with rows from a list) there is
    nothing to open, and the work runs as it is.
    """
    if db.obj is None:
        yield
        return
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened and not db.is_closed():
            db.close()
