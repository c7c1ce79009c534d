"""domain/safe_text.py: names without control characters on input, escaped on output (issue 14, item 10)."""

from __future__ import annotations

import pytest

from tui_inkasso.domain.safe_text import blank_controls, clean_text, for_terminal, has_unsafe


@pytest.mark.parametrize(("raw", "clean"), [
    ("Anna Svensson", "Anna Svensson"),
    ("  Anna Svensson\n", "Anna Svensson"),
    ("Anna\x1b[31m Svensson\x1b[0m", "Anna Svensson"),  # colour codes removed whole
    ("Anna\x1b[2J\x1b[HSvensson", "AnnaSvensson"),  # clear screen, cursor home
    ("Anna\x1b]0;pwned\x07 Svensson", "Anna Svensson"),  # window title (OSC)
    ("Anna\x1bc Svensson", "Anna Svensson"),  # reset the terminal
    ("Anna\x9b2J Svensson", "Anna Svensson"),  # the 8-bit CSI
    ("Anna\tSvensson", "Anna Svensson"),
    ("Anna\r\nSvensson", "Anna Svensson"),
    ("Anna \u202enossnevS", "Anna nossnevS"),  # right-to-left override
    ("Anna Svensson [/b]", "Anna Svensson [/b]"),  # markup is text, not ours to strip
    ("Björk\u00a0& Co", "Björk\u00a0& Co"),
])
def test_clean_text_removes_escape_sequences_and_control_characters(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert not has_unsafe(clean_text(raw))


def test_for_terminal_escapes_what_a_terminal_would_obey_and_keeps_lines_and_tabs() -> None:
    assert for_terminal("a\x1b[2Jb\x9bc\u202ed\re\tf\ng") == "a\\x1b[2Jb\\x9bc\\u202ed\\x0de\tf\ng"
    assert for_terminal("Åsa Öberg") == "Åsa Öberg"


def test_blank_controls_keeps_positions() -> None:
    assert blank_controls("ab\x0ccd\u202e\r\n") == ("ab cd \r\n", 2)
