"""The real ``tui-inkasso`` in a real terminal (tmux), for end-to-end tests.

A detached tmux session of fixed size on a private server socket (never the user's own tmux)
runs a command with only the environment the test chooses; the test sends keys as a user types
them and reads the screen with ``tmux capture-pane -p`` (and ``-e`` for colours, see
:func:`styled_lines`). Tests skip with the reason when tmux is not installed (``.ci/run``
installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")

needs_tmux = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux; .ci/run does)")

APP = str(Path(sys.executable).parent / "tui-inkasso")
"""The installed console script."""


def app_env(tmp_path: Path, today: str, **extra: str) -> dict[str, str]:
    """The environment of the app under test: a fixed business day, private XDG folders (the
    output folder's default among them). The user is this process's OS login (no variable
    names it, issue 17): the test's ledger must have it as a user (``tests.staff.admit_process_user``, or a ledger the tests built, whose
    first administrators include it)."""
    return {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "TUI_INKASSO_TODAY": today,
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": os.environ.get("PATH", ""),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        # the default output folder (platformdirs' documents folder) inside the test's folder,
        # not the real ~/Documents of whoever runs the tests
        "XDG_DOCUMENTS_DIR": str(tmp_path / "dokument"),
        **extra,
    }


class Terminal:
    """One tmux session of ``width`` x ``height`` running ``command``."""

    def __init__(self, command: list[str], env: dict[str, str], tmp: Path, width: int = 120, height: int = 36) -> None:
        self.socket = f"tui-inkasso-test-{uuid.uuid4().hex[:8]}"
        self.session = "app"
        script = tmp / f"start-{self.socket}.sh"
        # env -i: only what the test chooses; an inherited COLUMNS/LINES would override the size
        assignments = " ".join(f"{key}={_quote(value)}" for key, value in env.items())
        script.write_text(f"#!/bin/sh\nexec env -i {assignments} {' '.join(_quote(c) for c in command)}\n")
        script.chmod(0o755)
        self._tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), str(script))

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

    def styled_screen(self) -> str:
        """What the terminal shows now, with its colours as escape sequences."""
        return self._tmux("capture-pane", "-p", "-e", "-t", self.session)

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        """Poll the screen until every text is on it; fail with the last screen otherwise.

        A screen is drawn in pieces (rows come from workers after the frame), so a caller waits
        for every text its next assertion or key needs, not only for a title. Amounts group
        thousands with a no-break space: the screen and the texts are compared with plain spaces,
        so "9 125,50" matches however either was written.
        """
        wanted = [(text, text.replace("\u00a0", " ")) for text in texts]
        return self.wait_until(lambda shown: [t for t, plain in wanted if plain not in shown], timeout=timeout)

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

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """Wait for the app to end; True when it did."""
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.alive()

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# --------------------------------------------------------------------------- colours

Style = tuple[str, str, bool, bool]
"""A cell's look as the terminal was told: foreground, background, bold, reverse."""

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
_OTHER_ESCAPE = re.compile(r"\x1b[\[\]][0-9;:?]*[A-Za-ln-z]")


def styled_lines(captured: str) -> list[list[tuple[str, Style]]]:
    """Each line of ``capture-pane -e`` as (character, style) pairs.

    tmux writes the attributes that change (SGR: 0 resets, 1 bold, 7 reverse, 30-37/90-97,
    38;5;n and 38;2;r;g;b foreground, the same from 40 and 48 for the background, 39/49 the
    defaults); a line starts from the previous line's state.
    """
    fg, bg, bold, reverse = "default", "default", False, False
    lines: list[list[tuple[str, Style]]] = []
    for raw in captured.split("\n"):
        raw = _OTHER_ESCAPE.sub("", raw)
        cells: list[tuple[str, Style]] = []
        position = 0
        for match in _SGR.finditer(raw):
            cells += [(char, (fg, bg, bold, reverse)) for char in raw[position : match.start()]]
            position = match.end()
            fg, bg, bold, reverse = _apply_sgr(match.group(1), fg, bg, bold, reverse)
        cells += [(char, (fg, bg, bold, reverse)) for char in raw[position:]]
        lines.append(cells)
    return lines


def _apply_sgr(params: str, fg: str, bg: str, bold: bool, reverse: bool) -> Style:
    codes = [int(p) if p.isdigit() else 0 for p in re.split(r"[;:]", params)] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            fg, bg, bold, reverse = "default", "default", False, False
        elif code == 1:
            bold = True
        elif code == 22:
            bold = False
        elif code == 7:
            reverse = True
        elif code == 27:
            reverse = False
        elif code in (38, 48) and i + 1 < len(codes):
            width = 3 if codes[i + 1] == 5 else 5
            colour = ":".join(str(c) for c in codes[i + 1 : i + width])
            fg, bg = (colour, bg) if code == 38 else (fg, colour)
            i += width - 1
        elif code == 39:
            fg = "default"
        elif code == 49:
            bg = "default"
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = str(code)
        i += 1
    return fg, bg, bold, reverse


def plain(line: list[tuple[str, Style]]) -> str:
    """A styled line's text."""
    return "".join(char for char, _style in line)
