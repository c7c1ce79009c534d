"""Kör nu, a service's runs, and Verktyg → Utkorg, by keyboard through the real app."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests import fixtures_servers as fx
from tests import service_jobs
from tests.common import app_db
from tests.servers import FtpServer, listing
from tests.staff import in_force
from tests.tui_helpers import notifications, settle, table_data
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import CollectionFile, OutboxFile, ServiceRun
from tui_inkasso.screens.outbox import OutboxScreen
from tui_inkasso.screens.scheduled import (
    FrequencyStep,
    NameStep,
    NotifyStep,
    ReviewStep,
    ScheduledServicesScreen,
    ServiceKindStep,
    ServiceRunsScreen,
    TextScreen,
    WhenStep,
)
from tui_inkasso.services import outbox, scheduled, scheduled_runs
from tui_inkasso.services.clock import now
from tui_inkasso.services.scheduled import ServiceSpec
from tui_inkasso.services.transaction import write_transaction
from tui_inkasso.widgets.dialogs import ConfirmDialog

ftp_server = fx.ftp_server
SIZE = (130, 40)


__all__ = ["app_db"]  # the fixture, imported for pytest


async def test_run_now_and_the_runs_of_a_service(app_db: str) -> None:
    service_jobs.register()
    ok = scheduled.create_service(ServiceSpec(name="A testfil", service="testfil"))
    bad = scheduled.create_service(ServiceSpec(name="B trasig", service="failing"))
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("k")                                      # the first row: A testfil
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), "Kör nu creates (and may upload) a file: it asks"
        assert app.screen.question.startswith("Kör A testfil (")
        await pilot.press("n")
        await settle(pilot)
        assert scheduled_runs.list_runs(ok.id) == [], "n runs nothing"
        await pilot.press("k", "j")
        await settle(pilot)
        [run] = scheduled_runs.list_runs(ok.id)
        assert run.result == "ok" and run.trigger == "manual"
        assert any(title == "Körningen är klar" for _, title, _ in notifications(pilot))
        await pilot.press("down", "k", "j")
        await settle(pilot)
        assert scheduled_runs.list_runs(bad.id)[0].result == "failed"
        assert any(sev == "error" and "RuntimeError" in msg for sev, _, msg in notifications(pilot))
        listed = table_data(app, "#services-table")
        assert [s.last_run.result for s in listed] == ["ok", "failed"]
        await pilot.press("enter")                                  # B trasig's runs
        await settle(pilot)
        assert isinstance(app.screen, ServiceRunsScreen)
        [shown] = table_data(app, "#runs-table")
        assert shown.result == "failed"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        detail = str(app.screen.query_one(Static).render())
        assert "RuntimeError: the agency's test service refused" in detail
        assert "Körning: Manuell\n" in detail and "manual-" not in detail, "no internal slot key"
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ScheduledServicesScreen)
    assert ServiceRun.select().count() == 2


async def test_the_outbox_shows_states_and_resends(
    app_db: str, tmp_path: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fx.fresh_dir(ftp_server.root)
    in_force({"collection.upload_url": ftp_server.url(folder)})
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", "fel")
    path = tmp_path / "saldo_1.xml"
    path.write_bytes(b"<Saldokorrigeringar/>\n")
    with write_transaction():
        record = CollectionFile.create(kind="saldofil", system="intrum", path=str(path), file_id="1",
                                       created_at=now(), created_by="testare")
        row = outbox.enqueue_delivery(path, "saldofil", record.id)
    assert row is not None
    assert outbox.deliver_now(row).status == "failed"
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        [entry] = table_data(app, "#outbox-table")
        assert entry.status == "failed" and "servern nekade inloggning" in entry.last_error
        counts = str(app.screen.query_one("#outbox-counts", Static).render())
        assert "Misslyckade 1" in counts
        monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", ftp_server.password)
        await pilot.press("i")                                      # Skicka igen
        await settle(pilot)
        [entry] = table_data(app, "#outbox-table")
        assert entry.status == "sent" and entry.remote_path == f"{folder}/{path.name}"
        assert listing(ftp_server.root / folder) == [path.name]
        assert any(title == "Skickad" for _, title, _ in notifications(pilot))
        await pilot.press("f")                                      # only waiting: none
        await settle(pilot)
        assert table_data(app, "#outbox-table") == []
        await pilot.press("f", "f")                                 # sent
        await settle(pilot)
        assert len(table_data(app, "#outbox-table")) == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        whole = str(app.screen.query_one(Static).render())
        assert f"som {folder}/{path.name}" in whole
        assert "Slag: Saldofil (saldokorrigeringar)" in whole, "the kind by its label, not 'saldofil'"
    assert OutboxFile.get().attempts == 2


async def test_every_binding_has_an_id_and_a_swedish_description(app_db: str) -> None:
    from tui_inkasso.screens import outbox as outbox_screens
    from tui_inkasso.screens import scheduled as scheduled_screens

    classes = [ScheduledServicesScreen, ServiceRunsScreen, OutboxScreen, ConfirmDialog, TextScreen,
               ServiceKindStep, NameStep, NotifyStep, FrequencyStep, WhenStep, ReviewStep]
    for cls in classes:
        for binding in cls.BINDINGS:
            assert binding.id and binding.description, (cls.__name__, binding)  # type: ignore[union-attr]
    assert outbox_screens.OutboxScreen.SUB_TITLE == "Utkorg"
    assert scheduled_screens.ScheduledServicesScreen.SUB_TITLE == "Schemalagda tjänster"
