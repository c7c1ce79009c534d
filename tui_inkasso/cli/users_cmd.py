"""`tui-inkasso users list | add LOGIN --role ROLE | set-role LOGIN ROLE | remove LOGIN`.

Who may use the ledger and with which role (issue 17, docs/permissions.md). Only an
administrator may change them; the last administrator cannot be removed or given another role.
"""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output, say
from tui_inkasso.services import users

ROLE_HELP = "reader (Läsare), clerk (Handläggare) eller admin (Administratör)"


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the users command."""
    cmd = subparsers.add_parser(
        "users", parents=[parent], help="användare och deras roller",
        description="Vilka som får använda reskontran och vad de får göra (Inställningar → Användare): "
        "Läsare läser och tar ut rapporter, Handläggare gör körningar, Administratör ändrar "
        "inställningar och användare. Användaren är inloggningen (SQLite) eller databasrollen "
        "(PostgreSQL); på PostgreSQL får databasrollen samma rättigheter.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[parent], help="alla användare och deras roller")
    listing.set_defaults(handler=_list)
    add = sub.add_parser("add", parents=[parent], help="lägg till en användare")
    add.add_argument("login", help="inloggningen (SQLite) eller databasrollen (PostgreSQL)")
    add.add_argument("--role", required=True, help=f"rollen: {ROLE_HELP}")
    add.set_defaults(handler=_add)
    change = sub.add_parser("set-role", parents=[parent], help="ge en användare en annan roll")
    change.add_argument("login", help="användaren")
    change.add_argument("role", help=f"den nya rollen: {ROLE_HELP}")
    change.set_defaults(handler=_set_role)
    remove = sub.add_parser("remove", parents=[parent], help="ta bort en användare")
    remove.add_argument("login", help="användaren")
    remove.set_defaults(handler=_remove)


def _list(args: argparse.Namespace) -> Output:
    members = users.list_users()
    width = max([len(m.login) for m in members] + [len("Användare")])
    lines = [f"{'Användare'.ljust(width)}  {'Roll':<13}  Tillagd av"]
    lines += [f"{m.login.ljust(width)}  {m.role_label:<13}  {m.added_by} {m.added_at:%Y-%m-%d %H:%M}"
              + ("  (du)" if m.is_you else "") for m in members]
    return Output({"users": [m.as_json() for m in members]}, "\n".join(lines))


def _changed(change: users.UserChange, text: str) -> Output:
    for note in change.notes:
        say(f"tui-inkasso users: obs: {note}", err=True)
    return Output({"user": change.member.as_json(), "notes": list(change.notes)}, text)


def _add(args: argparse.Namespace) -> Output:
    change = users.add_user(args.login, args.role)
    return _changed(change, f"{change.member.login} är nu användare: {change.member.role_label}.")


def _set_role(args: argparse.Namespace) -> Output:
    change = users.set_role(args.login, args.role)
    return _changed(change, f"{change.member.login} är nu {change.member.role_label}.")


def _remove(args: argparse.Namespace) -> Output:
    login = users.check_login(args.login)
    users.remove_user(login)
    return Output({"removed": login}, f"{login} är inte längre användare i reskontran.")
