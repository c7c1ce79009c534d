"""Work that takes longer than half a second shows a busy line (what runs, for how long) above
the footer, gone when it is done; quick work shows nothing."""

from __future__ import annotations

import threading
import time

import pytest
from textual.screen import Screen

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.services import scheduled
from tui_inkasso.widgets.busy_line import BusyLine, ShowsBusy

__all__ = ["small"]  # the fixture, imported for pytest


def busy_line_shown(screen: Screen[object]) -> bool:
    """The screen says busy and its busy line is laid out (the line is drawn a frame after)."""
    return isinstance(screen, ShowsBusy) and screen.is_busy \
        and any(line.region.height > 0 for line in screen.query(BusyLine))


async def test_a_slow_load_shows_the_busy_line_until_it_is_done(small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    original = scheduled.list_services

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(scheduled, "list_services", slow)
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        started = time.monotonic()
        await pilot.press("t")
        await pilot.pause(0.1)
        screen = app.screen
        if time.monotonic() - started < 0.4:  # a slow machine may be past the half second already
            assert not screen.is_busy, "nothing before half a second"
        deadline = time.monotonic() + 5
        while not busy_line_shown(screen) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        line = screen.query_one(BusyLine)
        text = str(line.render())
        assert "Schemalagda tjänster pågår …" in text and text.endswith(" s"), text
        assert line.region.bottom == 23, "right above the footer"
        release.set()
        await settle(pilot)
        assert not screen.is_busy


async def test_the_wizards_first_open_shows_the_busy_line_while_its_lists_load(
        small: SmallLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inkasso's selection step on a large ledger: its lists stayed empty for seconds with no word
    of why; the busy line names the work while they load."""
    from tui_inkasso.screens import selection

    release = threading.Event()
    original = selection.selection_choices

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(selection, "selection_choices", slow)
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        deadline = time.monotonic() + 5
        while not (isinstance(app.screen, selection.SelectionScreen) and busy_line_shown(app.screen)) \
                and time.monotonic() < deadline:
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, selection.SelectionScreen)
        line = screen.query_one(BusyLine)
        assert "Urvalslistor pågår …" in str(line.render()) and line.region.bottom == 23
        release.set()
        await settle(pilot)
        assert not screen.is_busy
