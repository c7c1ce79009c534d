"""The file of new collection cases for an agency (Intrum, Svea), as plain rows in, bytes out.

The collection run (services) fills ``CaseRecord`` rows from the ledger; this module turns them
into the agency's file through a declarative layout (``formats/layouts/*.json``, read by
``formats/layout.py``, rendered by ``formats/layout_renderer.py``). Nothing here knows a record position: that is the layout's business,
so an agency's specification is matched by editing JSON, see docs/formats/intrum.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tui_inkasso.domain.collection_systems import debt_type
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.fileio import FileNameError, file_in
from tui_inkasso.formats.layout import Layout, RecordSpec, load_layout
from tui_inkasso.formats.layout_renderer import Context, RecordValueError
from tui_inkasso.formats.output import open_target


class CaseFileError(ValueError):
    """The cases cannot be written in this layout; the message (Swedish) names line, case, invoice,
    field."""


@dataclass(frozen=True, slots=True)
class Creditor:
    """The owner (ägare) on whose behalf the agency collects."""

    owner_id: int | str
    name: str
    org_no: str
    """Organisationsnummer, NNNNNN-NNNN."""
    bankgiro: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    agency_customer_number: str = ""
    """The owner's client number at the agency, when the agreement gives one."""


@dataclass(frozen=True, slots=True)
class Debtor:
    """The customer (kund) the claim is against."""

    customer_number: str
    name: str
    national_id: str
    """Personnummer YYYYMMDD-NNNN or organisationsnummer NNNNNN-NNNN."""
    is_company: bool
    address: str = ""
    postal_code: str = ""
    city: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """One invoice handed to collection, with the amounts claimed when the case was created.

    ``debt_type`` is the agency's code as the collection run stored it (CaseInvoice.debt_type);
    when empty it is derived from ``sfi_category`` for the file's system through
    ``domain.collection_systems.debt_type``.
    """

    case_number: str
    invoice_number: str
    kind: str
    """"rent" (hyresfaktura) or "direct" (direktfaktura)."""
    invoice_date: date
    due_date: date
    ocr: str
    capital_ore: int
    fees_ore: int = 0
    interest_ore: int = 0
    sfi_category: SfiCategory = SfiCategory.NONE
    debt_type: str = ""
    object_id: str = ""
    object_address: str = ""
    last_dunning_level: int | None = None
    last_dunning_date: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sfi_category, SfiCategory):
            object.__setattr__(self, "sfi_category", SfiCategory.parse(self.sfi_category))

    @property
    def total_ore(self) -> int:
        """Capital, fees and interest together: what the debtor owes on this invoice."""
        return self.capital_ore + self.fees_ore + self.interest_ore

    def debt_type_for(self, system: str) -> str:
        """The stored debt type, or the one ``system`` uses for the object's SFI category."""
        return self.debt_type or debt_type(system, self.sfi_category)


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One collection case: one debtor's invoices towards one creditor."""

    case_number: str
    creditor: Creditor
    debtor: Debtor
    claims: tuple[Claim, ...]

    @property
    def count_claims(self) -> int:
        return len(self.claims)

    @property
    def sum_capital_ore(self) -> int:
        return sum(c.capital_ore for c in self.claims)

    @property
    def sum_fees_ore(self) -> int:
        return sum(c.fees_ore for c in self.claims)

    @property
    def sum_interest_ore(self) -> int:
        return sum(c.interest_ore for c in self.claims)

    @property
    def sum_total_ore(self) -> int:
        return sum(c.total_ore for c in self.claims)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """File-level values a header or trailer may show (the ``file.*`` sources)."""

    created: datetime
    file_id: str
    count_cases: int
    count_claims: int
    count_records: int
    sum_capital_ore: int
    sum_fees_ore: int
    sum_interest_ore: int
    sum_total_ore: int


def file_facts(
    cases: Sequence[CaseRecord], layout: Layout, created_at: datetime, file_id: str = ""
) -> FileFacts:
    """Counts and sums of the file, known before the first line is written."""
    claims = sum(len(c.claims) for c in cases)
    recs = layout.records
    count_records = (
        len(recs["header"])
        + len(recs["trailer"])
        + len(cases) * len(recs["case"])
        + claims * len(recs["claim"])
    )
    return FileFacts(
        created=created_at,
        file_id=file_id,
        count_cases=len(cases),
        count_claims=claims,
        count_records=count_records,
        sum_capital_ore=sum(c.sum_capital_ore for c in cases),
        sum_fees_ore=sum(c.sum_fees_ore for c in cases),
        sum_interest_ore=sum(c.sum_interest_ore for c in cases),
        sum_total_ore=sum(c.sum_total_ore for c in cases),
    )


def render_case_file(
    cases: Iterable[CaseRecord],
    layout: Layout | str,
    *,
    created_at: datetime | None = None,
    file_id: str = "",
) -> bytes:
    """The agency file for ``cases`` in ``layout`` (a Layout, a built-in name or a path).

    Refuses (CaseFileError) an empty list, a case without invoices, cases of several creditors
    when the header names one, and any value that does not fit its field.
    """
    layout = layout if isinstance(layout, Layout) else load_layout(layout)
    cases = list(cases)
    created_at = created_at or datetime.now().replace(microsecond=0)
    _check_cases(cases, layout)
    facts = file_facts(cases, layout, created_at, file_id)
    creditor = cases[0].creditor
    recs = layout.records
    lines: list[str] = []
    for record in recs["header"]:
        _emit(lines, record, (facts, creditor, None, None, None, len(lines) + 1, 0), None, None)
    for case in cases:
        for record in recs["case"]:
            _emit(
                lines,
                record,
                (facts, case.creditor, case, case.debtor, None, len(lines) + 1, 0),
                case,
                None,
            )
        for sequence, claim in enumerate(case.claims, 1):
            for record in recs["claim"]:
                ctx = (facts, case.creditor, case, case.debtor, claim, len(lines) + 1, sequence)
                _emit(lines, record, ctx, case, claim)
    for record in recs["trailer"]:
        _emit(lines, record, (facts, creditor, None, None, None, len(lines) + 1, 0), None, None)
    return layout.join_lines(lines)


def case_file_name(
    layout: Layout, cases: Sequence[CaseRecord], created_at: datetime, file_id: str = ""
) -> str:
    """The layout's file name for these cases (their creditor) created at ``created_at``."""
    if not cases:
        raise CaseFileError("inga ärenden: det finns ingen fil att namnge")
    return layout.file_name(cases[0].creditor, created_at, file_id)


def write_case_file(
    folder: str | os.PathLike[str],
    cases: Sequence[CaseRecord],
    layout: Layout | str,
    *,
    created_at: datetime | None = None,
    file_id: str = "",
) -> Path:
    """Render the file and write it into ``folder`` under the layout's name, atomically.

    The whole file is rendered (and so checked) before anything touches the disk; an existing
    file of the same name is never replaced.
    """
    layout = layout if isinstance(layout, Layout) else load_layout(layout)
    created_at = created_at or datetime.now().replace(microsecond=0)
    data = render_case_file(cases, layout, created_at=created_at, file_id=file_id)
    try:
        path = file_in(folder, case_file_name(layout, cases, created_at, file_id))
    except FileNameError as exc:
        raise CaseFileError(str(exc)) from None
    with open_target(path) as handle:
        handle.write(data)
    return path


def _emit(
    lines: list[str], record: RecordSpec, ctx: Context, case: CaseRecord | None, claim: Claim | None
) -> None:
    try:
        lines.append(record.render(ctx))
    except RecordValueError as exc:
        where = f"rad {ctx[5]}"
        if case is not None:
            where += f", ärende {case.case_number}"
        if claim is not None:
            where += f", faktura {claim.invoice_number}"
        raise CaseFileError(f"{where}: {exc}") from None


def _check_cases(cases: list[CaseRecord], layout: Layout) -> None:
    if not cases:
        raise CaseFileError("inga ärenden att skriva: en fil till inkassobolaget behöver minst ett ärende")
    for case in cases:
        if not case.claims:
            raise CaseFileError(f"ärende {case.case_number} har inga fakturor")
    if layout.file_level_uses_creditor:
        owners = sorted({str(c.creditor.owner_id) for c in cases})
        if len(owners) > 1:
            raise CaseFileError(
                f"ärenden från flera ägare ({', '.join(owners)}) i en fil, men layouten {layout.name} "
                "anger en borgenär i filhuvudet eller filnamnet: skriv en fil per ägare"
            )
