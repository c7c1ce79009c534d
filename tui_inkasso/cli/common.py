"""What every command shares: the parser in Swedish, the result type, errors, the --db/--json options."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from tui_inkasso.domain.safe_text import for_terminal

USAGE = "användning: "
HELP = "visa den här hjälpen och avsluta"
VERSION_HELP = "visa versionen och avsluta"

_ARGPARSE_ERRORS = [
    (re.compile(pattern), swedish)
    for pattern, swedish in (
        (r"the following arguments are required: (.*)$", r"de här argumenten saknas: \1"),
        (r"unrecognized arguments: (.*)$", r"okända argument: \1"),
        (r"invalid choice: (.*) \(choose from (.*)\)$", r"ogiltigt val: \1 (välj bland \2)"),
        (r"expected one argument$", "ett värde behövs"),
        (r"expected at most one argument$", "högst ett värde"),
        (r"expected at least one argument$", "minst ett värde behövs"),
        (r"invalid int value: (.*)$", r"inget heltal: \1"),
        (r"invalid (\S+) value: (.*)$", r"ogiltigt värde (\1): \2"),
        (r"ambiguous option: (.*) could match (.*)$", r"tvetydig flagga: \1 kan vara \2"),
        (r"ignored explicit argument (.*)$", r"flaggan tar inget värde: \1"),
    )
]
"""argparse's own error messages that a user meets, in Swedish; others are shown as they are."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with a Swedish "användning:"."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Swedish: headings, -h, usage and its common error messages.

    argparse takes these words from gettext, whose catalogue is global to the process; setting
    them on our own parsers keeps the change to the ``tui-inkasso`` command. Subcommands inherit
    the class (argparse creates them with ``type(parent)``). ``parents`` are merged after the
    headings are renamed, so their options join the same "flaggor" group.
    """

    def __init__(
        self, *, parents: Sequence[argparse.ArgumentParser] = (), add_help: bool = True, **kwargs: Any
    ) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)
        for parent in parents:  # what ArgumentParser.__init__ does with parents
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> NoReturn:
        """Usage and the error on stderr, exit code 2, as argparse does, in Swedish."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel: {swedish_argparse_error(message)}\n")


def swedish_argparse_error(message: str) -> str:
    """``message`` with argparse's own wording in Swedish (our own texts are Swedish already)."""
    for pattern, swedish in _ARGPARSE_ERRORS:
        message, count = pattern.subn(swedish, message, count=1)
        if count:
            break
    return message


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


def common_options() -> Parser:
    """--db and --json, accepted before or after the subcommand."""
    parent = Parser(add_help=False)
    parent.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="databasen: en sökväg, sqlite:///SÖKVÄG eller postgresql://... "
        "(standard: $TUI_INKASSO_DB eller inkasso.db i datamappen)",
    )
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="skriv resultatet som ett JSON-objekt"
    )
    return parent


def date_arg(text: str) -> dt.date:
    """argparse type for YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"inget giltigt datum (ÅÅÅÅ-MM-DD): {text!r}") from None


def to_json(data: dict[str, Any]) -> str:
    """One JSON object; dates as ISO strings. Characters a terminal would obey that ``json``
    leaves raw (DEL, C1 such as the 8-bit CSI, bidirectional overrides) are ``\\uXXXX`` escapes,
    so a name stored with them cannot drive the terminal of whoever reads the output."""
    text = json.dumps(data, ensure_ascii=False, default=_default, indent=None)
    return text if text.isprintable() else _RAW_IN_JSON.sub(_json_escape, text)


_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def say(text: str, *, err: bool = False) -> None:
    """Print ``text`` for people: control characters and escape sequences in data (a name, a
    file name) are shown escaped (domain.safe_text.for_terminal), never sent to the terminal."""
    print(for_terminal(text), file=sys.stderr if err else sys.stdout)


def _default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
