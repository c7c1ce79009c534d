"""The footer teaches the keys, at 80 columns (the usual SSH window) and at 120: every key it
shows is whole and left of ^p Kommandon, F1 Hjälp comes first, the screen's main action (its F2,
or the keys the screen names in ``FOOTER_MAIN``) right after it, and Ctrl+Q/Ctrl+T are shown on
the main menu only (they work everywhere).

Each menu entry is a test of its own (they ran as one 33 s test): the entry is opened, Tab moves
through its first fields, and at each the footer is read at both widths. Then the busiest
sub-screens: the ledger with a customer open, an invoice, the dunning run list, the collection
wizard's two tables and a case.
"""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from tests.collection_app_helpers import ledger, open_wizard
from tests.collection_data import CollectionLedger
from tests.dunning_app_helpers import small
from tests.ledger_data import SmallLedger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.cases import CaseScreen
from tui_inkasso.screens.dunning import DunningRunScreen
from tui_inkasso.screens.help import HelpScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.menu import MENU_ENTRIES, MenuEntry, MenuScreen
from tui_inkasso.widgets.footer_keys import FooterKeys

NARROW, WIDE = (80, 24), (120, 36)
ENGLISH = re.compile(r"\b(Dismiss|Toggle|Open|Show|Select|Copy|Paste|Quit|Search|Back|Cancel|Save|menu|option)\b")
"""Textual's own English descriptions, which must not reach a footer."""
APP_WIDE = {"^q Avsluta", "^t Mörkt/ljust"}

__all__ = ["ledger", "small"]  # the fixtures, imported for pytest


def shown_keys(pilot: Pilot[None]) -> list[str]:
    """The footer's keys as 'key description', after checking each is whole on the screen, F1
    first and the screen's main action right after it."""
    screen = pilot.app.screen
    width = pilot.app.size.width
    footer = screen.query_one(Footer)
    keys = [key for key in footer.query(FooterKey) if not key.has_class("-command-palette")]
    palette = [key for key in footer.query(FooterKey) if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else footer.region.right  # less a scrolling screen's scroll bar
    where = f"{type(screen).__name__} at {width} columns, focus on {pilot.app.focused!r}"
    texts = [f"{key.key_display} {key.description}" for key in keys]
    for key, text in zip(keys, texts, strict=True):
        assert key.region.width > 0 and key.region.right <= limit, f"{where}: '{text}' is cut off in {texts}"
    assert texts and texts[0] == "f1 Hjälp", f"{where}: F1 Hjälp is not first: {texts}"
    english = [text for text in texts if ENGLISH.search(text)]
    assert not english, f"{where}: English in the footer: {english}"
    main = main_keys(screen)
    assert texts[1 : 1 + len(main)] == main, f"{where}: the main action {main} does not follow F1: {texts}"
    return texts


def main_keys(screen: object) -> list[str]:
    """What the footer must show right after F1: the screen's FOOTER_MAIN keys, or its F2."""
    if not isinstance(screen, FooterKeys):
        return []
    bindings = screen.active_bindings
    by_id = {item.binding.id: item.binding for item in bindings.values()}
    if screen.FOOTER_MAIN:
        chosen = [by_id[key_id] for key_id in screen.FOOTER_MAIN if key_id in by_id]
    else:
        chosen = [bindings["f2"].binding] if "f2" in bindings and bindings["f2"].binding.description else []
    return [f"{screen.app.get_key_display(b)} {b.description}" for b in chosen]


async def both_widths(pilot: Pilot[None]) -> list[str]:
    """The footer checked at 80 and at 120 columns; the keys shown at 120."""
    await pilot.resize_terminal(*NARROW)
    await settle(pilot)
    shown_keys(pilot)
    await pilot.resize_terminal(*WIDE)
    await settle(pilot)
    return shown_keys(pilot)


async def check_focus_stops(pilot: Pilot[None], stops: int = 5) -> list[str]:
    """Check the footer at the screen's first ``stops`` focus stops at 80 columns (at 120 there
    is room for more keys, and the sub-screen tests below read those); every key seen, in order."""
    seen: list[str] = []
    for _ in range(stops):
        seen += [text for text in shown_keys(pilot) if text not in seen]
        await pilot.press("tab")
        await settle(pilot)
    return seen


async def test_the_menu_shows_the_app_wide_keys(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert shown_keys(pilot) == ["f1 Hjälp", "⏎ Öppna", "^q Avsluta", "^t Mörkt/ljust"]
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert app.theme == "inkasso-light", "Ctrl+T works though only the menu shows it"


@pytest.mark.parametrize("entry", MENU_ENTRIES, ids=[entry.id for entry in MENU_ENTRIES])
async def test_every_menu_screen_shows_its_keys_at_80_and_120_columns(small: SmallLedger, entry: MenuEntry) -> None:
    app = InkassoApp()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press(entry.key)
        await settle(pilot)
        seen = await check_focus_stops(pilot)
        assert not APP_WIDE & set(seen), f"{entry.label}: app-wide keys shown"


async def test_ledger_invoice_and_dunning_run_show_their_keys(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "anna")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen) and app.focused is not None
        assert app.focused.id == "invoices"
        assert await both_widths(pilot) == [
            "f1 Hjälp", "esc Tillbaka", "^f Sök", "u Obetalda/alla", "f5 Uppdatera",
            "p Återutskrift", "b Spärr faktura", "B Spärr kund",
        ]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert {"p Återutskrift", "b Spärr faktura"} <= set(await both_widths(pilot))
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DunningRunScreen)
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert shown_keys(pilot)[:2] == ["f1 Hjälp", "f2 Skapa breven"]
        assert {"space Utelämna/ta med", "a Alla ut/in", "f2 Skapa breven", "f5 Uppdatera"} <= set(
            await both_widths(pilot))


async def test_collection_wizard_and_case_show_their_keys(ledger: CollectionLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=WIDE) as pilot:
        await open_wizard(pilot)
        upper = await both_widths(pilot)
        assert {"space Markera", "u Undanta", "f2 Skapa inkassoärende", "f4 Urval", "f5 Uppdatera"} <= set(upper)
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert shown_keys(pilot) == ["f1 Hjälp", "f2 Skapa inkassoärende", "⏎ Visa", "u Undanta", "space Markera",
                                     "f4 Urval"], "the wizard keeps Enter Visa and F4 Urval at 80 columns"
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)
        lower = await both_widths(pilot)
        assert "i Inkludera" in lower and "u Undanta" not in lower
        await pilot.press("escape")
        await settle(pilot)
        while not isinstance(app.screen, MenuScreen):
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await both_widths(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert await both_widths(pilot) == [
            "f1 Hjälp", "f3 Ändra status", "x Avsluta ärende", "b Betalning", "esc Tillbaka", "n Anteckning",
            "f5 Uppdatera",
        ]
        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert shown_keys(pilot) == ["f1 Hjälp", "f3 Ändra status", "x Avsluta ärende", "b Betalning",
                                     "n Anteckning"], \
            "F5, then Esc give way (the card scrolls: its scroll bar takes two of the footer's 80 columns)"


async def test_help_in_the_wizard_lists_only_the_f2_of_the_system_in_use(ledger: CollectionLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=NARROW) as pilot:
        await open_wizard(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = {(table.get_row_at(i)[0].plain, table.get_row_at(i)[1].plain) for i in range(table.row_count)}
        assert ("f2", "Skapa inkassoärende") in rows, "Intrum: cases and their file"
        assert ("f2", "Skapa Excelfil") not in rows, "the Excel key belongs to another system"
