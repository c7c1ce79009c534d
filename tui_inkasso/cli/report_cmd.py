"""Report commands: `report aging` (åldersanalys) and `report collection` (inkassoöversikt).

* ``tui-inkasso report aging [--date D] [selection] [--by owner|property|object-type|customer]
  [--collection include|apart|exclude] [--termination include|apart|exclude] [--buckets 30,60,90,180]
  [--xlsx PATH] [--pdf PATH] --json`` → ``{"date", "buckets": ["not_due", "1-30", ...], "groups":
  [{"key", "name", "totals": {bucket: amount}, "total", ...}], "totals": {bucket: amount},
  "total", ...}``.
* ``tui-inkasso report collection [--from D] [--to D] [selection] [--stalled-days N] [--xlsx PATH]
  [--pdf PATH] --json`` → ``{"months": [{"month", "sent": {system: amount}, "sent_count",
  "recovered_agency", "recovered_direct", "closed", "open_in_collection", ...}], "letters",
  "cases_by_status", "stalled_cases": [...]}``.

Amounts in JSON are strings "1234.50"; the text output is a table for people.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui_inkasso.cli.common import CliError, Output, date_arg
from tui_inkasso.cli.selection_options import add_selection_options, selection_from_args
from tui_inkasso.domain.aging import parse_limits
from tui_inkasso.domain.money import format_sek


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add ``report aging`` and ``report collection``."""
    cmd = subparsers.add_parser(
        "report", parents=[parent], help="rapporter: åldersanalys och inkassoöversikt",
        description="Rapporter över reskontran: åldersanalys (öppna fordringar efter dagar efter "
        "förfallodagen) och inkassoöversikt (skickat till inkasso, återvunnet, öppet, per månad).",
    )
    sub = cmd.add_subparsers(dest="report", metavar="REPORT", required=True)
    _register_aging(sub, parent)
    _register_collection(sub, parent)


def _exports(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--xlsx", type=Path, metavar="PATH", help="spara rapporten som Excelfil (en fil eller en mapp)")
    cmd.add_argument("--pdf", type=Path, metavar="PATH", help="spara rapporten som PDF (en fil eller en mapp)")


def _limits(text: str) -> tuple[int, ...]:
    try:
        return parse_limits(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise argparse.ArgumentTypeError(f"ska vara ett antal dagar mellan 1 och 3650, inte {text!r}")
    return int(text)


# --------------------------------------------------------------------------- report aging


def _register_aging(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    modes = ["include", "apart", "exclude"]
    cmd = sub.add_parser(
        "aging", parents=[parent], help="åldersanalys: öppna fordringar per intervall av dagar efter förfallodagen",
        description="Öppna fordringar (kapital, avgifter och ränta) en viss dag, fördelade på dagar "
        "efter förfallodagen, per ägare, fastighet, objektstyp eller kund.",
    )
    cmd.add_argument("--date", type=date_arg, metavar="DATE",
                     help="dagen rapporten gäller (ÅÅÅÅ-MM-DD; standard: i dag); en tidigare dag ger "
                     "saldona den dagen")
    cmd.add_argument("--by", choices=["owner", "property", "object-type", "customer"], default="property",
                     help="gruppera per ägare, fastighet, objektstyp eller kund (standard: property)")
    cmd.add_argument("--collection", choices=modes, default="include",
                     help="fakturor i inkasso: include = med i sin grupp, apart = på en egen rad, "
                     "exclude = utelämnas (standard: include)")
    cmd.add_argument("--termination", choices=modes, default="include",
                     help="fakturor under uppsägning för obetald hyra, som --collection (standard: include)")
    cmd.add_argument("--buckets", type=_limits, metavar="DAYS",
                     help="intervallens gränser i dagar, t.ex. 30,60,90,180 (standard: inställningen "
                     "reports.aging_buckets)")
    add_selection_options(cmd)
    _exports(cmd)
    cmd.set_defaults(handler=_aging)


def _aging(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import aging_report as ar
    from tui_inkasso.services.clock import today
    from tui_inkasso.services.report_export import export_aging

    options = ar.AgingOptions(
        as_of=args.date or today(), group_by=args.by.replace("-", "_"), selection=selection_from_args(args),
        collection=ar.Mode(args.collection), termination=ar.Mode(args.termination), limits=args.buckets,
    )
    report = ar.aging_report(options)
    data = ar.aging_json(report)
    files = _write_files(lambda path, kind: export_aging(options, path, kind, report), args)
    data["files"] = files
    return Output(data, _aging_text(report, files))


def _aging_text(report: Any, files: dict[str, str]) -> str:
    heads = [b.short for b in report.buckets]
    width = max([len(report.group_label), *(len(_label(r)) for r in [*report.groups, *report.apart])], default=10)
    width = min(width, 40)
    amounts = [[format_sek(a) for a in r.amounts] + [format_sek(r.total)]
               for r in [*report.groups, *report.apart, report.totals]]
    widths = [max(len(h), *(len(row[i]) for row in amounts)) for i, h in enumerate([*heads, "Totalt"])]
    lines = [f"Åldersanalys per {report.as_of.isoformat()}, per {report.group_label.lower()} "
             f"({report.options.selection.describe()})"]
    lines.append(f"{report.group_label:<{width}}  " + "  ".join(h.rjust(w) for h, w in zip([*heads, "Totalt"], widths, strict=True)))
    for row, cells in zip([*report.groups, *report.apart, report.totals], amounts, strict=True):
        label = _label(row)[:width]
        lines.append(f"{label:<{width}}  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))
    for name, row in report.excluded.items():
        what = "i inkasso" if name == "collection" else "under uppsägning"
        lines.append(f"Utelämnat: {row.invoices} fakturor {what}, {format_sek(row.total)} kr")
    lines += [f"Sparad: {path}" for path in files.values()]
    return "\n".join(lines)


def _label(row: Any) -> str:
    if row.apart is not None or not row.key:
        return row.name
    return f"{row.key} {row.name}"


# --------------------------------------------------------------------------- report collection


def _register_collection(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    cmd = sub.add_parser(
        "collection", parents=[parent], help="inkassoöversikt: skickat, återvunnet och öppet per månad",
        description="Per månad: fakturor och belopp till inkasso per system, betalningar via "
        "inkassobolaget och direkt, avslutade ärenden och öppet i inkasso; kravbrevens effekt; "
        "ärenden per status och ärenden utan händelse.",
    )
    cmd.add_argument("--from", dest="date_from", type=date_arg, metavar="DATE",
                     help="periodens första dag (standard: den första i månaden elva månader bakåt)")
    cmd.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE", help="periodens sista dag (standard: i dag)")
    cmd.add_argument("--stalled-days", type=_days, metavar="DAYS",
                     help="ett ärende utan händelse i fler dagar listas (standard: inställningen reports.stalled_days)")
    add_selection_options(cmd)
    _exports(cmd)
    cmd.set_defaults(handler=_collection)


def _collection(args: argparse.Namespace) -> Output:
    from tui_inkasso.services import collection_overview as co
    from tui_inkasso.services.report_export import export_overview

    start, end = co.default_period(args.date_to)
    options = co.OverviewOptions(args.date_from or start, args.date_to or end, selection_from_args(args),
                                 args.stalled_days)
    overview = co.collection_overview(options)
    data = co.overview_json(overview)
    files = _write_files(lambda path, kind: export_overview(overview, path, kind), args)
    data["files"] = files
    return Output(data, _collection_text(overview, files))


def _collection_text(overview: Any, files: dict[str, str]) -> str:
    heads = ["Månad", "Fakt.", "Skickat", "Inkasso", "Direkt", "Avsl.", "Öppet i inkasso"]
    rows = [[m.month, str(m.sent_count), format_sek(m.sent_total), format_sek(m.recovered_agency),
             format_sek(m.recovered_direct), str(m.closed_count), format_sek(m.open_in_collection)]
            for m in overview.months]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(heads)]
    options = overview.options
    lines = [f"Inkassoöversikt {options.date_from.isoformat()} – {options.date_to.isoformat()} "
             f"({options.selection.describe()})",
             "  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(heads, widths, strict=True)))]
    lines += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
              for row in rows]
    for effect in overview.effects:
        lines.append(f"{effect.name}: {effect.letters} brev, {effect.paid_in_full} betalda helt och "
                     f"{effect.paid_partly} delvis före nästa steg, {format_sek(effect.paid)} kr")
    lines.append(f"Öppna ärenden utan händelse på mer än {overview.stalled_days} dagar: {len(overview.stalled)}")
    lines += [f"Sparad: {path}" for path in files.values()]
    return "\n".join(lines)


def _write_files(write: Any, args: argparse.Namespace) -> dict[str, str]:
    """Write the --xlsx and --pdf files asked for; their paths by kind."""
    from tui_inkasso.services.report_export import ExportError

    files: dict[str, str] = {}
    for kind in ("xlsx", "pdf"):
        path = getattr(args, kind)
        if path is None:
            continue
        try:
            files[kind] = str(write(path, kind))
        except ExportError as exc:
            raise CliError(str(exc), 1) from None
    return files
