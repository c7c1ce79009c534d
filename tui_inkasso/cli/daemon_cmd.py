"""`tui-inkasso daemon [--once]`: run the scheduled services and the outbox, headless."""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the daemon command."""
    cmd = subparsers.add_parser(
        "daemon", parents=[parent], help="kör schemalagda tjänster och utkorgen (utan skärm)",
        description="Kör schemalagda tjänster och skickar filer i utkorgen. Stoppas med SIGTERM "
        "eller Ctrl+C efter pågående körning. Se docs/daemon.md för systemd.",
    )
    cmd.add_argument("--once", action="store_true",
                     help="kör det som är förfallet (även missade körningar) och utkorgen, avsluta sedan")
    cmd.set_defaults(handler=_daemon, recovers=("balance", "collection", "letters"))  # at its own start, into its log


def _daemon(args: argparse.Namespace) -> Output:
    from tui_inkasso.daemon import run_daemon
    from tui_inkasso.db.connection import resolve_database_url

    code = run_daemon(resolve_database_url(getattr(args, "db", None)), once=args.once)
    return Output({"exit_code": code, "once": args.once}, "", exit_code=code)
