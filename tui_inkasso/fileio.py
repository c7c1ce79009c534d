"""Crash-safe file writing and file hashing, shared by every layer.

Formats write their output through :func:`atomic_write`, transport writes ``known_hosts`` with it,
and services stage and publish their files with :func:`fsync_dir` and :func:`file_digest`. The
module imports only the standard library, so every layer may use it without pulling in another
layer (tests/test_architecture.py checks the arrows).

:func:`atomic_write` puts the content under a temporary name in the target's own folder (so the
rename stays on one file system), flushes and fsyncs it, and only then renames it over the final
name and fsyncs the folder. A crash, a full disk or an exception leaves at most a stray ``.tmp``
file, which is removed when we still can.

:func:`read_regular_file` is the other direction: every file a user names for reading (a bank
payment file, a ledger to import) is read through it, so a FIFO, ``/dev/zero`` or a folder is
refused at once instead of hanging or filling the memory, and a file above its format's
documented size limit is refused before it is read.

Who may read what we write: the files hold personnummer, and the staff share a server. Every
entry point calls :func:`share_files_with` before it writes anything, which sets the process's
file-creation mask, so every file and folder created afterwards (ours, SQLite's ``-wal`` and
``-shm``, the daemon's log) is the owner's only (0600, folders 0700), or also a group's that
the settings name (files 0640, the database 0660, folders 2770 with the group set).
:func:`atomic_write` and :func:`make_folder` give what they create the group explicitly;
:func:`restrict` brings a file made before (a database from an older version, 0644) into line.

File names built from data (an invoice number in a reprint, an owner code in a SIE export, a
customer number in an agency file name) go through :func:`name_part` and :func:`file_in`: the
data can never add a folder, climb out with ``..`` or hide a file, and the result is checked to
stay inside its folder. :func:`identifier_problem` is the same character rule for the import that
lets such identifiers in, so a valid identifier keeps its spelling in its file name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "MODES",
    "FileNameError",
    "FileWriteError",
    "InputFileError",
    "atomic_write",
    "file_digest",
    "file_in",
    "fsync_dir",
    "identifier_problem",
    "make_folder",
    "name_part",
    "read_regular_file",
    "restrict",
    "share_files_with",
    "write_bytes_atomic",
]

DIGEST_CHUNK = 1 << 16
"""Bytes read at a time while hashing: large enough that hashing, not the loop, is the cost."""

MODES = {
    "file": (0o600, 0o640),
    "database": (0o600, 0o660),
    "folder": (0o700, 0o2770),
}
"""Kind -> (mode when private, mode when shared with the group). The group reads the files
(nobody edits a written file in place), writes the database (SQLite opens it only so) and
creates files in the folders (one person's run next to another's); a shared folder is
set-group-ID, so what is created in it gets its group."""
_UMASK = {False: 0o077, True: 0o007}

_shared_gid: int | None = None


def share_files_with(gid: int | None) -> None:
    """From now on, files and folders this process creates are the owner's only (``None``) or
    also group ``gid``'s; never anybody else's.

    Sets the process's umask (0o077, or 0o007 with a group), so it holds for every file and
    folder created afterwards, by any code; what :func:`atomic_write` and :func:`make_folder`
    create also gets the group itself (other code's files get it from a set-group-ID folder,
    README "Dela filerna med en grupp"). Each staff member runs the program as themselves, so
    the group needs write access to the database (SQLite opens it, its ``-wal``/``-shm`` files
    and their folder only so) and to the folders, read access to the files.
    """
    global _shared_gid
    _shared_gid = gid
    os.umask(_UMASK[gid is not None])


def shared_gid() -> int | None:
    """The group files are shared with, or None (owner only)."""
    return _shared_gid


def make_folder(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` and its missing parents with the folder mode of :data:`MODES` (and the
    group); an existing folder is left as it is (it may be the admin's, set up by hand)."""
    folder = Path(path)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        restrict(created, "folder")
    return folder


def restrict(path: str | os.PathLike[str], kind: str = "file") -> None:
    """Give ``path`` of ours (a ``file``, the ``database`` or a ``folder``) the mode of
    :data:`MODES` that :func:`share_files_with` asked for, and the group. A file of another
    user, or one whose mode cannot be changed, is left alone: this brings our own files into
    line, it never fails a run."""
    gid = _shared_gid
    mode = MODES[kind][gid is not None]
    try:
        if gid is not None:
            os.chown(path, -1, gid)
        os.chmod(path, mode)
    except OSError:
        pass


class FileWriteError(OSError):
    """Writing failed; the message (Swedish, staff read it) names the file and the OS's reason."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file object; on a clean exit it becomes ``path``, otherwise it vanishes.

    ``overwrite=False`` refuses to replace an existing file, so two runs never clobber each other's
    output silently.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileWriteError(f"{target}: filen finns redan")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileWriteError(f"{target}: ingen fil kan skapas i {target.parent}: {exc.strerror}") from exc
    tmp = Path(tmp_name)
    if _shared_gid is not None:  # mkstemp made it 0600: the group may read it too
        try:
            os.fchown(fd, -1, _shared_gid)
            os.fchmod(fd, MODES["file"][True])
        except OSError:
            pass
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not overwrite and target.exists():
            raise FileWriteError(f"{target}: filen finns redan")
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileWriteError):
            raise
        raise FileWriteError(f"{target}: filen kunde inte skrivas: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class InputFileError(OSError):
    """A file named for reading that we refuse: not a regular file, too large or unreadable.

    ``path`` and ``reason`` (Swedish, staff read it) are kept apart so a caller can put them into
    its own message; ``str()`` is ``"PATH: REASON"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


_NOT_REGULAR = (
    (stat.S_ISDIR, "är en mapp, ingen fil"),
    (stat.S_ISFIFO, "är en namngiven pipe (FIFO), ingen vanlig fil"),
    (stat.S_ISCHR, "är en enhet (som /dev/zero), ingen vanlig fil"),
    (stat.S_ISBLK, "är en blockenhet, ingen vanlig fil"),
    (stat.S_ISSOCK, "är en socket, ingen vanlig fil"),
)


def read_regular_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The whole content of ``path``; InputFileError unless it is a regular file of at most
    ``limit`` bytes.

    The file is opened without blocking (opening a FIFO for reading would wait for a writer
    forever) and checked with ``fstat`` on the open descriptor, so what is checked is what is
    read. A symbolic link to a regular file is read. At most ``limit + 1`` bytes are ever read,
    also when the file grows while it is read.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputFileError(name, "är en mapp, ingen fil") from None
    except FileNotFoundError:
        raise InputFileError(name, "filen kan inte läsas: den finns inte") from None
    except PermissionError:
        raise InputFileError(name, "filen kan inte läsas: behörighet saknas") from None
    except OSError as exc:
        raise InputFileError(name, f"filen kan inte läsas: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        for test, reason in _NOT_REGULAR:
            if test(info.st_mode):
                raise InputFileError(name, reason)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(name, "är ingen vanlig fil")
        if info.st_size > limit:
            raise InputFileError(name, _too_large(info.st_size, limit))
        os.set_blocking(fd, True)
        data = _read_at_most(fd, limit + 1)
    except InputFileError:
        raise
    except OSError as exc:
        raise InputFileError(name, f"filen kan inte läsas: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputFileError(name, _too_large(len(data), limit))
    return data


def _read_at_most(fd: int, count: int) -> bytes:
    chunks = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> str:
    shown, most = _megabytes(size), _megabytes(limit)
    if shown == most:  # just above the limit: in bytes, or the message would say "200 MB > 200 MB"
        shown, most = (f"{n:,} byte".replace(",", "\u00a0") for n in (size, limit))
    return f"filen är {shown}, större än gränsen {most} för den här sortens fil"


def _megabytes(size: int) -> str:
    """Bytes as Swedish megabytes (10^6 bytes): "100 MB", "1 073,7 MB"; below 1 MB in bytes."""
    if size < 1_000_000:
        return f"{size} byte"
    whole, tenth = divmod(round(size / 100_000), 10)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{grouped} MB" if tenth == 0 else f"{grouped},{tenth} MB"


IDENTIFIER_CHARACTERS = "A-Za-z0-9ÅÄÖåäöÆØæøÉéÜü._-"
"""What an identifier that file names are built from may hold (a regex character-class body):
letters (Swedish and the Nordic ones registers use), digits, dot, underscore and hyphen. No
slash, backslash, blank, colon or control character."""

MAX_IDENTIFIER = 40
"""The longest such identifier (the ledger format's limit for numbers and codes)."""

_IDENTIFIER = re.compile(f"[{IDENTIFIER_CHARACTERS}]+")
_NOT_IN_NAME = re.compile(f"[^{IDENTIFIER_CHARACTERS}]+")
_DOTS = re.compile(r"\.{2,}")


class FileNameError(ValueError):
    """A file name built from data would not stay a plain name inside its folder."""


def identifier_problem(value: str, max_length: int = MAX_IDENTIFIER) -> str | None:
    """Why ``value`` cannot be an identifier that file names are built from, or None.

    For the import that lets invoice numbers, owner codes and customer numbers in: only
    :data:`IDENTIFIER_CHARACTERS`, starting with a letter or a digit (not a hidden file, not an
    option), no ``..``, at most ``max_length`` characters. The reason is Swedish and quotes what was refused.
    """
    if not value:
        return "får inte vara tomt"
    if len(value) > max_length:
        return f"{value[:60]!r} har {len(value)} tecken, högst {max_length}"
    if _IDENTIFIER.fullmatch(value) is None:
        bad = _NOT_IN_NAME.search(value)
        shown = repr(bad.group()[:1]) if bad else "?"
        return (f"{value!r} innehåller tecknet {shown}; tillåtet är bokstäver, siffror, punkt, "
                "understreck och bindestreck")
    if not value[0].isalnum():
        return f"{value!r} ska börja med en bokstav eller en siffra"
    if ".." in value:
        return f"{value!r} får inte innehålla '..'"
    return None


def name_part(value: object, max_length: int = 60) -> str:
    """``value`` made safe as part of a file name: every run of characters outside
    :data:`IDENTIFIER_CHARACTERS` becomes one ``_``, runs of dots one dot, what does not start
    with a letter or digit loses its leading dots, hyphens and underscores; at most
    ``max_length`` characters, never empty (``_``).

    A valid identifier (:func:`identifier_problem`) comes back unchanged; ``../../OWN`` becomes
    ``OWN`` and ``/../../../../x/ESC`` ``x_``: no separator, nothing that climbs.
    """
    text = _DOTS.sub(".", _NOT_IN_NAME.sub("_", str(value))).lstrip("._-")
    return text[:max_length] or "_"


def file_in(folder: str | os.PathLike[str], name: str) -> Path:
    """``folder / name`` for a file name built from data; FileNameError unless ``name`` is one
    plain file name (no separator, not ``.``/``..``, not hidden, no control character) and the
    path, symbolic links resolved, stays inside ``folder``.
    """
    base = Path(folder)
    if (not name or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name
            or "\0" in name or not name.isprintable()):
        raise FileNameError(f"filnamnet {name!r} är inget enkelt filnamn i {base}")
    path = base / name
    root = base.resolve()
    if path.resolve().parent != root:
        raise FileNameError(f"filnamnet {name!r} hamnar utanför mappen {base}")
    return path


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(data)
    return Path(path)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened or synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of ``path``, read in chunks; OSError when it cannot be read.

    Callers turn the OSError into their own message (a missing upload, an unreadable outbox file).
    """
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(DIGEST_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
