"""SVG snapshots of the payment screens (in snapshots/test_snapshots_payments/): Betalningar, the
file picker, the summary before booking, a refused file, the result log, the unmatched list and
the invoice search. The business date is pinned, the files and the ledger are fixed, the picker
starts in a relative folder, so the pictures are the same on every run.

Update after an intended change with ``.venv/bin/python -m pytest tests/test_snapshots_payments.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.conftest import SHARED_DOCS
from tests.payment_files import AGENCY, bgmax_payment, write_bgmax_file
from tests.staff import approve_pending
from tests.tui_helpers import Steps, settle_tree, steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice, PaymentFile
from tui_inkasso.screens.payments import FileTree
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.payment_import import import_payment_file
from tui_inkasso.services.settings import set_setting

SIZE = (120, 36)


@pytest.fixture
def files(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example ledger and a folder "betalfiler" (relative: the same path on every run)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    monkeypatch.chdir(tmp_path)
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()  # the example's agency bankgiro: proposed by the import, approved here
    folder = Path("betalfiler")
    folder.mkdir()
    (folder / "arkiv").mkdir()
    set_setting("payments.import_dir", "betalfiler")
    ocr = {i.number: i.ocr for i in Invoice.select()}
    write_bgmax_file(folder, "bg-20260925.txt", [
        bgmax_payment(900000, ocr["100234"], sender=AGENCY, name="Inkassobyrån Exempel AB", serial=1),
        bgmax_payment(100000, ocr["200002"], sender=AGENCY, receiving="1234566", deposit="00002", serial=2),
        bgmax_payment(45000, ocr["100235"], name="Anna Andersson", deposit="00004", serial=3),
        bgmax_payment(-10000, ocr["100236"], name="Butiken i Exempla AB", deposit="00004", serial=4),
        bgmax_payment(30000, "12345", name="Okänd Betalare", deposit="00003", serial=5),
    ])
    write_bgmax_file(folder, "bg-20260926.txt", [bgmax_payment(5000, "999", name="Märta [AB]", serial=6)],
                     created=dt.datetime(2026, 9, 26, 18, 0))
    return folder


def _steps(*keys: str, choose: str | None = None, then: tuple[str, ...] = ()) -> Steps:
    """Press ``keys``; pick ``choose`` in the folder tree; press ``then``; wait after each."""

    async def run(pilot: Pilot[None]) -> None:
        await steps(*keys, wait=settle_tree)(pilot)
        if choose:
            tree = pilot.app.screen.query_one(FileTree)
            while tree.cursor_node is None or tree.cursor_node.data is None or tree.cursor_node.data.path.name != choose:
                await pilot.press("down")
                await settle_tree(pilot)
            await pilot.press("enter")
        await steps(*then, wait=settle_tree)(pilot)

    return run


def test_payments_hub(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_steps("b"))


def test_file_picker(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_steps("b", "l", "down"))


def test_summary_before_booking(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = _steps("b", "l", choose="bg-20260925.txt")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_refused_file(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    copy = files / "kopia.txt"
    copy.write_bytes((files / "bg-20260925.txt").read_bytes())
    import_payment_file(files / "bg-20260925.txt")
    PaymentFile.update(imported_at=dt.datetime(2026, 11, 28, 9, 30)).execute()
    run = _steps("b", "l", choose="kopia.txt")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_result_log(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    run = _steps("b", "l", choose="bg-20260925.txt", then=("b",))
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)


def test_unmatched_list(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    import_payment_file(files / "bg-20260925.txt")
    import_payment_file(files / "bg-20260926.txt")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_steps("b", "e"))


def test_invoice_search_for_allocation(files: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    import_payment_file(files / "bg-20260925.txt")
    run = _steps("b", "e", "a")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=run)
