"""SVG snapshots of the result list of a run (in-house, so no time-stamped file name), the case
register, a case screen and its dialogs: status, note, payment, closing
(snapshots/test_snapshots_cases/). The dialogs are shown filled in, before they are answered, so
no event stamped with the clock is on the screen behind them."""

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


def test_snapshot_status_dialog(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """F3, the second status (avbetalningsplan) chosen, a note typed."""
    run = steps("e", "enter", "f3", "down", "enter", text="500 kr per månad från december")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_note_dialog(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("e", "enter", "n", text="Kunden ringde, betalar resten den 15 december")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_payment_dialog(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("e", "enter", "b", text="1 500,00")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_close_dialog_refused(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """x, then Enter without a reason: the dialog says what it needs."""
    run = steps("e", "enter", "x", "enter")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_close_dialog(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("e", "enter", "x", text="Skulden betald i sin helhet")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)
