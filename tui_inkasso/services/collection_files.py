"""The files of a collection run: where they go, what they are called, their content, their upload.

What a run writes is the system's business (``domain.collection_systems``): an agency gets one
case file per owner (its header and file name name one creditor) in the agency's layout, queued
for upload in the run's transaction; the Excel-only system gets one sheet with every case; the
in-house register gets none. Each file is staged inside the run's transaction and published
after the commit (``services.publishing``; docs/collection.md, "Files and crashes"), so a crash
can leave neither cases without their file nor a file without its cases; what a crash left is
finished by ``services.collection_recovery``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui_inkasso.db.bulk import reserve_ids
from tui_inkasso.db.models import CollectionFile, OutboxFile
from tui_inkasso.domain.collection_systems import CollectionSystemSpec
from tui_inkasso.fileio import FileWriteError, make_folder
from tui_inkasso.formats.case_file import CaseFileError, CaseRecord, render_case_file
from tui_inkasso.formats.layout import Layout, LayoutError, load_layout
from tui_inkasso.services import outbox, publishing
from tui_inkasso.services.case_records import creditor_of
from tui_inkasso.services.collection_errors import CollectionError
from tui_inkasso.services.collection_recovery import STAGING
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.publishing import PublishError, StagedFile
from tui_inkasso.services.settings import get_setting

if TYPE_CHECKING:
    from tui_inkasso.services.collection_claims import PlannedCase

Destination = tuple[Path, str | None]
"""(folder, file name): the name the user gave, or None when the run names its files."""


@dataclass
class PlannedFile:
    """A file the run writes: its record's id, its file id, its final path, its cases."""

    collection_file_id: int
    file_id: str
    final: Path
    cases: list[PlannedCase]
    records: list[CaseRecord] = field(default_factory=list)
    staged: StagedFile | None = None


def layout_of(spec: CollectionSystemSpec) -> Layout | None:
    """The agency's file layout (read before the run: a broken layout refuses it at once)."""
    if spec.layout is None:
        return None
    try:
        return load_layout(spec.layout)
    except LayoutError as exc:
        raise CollectionError(f"Filformatet för {spec.label} kan inte läsas: {exc}") from None


def destination(spec: CollectionSystemSpec, out: Path | None) -> Destination | None:
    """(folder, file name or None) for the run's files; None when the system writes none."""
    if not spec.writes_file:
        return None
    if out is None:
        folder = Path(get_setting("collection.output_dir")).expanduser().absolute()
        try:
            make_folder(folder)  # the owner's, or the staff group's (services.file_access)
        except OSError as exc:
            raise CollectionError(f"Mappen för inkassofiler {folder} kan inte skapas: "
                                  f"{exc.strerror or exc}; inget har registrerats.") from None
        return folder, None
    target = Path(out).expanduser().absolute()
    if target.is_dir():
        return target, None
    if target.exists():
        raise CollectionError(f"{target}: filen finns redan; välj ett annat namn. Inget har registrerats.")
    if not target.parent.is_dir():
        raise CollectionError(f"{target.parent}: mappen finns inte; inget har registrerats.")
    name = target.name
    if spec.writes_excel and not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return target.parent, name


@contextlib.contextmanager
def folder_held(where: Destination | None) -> Iterator[None]:
    """The run's shared lock on its folder, from staging to publishing (recovery keeps out)."""
    if where is None:
        yield
        return
    with publishing.folder_lock(where[0], exclusive=False, wait=True):
        yield


def plan_files(spec: CollectionSystemSpec, cases: list[PlannedCase], created: dt.datetime,
               where: Destination | None, layout: Layout | None) -> list[PlannedFile]:
    """Which files the run writes (none in-house, one sheet for Excel, one agency file per
    owner), their records' ids reserved and their final names chosen; in the run's transaction.
    Their cases' records follow (:func:`add_records`): the run builds them while the database
    stores its rows."""
    if where is None:
        return []
    folder, name = where
    groups = file_groups(spec, cases, name)
    file_ids = reserve_ids(CollectionFile, len(groups))
    taken: set[Path] = set()
    planned = []
    for group_cases, cf_id in zip(groups, file_ids, strict=True):
        file_id = f"{spec.case_prefix}{created:%Y%m%d}-{cf_id}"
        if name is not None:
            wanted = name
        elif layout is not None:
            wanted = layout.file_name(creditor_of(group_cases[0].owner), created, file_id)
        else:
            wanted = f"inkasso_{created:%Y%m%d_%H%M%S}.xlsx"
        final = _free_path(folder, wanted, taken, exact=name is not None)
        taken.add(final)
        planned.append(PlannedFile(cf_id, file_id, final, group_cases))
    return planned


def file_groups(spec: CollectionSystemSpec, cases: list[PlannedCase], name: str | None) -> list[list[PlannedCase]]:
    """The cases of each file: all in one sheet, or an agency's file per owner."""
    if not spec.is_agency:
        return [cases]
    by_owner: dict[int, list[PlannedCase]] = {}
    for case in cases:
        by_owner.setdefault(case.owner.id, []).append(case)
    groups = list(by_owner.values())
    if name is not None and len(groups) > 1:
        codes = ", ".join(sorted(g[0].owner.code for g in groups))
        raise CollectionError(
            f"Ärendena gäller {len(groups)} ägare ({codes}) och {spec.label} vill ha en "
            "fil per ägare: ange en mapp i stället för ett filnamn. Inget har registrerats.")
    return groups


def add_records(planned: list[PlannedFile], cases: list[PlannedCase], records: list[CaseRecord]) -> None:
    """Give each planned file its cases' records (``records[i]`` is ``cases[i]`` as the formats
    take it), in the file's order."""
    record_of = {id(case): record for case, record in zip(cases, records, strict=True)}
    for plan in planned:
        plan.records = [record_of[id(case)] for case in plan.cases]


def amount(plan: PlannedFile) -> int:
    """What the file claims: capital, fees and interest of all its cases' invoices."""
    return sum(x.balance + x.fees + x.interest for case in plan.cases for x in case.claims)


def _free_path(folder: Path, name: str, taken: set[Path], *, exact: bool) -> Path:
    """``folder/name``, or with ``_2``, ``_3`` ... when another file or run has that name."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    n = 1
    while path in taken or path.exists() or CollectionFile.select().where(CollectionFile.path == str(path)).exists():
        if exact:
            raise CollectionError(f"{path}: filen finns redan; välj ett annat namn. Inget har registrerats.")
        n += 1
        path = folder / f"{stem}_{n}{suffix}"
    return path


def stage(spec: CollectionSystemSpec, plan: PlannedFile, created: dt.datetime, layout: Layout | None) -> StagedFile:
    """Render and write the file under its pending name; errors roll the run back."""
    try:
        if layout is not None:
            data = render_case_file(plan.records, layout, created_at=created, file_id=plan.file_id)
            return publishing.stage(plan.final, STAGING, lambda handle: handle.write(data))
        return _stage_excel(plan)
    except CaseFileError as exc:
        raise CollectionError(f"Inkassofilen kan inte skapas: {exc}. Inget har registrerats.") from None
    except (PublishError, FileWriteError) as exc:
        what = "Excelfilen" if spec.writes_excel else "Inkassofilen"
        raise CollectionError(f"{what} kunde inte skrivas: {exc}. Inget har registrerats.") from None


def _stage_excel(plan: PlannedFile) -> StagedFile:
    """The Excel-only system's sheet; openpyxl is imported here, not with the module (see below)."""
    from tui_inkasso.formats.excel import ExcelError, write_cases_xlsx

    try:
        return publishing.stage(plan.final, STAGING, lambda handle: write_cases_xlsx(plan.records, handle))
    except ExcelError as exc:
        raise CollectionError(f"Excelfilen kan inte skapas: {exc}. Inget har registrerats.") from None


def record_digests(planned: list[PlannedFile]) -> None:
    """Each staged file's SHA-256 in its record (written before the file, so the cases could name
    it while the file was rendered), in the run's transaction."""
    for plan in planned:
        assert plan.staged is not None
        CollectionFile.update(sha256=plan.staged.sha256).where(
            CollectionFile.id == plan.collection_file_id).execute()


def enqueue(spec: CollectionSystemSpec, planned: list[PlannedFile]) -> list[int]:
    """Record agency files for upload (when collection.upload_url is set), in this transaction.

    The outbox measures the staged file; its record then names the final path it will have.
    """
    if not spec.is_agency:
        return []
    ids = []
    for plan in planned:
        assert plan.staged is not None
        try:
            row = outbox.enqueue_delivery(plan.staged.pending, "cases", plan.collection_file_id,
                                          final=plan.final)
        except UserError as exc:  # outbox's own words: "<file>: filen kan inte läggas i utkorgen: ..."
            raise CollectionError(f"{exc}. Inget har registrerats.") from None
        if row is not None:
            OutboxFile.update(path=str(plan.final.resolve())).where(OutboxFile.id == row.id).execute()
            ids.append(row.id)
    return ids


def discard(planned: list[PlannedFile]) -> None:
    """Remove the staged files of a run whose transaction did not commit."""
    for plan in planned:
        if plan.staged is not None:
            plan.staged.discard()


def publish(planned: list[PlannedFile]) -> list[str]:
    """Give each committed file its final name; a file that cannot is left to recovery (a warning)."""
    warnings = []
    for plan in planned:
        if plan.staged is not None:
            try:
                plan.staged.publish()
            except PublishError as exc:
                warnings.append(f"Filen kunde inte få sitt namn: {exc}. Ärendena är skapade; "
                                "nästa inkassokörning flyttar filen på plats.")
    return warnings
