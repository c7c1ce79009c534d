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

from collections.abc import Iterator
from pathlib import Path

from tui_inkasso.db.models import CollectionFile
from tui_inkasso.services import publishing
from tui_inkasso.services.publishing import Action, Staging, Unfinished
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


class CaseFiles:
    """The collection run's files for :func:`publishing.recover`: a record names its final path
    from the start, so a record whose file is missing but staged waits for it; nothing is left to
    finish in the record, and a lost staged file cannot be written again (the run's content was
    the claims at that moment)."""

    staging = STAGING

    def unfinished(self, folder: Path | None) -> Iterator[Unfinished]:
        latest = (CollectionFile.select(CollectionFile.id, CollectionFile.path, CollectionFile.sha256)
                  .where(CollectionFile.kind == FILE_KIND)
                  .order_by(CollectionFile.id.desc()).limit(RECOVERY_SCAN).tuples())
        for file_id, path, sha256 in latest:
            final = Path(path)
            if (folder is None or final.parent == folder) and not final.exists() and STAGING.candidates(final):
                yield Unfinished(file_id, final, sha256)

    def claims(self, pending: Path) -> bool:
        final = STAGING.final_path(pending)
        return not final.exists() and CollectionFile.select().where(CollectionFile.path == str(final)).exists()

    def finish(self, item: Unfinished, action: Action, sha256: str) -> None:
        """Nothing: the record names the final path already."""

    def regenerate(self, item: Unfinished, path: Path) -> str | None:
        return None


def output_folder() -> Path:
    """The collection output folder as configured (absolute; not created here)."""
    return Path(get_setting("collection.output_dir")).expanduser().absolute()


def recover(folder: Path | None = None) -> list[str]:
    """Publish files a crash left staged; what could not be done, and what was, as Swedish lines."""
    folders = [folder or output_folder()]
    try:
        done = publishing.recover(CaseFiles(), [f for f in folders if f.is_dir()])
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
    if STAGING.has_pending(output_folder()):
        return True
    latest = (CollectionFile.select(CollectionFile.path).where(CollectionFile.kind == FILE_KIND)
              .order_by(CollectionFile.id.desc()).limit(RECOVERY_SCAN).tuples())
    return any(not Path(path).exists() and STAGING.candidates(Path(path)) for (path,) in latest)
