"""The ``tui-inkasso`` command.

Without a subcommand it starts the terminal app. Each module in ``COMMAND_MODULES`` registers its
subcommands with ``register(subparsers, parent)`` and sets ``handler`` on its parsers; handlers
open nothing themselves: the database is opened here once, and the handler returns an
:class:`~tui_inkasso.cli.common.Output`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from tui_inkasso import __version__
from tui_inkasso.cli.common import (
    VERSION_HELP,
    CliError,
    Output,
    Parser,
    common_options,
    say,
    to_json,
)

COMMAND_MODULES = [
    "tui_inkasso.cli.settings_cmd",
    "tui_inkasso.cli.rates_cmd",
    "tui_inkasso.cli.invoice_cmd",
    "tui_inkasso.cli.init_cmd",
    "tui_inkasso.cli.demo_cmd",
    "tui_inkasso.cli.import_ledger_cmd",
    "tui_inkasso.cli.services_cmd",
    "tui_inkasso.cli.daemon_cmd",
    "tui_inkasso.cli.delivery_cmd",
    "tui_inkasso.cli.dunning_cmd",
    "tui_inkasso.cli.payments_cmd",
    "tui_inkasso.cli.balance_cmd",
    "tui_inkasso.cli.collect_cmd",
    "tui_inkasso.cli.arrears_cmd",
    "tui_inkasso.cli.socialnamnd_cmd",
    "tui_inkasso.cli.users_cmd",
    "tui_inkasso.cli.approvals_cmd",
    "tui_inkasso.cli.report_cmd",
]
"""Modules that add subcommands; each has ``register(subparsers, parent)``."""


def build_parser() -> Parser:
    """The argument parser with every registered subcommand."""
    parent = common_options()
    parser = Parser(
        prog="tui-inkasso",
        description="Inkasso för hyresreskontran: starta appen utan kommando, eller kör ett kommando.",
        parents=[parent],
    )
    parser.add_argument("--version", action="version", version=f"tui-inkasso {__version__}", help=VERSION_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, parent)
    return parser


INTERRUPTED_BEFORE_RUN = "tui-inkasso: avbrutet (Ctrl-C) innan kommandot började: inget kördes och inget sparades"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the command line (through :func:`tui_inkasso.console.run`); the exit code.

    A Ctrl-C is one Swedish line on stderr and exit code 130, never a traceback, whenever it
    comes: while the commands' modules are imported, while the command runs, or while its result
    is printed (each phase says what it means for the data)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # importing the commands, parsing the arguments
        return _interrupted(INTERRUPTED_BEFORE_RUN)


def _interrupted(line: str) -> int:
    """Say ``line`` after a Ctrl-C and give exit code 130 (128 + SIGINT, what shells expect).

    A second Ctrl-C while the line is written is ignored: it must not print the traceback the
    first one was caught to avoid."""
    with contextlib.suppress(KeyboardInterrupt, OSError):
        say(line, err=True)
    return 130


def _main(argv: Sequence[str] | None) -> int:
    app_db = _app_start(sys.argv[1:] if argv is None else list(argv))
    if app_db is not None:
        return _run_app(app_db or None)
    parser = build_parser()
    args = parser.parse_args(argv)
    db_arg = getattr(args, "db", None)
    if args.command is None:
        return _run_app(db_arg)
    want_json = getattr(args, "json", False)
    try:
        output = _dispatch(args, db_arg)
    except CliError as exc:
        say(f"tui-inkasso {args.command}: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        # Stopped somewhere in the run: before its commit nothing of it is saved, after it all
        # is (the file it writes then is finished by the next command); which one is not known
        # here. Either way the ledger is consistent, and running the command again is safe.
        return _interrupted(
            f"tui-inkasso {args.command}: avbrutet (Ctrl-C): körningen sparas helt eller inte alls "
            "(en transaktion), så inget är halvgjort; om den hann sparas syns i reskontran, och "
            "kommandot kan köras igen")
    except BrokenPipeError:  # the reader went away while the command still ran: it stopped there
        _drop_stdout()
        say(f"tui-inkasso {args.command}: utdata kunde inte skrivas (läsaren stängde röret); "
            "kommandot avbröts", err=True)
        return 1
    try:
        if want_json:
            say(to_json(output.data))
        elif output.text:
            say(output.text)
        sys.stdout.flush()
    except BrokenPipeError:
        # `collect ... | head`: the work is done and committed; the reader wanted no more of it
        _drop_stdout()
    except KeyboardInterrupt:
        return _interrupted(
            f"tui-inkasso {args.command}: avbrutet (Ctrl-C) medan resultatet skrevs ut: körningen "
            "är redan sparad, bara utskriften är ofullständig; kör inte om den för att se resultatet "
            "utan se efter i reskontran")
    return output.exit_code


def _drop_stdout() -> None:
    """Point stdout at /dev/null after a broken pipe, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (stdout replaced in-process)
        pass


def _app_start(argv: list[str]) -> str | None:
    """The --db value ("" for none) when the command line just starts the app, else None.

    Building the full parser imports every command module and what they need (PDF, Excel,
    XML, SSH: most of a second), which starting the app does not; the menu must be up within
    a second.
    """
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        return None
    parser = common_options()
    parser.exit_on_error = False  # the full parser reports a mistake, once and with the right name
    try:
        known, rest = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    if rest:
        return None
    return getattr(known, "db", None) or ""


def _dispatch(args: argparse.Namespace, db_arg: str | None) -> Output:
    from tui_inkasso.services.errors import UserError
    from tui_inkasso.services.file_access import restrict_new_files

    needs_db = getattr(args, "needs_db", True)
    restrict_new_files()  # before anything is written: no file of ours is readable by others
    try:
        if needs_db:
            args.ledger_created = _open(db_arg, create=getattr(args, "creates_ledger", False))
            if not args.ledger_created:
                _recover_unfinished_runs(getattr(args, "recovers", ()))
        return args.handler(args)
    except UserError as exc:
        raise CliError(str(exc), exc.exit_code) from None
    except OSError as exc:
        raise CliError(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1) from None
    except Exception as exc:
        if _is_database_error(exc):
            raise CliError(_database_problem(exc, args.command), 1) from None
        raise


def _recover_unfinished_runs(skip: Sequence[str]) -> None:
    """Finish what a crashed run left (a collection run's agency file, a balance file, a dunning
    run's letters) before the command does anything else, as the app and the daemon do at start:
    a ledger used only from the command line must not keep a committed file hidden (issue 14
    item 5). What was done is said on stderr; a problem never stops the command. ``skip``: the
    kinds a command recovers and reports itself (its parser's ``recovers`` default)."""
    from tui_inkasso.services.startup import recover_at_start

    for note in recover_at_start(skip):
        say(f"tui-inkasso: {note.title}: {note.text}", err=True)


def _is_database_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("peewee", "sqlite3", "psycopg2")


_CONNECTION_LOST = ("connection already closed", "server closed the connection", "terminating connection",
                    "connection not open", "could not receive data from server")
"""psycopg2's words for a connection the server ended (a run's rollback then only finds it closed)."""


def _database_problem(exc: BaseException, command: str) -> str:
    """One line for a database error: a lock held too long by another run (the daemon's balance
    file, another staff member's import) in words and with what to do, anything else as it is."""
    text = str(exc).strip()
    if any(words in text.lower() for words in ("database is locked", "lock timeout", "could not obtain lock",
                                              "deadlock detected", "could not serialize")):
        return (f"databasen är upptagen av en annan körning (till exempel tjänsten tui-inkasso daemon) "
                f"och blev inte ledig i tid: {command} avbröts; försök igen om en stund")
    if any(words in text.lower() for words in _CONNECTION_LOST):
        return (f"förbindelsen med databasen bröts (servern stängde den eller startades om): {command} "
                "avbröts, och det som inte hann sparas ångrades; kör igen när databasen svarar")
    return f"databasfel: {text or type(exc).__name__}"


def _open(db_arg: str | None, *, create: bool = False) -> bool:
    """Open (and migrate) the ledger; True when ``create`` made a new one.

    Only commands that set ``creates_ledger`` (``init``, ``demo``) may create one; the app and
    every other command refuse a database without a ledger, naming it (a mistyped --db)."""
    from tui_inkasso.db.connection import (
        DatabaseUrlError,
        LedgerMissing,
        open_database,
        resolve_database_url,
    )
    from tui_inkasso.db.migrations import MigrationError
    from tui_inkasso.services.file_access import apply_group_setting, restrict_new_files

    try:
        url = resolve_database_url(db_arg)
        restrict_new_files()  # a new database, its -wal/-shm and its folder: the owner's only
        try:
            open_database(url, create=False)
        except LedgerMissing:
            if not create:
                raise
            open_database(url, create=True)
            _check_user()
            apply_group_setting(url)
            return True
        _check_user()
        apply_group_setting(url)  # the staff group of the settings, if any; older files into line
        return False
    except (DatabaseUrlError, MigrationError) as exc:
        raise CliError(str(exc), 1) from None
    except Exception as exc:  # a database that cannot be reached or read
        if type(exc).__module__.startswith(("peewee", "psycopg2", "sqlite3")):
            raise CliError(f"databasen kan inte öppnas: {exc}".strip(), 1) from None
        raise


def _check_user() -> None:
    """The user must be a user of the ledger before anything else: a stranger is told at once,
    in one line, and the first user of a ledger without users becomes its administrator
    (``services.permissions``)."""
    from tui_inkasso.services.permissions import PermissionRefused, session_role

    try:
        session_role()
    except PermissionRefused as exc:
        raise CliError(str(exc), exc.exit_code) from None


def _run_app(db_arg: str | None) -> int:
    """Start the terminal app (the only path that imports Textual).

    The cyclic garbage collector is off until the menu's first frame is drawn (the app turns it
    back on, ``InkassoApp.on_ready``): the start creates some 60,000 tracked objects that nearly
    all live on (modules, classes, CSS rules, widgets), and the collections they triggered took
    40-70 ms of the start (5-8 %, bench/bench_ledger.py) to find the 2,000 or so that the first
    collection after the start frees anyway.
    """
    gc.disable()
    try:
        try:
            _open(db_arg)
        except CliError as exc:
            say(f"tui-inkasso: {exc}", err=True)
            return exc.exit_code
        from tui_inkasso.app import InkassoApp

        app = InkassoApp()
        app.run()  # the app itself finishes crashed runs' files, after its first frame
        return app.return_code or 0  # 1 after a crash (the traceback is on stderr)
    finally:
        gc.enable()
