"""Schemalagda tjänster lists every stored service: one whose schedule cannot be read is shown
with why (it was hidden behind "Inga schemalagda tjänster" and an error, with the valid ones); and
a key typed right after Down acts on the row the cursor moved to."""

from __future__ import annotations

from textual.widgets import Static

from tests.common import app_db
from tests.test_app_typeahead import burst
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ScheduledService
from tui_inkasso.screens.scheduled import ScheduledServicesScreen
from tui_inkasso.services import scheduled
from tui_inkasso.services.scheduled import ServiceSpec
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["app_db"]  # the fixture, imported for pytest


def _broken() -> int:
    """Two services; the second's frequency is one no version of the app writes."""
    scheduled.create_service(ServiceSpec(name="Saldofil varje dag"))
    broken = scheduled.create_service(ServiceSpec(name="Trasig"))
    ScheduledService.update(frequency="fortnight").where(ScheduledService.id == broken.id).execute()
    return broken.id


def test_an_unreadable_schedule_is_listed_with_its_problem(app_db: str) -> None:
    broken = _broken()
    listed = {service.name: service for service in scheduled.list_services()}
    assert set(listed) == {"Saldofil varje dag", "Trasig"}
    assert listed["Saldofil varje dag"].problem == "" and listed["Saldofil varje dag"].next_run is not None
    trasig = listed["Trasig"]
    assert "frekvens: 'fortnight' finns inte" in trasig.problem
    assert trasig.next_run is None and trasig.schedule_text == "Ogiltigt schema"
    assert scheduled.get_service(broken).problem == trasig.problem


async def test_the_screen_shows_the_row_and_its_problem(app_db: str) -> None:
    _broken()
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        table = app.screen.query_one("#services-table", PagedTable)
        assert table.total == 2
        names = [table.row_at(i).data.name for i in range(table.total)]
        assert names == ["Saldofil varje dag", "Trasig"]
        warning = app.screen.query_one("#services-warning", Static)
        text = str(warning.render())
        assert warning.display and "Trasig körs inte, schemat kan inte läsas: frekvens: 'fortnight'" in text
        assert warning.region.right <= 80
        await pilot.press("down", "e")
        await settle(pilot)
        assert "Redigera Trasig" in app.screen.sub_title, "the broken one can be put right"


async def test_down_and_a_row_key_typed_at_once_act_on_the_new_row(app_db: str) -> None:
    scheduled.create_service(ServiceSpec(name="A första"))
    scheduled.create_service(ServiceSpec(name="B andra"))
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ScheduledServicesScreen)
        burst(app, "down", "e")
        await settle(pilot)
        assert "Redigera B andra" in app.screen.sub_title
