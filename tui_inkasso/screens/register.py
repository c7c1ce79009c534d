"""A screen over one register listed in a table: it reads the register when it opens and on F5,
and its keys act on the highlighted row.

Users, Socialnämnder, Godkännanden and Uppsagda hyresavtal all had the same opening, the same
F5 and the same "which row is highlighted" written out each; a register screen now names its
table (:attr:`RegisterScreen.TABLE`) and says how it reads (``_read``, a ``db_work`` worker that
posts the screen's own ``Loaded`` message), and the rest is here. A change made in a worker ends
in :class:`RegisterScreen.Done`: the screen says what was done (or why not, and may ask again with
the refused values) and reads the register again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual.message import Message

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services.errors import UserError
from tui_inkasso.widgets.footer_keys import APP_WIDE_KEYS
from tui_inkasso.widgets.paged_table import PagedTable

RowT = TypeVar("RowT")


class RegisterScreen(BaseScreen, Generic[RowT]):
    """A :class:`BaseScreen` whose one table (id :attr:`TABLE`) lists rows of ``RowT``."""

    TABLE: ClassVar[str] = ""
    """The id of the screen's table (without "#")."""

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = APP_WIDE_KEYS | {"table.sort"}
    """The table's sort key is known from every table; the footer keeps to the register's keys."""

    def table(self) -> PagedTable:
        """The register's table."""
        return self.query_one(f"#{self.TABLE}", PagedTable)

    def on_mount(self) -> None:
        self.table().focus()
        self.read_register()

    def action_refresh(self) -> None:
        """Read the register again."""
        self.table().expect_rows()
        self.read_register()

    def read_register(self) -> None:
        """Start reading the register; a screen whose reading takes arguments says so here."""
        self._read()

    def _read(self) -> None:
        """The worker that reads the register and posts the screen's ``Loaded`` message."""
        raise NotImplementedError

    def highlighted(self) -> RowT | None:
        """The row under the cursor, or None when the table is empty."""
        row = self.table().current_row
        return row.data if row is not None else None

    class Done(Message):
        """A change was saved, or refused (``error``; then ``retry`` holds what to ask again)."""

        def __init__(self, text: str, *, error: bool = False, retry: Any = None) -> None:
            super().__init__()
            self.text = text
            self.error = error
            self.retry = retry

    def attempt(self, change: Callable[[], str]) -> None:
        """In a worker: make ``change``; the screen hears what it says was done, or the refusal."""
        try:
            text = change()
        except UserError as exc:
            self.post_message(self.Done(str(exc), error=True))
            return
        self.post_message(self.Done(text))

    def ask_again(self, message: RegisterScreen.Done) -> bool:
        """After a refusal with ``retry`` values: open the dialog again with them and the reason
        (True), or only say the reason (False, the default)."""
        return False

    def notice_text(self, text: str) -> str:
        """What the notice after a change says (the text as it is, unless a screen words it)."""
        return text

    def on_register_screen_done(self, message: RegisterScreen.Done) -> None:
        if message.error and message.retry is not None and self.ask_again(message):
            return
        self.notify(self.notice_text(message.text), title=str(self.SUB_TITLE),
                    severity="error" if message.error else "information", timeout=10)
        self.action_refresh()
