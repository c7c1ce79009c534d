"""`tui-inkasso import-ledger FILE.json`: the migration format of docs/ledger-import.md."""

from __future__ import annotations

import argparse

from tui_inkasso.cli.common import Output
from tui_inkasso.services import ledger_import


def register(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add the import-ledger command."""
    cmd = subparsers.add_parser(
        "import-ledger",
        parents=[parent],
        help="läs in en reskontra från ett annat system (JSON, se docs/ledger-import.md)",
        description="Kontrollerar hela filen först; vid minsta fel läses ingenting in och alla fel "
        "listas. Samma fil två gånger ändrar ingenting.",
    )
    cmd.add_argument("file", metavar="FILE.json", help="filen att läsa in")
    cmd.set_defaults(handler=_run)


LABELS = {
    "settings": "inställningar", "dunning_levels": "kravnivåer", "owners": "ägare", "accounts": "konton",
    "properties": "fastigheter", "object_types": "objektstyper", "objects": "objekt", "customers": "kunder",
    "contracts": "avtal", "invoices": "fakturor", "invoice_rows": "fakturarader", "dunning_notices": "påminnelser och krav",
    "payments": "betalningar",
}
"""The record types of the counts (JSON keys, English) as the text table names them."""


def _run(args: argparse.Namespace) -> Output:
    result = ledger_import.import_ledger(args.file)
    counts = ledger_import.counts_as_dict(result)
    data = {"file": result.source, "sha256": result.sha256, "changed": result.changed, "counts": counts,
            "proposals": [p.as_json() for p in result.proposals]}
    width = max(len(LABELS.get(name, name)) for name in counts)
    lines = [f"{result.source}: " + ("inläst." if result.changed else "redan inläst, inget ändrat.")]
    lines.append(f"  {'':<{width}}  {'nya':>8} {'ändrade':>8} {'oförändrade':>11}")
    for name, c in counts.items():
        if any(c.values()):
            lines.append(f"  {LABELS.get(name, name):<{width}}  {c['created']:>8} {c['updated']:>8} "
                         f"{c['unchanged']:>11}")
    if result.proposals:  # payment routing: never changed by an import, only proposed (issue 17)
        lines.append("  Väntar på godkännande av en annan administratör (tui-inkasso approvals list):")
        lines += [f"  förslag {p.id}: {p.label}: {p.old_text} → {p.new_text}" for p in result.proposals]
    return Output(data, "\n".join(lines))
