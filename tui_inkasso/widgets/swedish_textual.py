"""Textual's own key descriptions that reach the screen, in Swedish.

Most of Textual's widget bindings are hidden (``show=False``) and our help lists only bindings
with an id, but an open dropdown (``SelectOverlay``) puts "esc Dismiss menu" in the footer. The
app imports this module once, before any screen is built (a widget reads its class's BINDINGS
when it is created).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets._select import SelectOverlay

SelectOverlay.BINDINGS = [Binding("escape", "dismiss", "Stäng listan", id="select.dismiss")]
SelectOverlay._merged_bindings = SelectOverlay._merge_bindings()  # Textual merges them per class, once
