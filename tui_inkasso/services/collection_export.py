"""The result list of a collection run: shown, exported to Excel or PDF, and read back.

The cases a run created (or stored cases by id, for an earlier run) as the formats take them
(``CaseRecord``), the columns the screen, the Excel export and the PDF share, and the preview
of the Excel-only system's sheet, which no agency reads, so staff read it in the program.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import peewee as pw

from tui_inkasso.db.bulk import CHUNK, fetch_in_chunks
from tui_inkasso.db.models import (
    CaseInvoice,
    CollectionCase,
    Customer,
    Invoice,
    ObjectType,
    Owner,
    RentalObject,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.collection_systems import BY_CODE
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.fileio import FileWriteError, write_bytes_atomic
from tui_inkasso.formats.case_file import CaseRecord, Claim
from tui_inkasso.services.case_records import creditor_of, debtor_of
from tui_inkasso.services.clock import now
from tui_inkasso.services.collection_errors import CollectionError
from tui_inkasso.services.collection_recovery import output_folder
from tui_inkasso.services.collection_run import CaseRunResult
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.settings import output_dir
from tui_inkasso.services.stored_values import stored_date

LIST_COLUMNS: tuple[tuple[str, Literal["text", "amount_ore"]], ...] = (
    ("Ärende", "text"),
    ("Kundnr", "text"),
    ("Kund", "text"),
    ("Fakturor", "text"),
    ("Belopp", "amount_ore"),
    ("Skuldtyp", "text"),
    ("Ägare", "text"),
)
"""The result list as exported to Excel: the same columns the screen and the PDF show.

(title, kind) pairs, made into ``formats.excel.Column`` only when a list is exported: importing
openpyxl (and fpdf for the PDF) with this module cost about 0.6 s of every start that loads it.
"""


def case_records(case_ids: Sequence[int]) -> list[CaseRecord]:
    """Stored cases as format rows, in case-number order (for exports of earlier runs)."""
    cases = {c.id: c for c in fetch_in_chunks(
        lambda chunk: CollectionCase.select().where(CollectionCase.id.in_(chunk)), list(case_ids), CHUNK)}
    if not cases:
        return []
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({c.owner_id for c in cases.values()}))}
    customers = {c.id: c for c in fetch_in_chunks(
        lambda chunk: Customer.select().where(Customer.id.in_(chunk)),
        list({c.customer_id for c in cases.values()}), CHUNK)}

    def claims_query(chunk: list[int]) -> Any:
        return tuple_rows(
            CaseInvoice.select(CaseInvoice.case, CaseInvoice.balance, CaseInvoice.fees, CaseInvoice.interest,
                               CaseInvoice.debt_type, Invoice.number, Invoice.kind, Invoice.invoice_date,
                               Invoice.due_date, Invoice.ocr, Invoice.dunning_level, Invoice.dunning_date,
                               RentalObject.code, RentalObject.address, ObjectType.sfi)
            .join(Invoice, on=(CaseInvoice.invoice == Invoice.id))
            .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
            .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
            .where(CaseInvoice.case.in_(chunk))
        )

    claims: dict[int, list[Claim]] = defaultdict(list)
    for (case_id, balance, fees, interest, stored, number, kind, inv_date, due, ocr, level, level_date,
         obj_code, obj_address, sfi) in fetch_in_chunks(claims_query, list(cases), CHUNK):
        case = cases[case_id]
        coded = _coded(case.system)
        claims[case_id].append(Claim(
            case_number=case.number, invoice_number=number, kind=kind, invoice_date=stored_date(inv_date),
            due_date=stored_date(due), ocr=ocr, capital_ore=balance, fees_ore=fees, interest_ore=interest,
            sfi_category=SfiCategory.parse(sfi), debt_type=stored if coded else "", object_id=obj_code or "",
            object_address=obj_address or "", last_dunning_level=level or None,
            last_dunning_date=stored_date(level_date) if level_date else None,
        ))
    ordered = sorted(cases.values(), key=lambda c: c.number)
    return [
        CaseRecord(c.number, creditor_of(owners[c.owner_id]), debtor_of(customers[c.customer_id]),
                   tuple(sorted(claims[c.id], key=lambda x: (x.due_date, x.invoice_number))))
        for c in ordered if claims[c.id]
    ]


@reads
def case_list_export(
    source: CaseRunResult | Sequence[int],
    path: Path,
    kind: Literal["xlsx", "pdf"] = "xlsx",
    *,
    title: str = "Skapade inkassoärenden",
) -> Path:
    """Export the result list (case, customer, invoices, amount, debt type) as .xlsx or PDF.

    ``source`` is a run's result or stored case ids. ``path`` is a file, or a folder for a
    dated default name; an existing file is never replaced. Returns the path written.
    """
    if kind not in ("xlsx", "pdf"):
        raise CollectionError(f"okänt exportformat {kind!r}; välj xlsx eller pdf")
    records = source.records if isinstance(source, CaseRunResult) else case_records(list(source))
    if not records:
        raise CollectionError("Inga ärenden att exportera.")
    created = now()
    target = Path(path).expanduser().absolute()
    if target == output_folder() or target.parent == output_folder():
        output_dir()  # the configured folder is created with its first file
    if target.is_dir():
        target = target / f"inkassoarenden_{created:%Y%m%d_%H%M%S}.{kind}"
    elif target.suffix.lower() != f".{kind}":
        target = target.with_name(target.name + f".{kind}")
    from tui_inkasso.formats.excel import Column, ExcelError, write_table_xlsx

    try:
        if kind == "pdf":
            from tui_inkasso.formats.case_list_pdf import render_case_list_pdf

            write_bytes_atomic(target, render_case_list_pdf(records, title, created))
        else:
            columns = [Column(name, column_kind) for name, column_kind in LIST_COLUMNS]
            write_table_xlsx("Inkassoärenden", columns, _list_rows(records), target)
    except (FileWriteError, OSError) as exc:
        raise CollectionError(f"Listan kunde inte sparas: {exc}") from None
    except ExcelError as exc:
        raise CollectionError(f"Listan kunde inte skapas: {exc}") from None
    return target


def _list_rows(records: Iterable[CaseRecord]) -> Iterable[tuple[Any, ...]]:
    for record in records:
        yield (
            record.case_number,
            record.debtor.customer_number,
            record.debtor.name,
            ", ".join(c.invoice_number for c in record.claims),
            record.sum_total_ore,
            ", ".join(dict.fromkeys(c.debt_type or c.sfi_category.label for c in record.claims)),
            record.creditor.name,
        )


def result_list_rows(result: CaseRunResult) -> list[tuple[str, str, str, int, str]]:
    """(case, customer, invoices, amount in öre, debt types) per case, as the screen lists them."""
    return [
        (c.number, f"{c.customer_number} {c.customer_name}", ", ".join(x.number for x in c.claims), c.total,
         c.debt_types)
        for c in result.cases
    ]


@reads
def default_excel_path(at: dt.datetime | None = None) -> Path:
    """Where "Skapa Excelfil" proposes to save: the output folder, a dated name."""
    when = at or now()
    return output_folder() / f"inkasso_{when:%Y%m%d_%H%M%S}.xlsx"


def excel_preview(path: Path, max_rows: int = 200) -> tuple[list[str], list[list[str]]]:
    """The header and first ``max_rows`` rows of an Excel list, as display text for the screen.

    The Excel-only system has no agency to look at the file, so staff read it in the app.
    """
    from tui_inkasso.formats.excel import read_xlsx_preview

    return read_xlsx_preview(path, max_rows)


def _coded(system: str) -> bool:
    """Whether the claims of a case in ``system`` store the agency's debt-type codes."""
    spec = BY_CODE.get(system)
    return spec is not None and spec.debt_types is not None
