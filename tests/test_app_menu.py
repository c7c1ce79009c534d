"""The app shell by keyboard: the menu, its keys, help, themes, the command palette, errors."""

from __future__ import annotations

import datetime as dt
import re

from textual.binding import Binding
from textual.command import CommandPalette
from textual.widgets import DataTable

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import DARK_THEME, LIGHT_THEME, InkassoApp
from tui_inkasso.db.models import AuditEntry, Invoice
from tui_inkasso.screens.audit import AuditScreen
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.help import HelpScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.menu import GROUPS, MENU_ENTRIES, MenuEntry, MenuScreen
from tui_inkasso.screens.settings import SettingsScreen
from tui_inkasso.widgets.lists import KeyList
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)

__all__ = ["small"]  # the fixture, imported for pytest


async def test_menu_has_the_guides_groups_and_only_real_entries(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)
        titles = [box.border_title for box in app.screen.query(".menu-group")]
        assert titles == list(GROUPS)
        shown = {option.id for menu in app.screen.query(KeyList) for option in menu._options}
        assert shown == {entry.id for entry in MENU_ENTRIES}
        labels = {(e.group, e.label) for e in MENU_ENTRIES}
        assert {("Reskontra", "Reskontra (kundsök)"), ("Inställningar", "Alternativ – Inkasso"),
                ("Verktyg", "Granskningslogg")} <= labels
        assert len({e.key for e in MENU_ENTRIES}) == len(MENU_ENTRIES), "every entry has its own key"
        assert isinstance(app.focused, KeyList)
        description = str(app.screen.query_one("#menu-description").render())
        assert "Sök kund" in description
        assert app.title == "tui-inkasso · inkasso.db", "the header names the ledger open"
        assert "tui-inkasso · inkasso.db — Meny" in str(app.screen.query_one("HeaderTitle").render())


def _screen_class_name(entry: MenuEntry) -> str:
    """The class an entry opens, read from its lazy factory ("lazy('module:Class')")."""
    return entry.screen.__qualname__.rpartition(":")[2].rstrip("')")


async def test_each_entry_opens_with_its_letter_and_esc_goes_back(small: SmallLedger) -> None:
    assert {_screen_class_name(e) for e in MENU_ENTRIES} >= {"LedgerScreen", "SettingsScreen", "AuditScreen"}
    bound = {binding.key for binding in MenuScreen.BINDINGS if isinstance(binding, Binding)}
    assert {entry.key for entry in MENU_ENTRIES} <= bound, "every entry has its key on the menu"
    mine = [e for e in MENU_ENTRIES if e.label in ("Reskontra (kundsök)", "Alternativ – Inkasso", "Granskningslogg")]
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        for entry in mine:
            await pilot.press(entry.key)
            await settle(pilot)
            assert type(app.screen).__name__ == _screen_class_name(entry), entry.label
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, MenuScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen), "Esc never leaves the main menu"


async def test_tab_moves_between_groups_and_enter_opens(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "group-installningar"
        description = str(app.screen.query_one("#menu-description").render())
        assert "Inkassosystem" in description
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape")
        assert app.focused is not None and app.focused.id == "group-installningar", "focus kept on return"


async def test_help_lists_the_keys_in_swedish(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = {(table.get_row_at(i)[0].plain, table.get_row_at(i)[1].plain) for i in range(table.row_count)}
        assert ("r", "Reskontra (kundsök)") in rows
        assert ("g", "Granskningslogg") in rows
        assert ("f1", "Hjälp") in rows
        assert ("⏎", "Öppna") in rows or ("enter", "Öppna") in rows
        assert ("^t", "Mörkt/ljust") in rows
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("tab", "question_mark")
        assert isinstance(app.screen, HelpScreen), "? opens the help outside text fields"
        table = app.screen.query_one(DataTable)
        rows = {table.get_row_at(i)[1].plain for i in range(table.row_count)}
        assert {"Sök", "Obetalda/alla", "Tillbaka", "Sortera", "Omvänd ordning"} <= rows


async def test_help_scrolls_to_its_last_key_at_80x24(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        help_box = app.screen.query_one("#help-box")
        assert help_box.region.bottom <= 24 and help_box.region.right <= 80, "the help fits the terminal"
        table = app.screen.query_one(DataTable)
        assert table.max_scroll_y > 0, "more keys than rows: the table scrolls"
        assert table.virtual_size.width <= table.scrollable_content_region.width, "nothing to scroll sideways"
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        assert table.get_row_at(table.cursor_row)[1].plain == "Kommandon"
        assert table.scroll_y == table.max_scroll_y, "End shows the last key"
        await pilot.press("home")
        await pilot.wait_for_scheduled_animations()
        assert (table.cursor_row, table.scroll_y) == (0, 0)
        await pilot.press(*["down"] * (table.row_count - 1))
        await pilot.wait_for_scheduled_animations()
        assert table.scroll_y == table.max_scroll_y, "Down takes the view to the last key"


async def test_theme_toggles_by_key_and_from_the_palette(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == DARK_THEME.name
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT_THEME.name
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Mörkt")
        await settle(pilot)  # the palette gathers its matches in a worker
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == DARK_THEME.name


async def test_ctrl_c_says_in_swedish_how_to_quit(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        notes = [(n.title, n.message) for n in app._notifications]
        assert ("Vill du avsluta?", "Tryck Ctrl+Q för att avsluta programmet.") in notes


async def test_palette_lists_every_menu_entry_and_opens_them(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await settle(pilot)  # the palette gathers its matches in a worker
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        listed = {str(option.prompt) for option in palette.query_one("CommandList")._options}
        for entry in MENU_ENTRIES:
            assert any(f"{entry.group}: {entry.label}" in text for text in listed), entry.label
        await type_text(pilot, "Granskningslogg")
        await settle(pilot)  # the palette gathers its matches in a worker
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)


async def test_palette_reaches_the_actions_of_the_screen_in_use(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "Anna")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "Obetalda")
        await settle(pilot)  # the palette gathers its matches in a worker
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        assert screen.query_one("#invoices", PagedTable).total == 7, "only unpaid invoices after the palette action"


ALLOWED_KEY = re.compile(
    r"^(f\d{1,2}|[a-zA-Z]|ctrl\+[a-z]|escape|enter|tab|space|question_mark|slash|up|down|left|right|pageup|pagedown"
    r"|home|end|ctrl\+pageup|ctrl\+pagedown)$"
)
"""Keys every terminal sends over SSH (Ctrl+PageUp/PageDown only as a second way: Left/Right scroll too)."""


def test_every_binding_has_a_swedish_description_an_id_and_an_ssh_safe_key() -> None:
    classes = [InkassoApp, MenuScreen, BaseScreen, LedgerScreen, InvoiceDetailScreen, SettingsScreen, AuditScreen,
               HelpScreen, PagedTable, KeyList]
    problems = []
    for cls in classes:
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.system:
                continue
            for key in binding.key.split(","):
                if not ALLOWED_KEY.match(key.strip()):
                    problems.append(f"{cls.__name__}: key {key!r}")
            if not binding.id:
                problems.append(f"{cls.__name__}: {binding.key} has no id")
            if not binding.description or re.search(r"\b(Back|Quit|Open|Select|Help|Search)\b", binding.description):
                problems.append(f"{cls.__name__}: {binding.key} description {binding.description!r}")
    assert problems == []


async def test_worker_failure_is_shown_as_a_notification(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await type_text(pilot, "Anna")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        first = app.screen.query_one("#invoices", PagedTable).current_row
        assert first is not None
        Invoice.delete().where(Invoice.id == int(first.key)).execute()  # someone else removed it meanwhile
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert app.is_running, "a failed worker does not stop the app"
        shown = notifications(pilot)
        assert ("error", "Kunde inte utföras", f"faktura med id {first.key} finns inte") in shown


async def test_audit_log_shows_recent_entries_and_filters(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", PagedTable)
        assert table.total == 4, "three changes, and the first user of the ledger made its administrator"
        actions = [row.data.action for row in (table.row_at(i) for i in range(4)) if row is not None]
        assert [a for a in actions if a != "user.added"][0] == "invoice.excluded", "newest first"
        await pilot.press("slash")
        await type_text(pilot, "IK-2026")
        await settle(pilot)
        assert table.total == 1
        only = table.row_at(0)
        assert only is not None and only.data.action == "case.created"


async def test_audit_log_shows_one_users_entries(small: SmallLedger) -> None:
    """Issue 17: the Granskningslogg filtered by user, read from the database."""
    AuditEntry.create(at=dt.datetime(2026, 1, 2, 9, 0), user="anna", action="case.note",
                      object_type="collection_case", object_id="1", details="{}")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await settle(pilot)
        table = app.screen.query_one("#audit-table", PagedTable)
        assert table.total == 5
        await pilot.press("u")
        await settle(pilot)
        choice = app.screen.query_one("#audit-users")
        assert [str(choice.get_option_at_index(i).prompt) for i in range(choice.option_count)] == [
            "Alla användare", "anna", "testare"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert table.total == 1 and table.row_at(0).data.user == "anna"
        assert table.border_title == "Senaste 1\u00a0händelse av anna"
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("home", "enter")
        await settle(pilot)
        assert table.total == 5


def test_starting_the_app_skips_the_command_parser() -> None:
    """`tui-inkasso [--db X]` goes straight to the app; anything else to the commands."""
    from tui_inkasso.cli import _app_start

    assert _app_start([]) == ""
    assert _app_start(["--db", "/tmp/x.db"]) == "/tmp/x.db"
    assert _app_start(["invoice", "1"]) is None
    assert _app_start(["--db", "x", "settings", "show"]) is None
    assert _app_start(["--help"]) is None and _app_start(["--version"]) is None
