"""Payment commands: `import-payments`, `unmatched` and `sie-export`.

* ``tui-inkasso import-payments FILE... [--dry-run] [--allow-test] [--progress]``: each file in
  its own transaction; ``--json`` prints the totals (``payments``, ``amount``, ``matched``,
  ``unmatched``, ``collection_payments``, ``overpayments``...) and ``files``, one result per file.
  Exit 1 when any file was refused, with one line per refused file on stderr (file, line, field,
  reason); the other files are imported all the same.
* ``tui-inkasso unmatched [list | allocate PAYMENT INVOICE | prepay PAYMENT CUSTOMER]``.
* ``tui-inkasso sie-export --from D --to D [--owner CODE] FILE``.
"""

from __future__ import annotations

import argparse
from typing import Any

from tui_inkasso.cli.common import CliError, Output, date_arg, say


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add import-payments, unmatched and sie-export."""
    cmd = subparsers.add_parser(
        "import-payments",
        parents=[parent],
        help="läs in betalfiler (BgMax, Total IN) och bokför dem",
        description="Läs in betalfiler (BgMax, Total IN) och bokför dem: varje fil i en egen transaktion.",
    )
    cmd.add_argument("files", nargs="+", metavar="FILE", help="betalfiler")
    cmd.add_argument("--dry-run", action="store_true", help="analysera bara: visa vad som skulle bokföras; inget sparas")
    cmd.add_argument("--allow-test", action="store_true", help="bokför även filer som banken märkt som testfiler")
    cmd.add_argument("--progress", action="store_true", help="visa förloppet (bokförda betalningar) på stderr")
    cmd.set_defaults(handler=_import)

    unmatched = subparsers.add_parser(
        "unmatched",
        parents=[parent],
        help="ej matchade betalningar: lista, fördela, behåll som förskott",
        description="Ej matchade betalningar: lista, fördela till en faktura eller behåll som förskott.",
    )
    actions = unmatched.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[parent], help="lista ej matchade betalningar (standard)")
    listing.add_argument("--search", default="",
                         help="bara betalningar vars referens, betalare eller avsändarkonto innehåller texten")
    allocate = actions.add_parser("allocate", parents=[parent], help="fördela en betalning till en faktura")
    allocate.add_argument("payment", type=int, metavar="PAYMENT", help="betalningens id (från list)")
    allocate.add_argument("invoice", metavar="INVOICE", help="fakturanummer eller OCR-nummer")
    prepay = actions.add_parser("prepay", parents=[parent], help="behåll en betalning som förskott hos en kund")
    prepay.add_argument("payment", type=int, metavar="PAYMENT", help="betalningens id (från list)")
    prepay.add_argument("customer", metavar="CUSTOMER", help="kundnummer")
    unmatched.set_defaults(handler=_unmatched, action=None, search="")

    sie = subparsers.add_parser(
        "sie-export",
        parents=[parent],
        help="skriv verifikationer som inte exporterats som SIE 4I till ägarens bokföring",
        description="Verifikationer som SIE 4I-fil (importfil) per ägare, varje verifikation en gång: "
        "exporten tar de verifikationer som ingen tidigare export har tagit (--from/--to begränsar "
        "till en period) och sparar vilka den skrev. Utan --owner är FILE en mapp som får en fil "
        "per ägare.",
    )
    sie.add_argument("--from", dest="from_date", type=date_arg, metavar="YYYY-MM-DD",
                     help="bara verifikationer från den dagen (standard: alla som inte exporterats)")
    sie.add_argument("--to", dest="to_date", type=date_arg, metavar="YYYY-MM-DD",
                     help="bara verifikationer till och med den dagen")
    sie.add_argument("--again", action="store_true",
                     help="skriv en kopia av hela perioden, även verifikationer som redan exporterats "
                     "(kräver en period)")
    sie.add_argument("--owner", metavar="CODE", help="ägarens kod; utan den en fil per ägare")
    sie.add_argument("--series", default="I", help="verifikationsserie i filen (standard: I)")
    sie.add_argument("--overwrite", action="store_true", help="ersätt befintliga filer")
    sie.add_argument("target", metavar="FILE", help="SIE-filen (.si) med --owner, annars en mapp")
    sie.set_defaults(handler=_sie_export)


# ------------------------------------------------------------------------------ import-payments


def _import(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.payment_import import import_payment_files

    def progress(path: str, done: int, total: int) -> None:
        say(f"{path}: bokfört {done}/{total}", err=True)

    results = import_payment_files(
        args.files, dry_run=args.dry_run, allow_test=args.allow_test, progress=progress if args.progress else None
    )
    failed = [r for r in results if not r.ok]
    for result in failed:
        say(f"tui-inkasso import-payments: {result.message}", err=True)
    return Output(_import_json(results, args.dry_run), _import_text(results), exit_code=1 if failed else 0)


def _import_json(results: list[Any], dry_run: bool) -> dict[str, Any]:
    from tui_inkasso.domain.money import format_amount
    from tui_inkasso.services.payment_report import summary_json

    files = []
    for r in results:
        entry: dict[str, Any] = {"path": r.path, "status": r.status, "message": r.message}
        if r.summary is not None:
            entry.update(summary_json(r.summary))
        entry["payment_file_id"] = r.payment_file_id
        files.append(entry)
    booked = [r.summary for r in results if r.ok and r.summary is not None]
    return {
        "dry_run": dry_run,
        "files_imported": sum(1 for r in results if r.status == "imported"),
        "files_refused": sum(1 for r in results if not r.ok),
        "payments": sum(s.payments for s in booked),
        "amount": format_amount(sum(s.amount for s in booked)),
        "matched": sum(s.matched for s in booked),
        "unmatched": sum(s.unmatched for s in booked),
        "other_owner": sum(s.other_owner for s in booked),
        "without_owner": sum(s.without_owner for s in booked),
        "collection_payments": sum(s.collection_payments for s in booked),
        "deductions": sum(s.deductions for s in booked),
        "overpayments": [o for f in files if f["status"] in ("imported", "dry_run") for o in f["overpayments"]],
        "files": files,
    }


def _import_text(results: list[Any]) -> str:
    from tui_inkasso.domain.money import format_sek

    lines = []
    for r in results:
        if r.summary is None or not r.ok:
            lines.append(f"{r.path}: AVVISAD")
            continue
        s = r.summary
        verb = "skulle bokföras (provkörning)" if r.status == "dry_run" else "bokförd"
        lines.append(f"{r.path}: {s.format_label}, {verb}")
        lines.append(f"  {len(s.sections)} insättningar, {s.payments} betalningar, {format_sek(s.amount)} kr")
        lines.append(f"  matchade {s.matched} ({format_sek(s.matched_amount)} kr), "
                     f"ej matchade {s.unmatched} ({format_sek(s.unmatched_amount)} kr)")
        lines.append(f"  från inkassobolaget {s.collection_payments} ({format_sek(s.collection_amount)} kr), "
                     f"avdrag {s.deductions} ({format_sek(s.deduction_amount)} kr)")
        for o in s.overpayments:
            lines.append(f"  överbetalning faktura {o.invoice}: {format_sek(o.amount)} kr till {o.account} ({o.role})")
        lines += [f"  varning: {w}" for w in s.warnings]
        if s.log:
            lines.append(f"  {len(s.log)} rader att se över: tui-inkasso unmatched list")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ unmatched


def _unmatched(args: argparse.Namespace) -> Output:
    from tui_inkasso.domain.money import format_amount, format_sek
    from tui_inkasso.services import unmatched_payments

    if args.action == "allocate":
        booked = unmatched_payments.allocate_payment(args.payment, args.invoice)
        split = booked.split
        data: dict[str, object] = {
            "payment": booked.payment_id, "invoice": booked.invoice_number,
            "invoice_amount": format_amount(split.invoice_amount), "excess_amount": format_amount(split.excess_amount),
            "excess_role": split.excess_role, "voucher": booked.voucher_id,
        }
        text = f"Betalning {booked.payment_id} fördelad på faktura {booked.invoice_number}: {format_sek(split.invoice_amount)} kr"
        if split.excess_amount:
            text += f", överskott {format_sek(split.excess_amount)} kr till {split.excess_role}"
        return Output(data, text)
    if args.action == "prepay":
        customer_id = unmatched_payments.keep_as_prepayment(args.payment, args.customer)
        return Output({"payment": args.payment, "customer": args.customer, "customer_id": customer_id, "status": "prepayment"},
                      f"Betalning {args.payment} behålls som förskott för kund {args.customer}")
    payments = unmatched_payments.unmatched_payments(text=args.search)
    data = {
        "count": len(payments),
        "amount": format_amount(sum(p.amount for p in payments)),
        "payments": [
            {"id": p.id, "date": p.pay_date, "amount": format_amount(p.amount), "method": p.method,
             "reference": p.reference, "payer": p.payer_name, "sender_account": p.sender_account,
             "owner": p.owner_code, "file": p.file_name, "note": p.note}
            for p in payments
        ],
    }
    lines = [f"{len(payments)} ej matchade betalningar, {format_sek(sum(p.amount for p in payments))} kr"]
    lines += [
        f"{p.id:>8}  {p.pay_date}  {format_sek(p.amount):>12}  {p.owner_code or '-':<6} {p.reference:<25} {p.payer_name}"
        for p in payments
    ]
    return Output(data, "\n".join(lines))


# ------------------------------------------------------------------------------ sie-export


def _sie_export(args: argparse.Namespace) -> Output:
    from tui_inkasso.services.sie_export import export_sie

    result = export_sie(
        args.target, from_date=args.from_date, to_date=args.to_date, owner_code=args.owner,
        series=args.series, overwrite=args.overwrite, again=args.again,
    )
    if not result.files:
        period = (f"mellan {args.from_date or 'början'} och {args.to_date or 'slutet'}"
                  if args.from_date or args.to_date else "att exportera")
        raise CliError(f"inga verifikationer {period}; ingen fil skrevs", 1)
    data = {
        "from": result.from_date, "to": result.to_date, "vouchers": result.vouchers, "again": result.again,
        "skipped": result.skipped, "warnings": list(result.warnings),
        "files": [
            {"owner": f.owner_code, "path": str(f.path), "vouchers": f.vouchers, "transactions": f.transactions,
             "replaced_characters": f.replaced, "skipped": f.skipped}
            for f in result.files
        ],
    }
    lines = []
    for f in result.files:
        lines.append(f"{f.path}: {f.owner_code}, {f.vouchers} verifikationer, {f.transactions} rader")
        if f.replaced:
            swapped = ", ".join(f"{k!r}→{v!r}" for k, v in f.replaced.items())
            lines.append(f"  tecken utanför PC8 (CP437) ersattes: {swapped}")
    lines += [f"Obs: {w}" for w in result.warnings]
    return Output(data, "\n".join(lines))
