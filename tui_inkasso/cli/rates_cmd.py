"""`tui-inkasso rates list | set HALVÅR RÄNTA`: the Riksbank's reference rate per half year.

A server run without the app (the daemon, scheduled runs) must be able to enter the rate of a
new half year: from 1 January and 1 July every reminder, demand and collection run that needs
the half year is refused until its rate is in the table (docs/dunning.md, "The reference
rate"). The command saves through the same service as Inställningar → Alternativ –
Påminnelse/krav, with the same checks and the same audit entry.
"""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output, date_arg
from tui_inkasso.domain.interest import ReferenceRate, format_rate_bp, missing_half_years
from tui_inkasso.domain.money import format_amount
from tui_inkasso.domain.reference_rates import (
    RateInputError,
    command_to_enter,
    half_year_label,
    parse_rate_percent,
)
from tui_inkasso.services.clock import today
from tui_inkasso.services.dunning_levels import get_reference_rates, set_reference_rate
from tui_inkasso.services.errors import UserError


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the rates command."""
    cmd = subparsers.add_parser(
        "rates", parents=[parent], help="visa eller lägg in referensräntor (räntelagen 9 §)",
        description="Riksbankens referensränta per kalenderhalvår, som dröjsmålsräntan räknas från "
        "(samma tabell som Inställningar, Alternativ – Påminnelse/krav). En körning som behöver ett "
        "halvår utan ränta vägras tills räntan är inlagd.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("list", parents=[parent], help="tabellen och halvår som saknar ränta")
    show.set_defaults(handler=_list)
    put = sub.add_parser(
        "set", parents=[parent], help="lägg in eller rätta ett halvårs ränta",
        description="Lägg in eller rätta referensräntan för ett kalenderhalvår. Ändringen "
        "kontrolleras och förs in i granskningsloggen som i appen. En negativ ränta skrivs "
        "efter --, t.ex. rates set 2016-01-01 -- -0,50.")
    put.add_argument("valid_from", type=date_arg, metavar="HALVÅR",
                     help="halvårets första dag: ÅÅÅÅ-01-01 eller ÅÅÅÅ-07-01")
    put.add_argument("rate", metavar="RÄNTA", help="räntan i procent med högst två decimaler, t.ex. 2,00 eller 2.00")
    put.set_defaults(handler=_set)


def _list(args: argparse.Namespace) -> Output:
    rates = get_reference_rates()
    missing = missing_half_years(rates, today())
    lines = ["Referensräntor (räntelagen 9 §), från:"]
    lines += [f"  {rate.valid_from.isoformat()}  {format_rate_bp(rate.rate_bp).rjust(8)}" for rate in rates]
    for start in missing:
        lines.append(f"Saknas: {half_year_label(start)} (lägg in med {command_to_enter(start)})")
    data = {"rates": [_rate_json(rate) for rate in rates], "missing": [start.isoformat() for start in missing]}
    return Output(data, "\n".join(lines))


def _set(args: argparse.Namespace) -> Output:
    try:
        rate_bp = parse_rate_percent(args.rate)
    except RateInputError as exc:
        raise UserError(f"referensräntan sparades inte: {exc}") from None
    old, _ = set_reference_rate(args.valid_from, rate_bp)
    start = args.valid_from.isoformat()
    if old is None:
        text = f"Referensräntan från {start}: {format_rate_bp(rate_bp)} (inlagd)"
    elif old == rate_bp:
        text = f"Referensräntan från {start}: {format_rate_bp(rate_bp)} (oförändrad)"
    else:
        text = f"Referensräntan från {start}: {format_rate_bp(rate_bp)} (var {format_rate_bp(old)})"
    data = {"valid_from": start, "rate": format_amount(rate_bp),
            "old_rate": None if old is None else format_amount(old), "changed": old != rate_bp}
    return Output(data, text)


def _rate_json(rate: ReferenceRate) -> dict[str, str]:
    """A row in JSON: the rate in percent as a string, "2.00", as amounts are."""
    return {"valid_from": rate.valid_from.isoformat(), "rate": format_amount(rate.rate_bp)}
