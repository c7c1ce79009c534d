"""The keys of the screen in use, in Swedish (F1 or ?)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def screen_bindings(screen: Screen[object]) -> Iterator[tuple[DOMNode, Binding]]:
    """The app's own bindings (those with an id) of the focused widget, its screen and the app.

    Unlike ``Screen.active_bindings`` this keeps letter keys that a focused text field would
    swallow (they work once the focus leaves the field) and leaves out Textual's built-in,
    English-described keys of its widgets.
    """
    focused = screen.focused
    nodes: list[DOMNode] = [n for n in focused.ancestors_with_self if n is not screen.app] if focused else []
    if screen not in nodes:
        nodes.append(screen)
    nodes.append(screen.app)
    for node in nodes:
        for _key, binding in node._bindings:
            if binding.id and binding.description and not binding.system and applies(node, binding):
                yield node, binding


def applies(node: DOMNode, binding: Binding) -> bool:
    """False for a key its node hides right now (``check_action`` returns False: the collection
    wizard's F2 that belongs to another collection system); a key that is only disabled for the
    moment (None) is still listed."""
    from textual.actions import parse

    target, name, parameters = parse(binding.action)
    if target:  # another node's action ("app.quit"): listed
        return True
    try:
        return node.check_action(name, parameters) is not False
    except Exception:  # a check that needs what is not loaded yet: list the key
        return True


def key_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, what it does) for the keys of ``screen``: focused widget first, then screen, then app."""
    rows: list[tuple[str, str]] = []
    for _node, binding in screen_bindings(screen):
        item = (screen.app.get_key_display(binding) or binding.key, binding.description)
        if item not in rows:
            rows.append(item)
    return rows


class KeyTable(DataTable[Text]):
    """The list of keys: Home and End go to the first and the last key (DataTable's own Home
    and End scroll sideways, which a two-column list that fits never needs)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "Första", show=False, id="help.first"),
        Binding("end", "last", "Sista", show=False, id="help.last"),
    ]

    def action_first(self) -> None:
        """The first key."""
        self.move_cursor(row=0)

    def action_last(self) -> None:
        """The last key."""
        self.move_cursor(row=self.row_count - 1)


class HelpScreen(ModalScreen[None]):
    """A list of the keys that work on the screen underneath; Esc, F1 or Enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Stäng", id="help.close"),
        Binding("f1", "close", "Stäng", show=False, id="help.close_f1"),
        Binding("enter", "close", "Stäng", show=False, id="help.close_enter"),
    ]

    def __init__(self, keys: list[tuple[str, str]], title: str) -> None:
        super().__init__()
        self._keys = keys
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = Text(f"Hjälp – {self._title}")
            box.border_subtitle = "Esc stänger"
            yield Static(
                "Allt görs med tangentbordet. I en tabell är bokstäverna kommandon; / öppnar "
                "filtret, där du skriver namn och nummer. Ctrl+P öppnar kommandopaletten där "
                "alla funktioner finns; Tab flyttar mellan fälten; Esc går tillbaka.",
                id="help-intro",
            )
            table = KeyTable(cursor_type="row", zebra_stripes=True)
            table.add_column("Tangent", key="key", width=14)
            table.add_column("Funktion", key="what", width=46)
            for key, what in self._keys:
                table.add_row(Text(key), Text(what))
            yield table

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit_table)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_table)

    def _fit_table(self) -> None:
        """Keep the key list inside the box: with ``max-height: 100%`` the table took the
        screen's height, not what the intro leaves, so at 80x24 its last keys lay below the box's
        border (End moved the cursor there, out of sight). The list gets the rows left over."""
        box = self.query_one("#help-box")
        intro = self.query_one("#help-intro")
        chrome = box.styles.gutter.height + intro.outer_size.height + intro.styles.margin.height
        table = self.query_one(KeyTable)
        table.styles.max_height = max(3, self.size.height - chrome)

    def action_close(self) -> None:
        """Back to the screen the help was opened from."""
        self.dismiss()
