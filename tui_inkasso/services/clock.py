"""Today's date and the current user, in one place.

``TUI_INKASSO_TODAY`` (YYYY-MM-DD) pins the date: demos, screenshots and end-to-end tests then see
the same ledger whatever day they run. ``TUI_INKASSO_USER`` names the user where the OS user is not
the person (tests); otherwise the OS login is who did it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os


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


def current_user() -> str:
    """The OS user who runs the program (for the audit log)."""
    override = os.environ.get("TUI_INKASSO_USER")
    if override:
        return override
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"
