"""SVG snapshots of the Saldokorrigering and Saldofiler screens (snapshots/test_snapshots_balance.py/).

File names and ids carry the time a file is made, and the result screen shows the folder, so the
business date is pinned, the balance service's clock is fixed and the files go to a fixed folder.
Update with ``--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.balance_helpers import invoice_for, make_case, pay
from tests.common import fixed_folder
from tests.tui_helpers import Steps
from tests.tui_helpers import steps as tui_steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.settings import set_setting

SIZE = (120, 36)
FOLDER = Path("/tmp/tui-inkasso-snapshots/saldofiler")


@pytest.fixture
def ledger(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """One file made at 02:00 (one rent payment); two corrections wait; an agency payment; one before."""
    with fixed_folder(FOLDER / request.node.name) as folder:
        folder.mkdir(parents=True)
        yield from _ledger(folder, monkeypatch)


def _ledger(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    set_setting("collection.output_dir", str(folder))
    rent = invoice_for(amount=845000, customer="K1001", number="2026007")
    direct = invoice_for(kind="direct", amount=125000, customer="K1002", number="2026106",
                         name="Bengt Berg")
    pay(rent, 100000, dt.date(2026, 10, 30))
    make_case(rent, number="IK-2026-0001", agency_reference="INT-77881")
    make_case(direct, number="IK-2026-0002")
    pay(rent, 50000, dt.date(2026, 11, 2))
    monkeypatch.setattr(brun, "now", lambda: dt.datetime(2026, 11, 28, 2, 0, 0))
    brun.create_balance_file(selection=Selection(kinds=("rent",)))
    pay(rent, 200000, dt.date(2026, 11, 10))
    pay(direct, 25000, dt.date(2026, 11, 12), kind="credit", method="credit")
    pay(rent, 300000, dt.date(2026, 11, 14), method="inkasso")
    monkeypatch.setattr(brun, "now", lambda: dt.datetime(2026, 11, 28, 3, 0, 0))
    yield


def steps(*keys: str) -> Steps:
    """Press ``keys``, waiting for the app after each (a balance file may take a while)."""
    return tui_steps(*keys, timeout=30)


def test_snapshot_step_two(ledger: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("s", "f2"))


def test_snapshot_step_three(ledger: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("s", "f2", "f2"))


def test_snapshot_file_made(ledger: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = steps("s", "f2", "f2", "f2", "enter")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_history(ledger: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("f"))


def test_snapshot_history_file(ledger: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("f", "enter"))
