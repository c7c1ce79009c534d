"""Finishing the letters of a reminder/demand run that a crash interrupted (docs/dunning.md,
"Letters and crashes").

A run is a kind of ``services.publishing``: its PDF is staged under a pending name in a hidden
folder beside the final name (:data:`STAGING`), written and fsynced inside the run's transaction,
and the run's record (``DunningRun.pdf_path``) names that exact pending file until the PDF has
its final name; then :func:`finish_record` points the record at the final name. A crash after
the commit leaves a record on a pending name: :func:`recover` (called by every run, and at the
start of the app, the daemon and every command that opens the ledger for writing) publishes the
pending file, or, when it is gone, writes the letters again from the notices the run recorded
(each notice keeps its letter as sent; the PDF's date is the run's, so the file is the same). A
pending file no record names belonged to a run that died or rolled back before its commit: its
letters (personal data) are removed.

Imports no file format at module level, so the start can look for work cheaply
(:func:`letters_to_recover`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from tui_inkasso.db.models import DunningNotice, DunningRun
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.services import audit, publishing
from tui_inkasso.services.dunning_levels import letters_dir
from tui_inkasso.services.publishing import Action, Recovered, Staging, Unfinished
from tui_inkasso.services.transaction import write_transaction

PENDING_DIR = ".brev-pending"
"""Folder (beside the final PDF) that holds a run's letters until its transaction has committed
and the file has its name."""

STAGING = Staging(suffix=".part", folder=PENDING_DIR, unique=True)
"""``<letters folder>/.brev-pending/<final name>.<random>.part``: hidden, in the final name's
file system, one name per run."""

_RECOVERED = {
    "finished": "fanns redan på plats; körningen färdigställd efter ett avbrott",
    "renamed": "fick sitt namn efter ett avbrott",
    "regenerated": "skrevs om från de registrerade breven efter ett avbrott",
}
"""The audit entry's words for what recovery did to a run's PDF."""


def _unfinished_runs() -> list[tuple[int, str]]:
    """(run id, pending path) of every committed run whose PDF has no final name yet."""
    rows = tuple_rows(DunningRun.select(DunningRun.id, DunningRun.pdf_path)
                      .where(DunningRun.pdf_path.endswith(STAGING.suffix)))
    return [(run_id, path) for run_id, path in rows if path and STAGING.is_pending(path)]


class LetterFiles:
    """The dunning run's PDFs for :func:`publishing.recover`: the record names its pending file
    until it is finished, and lost letters are rendered again from the notices."""

    staging = STAGING

    def unfinished(self, folder: Path | None) -> Iterator[Unfinished]:
        for run_id, path in _unfinished_runs():
            pending = Path(path)
            final = STAGING.final_path(pending)
            if folder is None or final.parent == folder:
                yield Unfinished(run_id, final, "", pending)

    def claims(self, pending: Path) -> bool:
        return DunningRun.select().where(DunningRun.pdf_path == str(pending)).exists()

    def finish(self, item: Unfinished, action: Action, sha256: str) -> None:
        assert item.pending is not None
        finish_record(item.key, item.pending, item.final, recovered=_RECOVERED.get(action, action))

    def regenerate(self, item: Unfinished, path: Path) -> str | None:
        from tui_inkasso.formats.letter import LetterData, render_letters_pdf

        run = DunningRun.get_or_none(DunningRun.id == item.key)
        notices = list(tuple_rows(DunningNotice.select(DunningNotice.letter).where(DunningNotice.run == item.key)
                                  .order_by(DunningNotice.id)))
        if run is None or not notices or any(letter is None for (letter,) in notices):
            return None
        pdf = render_letters_pdf([LetterData.from_json(letter) for (letter,) in notices],
                                 creation_date=run.created_at)

        def produce(handle: BinaryIO) -> None:
            handle.write(pdf)

        return publishing.write_at(path, produce)


def finish_record(run_id: int, pending: Path, final: Path, *, recovered: str = "") -> bool:
    """The run's record names its final PDF (once: compare-and-set); True when this call did it."""
    with write_transaction():
        done = (DunningRun.update(pdf_path=str(final))
                .where((DunningRun.id == run_id) & (DunningRun.pdf_path == str(pending))).execute())
        if done and recovered:
            audit.record("dunning.recovered", "dunning_run", run_id, f"{final}: {recovered}")
    return bool(done)


def recover(folders: Iterable[Path] = ()) -> list[Recovered]:
    """Finish the letters crashed runs left, in their folders, the letters folder and
    ``folders`` (what was done: :func:`describe` words it). Never raises for a file."""
    wanted = [Path(f) for f in folders]
    configured = letters_dir()
    if configured.is_dir():
        wanted.append(configured)
    return publishing.recover(LetterFiles(), wanted)


def describe(done: Recovered) -> str:
    """What recovery did to a run's letters, in Swedish for staff."""
    if done.action == "blocked":
        return f"Breven {done.path} kunde inte göras klara efter ett avbrott: {done.detail}"
    if done.action == "removed":
        return (f"Halvskrivna brev från en avbruten körning togs bort ({done.path.name}); inget "
                "registrerades för dem, så breven skickas vid nästa körning.")
    return f"Breven {done.path} {_RECOVERED[done.action]}."


def letters_to_recover() -> bool:
    """True when :func:`recover` may have something to do (a cheap look for the start)."""
    if _unfinished_runs():
        return True
    return STAGING.has_pending(letters_dir())
