"""What a screen's footer shows: F1 Hjälp, the screen's main action, then what fits.

Textual's footer lists the focused widget's keys, then the screen's, then the app's, and cuts
off what does not fit the terminal. At 80 columns (the usual SSH window) that cut away a
screen's main action ("F2 Skapa breven") and even F1 Hjälp, the key that teaches every other
key. A screen that mixes in :class:`FooterKeys` instead gets a footer that

* starts with F1 Hjälp, then the screen's main actions (``FOOTER_MAIN``, binding ids; by
  default the screen's F2, the app's "go on / save / create" key), so both are visible at
  any width;
* leaves out the keys named in ``FOOTER_HIDDEN`` (binding ids): by default the app-wide
  Ctrl+Q Avsluta and Ctrl+T Mörkt/ljust, which only the main menu shows;
* when the rest does not fit the width, drops generic keys first (sorting, Enter Öppna, marking
  all, F5 Uppdatera, then Esc Tillbaka/Avbryt: staff know them, and F1 lists them), then the
  screen's other keys from the right, so no key is ever shown cut off;
* is compact (one space between keys instead of two), and is laid out again when the terminal
  is resized;
* leaves out "^p Kommandon" below ``PALETTE_KEY_FROM`` columns: at 80 columns its 16 cells are
  worth two of the screen's keys, and Ctrl+P is named in F1 Hjälp (and still works).

Only the footer changes: a dropped or hidden key still works, is still an active binding, and is
still listed in F1 Hjälp and the command palette (both read the bindings themselves).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from textual.binding import ActiveBinding, Binding
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

MAIN_KEY = "f2"
"""The app's key for a screen's main action (Nästa, Spara, Skapa ...): shown right after F1."""

GENERIC_KEYS: tuple[str, ...] = ("table.sort", "mark.all", OPEN_KEY, "list.select", "list.choose")
"""Binding ids of generic keys, dropped first (in this order) when the footer is too narrow."""

PALETTE_WIDTH = 16
"""Cells the command palette's key takes at the right of the footer ("▏^p Kommandon", its padding and margin)."""

PALETTE_KEY_FROM = 100
"""From this width on the footer also shows "^p Kommandon"."""


def shows_palette(width: int) -> bool:
    """Whether a footer of ``width`` columns shows the command palette's key."""
    return width >= PALETTE_KEY_FROM


def is_generic(binding: Binding) -> bool:
    """A key every screen has or every table has: sorting, opening a row, marking all,
    refreshing (F5 Uppdatera), going back (Esc). Dropped before the screen's own keys."""
    key_id = binding.id or ""
    return key_id in GENERIC_KEYS or key_id.endswith(".refresh") or binding.key == "escape"


def drop_rank(binding: Binding) -> int:
    """The order generic keys are dropped in: table keys, then F5 Uppdatera, then Esc."""
    key_id = binding.id or ""
    if key_id in GENERIC_KEYS:
        return GENERIC_KEYS.index(key_id)
    return len(GENERIC_KEYS) + (0 if key_id.endswith(".refresh") else 1)


class FooterKeys(_ScreenBase):
    """Mixin for a Screen with a Footer (put it before ``Screen`` in the bases)."""

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS
    """Binding ids the footer leaves out on this screen at any width."""

    FOOTER_MAIN: ClassVar[tuple[str, ...]] = ()
    """Binding ids of the screen's main actions, in order, shown right after F1 Hjälp and never
    dropped; empty means the screen's F2 key (whatever has the focus)."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's active bindings in footer order (F1, main actions, the rest), with the keys
        the footer leaves out (``FOOTER_HIDDEN``, and what does not fit the width) not shown.

        Textual reads this property to draw the footer and the key panel (which binding a key
        runs is decided elsewhere), and screens ask it whether a key is bound at all (the
        collection wizard: is a typed letter a command or the start of a filter?). So every
        key stays in it; a left-out one only gets ``show=False``.
        """
        bindings = super().active_bindings
        shown = [key for key, item in bindings.items() if item.binding.show and item.binding.id not in self.FOOTER_HIDDEN]
        first = [key for key in shown if bindings[key].binding.id == HELP_KEY]
        main = self._main_keys(bindings, shown)
        rest = [key for key in shown if key not in first and key not in main]
        kept = self._fit(bindings, first + main, rest)
        order = first + main + rest
        result: dict[str, ActiveBinding] = {key: bindings[key] for key in order if key in kept}
        for key, item in bindings.items():
            if key not in result:
                result[key] = item._replace(binding=replace(item.binding, show=False)) if item.binding.show else item
        return result

    def _main_keys(self, bindings: dict[str, ActiveBinding], shown: list[str]) -> list[str]:
        """The shown keys of the screen's main actions, in ``FOOTER_MAIN`` order."""
        if self.FOOTER_MAIN:
            by_id = {bindings[key].binding.id: key for key in shown}
            return [by_id[key_id] for key_id in self.FOOTER_MAIN if key_id in by_id]
        return [key for key in shown if key == MAIN_KEY]

    def _fit(self, bindings: dict[str, ActiveBinding], fixed: list[str], rest: list[str]) -> set[str]:
        """The keys that fit the footer's width: ``fixed`` always, then ``rest`` minus the
        generic keys (by :func:`drop_rank`) and then the last of the others, until they fit."""
        width = self._footer_width() - (PALETTE_WIDTH if shows_palette(self.app.size.width) else 0)
        seen_actions: set[str] = set()

        def cells(key: str) -> int:
            binding = bindings[key].binding
            if binding.action in seen_actions:  # the footer shows one key per action
                return 0
            seen_actions.add(binding.action)
            return cell_len(self.app.get_key_display(binding)) + cell_len(binding.description) + 2

        sizes = {key: cells(key) for key in [*fixed, *rest]}
        total = sum(sizes.values())
        kept = [*rest]
        generic = sorted((key for key in rest if is_generic(bindings[key].binding)),
                         key=lambda key: drop_rank(bindings[key].binding))
        own = [key for key in reversed(rest) if key not in generic]
        for key in [*generic, *own]:
            if total <= width:
                break
            kept.remove(key)
            total -= sizes[key]
        return {*fixed, *kept}

    def _footer_width(self) -> int:
        """The columns the footer has: the terminal's, less the screen's scroll bar when the
        screen scrolls (a docked footer does not reach under it: at 80 columns the case card's
        last key was cut to "n Antecknin")."""
        width = self.app.size.width
        try:
            if self.show_vertical_scrollbar:
                width -= self.styles.scrollbar_size_vertical
        except Exception:
            pass
        return width

    def _on_mount(self, event: object) -> None:
        """Footers in compact style: the screen's keys need the columns more than the spacing.

        Textual calls the Mount handler of every class in the MRO itself, so no ``super()``.
        """
        for footer in self.query(Footer):
            footer.compact = True
            footer.show_command_palette = shows_palette(self.app.size.width)

    def _on_resize(self, event: object) -> None:  # type: ignore[override]  # a plain handler is called as it is
        """The width changed: what fits in the footer may have changed too."""
        for footer in self.query(Footer):
            footer.show_command_palette = shows_palette(self.app.size.width)
        # By hand: what fits depends on the terminal's width, which is no reactive of the screen
        # (a resize changes no state of ours that a var(bindings=True) could hold), and Textual
        # refreshes bindings only on focus and reactive changes.
        self.refresh_bindings()
