"""What a screen's footer shows: F1 Hjälp first, then the screen's own keys, in 120 columns.

Textual's footer lists the focused widget's keys, then the screen's, then the app's, and cuts
off what does not fit. On a screen with a table and a handful of actions that cut away the
screen's last actions and F1 Hjälp itself (the key that teaches every other key). A screen
that mixes in :class:`FooterKeys` instead gets a footer that

* starts with F1 Hjälp, so it is visible at any width;
* does not show the keys named in ``FOOTER_HIDDEN`` (binding ids): by default the app-wide
  Ctrl+Q Avsluta and Ctrl+T Mörkt/ljust, which only the main menu shows; a screen with many
  actions adds generic table keys (sorting, marking) there;
* is compact (one space between keys instead of two).

Only the footer changes: a hidden key still works, is still an active binding, and is still
listed in F1 Hjälp and the command palette (both read the bindings themselves).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import ActiveBinding
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object

HELP_KEY = "app.help"
"""The binding id of F1 Hjälp (the app's), always first in the footer."""

APP_WIDE_KEYS: frozenset[str] = frozenset({"app.quit", "app.theme"})
"""App keys only the main menu's footer shows (they work everywhere)."""

OPEN_KEY = "table.select"
"""Enter Öppna of a table: hidden where Enter opens nothing."""

TABLE_KEYS: frozenset[str] = frozenset({OPEN_KEY, "table.sort"})
"""Enter Öppna and s Sortera of a table: hidden on screens whose own actions need the room."""


class FooterKeys(_ScreenBase):
    """Mixin for a Screen with a Footer (put it before ``Screen`` in the bases)."""

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS
    """Binding ids the footer leaves out on this screen."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings, F1 Hjälp first and those in ``FOOTER_HIDDEN`` not shown.

        Textual reads this property to draw the footer and the key panel (which binding a key
        runs is decided elsewhere), and screens ask it whether a key is bound at all (the
        collection wizard: is a typed letter a command or the start of a filter?). So every
        key stays in it; a hidden one only gets ``show=False``.
        """
        hidden = self.FOOTER_HIDDEN
        bindings: dict[str, ActiveBinding] = {}
        for key, item in super().active_bindings.items():
            if item.binding.show and item.binding.id in hidden:
                item = item._replace(binding=replace(item.binding, show=False))
            bindings[key] = item
        first = {key: item for key, item in bindings.items() if item.binding.id == HELP_KEY}
        return first | bindings

    def _on_mount(self, event: object) -> None:
        """Footers in compact style: the screen's keys need the columns more than the spacing.

        Textual calls the Mount handler of every class in the MRO itself, so no ``super()``.
        """
        for footer in self.query(Footer):
            footer.compact = True
