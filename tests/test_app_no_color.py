"""NO_COLOR=1 (common on servers): every screen opens, and its tables draw and move.

Textual then converts every colour to a shade of grey; a line segment without a style made that
filter raise AttributeError ('NoneType' object has no attribute 'color') on every screen with a
table. The real app is driven through every menu entry (past the selection step where there is
one), the customer search and an invoice, the wizard's two tables and a case, with NO_COLOR set
before the app starts; each menu entry's screen is drawn in the dark and in the light theme
(Ctrl+T there). (tests/test_e2e_colours.py checks in a real terminal that the current row
is told apart with NO_COLOR.)
"""

from __future__ import annotations

import asyncio

import pytest
from textual.color import Color
from textual.pilot import Pilot

from tests.collection_app_helpers import ledger
from tests.collection_data import CollectionLedger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.cases import CaseScreen
from tui_inkasso.screens.collection import CollectionScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen
from tui_inkasso.screens.menu import MENU_ENTRIES, MenuScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["ledger"]  # the fixture, imported for pytest


STEP_TIMEOUT = 20.0
"""Seconds a step may take: a crashed app answers no key, and the Pilot would wait for ever."""


async def keys(pilot: Pilot[None], *pressed: str, text: str = "") -> None:
    """Press keys (and type ``text``), then wait for the app; a crash fails the test at once."""
    async def run() -> None:
        await pilot.press(*pressed)
        if text:
            await type_text(pilot, text)
        await settle(pilot)

    try:
        await asyncio.wait_for(run(), STEP_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"the app stopped answering after {pressed}") from None
    assert pilot.app.return_code is None, f"the app ended after {pressed} (it crashed)"


async def to_menu(pilot: Pilot[None]) -> None:
    for _ in range(5):
        if isinstance(pilot.app.screen, MenuScreen):
            return
        await keys(pilot, "escape")
    raise AssertionError(f"Esc does not lead back to the menu from {pilot.app.screen!r}")


def tables_drawn(pilot: Pilot[None]) -> int:
    """Draw every line of the screen's tables through the app's filters (NO_COLOR's grey)."""
    drawn = 0
    for table in pilot.app.screen.query(PagedTable):
        for y in range(table.size.height):
            strip = table.render_line(y)
            for line_filter in pilot.app.get_line_filters():
                line_filter.apply(list(strip), Color(0, 0, 0))
            drawn += 1
    return drawn


async def test_every_screen_opens_with_no_color(ledger: CollectionLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = InkassoApp()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.no_color, "NO_COLOR is read as the app starts"
        for entry in MENU_ENTRIES:
            await keys(pilot, entry.key)
            if isinstance(app.screen, SelectionScreen):
                await keys(pilot, "f2")
            assert not isinstance(app.screen, MenuScreen), f"{entry.label} opened"
            await keys(pilot, "down", "down")
            tables_drawn(pilot)
            await keys(pilot, "ctrl+t")  # the other theme: each screen is drawn in both
            tables_drawn(pilot)
            await to_menu(pilot)
        # the customer search, a customer's invoices and one invoice
        await keys(pilot, "r", text="anna")
        await keys(pilot, "enter", "enter", "down", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await to_menu(pilot)
        # the wizard's two tables, an invoice's detail from there
        await keys(pilot, "n")
        await keys(pilot, "f2")
        assert isinstance(app.screen, CollectionScreen)
        assert tables_drawn(pilot) > 10
        await keys(pilot, "down", "space", "tab", "down", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await to_menu(pilot)
        # a case
        await keys(pilot, "e")
        await keys(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        assert tables_drawn(pilot) > 10
        await keys(pilot, "tab", "down", "tab", "down")
        await to_menu(pilot)


async def test_named_colours_stay_readable_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell in "bold red" ("Adress saknas" in Socialnämnder) became grey 237 on 236 with
    NO_COLOR in the dark theme; now a light grey on the dark theme and a dark one on the light."""
    from rich.segment import Segment
    from rich.style import Style

    monkeypatch.setenv("NO_COLOR", "1")
    for light in (False, True):
        app = InkassoApp(light=light)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            background = app.current_theme.surface or ("#FFFFFF" if light else "#1A2029")
            segments = [Segment("Adress saknas", Style(color="red", bgcolor=background, bold=True))]
            for line_filter in app.get_line_filters():
                segments = line_filter.apply(segments, Color(0, 0, 0))
            style = segments[0].style
            assert style is not None and style.color is not None and style.bgcolor is not None
            fg, bg = style.color.get_truecolor().red, style.bgcolor.get_truecolor().red
            assert abs(fg - bg) > 100, f"light={light}: grey {fg} on {bg}"
