"""What every screen of the app shares: Esc goes back, the footer, and failed workers reach the app
(and no table waits for rows a failed worker will never bring)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui_inkasso.screens.guarded_keys import GuardedKeys
from tui_inkasso.widgets.busy_line import ShowsBusy
from tui_inkasso.widgets.footer_keys import FooterKeys
from tui_inkasso.widgets.paged_table import PagedTable
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors


class BaseScreen(GuardedKeys, ShowsBusy, FooterKeys, ForwardWorkerErrors, Screen[None]):
    """A full screen pushed from the menu (or from another screen); Esc returns to where it came from.

    Its footer starts with F1 Hjälp and leaves the app-wide keys to the menu (:class:`FooterKeys`);
    work that takes longer than half a second shows a busy line above it (:class:`ShowsBusy`); a
    key whose service the user's role may not call is greyed and says why (:class:`GuardedKeys`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
    ]

    def action_back(self) -> None:
        """Leave this screen."""
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed worker may be the one a table waits for (``PagedTable.expect_rows``): tables
        still waiting show their empty text instead of "Hämtar …" for ever (the app shows the
        error). One that was waiting for another worker gets its rows all the same."""
        if event.state == WorkerState.ERROR:
            for table in self.query(PagedTable):
                table.stop_expecting()
