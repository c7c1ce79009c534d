"""Finishing what a crashed balance-file run left behind (docs/balance-corrections.md, "Crash safety").

A run records its files under their pending names, then publishes them; :func:`recover_balance_files`
(called by every run first, by the app at start and by the daemon) finishes a record left on a
pending name and removes a pending file no record names, through ``services.publishing``.
:func:`finish_record` is the last step of a run and of a recovery alike: the record gets its
final path, the file its upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_inkasso.db.models import BalanceReport, CollectionFile, OutboxFile
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.services import audit, outbox, publishing
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services.balance_corrections import (
    FILE_KIND,
    recorded_corrections,
    recorded_header,
)
from tui_inkasso.services.publishing import Action, Recovered, Unfinished
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.transaction import write_transaction


@dataclass(frozen=True)
class RecoveryAction:
    """What recovery did to one file: finished, renamed, regenerated, removed, or blocked."""

    path: str
    action: str
    file_id: str = ""
    detail: str = ""


def recover_balance_files(extra_dirs: Iterable[Path] = ()) -> list[RecoveryAction]:
    """Finish what a crashed run left: call at the start of a run, the app and the daemon.

    * a record whose path is still the pending name (committed, not renamed): the pending file
      gets its final name (when its SHA-256 is the recorded one), or the file is written again
      from the recorded corrections; then the record is finished (final path, upload);
    * a pending file no record names (written, never committed): removed, its corrections are
      still unreported and go into the next file.

    A folder in which a run is working (its shared lock) is left alone this time. Never raises:
    a problem is logged and returned as a "blocked" action (``services.publishing.recover``).
    """
    folders = [Path(d) for d in extra_dirs]
    configured = Path(get_setting("collection.output_dir")).expanduser()
    if configured.is_dir():
        folders.append(configured.resolve())
    ledger = _BalanceFiles()
    return [ledger.action(done) for done in publishing.recover(ledger, folders)]


@dataclass(frozen=True)
class _Record:
    id: int
    file_id: str


_RECOVERED = {
    "finished": "flyttad, posten färdigställd",
    "renamed": "fick sitt namn efter ett avbrott",
    "regenerated": "skrevs om från de rapporterade saldokorrigeringarna",
}
"""The audit entry's words for what recovery did to a file."""


class _BalanceFiles:
    """Balance files for ``publishing.recover``: a record names the pending path until it is
    finished (final path, upload queued), and a lost pending file is written again from the
    corrections the record reported."""

    staging = bf.STAGING

    def unfinished(self, folder: Path | None) -> Iterator[Unfinished]:
        rows = tuple_rows(CollectionFile.select(CollectionFile.id, CollectionFile.file_id, CollectionFile.path,
                                                CollectionFile.sha256)
                          .where((CollectionFile.kind == FILE_KIND) & CollectionFile.path.endswith(bf.TEMP_SUFFIX)))
        for cf_id, file_id, path, sha256 in rows:
            if not bf.is_temp_path(path):
                continue
            final = bf.final_path(path)
            if folder is None or final.parent == folder:
                yield Unfinished(_Record(cf_id, file_id), final, sha256)

    def claims(self, pending: Path) -> bool:
        return CollectionFile.select().where(CollectionFile.path == str(pending)).exists()

    def finish(self, item: Unfinished, action: Action, sha256: str) -> None:
        finish_record(item.key.id, bf.temp_path(item.final), item.final,
                      sha=sha256 if action == "regenerated" else None,
                      recovered=f"{item.final}: {_RECOVERED[action]}")

    def regenerate(self, item: Unfinished, path: Path) -> str | None:
        cf = CollectionFile.get_by_id(item.key.id)
        report = BalanceReport.get(BalanceReport.file == cf.id)
        header = recorded_header(report, cf)
        with bf.read_snapshot():
            return bf.write_file_at(path, header, recorded_corrections(report.id))

    @staticmethod
    def action(done: Recovered) -> RecoveryAction:
        file_id = done.key.file_id if isinstance(done.key, _Record) else ""
        return RecoveryAction(str(done.path), done.action, file_id, done.detail)


def finish_record(
    collection_file_id: int, temp: Path, final: Path, *, sha: str | None = None,
    recovered: str = "",
) -> OutboxFile | None:
    """The record gets the final path (once: compare-and-set) and the file its outbox entry."""
    changes: dict[Any, Any] = {CollectionFile.path: str(final)}
    if sha is not None:
        changes[CollectionFile.sha256] = sha
    with write_transaction():
        done = (
            CollectionFile.update(changes)
            .where((CollectionFile.id == collection_file_id) & (CollectionFile.path == str(temp)))
            .execute()
        )
        if not done:
            return None
        row = outbox.enqueue_delivery(final, kind=FILE_KIND, collection_file_id=collection_file_id)
        if recovered:
            audit.record("balance_file.recovered", "collection_file", collection_file_id, recovered)
    return row
