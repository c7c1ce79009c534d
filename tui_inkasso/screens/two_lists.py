"""What the two wizards with an upper and a lower list share (Inkasso: the invoices to send and
those left out; Obetald hyra: the contracts to terminate and those left out).

The wizard opens with the standard selection (Esc there, before any list, leaves it); the upper
table holds what the run will take, the lower what was left out with a reason. Undanta works in
the upper table, Inkludera in the lower, Tab moves between them (from the filter back to the
table last used). Each wizard names its two tables and its selection screen's title, and says
when its lists have been read and how to read them.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets.mark_table import MarkTable


class TwoListsScreen(BaseScreen):
    """An upper list (:attr:`READY`) and a lower one (:attr:`EXCLUDED`) over a selection."""

    READY: ClassVar[str] = ""
    """The upper table's id (what the run takes)."""
    EXCLUDED: ClassVar[str] = ""
    """The lower table's id (what was left out)."""
    SELECTION_TITLE: ClassVar[str] = ""
    """The selection screen's title ("Inkasso – urval")."""

    selection: Selection | None
    _last_table: str

    def lists_read(self) -> bool:
        """Whether the lists have been read (the keys that need them wait until then)."""
        raise NotImplementedError

    def _load(self) -> None:
        """Read the lists for :attr:`selection`."""
        raise NotImplementedError

    def on_mount(self) -> None:
        if self.selection is None:
            self.action_edit_selection()
        else:
            self._load()

    def _ready(self) -> MarkTable:
        return self.query_one(f"#{self.READY}", MarkTable)

    def _excluded(self) -> MarkTable:
        return self.query_one(f"#{self.EXCLUDED}", MarkTable)

    def action_edit_selection(self) -> None:
        """The standard selection step; Esc there (before any list) leaves the wizard."""
        self.app.push_screen(SelectionScreen(self.SELECTION_TITLE, self.selection), self._selected)

    def _selected(self, selection: Selection | None) -> None:
        if selection is None:
            if not self.lists_read():
                self.dismiss()
            return
        self.selection = selection
        self._load()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, MarkTable) and event.widget.id:
            self._last_table = event.widget.id
        self.refresh_bindings()

    def table_action(self, action: str) -> bool | None:
        """Undanta only in the upper table, Inkludera only in the lower; None for other keys."""
        focused = self.focused
        if action == "exclude":
            return isinstance(focused, MarkTable) and focused.id == self.READY
        if action == "include":
            return isinstance(focused, MarkTable) and focused.id == self.EXCLUDED
        return None

    def action_switch_table(self) -> None:
        """Tab: from one table to the other (from the filter back to the last table)."""
        focused = self.focused
        if isinstance(focused, MarkTable):
            target = self._excluded() if focused.id == self.READY else self._ready()
        else:
            target = self.query_one(f"#{self._last_table}", MarkTable)
        target.focus()
