"""SVG snapshots of the Inkasso wizard (snapshots/test_snapshots_collection/): the selection, the
two tables with marked rows, the reason for Undanta, filtered and sorted, the question before
the cases are created; at 80x24 (an SSH window) the two tables, scrolled sideways, Undanta naming
two invoices, and an invoice in full from the wizard. The result list, the register and a case
are in test_snapshots_cases.py. Update with ``--snapshot-update`` and look at the SVGs before
committing.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.collection_app_helpers import SIZE, ledger
from tests.collection_data import CollectionLedger
from tests.tui_helpers import steps, type_text
from tui_inkasso.app import InkassoApp

__all__ = ["ledger"]  # the fixture, imported for pytest


def test_snapshot_selection(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("n"))


def test_snapshot_two_tables_with_marks(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("n", "f2", "down", "space", "space"))


def test_snapshot_undanta_asks_why(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await steps("n", "f2", "space", "u")(pilot)
        await type_text(pilot, "Tvist om hyran")
        await steps()(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_filtered_and_sorted(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await steps("n", "f2", "slash")(pilot)
        await type_text(pilot, "anna")
        await steps("enter", "s", "s", "s", "s", "s", "s", "s", "s", "r")(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_snapshot_create_question(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("n", "f2", "f2"))


SSH = (80, 24)
"""The usual size of an SSH window."""


def test_snapshot_two_tables_at_80x24(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Faktura, Kund and the money in view; the lower table shows three rows."""
    assert snap_compare(InkassoApp(), terminal_size=SSH, run_before=steps("n", "f2", "down", "space"))


def test_snapshot_scrolled_sideways_at_80x24(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Right scrolls a column at a time; the invoice number stays."""
    assert snap_compare(InkassoApp(), terminal_size=SSH, run_before=steps("n", "f2", "right", "right", "right"))


def test_snapshot_undanta_names_the_invoices_at_80x24(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot[None]) -> None:
        await steps("n", "f2", "space", "space", "u")(pilot)
        await type_text(pilot, "Tvist om hyran")
        await steps()(pilot)

    assert snap_compare(InkassoApp(), terminal_size=SSH, run_before=run)


def test_snapshot_invoice_from_the_wizard_at_80x24(ledger: CollectionLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Enter on a row: the invoice in full, with the interest to date and the claim."""
    assert snap_compare(InkassoApp(), terminal_size=SSH, run_before=steps("n", "f2", "down", "enter"))
