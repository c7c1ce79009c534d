"""`tui-inkasso services list | show ID | add ... | run ID | remove ID`: scheduled services."""

from __future__ import annotations

import argparse
from typing import Any

from tui_inkasso.cli.common import Output
from tui_inkasso.domain.schedule_rules import FREQUENCIES
from tui_inkasso.services import scheduled, scheduled_jobs, scheduled_runs
from tui_inkasso.services.scheduled import ServiceInfo, ServiceSpec
from tui_inkasso.services.scheduled_runs import RunInfo


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the services command."""
    cmd = subparsers.add_parser(
        "services", parents=[parent], help="schemalagda tjänster: lista, lägg till, kör, ta bort",
        description="Schemalagda tjänster (Meny → Verktyg → Schemalagda tjänster). "
        "Tjänsterna körs av `tui-inkasso daemon`.",
    )
    sub = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", parents=[parent], help="alla tjänster med nästa och senaste körning") \
        .set_defaults(handler=_list)
    show = sub.add_parser("show", parents=[parent], help="en tjänst och dess körningar")
    show.add_argument("id", type=int, help="tjänstens id (från list)")
    show.add_argument("--runs", type=int, default=20, metavar="N", help="antal körningar (standard: 20)")
    show.set_defaults(handler=_show)
    add = sub.add_parser("add", parents=[parent], help="lägg till en tjänst")
    _add_arguments(add)
    add.set_defaults(handler=_add)
    run = sub.add_parser("run", parents=[parent], help="kör en tjänst nu (manuell körning)")
    run.add_argument("id", type=int, help="tjänstens id (från list)")
    run.set_defaults(handler=_run)
    remove = sub.add_parser("remove", parents=[parent], help="ta bort en tjänst och dess körningar")
    remove.add_argument("id", type=int, help="tjänstens id (från list)")
    remove.set_defaults(handler=_remove)


def _add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("--name", required=True, help="namn, t.ex. \"Saldofil varje natt\"")
    add.add_argument("--service", default="saldofil",
                     help="tjänst: " + ", ".join(f"{k} ({v})" for k, v in scheduled_jobs.SERVICE_LABELS.items())
                     + " (standard: saldofil)")
    add.add_argument("--description", default="", help="beskrivning")
    add.add_argument("--every", required=True, choices=FREQUENCIES,
                     help="day = dagligen, week = vissa veckodagar, month = en dag i månaden, "
                     "hour = var N:e timme")
    add.add_argument("--at", default="06:00", metavar="HH:MM", help="klockslag (standard: 06:00)")
    add.add_argument("--weekday", nargs="+", default=[], metavar="DAY",
                     help="för week: mon tue wed thu fri sat sun (eller måndag ...)")
    add.add_argument("--day", default=None, metavar="N", help="för month: 1-28 eller last")
    add.add_argument("--hours", type=int, default=None, metavar="N",
                     help="för hour: 1, 2, 3, 4, 6, 8 eller 12")
    add.add_argument("--notify", nargs="+", default=[], metavar="EMAIL",
                     help="e-post till dessa när en körning misslyckas")
    add.add_argument("--notify-success", action="store_true", help="e-post även när den lyckas")
    add.add_argument("--disabled", action="store_true", help="spara utan att aktivera")


def _list(args: argparse.Namespace) -> Output:
    services = scheduled.list_services()
    data = {"services": [_service_json(s) for s in services]}
    if not services:
        return Output(data, "Inga schemalagda tjänster. Lägg till med: tui-inkasso services add")
    lines = [f"{'ID':>4}  {'Namn':<28} {'Tjänst':<16} {'Aktiv':<5}  {'Nästa körning':<16}  Senaste"]
    for s in services:
        nxt = f"{s.next_run:%Y-%m-%d %H:%M}" if s.next_run else "-"
        last = _last_text(s.last_run)
        lines.append(f"{s.id:>4}  {s.name[:28]:<28} {s.service_label[:16]:<16} "
                     f"{'ja' if s.enabled else 'nej':<5}  {nxt:<16}  {last}")
        if s.problem:
            lines.append(f"      Körs inte, {s.problem} (rätta den i appen: Schemalagda tjänster, e)")
    return Output(data, "\n".join(lines))


def _show(args: argparse.Namespace) -> Output:
    service = scheduled.get_service(args.id, runs=max(args.runs, 1))
    data = _service_json(service) | {"runs": [_run_json(r) for r in service.runs]}
    lines = [
        f"{service.name} (id {service.id}): {service.service_label}",
        f"Aktiverad: {'ja' if service.enabled else 'nej'}; {service.schedule_text}",
        f"Nästa körning: {service.next_run:%Y-%m-%d %H:%M}" if service.next_run else "Nästa körning: -",
        *([f"Körs inte, {service.problem}."] if service.problem else []),
        "E-post vid fel: " + (", ".join(service.notify_emails) or "ingen")
        + (" (även när den lyckas)" if service.notify_success else ""),
    ]
    if service.description:
        lines.append(f"Beskrivning: {service.description}")
    lines.append("Körningar:" if service.runs else "Inga körningar ännu.")
    for run in service.runs:
        lines.append(f"  {_last_text(run)}" + (f" – {run.error}" if run.error else ""))
    return Output(data, "\n".join(lines))


def _add(args: argparse.Namespace) -> Output:
    spec = ServiceSpec(
        name=args.name, service=args.service, description=args.description,
        enabled=not args.disabled, notify_emails=tuple(args.notify),
        notify_success=args.notify_success, frequency=args.every, weekdays=tuple(args.weekday),
        month_day=args.day, every_hours=args.hours, at_time=args.at,
    )
    service = scheduled.create_service(spec)
    nxt = f"{service.next_run:%Y-%m-%d %H:%M}" if service.next_run else "ingen (inaktiverad)"
    return Output(_service_json(service),
                  f"Tjänst {service.id} sparad: {service.name}; {service.schedule_text}; nästa körning {nxt}")


def _run(args: argparse.Namespace) -> Output:
    run = scheduled_runs.run_now(args.id)
    text = f"Körning {run.id}: {run.result_label}" + (f", fil {run.file}" if run.file else "")
    if run.summary:
        text += f"\n{run.summary}"
    if run.error:
        text += f"\n{run.error}"
    return Output({"run": _run_json(run)}, text, exit_code=0 if run.result == "ok" else 1)


def _remove(args: argparse.Namespace) -> Output:
    service = scheduled.get_service(args.id)
    scheduled.delete_service(args.id)
    return Output({"removed": args.id, "name": service.name},
                  f"Tjänst {args.id} ({service.name}) borttagen")


def _last_text(run: RunInfo | None) -> str:
    if run is None:
        return "-"
    return f"{run.started_at:%Y-%m-%d %H:%M} {run.result_label} ({run.trigger_label})"


def _service_json(s: ServiceInfo) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "service": s.service, "service_label": s.service_label,
        "description": s.description, "enabled": s.enabled, "schedule": s.schedule_text,
        "frequency": s.frequency, "at": s.at_time, "weekdays": list(s.weekdays),
        "month_day": s.month_day, "every_hours": s.every_hours,
        "notify": list(s.notify_emails), "notify_success": s.notify_success,
        "next_run": s.next_run, "last_run": _run_json(s.last_run) if s.last_run else None,
        "problem": s.problem or None,
    }


def _run_json(r: RunInfo) -> dict[str, Any]:
    return {
        "id": r.id, "slot": r.slot, "trigger": r.trigger, "started_at": r.started_at,
        "finished_at": r.finished_at, "result": r.result, "file": r.file, "error": r.error,
        "summary": r.summary,
    }
