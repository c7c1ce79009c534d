"""SVG snapshots of the Påminnelse/krav screens (snapshots/test_snapshots_dunning/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.common import fixed_folder
from tests.dunning_app_helpers import (
    SIZE,
    small,
    to_invoice,
)
from tests.ledger_data import SmallLedger
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.services import dunning_run
from tui_inkasso.services.settings import set_setting

__all__ = ["small"]  # the fixture, imported for pytest

LETTERS = Path("/tmp/tui-inkasso-snapshots/brev")


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


@pytest.fixture
def fixed_letters(small: SmallLedger, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The run's PDF in a fixed folder, named with a fixed time (the result screen shows its path)."""
    with fixed_folder(LETTERS / request.node.name) as folder:
        set_setting("dunning.letters_dir", str(folder))
        monkeypatch.setattr(dunning_run, "now", lambda: dt.datetime(2026, 11, 28, 9, 0, 0))
        yield folder


def test_snapshot_run_result(fixed_letters: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The selection as it is, one invoice left out, F2, the question answered with Enter."""
    run = steps("p", "f2", "space", "f2", "enter", timeout=30)
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)
