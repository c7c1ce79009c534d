"""Finishing the files of a collection run that a crash interrupted (docs/collection.md, "Files and crashes").

A run stages its files in a hidden folder beside the final names (:data:`STAGING`) inside its
transaction, records them (``CollectionFile``: the final path and the SHA-256) and publishes them
after the commit (``services.publishing``). A crash after the commit leaves records whose final
file is missing and whose content waits in the staging folder: :func:`recover` (called by every
run, the collection wizard, and at the start of the app and the daemon) gives each its name. A
staged file no record claims belonged to a run that died or rolled back before its commit, and is
removed.

This module imports no file format, so the start of the app can look for work cheaply
(:func:`files_to_recover`) and recover without loading the run's libraries.
"""

from __future__ import annotations

from pathlib import Path

from tui_inkasso.db.models import CollectionFile
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import publishing
from tui_inkasso.services.permissions import may, reads
from tui_inkasso.services.publishing import Staging
from tui_inkasso.services.settings import get_setting

FILE_KIND = "cases"
"""``CollectionFile.kind`` of a collection run's files (agency files and Excel sheets)."""

PENDING_DIR = ".inkasso-pending"
"""Folder (beside the final file) that holds files whose transaction has not committed yet."""

STAGING = Staging(suffix=".part", folder=PENDING_DIR, unique=True)
"""``<folder>/.inkasso-pending/<final name>.<random>.part``: a name no agency pick-up, FTP mirror
or person looks at, and one of its own for each run."""

RECOVERY_SCAN = 200
"""How many of the latest collection files recovery checks for a missing final file."""


CASE_FILES = publishing.RecordedFiles(
    CollectionFile, STAGING, where=(CollectionFile.kind == FILE_KIND,), scan=RECOVERY_SCAN
)
"""The collection run's files for :func:`publishing.recover`."""


@reads
def output_folder() -> Path:
    """The collection output folder as configured (absolute; not created here)."""
    return Path(get_setting("collection.output_dir")).expanduser().absolute()


@reads
def recover(folder: Path | None = None) -> list[str]:
    """Publish files a crash left staged; what could not be done, and what was, as Swedish lines.
    A reader's session finishes nothing (it may not write): the next clerk's does."""
    if not may(StaffRole.CLERK):
        return []
    folders = [folder or output_folder()]
    try:
        done = publishing.recover(CASE_FILES, [f for f in folders if f.is_dir()])
    except OSError as exc:
        return [f"Återställning av inkassofiler: {exc}"]
    problems = [r.detail for r in done if r.action == "blocked"]
    return problems + [f"Inkassofilen {r.path} flyttades på plats efter ett avbrott."
                       for r in done if r.action == "renamed"]


def files_to_recover() -> bool:
    """True when :func:`recover` may have something to do (a cheap look for the start).

    It publishes a recent recorded file that is missing but staged beside it, and tidies the
    staging folder of the output folder; without such a folder there is nothing for it to do.
    """
    return CASE_FILES.may_have_work(output_folder())
