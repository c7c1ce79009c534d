"""End to end: the real ``tui-inkasso`` command in a real terminal (tmux), driven by keys.

A detached tmux session of fixed size runs the installed console script on a small ledger; the
test sends keys as a user types them and reads the screen with ``tmux capture-pane -p``. Skipped
with the reason when tmux is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ledger_data import TODAY, build_small_ledger
from tests.terminal import APP, Terminal, app_env, needs_tmux
from tui_inkasso.db.connection import sqlite_path

WIDTH, HEIGHT = 120, 36
INVOICES = tuple(f"202600{n}" for n in range(1, 9))
"""Anna's eight invoice numbers in the small ledger."""

pytestmark = needs_tmux


def _oldest_first(screen: str) -> list[str]:
    """What is missing before Anna's invoices are shown oldest due date first (after "r")."""
    lines = {number: index for index, line in enumerate(screen.splitlines()) for number in INVOICES if number in line}
    missing = [f"{n} shown" for n in INVOICES if n not in lines]
    if "Förfaller ▲" not in screen:
        missing.append("Förfaller ▲")
    if not missing and sorted(INVOICES, key=lines.__getitem__) != sorted(INVOICES, reverse=True):
        missing.append("the invoices in ascending due date order")
    return missing


@pytest.fixture
def terminal(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    build_small_ledger()
    path = sqlite_path(sqlite_url)
    assert path is not None
    term = Terminal([APP, "--db", str(path)], app_env(tmp_path, TODAY), tmp_path, WIDTH, HEIGHT)
    try:
        yield term
    finally:
        term.close()


def test_search_a_customer_and_open_an_invoice_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for("Reskontra", "Inställningar", "Verktyg", "Reskontra (kundsök)")
    terminal.keys("r")  # and the name at once: the keys wait for the ledger's search box
    terminal.type("anna")
    terminal.wait_for("Anna Andersson", "19800101-0001", "8\u00a0fakturor", "Inkassomärkt", "Undantagen", "Påminnelse")
    # Typed ahead in one go, as people do: to the customer list, open Anna, reverse the order
    # (oldest due date first), the second invoice. The app keeps each key for the widget that
    # has the focus once the key before it has been handled.
    terminal.keys("Enter", "Enter", "r", "Down", "Enter")
    # oldest due date first the second invoice is the collection-marked one; its rows, amounts
    # and history fill in after the frame: wait for all of them
    terminal.wait_for("Faktura 2026007", "Kravhistorik", "IK-2026-0001", "Betalningar", "9 125,50", "6 125,50", "Värme [el]")
    terminal.keys("Escape")
    terminal.wait_for("Fakturor – Anna Andersson")
    terminal.wait_until(_oldest_first)  # "r" reversed the invoices, not the customer list
    terminal.keys("Escape")
    terminal.wait_for("Granskningslogg")
    terminal.keys("C-q")
    assert terminal.wait_closed(), "Ctrl+Q ends the app"
