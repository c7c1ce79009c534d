"""Errors that services raise for users: the message is what the user reads."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, a missing record, a refused action.

    ``exit_code`` is what the CLI exits with: 2 for bad input, 1 for a failure of the run.
    """

    exit_code = 2


class NotFound(UserError):
    """A record asked for by number or id does not exist."""


class Conflict(UserError):
    """Someone else changed what this action depends on; nothing was written."""

    exit_code = 1


class DunningError(UserError):
    """A reminder/demand run, a level configuration, a block or a reprint that cannot be done;
    the message says why."""

    exit_code = 1


class BookingError(UserError):
    """A booking that cannot be made (a missing account mapping, an unknown invoice, a credit
    larger than the capital); the message says why."""

    exit_code = 1
