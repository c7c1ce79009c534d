"""Balance-correction commands: `balance-file` and `balance-reports`.

* ``tui-inkasso balance-file [--out PATH] [selection options]`` writes every unreported balance
  correction (within the selection) to the agency's XML file, one per owner, as the scheduled
  service "Skapa saldofil" does, and uploads it when collection.upload_url is set. ``--out`` is
  an existing folder or the file's name. Nothing to report: no file, exit 0, ``file: null`` and
  the line "Inga saldokorrigeringar att rapportera". A failed upload does not fail the command:
  the file is made and recorded, and waits in the outbox.
* ``tui-inkasso balance-reports [list | show ID | rewrite ID --out PATH | resend ID]``: earlier
  files, one file's corrections, the same file written again, or sent again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui_inkasso.cli.common import Output
from tui_inkasso.cli.selection_options import add_selection_options, selection_from_args
from tui_inkasso.domain.money import format_amount, format_sek
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services import balance_history as bh
from tui_inkasso.services import balance_recovery as brec
from tui_inkasso.services.outbox import DeliveryResult


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add balance-file and balance-reports."""
    _register_file(subparsers, parent)
    _register_reports(subparsers, parent)


# --------------------------------------------------------------------------- balance-file


def _register_file(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "balance-file", parents=[parent],
        help="skapa saldofil: alla saldokorrigeringar som inte rapporterats, i inkassobolagets XML-fil",
        description="Skapar Meddelande om saldokorrigeringar: alla betalningar och krediteringar "
        "på inkassomärkta fakturor som inkassobolaget inte fått veta om än, en fil per ägare. "
        "Filen skickas direkt när en FTP-server är inställd.",
    )
    cmd.add_argument("--out", type=Path, metavar="PATH",
                     help="en befintlig mapp eller filens namn (standard: collection.output_dir)")
    add_selection_options(cmd)
    cmd.set_defaults(handler=_file, recovers=("balance",))  # recovered files are in its output


def _file(args: argparse.Namespace) -> Output:
    selection = selection_from_args(args)
    result = brun.create_balance_file(args.out, selection=None if selection.is_empty() else selection)
    data = {
        "file": str(result.file) if result.file else None,
        "files": [_created_json(f) for f in result.files],
        "corrections": result.corrections,
        "amount": format_amount(result.amount),
        "report_ids": list(result.report_ids),
        "selection": selection.to_dict(),
        "recovered": [_recovery_json(a) for a in result.recovered],
        "message": result.message,
    }
    lines = [_recovery_text(a) for a in result.recovered]
    lines.append(result.message)
    if len(result.files) > 1:
        lines += [f"  {f.path}: {f.owner_code}, {f.corrections} st, {format_sek(f.amount)} kr"
                  for f in result.files]
    lines += [_delivery_text(f) for f in result.files if f.delivery is not None]
    return Output(data, "\n".join(lines))


def _created_json(f: brun.CreatedFile) -> dict[str, Any]:
    delivery = f.delivery
    return {
        "path": str(f.path), "file_id": f.file_id, "owner": f.owner_code,
        "owner_name": f.owner_name, "corrections": f.corrections,
        "amount": format_amount(f.amount), "report_id": f.report_id,
        "delivery": None if delivery is None else {
            "outbox_id": delivery.outbox_id, "status": delivery.status,
            "error": delivery.error, "remote_path": delivery.remote_path,
        },
    }


def _delivery_text(f: brun.CreatedFile) -> str:
    d = f.delivery
    assert d is not None
    if d.status == "sent":
        return f"{f.path.name}: skickad till inkassobolaget som {d.remote_path}"
    return f"{f.path.name}: {d.label.lower()} i utkorgen ({d.error or 'skickas senare'})"


def _recovery_json(a: brec.RecoveryAction) -> dict[str, str]:
    return {"path": a.path, "action": a.action, "file_id": a.file_id, "detail": a.detail}


def _recovery_text(a: brec.RecoveryAction) -> str:
    words = {
        "finished": "färdigställd efter ett avbrott",
        "renamed": "fick sitt namn efter ett avbrott",
        "regenerated": "skrevs om efter ett avbrott",
        "removed": "halvfärdig fil från ett avbrott togs bort",
        "blocked": "kunde inte färdigställas",
    }
    text = f"{a.path}: {words.get(a.action, a.action)}"
    return f"{text} ({a.detail})" if a.detail else text


# --------------------------------------------------------------------------- balance-reports


def _register_reports(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "balance-reports", parents=[parent], help="tidigare saldofiler: lista, visa, skriv igen, skicka igen",
        description="Tidigare saldofiler: lista, visa en fils saldokorrigeringar, skriv filen igen "
        "(samma fil-id och innehåll) eller skicka den igen.",
    )
    sub = cmd.add_subparsers(dest="action", metavar="ACTION")
    cmd.set_defaults(handler=_list)
    listing = sub.add_parser("list", parents=[parent], help="tidigare saldofiler, nyaste först")
    listing.set_defaults(handler=_list)
    show = sub.add_parser("show", parents=[parent], help="en fil och dess saldokorrigeringar")
    show.add_argument("id", type=int, metavar="ID", help="saldofilens id (från list)")
    show.set_defaults(handler=_show)
    rewrite = sub.add_parser("rewrite", parents=[parent], help="skriv samma fil igen (samma fil-id och innehåll)")
    rewrite.add_argument("id", type=int, metavar="ID", help="saldofilens id (från list)")
    rewrite.add_argument("--out", type=Path, required=True, metavar="PATH",
                         help="en befintlig mapp (filen behåller sitt namn) eller ett nytt filnamn")
    rewrite.set_defaults(handler=_rewrite)
    resend = sub.add_parser("resend", parents=[parent], help="skicka filen till inkassobolaget igen")
    resend.add_argument("id", type=int, metavar="ID", help="saldofilens id (från list)")
    resend.set_defaults(handler=_resend)


def _list(args: argparse.Namespace) -> Output:
    reports = bh.balance_reports()
    lines = [
        f"{r.report_id:>5}  {r.created_at:%Y-%m-%d %H:%M}  {r.owner_code:<8} {r.corrections:>7} st "
        f"{format_sek(r.amount):>14} kr  {r.delivery_label:<11} {r.file_name}"
        + ("" if r.file_exists or not r.path else "  (filen saknas)")
        for r in reports
    ] or ["Inga saldofiler har skapats än."]
    return Output({"reports": [_summary_json(r) for r in reports]}, "\n".join(lines))


def _summary_json(r: bh.ReportSummary) -> dict[str, Any]:
    return {
        "id": r.report_id, "file_id": r.file_id, "path": r.path or None,
        "created_at": r.created_at, "created_by": r.created_by, "owner": r.owner_code,
        "owner_name": r.owner_name, "corrections": r.corrections, "amount": format_amount(r.amount),
        "file_exists": r.file_exists, "pending": r.pending, "delivery": r.delivery_status or None,
    }


def correction_json(row: bc.CorrectionRow) -> dict[str, Any]:
    """A correction row as JSON (also for other commands that list payments on cases)."""
    return {
        "payment_id": row.payment_id, "pay_date": row.pay_date, "kind": row.kind,
        "method": row.method, "amount": format_amount(row.amount), "invoice": row.invoice_number,
        "invoice_kind": row.invoice_kind, "customer": row.customer_number,
        "customer_name": row.customer_name, "owner": row.owner_code, "case": row.case_number,
        "status": row.status.value, "reported": row.reported, "is_correction": row.is_correction,
        "file_id": row.file_id, "file": row.file_path,
    }


def _show(args: argparse.Namespace) -> Output:
    detail = bh.report_detail(args.id)
    s = detail.summary
    data = {**_summary_json(s), "corrections": [correction_json(c) for c in detail.corrections],
            "count": s.corrections}
    lines = [
        f"Saldofil {s.file_id or '(ingen fil)'} – {s.owner_code} {s.owner_name}",
        f"Skapad {s.created_at:%Y-%m-%d %H:%M} av {s.created_by}; "
        f"{bc.corrections_text(s.corrections)}, {format_sek(s.amount)} kr; {s.delivery_label}",
        f"Fil: {s.path or '–'}" + ("" if s.file_exists or not s.path else " (saknas)"),
    ]
    lines += [
        f"  {c.pay_date}  {c.invoice_number:<12} {c.customer_number:<10} {c.kind:<8} {c.method:<9} "
        f"{format_sek(c.amount):>12}" for c in detail.corrections
    ]
    return Output(data, "\n".join(lines))


def _rewrite(args: argparse.Namespace) -> Output:
    result = bh.rewrite_report(args.id, args.out)
    data = {"path": str(result.path), "file_id": result.file_id, "corrections": result.corrections,
            "amount": format_amount(result.amount), "identical": result.identical}
    text = f"Saldofil {result.file_id} skriven igen: {result.path}"
    if not result.identical:
        text += (" (innehållet skiljer sig från originalet: kund- eller ägaruppgifter har ändrats "
                 "sedan filen skapades)")
    return Output(data, text)


def _resend(args: argparse.Namespace) -> Output:
    result = bh.resend_report(args.id)
    return Output(_resend_json(result), _resend_text(result),
                  exit_code=0 if result.status == "sent" else 1)


def _resend_json(r: DeliveryResult) -> dict[str, Any]:
    return {"outbox_id": r.outbox_id, "file": r.path, "status": r.status,
            "remote_path": r.remote_path, "error": r.error, "reason": r.reason,
            "already_delivered": r.already_delivered, "next_attempt_at": r.next_attempt_at}


def _resend_text(r: DeliveryResult) -> str:
    name = Path(r.path).name
    if r.status == "sent":
        extra = " (fanns redan på servern)" if r.already_delivered else ""
        return f"{name} skickad som {r.remote_path}{extra}"
    if r.status == "waiting":
        return f"{name} väntar i utkorgen, nytt försök {r.next_attempt_at:%Y-%m-%d %H:%M}: {r.error}"
    return f"{name} kunde inte skickas: {r.error}"
