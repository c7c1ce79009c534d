"""Pause the cyclic garbage collector around bulk work (standard library only, like fileio).

Reading a large payment file and booking its payments create a few hundred thousand containers
that all stay alive until the end; every collection would walk them again for nothing (1.5-2 s of
a 15 s import of 100,000 payments). Reference counting still frees what is dropped.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused(*, keep: bool = False) -> Iterator[None]:
    """The collector off for the block; on again after it, if it was on before (nesting is safe).

    ``keep``: what the block built lives on (a file's payments, returned to the caller). Then,
    before the collector is turned back on, every tracked object goes straight to the oldest
    generation (``gc.freeze()`` and ``gc.unfreeze()``: two list splices, whatever the number),
    so the next young collection does not walk 100,000 payments that are all alive (12 ms of a
    70 ms read, bench_payment_read.py), nor the one after it again. They are walked only by the
    full collections, as every long-lived object is. The price: young garbage cycles elsewhere
    in the process wait for the next full collection too. Skipped when something else has
    frozen objects (``gc.unfreeze()`` would thaw them), when the block raised, and inside an
    outer pause (which decides).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if keep and was_enabled and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
    finally:
        if was_enabled:
            gc.enable()
