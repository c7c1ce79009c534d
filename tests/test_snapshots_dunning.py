"""SVG snapshots of the Påminnelse/krav screens (snapshots/test_snapshots_dunning.py/)."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.dunning_app_helpers import (
    SIZE,
    small,
    to_invoice,
)
from tests.ledger_data import SmallLedger
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp

__all__ = ["small"]  # the fixture, imported for pytest


def test_snapshot_selection(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("p"))


def test_snapshot_run_list(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("p", "f2", "down", "space"))


def test_snapshot_reprint_menu(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await to_invoice(pilot, "anna", "2026006")
        await steps("p")(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_letter_preview(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await to_invoice(pilot, "anna", "2026006")
        await steps("p", "enter")(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)
