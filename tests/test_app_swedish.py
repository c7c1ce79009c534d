"""No English on screen: Textual's own words that reach staff are Swedish (an open dropdown's
footer key, the command palette when nothing matches), and an unexpected error keeps the
operating system's reason inside a Swedish sentence."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Footer, Select
from textual.widgets._footer import FooterKey

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp, error_in_words

__all__ = ["small"]  # the fixture, imported for pytest


async def test_an_open_dropdown_and_an_empty_palette_speak_swedish(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.focused, Select)
        await pilot.press("enter")
        await settle(pilot)
        keys = [f"{k.key_display} {k.description}" for k in app.screen.query_one(Footer).query(FooterKey)]
        assert "esc Stäng listan" in keys and not any("Dismiss" in key for key in keys), keys
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "xyzzy")
        await pilot.pause(0.8)
        await settle(pilot)
        shown = " ".join(str(option.prompt) for option in app.screen.query_one("CommandList").options)
        assert "Ingen funktion matchar 'xyzzy'" in shown and "No matches" not in shown


def test_an_os_error_stays_inside_a_swedish_sentence() -> None:
    error = PermissionError(13, "Permission denied", "/srv/inkasso/fil.xml")
    assert error_in_words(error) == "Permission denied (/srv/inkasso/fil.xml)"
    assert error_in_words(RuntimeError("database is locked")).startswith("databasen är upptagen")
    assert error_in_words(KeyError("x")) == "KeyError: 'x'"


async def test_data_in_a_notification_is_text_not_markup(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.notify("Tjänsten a[/]b skickade till [Intrum]: klart", title="Kör nu")  # markup=True by default
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.is_running, "a[/]b is no markup error"
        [note] = [n for n in app._notifications if "Intrum" in n.message]
        assert note.message == "Tjänsten a[/]b skickade till [Intrum]: klart" and note.markup is False
