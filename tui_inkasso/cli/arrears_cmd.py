"""Rent arrears: `tui-inkasso arrears` (docs/rent-arrears.md).

* ``arrears list [--date D] [selection]``: the contracts whose rent is unpaid past the limit of
  12 kap. 42 § jordabalken, with each overdue rent;
* ``arrears terminate CONTRACT... [--date D] [--out DIR] [--yes]``: terminate them, with the
  letters (form 1/2) and the notices to socialnämnden (form 3);
* ``arrears served CONTRACT --date D --how METHOD``, ``arrears socialnamnd-received CONTRACT
  --date D``: what the recovery period runs from;
* ``arrears show CONTRACT``, ``arrears terminations``: the state; ``arrears summary CONTRACT``:
  what an application for eviction needs; ``arrears letters CONTRACT --out FILE``: a reprint;
* ``arrears leave-out``/``include``, ``arrears size OBJECT``, ``arrears check``.

``--json`` prints one object; amounts are strings "1234.50", dates ISO.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_inkasso.cli.common import CliError, Output, date_arg, say
from tui_inkasso.cli.selection_options import add_selection_options, selection_from_args
from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.domain.rent_arrears import RecoveryState, ServiceMethod, premises_code
from tui_inkasso.services import clock

if TYPE_CHECKING:
    from tui_inkasso.services.arrears import ArrearsContract
    from tui_inkasso.services.termination_state import TerminationView


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the arrears command and its actions."""
    cmd = subparsers.add_parser(
        "arrears", parents=[parent], help="obetald hyra: uppsägning, underrättelse, socialnämnden, återvinning",
        description="Hyresavtal med hyra som är obetald längre än 12 kap. 42 § jordabalken medger: lista, säg "
        "upp med underrättelse om återvinning (formulär 1/2) och meddelande till socialnämnden (formulär 3), "
        "registrera delgivning och socialnämndens mottagande, följ återvinningsfristen.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    date_help = "datum, ÅÅÅÅ-MM-DD (standard: i dag)"

    listing = sub.add_parser("list", parents=[parent], help="hyresavtal som får sägas upp för obetald hyra")
    listing.add_argument("--date", type=date_arg, metavar="D", help=date_help)
    add_selection_options(listing)
    listing.set_defaults(handler=_list)

    term = sub.add_parser("terminate", parents=[parent], help="säg upp hyresavtal för obetald hyra",
                          description="Säger upp hyresavtalen: ett brev med uppsägning och underrättelse om "
                          "återvinning till varje hyresgäst (en PDF) och meddelanden till socialnämnden (en PDF "
                          "per kommun). Allt registreras i en transaktion.")
    term.add_argument("contracts", nargs="+", metavar="CONTRACT", help="hyresavtalets nummer")
    term.add_argument("--date", type=date_arg, metavar="D", help="uppsägningens datum, ÅÅÅÅ-MM-DD (standard: i dag)")
    term.add_argument("--out", type=Path, metavar="DIR", help="mappen för PDF:erna (standard: brevmappen/uppsagningar)")
    term.add_argument("--yes", action="store_true", help="fråga inte")
    term.set_defaults(handler=_terminate)

    served = sub.add_parser("served", parents=[parent], help="registrera när och hur hyresgästen delgavs")
    served.add_argument("contract", metavar="CONTRACT", help="hyresavtalets nummer")
    served.add_argument("--date", type=date_arg, metavar="D", required=True, help="delgivningens datum, ÅÅÅÅ-MM-DD")
    served.add_argument("--how", metavar="METHOD", required=True, choices=[m.value for m in ServiceMethod],
                        help="delgivningssätt: " + ", ".join(f"{m.value} = {m.label.lower()}" for m in ServiceMethod))
    served.set_defaults(handler=_served)

    received = sub.add_parser("socialnamnd-received", parents=[parent],
                              help="registrera när socialnämnden fick meddelandet (bostäder)")
    received.add_argument("contract", metavar="CONTRACT", help="hyresavtalets nummer")
    received.add_argument("--date", type=date_arg, metavar="D", required=True, help="mottagandets datum, ÅÅÅÅ-MM-DD")
    received.set_defaults(handler=_received)

    show = sub.add_parser("show", parents=[parent], help="ett uppsagt hyresavtals läge och återvinningsfrist")
    show.add_argument("contract", metavar="CONTRACT", help="hyresavtalets nummer")
    show.add_argument("--date", type=date_arg, metavar="D", help=date_help)
    show.set_defaults(handler=_show)

    listing_t = sub.add_parser("terminations", parents=[parent], help="alla uppsagda hyresavtal och deras läge")
    listing_t.add_argument("--date", type=date_arg, metavar="D", help=date_help)
    listing_t.add_argument("--state", choices=[s.value for s in RecoveryState], action="append", default=[],
                           help="bara detta läge (kan upprepas): " + ", ".join(f"{s.value} = {s.label.lower()}"
                                                                             for s in RecoveryState))
    listing_t.set_defaults(handler=_terminations)

    summary = sub.add_parser("summary", parents=[parent], help="underlag för ansökan om avhysning (ej återvunnen)")
    summary.add_argument("contract", metavar="CONTRACT", help="hyresavtalets nummer")
    summary.add_argument("--date", type=date_arg, metavar="D", help=date_help)
    summary.add_argument("--out", type=Path, metavar="FILE", help="skriv underlaget som PDF hit")
    summary.set_defaults(handler=_summary)

    letters = sub.add_parser("letters", parents=[parent], help="breven som de skickades, igen (PDF)")
    letters.add_argument("contract", metavar="CONTRACT", help="hyresavtalets nummer")
    letters.add_argument("--out", type=Path, metavar="FILE", required=True, help="PDF-filen att skriva")
    letters.set_defaults(handler=_letters)

    leave = sub.add_parser("leave-out", parents=[parent], help="håll hyresavtal utanför listan, med skäl")
    leave.add_argument("contracts", nargs="+", metavar="CONTRACT", help="hyresavtalets nummer")
    leave.add_argument("--reason", required=True, help="varför (sparas med namn och tid)")
    leave.set_defaults(handler=_leave_out)

    include = sub.add_parser("include", parents=[parent], help="ta tillbaka undantagna hyresavtal till listan")
    include.add_argument("contracts", nargs="+", metavar="CONTRACT", help="hyresavtalets nummer")
    include.set_defaults(handler=_include)

    size = sub.add_parser("size", parents=[parent], help="lägenhetens storlek, som meddelandet till socialnämnden anger")
    size.add_argument("object", metavar="OBJECT", help="objektets kod")
    size.add_argument("--rooms", default="", help="antal rum, t.ex. \"2 rum och kök\"")
    size.add_argument("--area", type=int, metavar="M2", help="yta i kvadratmeter")
    size.set_defaults(handler=_size)

    check = sub.add_parser("check", parents=[parent], help="för lägena till dagens och säg vem som ska göra något "
                           "(som den schemalagda tjänsten Bevaka uppsägningar)")
    check.add_argument("--date", type=date_arg, metavar="D", help=date_help)
    check.set_defaults(handler=_check)


def _day(args: argparse.Namespace) -> dt.date:
    return getattr(args, "date", None) or clock.today()


# --------------------------------------------------------------------------- list


def contract_json(c: ArrearsContract) -> dict[str, Any]:
    """A contract of the list, in the shape the issue gives (plus what the list also shows)."""
    return {
        "contract": c.contract_number, "customer": c.customer_number, "customer_name": c.customer_name,
        "object": c.object_code, "premises": premises_code(c.premises), "owed": format_amount(c.owed),
        "overdue": [{"invoice": r.invoice_number, "due_date": r.due_date, "days_late": r.days_late,
                     "balance": format_amount(r.balance), "paid": format_amount(r.paid)} for r in c.overdue],
        "municipality": c.municipality or None, "problems": list(c.problems),
    }


def _list(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.arrears import arrears_list

    day = _day(args)
    result = arrears_list(day, selection_from_args(args))
    data = {"date": day, "contracts": [contract_json(c) for c in result.contracts],
            "left_out": [{**contract_json(c), "reason": c.excluded_reason, "by": c.excluded_by}
                         for c in result.excluded]}
    lines = [f"{c.contract_number:<16} {c.customer_number:<10} {c.customer_name[:28]:<28} "
             f"{'Bostad' if premises_code(c.premises) == 'dwelling' else 'Lokal':<7} "
             f"{format_sek(c.owed):>12} {len(c.overdue)} hyror, äldsta {c.oldest_due.isoformat()} "
             f"({c.most_days_late} dagar)" for c in result.contracts]
    lines += [f"  {c.contract_number}: {p}" for c in result.contracts for p in c.problems]
    lines.append(f"{len(result.contracts)} hyresavtal får sägas upp {day.isoformat()}; "
                 f"{len(result.excluded)} undantagna.")
    lines += result.notes
    return Output(data, "\n".join(lines))


# --------------------------------------------------------------------------- terminate


def _terminate(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.arrears import contracts_by_number
    from tui_inkasso.services.arrears_run import terminate

    day = _day(args)
    if not args.yes:
        ready, refused = contracts_by_number(args.contracts, day)
        total = sum(c.owed for c in ready.values())
        question = (f"{len(ready)} hyresavtal sägs upp {day.isoformat()} (att betala för återvinning totalt "
                    f"{format_sek(total)} kr)")
        if refused:
            question += "; kan inte sägas upp: " + "; ".join(f"{n}: {why}" for n, why in refused.items())
        _confirm(question, getattr(args, "json", False))
    result = terminate(args.contracts, day, args.out)
    data = {
        "date": day, "run": result.run_id, "letters_pdf": str(result.letters_pdf),
        "socialnamnd_pdfs": [{"municipality": m, "file": str(p)} for m, p in result.socialnamnd_pdfs.items()],
        "contracts": [{"contract": t.contract_number, "recovery_amount": format_amount(t.recovery_amount),
                       "socialnamnd": t.municipality, "premises": premises_code(t.premises)}
                      for t in result.terminated],
        "warnings": result.warnings,
    }
    lines = [f"{t.contract_number:<16} {t.customer_name[:30]:<30} {format_sek(t.recovery_amount):>12}"
             + (f" socialnämnden i {t.municipality}" if t.municipality else "") for t in result.terminated]
    lines.append(result.message)
    lines += [f"Varning: {w}" for w in result.warnings]
    return Output(data, "\n".join(lines))


def _confirm(question: str, want_json: bool) -> None:
    if want_json or not sys.stdin.isatty():
        raise CliError(f"skulle säga upp: {question}; bekräfta med --yes (ingen terminal att fråga på)")
    say(question)
    if input("Säg upp hyresavtalen? Skriv ja: ").strip().lower() not in ("ja", "j", "yes", "y"):
        raise CliError("inget sades upp", 1)


# --------------------------------------------------------------------------- state


def termination_json(view: TerminationView) -> dict[str, Any]:
    """A termination's state in the shape the issue gives (plus the dates it follows from)."""
    return {
        "contract": view.contract_number, "state": view.state.value,
        "last_day_to_recover": view.last_day, "recovery_amount": format_amount(view.recovery_amount),
        "paid_since_termination": format_amount(sum(a for _, a in view.payments)),
        "paid_in_time": format_amount(view.recovery.paid_in_time),
        "customer": view.customer_number, "customer_name": view.customer_name, "object": view.object_code,
        "premises": premises_code(view.premises), "terminated_on": view.terminated_on,
        "served_on": view.served_on, "served_how": view.served_how,
        "socialnamnd": view.municipality or None, "socialnamnd_received_on": view.socialnamnd_received_on,
        "eviction_from": view.recovery.eviction_from,
        "invoices": [r.invoice_number for r in view.rents],
    }


def _state_lines(view: TerminationView) -> list[str]:
    from tui_inkasso.domain.rent_arrears import service_method_label

    lines = [f"Hyresavtal {view.contract_number} ({view.customer_number} {view.customer_name}), "
             f"objekt {view.object_code}: {view.state_text}",
             f"Uppsagt {view.terminated_on.isoformat()}; att betala för återvinning {format_sek(view.recovery_amount)} kr, "
             f"betalt i tid {format_sek(view.recovery.paid_in_time)} kr"]
    if view.served_on:
        lines.append(f"Delgiven {view.served_on.isoformat()} ({service_method_label(view.served_how)})")
    if view.is_dwelling:
        received = view.socialnamnd_received_on.isoformat() if view.socialnamnd_received_on else "inte registrerat"
        lines.append(f"Socialnämnden i {view.municipality} fick meddelandet: {received}")
    return lines


def _show(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.termination_state import termination_for

    view = termination_for(args.contract, _day(args))
    return Output(termination_json(view), "\n".join(_state_lines(view)))


def _served(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.termination_state import record_service

    view = record_service(args.contract, args.date, args.how, clock.today())
    return Output(termination_json(view), "\n".join(_state_lines(view)))


def _received(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.termination_state import record_socialnamnd_received

    view = record_socialnamnd_received(args.contract, args.date, clock.today())
    return Output(termination_json(view), "\n".join(_state_lines(view)))


def _terminations(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.termination_state import list_terminations

    states = [RecoveryState(s) for s in args.state] or None
    views = list_terminations(_day(args), states=states)
    lines = [f"{v.contract_number:<16} {v.customer_name[:28]:<28} {v.terminated_on.isoformat()} "
             f"{format_sek(v.recovery_amount):>12} {v.state_text}" for v in views]
    lines.append(f"{len(views)} uppsagda hyresavtal.")
    return Output({"date": _day(args), "terminations": [termination_json(v) for v in views]}, "\n".join(lines))


def _summary(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.eviction_summary import (
        eviction_summary,
        summary_data,
        summary_text,
        write_summary_pdf,
    )

    summary = eviction_summary(args.contract, _day(args))
    data = summary_data(summary)
    text = summary_text(summary)
    if args.out:
        data["file"] = str(write_summary_pdf(summary, args.out))
        text += f"\nPDF: {data['file']}"
    return Output(data, text)


def _letters(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.eviction_summary import reprint

    path = reprint(args.contract, clock.today(), args.out)
    return Output({"contract": args.contract, "file": str(path)}, f"Breven för {args.contract}: {path}")


def _leave_out(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.arrears import leave_out

    moved = leave_out(args.contracts, args.reason)
    return Output({"left_out": moved.moved, "unchanged": moved.unchanged},
                  f"{len(moved.moved)} hyresavtal undantagna ({args.reason})"
                  + (f"; redan undantagna: {', '.join(moved.unchanged)}" if moved.unchanged else "") + ".")


def _include(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.arrears import include

    moved = include(args.contracts)
    return Output({"included": moved.moved, "unchanged": moved.unchanged},
                  f"{len(moved.moved)} hyresavtal tillbaka i listan"
                  + (f"; var inte undantagna: {', '.join(moved.unchanged)}" if moved.unchanged else "") + ".")


def _size(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.rent_objects import set_dwelling_size

    size = set_dwelling_size(args.object, args.rooms, args.area)
    return Output({"object": size.object_code, "rooms": size.rooms, "area": size.floor_area, "size": size.text},
                  f"Objekt {size.object_code}: {size.text}")


def _check(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.arrears_check import daily_check

    result = daily_check(_day(args))
    data = {"date": result.date, "needs_action": result.needs_action,
            "changes": [{"contract": c.view.contract_number, "old": c.old, "new": c.new.value} for c in result.changes],
            "waiting": [v.contract_number for v in result.waiting],
            "ending_soon": [v.contract_number for v in result.ending_soon]}
    return Output(data, result.summary)
