"""SVG snapshots of Åldersanalys (chart and groups, a group's invoices; light theme; NO_COLOR) on the
example ledger and of Inkassoöversikt on the collection history of tests/report_data.py, at 80x24
and 120x40 (snapshots/test_snapshots_reports/)."""

from __future__ import annotations

import pytest

from tests.report_data import example_sqlite, overview_sqlite
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp

__all__ = ["example_sqlite", "overview_sqlite"]  # the fixtures, imported for pytest

SMALL = (80, 24)
LARGE = (120, 40)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_aging(example_sqlite: str, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("d"))


def test_snapshot_aging_by_customer_light(example_sqlite: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Per customer (g three times) in the light theme."""
    assert snap_compare(InkassoApp(light=True), terminal_size=LARGE, run_before=steps("d", "g", "g", "g"))


def test_snapshot_aging_no_color(example_sqlite: str, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR: the buckets told apart by their fill characters, in the bars and the legend."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(InkassoApp(), terminal_size=SMALL, run_before=steps("d"))


def test_snapshot_aging_invoices(example_sqlite: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Enter on the first property: its invoices, oldest due date first."""
    assert snap_compare(InkassoApp(), terminal_size=SMALL, run_before=steps("d", "enter"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_overview(overview_sqlite: str, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("o"))


def test_snapshot_overview_letters(overview_sqlite: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The letters' effect (f), the line chart of the open amount (v) at 80 columns."""
    assert snap_compare(InkassoApp(), terminal_size=SMALL, run_before=steps("o", "f", "v"))
