"""Helpers for tests that drive the real app with the Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
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


def tree_busy(pilot: Pilot[object]) -> bool:
    """Like :func:`busy`, but the folder tree's loader (a worker that lives as long as the tree
    and waits for folders to read) does not count while its queue is empty."""
    app = pilot.app
    for worker in app.workers:
        if worker.is_running and worker.group != "_loader":
            return True
    for screen in app.screen_stack:
        if any(not tree._load_queue.empty() for tree in screen.query("FileTree")):
            return True
    if any(table.is_loading for table in app.screen.query(PagedTable)):
        return True
    return any(getattr(app.screen, name, None) is not None for name in ("_search_timer",))


async def settle_tree(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """:func:`settle` for screens with a folder tree, whose loader worker never completes."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while time.monotonic() < deadline:
        await pilot.pause()
        if not tree_busy(pilot):
            await pilot.pause(0.02)
            if not tree_busy(pilot):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the app did not settle in time")


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` key by key, as a user would."""
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


Steps = Callable[[Pilot[None]], Awaitable[None]]
"""What ``snap_compare(run_before=...)`` takes: a coroutine function of the pilot."""


def steps(
    *keys: str,
    text: str = "",
    then: tuple[str, ...] = (),
    timeout: float = 10.0,
    wait: Callable[[Pilot[Any], float], Awaitable[None]] | None = None,
) -> Steps:
    """Press ``keys``, type ``text``, press ``then``, waiting for the app after each (``wait``,
    :func:`settle` unless given, up to ``timeout`` seconds); then freeze the cursors and let the
    screen, and the screen beneath a modal, finish painting, so a snapshot is the same every run."""
    until_settled = wait or settle

    async def run(pilot: Pilot[None]) -> None:
        await until_settled(pilot, timeout)
        for key in keys:
            await pilot.press(key)
            await until_settled(pilot, timeout)
        if text:
            await type_text(pilot, text)
            await until_settled(pilot, timeout)
        for key in then:
            await pilot.press(key)
            await until_settled(pilot, timeout)
        freeze_cursors(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.pause()

    return run


def table_data(app: App[Any], table_id: str) -> list[Any]:
    """The ``data`` of every loaded row of the PagedTable ``table_id`` on the current screen."""
    table = app.screen.query_one(table_id, PagedTable)
    return [table.row_at(i).data for i in range(table.total) if table.row_at(i) is not None]


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
