"""Files of the collection run: staged before the commit, published after it, recovered after a crash.

The order that can neither lose nor duplicate a case (docs/collection.md, "Files and crashes"):

1. Inside the run's write transaction the file is rendered and written, fsynced, to
   ``<folder>/.inkasso-pending/<final name>``: a name no agency pick-up, FTP mirror or person
   looks at. A render or write error rolls the transaction back; the pending file is removed.
2. The transaction commits: the cases, the invoices' marks and the ``CollectionFile`` record
   (with the final path and the file's SHA-256) exist together.
3. Only then is the file linked to its final name (never replacing an existing file) and the
   pending name removed; the folder is fsynced.

Each run stages under a name of its own (``<final name>.<random>.part``), so a file left by a run
that died before its commit can never block the next run that wants the same final name.

A crash before 2 leaves at most a pending file without a record: no cases, no visible file.
A crash between 2 and 3 leaves cases, a record and the complete pending file: the next run (or
``recover_pending_files``) moves it into place, so the cases are never without their file. A
rename before the commit would instead risk a visible file whose cases were rolled back, which
someone could send to the agency and which the next run would send again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tui_inkasso.db.models import CollectionFile
from tui_inkasso.fileio import file_digest, fsync_dir

PENDING_DIR = ".inkasso-pending"
"""Folder (beside the final file) that holds files whose transaction has not committed yet."""

ORPHAN_AGE = dt.timedelta(days=1)
"""A pending file without a record older than this is left over from a rolled-back run."""

RECOVERY_SCAN = 200
"""How many of the latest collection files recovery checks for a missing final file."""


class StagingError(OSError):
    """A file could not be staged or published; the message names the file and the reason."""


@dataclass
class StagedFile:
    """A file written under its pending name, waiting for the commit to be published."""

    final: Path
    pending: Path
    sha256: str = ""
    size: int = 0
    published: bool = field(default=False)

    def discard(self) -> None:
        """Remove the pending file (the transaction rolled back)."""
        self.pending.unlink(missing_ok=True)
        _remove_empty(self.pending.parent)

    def publish(self) -> None:
        """Give the file its final name after the commit; never replaces an existing file."""
        publish_pending(self.pending, self.final)
        self.published = True


def pending_path(final: Path) -> Path:
    """A fresh, unique name under which ``final`` is staged before its transaction commits."""
    return final.parent / PENDING_DIR / f"{final.name}.{uuid.uuid4().hex[:12]}.part"


def pending_candidates(final: Path) -> list[Path]:
    """Every staged file that may hold ``final``'s content (one per run that staged it)."""
    staging = final.parent / PENDING_DIR
    if not staging.is_dir():
        return []
    return sorted(staging.glob(f"{_glob_escape(final.name)}.*.part"))


def final_name_of(pending: Path) -> str:
    """The final file name a staged file stands for."""
    return pending.name.rsplit(".", 2)[0]


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def stage_file(final: Path, write: Callable[[BinaryIO], object]) -> StagedFile:
    """Write ``final``'s content (``write(handle)``) to its pending name, fsynced; hash it.

    Refuses when the final name exists already. Any failure removes the pending file and raises
    StagingError naming the file and the operating system's reason.
    """
    if final.exists():
        raise StagingError(f"{final}: filen finns redan")
    pending = pending_path(final)
    staged = StagedFile(final, pending)
    try:
        fd = _create(pending)
    except OSError as exc:
        raise StagingError(f"{final}: ingen fil kan skapas i {final.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        staged.sha256, staged.size = file_digest(pending)
    except OSError as exc:
        staged.discard()
        raise StagingError(f"{final}: filen kunde inte skrivas: {exc.strerror or exc}") from exc
    except BaseException:
        staged.discard()
        raise
    return staged


def _create(pending: Path) -> int:
    """Open a new pending file; the folder is made again if another run just removed it empty."""
    for attempt in range(3):
        pending.parent.mkdir(exist_ok=True)
        try:
            return os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def publish_pending(pending: Path, final: Path) -> None:
    """Link ``pending`` to ``final`` (fails when ``final`` exists), drop the pending name, fsync."""
    try:
        try:
            os.link(pending, final)
        except FileExistsError:
            raise StagingError(f"{final}: filen finns redan; den nya filen ligger kvar i {pending}") from None
        except OSError:
            # File systems without hard links: check, then rename (the run's lock excludes a race).
            if final.exists():
                raise StagingError(f"{final}: filen finns redan; den nya filen ligger kvar i {pending}") from None
            os.rename(pending, final)
        else:
            pending.unlink()
    except StagingError:
        raise
    except OSError as exc:
        raise StagingError(f"{final}: filen kunde inte få sitt namn: {exc.strerror or exc}; "
                           f"den finns komplett i {pending}") from exc
    fsync_dir(final.parent)
    _remove_empty(pending.parent)


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover_pending_files` did."""

    published: list[Path]
    removed: list[Path]
    problems: list[str]


def recover_pending_files(folders: list[Path] | None = None, now: dt.datetime | None = None) -> Recovery:
    """Finish what a crash interrupted: publish committed files, remove stale rolled-back ones.

    A recorded collection file whose final name is missing but whose pending file is there with
    the recorded SHA-256 is published. In ``folders`` (the output folder), any other pending file
    older than :data:`ORPHAN_AGE` is removed: its run rolled back or died before the commit (a
    younger one may belong to a run that is committing right now).
    """
    published: list[Path] = []
    removed: list[Path] = []
    problems: list[str] = []
    recorded: set[Path] = set()
    latest = CollectionFile.select().order_by(CollectionFile.id.desc()).limit(RECOVERY_SCAN)
    for row in latest:
        final = Path(row.path)
        recorded.add(final)
        if final.exists():
            continue
        _publish_recorded(row, final, published, problems)
    cutoff = (now or dt.datetime.now()) - ORPHAN_AGE
    for folder in folders or []:
        staging = folder / PENDING_DIR
        if not staging.is_dir():
            continue
        for pending in staging.iterdir():
            final = folder / final_name_of(pending)
            if not final.exists() and (
                final in recorded or CollectionFile.select().where(CollectionFile.path == str(final)).exists()
            ):
                continue  # a committed file still waiting for its name: never remove it
            if dt.datetime.fromtimestamp(pending.stat().st_mtime) < cutoff:
                pending.unlink(missing_ok=True)
                removed.append(pending)
        _remove_empty(staging)
    return Recovery(published, removed, problems)


def _publish_recorded(row: CollectionFile, final: Path, published: list[Path], problems: list[str]) -> None:
    """Publish the staged file whose content is the one recorded for ``final``, if there is one."""
    for pending in pending_candidates(final):
        digest, _size = file_digest(pending)
        if row.sha256 and digest != row.sha256:
            continue
        try:
            publish_pending(pending, final)
        except StagingError as exc:
            problems.append(str(exc))
        else:
            published.append(final)
        return
    if pending_candidates(final):
        problems.append(f"{final}: inget förberett filinnehåll stämmer med det registrerade; flyttas inte")


def _remove_empty(folder: Path) -> None:
    if folder.name != PENDING_DIR:
        return
    with contextlib.suppress(OSError):
        folder.rmdir()

