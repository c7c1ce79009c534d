"""Finishing what a crashed balance-file run left behind (docs/balance-corrections.md, "Crash safety").

A run records its files under their temporary names, then renames them; :func:`recover_balance_files`
(called by every run first, by the app at start and by the daemon) finishes a record left on a
temporary name and removes a temporary file no record names. :func:`finish_record` is the last
step of a run and of a recovery alike: the record gets its final path, the file its upload.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_inkasso.db.models import BalanceReport, CollectionFile, OutboxFile
from tui_inkasso.formats.balance_xml import BalanceXmlError
from tui_inkasso.services import audit, outbox
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services.balance_corrections import (
    FILE_KIND,
    recorded_corrections,
    recorded_header,
)
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.transaction import write_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveryAction:
    """What recovery did to one file: finished, renamed, regenerated, removed, or blocked."""

    path: str
    action: str
    file_id: str = ""
    detail: str = ""

def recover_balance_files(extra_dirs: Iterable[Path] = ()) -> list[RecoveryAction]:
    """Finish what a crashed run left: call at the start of a run, the app and the daemon.

    * a record whose path is still the temporary name (committed, not renamed): the temporary
      file gets its final name (when its SHA-256 is the recorded one), or the file is written
      again from the recorded corrections; then the record is finished (final path, upload);
    * a temporary file no record names (written, never committed): removed, its corrections
      are still unreported and go into the next file.

    A folder in which a run is working (its shared lock) is left alone this time. Never raises:
    a problem is logged and returned as a "blocked" action.
    """
    pending = list(
        CollectionFile.select(CollectionFile.id, CollectionFile.path)
        .where((CollectionFile.kind == FILE_KIND) & CollectionFile.path.endswith(bf.TEMP_SUFFIX))
        .tuples()
    )
    folders = {Path(path).parent for _id, path in pending} | {Path(d) for d in extra_dirs}
    configured = Path(get_setting("collection.output_dir")).expanduser()
    if configured.is_dir():
        folders.add(configured.resolve())
    actions: list[RecoveryAction] = []
    for folder in sorted(folders):
        with bf.dir_lock(folder, exclusive=True, wait=False) as held:
            if not held:
                continue
            ids = [cf_id for cf_id, path in pending if Path(path).parent == folder]
            actions.extend(_finish_pending(cf_id) for cf_id in ids)
            actions.extend(_remove_garbage(folder))
    return [a for a in actions if a.action != "none"]


def _finish_pending(collection_file_id: int) -> RecoveryAction:
    cf = CollectionFile.get_or_none(CollectionFile.id == collection_file_id)
    if cf is None or not bf.is_temp_path(cf.path):
        return RecoveryAction("", "none")
    temp = Path(cf.path)
    final = bf.final_path(temp)
    try:
        return _finish_one(cf, temp, final)
    except (UserError, OSError, BalanceXmlError) as exc:
        log.error("balance file %s could not be recovered: %s", final, exc)
        return RecoveryAction(str(final), "blocked", cf.file_id, str(exc))


def _finish_one(cf: CollectionFile, temp: Path, final: Path) -> RecoveryAction:
    if final.exists():
        if bf.sha256_of(final) != cf.sha256:
            return RecoveryAction(
                str(final), "blocked", cf.file_id,
                f"{final}: en annan fil med samma namn ligger i vägen; flytta den, så gör nästa "
                "körning klart saldofilen",
            )
        temp.unlink(missing_ok=True)
        finish_record(cf.id, temp, final, recovered=f"{final}: flyttad, posten färdigställd")
        return RecoveryAction(str(final), "finished", cf.file_id)
    if temp.exists() and bf.sha256_of(temp) == cf.sha256:
        bf.place(temp, final)
        finish_record(cf.id, temp, final, recovered=f"{final}: fick sitt namn efter ett avbrott")
        return RecoveryAction(str(final), "renamed", cf.file_id)
    report = BalanceReport.get(BalanceReport.file == cf.id)
    sha = _regenerate(report, cf, temp)
    bf.place(temp, final)
    finish_record(cf.id, temp, final, sha=sha,
                  recovered=f"{final}: skrevs om från de rapporterade saldokorrigeringarna")
    return RecoveryAction(str(final), "regenerated", cf.file_id,
                          "" if sha == cf.sha256 else "innehållet skiljer sig från originalet")


def _regenerate(report: BalanceReport, cf: CollectionFile, path: Path) -> str:
    header = recorded_header(report, cf)
    with bf.read_snapshot():
        return bf.write_file_at(path, header, recorded_corrections(report.id))


def _remove_garbage(folder: Path) -> list[RecoveryAction]:
    """Temporary files no record names: written by a run that died before its commit."""
    actions = []
    for temp in folder.glob(f".*{bf.TEMP_SUFFIX}"):
        recorded = CollectionFile.select().where(CollectionFile.path == str(temp)).exists()
        if recorded:
            continue
        try:
            temp.unlink()
        except OSError as exc:
            actions.append(RecoveryAction(str(temp), "blocked", "", str(exc)))
            continue
        log.info("removed %s: a balance file run ended before recording it", temp)
        actions.append(RecoveryAction(str(temp), "removed"))
    return actions


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
