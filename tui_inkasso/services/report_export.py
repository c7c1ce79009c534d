"""The reports exported: Excel (one sheet per grouping or section, totals as formulas) and PDF.

The aged receivables go to Excel with a sheet per grouping (owner, property, object type,
customer: the same report four ways, so a reader can pivot without the program) and to PDF in
the grouping shown. The collection overview goes to Excel with a sheet per section (months,
letters' effect, cases by status, stalled cases) and to PDF with the same sections. Files are
written atomically (``fileio``), never over an existing file; a folder gets a dated name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui_inkasso.domain.collection_systems import short_label
from tui_inkasso.domain.money import format_sek
from tui_inkasso.fileio import FileWriteError, write_bytes_atomic
from tui_inkasso.services.aging_report import (
    GROUPINGS,
    MODE_LABELS,
    AgingOptions,
    AgingReport,
    AgingRow,
    aging_report,
)
from tui_inkasso.services.clock import now
from tui_inkasso.services.collection_overview import OUTCOMES, CollectionOverview
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads

if TYPE_CHECKING:  # imported where used: openpyxl is loaded only for an Excel file
    from tui_inkasso.formats.report_xlsx import ReportSheet

Kind = Literal["xlsx", "pdf"]


class ExportError(UserError):
    """The file could not be written (the folder, the disk) or made."""


def export_path(path: Path | str, kind: Kind, stem: str, at: dt.datetime | None = None) -> Path:
    """Where to write: ``path`` itself (with the suffix added when missing), or in a folder
    ``path`` a dated name (``aldersanalys_20261128_140501.xlsx``)."""
    if kind not in ("xlsx", "pdf"):
        raise ExportError(f"okänt exportformat {kind!r}; välj xlsx eller pdf")
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        return target / f"{stem}_{(at or now()):%Y%m%d_%H%M%S}.{kind}"
    if target.suffix.lower() != f".{kind}":
        target = target.with_name(f"{target.name}.{kind}")
    return target


def _write(target: Path, make: Callable[[], object]) -> Path:
    from tui_inkasso.formats.report_xlsx import ReportXlsxError

    try:
        make()
    except FileExistsError:
        raise ExportError(f"{target}: filen finns redan; välj ett annat namn") from None
    except (FileWriteError, OSError) as exc:
        raise ExportError(f"{target}: filen kunde inte sparas: {exc}") from None
    except (ReportXlsxError, ValueError) as exc:
        raise ExportError(f"{target}: filen kunde inte skapas: {exc}") from None
    return target


# --------------------------------------------------------------------------- åldersanalys


def aging_heading(report: AgingReport) -> list[str]:
    """What the report is: title, day, selection, what was done with collection and terminations."""
    options = report.options
    lines = [f"Åldersanalys per {report.as_of.isoformat()}",
             f"Urval: {options.selection.describe()}",
             f"Fakturor i inkasso: {MODE_LABELS[options.collection]}; under uppsägning: "
             f"{MODE_LABELS[options.termination]}. Belopp = kapital, avgifter och ränta."]
    return lines


def aging_notes(report: AgingReport) -> list[str]:
    """Lines under a table: what was left out."""
    notes = []
    for name, row in report.excluded.items():
        what = "i inkasso" if name == "collection" else "under uppsägning"
        notes.append(f"Utelämnat: {row.invoices} fakturor {what}, {format_sek(row.total)} kr.")
    return notes


@reads
def export_aging(options: AgingOptions, path: Path | str, kind: Kind,
                 report: AgingReport | None = None) -> Path:
    """Write the aged receivables: Excel with a sheet per grouping, PDF in ``options``' grouping.
    ``report`` is the one already made for ``options`` (the screen has it), else made here."""
    created = now()
    target = export_path(path, kind, "aldersanalys", created)
    shown = report or aging_report(options)
    if kind == "pdf":
        return _write(target, lambda: write_bytes_atomic(target, _aging_pdf(shown, created)))
    from tui_inkasso.formats.report_xlsx import write_report_xlsx

    sheets: list[ReportSheet] = []
    for group_by in GROUPINGS:
        each = shown if group_by == options.group_by else aging_report(replace(options, group_by=group_by))
        sheets.append(_aging_sheet(each))
    return _write(target, lambda: write_report_xlsx(sheets, target, title=aging_heading(shown)[0]))


def _aging_sheet(report: AgingReport) -> ReportSheet:
    from tui_inkasso.formats.report_xlsx import ReportSheet, SheetColumn

    columns = [SheetColumn(report.group_label), SheetColumn("Namn")]
    columns += [SheetColumn(b.label, "amount_ore", total=True) for b in report.buckets]
    columns += [SheetColumn("Totalt", "amount_ore", total=True), SheetColumn("Kapital", "amount_ore", total=True),
                SheetColumn("Avgifter", "amount_ore", total=True), SheetColumn("Ränta", "amount_ore", total=True),
                SheetColumn("Fakturor", "int", total=True), SheetColumn("Varav i inkasso", "amount_ore", total=True),
                SheetColumn("Varav under uppsägning", "amount_ore", total=True)]
    rows = [_aging_sheet_row(row) for row in [*report.groups, *report.apart]]
    return ReportSheet(f"Per {report.group_label.lower()}", aging_heading(report), columns, rows,
                       notes=aging_notes(report))


def _aging_sheet_row(row: AgingRow) -> list[object]:
    key = row.key if row.apart is None else ""
    return [key, row.name, *row.amounts, row.total, row.capital, row.fees, row.interest, row.invoices,
            row.in_collection, row.in_termination]


def _aging_pdf(report: AgingReport, created: dt.datetime) -> bytes:
    from tui_inkasso.formats.pdf_table import PdfColumn, PdfTable, render_tables_pdf

    columns = [PdfColumn(report.group_label, 2.8)]
    columns += [PdfColumn(b.short, 1.25, "R") for b in report.buckets]
    columns += [PdfColumn("Totalt", 1.4, "R"), PdfColumn("Avgifter", 1.0, "R"), PdfColumn("Ränta", 1.0, "R"),
                PdfColumn("Fakt.", 0.6, "R"), PdfColumn("I inkasso", 1.25, "R")]

    def cells(row: AgingRow) -> list[str]:
        name = row.name if row.apart is not None or not row.key else f"{row.key} {row.name}"
        return [name, *(format_sek(a) for a in row.amounts), format_sek(row.total), format_sek(row.fees),
                format_sek(row.interest), str(row.invoices), format_sek(row.in_collection)]

    rows = [cells(row) for row in [*report.groups, *report.apart]]
    totals = cells(replace(report.totals, name="Totalt", key=""))
    heading = aging_heading(report)
    subtitle = f"{heading[1]} · per {report.group_label.lower()}"
    notes = aging_notes(report)
    table = PdfTable(" ".join([heading[2], *notes]), columns, rows, totals)
    return render_tables_pdf(heading[0], [table], created_at=created, subtitle=subtitle, landscape=True)


# --------------------------------------------------------------------------- inkassoöversikt


def overview_heading(overview: CollectionOverview) -> list[str]:
    """Title, period and selection."""
    options = overview.options
    return [f"Inkassoöversikt {options.date_from.isoformat()} – {options.date_to.isoformat()}",
            f"Urval: {options.selection.describe()}"]


@reads
def export_overview(overview: CollectionOverview, path: Path | str, kind: Kind) -> Path:
    """Write the collection overview: Excel with a sheet per section, or a PDF of them."""
    created = now()
    target = export_path(path, kind, "inkassooversikt", created)
    if kind == "pdf":
        return _write(target, lambda: write_bytes_atomic(target, _overview_pdf(overview, created)))
    from tui_inkasso.formats.report_xlsx import write_report_xlsx

    sheets = _overview_sheets(overview)
    return _write(target, lambda: write_report_xlsx(sheets, target, title=overview_heading(overview)[0]))


def month_columns(overview: CollectionOverview) -> list[tuple[str, str]]:
    """(title, kind) of the month table: the systems that sent anything, then the rest."""
    used = [s for s in overview.systems if any(m.sent.get(s) for m in overview.months)] or [overview.systems[0]]
    columns = [("Månad", "text"), ("Fakturor", "int")]
    columns += [(f"Skickat {short_label(s)}", "amount_ore") for s in used]
    columns += [("Återvunnet inkasso", "amount_ore"), ("Direkt betalt", "amount_ore"), ("Krediterat", "amount_ore"),
                ("Avslutade", "int")]
    columns += [(f"Avsl. {label.lower()}", "int") for label in OUTCOMES.values()]
    columns += [("Öppet i inkasso", "amount_ore")]
    return columns


def month_values(overview: CollectionOverview) -> list[list[object]]:
    """The month table's rows (amounts in öre, counts as int), matching :func:`month_columns`."""
    used = [s for s in overview.systems if any(m.sent.get(s) for m in overview.months)] or [overview.systems[0]]
    return [
        [m.month, m.sent_count, *(m.sent.get(s, 0) for s in used), m.recovered_agency, m.recovered_direct,
         m.credited, m.closed_count, *(m.closed.get(code, 0) for code in OUTCOMES), m.open_in_collection]
        for m in overview.months
    ]


def letter_values(overview: CollectionOverview) -> list[list[object]]:
    """Per level: name, letters, asked, paid in full, partly, paid amount, share paid in full."""
    return [[e.name, e.letters, e.claimed, e.paid_in_full, e.paid_partly, e.paid, e.share_paid]
            for e in overview.effects]


LETTER_COLUMNS = [("Nivå", "text"), ("Brev", "int"), ("Krävt", "amount_ore"), ("Betalt helt", "int"),
                  ("Betalt delvis", "int"), ("Betalt belopp", "amount_ore"), ("Andel betalda", "percent")]
STATUS_COLUMNS = [("Status", "text"), ("Ärenden", "int"), ("Krävt", "amount_ore"), ("Kvar", "amount_ore")]
STALLED_COLUMNS = [("Ärende", "text"), ("Status", "text"), ("Kundnr", "text"), ("Kund", "text"),
                   ("Senaste händelse", "text"), ("Dagar", "int"), ("Kvar", "amount_ore")]


def stalled_values(overview: CollectionOverview) -> list[list[object]]:
    """The stalled cases' rows."""
    from tui_inkasso.domain.codes import case_status_label

    return [[c.number, case_status_label(c.status), c.customer_number, c.customer_name,
             c.last_event.date().isoformat(), c.days, c.open] for c in overview.stalled]


def _overview_sheets(overview: CollectionOverview) -> list[ReportSheet]:
    from tui_inkasso.formats.report_xlsx import ReportSheet, SheetColumn

    heading = overview_heading(overview)

    def columns(spec: Sequence[tuple[str, str]], totals: bool = True, skip: Sequence[str] = ()) -> list[SheetColumn]:
        return [SheetColumn(title, kind, total=totals and kind in ("amount_ore", "int") and title not in skip)  # type: ignore[arg-type]  # kind: one of the *_COLUMNS specs' kinds
                for title, kind in spec]

    open_note = ("Öppet i inkasso är saldot vid månadens slut (summeras inte). Återvunnet inkasso = "
                 "betalningar med betalsätt Inkasso; direkt betalt = saldokorrigeringar.")
    return [
        ReportSheet("Per månad", heading, columns(month_columns(overview), skip=("Öppet i inkasso",)),
                    month_values(overview), notes=[open_note]),
        ReportSheet("Kravens effekt", [*heading, "Brev i perioden och vad som betalades före nästa nivå eller inkasso"],
                    columns(LETTER_COLUMNS), letter_values(overview)),
        ReportSheet("Ärenden per status", [*heading, "Eget ärenderegister, i dag"], columns(STATUS_COLUMNS),
                    [[s.label, s.cases, s.claimed, s.open] for s in overview.statuses]),
        ReportSheet("Utan händelse", [*heading, f"Öppna ärenden utan händelse på mer än {overview.stalled_days} dagar"],
                    columns(STALLED_COLUMNS, skip=("Dagar",)), stalled_values(overview)),
    ]


def _overview_pdf(overview: CollectionOverview, created: dt.datetime) -> bytes:
    from tui_inkasso.formats.pdf_table import PdfColumn, PdfTable, render_tables_pdf

    def table(heading: str, spec: Sequence[tuple[str, str]], rows: list[list[object]],
              totals_skip: Sequence[str] | None = None) -> PdfTable:
        columns = [PdfColumn(title, 1.0 if kind != "text" else 1.6, "L" if kind == "text" else "R")
                   for title, kind in spec]
        shown = [[_shown(value, kind) for value, (_t, kind) in zip(row, spec, strict=True)] for row in rows]
        totals = None
        if totals_skip is not None:
            totals = ["Totalt"] + [
                _shown(sum(int(r[i]) for r in rows), kind)  # type: ignore[call-overload]  # counted column: int
                if kind in ("amount_ore", "int") and title not in totals_skip else ""
                for i, (title, kind) in enumerate(spec) if i > 0]
        return PdfTable(heading, columns, shown, totals)

    heading = overview_heading(overview)
    tables = [
        table("Per månad", month_columns(overview), month_values(overview), ("Öppet i inkasso",)),
        table("Kravens effekt: betalt före nästa nivå eller inkasso", LETTER_COLUMNS, letter_values(overview)),
        table("Eget ärenderegister: ärenden per status", STATUS_COLUMNS,
              [[s.label, s.cases, s.claimed, s.open] for s in overview.statuses], ()),
        table(f"Öppna ärenden utan händelse på mer än {overview.stalled_days} dagar", STALLED_COLUMNS,
              stalled_values(overview)),
    ]
    return render_tables_pdf(heading[0], tables, created_at=created, subtitle=heading[1], landscape=True)


def _shown(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "amount_ore":
        return format_sek(int(value))  # type: ignore[call-overload]  # an amount is int öre
    if kind == "percent":
        return f"{float(value) * 100:.1f} %".replace(".", ",")  # type: ignore[arg-type]  # a percent is a float
    return str(value)

