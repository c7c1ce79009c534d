"""Which ledger is open, in words: the header names it so staff with several ledgers (a test
copy, another company, PostgreSQL) always see which one they are working in."""

from __future__ import annotations

from tui_inkasso.db.connection import describe_open_database


def short_description() -> str:
    """The header's words: the SQLite file's name ("inkasso.db"), or the PostgreSQL database
    and its host ("inkasso på db.example.se"); never a user name or a password."""
    return describe_open_database()


def full_description() -> str:
    """As :func:`short_description`, with a SQLite file's whole path (for messages)."""
    return describe_open_database(full=True)
