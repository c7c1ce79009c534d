"""Write a file so that readers see either nothing or the whole file.

The content goes to a temporary name in the target's own folder (so the rename stays on one file
system), is flushed and fsynced, and only then renamed over the final name. A crash, a full disk or
an exception leaves at most a stray ``.tmp`` file, which is removed when we still can.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class FileWriteError(OSError):
    """Writing failed; the message names the file and the operating system's reason."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file object; on a clean exit it becomes ``path``, otherwise it vanishes.

    ``overwrite=False`` refuses to replace an existing file, so two runs never clobber each other's
    output silently.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileWriteError(f"{target}: the file exists already")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise FileWriteError(f"{target}: cannot create a file in {target.parent}: {exc.strerror}") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not overwrite and target.exists():
            raise FileWriteError(f"{target}: the file exists already")
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileWriteError):
            raise
        raise FileWriteError(f"{target}: could not write the file: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(data)
    return Path(path)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened)."""
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
