"""The register of socialnämnd addresses: `tui-inkasso socialnamnd list|set|import|remove|property`.

A termination of a dwelling for unpaid rent needs a notice to socialnämnden of the municipality
where it lies (12 kap. 44 § jordabalken); the run stops for a municipality without an address.
``--json`` prints one object.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui_inkasso.cli.common import Output


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the socialnamnd command and its actions."""
    cmd = subparsers.add_parser(
        "socialnamnd", parents=[parent], help="socialnämndernas adresser per kommun",
        description="Registret över socialnämndernas adresser: dit går meddelandet när en bostadshyresgäst "
        "sägs upp för obetald hyra (12 kap. 44 § jordabalken).")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[parent], help="kommuner och adresser (och kommuner som saknar adress)")
    listing.set_defaults(handler=_list)
    put = sub.add_parser("set", parents=[parent], help="lägg in eller ändra en kommuns adress")
    put.add_argument("municipality", metavar="MUNICIPALITY", help="kommunen, t.ex. Uppsala")
    put.add_argument("--address", required=True, metavar="TEXT",
                     help="postadressen, raderna åtskilda med komma: \"Socialförvaltningen, Box 1, 751 04 Uppsala\"")
    put.add_argument("--email", default="", help="nämndens e-postadress (om någon)")
    put.set_defaults(handler=_set)
    imp = sub.add_parser("import", parents=[parent], help="läs in adresser från en fil (kommun;adress;e-post)")
    imp.add_argument("file", type=Path, metavar="FILE",
                     help="CSV med rubrikraden kommun;adress (och e-post), en kommun per rad")
    imp.set_defaults(handler=_import)
    remove = sub.add_parser("remove", parents=[parent], help="ta bort en kommuns adress")
    remove.add_argument("municipality", metavar="MUNICIPALITY", help="kommunen")
    remove.set_defaults(handler=_remove)
    prop = sub.add_parser("property", parents=[parent], help="ange vilken kommun en fastighet ligger i")
    prop.add_argument("property", metavar="PROPERTY", help="fastighetens kod")
    prop.add_argument("municipality", metavar="MUNICIPALITY", help="kommunen")
    prop.set_defaults(handler=_property)


def _board_json(board: Any) -> dict[str, Any]:
    return {"municipality": board.municipality, "address": list(board.address), "email": board.email or None,
            "properties": board.properties, "registered": board.registered,
            "changed_at": board.changed_at, "changed_by": board.changed_by or None}


def _list(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.socialnamnd import list_boards

    boards = list_boards()
    lines = [f"{b.municipality:<20} {', '.join(b.address) if b.registered else 'ADRESS SAKNAS'}"
             + (f" ({b.properties} fastigheter)" if b.properties else "") for b in boards]
    missing = sum(1 for b in boards if not b.registered)
    lines.append(f"{len(boards) - missing} kommuner med adress" + (f", {missing} saknar adress" if missing else "") + ".")
    return Output({"municipalities": [_board_json(b) for b in boards]}, "\n".join(lines))


def _set(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.socialnamnd import set_board

    board = set_board(args.municipality, args.address, args.email)
    return Output(_board_json(board), f"Socialnämnden i {board.municipality}: {', '.join(board.address)}")


def _import(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.socialnamnd import import_boards

    result = import_boards(args.file)
    return Output({"file": str(result.file), "new": result.new, "changed": result.changed,
                   "unchanged": result.unchanged}, result.message)


def _remove(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.socialnamnd import remove_board

    remove_board(args.municipality)
    return Output({"removed": args.municipality}, f"{args.municipality}: adressen borttagen.")


def _property(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.rent_objects import set_property_municipality

    name = set_property_municipality(args.property, args.municipality)
    return Output({"property": args.property, "municipality": name}, f"Fastigheten {args.property} ligger i {name}.")
