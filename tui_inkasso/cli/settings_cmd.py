"""`tui-inkasso settings show | get KEY | set KEY VALUE`.

``get`` prints the value in force. ``set`` of a payment-routing or data-egress key
(``settings.FOUR_EYES_KEYS``) makes a proposal that another administrator approves (``tui-inkasso
approvals``); the old value stays in force until then.
"""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.services import approvals, settings


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
    saved = settings.save_settings({args.key: args.value})
    value = saved.values[args.key]
    waiting = (saved.proposals[0] if saved.proposals else
               approvals.pending_for(approvals.SETTING, args.key).get(args.key)
               if args.key in settings.FOUR_EYES_KEYS else None)
    if waiting is None:
        return Output({"key": args.key, "value": value}, f"{args.key} = {value}")
    alone = ("; reskontran har ingen annan administratör än du: lägg till en (tui-inkasso users add LOGIN "
             "--role admin)" if waiting.waits_for_second_admin else "")
    return Output({"key": args.key, "value": settings.get_setting(args.key), "proposal": waiting.as_json()},
                  f"{args.key}: förslag {waiting.id} väntar på godkännande av en annan administratör: "
                  f"{waiting.old_text} → {waiting.new_text} (tui-inkasso approvals approve {waiting.id}); "
                  f"till dess gäller {waiting.old_text}{alone}")
