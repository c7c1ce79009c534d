"""The printed list of collection cases created by a run (the "återkoppling" after the file).

One row per case: case number, customer, its invoices, the amount claimed and the debt type;
totals at the end. Drawn by the generic ``pdf_table``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats.case_file import CaseRecord
from tui_inkasso.formats.pdf_table import PdfColumn, render_table_pdf

CASE_LIST_COLUMNS = (
    PdfColumn("Ärende", 1.3),
    PdfColumn("Kund", 3.2),
    PdfColumn("Fakturor", 2.6),
    PdfColumn("Belopp", 1.4, "R"),
    PdfColumn("Skuldtyp", 1.0),
)


def case_list_rows(
    cases: Iterable[CaseRecord], system: str = "none"
) -> list[tuple[str, str, str, str, str]]:
    """The list's rows as display text; the same rows a screen shows and Excel exports."""
    rows = []
    for case in cases:
        debtor = case.debtor
        invoices = ", ".join(c.invoice_number for c in case.claims)
        debt_types = ", ".join(dict.fromkeys(c.debt_type_for(system) for c in case.claims))
        rows.append(
            (
                case.case_number,
                f"{debtor.customer_number} {debtor.name}",
                invoices,
                format_sek(case.sum_total_ore),
                debt_types,
            )
        )
    return rows


def render_case_list_pdf(
    cases: Iterable[CaseRecord], title: str, created_at: datetime, *, system: str = "none"
) -> bytes:
    """The case list as PDF bytes; ``system`` picks the debt type codes (intrum, svea, none)."""
    cases = list(cases)
    rows = case_list_rows(cases, system)
    invoices = sum(len(c.claims) for c in cases)
    total = sum(c.sum_total_ore for c in cases)
    totals = (f"{len(cases)} ärenden", "", f"{invoices} fakturor", format_sek(total), "")
    subtitle = f"{len(cases)} ärenden, {invoices} fakturor, totalt {format_sek(total)} kr"
    return render_table_pdf(
        title, CASE_LIST_COLUMNS, rows, created_at=created_at, subtitle=subtitle, totals=totals
    )
