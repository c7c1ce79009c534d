"""`tui-inkasso settings show | get KEY | set KEY VALUE`."""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.services import settings


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the settings command."""
    cmd = subparsers.add_parser("settings", parents=[parent], help="visa eller ändra inställningar",
                                description="Inställningarna (Meny → Inställningar). Ett nytt värde kontrolleras "
                                "innan det sparas, med samma regler som i appen.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("show", parents=[parent], help="alla inställningar och deras värden")
    show.set_defaults(handler=_show)
    get = sub.add_parser("get", parents=[parent], help="en inställnings värde")
    get.add_argument("key", help="inställningens namn, t.ex. collection.system (se settings show)")
    get.set_defaults(handler=_get)
    put = sub.add_parser("set", parents=[parent], help="kontrollera och spara ett värde")
    put.add_argument("key", help="inställningens namn, t.ex. collection.system (se settings show)")
    put.add_argument("value", help="det nya värdet")
    put.set_defaults(handler=_set)


def _show(args: argparse.Namespace) -> Output:
    values = settings.all_settings()
    width = max(len(k) for k in values)
    lines = [f"{key.ljust(width)}  {value}" for key, value in values.items()]
    return Output({"settings": values}, "\n".join(lines))


def _get(args: argparse.Namespace) -> Output:
    value = settings.get_setting(args.key)
    return Output({"key": args.key, "value": value}, value)


def _set(args: argparse.Namespace) -> Output:
    value = settings.set_setting(args.key, args.value)
    return Output({"key": args.key, "value": value}, f"{args.key} = {value}")
