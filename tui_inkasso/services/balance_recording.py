"""Recording a balance-file run: its files, reports and reported corrections in ONE transaction.

A run (``services.balance_file_run``) writes one pending file per owner and records them all in
one write transaction: each file's ``CollectionFile`` (on its pending path) and ``BalanceReport``,
one ``ReportedCorrection`` per correction written (unique per payment: a correction is reported
once, whatever runs at the same time), and the audit. The transaction commits only after every
file is written, validated and fsynced, so either all of a run is recorded or none of it.

WHEN the rows are stored depends on the store:

* **PostgreSQL**: the transaction runs in a thread on a connection of its own, from the first
  file planned on, and stores each block of payment ids while the run is still writing and
  validating the XML. The server's part (the rows, their unique and foreign-key checks: most of
  a second for 100,000 corrections) then runs on the second core while the client spells the
  XML, instead of after it; the commit waits only for the last block. Each block is a ``COPY``
  whose two foreign keys (the report, the payments) are checked once per block, set-based and
  under the triggers' locks, instead of by two trigger queries per row (``db/key_checks.py``,
  where the role may; else the triggers run): 0.85 -> 0.45 s of server CPU for 100,000 rows. A run that fails before
  the commit (an error, a kill) is rolled back by the server, as before. A concurrent run that
  reported one of the corrections first is found while the files are still being written.
* **SQLite**: the one writer lock would be held all the while the files are written (every other
  writer waiting), and its inserts are cheap, so the ids wait in a temporary file
  (``IdSpool``) and everything is stored after the files are written, in one short transaction.

Crash hook step ``before-commit``: every row stored, the transaction still open
(``publishing.crash_point``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import io
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

import peewee as pw
from peewee import JOIN

from tui_inkasso.db.bulk import driver_errors
from tui_inkasso.db.connection import db
from tui_inkasso.db.key_checks import KeyChecks
from tui_inkasso.db.models import BalanceReport, CollectionFile, Payment, ReportedCorrection
from tui_inkasso.db.rows import first_tuple_row, tuple_rows
from tui_inkasso.domain.money import format_sek
from tui_inkasso.services import audit, publishing
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services.balance_corrections import FILE_KIND, corrections_text, display_path
from tui_inkasso.services.clock import current_user
from tui_inkasso.services.errors import Conflict
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.threads import thread_connection
from tui_inkasso.services.transaction import is_postgres, write_transaction

BLOCK = 5000
"""Payment ids per statement (and per hand-over to the recording thread)."""

QUEUED_BLOCKS = 8
"""Blocks the run may be ahead of the recording thread before it waits (bounded memory)."""


@dataclass(frozen=True)
class Recorded:
    """What the transaction stored for one file."""

    collection_file_id: int
    report_id: int


@dataclass
class RunFile:
    """One file of the run, as the recorder keeps it until the commit."""

    plan: bf.FilePlan
    owner_id: int
    count: int
    amount: int
    stamp: dt.datetime
    ids: _IdBlocks | bf.IdSpool
    sha: str = ""

    @property
    def remember(self) -> Callable[[int], None]:
        """Takes each payment id written to the file."""
        return self.ids.add


class Recorder:
    """Records a run's files: :meth:`add_file` per file before it is written (its ``remember``
    takes each payment id written), :meth:`written` when it is written, then :meth:`commit`. Used
    as a context manager: leaving it without a commit records nothing."""

    def __init__(self, *, background: bool | None = None) -> None:
        self.background = is_postgres() if background is None else background
        self._files: list[RunFile] = []
        self._recorded: list[Recorded] = []
        self._worker: _Worker | None = None
        self._keys = KeyChecks()
        self._user = ""
        self._system = ""

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def add_file(
        self, plan: bf.FilePlan, owner_id: int, count: int, amount: int, stamp: dt.datetime
    ) -> RunFile:
        """Plan one file's record (on PostgreSQL it is stored at once)."""
        if not self._files:
            self._user, self._system = current_user(), get_setting("collection.system")
        index = len(self._files)
        if self.background:
            if self._worker is None:
                self._worker = _Worker()
            ids: _IdBlocks | bf.IdSpool = _IdBlocks(lambda block: self._queue_ids(index, block))
        else:
            ids = bf.IdSpool()
        item = RunFile(plan, owner_id, count, amount, stamp, ids)
        self._files.append(item)
        if self._worker is not None:
            self._worker.put(lambda: self._create(item))
        return item

    def written(self, item: RunFile, sha: str) -> None:
        """``item`` is written, its SHA-256 is ``sha``: its last ids go to the database now."""
        item.sha = sha
        if isinstance(item.ids, _IdBlocks):
            item.ids.flush()

    def commit(self) -> list[Recorded]:
        """Store what is left and commit (every file must be written); raises Conflict when a
        concurrent run reported one of the corrections (or took a file id) first."""
        if self._worker is not None:
            self._worker.put(self._finish)
            self._worker.end(commit=True)
            return list(self._recorded)
        try:
            with write_transaction():
                for item in self._files:
                    self._create(item)
                for item, rec in zip(self._files, self._recorded, strict=True):
                    assert isinstance(item.ids, bf.IdSpool)
                    for chunk in item.ids.chunks(BLOCK):
                        _insert_reported(rec.report_id, chunk)
                self._finish()
        except pw.IntegrityError as exc:
            raise Conflict(_refusal_message(exc, lambda: (
                chunk for item in self._files if isinstance(item.ids, bf.IdSpool)
                for chunk in item.ids.chunks(500)
            ))) from exc
        return list(self._recorded)

    def close(self) -> None:
        """Roll back what is not committed and let the thread end; remove the spools."""
        if self._worker is not None:
            self._worker.end(commit=False)
            self._worker = None
        for item in self._files:
            if isinstance(item.ids, bf.IdSpool):
                item.ids.close()

    # -- inside the transaction (the thread's on PostgreSQL)

    def _create(self, item: RunFile) -> None:
        cf = CollectionFile.create(
            kind=FILE_KIND, system=self._system, path=str(item.plan.temp), file_id=item.plan.file_id,
            created_at=item.stamp, created_by=self._user, records=item.count, amount=item.amount,
            sha256=item.sha,
        )
        report = BalanceReport.create(
            file=cf.id, owner=item.owner_id, created_at=item.stamp, created_by=self._user,
            corrections=item.count, amount=item.amount,
        )
        self._recorded.append(Recorded(cf.id, report.id))

    def _queue_ids(self, index: int, block: list[int]) -> None:
        assert self._worker is not None
        self._worker.put(lambda: self._worker_insert(index, block))

    def _worker_insert(self, index: int, block: list[int]) -> None:
        assert self._worker is not None
        self._worker.last_ids = block
        _insert_reported(self._recorded[index].report_id, block, self._keys)

    def _finish(self) -> None:
        """Each file's SHA-256 (known once written) and its audit entry; the last step before
        the commit."""
        for item, rec in zip(self._files, self._recorded, strict=True):
            CollectionFile.update(sha256=item.sha).where(CollectionFile.id == rec.collection_file_id).execute()
            audit.record(
                "balance_file.created", "balance_report", rec.report_id,
                f"{item.plan.file_id}: {corrections_text(item.count)}, {format_sek(item.amount)} kr, "
                f"{item.plan.final}",
            )
        publishing.crash_point("before-commit")


class _IdBlocks:
    """Payment ids handed on :data:`BLOCK` at a time."""

    def __init__(self, send: Callable[[list[int]], None]) -> None:
        self._send = send
        self._ids: list[int] = []

    def add(self, value: int) -> None:
        self._ids.append(value)
        if len(self._ids) >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self._ids:
            block, self._ids = self._ids, []
            self._send(block)


_Job = Callable[[], None]
_COMMIT: _Job = lambda: None  # noqa: E731 - sentinels compared by identity
_ROLLBACK: _Job = lambda: None  # noqa: E731


class _RolledBack(Exception):
    """The run ended without a commit."""


class _Worker:
    """One thread that runs jobs, in order, in one write transaction on a connection of its own.

    The thread runs in a copy of the caller's context (the role in force: the permission checks
    of ``write_transaction``). Its first error rolls the transaction back and is raised to the
    caller at its next :meth:`put` or at :meth:`end`; jobs queued after it are skipped. An
    IntegrityError becomes the Conflict that names the correction reported first (or the
    payment deleted meanwhile, :func:`_refusal_message`).
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[_Job] = queue.Queue(maxsize=QUEUED_BLOCKS)
        self._error: BaseException | None = None
        self._ended = False
        self.last_ids: list[int] = []
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._run,), name="balance-record",
                                        daemon=True)
        self._thread.start()

    def put(self, job: _Job) -> None:
        self._raise()
        self._jobs.put(job)

    def end(self, *, commit: bool) -> None:
        """Commit (or roll back) and wait for the thread; the transaction's error, if any."""
        if self._ended:
            return
        self._ended = True
        self._jobs.put(_COMMIT if commit else _ROLLBACK)
        self._thread.join()
        if commit:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        with thread_connection():
            try:
                with write_transaction():
                    while (job := self._jobs.get()) is not _COMMIT:
                        if job is _ROLLBACK:
                            raise _RolledBack
                        job()
                return
            except _RolledBack:
                return
            except pw.IntegrityError as exc:
                self._error = Conflict(_refusal_message(exc, lambda: [self.last_ids]))
                self._error.__cause__ = exc
            except BaseException as exc:  # raised to the run at its next call
                self._error = exc
        while self._jobs.get() not in (_COMMIT, _ROLLBACK):
            pass  # the run may still hand over blocks until it hears of the error


def _insert_reported(report_id: int, ids: list[int], keys: KeyChecks | None = None) -> None:
    """Mark ``ids`` reported by the report; the unique payment column refuses a second time.

    PostgreSQL with ``keys``: a ``COPY`` with the foreign keys checked for the block at once
    (:meth:`KeyChecks.copy`). Else one statement for the block, the ids passed as one array
    (PostgreSQL ``unnest``, SQLite ``json_each``): a third of ``executemany``'s time.
    """
    table = ReportedCorrection._meta.table_name
    names = [ReportedCorrection.report.column_name, ReportedCorrection.payment.column_name]
    columns = ", ".join(f'"{name}"' for name in names)
    if is_postgres() and keys is not None:
        rows = [(report_id, payment_id) for payment_id in ids]
        data = io.StringIO("".join([f"{report_id}\t{payment_id}\n" for payment_id in ids]))
        with driver_errors:
            keys.copy(db.cursor(), table, names, f'COPY "{table}" ({columns}) FROM STDIN', data, rows)
    elif is_postgres():
        db.execute_sql(
            f'INSERT INTO "{table}" ({columns}) SELECT %s, unnest(%s::bigint[])', (report_id, ids)
        )
    else:
        db.execute_sql(
            f'INSERT INTO "{table}" ({columns}) SELECT ?, value FROM json_each(?)',
            (report_id, json.dumps(ids)),
        )


def _refusal_message(exc: pw.IntegrityError, chunks: Callable[[], Iterable[list[int]]]) -> str:
    """What the database refused, in words: a unique key (a concurrent run reported a
    correction or took the file id first) or a foreign key (something the run refers to, such as
    a correction's payment, was deleted while the file was written). Both used to be said as the
    first, which sent staff looking for another run that never was. ``chunks``: the payment ids
    the run was storing (asked for only once the kind is known: a spool is read again)."""
    text = str(exc)
    if "foreign key" not in text.lower():  # PostgreSQL "violates foreign key constraint", SQLite "FOREIGN KEY constraint failed"
        return _conflict_message(chunks())
    vanished = _vanished_payment(chunks())
    if vanished is not None:
        return (f"saldokorrigering {vanished} finns inte längre: betalningen togs bort medan filen "
                "skrevs; ingenting sparades och ingen fil skapades. Kör igen för att rapportera "
                "de övriga.")
    detail = _KEY_DETAIL.search(text)
    what = f"raden {detail[2]} i tabellen {detail[3]}" if detail else "en rad som körningen hänvisar till"
    return (f"{what} togs bort medan filen skrevs; ingenting sparades och ingen fil skapades. "
            "Kör igen.")


_KEY_DETAIL = re.compile(r'Key \(([^)]*)\)=\(([^)]*)\) is not present in table "([^"]+)"')
"""PostgreSQL's detail of a foreign-key violation: column, value, referenced table."""


def _vanished_payment(chunks: Iterable[list[int]]) -> int | None:
    """The first of ``chunks``' payment ids no payment has any more (deleted during the run)."""
    for chunk in chunks:
        found = {row[0] for row in tuple_rows(Payment.select(Payment.id).where(Payment.id.in_(chunk)))}
        missing = [pid for pid in chunk if pid not in found]
        if missing:
            return min(missing)
    return None


def _conflict_message(chunks: Iterable[list[int]]) -> str:
    """Who got there first: the file that already reported one of ``chunks``' payments."""
    for chunk in chunks:
        hit = first_tuple_row(
            ReportedCorrection.select(ReportedCorrection.payment, CollectionFile.file_id, CollectionFile.path)
            .join(BalanceReport)
            .join(CollectionFile, JOIN.LEFT_OUTER, on=(BalanceReport.file == CollectionFile.id))
            .where(ReportedCorrection.payment.in_(chunk))
        )
        if hit:
            payment_id, file_id, path = hit
            where = f"fil {file_id} ({display_path(path)})" if file_id else "en tidigare rapport"
            return (
                f"saldokorrigering {payment_id} är redan rapporterad i {where} av en annan "
                "körning; ingenting sparades och ingen fil skapades. Kör igen för att ta med "
                "det som återstår."
            )
    return ("en annan körning skapade samtidigt en fil med samma id; ingenting sparades och "
            "ingen fil skapades. Kör igen.")
