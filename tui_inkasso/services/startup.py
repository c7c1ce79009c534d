"""Recovery at start: finish what a crashed run left half done, before anyone builds on it.

Three kinds of run write their file in two steps (the transaction commits, then the file gets its
final name), so a process killed between the two leaves a committed file under a temporary name:

* a balance-correction file (docs/balance-corrections.md):
  ``balance_recovery.recover_balance_files``;
* a collection run's case file (docs/collection.md, "Files and crashes"):
  ``collection_recovery.recover``;
* a reminder/demand run's letters (docs/dunning.md, "Letters and crashes"):
  ``dunning_recovery.recover``;
* a termination run's letters and notices to socialnämnden (docs/rent-arrears.md):
  ``arrears_files.recover``.

All are kinds of ``services.publishing`` (stage, record in the transaction, publish after the
commit, recover); a fourth kind adds its recovery here.

:func:`recover_at_start` runs them all, whichever way the program starts: the terminal app (in a
thread worker once the menu's first frame is on screen), the daemon (before its first run) and
every command that opens the ledger (``cli._dispatch``, before the command itself: after a crash
the next ``collect --yes`` publishes the pending agency file before it looks for new work).
The next run of the same kind does it too, so a start that cannot (the database or a folder is
unreachable) loses nothing: each part's failure is logged and reported as a note, never raised,
and never keeps the other parts from running.

The two services cost time to import that most sessions never need (``services.balance_recovery``
0.1-0.2 s of CPU here with its XML library), and imported beside the app's first frame it delayed
it by 50-90 ms in a terminal. So each recovery runs only when a cheap look finds something for it
to act on (:func:`balance_files_to_recover`, :func:`collection_files_to_recover`); the look reads
the same rows and folders the recovery starts from. ``collection_recovery`` imports no file
format, so the collection wizard calls its ``recover()`` directly too.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tui_inkasso.db.models import CollectionFile
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import collection_recovery
from tui_inkasso.services.permissions import may, reads
from tui_inkasso.services.settings import get_setting

log = logging.getLogger("tui_inkasso.startup")

BALANCE_TITLE = "Saldofiler"
COLLECTION_TITLE = "Inkassofiler"
LETTERS_TITLE = "Påminnelser och krav"
ARREARS_TITLE = "Uppsägningar"

_BALANCE_TEXT = {
    "finished": "Saldofilen {path} färdigställdes efter ett avbrott.",
    "renamed": "Saldofilen {path} fick sitt namn efter ett avbrott.",
    "regenerated": "Saldofilen {path} skrevs om från de rapporterade saldokorrigeringarna efter ett avbrott.",
    "removed": ("Den halvskrivna filen {path} från en avbruten körning togs bort; dess "
                "saldokorrigeringar kommer med i nästa saldofil."),
    "blocked": "Saldofilen {path} kunde inte göras klar efter ett avbrott: {detail}",
}
"""What staff read for each ``RecoveryAction.action``."""


@dataclass(frozen=True)
class StartupNote:
    """Something recovery at start did, or could not do, in Swedish for the person at the screen.

    ``severity`` is a Textual notification severity: "warning" for a file that was finished
    (worth knowing: a run had crashed), "error" for one that was not, or a check that failed.
    """

    title: str
    text: str
    severity: Literal["information", "warning", "error"] = "warning"


KINDS = ("balance", "collection", "letters", "arrears")
"""The kinds of run :func:`recover_at_start` finishes, in the order it does."""


@reads
def recover_at_start(skip: Collection[str] = ()) -> list[StartupNote]:
    """Finish crashed balance-file, collection, dunning and termination runs; what was done, as
    notes. Never raises.

    ``skip``: kinds (of :data:`KINDS`) the caller recovers itself and reports in its own words
    (the ``balance-file`` command lists its recovered files in its output). A reader's session
    finishes nothing (it may not write): the next clerk's start or run does.
    """
    if not may(StaffRole.CLERK):
        return []
    parts = {"balance": _balance_files, "collection": _collection_files, "letters": _letters,
             "arrears": _arrears_files}
    return [note for kind in KINDS if kind not in skip for note in parts[kind]()]


def _balance_files() -> list[StartupNote]:
    try:
        if not balance_files_to_recover():
            return []
        from tui_inkasso.services.balance_recovery import recover_balance_files

        actions = recover_balance_files()
    except Exception as exc:  # the start goes on; the next balance-file run recovers too
        log.exception("checking for unfinished balance files failed")
        return [_failed(BALANCE_TITLE, "saldofiler", exc)]
    notes = []
    for action in actions:
        log.warning("balance file %s: %s after an interrupted run %s", action.path, action.action, action.detail)
        text = _BALANCE_TEXT.get(action.action, "Saldofilen {path}: {action} efter ett avbrott.").format(
            path=action.path, action=action.action, detail=action.detail)
        if action.action == "regenerated" and action.detail:
            text = f"{text[:-1]} ({action.detail})."
        notes.append(StartupNote(BALANCE_TITLE, text, "error" if action.action == "blocked" else "warning"))
    return notes


def _collection_files() -> list[StartupNote]:
    try:
        if not collection_files_to_recover():
            return []
        messages = collection_recovery.recover()
    except Exception as exc:  # the start goes on; the collection wizard recovers when it opens
        log.exception("checking for unfinished collection files failed")
        return [_failed(COLLECTION_TITLE, "inkassofiler", exc)]
    for message in messages:
        log.warning("collection files: %s", message)
    return [StartupNote(COLLECTION_TITLE, message) for message in messages]


def _letters() -> list[StartupNote]:
    try:
        from tui_inkasso.services import dunning_recovery

        if not dunning_recovery.letters_to_recover():
            return []
        done = dunning_recovery.recover()
    except Exception as exc:  # the start goes on; the next dunning run recovers too
        log.exception("checking for unfinished dunning letters failed")
        return [_failed(LETTERS_TITLE, "påminnelser och krav", exc)]
    notes = []
    for item in done:
        text = dunning_recovery.describe(item)
        log.warning("dunning letters: %s", text)
        notes.append(StartupNote(LETTERS_TITLE, text, "error" if item.action == "blocked" else "warning"))
    return notes


def _arrears_files() -> list[StartupNote]:
    try:
        from tui_inkasso.services import arrears_files

        if not arrears_files.files_to_recover():
            return []
        messages = arrears_files.recover()
    except Exception as exc:  # the start goes on; the next termination run recovers too
        log.exception("checking for unfinished termination files failed")
        return [_failed(ARREARS_TITLE, "uppsägningar", exc)]
    for message in messages:
        log.warning("termination files: %s", message)
    return [StartupNote(ARREARS_TITLE, message) for message in messages]


def balance_files_to_recover() -> bool:
    """True when ``recover_balance_files()`` may have something to do (a cheap look, no big imports).

    It finishes files whose record still names the temporary name, and removes temporary files
    no record names from the folders of those records and the configured output folder; without
    either there is nothing for it to do.
    """
    from tui_inkasso.services.balance_files import STAGING, TEMP_SUFFIX

    if CollectionFile.select().where(CollectionFile.path.endswith(TEMP_SUFFIX)).exists():
        return True
    output = Path(get_setting("collection.output_dir")).expanduser()
    return output.is_dir() and STAGING.has_pending(output)


def collection_files_to_recover() -> bool:
    """True when ``collection_recovery.recover()`` may have something to do (a cheap look)."""
    return collection_recovery.files_to_recover()


def _failed(title: str, what: str, exc: Exception) -> StartupNote:
    return StartupNote(
        title,
        f"Kontrollen av avbrutna körningar ({what}) misslyckades: {type(exc).__name__}: {exc}. "
        "Den görs igen vid nästa start och nästa körning.",
        "error",
    )
