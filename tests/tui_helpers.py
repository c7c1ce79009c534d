"""Helpers for tests that drive the real app with the Pilot."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tui_inkasso.widgets.paged_table import PagedTable


def busy(pilot: Pilot[object]) -> bool:
    """True while a worker runs, a table waits for rows, or a debounce timer is pending."""
    app = pilot.app
    if any(worker.is_running for worker in app.workers):
        return True
    screen = app.screen
    if any(table.is_loading for table in screen.query(PagedTable)):
        return True
    return any(getattr(screen, name, None) is not None for name in ("_search_timer", "_highlight_timer"))


async def settle(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """Wait until the app has finished what the last keys started (workers, pages, timers)."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while time.monotonic() < deadline:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not busy(pilot):
            await pilot.pause()
            if not busy(pilot):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the app did not settle in time")


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` key by key, as a user would."""
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


def freeze_cursors(pilot: Pilot[object]) -> None:
    """Stop the blinking text cursors so screenshots are the same every run."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False


_RECORD = "_test_notifications"
_original_notify = App.notify


def _recording_notify(self: App[object], message: str, **options: Any) -> None:
    """App.notify that also remembers the notification (toasts expire after a few seconds)."""
    record = self.__dict__.setdefault(_RECORD, [])
    record.append((options.get("severity", "information"), options.get("title", ""), message))
    _original_notify(self, message, **options)


App.notify = _recording_notify  # type: ignore[method-assign]


def notifications(pilot: Pilot[object]) -> list[tuple[str, str, str]]:
    """(severity, title, message) of every notification shown so far, expired ones included.

    A toast disappears after its timeout, which a slow test machine can exceed between the
    action and the assertion; this list keeps them all.
    """
    return list(pilot.app.__dict__.get(_RECORD, []))
