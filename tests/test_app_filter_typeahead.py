"""``/`` and a name typed ahead of the wizard's rows: the whole name reaches the filter.

Seen in tmux at 80x24: ``n``, then ``F2 /Ulla`` typed at once left the filter empty and the keys
were gone (the table replayed ``/``, which moves the focus to the filter later, and dispatched the
letters at once, to the table that still had the focus).
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tests.collection_app_helpers import ledger as collection_ledger
from tests.collection_app_helpers import ready_table
from tests.collection_data import CollectionLedger
from tests.test_app_typeahead import Gate, wait_for
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens import selection as selection_screen
from tui_inkasso.screens.collection import CollectionScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services import collection_candidates

__all__ = ["collection_ledger"]


async def test_slash_and_a_name_typed_ahead_of_the_rows_fill_the_filter(
        collection_ledger: CollectionLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen)
        check = Gate(monkeypatch, selection_screen, "validate_selection")
        gate = Gate(monkeypatch, collection_candidates, "collection_candidates")
        await pilot.press("f2", "slash", "U", "l", "l", "a")
        check.open()
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionScreen))
        ready = ready_table(app)
        await wait_for(pilot, lambda: app.focused is ready)
        gate.open()
        await settle(pilot)
        field = app.screen.query_one("#coll-filter", Input)
        assert field.value == "Ulla"
        assert app.focused is field
        assert not ready.marked, "no letter ran a command of the table"


async def test_keys_queued_behind_the_answer_go_to_the_wizard(
        collection_ledger: CollectionLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race as the terminal had it: the check is done and its answer is queued on the
    selection screen ahead of the keys the app handed there while the check ran."""
    monkeypatch.setattr(SelectionScreen, "_check", lambda self, selection: None)
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SelectionScreen)
        await pilot.press("f2")  # checked by nobody: the fields wait for the answer
        screen.post_message(SelectionScreen.Checked(screen.selection(), None))
        for key in ("slash", "U", "l", "l", "a"):
            screen.post_message(events.Key(key, "/" if key == "slash" else key))
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionScreen))
        await settle(pilot)
        field = app.screen.query_one("#coll-filter", Input)
        assert field.value == "Ulla"
        assert not ready_table(app).marked, "no letter ran a command of the table"
