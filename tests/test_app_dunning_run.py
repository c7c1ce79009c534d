"""Reskontra → Påminnelse/krav by keyboard: the selection step, the run list, leaving rows out, the run."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.dunning_app_helpers import (
    DUE_ON_TODAY,
    SIZE,
    numbers,
    open_run,
    preview_table,
    small,
)
from tests.ledger_data import SmallLedger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import (
    DunningNotice,
    Invoice,
)
from tui_inkasso.screens.dunning import DunningRunScreen, RunResultScreen
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.widgets.dialogs import ConfirmDialog

__all__ = ["small"]  # the fixture, imported for pytest

# --- the run ------------------------------------------------------------------------------------


async def test_run_by_keyboard_with_a_row_left_out(small: SmallLedger, tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot, "f2")
        screen = app.screen
        assert isinstance(screen, DunningRunScreen)
        table = preview_table(app)
        assert sorted(numbers(table)) == DUE_ON_TODAY
        assert app.focused is table
        totals = str(screen.query_one("#run-totals", Static).render())
        assert "6\u00a0brev" in totals and "avgifter 360,00" in totals
        room = table.scrollable_content_region.width
        assert sum(w + 2 for w in table._widths) <= room, "Att betala keeps its space before the border"
        first = table.current_row.data.invoice_number
        await pilot.press("space")
        await settle(pilot)
        assert table.row_at(0).cells[0].plain == "✗"
        assert "5\u00a0brev" in str(screen.query_one("#run-totals", Static).render())
        await pilot.press("a")
        await settle(pilot)
        assert "0\u00a0brev" in str(screen.query_one("#run-totals", Static).render())
        await pilot.press("a")
        await settle(pilot)
        assert screen.left_out == set()
        await pilot.press("home", "space")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        result_screen = app.screen
        assert isinstance(result_screen, RunResultScreen)
        result = result_screen.result
        assert sorted(n.invoice_number for n in result.notices) == sorted(set(DUE_ON_TODAY) - {first})
        assert result.pdf_path is not None and result.pdf_path.parent == tmp_path / "brev"
        summary = str(result_screen.query_one("#run-result-summary", Static).render())
        assert "5\u00a0påminnelser/krav skapade 2026-11-28" in summary and str(result.pdf_path) in summary
        letters = str(result_screen.query_one("#run-result-letters", Static).render())
        assert letters.count("avseende faktura") == 3
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DunningRunScreen)
        assert numbers(preview_table(app)) == [first], "the preview is computed again after the run"
    assert Invoice.get(Invoice.number == first).dunning_level in (0, 1)
    assert DunningNotice.select().where(DunningNotice.run.is_null(False)).count() == 5


async def test_selection_step_by_keyboard(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot)
        screen = app.screen
        assert isinstance(screen, SelectionScreen)
        owners = screen.query_one("#sel-owners")
        assert app.focused is owners and owners.option_count == 1
        await pilot.press("space")  # pick the one owner
        for _ in range(4):
            await pilot.press("tab")
        assert app.focused is screen.query_one("#sel-customers", Input)
        await type_text(pilot, "K1002, K9999")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen), "an unknown customer keeps the step open"
        assert "okänd kund: K9999" in str(screen.query_one("#selection-error", Static).render())
        screen.query_one("#sel-customers", Input).value = "K1002"
        screen.query_one("#sel-due-to", Input).value = "2026-13-01"
        await pilot.press("f2")
        await settle(pilot)
        assert "Förfallodag till: '2026-13-01' är inget datum" in str(
            screen.query_one("#selection-error", Static).render())
        screen.query_one("#sel-due-to", Input).value = "20261130"
        await pilot.press("f2")
        await settle(pilot)
        run = app.screen
        assert isinstance(run, DunningRunScreen)
        assert run.selection is not None and run.selection.customers == ("K1002",)
        assert run.selection.owners == ("BAB",) and run.selection.due_to.isoformat() == "2026-11-30"
        assert numbers(preview_table(app)) == ["2026101"]
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen)
        assert app.screen.query_one("#sel-customers", Input).value == "K1002", "the step opens as it was left"
        await pilot.press("f5", "f2")
        await settle(pilot)
        assert sorted(numbers(preview_table(app))) == DUE_ON_TODAY
        await pilot.press("d")
        await type_text(pilot, "2026-11-10")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.run_date.isoformat() == "2026-11-10"
        assert "2026002" not in numbers(preview_table(app))


async def test_escape_from_the_selection_goes_back_to_the_menu(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot, "escape")
        assert isinstance(app.screen, MenuScreen)




async def test_the_customers_name_has_room_at_80_columns(small: SmallLedger) -> None:
    """At 80 columns the first view is Faktura, Kund, Saldo and Att betala: the name is whole
    (with the fee, interest and level there too it was "K1001 An…"); they are a Right away."""
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_run(pilot, "f2")
        table = preview_table(app)
        header, first = table.render_line(0).text, table.render_line(1).text
        assert "K1001 Anna Andersson" in first and "Att betala" in header and "Avgift" not in header, first
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "Avgift" in table.render_line(0).text and "Ränta" in table.render_line(0).text
