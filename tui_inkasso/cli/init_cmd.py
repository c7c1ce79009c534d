"""`tui-inkasso init`: create a new, empty ledger where ``--db`` (or the default) points.

Every other command, and the app, refuses a database that holds no ledger yet, naming it, so
that a mistyped ``--db`` or ``TUI_INKASSO_DB`` is noticed instead of quietly starting an empty
ledger in a new folder. A ledger is created on purpose, here (empty, to import into) or by
``tui-inkasso demo`` (with demo data).
"""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.services import ledger_location, users


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the init command."""
    cmd = subparsers.add_parser(
        "init",
        parents=[parent],
        help="skapa en ny, tom reskontra (databas) där --db pekar",
        description="Skapar en ny, tom reskontra: SQLite-filen (och dess mapp) eller tabellerna i en "
        "tom PostgreSQL-databas. Finns reskontran redan ändras ingenting. Appen och de andra "
        "kommandona öppnar bara en reskontra som finns; demodata skapas med tui-inkasso demo.",
    )
    cmd.set_defaults(handler=_run, creates_ledger=True)


def _run(args: argparse.Namespace) -> Output:
    created = bool(getattr(args, "ledger_created", False))
    where = ledger_location.full_description()
    data = {"created": created, "database": where}
    if created:
        you = users.who_am_i()
        data["administrator"] = you.login
        return Output(data, f"Ny, tom reskontra skapad: {where}. {you.login} är dess administratör "
                      "(fler användare: tui-inkasso users add).")
    return Output(data, f"Det finns redan en reskontra i {where}; inget ändrat.")
