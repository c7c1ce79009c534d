"""The file mechanics of balance-correction files, on the crash-safe publishing kit.

``services.balance_corrections`` decides WHAT goes into a file; this module knows HOW a file is
put on disk so that a crash at any moment loses nothing and duplicates nothing
(docs/balance-corrections.md, "Crash safety"), with ``services.publishing``:

* a file is first staged under its pending name (:data:`STAGING`: ``.<final name>.saldo-tmp``
  beside the final name), created exclusively (so two runs never share a name), validated
  while written and fsynced;
* the database record is committed with the PENDING path (that is how the pending name is
  "stored"); only then the file is published and the record's path set to the final name;
* a run holds a shared ``publishing.folder_lock`` on the folder from its first pending file until
  its last publish, and recovery only touches a folder it can lock exclusively (without waiting).

The run's steps for the crash hook (``publishing.CRASH_ENV``): ``during-write`` (half the
corrections of the first file written), ``after-write`` (every pending file written, nothing
committed), ``before-commit`` (every row stored, not committed: ``services.balance_recording``),
``after-commit`` (recorded, nothing published), ``before-rename`` (just before the
LAST file's publish; with several files the others are in place), ``after-rename`` (the last file
has its name, its record still points at the pending name).

It also streams rows from the database in constant memory (:func:`stream_tuples`, a server-side
cursor on PostgreSQL) inside one consistent snapshot (:func:`read_snapshot`), and spools payment
ids to a temporary file (:class:`IdSpool`), so 100,000 corrections never sit in memory at once.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import tempfile
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import driver_errors
from tui_inkasso.db.connection import db
from tui_inkasso.formats.balance_xml import BalanceFileHeader, Correction, write_balance_xml
from tui_inkasso.services import publishing
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.publishing import NameTaken, PublishError, StagedFile, Staging
from tui_inkasso.services.transaction import is_postgres

TEMP_SUFFIX = ".saldo-tmp"
"""Suffix of the pending files of balance files (distinct, so cleaning never touches others')."""

STAGING = Staging(suffix=TEMP_SUFFIX)
"""``.<final name>.saldo-tmp`` beside the final name; one fixed name, so a second live run that
wants the same final name finds it taken and picks the next name."""

temp_path = STAGING.pending_path
"""The pending name of a final name."""
final_path = STAGING.final_path
"""The final name a pending name stands for."""
is_temp_path = STAGING.is_pending
"""True for a pending name of a balance file."""

FETCH_ROWS = 2000
"""Rows per fetch of a server-side cursor (PostgreSQL)."""

class BalanceFileError(UserError):
    """A balance file that cannot be written or placed; nothing was recorded."""

    exit_code = 1


# --------------------------------------------------------------------------- names


@dataclass
class FilePlan:
    """A file about to be written: its staged file (final and pending path) and its file id."""

    staged: StagedFile
    file_id: str

    @property
    def final(self) -> Path:
        return self.staged.final

    @property
    def temp(self) -> Path:
        return self.staged.pending


def safe_part(text: str) -> str:
    """``text`` reduced to what is safe in a file name and an XML token: letters, digits, - _."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return cleaned or "x"


def plan_file(
    folder: Path, name_for: Callable[[int], str], id_for: Callable[[int], str],
    id_taken: Callable[[str], bool], *, exact: bool = False,
) -> FilePlan:
    """Reserve a final name in ``folder`` and a file id, and create the pending file.

    ``name_for(n)``/``id_for(n)`` give the n-th candidate (n = 1, 2 ...; a clash moves on to the
    next). The pending file is created exclusively, so a concurrent run can never pick the same
    name; a name whose final file exists, or whose file id is taken in the database, is skipped.
    ``exact`` (a file name the user gave): the name itself never changes.
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
        try:
            return FilePlan(publishing.stage(final, STAGING), file_id)
        except NameTaken as exc:
            if exact:
                raise BalanceFileError(str(exc)) from None
        except PublishError as exc:
            raise BalanceFileError(f"{exc}; ingenting sparades") from None
    raise BalanceFileError(f"{folder}: hittar inget ledigt filnamn för {name_for(1)}")


def discard(plans: Iterable[FilePlan]) -> None:
    """Remove the pending files of a run that will not be recorded."""
    for plan in plans:
        plan.staged.discard()


# --------------------------------------------------------------------------- writing


def write_plan(
    plan: FilePlan, header: BalanceFileHeader, corrections: Iterable[Correction], owner: str
) -> str:
    """Write the file to the plan's pending file, validated and fsynced; return its SHA-256.

    On failure the pending file is removed and BalanceFileError says what and where (a full
    disk), and for what the format refuses also whose (``owner``: code and name; a run writes one
    file per owner, and a header such as an invalid organisation number is the owner's to correct).
    """
    from tui_inkasso.formats.balance_xml import BalanceXmlError

    try:
        return plan.staged.write(
            lambda sink: write_balance_xml(header, corrections, sink, str(plan.final)), sequential=True
        )
    except BalanceXmlError as exc:  # the owner's data (a header or correction the format refuses)
        raise BalanceFileError(
            f"fastighetsägare {owner}: {exc}; ingen fil skapades och ingenting sparades") from None
    except PublishError as exc:  # the disk's problem, the same for every owner: the path says it
        raise BalanceFileError(f"{exc}; ingen fil skapades och ingenting sparades") from None


def write_file_at(path: Path, header: BalanceFileHeader, corrections: Iterable[Correction]) -> str:
    """Write a whole file at ``path`` (a pending name being made again by recovery); SHA-256."""
    from tui_inkasso.formats.balance_xml import BalanceXmlError

    try:
        return publishing.write_at(path, lambda sink: write_balance_xml(header, corrections, sink))
    except BalanceXmlError as exc:
        path.unlink(missing_ok=True)
        raise BalanceFileError(f"{exc}; ingen fil skapades och ingenting sparades") from None


def place(plan: FilePlan) -> None:
    """Give the written file its final name, durably; never over an existing file."""
    try:
        plan.staged.publish()
    except PublishError as exc:
        raise BalanceFileError(str(exc)) from None


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


def stream_tuples(query: pw.Query) -> Generator[tuple[Any, ...], None, None]:
    """The query's rows as tuples, in constant memory (inside :func:`read_snapshot`).

    PostgreSQL's client would fetch every row at once, so a server-side cursor is declared and
    read in pieces, the next piece fetched by a thread while the caller handles this one: the
    server's part of the query (half a second for 100,000 corrections) overlaps the caller's work
    instead of taking turns with it (psycopg2 lets go of the interpreter while it waits). The
    caller may use the connection meanwhile: psycopg2 runs one statement at a time on it.
    SQLite's cursor already steps lazily. Close the stream (``contextlib.closing``) inside the
    snapshot: that ends its fetching thread and its cursor at once.
    """
    sql, params = query.sql()
    if not is_postgres():
        cursor = db.execute_sql(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield from rows
        return
    name = f"balance_stream_{next(_cursor_numbers)}"
    db.execute_sql(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
    connection = db.connection()

    def fetch() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f"FETCH FORWARD {FETCH_ROWS} FROM {name}")
            return list(cursor.fetchall())

    try:
        with ThreadPoolExecutor(1, thread_name_prefix="balance-fetch") as pool:
            ahead = pool.submit(fetch)
            while True:
                with driver_errors:
                    rows = ahead.result()
                if not rows:
                    break
                ahead = pool.submit(fetch)
                yield from rows
    finally:
        # On the connection it was declared on, and only while it exists: a stream closed late
        # (its generator dropped after its transaction ended) must never run a failing CLOSE
        # inside another transaction, which PostgreSQL would abort (losing that one's writes).
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_cursors WHERE name = %s", (name,))
            if cursor.fetchone():
                cursor.execute(f"CLOSE {name}")


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
