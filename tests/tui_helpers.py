"""Helpers for tests that drive the real app with the Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import Worker

from tui_inkasso.widgets.paged_table import PagedTable

LONG_LIVED_GROUPS = frozenset({"_loader"})
"""Worker groups that live as long as their widget (a folder tree's loader waits for folders to
read): they never finish, so settling does not wait for them; what they still have to do they
announce as ``pending``."""


def pending_work(app: App[Any]) -> bool:
    """True when a widget of the screen in use, or the screen itself, says it has work scheduled:
    its ``pending`` attribute is True (a filter's debounce, a search typed on, a folder tree still
    reading). The app's own protocol, so no test needs to know a widget's timers."""
    return any(getattr(node, "pending", False) is True for node in app.screen.walk_children(with_self=True))


def running_workers(app: App[Any]) -> list[Worker[Any]]:
    """The app's workers that have not finished (pending ones included), long-lived ones left out."""
    return [w for w in app.workers if not w.is_finished and w.group not in LONG_LIVED_GROUPS]


def busy(pilot: Pilot[object]) -> bool:
    """True while a worker runs, a table waits for rows, or a widget has work scheduled."""
    app = pilot.app
    if running_workers(app):
        return True
    if any(table.is_loading for table in app.screen.query(PagedTable)):
        return True
    return pending_work(app)


async def settle(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """Wait until the app has finished what the last keys started (workers, pages, scheduled work).

    Event waits, not sleeps: the messages the keys posted are handled (``pause(0)`` waits for the
    screen's queues, without Textual's idle polling), the workers they started are awaited, then
    the messages the workers posted; only scheduled work (a debounce) is polled, every 10 ms.
    One idle pause at the end lets Textual lay out and paint what changed, for tests that read
    regions. Call it once after a burst of keys, not after every key.
    """
    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    await pilot.pause(0)
    while True:
        workers = running_workers(app)
        if workers:
            await wait_for_workers(workers, max(deadline - time.monotonic(), 0.01))
            quiet = 0
        elif busy(pilot):
            await pilot.pause(0.01)
            quiet = 0
        else:
            # Quiet twice in a row: the first time after an idle pause (layout, paint), the second
            # after the messages a worker that ended meanwhile posted have been handled.
            await (pilot.pause() if quiet == 0 else pilot.pause(0))
            quiet += 1
            if quiet == 2 and not busy(pilot):
                return
            continue
        if time.monotonic() > deadline:
            raise AssertionError("the app did not settle in time")
        await pilot.pause(0)


async def wait_for_workers(workers: list[Worker[Any]], timeout: float) -> None:
    """Wait until ``workers`` are done (a failed one too: the app shows its error), at most
    ``timeout`` seconds; waiting never cancels a worker, and one not started yet is waited for
    by the next round."""

    def done(waiting: asyncio.Future[Any]) -> None:
        if not waiting.cancelled():
            waiting.exception()  # failed or not started: the app's business, not the test's

    waits = []
    for worker in workers:
        waiting = asyncio.ensure_future(worker.wait())
        waiting.add_done_callback(done)
        waits.append(waiting)
    await asyncio.wait(waits, timeout=timeout)


async def settle_tree(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """:func:`settle` for screens with a folder tree (its loader's work is ``pending`` on the tree)."""
    await settle(pilot, timeout)


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type ``text`` key by key, as a user would.

    Into a text field the keys go as one burst, the way a terminal delivers typing (the field
    takes them in order; Pilot.press waits for the app to go idle twice per key, about 40 ms a
    character); anywhere else (a table whose typing moves to its filter) key by key with
    Pilot.press.
    """
    if isinstance(pilot.app.focused, Input):
        for character in text:
            pilot.app.post_message(events.Key("space" if character == " " else character, character))
        await pilot.pause(0)
        return
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


def _runs(keys: tuple[str, ...]) -> list[str | tuple[str, ...]]:
    """``keys`` with each run of single characters joined into text ("a", "b", "enter" ->
    "ab", ("enter",)), so :func:`steps` types them as text."""
    groups: list[str | tuple[str, ...]] = []
    for key in keys:
        if len(key) == 1 and groups and isinstance(groups[-1], str):
            groups[-1] += key
        elif len(key) == 1:
            groups.append(key)
        else:
            groups.append((key,))
    return groups


Steps = Callable[[Pilot[None]], Awaitable[None]]
"""What ``snap_compare(run_before=...)`` takes: a coroutine function of the pilot."""


def steps(
    *keys: str,
    text: str = "",
    then: tuple[str, ...] = (),
    timeout: float = 10.0,
    wait: Callable[[Pilot[Any], float], Awaitable[None]] | None = None,
) -> Steps:
    """Press ``keys``, type ``text``, press ``then``, waiting for the app after each key, and
    after each run of characters (typed as text: :func:`type_text`) (``wait``, :func:`settle`
    unless given, up to ``timeout`` seconds); then freeze the cursors and let the screen, and the
    screen beneath a modal, finish painting, so a snapshot is the same every run."""
    until_settled = wait or settle

    async def run(pilot: Pilot[None]) -> None:
        await until_settled(pilot, timeout)
        for group in _runs(keys) + ([text] if text else []) + _runs(then):
            if isinstance(group, str) and len(group) > 1:
                await type_text(pilot, group)
            else:
                await pilot.press(group if isinstance(group, str) else group[0])
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


def footer_keys(app: App[Any]) -> dict[str, bool]:
    """The current screen's footer as it is drawn now (no resize, which lays it out anew):
    'key description' -> whether the key is live (False: greyed)."""
    return {f"{key.key_display} {key.description}": not key.has_class("-disabled")
            for key in app.screen.query("Footer FooterKey")}


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
