"""The chosen theme is remembered for the user (services.preferences): Ctrl+T stores it, the next
start opens with it; a broken file means the default, never a failed start."""

from __future__ import annotations

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.services.preferences import (
    Preferences,
    load_preferences,
    preferences_path,
    save_preferences,
)

__all__ = ["small"]  # the fixture, imported for pytest


async def test_the_theme_chosen_is_the_theme_at_the_next_start(small: SmallLedger) -> None:
    assert InkassoApp().start_theme == "inkasso-dark", "dark until the user chooses"
    app = InkassoApp()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.theme == "inkasso-light"
    assert load_preferences() == Preferences(light=True)
    assert InkassoApp().start_theme == "inkasso-light"
    assert InkassoApp(light=False).start_theme == "inkasso-dark", "the command line's choice wins"


def test_a_broken_file_means_the_defaults() -> None:
    path = preferences_path()
    path.parent.mkdir(parents=True)
    path.write_text("{inte json", encoding="utf-8")
    assert load_preferences() == Preferences()
    assert save_preferences(Preferences(light=True)) is None
    assert load_preferences().light
    path.unlink()
    path.mkdir()  # a folder where the file should be: said, not raised
    assert "valet av tema kunde inte sparas" in (save_preferences(Preferences()) or "")
