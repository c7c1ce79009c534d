"""Text from outside that is safe to keep and to show: no control characters, no escape sequences.

Names, addresses and messages come from files we do not control: a ledger exported by another
system, a bank file in ISO-8859-1 or CP437. A name holding ``ESC [ 2 J`` or the 8-bit CSI
(U+009B, byte 0x9B in an ISO-8859-1 file) clears or recolours the terminal of whoever prints
it; a right-to-left override (U+202E) makes ``Anna`` look like another name. Two rules, used
everywhere such text enters or leaves:

* :func:`clean_text` on input: escape sequences are removed whole, every other control
  character (C0, DEL, C1, line and paragraph separators, bidirectional overrides) becomes one
  space, and the ends are stripped. What is stored is what staff see.
* :func:`blank_controls` for fixed-width files (bank files): the same characters, line breaks
  and TABs excepted, each become one space, so every field keeps its position.
* :func:`for_terminal` on output (the command line): line breaks and TABs stay, every other
  unsafe character is shown as its escape (``\\x1b``, ``\\u202e``), so text stored before the
  input rule existed is still never sent to a terminal raw.
"""

from __future__ import annotations

import re

UNSAFE_CHARACTERS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Control characters (C0, DEL, C1), line/paragraph separators and bidirectional controls, as a
regex character-class body."""

_UNSAFE = re.compile(f"[{UNSAFE_CHARACTERS}]")
_UNSAFE_RUN = re.compile(f" *[{UNSAFE_CHARACTERS}][ {UNSAFE_CHARACTERS}]*")
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI ... final byte (colours, cursor)
    r"|(?:\x1b[\]P^_X]|[\x9d\x90\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS ...
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # other ESC sequences (ESC c resets the terminal)
)
_BLANKED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+"
)
_SHOWN_ON_TERMINAL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character :func:`clean_text` would change (fast for the common case)."""
    return not text.isprintable() and _UNSAFE.search(text) is not None


def clean_text(text: str) -> str:
    """``text`` without escape sequences, other control characters as one space, ends stripped.

    ``"Anna\\x1b[31m Svensson\\n"`` becomes ``"Anna Svensson"``; text without control characters
    comes back unchanged (only stripped).
    """
    if text.isprintable():
        return text.strip()
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _UNSAFE_RUN.sub(" ", text).strip()


def blank_controls(text: str) -> tuple[str, int]:
    """``text`` with every unsafe character but LF, CR and TAB replaced by one space, one for
    one (a fixed-width record keeps its positions), and how many were replaced."""
    count = 0

    def blank(match: re.Match[str]) -> str:
        nonlocal count
        count += len(match.group())
        return " " * len(match.group())

    return _BLANKED.sub(blank, text), count


def for_terminal(text: str) -> str:
    """``text`` to print: line breaks and TABs kept, every other unsafe character escaped."""
    if text.isprintable():
        return text
    return _SHOWN_ON_TERMINAL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
