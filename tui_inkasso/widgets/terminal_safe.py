"""The last guard between stored text and the staff's terminal: no control character gets out.

Names and messages are cleaned as they enter (``domain.safe_text.clean_text``), but a ledger
written before that rule, or by another program, may still hold ``ESC [ 2 J`` (clear the screen),
the 8-bit CSI (U+009B) or a right-to-left override in a name. Rich and Textual pass such
characters through to the terminal as they are, in every widget: a table cell, a selection
list, a border title. This filter runs on every line the app draws, after the widgets, and
drops them: they take no cell on screen (their width is 0), so dropping them changes no layout.
The check is one ``str.isprintable`` per segment for ordinary text.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from tui_inkasso.domain.safe_text import UNSAFE_CHARACTERS

_UNSAFE = re.compile(f"[{UNSAFE_CHARACTERS}]+")


def safe_segment_text(text: str) -> str:
    """``text`` without control characters (fast when there are none)."""
    if text.isprintable():
        return text
    return _UNSAFE.sub("", text)


class ControlCharacters(LineFilter):
    """Drops control characters from the text of every segment (control segments stay)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The line with its segments' text made safe; untouched when nothing needs it."""
        if all(segment.text.isprintable() or segment.control for segment in segments):
            return segments
        return [
            segment if segment.control else Segment(safe_segment_text(segment.text), segment.style)
            for segment in segments
        ]
