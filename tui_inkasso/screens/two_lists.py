"""What the two wizards with an upper and a lower list share (Inkasso: the invoices to send and
those left out; Obetald hyra: the contracts to terminate and those left out).

The wizard opens with the standard selection (``screens/selection_step.py``); the upper table
holds what the run will take, the lower what was left out with a reason. Undanta works in the
upper table, Inkludera in the lower, Tab moves between them (from the filter back to the table
last used). Each wizard names its two tables.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events

from tui_inkasso.screens.selection_step import SelectionStepScreen
from tui_inkasso.widgets.mark_table import MarkTable


class TwoListsScreen(SelectionStepScreen):
    """An upper list (:attr:`READY`) and a lower one (:attr:`EXCLUDED`) over a selection."""

    READY: ClassVar[str] = ""
    """The upper table's id (what the run takes)."""
    EXCLUDED: ClassVar[str] = ""
    """The lower table's id (what was left out)."""
    _last_table: str

    def _ready(self) -> MarkTable:
        return self.query_one(f"#{self.READY}", MarkTable)

    def _excluded(self) -> MarkTable:
        return self.query_one(f"#{self.EXCLUDED}", MarkTable)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Remember the table last used (Tab from the filter goes back to it). The footer needs
        no refresh here: Undanta and Inkludera follow the focus (:meth:`table_action`), and
        Textual refreshes the bindings whenever the focus moves."""
        if isinstance(event.widget, MarkTable) and event.widget.id:
            self._last_table = event.widget.id

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
