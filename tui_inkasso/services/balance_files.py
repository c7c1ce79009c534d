"""The file mechanics of balance-correction files: names, temporary files, locks, streaming.

``services.balance_corrections`` decides WHAT goes into a file; this module knows HOW a file is
put on disk so that a crash at any moment loses nothing and duplicates nothing
(docs/balance-corrections.md, "Crash safety"):

* a file is first written under a temporary name next to its final name,
  ``.<final name>.saldo-tmp``, created with O_EXCL (so two runs never share a name), validated
  while written and fsynced;
* the database record is committed with the TEMPORARY path (that is how the temporary name is
  "stored"); only then the file is renamed and the record's path set to the final name;
* :func:`dir_lock` keeps the recovery away from files a live run is still working on: a run holds
  a shared lock on the folder from its first temporary file until its last rename, and recovery
  only touches a folder it can lock exclusively (without waiting).

It also streams rows from the database in constant memory (:func:`stream_tuples`, a server-side
cursor on PostgreSQL) inside one consistent snapshot (:func:`read_snapshot`), and spools payment
ids to a temporary file (:class:`IdSpool`), so 100,000 corrections never sit in memory at once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import itertools
import os
import re
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.fileio import file_digest, fsync_dir
from tui_inkasso.formats.balance_xml import BalanceFileHeader, Correction, write_balance_xml
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.transaction import is_postgres

TEMP_SUFFIX = ".saldo-tmp"
"""Suffix of the temporary files of balance files (distinct, so cleaning never touches others')."""

CRASH_ENV = "TUI_INKASSO_CRASH_AT"
"""Test hook: the name of a step at which the process ends at once (``os._exit(137)``).

Steps: ``during-write`` (half the corrections of the first file written), ``after-write`` (every
temporary file written, nothing recorded), ``after-commit`` (recorded, nothing renamed),
``before-rename`` (just before the LAST file's rename; with several files the others are in
place), ``after-rename`` (the last file has its name, its record still points at the temporary
name). Unset in production, where it costs one dictionary lookup per step."""

FETCH_ROWS = 2000
"""Rows per fetch of a server-side cursor (PostgreSQL)."""


class BalanceFileError(UserError):
    """A balance file that cannot be written or placed; nothing was recorded."""

    exit_code = 1


def crash_point(step: str) -> None:
    """End the process here, as SIGKILL would, when the test hook names ``step``."""
    if os.environ.get(CRASH_ENV) == step:
        os._exit(137)


# --------------------------------------------------------------------------- names


@dataclass
class FilePlan:
    """A file about to be written: its final and temporary path, its id, the open temp file."""

    final: Path
    temp: Path
    file_id: str
    fd: int | None


def safe_part(text: str) -> str:
    """``text`` reduced to what is safe in a file name and an XML token: letters, digits, - _."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned or "x"


def temp_path(final: Path) -> Path:
    """The temporary name of ``final``: hidden, in the same folder, with our own suffix."""
    return final.with_name(f".{final.name}{TEMP_SUFFIX}")


def final_path(temp: Path) -> Path:
    """The reverse of :func:`temp_path`."""
    name = temp.name
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        raise ValueError(f"{temp} is not the temporary name of a balance file")
    return temp.with_name(name[1 : -len(TEMP_SUFFIX)])


def is_temp_path(path: str | Path) -> bool:
    """True for a temporary name made by :func:`temp_path`."""
    name = Path(path).name
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def plan_file(
    folder: Path, name_for: Callable[[int], str], id_for: Callable[[int], str],
    id_taken: Callable[[str], bool], *, exact: bool = False,
) -> FilePlan:
    """Reserve a final name in ``folder`` and a file id, and open the temporary file.

    ``name_for(n)``/``id_for(n)`` give the n-th candidate (n = 1, 2 ...; a clash moves on to the
    next). The temporary file is created with O_EXCL, so a concurrent run can never pick the
    same name; a name whose final file exists, or whose file id is taken in the database, is
    skipped. ``exact`` (a file name the user gave): the name itself never changes.
    """
    for n in range(1, 1000):
        final = folder / name_for(n)
        file_id = id_for(n)
        if final.exists():
            if exact:
                raise BalanceFileError(f"{final}: filen finns redan; välj ett annat namn")
            continue
        if id_taken(file_id):
            continue
        temp = temp_path(final)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if exact:
                raise BalanceFileError(
                    f"{final}: en annan körning skriver just nu en fil med det namnet"
                ) from None
            continue
        except OSError as exc:
            raise BalanceFileError(
                f"{temp}: kan inte skapa filen i {folder}: {exc.strerror or exc}; ingenting sparades"
            ) from None
        return FilePlan(final, temp, file_id, fd)
    raise BalanceFileError(f"{folder}: hittar inget ledigt filnamn för {name_for(1)}")


def discard(plans: Iterable[FilePlan]) -> None:
    """Close and remove the temporary files of a run that will not be recorded."""
    for plan in plans:
        if plan.fd is not None:
            with contextlib.suppress(OSError):
                os.close(plan.fd)
            plan.fd = None
        with contextlib.suppress(OSError):
            plan.temp.unlink()


# --------------------------------------------------------------------------- writing


class _HashingWriter:
    """A binary sink that hashes and counts what passes through it on its way to the file."""

    def __init__(self, handle: Any, name: str) -> None:
        self._handle = handle
        self.name = name
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self._handle.write(data)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def write_plan(plan: FilePlan, header: BalanceFileHeader, corrections: Iterable[Correction]) -> str:
    """Write the file to the plan's temporary file, validated and fsynced; return its SHA-256.

    On failure the temporary file is removed and BalanceFileError says what and where (a full
    disk, a correction the format refuses).
    """
    from tui_inkasso.formats.balance_xml import BalanceXmlError

    assert plan.fd is not None
    fd, plan.fd = plan.fd, None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 16) as raw:
            sink = _HashingWriter(raw, str(plan.final))
            write_balance_xml(header, corrections, sink)  # type: ignore[arg-type]
            raw.flush()
            os.fsync(raw.fileno())
    except BalanceXmlError as exc:
        plan.temp.unlink(missing_ok=True)
        raise BalanceFileError(f"{exc}; ingen fil skapades och ingenting sparades") from None
    except OSError as exc:
        plan.temp.unlink(missing_ok=True)
        raise BalanceFileError(_os_problem(plan.final, exc)) from None
    return sink.hexdigest()


def write_file_at(path: Path, header: BalanceFileHeader, corrections: Iterable[Correction]) -> str:
    """Write a whole file at ``path`` (a temporary name being re-made by recovery); SHA-256."""
    plan = FilePlan(path, path, header.file_id, None)
    try:
        plan.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        raise BalanceFileError(_os_problem(path, exc)) from None
    return write_plan(plan, header, corrections)


def _os_problem(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason = f"disken är full ({reason})"
    return f"{path}: kunde inte skriva filen: {reason}; ingen fil skapades och ingenting sparades"


def place(temp: Path, final: Path) -> None:
    """Give the written file its final name, durably (the folder is fsynced too)."""
    if final.exists():
        raise BalanceFileError(f"{final}: filen finns redan; den skrevs inte över")
    os.replace(temp, final)
    fsync_dir(final.parent)


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read (recovery then treats it as missing)."""
    try:
        return file_digest(path)[0]
    except OSError:
        return None


# --------------------------------------------------------------------------- locks


@contextlib.contextmanager
def dir_lock(folder: Path, *, exclusive: bool, wait: bool) -> Iterator[bool]:
    """flock on the folder itself: shared for a run, exclusive for recovery.

    Yields False (and holds nothing) when ``wait`` is False and the lock is taken, or the folder
    cannot be opened; True while the lock is held.
    """
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


# --------------------------------------------------------------------------- reading


@contextlib.contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of the database for a count and the stream that follows it.

    SQLite (WAL): a read transaction sees one snapshot from its first read on. PostgreSQL: a
    REPEATABLE READ transaction. Inside a caller's transaction that one is used as it is.
    """
    if db.in_transaction():
        yield
        return
    with db.atomic():
        if is_postgres():
            db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


_cursor_numbers = itertools.count(1)


def stream_tuples(query: pw.Query) -> Iterator[tuple[Any, ...]]:
    """The query's rows as tuples, in constant memory (inside :func:`read_snapshot`).

    PostgreSQL's client would fetch every row at once, so a server-side cursor is declared and
    read in pieces; SQLite's cursor already steps lazily.
    """
    sql, params = query.sql()
    if not is_postgres():
        cursor = db.execute_sql(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield from rows
        return
    name = f"balance_stream_{next(_cursor_numbers)}"
    db.execute_sql(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
    try:
        while rows := db.execute_sql(f"FETCH FORWARD {FETCH_ROWS} FROM {name}").fetchall():
            yield from rows
    finally:
        with contextlib.suppress(Exception):
            db.execute_sql(f"CLOSE {name}")


class IdSpool:
    """Payment ids written to a temporary file in blocks: constant memory for any number."""

    BLOCK = 4096

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), lives across calls
        self._buffer = array("q")
        self.count = 0

    def add(self, value: int) -> None:
        """Remember one id."""
        self._buffer.append(value)
        self.count += 1
        if len(self._buffer) >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        self._buffer.tofile(self._file)
        self._buffer = array("q")

    def chunks(self, size: int = 5000) -> Iterator[list[int]]:
        """The ids in the order added, ``size`` at a time."""
        self._flush()
        self._file.seek(0)
        width = array("q").itemsize
        while data := self._file.read(size * width):
            block = array("q")
            block.frombytes(data)
            yield block.tolist()

    def close(self) -> None:
        """Remove the temporary file."""
        self._file.close()
