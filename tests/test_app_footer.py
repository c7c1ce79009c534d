"""The footer teaches the keys: at 120 columns every key it shows is whole and left of ^p Kommandon,
F1 Hjälp comes first, and Ctrl+Q/Ctrl+T are shown on the main menu only (they work everywhere).

Every menu entry is opened and Tab moves through its fields, then the busiest sub-screens are
checked: the ledger with a customer open, an invoice, the dunning run list, the collection
wizard's two tables and a case.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tests.collection_app_helpers import ledger, open_wizard
from tests.collection_data import CollectionLedger
from tests.dunning_app_helpers import small
from tests.ledger_data import SmallLedger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.cases import CaseScreen
from tui_inkasso.screens.dunning import DunningRunScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.menu import MENU_ENTRIES, MenuScreen

WIDTH = 120
SIZE = (WIDTH, 36)

__all__ = ["ledger", "small"]  # the fixtures, imported for pytest



def shown_keys(pilot: Pilot[None]) -> list[str]:
    """The footer's keys as 'key description', after checking each is whole on the screen."""
    footer = pilot.app.screen.query_one(Footer)
    keys = [key for key in footer.query(FooterKey) if not key.has_class("-command-palette")]
    palette = [key for key in footer.query(FooterKey) if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else WIDTH
    where = f"{type(pilot.app.screen).__name__}, focus on {pilot.app.focused!r}"
    texts = [f"{key.key_display} {key.description}" for key in keys]
    for key, text in zip(keys, texts, strict=True):
        assert key.region.width > 0 and key.region.right <= limit, f"{where}: '{text}' is cut off in {texts}"
    assert texts and texts[0] == "f1 Hjälp", f"{where}: F1 Hjälp is not first: {texts}"
    return texts


async def check_focus_stops(pilot: Pilot[None], stops: int = 5) -> list[str]:
    """Check the footer at the screen's first ``stops`` focus stops; every key seen, in order."""
    seen: list[str] = []
    for _ in range(stops):
        seen += [text for text in shown_keys(pilot) if text not in seen]
        await pilot.press("tab")
        await settle(pilot)
    return seen


async def test_every_menu_screen_shows_its_keys_in_120_columns(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_keys(pilot) == ["f1 Hjälp", "⏎ Öppna", "^q Avsluta", "^t Mörkt/ljust"]
        for entry in MENU_ENTRIES:
            await pilot.press(entry.key)
            await settle(pilot)
            seen = await check_focus_stops(pilot)
            assert not {"^q Avsluta", "^t Mörkt/ljust"} & set(seen), f"{entry.label}: app-wide keys shown"
            while not isinstance(app.screen, MenuScreen):
                await pilot.press("escape")
                await settle(pilot)
        await pilot.press("ctrl+t")
        assert app.theme == "inkasso-light", "Ctrl+T works though only the menu shows it"


async def test_ledger_invoice_and_dunning_run_show_their_keys(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "anna")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen) and app.focused is not None
        assert app.focused.id == "invoices"
        assert shown_keys(pilot) == [
            "f1 Hjälp", "esc Tillbaka", "^f Sök", "u Obetalda/alla", "f5 Uppdatera",
            "p Återutskrift", "b Spärr faktura", "B Spärr kund",
        ]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert {"p Återutskrift", "b Spärr faktura"} <= set(shown_keys(pilot))
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DunningRunScreen)
        assert {"space Utelämna/ta med", "a Alla ut/in", "f2 Skapa breven", "f5 Uppdatera"} <= set(shown_keys(pilot))


async def test_collection_wizard_and_case_show_their_keys(ledger: CollectionLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(pilot)
        upper = shown_keys(pilot)
        assert {"space Markera", "u Undanta", "f2 Skapa inkassoärende", "f4 Urval", "f5 Uppdatera"} <= set(upper)
        await pilot.press("tab")
        await settle(pilot)
        lower = shown_keys(pilot)
        assert "i Inkludera" in lower and "u Undanta" not in lower
        await pilot.press("escape")
        await settle(pilot)
        while not isinstance(app.screen, MenuScreen):
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        shown_keys(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert shown_keys(pilot) == [
            "f1 Hjälp", "esc Tillbaka", "f3 Ändra status", "n Anteckning", "b Registrera betalning",
            "x Avsluta ärende", "f5 Uppdatera",
        ]
