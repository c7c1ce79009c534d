"""Schemalagda tjänster says when the daemon last ran a service, and warns when a service should
send e-mail but no mail server is set; a scheduled run's detail names its planned time, not the
stored slot key."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from tests.common import app_db
from tests.staff import approve_pending, in_force
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ServiceRun
from tui_inkasso.services import scheduled, scheduled_runs
from tui_inkasso.services.scheduled import ServiceSpec

__all__ = ["app_db"]  # the fixture, imported for pytest


async def test_the_daemons_last_run_and_a_mail_warning(app_db: str) -> None:
    status = scheduled.schedule_status()
    assert status.last_daemon_run is None and status.mail_missing_for == ()
    service = scheduled.create_service(ServiceSpec(name="Saldofil måndagar", notify_emails=("ekonomi@fastighet.se",)))
    approve_pending()  # the recipients: four eyes
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
        assert shown == "Körs av tui-inkasso daemon på servern, senast 2026-11-23 06:00."
        warning = app.screen.query_one("#services-warning", Static)
        assert warning.display and "ingen e-post för Saldofil måndagar" in str(warning.render())
        assert warning.region.right <= 80
    in_force({"mail.host": "smtp.fastighet.se"})
    assert scheduled.schedule_status().mail_missing_for == ()
    runs = {run.trigger: run for run in scheduled_runs.list_runs(service.id)}
    assert runs["schedule"].planned_at == dt.datetime(2026, 11, 23, 6, 0)
    assert runs["manual"].planned_at is None


async def test_at_80_columns_the_list_shows_when_and_how_it_went(app_db: str) -> None:
    """At 80x24: one line above the list, and Nästa körning, Senaste resultat and Aktiv on the
    first view (the name gave ~54 columns and pushed them sideways); the name has 24 characters (it
    had 12) and ends in "…", Hur ofta and Tjänst are a Right away, and the line below the list
    names the service and its rule in full. A run's detail names the computer, not "host:pid"."""
    name = "Saldofil varje natt till Intrum och Lindorff, alla ägare"
    service = scheduled.create_service(ServiceSpec(name=name))
    scheduled_runs.run_service(service.id, "manual", "manual-20261205T233450.217887")
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        status = app.screen.query_one("#services-status", Static)
        assert status.region.height == 1 and str(status.render()).startswith("Körs av tui-inkasso daemon")
        table = app.screen.query_one("#services-table")
        header, row = table.render_line(0).text, table.render_line(1).text
        for label in ("Namn", "Nästa körning", "Senaste resultat", "Aktiv"):
            assert label in header, f"{label} is on the first view at 80 columns: {header!r}"
        assert f"{name[:24]}…" in row and "Klar" in row and "Hur ofta" not in header, row
        assert str(app.screen.query_one("#services-current", Static).render()).startswith(f"{name} · Varje dag kl. 06:00")
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "Varje dag kl. 06:00" in table.render_line(1).text, "how often, a Right away"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "manual-" not in shown and "Dator: " in shown and ", process " in shown, shown


async def test_the_wizards_step_title_is_whole_at_80_columns(app_db: str) -> None:
    """The header named 'Ny schemalagd tjänst – Kontrollera och s…' at 80 columns."""
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("t", "n", "enter"):
            await pilot.press(key)
            await settle(pilot)
        assert app.screen.sub_title == "Ny tjänst – Namn och beskrivning"
        assert len(f"{app.title} — {app.screen.sub_title}") <= 80 - 2 * 8, "room for the header's icon and clock"


async def test_a_long_name_gives_way_in_the_header_and_is_whole_above_the_fields(app_db: str) -> None:
    """Redigera with a long name at 80 columns: the header cut the step's title ("Redigera
    Saldofil på måndagar – Tjän…"); now the name ends in "…" and the step's title is whole,
    and the line above the fields names the service and the step in full (it wraps)."""
    name = "Saldofil varje natt till Intrum och Svea Inkasso för alla ägare"
    scheduled.create_service(ServiceSpec(name=name))
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("t", "e"):
            await pilot.press(key)
            await settle(pilot)
        title = app.screen.sub_title
        assert title.startswith("Redigera Saldofil") and title.endswith("… – Tjänst"), title
        assert len(f"{app.title} — {title}") <= 80 - 2 * 8, "room for the header's icon and clock"
        heading = app.screen.query_one(".wizard-heading", Static)
        assert str(heading.render()).replace("\n", " ") == f"Redigera {name} · steg 1 av 6: Tjänst"
        assert heading.region.right <= 80
