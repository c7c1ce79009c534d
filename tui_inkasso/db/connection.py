"""Which database, and how to open it.

One ``DatabaseProxy`` serves every model; ``open_database`` binds it to SQLite or PostgreSQL from
a URL, applies the pragmas that make SQLite safe for several processes (WAL, foreign keys, a busy
timeout) and brings the schema up to date.
"""

from __future__ import annotations

import os
import select
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import peewee
from playhouse.pool import PooledDatabase

db = peewee.DatabaseProxy()
"""The database every model uses; bound by :func:`open_database`."""

ENV_VAR = "TUI_INKASSO_DB"
APP_NAME = "tui-inkasso"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -64000,
}


POOL_SIZE = 8
"""PostgreSQL connections one process keeps at most (the main thread, the workers of the screens
or the daemon's runs at the same time); the pool grows only to what is used at once."""

POOL_STALE_SECONDS = 300
"""A pooled connection older than this is closed instead of reused (the server or a firewall may
have dropped it meanwhile)."""

POOL_WAIT_SECONDS = 30
"""How long a call waits for a free pooled connection before it fails."""

TCP_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6}
"""libpq's TCP keepalives on every PostgreSQL connection (a URL's own ``?keepalives_idle=`` wins):
staff work over SSH from offices whose network can drop without the server's end being told;
without keepalives a dead connection is noticed only at the system's TCP timeout (two hours and
more on Linux), and the app or the daemon hangs in its next query that long. With these, an idle
connection whose peer is gone fails within about two minutes, and the next unit of work gets a
fresh one (``renew_if_lost``)."""


class DatabaseUrlError(ValueError):
    """The database URL or path cannot be used; the message says why (in Swedish, on stderr)."""


def default_database_path() -> Path:
    """``inkasso.db`` in the user's data directory (XDG on Linux)."""
    import platformdirs  # here, not at the top: starting the app with --db never needs it

    return Path(platformdirs.user_data_dir(APP_NAME)) / "inkasso.db"


def resolve_database_url(arg: str | None = None) -> str:
    """The URL to use: the ``--db`` argument, else ``$TUI_INKASSO_DB``, else the default path.

    A plain path means SQLite; ``sqlite:///...`` and ``postgresql://...`` are taken as they are.
    """
    return database_url(arg or os.environ.get(ENV_VAR) or str(default_database_path()))


def database_url(raw: str) -> str:
    """``raw`` as a URL: a plain path (``inkasso.db``, ``~/data/inkasso.db``) is the SQLite file
    there, made absolute; ``sqlite:///...`` and ``postgresql://...`` are taken as they are; any
    other scheme, and an empty text, are refused with :class:`DatabaseUrlError`.

    Every way in normalises here (:func:`resolve_database_url`, :func:`open_database`,
    :func:`make_database`): a plain path handed to ``open_database`` was once taken for a
    PostgreSQL address.
    """
    if not raw.strip():
        raise DatabaseUrlError("ingen databas angiven: ange en sökväg, sqlite:///SÖKVÄG eller postgresql://...")
    if "://" in raw:
        scheme = urlparse(raw).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise DatabaseUrlError(
                f"databasadressen har det okända protokollet {scheme!r}: ange en sökväg, "
                "sqlite:///SÖKVÄG eller postgresql://..."
            )
        return raw
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :]
    return None if path in ("", ":memory:") else Path(path)


def is_sqlite_url(url: str) -> bool:
    """True for a SQLite URL."""
    return url.startswith("sqlite:")


class LedgerMissing(DatabaseUrlError):
    """The database holds no ledger (a SQLite file that does not exist, a PostgreSQL database
    without our tables): a mistyped ``--db`` must not quietly start an empty ledger."""


def make_database(url: str) -> peewee.Database:
    """A peewee database for ``url`` (a plain path is a SQLite file, :func:`database_url`), not
    yet connected (a missing folder is not created)."""
    url = database_url(url)
    path = sqlite_path(url)
    if path is not None:
        # check_same_thread=False: a bulk writer stores rows on a thread of its own on the same
        # connection (db/bulk.py, BulkWriter.in_background); every other thread still gets a
        # connection of its own from peewee.
        return peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=10, check_same_thread=False)
    if is_sqlite_url(url):
        return peewee.SqliteDatabase(":memory:", pragmas={"foreign_keys": 1}, check_same_thread=False)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    from playhouse.db_url import connect  # imports every backend's module: only for PostgreSQL

    # Pooled: a screen runs each service call in a worker thread, which takes this thread's
    # connection for the call (services/threads.py); a new PostgreSQL connection costs 2-5 ms
    # and meets the server's caches cold, paid on every page and every key typed in a search
    # (a search 9-20 ms new, 2-6 ms pooled: bench/bench_postgres_search.py).
    given = set(parse_qs(urlparse(url).query))
    keepalives = {key: value for key, value in TCP_KEEPALIVES.items() if key not in given}
    return connect("postgresql+pool://" + url[len("postgresql://") :], max_connections=POOL_SIZE,
                   stale_timeout=POOL_STALE_SECONDS, timeout=POOL_WAIT_SECONDS, **keepalives)


def open_database(url: str, *, migrate: bool = True, create: bool = True) -> peewee.Database:
    """Bind the proxy to ``url``, connect, and bring the schema up to date.

    ``create=False`` (the app and every command but ``init`` and ``demo``) refuses a database
    that holds no ledger yet with :class:`LedgerMissing`, naming it, before anything is written:
    no SQLite file is created, no folder, no tables. ``create=True`` makes the SQLite file's
    folder when it is missing and the schema of a new ledger. A plain path is a SQLite file
    (:func:`database_url`); an unknown scheme raises :class:`DatabaseUrlError`.
    """
    url = database_url(url)
    path = sqlite_path(url)
    if path is not None and not create:
        if not path.is_file():
            raise LedgerMissing(_missing_text(f"databasfilen {path} finns inte"))
        if not _sqlite_has_ledger(path):
            raise LedgerMissing(_missing_text(f"databasfilen {path} har ingen reskontra"))
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    database = make_database(url)
    db.initialize(database)
    database.connect(reuse_if_open=True)
    if path is None and not create:
        from tui_inkasso.db.migrations import current_version

        if current_version(database) is None:
            database.close()
            raise LedgerMissing(_missing_text(f"databasen {describe_database(url)} har ingen reskontra"))
    if migrate:
        from tui_inkasso.db.migrations import migrate as run_migrations

        run_migrations(database, lock_path=_lock_path(url))
    return database


def _sqlite_has_ledger(path: Path) -> bool:
    """Whether the SQLite file has our schema, read without writing to it (opening it with the
    app's pragmas would turn an empty file into a WAL database)."""
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone() is not None
    finally:
        connection.close()


def _missing_text(what: str) -> str:
    return (f"{what}. Kontrollera --db eller {ENV_VAR}; en ny, tom reskontra skapas med "
            "'tui-inkasso init', en demoreskontra med 'tui-inkasso demo'")


def describe_database(url: str) -> str:
    """Which ledger ``url`` names, in the header's words: the SQLite file's name, or the
    PostgreSQL database and its host ("inkasso på db.example.se:5433"); no user or password."""
    path = sqlite_path(url)
    if path is not None:
        return path.name
    if is_sqlite_url(url):
        return "minnesdatabas"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or parsed.username or "postgres"
    host = parsed.hostname or "lokal server"
    port = f":{parsed.port}" if parsed.port and parsed.port != 5432 else ""
    return f"{name} på {host}{port}"


def describe_open_database(*, full: bool = False) -> str:
    """:func:`describe_database` for the database the proxy is bound to now; ``full`` gives a
    SQLite file's whole path instead of its name."""
    database = db.obj
    if database is None:
        return ""
    if isinstance(database, peewee.SqliteDatabase):
        name = database.database
        if name in ("", ":memory:"):
            return "minnesdatabas"
        return str(Path(name)) if full else Path(name).name
    params = database.connect_params
    host = params.get("host") or "lokal server"
    port = params.get("port")
    return f"{database.database} på {host}{f':{port}' if port and int(port) != 5432 else ''}"


def close_database() -> None:
    """Close this thread's connection, if any, and every idle connection of a PostgreSQL pool
    (the process is done with this database)."""
    if db.obj is not None and not db.is_closed():
        db.close()
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_idle()


def discard_connection() -> None:
    """Close this thread's connection for good, also when it is pooled: after a lost connection,
    and where the session holds something that must go with it (a PostgreSQL advisory lock)."""
    if db.obj is None or db.is_closed():
        return
    if isinstance(db.obj, PooledDatabase):
        db.obj.manual_close()
    else:
        db.close()


_renewals = 0
"""How many times :func:`renew_if_lost` replaced a connection in this process (the daemon
compares it: a new connection has lost the old one's advisory lock)."""


def renewal_count() -> int:
    """How many lost connections :func:`renew_if_lost` has replaced so far in this process."""
    return _renewals


def connection_lost() -> bool:
    """Whether this thread's open PostgreSQL connection is dead (the server restarted, the
    backend was terminated, the network dropped it) and no transaction is open on it.

    psycopg2 learns that a connection is dead only when it next uses it. A dead server side
    leaves the socket readable (its last error message, then end of file), while an idle
    live connection gets nothing to read: so only a readable socket costs a round trip,
    peewee's own pool check (``_is_closed``: ``SELECT 1``). SQLite, no connection, or a
    transaction in progress: False (a transaction that lost its connection must fail).
    """
    database = db.obj
    if not isinstance(database, PooledDatabase) or database.is_closed() or database.in_transaction():
        return False
    conn = database.connection()
    if conn.closed:
        return True
    return _readable(conn.fileno()) and bool(database._is_closed(conn))


def _readable(fd: int) -> bool:
    """Whether the socket ``fd`` has something to read (or its end of file) right now."""
    if hasattr(select, "poll"):  # not select.select: it refuses a descriptor above 1023
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def renew_if_lost() -> bool:
    """At the start of a unit of work (a service call, a transaction, a daemon job): replace a
    lost connection of this thread by a fresh one, so one server restart does not fail every
    later call of a long-running process. True when it did.

    Never in a transaction (:func:`connection_lost`). The new connection comes from the same
    pool, so it is opened like every other (same URL, parameters and pool settings); what a
    session had set on the old one by hand (an advisory lock) is gone with it: the daemon
    takes its lock again (``Daemon._keep_connection``).
    """
    global _renewals
    if not connection_lost():
        return False
    discard_connection()
    db.connect()
    _renewals += 1
    return True


def _lock_path(url: str) -> Path | None:
    path = sqlite_path(url)
    return path.with_name(path.name + ".migrate.lock") if path is not None else None
