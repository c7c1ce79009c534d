"""Publishing a written file only after the transaction that records it has committed.

A run that writes a file (the collection run's agency file or Excel sheet, a balance-correction
file, the dunning run's letters) must never leave a visible file whose records were rolled back
(someone could send it to the agency, and the next run would send the same claims again), nor
committed records without their file. Every such file goes the same way:

1. **Stage** (:func:`stage`, :meth:`StagedFile.write`): the file is created under a pending name
   (its kind's :class:`Staging`: hidden, in the same file system as the final name), written,
   fsynced and hashed, before or inside the transaction. A failure removes it and raises
   :class:`PublishError` naming the file and the reason ("disken är full ...").
2. **Record**: the transaction stores the file's record with its SHA-256 (the record names the
   final path, or the pending path until the file is finished; the kind's :class:`Ledger` says
   which).
3. **Publish** (:meth:`StagedFile.publish`): after the commit the pending file gets its final
   name, never replacing a file there, and the folder is fsynced.
4. **Recover** (:func:`recover`): a crash between 2 and 3 leaves a committed record and its
   complete pending file. Recovery, called at the start of the app, the daemon and every run of
   the kind, publishes it (or has the kind write it again from its records) and finishes the
   record; a pending file no record claims (its transaction rolled back or never committed) is
   removed.

A run holds a shared :func:`folder_lock` on its folder from staging to publishing, taken before
its transaction (folder, then database, in every process); recovery works only in a folder it can
lock exclusively without waiting, so it never touches the files of a live run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.fileio import file_digest, fsync_dir
from tui_inkasso.services.errors import UserError

log = logging.getLogger(__name__)

CRASH_ENV = "TUI_INKASSO_CRASH_AT"
"""Test hook: the name of a step at which the process ends at once (``os._exit(137)``), as SIGKILL
would. Each run names its steps (collection: ``collection-before-commit`` ...; balance files:
``during-write`` ...). Unset in production, where it costs one dictionary lookup per step."""


def crash_point(step: str) -> None:
    """End the process here, as SIGKILL would, when the test hook names ``step``."""
    if os.environ.get(CRASH_ENV) == step:
        os._exit(137)


class PublishError(OSError):
    """A file could not be staged, written or published; the message names the file and why."""


class NameTaken(PublishError):
    """The final name exists already, or another live run has staged a file under it."""

    def __init__(self, message: str, *, by_run: bool) -> None:
        super().__init__(message)
        self.by_run = by_run


def os_reason(exc: OSError) -> str:
    """The operating system's reason as staff read it; a full disk (or file-size limit) says so."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason = f"disken är full ({reason})"
    return reason


# --------------------------------------------------------------------------- pending names


@dataclass(frozen=True)
class Staging:
    """How one kind of file is named while it waits for its transaction: always hidden, always in
    the final name's own file system (so publishing is a link or rename, never a copy).

    ``folder`` set: ``<folder of the final file>/<folder>/<final name>[.<token>]<suffix>``, so a
    program watching the output folder (an FTP mirror, an agency's pick-up) never lists it;
    without: ``.<final name>[.<token>]<suffix>`` beside the final file. ``unique``: every run
    stages under a name of its own (a random token), so a file left by a run that died before its
    commit never blocks the next run that wants the same final name; without, the pending name is
    fixed and a second live run finds it taken (:class:`NameTaken`).
    """

    suffix: str
    folder: str | None = None
    unique: bool = False

    def pending_path(self, final: Path) -> Path:
        """A pending name for ``final`` (a fresh one each call when ``unique``)."""
        token = f".{uuid.uuid4().hex[:12]}" if self.unique else ""
        if self.folder is None:
            return final.with_name(f".{final.name}{token}{self.suffix}")
        return final.parent / self.folder / f"{final.name}{token}{self.suffix}"

    def is_pending(self, path: str | Path) -> bool:
        """True for a name :meth:`pending_path` makes."""
        p = Path(path)
        if not p.name.endswith(self.suffix) or len(p.name) <= len(self.suffix) + 1:
            return False
        if self.folder is None:
            return p.name.startswith(".")
        return p.parent.name == self.folder

    def final_path(self, pending: str | Path) -> Path:
        """The final path a pending file stands for (the reverse of :meth:`pending_path`)."""
        p = Path(pending)
        if not self.is_pending(p):
            raise ValueError(f"{p} is not a pending name of this kind")
        name = p.name[: -len(self.suffix)]
        if self.unique:
            name = name.rsplit(".", 1)[0]
        if self.folder is None:
            return p.with_name(name[1:])
        return p.parent.parent / name

    def staging_dir(self, folder: Path) -> Path:
        """Where the pending files of final names in ``folder`` are."""
        return folder / self.folder if self.folder is not None else folder

    def pending_files(self, folder: Path) -> list[Path]:
        """Every pending file of this kind for final names in ``folder``."""
        staging = self.staging_dir(folder)
        if not staging.is_dir():
            return []
        if self.folder is None:
            return sorted(p for p in staging.glob(f".*{_glob_escape(self.suffix)}") if self.is_pending(p))
        return sorted(p for p in staging.iterdir() if self.is_pending(p))

    def has_pending(self, folder: Path) -> bool:
        """A cheap look: may ``folder`` hold pending files of this kind?"""
        if self.folder is not None:
            return (folder / self.folder).is_dir()
        return any(self.pending_files(folder))

    def candidates(self, final: Path) -> list[Path]:
        """Every pending file that may hold ``final``'s content (one per run that staged it)."""
        if not self.unique:
            pending = self.pending_path(final)
            return [pending] if pending.exists() else []
        staging = self.staging_dir(final.parent)
        if not staging.is_dir():
            return []
        hidden = "." if self.folder is None else ""
        return sorted(staging.glob(f"{hidden}{_glob_escape(final.name)}.*{_glob_escape(self.suffix)}"))

    def remove_empty(self, folder: Path) -> None:
        """Remove the staging folder of ``folder`` when it is empty (no-op for hidden siblings)."""
        if self.folder is not None:
            with contextlib.suppress(OSError):
                (folder / self.folder).rmdir()


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


# --------------------------------------------------------------------------- staging and publishing


@dataclass
class StagedFile:
    """A file under its pending name: written, then published after the commit, or discarded."""

    final: Path
    pending: Path
    staging: Staging
    sha256: str = ""
    size: int = 0
    published: bool = False
    fd: int | None = field(default=None, repr=False)

    def write(self, produce: Callable[[BinaryIO], object], *, sequential: bool = False) -> str:
        """Write the content (``produce(handle)``), fsynced; returns its SHA-256.

        ``sequential``: the producer only appends (a streamed XML file), so the content is hashed
        on its way to the disk instead of being read again; a producer that seeks (a zip-based
        Excel sheet) gets the plain file. Any failure removes the pending file: an OSError as
        :class:`PublishError` ("<final>: kunde inte skriva filen: <reason>"), anything else as it is.
        """
        assert self.fd is not None, "a staged file is written once"
        fd, self.fd = self.fd, None
        try:
            with os.fdopen(fd, "wb", buffering=1 << 16) as raw:
                sink: Any = _HashingWriter(raw) if sequential else raw
                produce(sink)
                raw.flush()
                os.fsync(raw.fileno())
            if sequential:
                self.sha256, self.size = sink.hexdigest(), sink.size
            else:
                self.sha256, self.size = file_digest(self.pending)
        except OSError as exc:
            self.discard()
            raise PublishError(f"{self.final}: kunde inte skriva filen: {os_reason(exc)}") from exc
        except BaseException:
            self.discard()
            raise
        return self.sha256

    def discard(self) -> None:
        """Close and remove the pending file (its transaction will not commit, or rolled back)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
        self.pending.unlink(missing_ok=True)
        self.staging.remove_empty(self.final.parent)

    def publish(self) -> None:
        """Give the file its final name after the commit; never replaces an existing file."""
        publish(self.pending, self.final, self.staging)
        self.published = True


def stage(final: Path, staging: Staging, produce: Callable[[BinaryIO], object] | None = None) -> StagedFile:
    """Create ``final``'s pending file, exclusively; with ``produce``, write it too (:meth:`StagedFile.write`).

    :class:`NameTaken` when ``final`` exists, or (a fixed pending name) another run has staged it;
    :class:`PublishError` when the file cannot be created.
    """
    if final.exists() or final.is_symlink():
        raise NameTaken(f"{final}: filen finns redan", by_run=False)
    pending = staging.pending_path(final)
    staged = StagedFile(final, pending, staging, fd=_create(final, pending, staging))
    if produce is not None:
        staged.write(produce)
    return staged


def _create(final: Path, pending: Path, staging: Staging) -> int:
    """Open a new pending file; its staging folder is made again if another run just removed it."""
    last: OSError | None = None
    for _attempt in range(3):
        try:
            if staging.folder is not None:
                pending.parent.mkdir(exist_ok=True)
            return os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError as exc:
            if pending.parent.is_dir():
                raise NameTaken(f"{final}: en annan körning skriver just nu en fil med det namnet",
                                by_run=True) from None
            last = exc  # a file where the staging folder goes
            break
        except FileNotFoundError as exc:
            last = exc
            if staging.folder is None:
                break
        except OSError as exc:
            last = exc
            break
    assert last is not None
    raise PublishError(f"{final}: ingen fil kan skapas i {final.parent}: {os_reason(last)}") from last


def write_at(path: Path, produce: Callable[[BinaryIO], object]) -> str:
    """Write a whole file at ``path`` (a pending name recovery makes again), fsynced; its SHA-256."""
    try:
        with path.open("wb", buffering=1 << 16) as raw:
            sink = _HashingWriter(raw)
            produce(sink)  # type: ignore[arg-type]  # producers only write(); the sink has that, not all of BinaryIO
            raw.flush()
            os.fsync(raw.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise PublishError(f"{path}: kunde inte skriva filen: {os_reason(exc)}") from exc
    return sink.hexdigest()


def publish(pending: Path, final: Path, staging: Staging) -> None:
    """Link ``pending`` to ``final`` (fails when ``final`` exists), drop the pending name, fsync."""
    taken = f"{final}: filen finns redan; den nya filen ligger kvar i {pending}"
    try:
        try:
            os.link(pending, final)
        except FileExistsError:
            raise PublishError(taken) from None
        except OSError:
            # File systems without hard links: check, then rename (the folder lock excludes a race).
            if final.exists():
                raise PublishError(taken) from None
            os.rename(pending, final)
        else:
            pending.unlink()
    except PublishError:
        raise
    except OSError as exc:
        raise PublishError(f"{final}: filen kunde inte få sitt namn: {os_reason(exc)}; "
                           f"den finns komplett i {pending}") from exc
    fsync_dir(final.parent)
    staging.remove_empty(final.parent)


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read (recovery then treats it as missing)."""
    try:
        return file_digest(path)[0]
    except OSError:
        return None


class _HashingWriter:
    """A binary sink that hashes and counts what passes through it on its way to the file."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self._handle.write(data)

    def flush(self) -> None:
        self._handle.flush()

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


# --------------------------------------------------------------------------- the folder lock


@contextlib.contextmanager
def folder_lock(folder: Path, *, exclusive: bool, wait: bool) -> Iterator[bool]:
    """flock on the folder itself: shared for a run (from staging to publishing), exclusive for
    recovery. Yields False (holding nothing) when ``wait`` is False and the lock is taken, or the
    folder cannot be opened; True while the lock is held."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield False
        return
    try:
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- recovery

Action = Literal["finished", "renamed", "regenerated", "removed", "blocked"]


@dataclass(frozen=True)
class Unfinished:
    """A committed record whose file does not have its final name yet."""

    key: Any
    """The kind's own handle on the record (its id)."""
    final: Path
    sha256: str
    pending: Path | None = None
    """The one pending file the record names, for a kind whose record keeps that exact name
    until it is finished (the dunning run's letters): only that file is published, whatever
    other pending files of the same final name there are. The transaction committed after the
    file was complete and fsynced, so it is the record's content even without a SHA-256."""


@dataclass(frozen=True)
class Recovered:
    """What recovery did to one file.

    ``finished``: the file had its name, the record was finished; ``renamed``: the pending file
    got its name; ``regenerated``: the file was written again from the records (``detail`` says
    when the content differs); ``removed``: a pending file no record claims; ``blocked``: nothing
    could be done this time, ``detail`` says why.
    """

    path: Path
    action: Action
    key: Any = None
    detail: str = ""


class Ledger(Protocol):
    """What recovery needs to know of one kind of file: where its pending files are, which records
    wait for their file, and how a record is finished."""

    staging: Staging

    def unfinished(self, folder: Path | None) -> Iterable[Unfinished]:
        """The committed records (in ``folder``, or anywhere) whose file has no final name yet."""
        ...

    def claims(self, pending: Path) -> bool:
        """True when a committed record waits for this pending file (it must not be removed)."""
        ...

    def finish(self, item: Unfinished, action: Action, sha256: str) -> None:
        """The file is under its final name now: finish the record (its path, its upload ...)."""
        ...

    def regenerate(self, item: Unfinished, path: Path) -> str | None:
        """Write the file again at ``path`` from the records; its SHA-256, or None when the kind
        cannot (its records do not hold the content)."""
        ...


class RecordedFiles:
    """A :class:`Ledger` for a kind whose record names its final path from the start (the
    collection run's files, the termination run's PDFs): a record whose file is missing but
    staged waits for it; nothing is left to finish in the record, and a lost staged file cannot
    be written again (the run's content was the claims or letters of that moment).

    ``model`` has ``id``, ``path`` and ``sha256``; ``where`` narrows it to the kind's records;
    only the latest ``scan`` records are looked at.
    """

    def __init__(self, model: Any, staging: Staging, *, where: tuple[Any, ...] = (), scan: int = 200) -> None:
        self.model = model
        self.staging = staging
        self.where = where
        self.scan = scan

    def _latest(self, *fields: Any) -> Any:
        query = self.model.select(*fields)
        if self.where:
            query = query.where(*self.where)
        return tuple_rows(query.order_by(self.model.id.desc()).limit(self.scan))

    def unfinished(self, folder: Path | None) -> Iterator[Unfinished]:
        model = self.model
        for file_id, path, sha256 in self._latest(model.id, model.path, model.sha256):
            final = Path(path)
            if (folder is None or final.parent == folder) and not final.exists() and self.staging.candidates(final):
                yield Unfinished(file_id, final, sha256)

    def claims(self, pending: Path) -> bool:
        final = self.staging.final_path(pending)
        return not final.exists() and bool(self.model.select().where(self.model.path == str(final)).exists())

    def finish(self, item: Unfinished, action: Action, sha256: str) -> None:
        """Nothing: the record names the final path already."""

    def regenerate(self, item: Unfinished, path: Path) -> str | None:
        return None

    def may_have_work(self, folder: Path) -> bool:
        """True when :func:`recover` may have something to do in ``folder`` (a cheap look for the
        start): a staged file there, or a recent record whose file is missing but staged."""
        if self.staging.has_pending(folder):
            return True
        latest = self._latest(self.model.path)
        return any(not Path(path).exists() and self.staging.candidates(Path(path)) for (path,) in latest)


def recover(ledger: Ledger, folders: Iterable[Path] = ()) -> list[Recovered]:
    """Finish what crashed runs of one kind left, in the folders of its unfinished records and in
    ``folders``. A folder a live run holds is left for next time. Never raises for a file: a
    problem is logged and returned as "blocked"."""
    wanted = {item.final.parent for item in ledger.unfinished(None)}
    wanted |= {Path(f) for f in folders if Path(f).is_dir()}
    done: list[Recovered] = []
    for folder in sorted(wanted):
        with folder_lock(folder, exclusive=True, wait=False) as held:
            if not held:
                continue
            for item in list(ledger.unfinished(folder)):
                done.append(_finish(ledger, item))
            done.extend(_remove_unclaimed(ledger, folder))
            ledger.staging.remove_empty(folder)
    return done


def _finish(ledger: Ledger, item: Unfinished) -> Recovered:
    if item.pending is not None:
        return _finish_named(ledger, item, item.pending)
    final = item.final
    try:
        if final.exists():
            if sha256_of(final) != item.sha256:
                return Recovered(final, "blocked", item.key,
                                 f"{final}: en annan fil med samma namn ligger i vägen; flytta den, så görs "
                                 "filen klar vid nästa körning")
            for pending in ledger.staging.candidates(final):
                pending.unlink(missing_ok=True)
            ledger.finish(item, "finished", item.sha256)
            return Recovered(final, "finished", item.key)
        candidates = ledger.staging.candidates(final)
        for pending in candidates:
            if not item.sha256 or sha256_of(pending) == item.sha256:
                publish(pending, final, ledger.staging)
                ledger.finish(item, "renamed", item.sha256)
                return Recovered(final, "renamed", item.key)
        pending = ledger.staging.pending_path(final)
        sha = ledger.regenerate(item, pending)
        if sha is None:
            return Recovered(final, "blocked", item.key,
                             f"{final}: inget förberett filinnehåll stämmer med det registrerade; flyttas inte")
        publish(pending, final, ledger.staging)
        ledger.finish(item, "regenerated", sha)
        return Recovered(final, "regenerated", item.key,
                         "" if sha == item.sha256 else "innehållet skiljer sig från originalet")
    except (OSError, UserError) as exc:
        log.error("%s could not be recovered: %s", final, exc)
        return Recovered(final, "blocked", item.key, str(exc))


def _finish_named(ledger: Ledger, item: Unfinished, pending: Path) -> Recovered:
    """:func:`_finish` for a record that names its pending file: publish that file; it is
    finished already when only the final name is left (the crash came after the rename); written
    again from the records when both are gone."""
    final = item.final
    try:
        if pending.exists():
            if item.sha256 and sha256_of(pending) != item.sha256:
                return Recovered(final, "blocked", item.key,
                                 f"{pending}: innehållet stämmer inte med det registrerade; flyttas inte")
            if final.exists() and not _same_file(pending, final):
                return Recovered(final, "blocked", item.key,
                                 f"{final}: en annan fil med samma namn ligger i vägen; flytta den, så görs "
                                 "filen klar vid nästa körning")
            if final.exists():
                pending.unlink()
                ledger.staging.remove_empty(final.parent)
                ledger.finish(item, "finished", item.sha256)
                return Recovered(final, "finished", item.key)
            publish(pending, final, ledger.staging)
            ledger.finish(item, "renamed", item.sha256)
            return Recovered(final, "renamed", item.key)
        if final.exists():
            ledger.finish(item, "finished", item.sha256)
            return Recovered(final, "finished", item.key)
        pending.parent.mkdir(exist_ok=True)
        sha = ledger.regenerate(item, pending)
        if sha is None:
            return Recovered(final, "blocked", item.key, f"{final}: filen finns inte och kan inte skrivas om")
        publish(pending, final, ledger.staging)
        ledger.finish(item, "regenerated", sha)
        return Recovered(final, "regenerated", item.key,
                         "" if not item.sha256 or sha == item.sha256 else "innehållet skiljer sig från originalet")
    except (OSError, UserError) as exc:
        log.error("%s could not be recovered: %s", final, exc)
        return Recovered(final, "blocked", item.key, str(exc))


def _same_file(a: Path, b: Path) -> bool:
    """The same file (one hard link left from publishing), or the same content."""
    try:
        return os.path.samefile(a, b) or sha256_of(a) == sha256_of(b)
    except OSError:
        return False


def _remove_unclaimed(ledger: Ledger, folder: Path) -> list[Recovered]:
    """Pending files no committed record waits for: their run died or rolled back before its commit."""
    done: list[Recovered] = []
    for pending in ledger.staging.pending_files(folder):
        if ledger.claims(pending):
            continue
        try:
            pending.unlink()
        except OSError as exc:
            done.append(Recovered(pending, "blocked", None, str(exc)))
            continue
        log.info("removed %s: a run ended before recording it", pending)
        done.append(Recovered(pending, "removed"))
    return done
