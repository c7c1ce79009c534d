"""Where a format writes: an open binary handle, or a path written atomically.

Format modules are pure (rows in, bytes out), but several of them are most naturally called with a
file name. A path is always written through ``tui_inkasso.fileio.atomic_write`` (temporary name
in the same folder, fsync, rename), so a reader never sees half a file and a failed run leaves
nothing under the final name. ``fileio`` imports only the standard library, so formats/ stays free
of the other layers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import BinaryIO

from tui_inkasso.fileio import FileWriteError, atomic_write

__all__ = ["FileWriteError", "Target", "open_target", "target_name"]

Target = BinaryIO | str | os.PathLike[str]
"""An open binary file object (written as is, the caller owns it) or a path (written atomically)."""


@contextlib.contextmanager
def open_target(target: Target, *, overwrite: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary handle for ``target``; a path becomes visible only after a clean exit."""
    if isinstance(target, str | os.PathLike):
        with atomic_write(target, overwrite=overwrite) as handle:
            yield handle
    else:
        yield target


def target_name(target: Target) -> str:
    """A name for error messages: the path, or the handle's name, or "<stream>"."""
    if isinstance(target, str | os.PathLike):
        return os.fspath(target)
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else "<stream>"
