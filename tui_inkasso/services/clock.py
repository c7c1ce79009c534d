"""Today's date and the current user, in one place.

``TUI_INKASSO_TODAY`` (YYYY-MM-DD) pins the date: demos, screenshots and end-to-end tests then see
the same ledger whatever day they run. The user is the operating system's account of the
process's real user id, the name the audit log records: not ``$USER`` or ``$LOGNAME`` (which
``getpass.getuser`` reads first), and no variable of our own, since anyone can set those and so
change who the log says did something. Tests name their user by setting ``_test_user`` (pytest's
monkeypatch, in tests/conftest.py): code in the process, never anything a user can pass in.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd


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
    """The OS account running the program, by its real user id (for the audit log)."""
    if _test_user is not None:
        return _test_user
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # an id without an account (a container): the number, never a name typed in
        return f"uid{os.getuid()}"
