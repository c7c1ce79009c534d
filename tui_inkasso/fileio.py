"""Crash-safe file writing and file hashing, shared by every layer.

Formats write their output through :func:`atomic_write`, transport writes ``known_hosts`` with it,
and services stage and publish their files with :func:`fsync_dir` and :func:`file_digest`. The
module imports only the standard library, so every layer may use it without pulling in another
layer (tests/test_architecture.py checks the arrows).

:func:`atomic_write` puts the content under a temporary name in the target's own folder (so the
rename stays on one file system), flushes and fsyncs it, and only then renames it over the final
name and fsyncs the folder. A crash, a full disk or an exception leaves at most a stray ``.tmp``
file, which is removed when we still can.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["FileWriteError", "atomic_write", "file_digest", "fsync_dir", "write_bytes_atomic"]

DIGEST_CHUNK = 1 << 16
"""Bytes read at a time while hashing: large enough that hashing, not the loop, is the cost."""


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
