"""End to end: the real ``tui-inkasso`` command in a real terminal (tmux), driven by keys.

A detached tmux session of fixed size runs the installed console script on a small ledger; the
test sends keys as a user types them and reads the screen with ``tmux capture-pane -p``. Skipped
with the reason when tmux is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.ledger_data import TODAY, build_small_ledger
from tui_inkasso.db.connection import sqlite_path

TMUX = shutil.which("tmux")
WIDTH, HEIGHT = 120, 36
INVOICES = tuple(f"202600{n}" for n in range(1, 9))
"""Anna's eight invoice numbers in the small ledger."""

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux; .ci/run does)")


class Terminal:
    """One tmux session on a private server socket (never the user's own tmux)."""

    def __init__(self, command: list[str], env: dict[str, str], tmp: Path) -> None:
        self.socket = f"tui-inkasso-test-{uuid.uuid4().hex[:8]}"
        self.session = "app"
        script = tmp / "start.sh"
        # env -i: only what the test chooses; an inherited COLUMNS/LINES would override the size
        assignments = " ".join(f"{key}={_quote(value)}" for key, value in env.items())
        script.write_text(f"#!/bin/sh\nexec env -i {assignments} {' '.join(_quote(c) for c in command)}\n")
        script.chmod(0o755)
        self._tmux("new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT), str(script))

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            [str(TMUX), "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=20
        )
        if result.returncode != 0 and args[0] != "kill-server":
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, Down, Escape, C-q) or single characters."""
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        """Literal text, character by character."""
        for char in text:
            self._tmux("send-keys", "-t", self.session, "-l", char)
            time.sleep(0.03)

    def screen(self) -> str:
        """What the terminal shows now."""
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        """Poll the screen until every text is on it; fail with the last screen otherwise.

        A screen is drawn in pieces (rows come from workers after the frame), so a caller waits
        for every text its next assertion or key needs, not only for a title. Amounts group
        thousands with a no-break space: the screen is compared with plain spaces, so "9 125,50"
        matches.
        """
        return self.wait_until(lambda shown: [t for t in texts if t not in shown], timeout=timeout)

    def wait_until(self, missing: Callable[[str], list[str]], timeout: float = 20.0) -> str:
        """Poll the screen (no-break spaces as spaces) until ``missing`` finds nothing missing on
        it; fail with what is missing and the last screen otherwise."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            try:
                shown = self.screen().replace("\u00a0", " ")
            except AssertionError:  # the session ended
                break
            if not missing(shown):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"not on screen: {missing(shown)}\n--- screen ---\n{shown}")

    def alive(self) -> bool:
        """True while the session (the app) runs."""
        result = subprocess.run(
            [str(TMUX), "-L", self.socket, "-f", "/dev/null", "has-session", "-t", self.session],
            capture_output=True, timeout=10,
        )
        return result.returncode == 0

    def close(self) -> None:
        self._tmux("kill-server")


def _oldest_first(screen: str) -> list[str]:
    """What is missing before Anna's invoices are shown oldest due date first (after "r")."""
    lines = {number: index for index, line in enumerate(screen.splitlines()) for number in INVOICES if number in line}
    missing = [f"{n} shown" for n in INVOICES if n not in lines]
    if "Förfaller ▲" not in screen:
        missing.append("Förfaller ▲")
    if not missing and sorted(INVOICES, key=lines.__getitem__) != sorted(INVOICES, reverse=True):
        missing.append("the invoices in ascending due date order")
    return missing


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.fixture
def terminal(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    build_small_ledger()
    path = sqlite_path(sqlite_url)
    assert path is not None
    env = {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "TUI_INKASSO_TODAY": TODAY,
        "TUI_INKASSO_USER": "testare",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": os.environ.get("PATH", ""),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    command = [str(Path(sys.executable).parent / "tui-inkasso"), "--db", str(path)]
    term = Terminal(command, env, tmp_path)
    try:
        yield term
    finally:
        term.close()


def test_search_a_customer_and_open_an_invoice_in_a_real_terminal(terminal: Terminal) -> None:
    terminal.wait_for("Reskontra", "Inställningar", "Verktyg", "Reskontra (kundsök)")
    terminal.keys("r")  # and the name at once: the keys wait for the ledger's search box
    terminal.type("anna")
    terminal.wait_for("Anna Andersson", "19800101-0001", "8 fakturor", "Inkassomärkt", "Undantagen", "Påminnelse")
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
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive(), "Ctrl+Q ends the app"
