"""F1 on every screen of the menu at 80x24: End (and PageDown) bring the last key into view,
inside the help's box. The key list used to take the screen's height, not what the intro left, so
its last keys lay below the box's border while End moved the cursor there."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.help import HelpScreen
from tui_inkasso.screens.menu import MENU_ENTRIES

__all__ = ["small"]  # the fixture, imported for pytest


def last_row_visible(table: DataTable[object]) -> bool:
    """The last key's line lies inside the table's visible region and inside the help's box."""
    box = table.screen.query_one("#help-box")
    last_line = table.region.y + table.gutter.top + 1 + (table.row_count - 1) - round(table.scroll_y)
    return (table.region.bottom <= box.content_region.bottom
            and table.region.y < last_line < table.region.bottom)


@pytest.mark.parametrize("key", [None] + [entry.key for entry in MENU_ENTRIES])
async def test_f1_help_shows_its_last_key_at_80x24(small: SmallLedger, key: str | None) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        if key:
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen), f"F1 opens the help on {key or 'the menu'}"
        table = app.screen.query_one(DataTable)
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == table.row_count - 1
        assert last_row_visible(table), f"End shows the last key ({key or 'menu'})"
        await pilot.press("home", "pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await settle(pilot)
        assert last_row_visible(table), f"PageDown reaches the last key ({key or 'menu'})"
