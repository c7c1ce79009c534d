"""A screen that edits stored values (settings, dunning levels, owners' accounts).

What they share: F2 checks and saves (the write runs in a worker, never on the UI thread, where
it could freeze the screen for SQLite's 10 s busy timeout while the daemon writes), F5 shows the
stored values again, and leaving with unsaved edits (Esc, or Ctrl+Q anywhere in the app) asks
first: save, leave without saving, or stay (:class:`~tui_inkasso.widgets.dialogs.SaveChangesDialog`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.widgets.dialogs import SaveChangesDialog


class EditForm(BaseScreen):
    """Base for forms: a subclass says how many edits are unsaved and how it saves."""

    FORM_NAME: ClassVar[str] = "Formuläret"
    """How the question names the form ("Alternativ – Inkasso har 2 ändringar ...")."""

    def unsaved_changes(self) -> int:
        """How many fields differ from what is stored (0 when nothing is unsaved)."""
        raise NotImplementedError

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Check and save every value; call ``then`` once it is stored (not when refused)."""
        raise NotImplementedError

    def form_name(self) -> str:
        """The form's name in the question: its title, else ``FORM_NAME``."""
        return str(self.sub_title or self.SUB_TITLE or self.FORM_NAME)

    def action_back(self) -> None:
        """Esc: leave, after asking when there are unsaved edits."""
        if self.unsaved_changes():
            self.ask_to_save(super().action_back)
        else:
            super().action_back()

    def ask_to_save(self, leave: Callable[[], object]) -> None:
        """Ask whether to save the edits, then ``leave`` (after saving, or without), or stay."""

        def answered(save: bool | None) -> None:
            if save is None:
                return
            if save:
                self.save(then=leave)
            else:
                leave()

        self.app.push_screen(SaveChangesDialog(self.form_name(), self.unsaved_changes()), answered)
