"""`tui-inkasso approvals list | approve ID | reject ID`: four eyes on payment routing and data
egress (issue 17, docs/permissions.md).

A change of the agency's bankgiro/plusgiro, the upload server and its files, the e-mail server,
an owner's giro numbers and accounts, or a scheduled service's e-mail recipients waits here until
another administrator approves it; the old value is in force until then (``settings get`` prints
it).
"""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.domain.codes import ProposalStatus
from tui_inkasso.services import approvals


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the approvals command."""
    cmd = subparsers.add_parser(
        "approvals", parents=[parent], help="ändringar som väntar på en andra administratör",
        description="Ändringar av betalningsvägar och mottagare (inkassobolagets bankgiro, FTP-servern, "
        "e-postservern, ägarnas bankgiro och konton, tjänsternas e-postmottagare) gäller först när en "
        "annan administratör än den som föreslog dem har godkänt dem.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[parent], help="förslag som väntar på godkännande")
    listing.add_argument("--all", action="store_true", help="även godkända, avslagna och ersatta förslag")
    listing.set_defaults(handler=_list)
    approve = sub.add_parser("approve", parents=[parent], help="godkänn ett förslag (inte ditt eget)")
    approve.add_argument("id", type=int, help="förslagets nummer (se approvals list)")
    approve.set_defaults(handler=_approve)
    reject = sub.add_parser("reject", parents=[parent], help="avslå ett förslag")
    reject.add_argument("id", type=int, help="förslagets nummer (se approvals list)")
    reject.set_defaults(handler=_reject)


def _list(args: argparse.Namespace) -> Output:
    found = approvals.list_approvals(status=None if args.all else ProposalStatus.PENDING.value)
    if not found:
        return Output({"approvals": []}, "Inga förslag väntar på godkännande." if not args.all else "Inga förslag.")
    lines = []
    for p in found:
        status = "" if p.status == ProposalStatus.PENDING.value else f" [{p.status_label}]"
        lines.append(f"{p.id:>4}  {p.key}{status}\n      {p.label}: {p.old_text} → {p.new_text}\n"
                     f"      föreslagen av {p.proposed_by} {p.proposed_at:%Y-%m-%d %H:%M}")
    return Output({"approvals": [p.as_json() for p in found]}, "\n".join(lines))


def _approve(args: argparse.Namespace) -> Output:
    done = approvals.approve(args.id)
    return Output({"approval": done.as_json()},
                  f"Förslag {done.id} godkänt: {done.label} är nu {done.new_text}.")


def _reject(args: argparse.Namespace) -> Output:
    done = approvals.reject(args.id)
    return Output({"approval": done.as_json()},
                  f"Förslag {done.id} avslaget: {done.label} är fortfarande {done.old_text}.")
