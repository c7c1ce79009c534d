"""Schemalagda tjänster says when the daemon last ran a service, and warns when a service should
send e-mail but no mail server is set; a scheduled run's detail names its planned time, not the
stored slot key."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from tests.common import app_db
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ServiceRun
from tui_inkasso.services import scheduled, settings
from tui_inkasso.services.scheduled import ServiceSpec

__all__ = ["app_db"]  # the fixture, imported for pytest


async def test_the_daemons_last_run_and_a_mail_warning(app_db: str) -> None:
    status = scheduled.schedule_status()
    assert status.last_daemon_run is None and status.mail_missing_for == ()
    service = scheduled.create_service(ServiceSpec(name="Saldofil måndagar", notify_emails=("ekonomi@fastighet.se",)))
    ServiceRun.create(service=service.id, slot="2026-11-23T06:00", trigger="schedule",
                      started_at=dt.datetime(2026, 11, 23, 6, 0, 2), finished_at=dt.datetime(2026, 11, 23, 6, 0, 9),
                      result="ok", worker="server:1")
    ServiceRun.create(service=service.id, slot="manual-20261124T100000.000000", trigger="manual",
                      started_at=dt.datetime(2026, 11, 24, 10, 0), result="ok", worker="server:2")
    status = scheduled.schedule_status()
    assert status.last_daemon_run == dt.datetime(2026, 11, 23, 6, 0, 2), "a manual run is not the daemon's"
    assert status.mail_missing_for == ("Saldofil måndagar",)
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        shown = str(app.screen.query_one("#services-status", Static).render())
        assert shown == "Tjänsten (tui-inkasso daemon) körde senast 2026-11-23 06:00."
        warning = app.screen.query_one("#services-warning", Static)
        assert warning.display and "ingen e-post skickas för Saldofil måndagar" in str(warning.render())
        assert warning.region.right <= 80
    settings.set_setting("mail.host", "smtp.fastighet.se")
    assert scheduled.schedule_status().mail_missing_for == ()
    runs = {run.trigger: run for run in scheduled.list_runs(service.id)}
    assert runs["schedule"].planned_at == dt.datetime(2026, 11, 23, 6, 0)
    assert runs["manual"].planned_at is None
