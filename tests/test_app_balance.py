"""Reskontra → Saldokorrigering by keyboard: the three steps and the file.

Saldofiler (the history) is in test_app_balance_history.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from textual.binding import Binding
from textual.widgets import Input

from tests.balance_app_helpers import SIZE, ledger, open_step_two, rows_of, table_of, text_of
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ReportedCorrection
from tui_inkasso.screens.balance_corrections import (
    BalanceCorrectionScreen,
    FileResultScreen,
    UnreportedScreen,
)
from tui_inkasso.screens.balance_history import (
    BalanceFileDetailScreen,
    BalanceFilesScreen,
)
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt

__all__ = ["ledger"]  # the fixture, imported for pytest

ALLOWED_KEY = re.compile(r"^(f\d{1,2}|escape|enter|tab|space|[a-z]|ctrl\+[a-z]|up|down|home|end|pageup|pagedown)$")


async def test_the_three_steps_make_the_file(ledger: dict[str, int], tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_step_two(pilot)
        table = table_of(app, "balance-list")
        rows = {r[2] + " " + r[5]: r for r in rows_of(table)}
        assert len(rows) == 5, "the payment from June is outside the last month"
        marked = [r for r in rows_of(table) if r[0] == "X"]
        assert len(marked) == 1 and marked[0][7].startswith("SALDO-BAB-")
        notes = sorted(r[7] for r in rows_of(table) if r[0] != "X")
        assert notes == ["Ej rapporterad", "Ej rapporterad", "Från inkassobolaget",
                         "Före ärendet"]
        totals = text_of(app, "balance-totals")
        assert "5\u00a0betalningar och krediteringar" in totals and "1\u00a0rapporterad tidigare (X)" in totals
        assert "2 ej rapporterade (2\u00a0250,00\u00a0kr)" in totals

        await pilot.press("f2")  # Nästa
        await settle(pilot)
        step3 = app.screen
        assert isinstance(step3, UnreportedScreen)
        assert len(rows_of(table_of(app, "unreported-list"))) == 3, "every unreported one, whatever its date"
        assert "3 saldokorrigeringar · summa 2\u00a0260,00\u00a0kr" in text_of(app, "unreported-totals")

        await pilot.press("f2")  # Skapa fil
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        result_screen = app.screen
        assert isinstance(result_screen, FileResultScreen)
        result = result_screen.result
        assert result.corrections == 3 and result.amount == 226000
        shown = text_of(app, "balance-result-text")
        assert str(result.file) in shown and "3 saldokorrigeringar, 2\u00a0260,00\u00a0kr" in shown
        assert "ingen FTP-server är inställd" in shown
        assert ReportedCorrection.select().count() == 4

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is step3
        assert "Inga saldokorrigeringar att rapportera" in text_of(app, "unreported-totals")
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is step3, "Skapa fil is not offered with nothing to report"
        footer = [f"{k.key_display} {k.description}" for k in step3.query("FooterKey")]
        assert "f2 Skapa fil" not in footer, f"nor shown in the footer: {footer}"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BalanceCorrectionScreen)
        assert sum(1 for r in rows_of(table_of(app, "balance-list")) if r[0] == "X") == 3
        await pilot.press("f3")  # Klar
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)


async def test_date_range_kind_and_selection(ledger: dict[str, int]) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_step_two(pilot)
        screen = app.screen
        await pilot.press("d")
        await type_text(pilot, "2026-01-01")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.date_from == dt.date(2026, 1, 1)
        assert table_of(app, "balance-list").total == 6
        screen.query_one("#balance-kind").value = "direct"
        await settle(pilot)
        kinds = {r[3] for r in rows_of(table_of(app, "balance-list"))}
        assert kinds == {"Direkt"} and table_of(app, "balance-list").total == 2
        await pilot.press("d")
        screen.query_one("#balance-from", Input).value = "2026-13-01"
        await pilot.press("enter")
        await settle(pilot)
        assert any("inget datum" in message for _s, _t, message in notifications(pilot))
        screen.query_one("#balance-from", Input).value = "2026-01-01"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is table_of(app, "balance-list")
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen)
        app.screen.query_one("#sel-customers", Input).value = "K9999"
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SelectionScreen), "an unknown customer keeps the step open"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen, "Esc in the selection goes back to the list as it was"


def test_every_binding_has_an_id_a_swedish_description_and_an_ssh_safe_key() -> None:
    for cls in (BalanceCorrectionScreen, UnreportedScreen, BalanceFilesScreen, BalanceFileDetailScreen,
                PathPrompt):
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, f"{cls.__name__}: {binding.key}"
            assert ALLOWED_KEY.match(binding.key), f"{cls.__name__}: {binding.key}"
