"""Shared by the Inkasso app tests and snapshots: the collection ledger, key paths, table helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.collection_data import CollectionLedger, collection_on_business_day
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import CaseEvent, CollectionCase
from tui_inkasso.services import settings
from tui_inkasso.widgets.mark_table import MarkTable

SIZE = (150, 40)
STAMP = dt.datetime(2026, 11, 2, 9, 30)


@pytest.fixture
def ledger(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CollectionLedger:
    built = collection_on_business_day(monkeypatch, tmp_path)
    settings.set_setting("collection.system", "intrum")
    case = CollectionCase.get(CollectionCase.number == "IK-2026-000001")
    CaseEvent.create(case=case, at=STAMP, user="testare", kind="created", text="Ärende registrerat (eget ärenderegister)")
    CaseEvent.create(case=case, at=STAMP + dt.timedelta(days=3), user="testare", kind="note",
                     text="Kunden har ringt, vill ha en avbetalningsplan")
    return built


def ready_table(app: InkassoApp) -> MarkTable:
    return app.screen.query_one("#coll-ready", MarkTable)


def excluded_table(app: InkassoApp) -> MarkTable:
    return app.screen.query_one("#coll-excluded", MarkTable)


def numbers(table: MarkTable) -> list[str]:
    return [table.row_at(i).data.invoice_number for i in range(table.total)]


async def open_wizard(pilot: Pilot[None]) -> None:
    """Menu → Inkasso, the selection as it is (F2)."""
    await pilot.press("n")
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)


async def to_row(pilot: Pilot[None], table: MarkTable, number: str) -> None:
    """Move the cursor to the invoice ``number``."""
    await pilot.press("home")
    for _ in range(table.total):
        row = table.current_row
        if row is not None and row.data.invoice_number == number:
            return
        await pilot.press("down")
    raise AssertionError(f"{number} is not in the table")
