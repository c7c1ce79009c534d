"""Verktyg → Schemalagda tjänster by keyboard through the real app: the wizard, edit, delete."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Static

from tests import fixtures_servers as fx
from tests.common import app_db
from tests.staff import approve_pending
from tests.tui_helpers import notifications, settle, table_data, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ScheduledService
from tui_inkasso.screens.scheduled import (
    FrequencyStep,
    NameStep,
    NotifyStep,
    ReviewStep,
    ScheduledServicesScreen,
    ServiceKindStep,
    WhenStep,
)
from tui_inkasso.services import scheduled
from tui_inkasso.services.scheduled import ServiceSpec
from tui_inkasso.widgets.dialogs import ConfirmDialog

ftp_server = fx.ftp_server
SIZE = (130, 40)


__all__ = ["app_db"]  # the fixture, imported for pytest


async def clear_and_type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("home", "ctrl+k")
    await type_text(pilot, text)


def step_error(app: InkassoApp) -> str:
    return str(app.screen.query_one("#step-error", Static).render())


async def test_the_wizard_creates_a_service_step_by_step(app_db: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ScheduledServicesScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ServiceKindStep)
        enter = [b.binding.description for b in app.active_bindings.values() if b.binding.key == "enter"]
        assert enter[:1] == ["Välj"], "choosing from a list says Välj, not Öppna"
        await pilot.press("enter")                                  # Skapa saldofil
        await settle(pilot)
        assert isinstance(app.screen, NameStep)
        assert app.screen.query_one("#enabled", Checkbox).value is True
        await pilot.press("f2")                                     # no name yet
        assert isinstance(app.screen, NameStep) and step_error(app) == "Ange ett namn."
        await type_text(pilot, "Saldofil till Intrum")
        await pilot.press("tab")
        await type_text(pilot, "Alla okända korrigeringar")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, NotifyStep)
        await type_text(pilot, "ekonomi.example.se")
        await pilot.press("f2")
        assert step_error(app) == "E-post: 'ekonomi.example.se' är ingen e-postadress (inget namn före @)"
        await clear_and_type(pilot, "ekonomi@fastighet.se, drift@fastighet.se")
        await pilot.press("tab", "space")                           # also on success
        await pilot.press("escape")                                 # back a step: values kept
        await settle(pilot)
        assert isinstance(app.screen, NameStep)
        assert app.screen.query_one("#name", Input).value == "Saldofil till Intrum"
        await pilot.press("f2")
        await settle(pilot)
        await clear_and_type(pilot, "ekonomi@fastighet.se, drift@fastighet.se")
        await pilot.press("tab", "space", "f2")
        await settle(pilot)
        assert isinstance(app.screen, FrequencyStep)
        await pilot.press("down", "enter")                          # Vissa veckodagar
        await settle(pilot)
        assert isinstance(app.screen, WhenStep)
        await pilot.press("f2")
        assert "minst en veckodag" in step_error(app)
        await clear_and_type(pilot, "5:30")
        await pilot.press("tab", "space", "tab", "tab", "tab", "space", "f2")  # måndag, torsdag
        await settle(pilot)
        assert isinstance(app.screen, ReviewStep)
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "Skapa saldofil" in summary and "Varje måndag och torsdag kl. 05:30" in summary
        assert "ekonomi@fastighet.se, drift@fastighet.se" in summary
        await pilot.press("f2")                                     # Spara
        await settle(pilot)
        assert isinstance(app.screen, ScheduledServicesScreen)
        row = ScheduledService.get()
        assert (row.name, row.service, row.weekdays, row.at_time) == (
            "Saldofil till Intrum", "saldofil", "0,3", "05:30")
        assert row.notify_emails == "" and row.notify_success, "the recipients wait for a second administrator"
        assert row.description == "Alla okända korrigeringar" and row.enabled
        [listed] = table_data(app, "#services-table")
        assert listed.name == "Saldofil till Intrum" and listed.next_run is not None
        assert any(n[1] == "Tjänsten sparades" and n[2].startswith(
            "Saldofil till Intrum: Varje måndag och torsdag kl. 05:30. E-post till ekonomi@fastighet.se, "
            "drift@fastighet.se väntar på godkännande av en annan administratör (förslag ")
            for n in notifications(pilot))
        approve_pending()
        assert ScheduledService.get().notify_emails == "ekonomi@fastighet.se,drift@fastighet.se"


async def test_edit_month_day_rules_and_delete(app_db: str) -> None:
    service = scheduled.create_service(ServiceSpec(name="Nattlig", service="saldofil"))
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#name", Input).value == "Nattlig"
        await pilot.press("tab", "tab", "space", "f2")              # Aktiverad off
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("down", "down", "enter")                  # En dag i månaden
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "31")
        await pilot.press("f2")
        assert "Dag i månaden: '31' går inte" in step_error(app) or "31 går inte" in step_error(app)
        await clear_and_type(pilot, "sista")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        info = scheduled.get_service(service.id)
        assert info.schedule_text == "Sista dagen i månaden kl. 06:00" and not info.enabled
        [listed] = table_data(app, "#services-table")
        assert listed.next_run is None
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert ScheduledService.select().count() == 1
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert ScheduledService.select().count() == 0
        assert table_data(app, "#services-table") == []
