"""The standard selection as a screen's first step (Påminnelse/krav, Saldokorrigering, Inkasso,
Obetald hyra): the screen opens with the selection unless it was given one, reads its list for
the selection, and asks again on its selection key.

Esc in the selection before the screen has read anything leaves the screen (there is nothing to
go back to); after that it keeps the selection in use.
"""

from __future__ import annotations

from typing import ClassVar

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services.selection import Selection


class SelectionStepScreen(BaseScreen):
    """A screen whose list is read for a standard selection (module docstring)."""

    SELECTION_TITLE: ClassVar[str] = ""
    """The selection screen's title ("Inkasso – urval")."""

    selection: Selection | None

    def has_read(self) -> bool:
        """Whether the screen has read its list once (then Esc in the selection keeps it)."""
        raise NotImplementedError

    def _load(self) -> None:
        """Read the list for :attr:`selection`."""
        raise NotImplementedError

    def read_for_selection(self) -> None:
        """Read the list after a selection was made (on opening with one, or a new one)."""
        self._load()

    def on_mount(self) -> None:
        if self.selection is None:
            self.action_edit_selection()
        else:
            self.read_for_selection()

    def action_edit_selection(self) -> None:
        """The standard selection step; Esc there (before any list) leaves this screen."""
        self.app.push_screen(SelectionScreen(self.SELECTION_TITLE, self.selection), self._selected)

    def _selected(self, selection: Selection | None) -> None:
        if selection is None:
            if not self.has_read():
                self.dismiss()
            return
        self.selection = selection
        self.read_for_selection()
