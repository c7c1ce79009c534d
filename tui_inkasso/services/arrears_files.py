"""Where a termination run's PDFs go, and finishing them after a crash.

A run (``services/arrears_run.py``) writes one PDF with the letters to the tenants and one per
municipality with the notices to its socialnämnd. They are kinds of ``services.publishing``:
staged under a hidden name inside the run's transaction, recorded (``TerminationFile``: the
final path and the SHA-256), published after the commit. A crash between commit and publishing
leaves records whose final file is missing and whose content waits in the staging folder;
:func:`recover` (called by every run, the screen and at start) gives each its name. A staged
file no record claims belonged to a run that rolled back, and is removed.

This module imports no file format, so the start can look for work cheaply.
"""

from __future__ import annotations

from pathlib import Path

from tui_inkasso.db.models import TerminationFile
from tui_inkasso.services import publishing
from tui_inkasso.services.dunning_levels import letters_dir
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.publishing import Staging

SUBFOLDER = "uppsagningar"
"""The run's PDFs go here, in the folder of the reminder and demand letters."""

PENDING_DIR = ".uppsagning-pending"

STAGING = Staging(suffix=".part", folder=PENDING_DIR, unique=True)
"""``<folder>/.uppsagning-pending/<final name>.<random>.part``: hidden, one name per run."""

RECOVERY_SCAN = 200
"""How many of the latest termination files recovery checks for a missing final file."""


@reads
def output_folder() -> Path:
    """The folder for termination letters and notices (not created here)."""
    return (letters_dir() / SUBFOLDER).absolute()


TERMINATION_FILES = publishing.RecordedFiles(TerminationFile, STAGING, scan=RECOVERY_SCAN)
"""The termination run's files for :func:`publishing.recover` (a lost staged file cannot be
written again: the terminations keep the letters as JSON for reprints)."""


def recover(folder: Path | None = None) -> list[str]:
    """Publish files a crash left staged; what was done and what could not be, as Swedish lines."""
    folders = [f for f in (folder or output_folder(),) if f.is_dir()]
    try:
        done = publishing.recover(TERMINATION_FILES, folders)
    except OSError as exc:
        return [f"Återställning av uppsägningar: {exc}"]
    problems = [r.detail for r in done if r.action == "blocked"]
    return problems + [f"Filen {r.path} flyttades på plats efter ett avbrott." for r in done if r.action == "renamed"]


def files_to_recover() -> bool:
    """True when :func:`recover` may have something to do (a cheap look for the start)."""
    return TERMINATION_FILES.may_have_work(output_folder())
