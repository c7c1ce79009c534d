"""Today's date and the current user, in one place.

``TUI_INKASSO_TODAY`` (YYYY-MM-DD) pins the date: demos, screenshots and end-to-end tests then see
the same ledger whatever day they run.

The user is who the program knows is there, never a name anyone passes in: on PostgreSQL the
database role of the session (``current_user``: each staff member connects as their own role,
and the server has checked who they are); on SQLite the operating system's account of the
process's real user id. Not ``$USER`` or ``$LOGNAME`` (which ``getpass.getuser`` reads first),
and no variable or option of our own, since anyone can set those and so change who the audit
log says did something and which role they have (issue 17). Tests name their user by setting
``_test_user`` (pytest's monkeypatch, in tests/conftest.py): code in the process, never anything
a user can pass in.
"""
from __future__ import annotations

import datetime as dt
import os
import pwd
import weakref

import peewee as pw

from tui_inkasso.db.connection import db


def today() -> dt.date:
    """The business date: ``$TUI_INKASSO_TODAY`` or the system date."""
    pinned = os.environ.get("TUI_INKASSO_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.date.today()


def now() -> dt.datetime:
    """The current local time (naive, as stored), on the pinned date when one is set."""
    current = dt.datetime.now().replace(microsecond=0)
    pinned = os.environ.get("TUI_INKASSO_TODAY")
    if pinned:
        return dt.datetime.combine(dt.date.fromisoformat(pinned), current.time())
    return current


_test_user: str | None = None
"""FOR TESTS ONLY: the user tests record as; None in the program."""


def current_user() -> str:
    """Who runs this: the session's database role on PostgreSQL, else the OS account of the
    process's real user id (for the audit log and the permissions)."""
    if _test_user is not None:
        return _test_user
    role = _database_role()
    if role is not None:
        return role
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # an id without an account (a container): the number, never a name typed in
        return f"uid{os.getuid()}"


_roles: weakref.WeakKeyDictionary[pw.Database, str] = weakref.WeakKeyDictionary()
"""The session role per PostgreSQL database object: every connection of a process's pool logs in
with the same URL, so it is asked once."""


def _database_role() -> str | None:
    """``current_user`` of the bound PostgreSQL database, or None for SQLite (or none bound)."""
    database = db.obj
    if not isinstance(database, pw.PostgresqlDatabase):
        return None
    role = _roles.get(database)
    if role is None:
        role = str(database.execute_sql("SELECT current_user").fetchone()[0])
        _roles[database] = role
    return role
