"""`tui-inkasso trust-host [URL] [--yes]` and `tui-inkasso outbox list | send [ID]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui_inkasso.cli.common import CliError, Output, say
from tui_inkasso.services import outbox
from tui_inkasso.services.outbox import DeliveryResult, OutboxEntry
from tui_inkasso.services.settings import get_setting


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the trust-host and outbox commands."""
    trust = subparsers.add_parser(
        "trust-host", parents=[parent], help="lita på en SFTP-servers värdnyckel (known_hosts)",
        description="Visar SFTP-serverns nyckel (SHA256-fingeravtryck) och sparar den i "
        "known_hosts när du bekräftat den. Jämför fingeravtrycket med inkassobolagets.",
    )
    trust.add_argument("url", nargs="?", default=None,
                       help="sftp://user@host[:port]/dir (standard: collection.upload_url)")
    trust.add_argument("--yes", action="store_true", help="fråga inte (fingeravtrycket är kontrollerat)")
    trust.set_defaults(handler=_trust_host)

    box = subparsers.add_parser("outbox", parents=[parent], help="utkorgen: filer till inkassobolaget")
    sub = box.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[parent], help="filer i utkorgen, nyaste först")
    listing.add_argument("--status", choices=[s.value for s in outbox.OutboxStatus], default=None,
                         help="bara filer med den här statusen (waiting = väntar, sending = skickas, "
                         "sent = skickad, failed = misslyckad)")
    listing.set_defaults(handler=_list)
    send = sub.add_parser("send", parents=[parent],
                          help="skicka det som väntar; med ID: skicka den filen igen")
    send.add_argument("id", type=int, nargs="?", default=None, help="filens id (från list)")
    send.set_defaults(handler=_send)


def _trust_host(args: argparse.Namespace) -> Output:
    url = args.url or get_setting("collection.upload_url")
    if not url:
        raise CliError("ingen URL angiven och collection.upload_url är tom: tui-inkasso trust-host sftp://user@host/dir")
    shown = outbox.show_host_key(url)
    if not args.yes:
        _confirm(shown.host, shown.keytype, shown.fingerprint, getattr(args, "json", False))
    trusted = outbox.trust_host_key(url, shown.fingerprint)
    data = {"host": trusted.host, "keytype": trusted.keytype,
            "fingerprint": trusted.fingerprint, "known_hosts": str(trusted.known_hosts)}
    return Output(data, f"Betrodd: {trusted.host} {trusted.keytype} {trusted.fingerprint} (i {trusted.known_hosts})")


def _confirm(host: str, keytype: str, fingerprint: str, want_json: bool) -> None:
    """Show the key and ask; without a terminal (or with --json) only --yes may confirm."""
    if want_json or not sys.stdin.isatty():
        raise CliError(
            f"SFTP-servern {host} visar nyckeln {keytype} {fingerprint}; jämför fingeravtrycket med "
            "inkassobolagets och bekräfta med --yes (ingen terminal att fråga på)"
        )
    say(f"SFTP-servern {host} visar nyckeln {keytype} {fingerprint}")
    say("Jämför fingeravtrycket med det inkassobolaget har gett dig.")
    answer = input("Lita på nyckeln? Skriv ja: ").strip().lower()
    if answer not in ("ja", "j", "yes", "y"):
        raise CliError("inte betrodd: inget sparades", 1)


def _list(args: argparse.Namespace) -> Output:
    entries = outbox.list_outbox(args.status)
    data = {"files": [_entry_json(e) for e in entries], "counts": outbox.status_counts()}
    if not entries:
        return Output(data, "Utkorgen är tom.")
    lines = [f"{'ID':>5}  {'Status':<11} {'Fil':<36} {'Skapad':<16}  Händelse"]
    for e in entries:
        lines.append(f"{e.id:>5}  {e.status_label:<11} {e.file_name[:36]:<36} "
                     f"{e.created_at:%Y-%m-%d %H:%M}  {_event(e)}")
    return Output(data, "\n".join(lines))


def _send(args: argparse.Namespace) -> Output:
    results = [outbox.resend(args.id)] if args.id is not None else outbox.deliver_pending()
    data = {"results": [_result_json(r) for r in results]}
    if not results:
        return Output(data, "Inget att skicka just nu.")
    lines = [_result_text(r) for r in results]
    failed = any(r.status != "sent" for r in results)
    return Output(data, "\n".join(lines), exit_code=1 if failed else 0)


def _event(e: OutboxEntry) -> str:
    if e.status == "sent":
        return f"skickad {e.sent_at:%Y-%m-%d %H:%M} som {e.remote_path}" if e.sent_at else "skickad"
    if e.status == "waiting" and e.last_error:
        when = f"{e.next_attempt_at:%H:%M}" if e.next_attempt_at else "snart"
        return f"nytt försök {when}: {e.last_error}"
    return e.last_error


def _result_text(r: DeliveryResult) -> str:
    name = Path(r.path).name
    if r.status == "sent":
        return f"{r.outbox_id}: {name} skickad som {r.remote_path}" + (
            " (fanns redan på servern)" if r.already_delivered else "")
    if r.status == "waiting":
        return f"{r.outbox_id}: {name} väntar, nytt försök {r.next_attempt_at:%Y-%m-%d %H:%M}: {r.error}"
    return f"{r.outbox_id}: {name} misslyckades: {r.error}"


def _entry_json(e: OutboxEntry) -> dict[str, Any]:
    return {
        "id": e.id, "file": e.path, "kind": e.kind, "target": e.target_url, "status": e.status,
        "attempts": e.attempts, "next_attempt_at": e.next_attempt_at, "error": e.last_error,
        "created_at": e.created_at, "sent_at": e.sent_at, "remote_path": e.remote_path,
        "size": e.size, "sha256": e.sha256, "local_file_exists": e.local_exists,
    }


def _result_json(r: DeliveryResult) -> dict[str, Any]:
    return {
        "id": r.outbox_id, "file": r.path, "status": r.status, "remote_path": r.remote_path,
        "error": r.error, "reason": r.reason, "already_delivered": r.already_delivered,
        "attempts": r.attempts, "next_attempt_at": r.next_attempt_at,
    }
