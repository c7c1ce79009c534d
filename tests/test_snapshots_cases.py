"""SVG snapshots of the result list of a run (in-house, so no time-stamped file name), the case
register and a case screen (snapshots/test_snapshots_cases/)."""

from __future__ import annotations

from tests.collection_app_helpers import SIZE, ledger
from tests.collection_data import CollectionLedger
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.services import settings

__all__ = ["ledger"]  # the fixture, imported for pytest


def test_snapshot_result_list(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    settings.set_setting("collection.system", "inhouse")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("n", "f2", "f2", "enter"))


def test_snapshot_case_register(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("e"))


def test_snapshot_case_screen(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("e", "enter"))
