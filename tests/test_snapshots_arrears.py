"""SVG snapshots of rent arrears (snapshots/test_snapshots_arrears/): the list of tenancies that may be
terminated, the preview of a termination's letters, and the state of terminated tenancies, each at
80x24 (an SSH window) and 120x40. Update with ``--snapshot-update`` and look at the SVGs."""

from __future__ import annotations

import pytest

from tests.arrears_data import DAY, ArrearsLedger, arrears_sqlite, pay
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.services import arrears_run, termination_state

__all__ = ["arrears_sqlite"]  # the fixture, imported for pytest

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_snapshot_the_list(arrears_sqlite: ArrearsLedger, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("h", "f2", "down", "space"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_snapshot_a_letter_preview(arrears_sqlite: ArrearsLedger, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("h", "f2", "b"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_snapshot_the_states(arrears_sqlite: ArrearsLedger, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    arrears_run.terminate(["H-DWELL-LATE", "H-PREM-LATE"], DAY)
    termination_state.record_service("H-DWELL-LATE", DAY, "receipt", DAY)
    termination_state.record_socialnamnd_received("H-DWELL-LATE", DAY, DAY)
    pay(arrears_sqlite.invoice("prem"), 500_00, DAY)
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("j"))
