"""Inställningar → Alternativ → Påminnelse/krav by keyboard: refused, then saved all or nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from tests.dunning_app_helpers import small
from tests.ledger_data import SmallLedger
from tests.tui_helpers import notifications, settle, steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import (
    DunningLevelConfig,
    Setting,
)
from tui_inkasso.screens.dunning_levels import DunningLevelsScreen, LevelForm
from tui_inkasso.services.settings import set_setting

__all__ = ["small"]  # the fixture, imported for pytest

# --- the levels screen --------------------------------------------------------------------------


async def test_levels_screen_refuses_then_saves_all_or_nothing(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(120, 44)) as pilot:
        await pilot.press("k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DunningLevelsScreen)
        forms = screen.query(LevelForm)
        assert [f.border_title for f in forms] == ["Nivå 1 – Påminnelse", "Nivå 2 – Inkassokrav"]
        assert screen.query_one("#levels-dunning-reminder-fee-cap", Input).value == "60,00"
        first = forms.first(LevelForm)
        fee = first.query_one(f"#level-{first.uid}-fee", Input)
        fee.value = "75"
        screen.query_one("#levels-dunning-printer", Input).value = "kontoret"
        await pilot.press("f2")
        await settle(pilot)
        assert any("påminnelseavgiften 75,00 kr är högre än 60,00 kr" in p for p in screen.problems)
        assert DunningLevelConfig.get(DunningLevelConfig.level == 1).fee == 6000
        assert Setting.get_or_none(Setting.key == "dunning.printer") is None, "nothing saved"
        fee.value = "50,00"
        # A third level after the second, then moved above it: the numbers follow the order.
        second = list(screen.query(LevelForm))[1]
        second.query_one(Input).focus()
        await pilot.press("f3")
        await settle(pilot)
        forms = list(screen.query(LevelForm))
        assert len(forms) == 3 and forms[2].border_title == "Nivå 3 – Inkassokrav"
        new = forms[2]
        new.query_one(f"#level-{new.uid}-name", Input).value = "Krav 2"
        new.query_one(f"#level-{new.uid}-days", Input).value = "14"
        await pilot.press("f7")
        await settle(pilot)
        assert [f.query_one(Input).value for f in screen.query(LevelForm)] == ["Påminnelse", "Krav 2", "Krav 1"]
        await pilot.press("f8")
        await settle(pilot)
        rates = screen.query_one("#levels-rates", TextArea)
        assert "2026-07-01  2,00" in rates.text  # the small ledger's rate for the half year
        rates.text = rates.text.replace("2026-07-01  2,00", "2026-07-01  1,75")
        await pilot.press("f2")
        await settle(pilot)
        assert screen.problems == []
        assert [(c.level, c.name, c.fee) for c in DunningLevelConfig.select().order_by(DunningLevelConfig.level)] \
            == [(1, "Påminnelse", 5000), (2, "Krav 1", 18000), (3, "Krav 2", 0)]
        assert Setting.get(Setting.key == "dunning.printer").value == "kontoret"
        from tui_inkasso.db.models import ReferenceRate

        assert ReferenceRate.select().order_by(ReferenceRate.valid_from.desc()).first().rate_bp == 175
        # F4 removes the focused level; saving two levels again works.
        list(screen.query(LevelForm))[2].query_one(Input).focus()
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert DunningLevelConfig.select().count() == 2
        assert ("information", "Sparat") in [(s, t) for s, t, _ in notifications(pilot)]




def test_snapshot_levels(small: SmallLedger, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", "/tmp/dokument")  # not the test's temporary path: the same every run
    set_setting("dunning.letters_dir", "brev")  # a relative folder is taken from the documents folder
    assert snap_compare(InkassoApp(), terminal_size=(120, 44), run_before=steps("k"))


async def test_the_focused_level_name_is_whole_at_80_columns(small: SmallLedger) -> None:
    """The first level's name has the focus, its cursor after the last letter: at 80 columns the
    field showed 'åminnelse' (Textual's padding left 10 cells for the text)."""
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("k")
        await settle(pilot)
        name = app.screen.query(LevelForm).first().query(Input).first()
        assert name.has_focus and name.value == "Påminnelse"
        assert name.scroll_x == 0 and name.content_region.width > len(name.value), name.content_region
