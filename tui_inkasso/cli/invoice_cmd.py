"""`tui-inkasso invoice NUMBER`: one invoice's state, for people or (with --json) for scripts."""

from __future__ import annotations

import argparse
from typing import Any

from tui_inkasso.cli.common import Output
from tui_inkasso.services import invoice_detail


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the invoice command."""
    cmd = subparsers.add_parser(
        "invoice",
        parents=[parent],
        help="visa en faktura: status, saldo, kravnivå, ärende, betalningar",
        description="Visa en fakturas läge. NUMBER är fakturanumret (eller OCR-numret).",
    )
    cmd.add_argument("number", metavar="NUMBER", help="fakturanummer eller OCR-nummer")
    cmd.set_defaults(handler=_show)


def _show(args: argparse.Namespace) -> Output:
    state = invoice_detail.invoice_state(args.number)
    return Output(state, _text(state))


def _text(state: dict[str, Any]) -> str:
    """A short Swedish summary (amounts as in JSON, dates ISO) for a terminal."""
    customer = state["customer"]
    lines = [
        f"Faktura {state['number']} ({state['kind']}), OCR {state['ocr']}",
        f"Kund: {customer['number']} {customer['name']} ({customer['national_id']})",
        f"Fakturadatum {state['invoice_date']}, förfallodag {state['due_date']}",
        f"Belopp {state['amount']}, saldo {state['balance']}, avgifter {state['fees']}, ränta {state['interest']}, "
        f"att betala {state['open_total']}",
        f"Status: {state['status_text']}",
    ]
    if state["dunning_level"]:
        lines.append(
            f"Kravnivå {state['dunning_level']} ({state['dunning_level_name']}), "
            f"sista betaldag {state['dunning_deadline']}"
        )
    if state["collection_case"]:
        case = state["collection_case"]
        lines.append(f"Inkassoärende {case['number']} ({case['system']}, {case['status']})")
    if state["excluded"]:
        lines.append(f"Undantagen från inkasso: {state['excluded']['reason']}")
    for key, label in (("dunning_block", "Kravspärr"), ("customer_dunning_block", "Kravspärr på kunden")):
        if state[key]:
            lines.append(f"{label}: {state[key]['reason']}")
    if state["payments"]:
        lines.append("Betalningar:")
        lines += [f"  {p['date']}  {p['amount']:>12}  {p['method']}" for p in state["payments"]]
    if state["charges"]:
        lines.append("Avgifter och ränta:")
        lines += [f"  {c['charged_on']}  {c['kind_text']:<17} {c['amount']:>10}  kvar {c['open']:>10}  {c['origin']}"
                  for c in state["charges"]]
    return "\n".join(lines)
