"""Reskontra → Saldokorrigering and Saldofiler by keyboard: the three steps, the file, the history."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Input, Static

from tests import fixtures_servers as fx
from tests.balance_helpers import invoice_for, make_case, pay
from tests.servers import FtpServer
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ReportedCorrection
from tui_inkasso.screens.balance_corrections import (
    BalanceCorrectionScreen,
    FileResultScreen,
    UnreportedScreen,
)
from tui_inkasso.screens.balance_files import (
    BalanceFileDetailScreen,
    BalanceFilesScreen,
    PathDialog,
)
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.settings import set_setting
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)
TODAY = "2026-11-28"
ALLOWED_KEY = re.compile(r"^(f\d{1,2}|escape|enter|tab|space|[a-z]|ctrl\+[a-z]|up|down|home|end|pageup|pagedown)$")

ftp_server = fx.ftp_server


@pytest.fixture
def ledger(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A reported correction (in an earlier file), two waiting, one from the agency, one before."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    folder = tmp_path / "inkasso-filer"
    folder.mkdir()
    set_setting("collection.output_dir", str(folder))
    rent = invoice_for(amount=845000)
    direct = invoice_for(kind="direct", amount=125000)
    ids = {"before": pay(rent, 100000, dt.date(2026, 10, 30))}
    make_case(rent, direct, agency_reference="INT-77881")
    ids["earlier"] = pay(rent, 50000, dt.date(2026, 11, 2))
    bc.create_balance_file(selection=Selection(kinds=("rent",)))
    ids["rent"] = pay(rent, 200000, dt.date(2026, 11, 10))
    ids["credit"] = pay(direct, 25000, dt.date(2026, 11, 12), kind="credit", method="credit")
    ids["agency"] = pay(rent, 300000, dt.date(2026, 11, 14), method="inkasso")
    ids["old"] = pay(direct, 1000, dt.date(2026, 6, 1))  # long before the date range
    return ids


def _table(app: InkassoApp, table_id: str) -> PagedTable:
    return app.screen.query_one(f"#{table_id}", PagedTable)


def _rows(table: PagedTable) -> list[list[str]]:
    return [[cell.plain for cell in table.row_at(i).cells] for i in range(table.total)]  # type: ignore[union-attr]


def _text(app: InkassoApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


async def _open_step_two(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SelectionScreen)
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BalanceCorrectionScreen)


async def test_the_three_steps_make_the_file(ledger: dict[str, int], tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await _open_step_two(pilot)
        table = _table(app, "balance-list")
        rows = {r[2] + " " + r[6]: r for r in _rows(table)}
        assert len(rows) == 5, "the payment from June is outside the last month"
        marked = [r for r in _rows(table) if r[0] == "X"]
        assert len(marked) == 1 and marked[0][7].startswith("SALDO-BAB-")
        notes = sorted(r[7] for r in _rows(table) if r[0] != "X")
        assert notes == ["Ej rapporterad", "Ej rapporterad", "Från inkassobolaget",
                         "Före ärendet"]
        totals = _text(app, "balance-totals")
        assert "5 betalningar och krediteringar" in totals and "1 rapporterade tidigare (X)" in totals
        assert "2 ej rapporterade (2\u00a0250,00 kr)" in totals

        await pilot.press("f2")  # Nästa
        await settle(pilot)
        step3 = app.screen
        assert isinstance(step3, UnreportedScreen)
        assert len(_rows(_table(app, "unreported-list"))) == 3, "every unreported one, whatever its date"
        assert "3 saldokorrigeringar · summa 2\u00a0260,00 kr" in _text(app, "unreported-totals")

        await pilot.press("f2")  # Skapa fil
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        result_screen = app.screen
        assert isinstance(result_screen, FileResultScreen)
        result = result_screen.result
        assert result.corrections == 3 and result.amount == 226000
        shown = _text(app, "balance-result-text")
        assert str(result.file) in shown and "3 saldokorrigeringar, 2\u00a0260,00 kr" in shown
        assert "ingen FTP-server är inställd" in shown
        assert ReportedCorrection.select().count() == 4

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is step3
        assert "Inga saldokorrigeringar att rapportera" in _text(app, "unreported-totals")
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is step3, "Skapa fil is not offered with nothing to report"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BalanceCorrectionScreen)
        assert sum(1 for r in _rows(_table(app, "balance-list")) if r[0] == "X") == 3
        await pilot.press("f3")  # Klar
        await settle(pilot)
        assert isinstance(app.screen, MenuScreen)


async def test_date_range_kind_and_selection(ledger: dict[str, int]) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await _open_step_two(pilot)
        screen = app.screen
        await pilot.press("d")
        await type_text(pilot, "2026-01-01")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.date_from == dt.date(2026, 1, 1)
        assert _table(app, "balance-list").total == 6
        screen.query_one("#balance-kind").value = "direct"
        await settle(pilot)
        kinds = {r[3] for r in _rows(_table(app, "balance-list"))}
        assert kinds == {"Direkt"} and _table(app, "balance-list").total == 2
        await pilot.press("d")
        screen.query_one("#balance-from", Input).value = "2026-13-01"
        await pilot.press("enter")
        await settle(pilot)
        assert any("inget datum" in message for _s, _t, message in notifications(pilot))
        screen.query_one("#balance-from", Input).value = "2026-01-01"
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is _table(app, "balance-list")
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


async def test_enter_on_a_reported_payment_opens_its_file(ledger: dict[str, int]) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await _open_step_two(pilot)
        table = _table(app, "balance-list")
        index = next(i for i, r in enumerate(_rows(table)) if r[0] == "X")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BalanceFileDetailScreen)
        assert len(_rows(_table(app, "balance-file-rows"))) == 1


async def test_history_open_rewrite_and_resend(
    ledger: dict[str, int], ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    [report] = bc.balance_reports()
    original = Path(report.path)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, BalanceFilesScreen)
        [row] = _rows(_table(app, "balance-files"))
        assert row[1:5] == ["BAB", "1", "500,00", "Ej skickad"] and row[5] == original.name
        await pilot.press("i")  # no upload server yet
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert any(severity == "error" and "ingen FTP-server" in message
                   for severity, _t, message in notifications(pilot))

        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, BalanceFileDetailScreen)
        assert report.file_id in _text(app, "balance-file-head")
        [correction] = _rows(_table(app, "balance-file-rows"))
        assert correction[1] == bc.report_detail(report.report_id).corrections[0].invoice_number
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, PathDialog)
        await pilot.press("enter")  # the proposed name: kopia-<name> beside the original
        await settle(pilot)
        copy = original.with_name(f"kopia-{original.name}")
        assert copy.read_bytes() == original.read_bytes()

        folder = fx.fresh_dir(ftp_server.root)
        set_setting("collection.upload_url", ftp_server.url(folder))
        monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", ftp_server.password)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        assert (ftp_server.root / folder / original.name).read_bytes() == original.read_bytes()
        assert any("skickad som" in message for _s, _t, message in notifications(pilot))
        assert "överföring: Skickad" in _text(app, "balance-file-head")
        await pilot.press("escape")
        await settle(pilot)
        assert _rows(_table(app, "balance-files"))[0][4] == "Skickad"


def test_every_binding_has_an_id_a_swedish_description_and_an_ssh_safe_key() -> None:
    for cls in (BalanceCorrectionScreen, UnreportedScreen, BalanceFilesScreen, BalanceFileDetailScreen,
                PathDialog):
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, f"{cls.__name__}: {binding.key}"
            assert ALLOWED_KEY.match(binding.key), f"{cls.__name__}: {binding.key}"
