"""A busy line for work that takes longer than half a second.

A screen's slow work (creating 6,000 cases, reading a 30,000-payment file, a balance file) runs
in a worker, so the screen stays usable, but it used to look unchanged for seconds. A screen with
:class:`ShowsBusy` puts a line above its footer once one of its workers has run for
``BUSY_AFTER`` seconds: what runs (the worker's name) and for how long, updated every tenth of a
second, gone when the work is done. Tables fetching rows say "Hämtar …" themselves, so their
workers (group ``paged-table``) are not counted.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object

BUSY_AFTER = 0.5
"""Seconds a worker runs before the busy line shows."""

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

QUIET_GROUPS: frozenset[str] = frozenset({"paged-table"})
"""Worker groups that show their own progress (a table's "Hämtar …")."""


class BusyLine(Static):
    """"⠙ Skapar inkassoärenden … 1,9 s" above the footer while a worker runs."""

    DEFAULT_CSS = """
    BusyLine {
        dock: bottom;
        margin-bottom: 1;
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text;
        display: none;
    }
    """


class ShowsBusy(_ScreenBase):
    """Mixin for a Screen: a :class:`BusyLine` while one of its workers runs longer than
    ``BUSY_AFTER`` (Textual tells a screen about the workers it started)."""

    BUSY_QUIET: ClassVar[frozenset[str]] = QUIET_GROUPS

    _busy_started: dict[int, tuple[float, str]]
    _busy_timer: Timer | None = None

    def _busy_workers(self) -> dict[int, tuple[float, str]]:
        if "_busy_started" not in self.__dict__:
            self._busy_started = {}
        return self._busy_started

    def _on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Count the screen's own running workers (Textual calls this for every class in the MRO)."""
        worker = event.worker
        if worker.group in self.BUSY_QUIET or worker.node is not self:
            return
        running = self._busy_workers()
        if event.state == WorkerState.RUNNING:
            running[id(worker)] = (time.monotonic(), worker.name or "Arbetar")
            if self._busy_timer is None:
                self._busy_timer = self.set_interval(0.1, self._show_busy)
        elif event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            running.pop(id(worker), None)
            if not running:
                self._stop_busy()

    @property
    def is_busy(self) -> bool:
        """True while the busy line is shown."""
        lines = self.query(BusyLine)
        return bool(lines) and lines.first().display

    def _show_busy(self) -> None:
        running = self._busy_workers()
        if not running:
            self._stop_busy()
            return
        started, name = min(running.values())
        elapsed = time.monotonic() - started
        if elapsed < BUSY_AFTER:
            return
        lines = self.query(BusyLine)
        if lines:
            line = lines.first()
        else:
            line = BusyLine()
            self.mount(line)
        spin = SPINNER[int(elapsed * 10) % len(SPINNER)]
        more = f" (och {len(running) - 1} till)" if len(running) > 1 else ""
        seconds = f"{elapsed:.1f}".replace(".", ",")
        line.update(Text(f"{spin} {name} pågår{more} … {seconds} s"))
        line.display = True

    def _stop_busy(self) -> None:
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        for line in self.query(BusyLine):
            line.display = False
