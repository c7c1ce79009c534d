"""`tui-inkasso demo [--invoices N] [--seed S] [--reset] [--if-missing]`."""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.services import demo


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the demo command."""
    cmd = subparsers.add_parser(
        "demo",
        parents=[parent],
        help="fyll databasen med demodata (två års reskontra)",
        description="Skapar en realistisk demoreskontra: ägare, fastigheter, objekt, kunder, "
        "hyres- och direktfakturor med betalningar, påminnelser, krav och inkassoärenden.",
    )
    cmd.add_argument("--invoices", type=_count, default=demo.DEFAULT_INVOICES, metavar="N",
                     help=f"antal fakturor (standard: {demo.DEFAULT_INVOICES})")
    cmd.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, metavar="S",
                     help=f"slumpfrö: samma frö och dag ger samma data (standard: {demo.DEFAULT_SEED})")
    cmd.add_argument("--reset", action="store_true", help="töm reskontran först (allt utom inställningar)")
    cmd.add_argument("--if-missing", action="store_true",
                     help="gör ingenting om databasen redan har en reskontra")
    cmd.set_defaults(handler=_run, creates_ledger=True)


def _count(text: str) -> int:
    """argparse type: a whole number (underscores allowed: 1_000_000); the service checks range."""
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"inget heltal: {text!r}") from None


def _run(args: argparse.Namespace) -> Output:
    summary = demo.create_demo(args.invoices, args.seed, args.reset, if_missing=args.if_missing)
    data = {
        "created": summary.created,
        "invoices": summary.invoices,
        "seed": summary.seed,
        "today": summary.today,
        "reset": summary.reset,
        "seconds": summary.seconds,
        "counts": summary.counts,
        "deleted": summary.deleted,
        "database_bytes": summary.database_bytes,
    }
    if not summary.created:
        return Output(data, f"Databasen har redan en reskontra ({summary.invoices} fakturor); inget ändrat.")
    rows = sum(summary.counts.values())
    lines = [
        f"Demodata skapad: {summary.invoices} fakturor, {rows} rader, frö {summary.seed}, "
        f"dag {summary.today.isoformat()}, {summary.seconds:.1f} s.",
        *(f"  {table:<22} {count:>10}" for table, count in summary.counts.items()),
    ]
    return Output(data, "\n".join(lines))
