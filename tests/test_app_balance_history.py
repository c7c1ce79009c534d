"""Reskontra → Saldofiler by keyboard: a file from the step-2 list, the history, write again, resend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.balance_app_helpers import SIZE, ledger, open_step_two, rows_of, table_of, text_of
from tests.servers import FtpServer
from tests.staff import in_force
from tests.tui_helpers import notifications, settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.balance_history import (
    BalanceFileDetailScreen,
    BalanceFilesScreen,
)
from tui_inkasso.services import balance_history as bh
from tui_inkasso.widgets.dialogs import ConfirmDialog, PathPrompt

__all__ = ["ledger"]  # the fixture, imported for pytest

ftp_server = fx.ftp_server


async def test_enter_on_a_reported_payment_opens_its_file(ledger: dict[str, int]) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_step_two(pilot)
        table = table_of(app, "balance-list")
        index = next(i for i, r in enumerate(rows_of(table)) if r[0] == "X")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BalanceFileDetailScreen)
        assert len(rows_of(table_of(app, "balance-file-rows"))) == 1


async def test_history_open_rewrite_and_resend(
    ledger: dict[str, int], ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    [report] = bh.balance_reports()
    original = Path(report.path)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, BalanceFilesScreen)
        [row] = rows_of(table_of(app, "balance-files"))
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
        assert report.file_id in text_of(app, "balance-file-head")
        [correction] = rows_of(table_of(app, "balance-file-rows"))
        assert correction[1] == bh.report_detail(report.report_id).corrections[0].invoice_number
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, PathPrompt)
        await pilot.press("enter")  # the proposed name: kopia-<name> beside the original
        await settle(pilot)
        copy = original.with_name(f"kopia-{original.name}")
        assert copy.read_bytes() == original.read_bytes()

        folder = fx.fresh_dir(ftp_server.root)
        in_force({"collection.upload_url": ftp_server.url(folder)})
        monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", ftp_server.password)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot, timeout=30)
        assert (ftp_server.root / folder / original.name).read_bytes() == original.read_bytes()
        assert any("skickad som" in message for _s, _t, message in notifications(pilot))
        assert "överföring: Skickad" in text_of(app, "balance-file-head")
        await pilot.press("escape")
        await settle(pilot)
        assert rows_of(table_of(app, "balance-files"))[0][4] == "Skickad"
