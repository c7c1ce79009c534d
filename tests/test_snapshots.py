"""SVG snapshots of every screen (in snapshots/test_snapshots/), from the small fixed ledger.

Update after an intended change with ``.venv/bin/python -m pytest tests/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them. The business date is pinned and
blinking cursors are frozen, so the pictures are the same on every run.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)

__all__ = ["small"]  # the fixture, imported for pytest


@pytest.fixture(autouse=True)
def _documents_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default output folder the settings form shows, the same on every machine (nothing is
    written there)."""
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", "/home/anna/Dokument")


def test_menu(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps())


def test_menu_light_theme(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("ctrl+t", "tab"))


def test_help(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("f1"))


def test_ledger_search(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("r", text="anna", then=("enter", "enter"))
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_invoice_detail(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await steps("r", text=small.invoices["collection"], then=("enter", "enter"))(pilot)
        table = pilot.app.screen.query_one("#invoices", PagedTable)
        while table.current_row is not None and table.current_row.data.number != small.invoices["collection"]:
            await pilot.press("down")
        await steps("enter")(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_settings_refused(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("i", "tab", text="1234-5678", then=("f2",))
    assert snap_compare(InkassoApp(), terminal_size=(120, 44), run_before=run)


def test_settings_mail_refused(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("m", text="smtp.fastighet.se", then=("tab", "end", "ctrl+u", "9", "9", "9", "9", "9", "f2"))
    assert snap_compare(InkassoApp(), terminal_size=(120, 44), run_before=run)


def test_settings_payments(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("l"))


def test_audit_log(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("g"))
