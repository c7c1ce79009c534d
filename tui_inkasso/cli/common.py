"""What every command shares: the result type, errors, and the --db/--json options."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class CliError(Exception):
    """A user error: printed as one line on stderr, exit code 2 (bad input) or 1 (failure)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Output:
    """A command's result: ``data`` for --json, ``text`` for people."""

    data: dict[str, Any]
    text: str = ""
    exit_code: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[argparse.Namespace], Output]


def common_options() -> argparse.ArgumentParser:
    """--db and --json, accepted before or after the subcommand."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="database: a path, sqlite:///PATH or postgresql://... (default: $TUI_INKASSO_DB or inkasso.db in the data directory)",
    )
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )
    return parent


def date_arg(text: str) -> dt.date:
    """argparse type for YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def to_json(data: dict[str, Any]) -> str:
    """One JSON object; dates as ISO strings."""
    return json.dumps(data, ensure_ascii=False, default=_default, indent=None)


def _default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
