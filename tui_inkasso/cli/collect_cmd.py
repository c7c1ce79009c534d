"""Collection commands: `collect` (the collection run, headless) and `cases` (the case register).

* ``tui-inkasso collect --system inhouse|intrum|svea|none [--date D] [selection] [--exclude INVOICE
  ...] [--reason TEXT] [--out PATH] [--yes]`` does what Reskontra → Inkasso does: every invoice
  ready for collection in the selection goes into a case (one per customer and owner), except
  those given to ``--exclude`` (excluded persistently, like "Undanta", with ``--reason``). PATH
  is an existing folder to write in, or the file's name. Without ``--yes`` it shows what it
  would do and asks (on a terminal; otherwise it refuses).
* ``tui-inkasso cases [list | show CASE | status CASE STATUS | close CASE | note CASE TEXT |
  pay CASE INVOICE AMOUNT]``.

``--json`` prints one object; amounts are strings "1234.50".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_inkasso.cli.common import CliError, Output, date_arg, say
from tui_inkasso.cli.selection_options import add_selection_options, selection_from_args
from tui_inkasso.domain.codes import CaseStatus, PaymentMethod
from tui_inkasso.domain.collection_systems import CODES, SYSTEMS, system_label
from tui_inkasso.domain.money import MoneyError, format_amount, format_sek, parse_amount
from tui_inkasso.services import clock

if TYPE_CHECKING:
    from tui_inkasso.services.case_register import CaseSummary
    from tui_inkasso.services.collection_run import CaseRunResult

DEFAULT_REASON = "Undantagen vid inkassokörning (tui-inkasso collect)"


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add collect and cases."""
    _register_collect(subparsers, parent)
    _register_cases(subparsers, parent)


# --------------------------------------------------------------------------- collect


def _register_collect(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "collect", parents=[parent], help="skapa underlag för inkasso: ärenden, fil eller Excelfil",
        description="Skapar inkassoärenden av alla fakturor som är klara för inkasso i urvalet: "
        f"{_what_systems_do()}. "
        "Allt registreras i en transaktion; filen skickas direkt när en FTP-server är inställd.",
    )
    cmd.add_argument("--system", choices=CODES,
                     help="inkassosystem: " + ", ".join(f"{s.code} = {s.label}" for s in SYSTEMS)
                     + " (standard: inställningen collection.system)")
    cmd.add_argument("--date", type=date_arg, metavar="DATE", help="körningsdatum, ÅÅÅÅ-MM-DD (standard: i dag)")
    cmd.add_argument("--exclude", nargs="+", default=[], metavar="INVOICE",
                     help="fakturanummer som undantas från inkasso (de förblir undantagna, som med Undanta)")
    cmd.add_argument("--reason", default=DEFAULT_REASON,
                     help=f"skälet till undantaget för --exclude (standard: \"{DEFAULT_REASON}\")")
    cmd.add_argument("--out", type=Path, metavar="PATH",
                     help="en befintlig mapp att skriva i, eller filens namn (standard: collection.output_dir)")
    cmd.add_argument("--yes", action="store_true", help="fråga inte")
    add_selection_options(cmd)
    cmd.set_defaults(handler=_collect)


def _what_systems_do() -> str:
    """"eget ärenderegister (inhouse), fil till Intrum eller Svea Inkasso, eller en Excelfil (none)"."""
    agencies = [s.label for s in SYSTEMS if s.is_agency]
    parts = [f"{s.label} ({s.code})" for s in SYSTEMS if not s.writes_file]
    if agencies:
        names = agencies[0] if len(agencies) == 1 else f"{', '.join(agencies[:-1])} eller {agencies[-1]}"
        parts.append(f"fil till {names}")
    parts += [f"en {s.label} ({s.code})" for s in SYSTEMS if s.writes_excel]
    return f"{', '.join(parts[:-1])}, eller {parts[-1]}" if len(parts) > 1 else parts[0]


def _collect(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import collection_candidates, collection_exclusion, collection_run
    from tui_inkasso.services.invoice_detail import find_invoice
    from tui_inkasso.services.settings import collection_system

    today = args.date or clock.today()
    selection = selection_from_args(args)
    system = args.system or collection_system().code
    candidates = collection_candidates.collection_candidates(today, selection)
    excluded = {find_invoice(number).id: number for number in args.exclude}
    ids = [i for i in candidates.ready.ids() if i not in excluded]
    plan = collection_candidates.plan_totals(ids)
    question = (f"{plan.count} fakturor (saldo {format_sek(plan.balance)} kr, avgifter "
                f"{format_sek(plan.fees)} kr) blir {plan.cases} inkassoärenden "
                f"({system_label(system)}) {today.isoformat()}")
    if excluded:
        question += f"; {len(excluded)} fakturor undantas ({args.reason})"
    if not args.yes:
        _confirm(question, getattr(args, "json", False))
    moved: list[int] = []
    if excluded:
        moved = collection_exclusion.exclude(list(excluded), args.reason).moved
    data: dict[str, Any] = {"system": system, "date": today, "selection": selection.to_dict(),
                            "excluded": [excluded[i] for i in moved]}
    if not ids:
        data.update(file=None, files=[], cases=[], count_cases=0, count_invoices=0, total="0.00",
                    deliveries=[], warnings=candidates.notes)
        return Output(data, "Inga fakturor är klara för inkasso i urvalet; inga ärenden skapades.")
    result = collection_run.create_cases(today, selection, ids, system, out=args.out)
    data.update(run_json(result))
    lines = [f"{c.number:<18} {c.customer_number:<10} {c.customer_name[:30]:<30} "
             f"{', '.join(x.number for x in c.claims)[:30]:<30} {format_sek(c.total):>14} {c.debt_types}"
             for c in result.cases]
    lines.append(result.message)
    lines += [f"Utkorg: {d.status} {d.path} {d.error}".rstrip() for d in result.deliveries]
    lines += [f"Varning: {w}" for w in result.warnings]
    return Output(data, "\n".join(lines))


def run_json(result: CaseRunResult) -> dict[str, Any]:
    """A run's result as JSON: ``file`` and ``cases`` (with their invoices) first."""
    return {
        "file": str(result.file) if result.file else None,
        "files": [str(f) for f in result.files],
        "cases": [
            {"case": c.number, "customer": c.customer_number, "customer_name": c.customer_name,
             "owner": c.owner_code, "file": str(c.file) if c.file else None, "total": format_amount(c.total),
             "invoices": [{"number": x.number, "balance": format_amount(x.balance), "fees": format_amount(x.fees),
                           "interest": format_amount(x.interest), "debt_type": x.debt_type} for x in c.claims]}
            for c in result.cases
        ],
        "count_cases": len(result.cases),
        "count_invoices": result.invoice_count,
        "total": format_amount(result.total),
        "created_at": result.created_at,
        "deliveries": [{"file": d.path, "status": d.status, "remote_path": d.remote_path, "error": d.error}
                       for d in result.deliveries],
        "warnings": result.warnings,
    }


def _confirm(question: str, want_json: bool) -> None:
    """Show the plan and ask; without a terminal (or with --json) only --yes may confirm."""
    if want_json or not sys.stdin.isatty():
        raise CliError(f"skulle skapa: {question}; bekräfta med --yes (ingen terminal att fråga på)")
    say(question)
    answer = input("Skapa inkassoärendena? Skriv ja: ").strip().lower()
    if answer not in ("ja", "j", "yes", "y"):
        raise CliError("inget skapades", 1)


# --------------------------------------------------------------------------- cases


def _register_cases(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser("cases", parents=[parent], help="ärenderegistret: lista, visa, ändra status, avsluta",
                                description="Inkassoärenden: lista, visa, ändra status, anteckning, "
                                "betalning, avsluta.")
    sub = cmd.add_subparsers(dest="action", metavar="ACTION")
    _list_options(cmd)
    cmd.set_defaults(handler=_list)
    listing = sub.add_parser("list", parents=[parent], help="lista ärenden (standard)")
    _list_options(listing)
    listing.set_defaults(handler=_list)
    show = sub.add_parser("show", parents=[parent], help="ett ärende med fakturor, betalningar och händelser")
    show.add_argument("case", metavar="CASE", help="ärendenummer")
    show.set_defaults(handler=_show)
    status = sub.add_parser("status", parents=[parent], help="ändra ett ärendes status")
    status.add_argument("case", metavar="CASE", help="ärendenummer")
    status.add_argument("status", metavar="STATUS", help="ny status: " + "; ".join(s.value for s in CaseStatus))
    status.add_argument("--note", default="", help="en anteckning om ändringen")
    status.set_defaults(handler=_status)
    close = sub.add_parser("close", parents=[parent], help="avsluta ett ärende (fakturorna förblir inkassomärkta)")
    close.add_argument("case", metavar="CASE", help="ärendenummer")
    close.add_argument("--reason", required=True, help="varför ärendet avslutas")
    close.set_defaults(handler=_close)
    note = sub.add_parser("note", parents=[parent], help="lägg till en anteckning i ett ärende")
    note.add_argument("case", metavar="CASE", help="ärendenummer")
    note.add_argument("text", metavar="TEXT", help="anteckningen")
    note.set_defaults(handler=_note)
    pay = sub.add_parser("pay", parents=[parent], help="registrera en betalning på en av ärendets fakturor")
    pay.add_argument("case", metavar="CASE", help="ärendenummer")
    pay.add_argument("invoice", metavar="INVOICE", help="fakturanummer")
    pay.add_argument("amount", metavar="AMOUNT", help="kronor, t.ex. 1234,50")
    pay.add_argument("--date", type=date_arg, metavar="DATE", help="betaldag, ÅÅÅÅ-MM-DD (standard: i dag)")
    pay.add_argument("--method", default=PaymentMethod.MANUAL.value,
                     choices=[m.value for m in PaymentMethod if m is not PaymentMethod.CREDIT],
                     help=f"betalsätt (standard: {PaymentMethod.MANUAL.value})")
    pay.set_defaults(handler=_pay)


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", help="bara ärenden med den här statusen: " + "; ".join(s.value for s in CaseStatus))
    parser.add_argument("--system", choices=CODES, help="bara ärenden i det här systemet")
    parser.add_argument("--open", action="store_true", help="bara ärenden som inte är avslutade")
    parser.add_argument("--text", default="", help="ärendenummer, kundnummer eller namn innehåller texten")
    parser.add_argument("--limit", type=int, default=200, help="högst så här många (standard: 200)")


def summary_json(s: CaseSummary) -> dict[str, Any]:
    """A case as the register lists it, as JSON."""
    return {"case": s.number, "system": s.system, "status": s.status, "owner": s.owner_code,
            "customer": s.customer_number, "customer_name": s.customer_name, "created_at": s.created_at,
            "created_by": s.created_by, "invoices": s.invoices, "capital": format_amount(s.capital),
            "fees": format_amount(s.fees), "interest": format_amount(s.interest),
            "claimed": format_amount(s.claimed), "balance": format_amount(s.balance),
            "remaining": format_amount(s.remaining), "closed_at": s.closed_at, "file": s.file_path}


def _list(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register

    flt = case_register.CaseFilter(args.text, args.status, args.system, args.open)
    total = case_register.count_cases(flt)
    cases = case_register.list_cases(flt, limit=args.limit, sort="created_at")
    data = {"count": total, "cases": [summary_json(s) for s in cases]}
    if not cases:
        return Output(data, "Inga inkassoärenden.")
    lines = [f"{s.number:<18} {s.status:<20} {s.customer_number:<10} {s.customer_name[:28]:<28} "
             f"{s.invoices:>3} fakt. {format_sek(s.claimed):>14} kvar {format_sek(s.remaining):>14}" for s in cases]
    if total > len(cases):
        lines.append(f"… {total - len(cases)} ärenden till (--limit)")
    return Output(data, "\n".join(lines))


def _show(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register

    case = case_register.find_case(args.case)
    detail = case_register.case_detail(case.id)
    s = detail.summary
    data = summary_json(s) | {
        "national_id": detail.national_id,
        "address": detail.customer_address,
        "invoice_lines": [
            {"number": i.number, "kind": i.kind, "due_date": i.due_date, "claimed": format_amount(i.claimed_balance),
             "fees": format_amount(i.fees), "interest": format_amount(i.interest), "debt_type": i.debt_type,
             "balance": format_amount(i.current_balance), "charges": format_amount(i.current_charges)}
            for i in detail.invoices],
        "payments": [
            {"invoice": p.invoice_number, "pay_date": p.pay_date, "amount": format_amount(p.amount),
             "method": p.method, "kind": p.kind, "after_case": p.after_case, "correction": p.is_correction,
             "reported": p.reported} for p in detail.payments],
        "events": [{"at": e.at, "user": e.user, "kind": e.kind, "text": e.text} for e in detail.events],
    }
    lines = [f"Ärende {s.number} ({s.system}), status {s.status}", f"Kund {s.customer_number} {s.customer_name}, "
             f"{detail.national_id}, ägare {s.owner_code}",
             f"Krav {format_sek(s.claimed)} kr, kvar {format_sek(s.remaining)} kr"]
    lines += [f"  {i.number:<12} {i.due_date} krav {format_sek(i.claimed_balance):>12} saldo nu "
              f"{format_sek(i.current_balance):>12} {i.debt_type}" for i in detail.invoices]
    lines += [f"  {p.pay_date} {p.invoice_number:<12} {format_sek(p.amount):>12} {p.method:<10} "
              f"{'saldokorrigering' if p.is_correction else ('efter ärendet' if p.after_case else 'före ärendet')}"
              for p in detail.payments]
    lines += [f"  {e.at:%Y-%m-%d %H:%M} {e.user}: {e.text}" for e in detail.events]
    return Output(data, "\n".join(lines))


def _status(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register

    case = case_register.find_case(args.case)
    summary = case_register.set_case_status(case.id, args.status, args.note)
    return Output(summary_json(summary), f"Ärende {summary.number}: status {summary.status}")


def _close(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register

    case = case_register.find_case(args.case)
    summary = case_register.close_case(case.id, args.reason)
    return Output(summary_json(summary), f"Ärende {summary.number} avslutat")


def _note(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register

    case = case_register.find_case(args.case)
    event = case_register.add_case_note(case.id, args.text)
    return Output({"case": case.number, "at": event.at, "user": event.user, "text": event.text},
                  f"Anteckning sparad i ärende {case.number}")


def _pay(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import case_register
    from tui_inkasso.services.invoice_detail import find_invoice

    case = case_register.find_case(args.case)
    invoice = find_invoice(args.invoice)
    try:
        amount = parse_amount(args.amount)
    except MoneyError as exc:
        raise CliError(f"AMOUNT: {exc}") from None
    booked = case_register.register_case_payment(case.id, invoice.id, amount, args.date or clock.today(), args.method)
    data = {"case": case.number, "invoice": booked.invoice_number, "payment_id": booked.payment_id,
            "amount": format_amount(amount), "invoice_amount": format_amount(booked.split.invoice_amount),
            "excess": format_amount(booked.split.excess_amount)}
    return Output(data, f"Betalning {format_sek(amount)} kr registrerad på faktura {booked.invoice_number} "
                        f"i ärende {case.number}")
