"""The standard selection as command-line options, shared by dunning-run, collect and the rest."""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import date_arg
from tui_inkasso.services.selection import Selection


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """--owner, --property, --area, --object-type, --customer (repeatable), --kind, --due-from/--due-to."""
    group = parser.add_argument_group("standardurval")
    group.add_argument("--owner", action="append", default=[], metavar="CODE", help="ägarens kod (kan upprepas)")
    group.add_argument("--property", action="append", default=[], metavar="CODE", help="fastighetens kod (kan upprepas)")
    group.add_argument("--area", action="append", default=[], metavar="AREA", help="område (kan upprepas)")
    group.add_argument("--object-type", action="append", default=[], metavar="CODE", help="objektstypens kod (kan upprepas)")
    group.add_argument("--customer", action="append", default=[], metavar="NUMBER", help="kundnummer (kan upprepas)")
    group.add_argument("--kind", choices=["rent", "direct", "both"], default="both", help="fakturatyp: rent = hyresfakturor, direct = direktfakturor, both = båda (standard: both)")
    group.add_argument("--due-from", type=date_arg, metavar="DATE", help="förfallodag från (ÅÅÅÅ-MM-DD)")
    group.add_argument("--due-to", type=date_arg, metavar="DATE", help="förfallodag till (ÅÅÅÅ-MM-DD)")


def selection_from_args(args: argparse.Namespace) -> Selection:
    """The Selection the options describe."""
    kinds = () if args.kind == "both" else (args.kind,)
    return Selection(
        owners=tuple(args.owner),
        properties=tuple(args.property),
        areas=tuple(args.area),
        object_types=tuple(args.object_type),
        customers=tuple(args.customer),
        kinds=kinds,
        due_from=args.due_from,
        due_to=args.due_to,
    )
