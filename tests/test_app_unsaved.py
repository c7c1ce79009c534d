"""Unsaved settings are never lost silently: leaving a form with edits (Esc, or Ctrl+Q anywhere)
asks whether to save; j saves and leaves, n leaves without saving, Esc stays with the edits.
Saving runs in a worker (no write on the UI thread). The forms: Alternativ – Inkasso (and the
other settings forms, the same class), Alternativ – Påminnelse/krav (levels), Ägare och konton."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Setting
from tui_inkasso.screens.dunning_levels import DunningLevelsScreen
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.settings import SettingsScreen, field_id
from tui_inkasso.services import approvals, settings
from tui_inkasso.widgets.dialogs import SaveChangesDialog

SIZE = (80, 24)
ACCOUNTS = f"#{field_id('collection.agency_accounts')}"

__all__ = ["small"]  # the fixture, imported for pytest


def stored_accounts() -> str | None:
    """The agency's bankgiro as saved: in force, or proposed (four eyes) when a change waits."""
    waiting = approvals.pending_for(approvals.SETTING, "collection.agency_accounts")
    if waiting:
        return waiting["collection.agency_accounts"].new
    row = Setting.get_or_none(Setting.key == "collection.agency_accounts")
    return row.value if row is not None else None


async def test_esc_with_edits_asks_and_each_answer_does_what_it_says(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SettingsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen), "no edits: Esc leaves at once"
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        form.query_one(ACCOUNTS, Input).focus()
        await type_text(pilot, "5805-6201")
        assert form.unsaved_changes() == 1
        await pilot.press("escape")
        dialog = app.screen
        assert isinstance(dialog, SaveChangesDialog)
        question = str(dialog.query_one(".dialog-question").render())
        assert question == "Alternativ – Inkasso har 1\u00a0ändring som inte är sparad. Spara innan du går?"
        await pilot.press("escape")
        assert app.screen is form and form.query_one(ACCOUNTS, Input).value == "5805-6201", "Esc stays, edits kept"
        await pilot.press("escape", "n")
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen) and stored_accounts() is None, "n leaves without saving"
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(ACCOUNTS, Input).focus()
        await type_text(pilot, "5805-6201")
        await pilot.press("escape", "j")
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen), "j saves, then leaves"
        assert stored_accounts() == "58056201"


async def test_a_refused_value_keeps_the_form_open(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        form.query_one(ACCOUNTS, Input).focus()
        await type_text(pilot, "1234-5678")
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert app.screen is form, "nothing could be saved: the form stays, with the reason"
        assert set(form.refused) == {"collection.agency_accounts"} and stored_accounts() is None
        await pilot.press("f5")
        await settle(pilot)
        assert form.unsaved_changes() == 0, "F5 shows the stored values again"
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)


async def test_ctrl_q_with_edits_asks_first(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(ACCOUNTS, Input).focus()
        await type_text(pilot, "5805-6201")
        await pilot.press("f1")  # the question comes even with the help on top
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, SaveChangesDialog)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, SaveChangesDialog), "a second Ctrl+Q does not stack questions"
        await pilot.press("escape")
        assert app.is_running
        await pilot.press("ctrl+q", "j")
        await settle(pilot)
        assert not app.is_running, "saved, then quit"
    assert settings.get_setting("collection.agency_accounts") == "", "in force only when approved"
    assert stored_accounts() == "58056201", "saved as a proposal"


async def test_the_levels_form_asks_too(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(120, 44)) as pilot:
        await pilot.press("k")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DunningLevelsScreen) and form.unsaved_changes() == 0
        rates = form.query_one("#levels-rates", TextArea)
        rates.focus()
        await pilot.press("end", "ctrl+end")
        await type_text(pilot, " ")
        assert form.unsaved_changes() == 1
        await pilot.press("escape")
        assert isinstance(app.screen, SaveChangesDialog)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)
