"""Verktyg → Granskningslogg: who did what, and when (``services.audit.recent``).

The latest entries, newest first, in a PagedTable, in words: the action and the object by their
Swedish names, the details as ``services.audit.readable_details`` words them. The filter box
(``/``) narrows them to entries whose text contains what is typed: the words shown, or the stored
codes and text (``invoice.excluded``, ``collection_case``), so an admin can still search by code.
``u`` shows one user's entries (issue 17: who did what, by the identity the program knows):
the latest :data:`AUDIT_LIMIT` of that user, read from the database, not only those among the
latest of everyone. Enter shows the whole entry, words and codes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain.counts import count_of
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import audit
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import Dialog, hold_keys, key_line
from tui_inkasso.widgets.filter_field import FilterField
from tui_inkasso.widgets.lists import ChoiceList
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

AUDIT_LIMIT = 2000
"""Entries read at most; older ones are for the database, not the screen."""

AUDIT_COLUMNS = [
    Column("at", "Tid", 16),
    Column("user", "Användare", 12),
    Column("action_label", "Händelse", 23),
    Column("object_label", "Objekt", 27),
    Column("details", "Detaljer", 0, sortable=False, min_width=20),
]


def audit_row(index: int, line: audit.AuditLine) -> TableRow:
    """An audit entry as a table row, in words."""
    return TableRow(
        str(index),
        (
            cells.date(line.at),
            cells.text(line.user),
            cells.text(line.action_label),
            cells.text(line.object_label),
            cells.text(line.readable_details),
        ),
        data=line,
    )


def entry_text(line: audit.AuditLine) -> str:
    """The whole entry for the Enter view: words first, the stored codes and text after."""
    lines = [
        f"Tid: {line.at:%Y-%m-%d %H:%M:%S}",
        f"Användare: {line.user}",
        f"Händelse: {line.action_label}  (kod {line.action})",
        f"Objekt: {line.object_label}  (kod {line.object_type})",
        "",
        line.readable_details or "(inga detaljer)",
    ]
    if line.has_codes:
        lines += ["", "Sparade uppgifter:", line.details]
    return "\n".join(lines)


def _sort_value(row: TableRow, key: str) -> object:
    return getattr(row.data, key)


def _matches(row: TableRow, text: str) -> bool:
    """The text occurs in what is shown or in the stored codes and details."""
    line: audit.AuditLine = row.data
    needle = text.lower()
    shown = (cell.plain if isinstance(cell, Text) else cell for cell in row.cells)
    stored = (line.action, line.object_type, line.object_id, line.details)
    return any(needle in value.lower() for values in (shown, stored) for value in values)


EVERYONE = "(alla)"
"""The choice that shows every user's entries again."""


class UserChoice(Dialog[str | None]):
    """Whose entries to show: everyone, or one of the users in the log (Enter chooses, Esc
    keeps the filter as it is)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="audit_user.cancel"),
    ]

    def __init__(self, users: list[str], current: str | None) -> None:
        super().__init__()
        self._users = users
        self._current = current
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Visa händelser av"
            options = [Option("Alla användare", id=EVERYONE), *(Option(user, id=user) for user in self._users)]
            choices = ChoiceList(*options, id="audit-users", markup=False)
            ids = [EVERYONE, *self._users]
            choices.highlighted = ids.index(self._current) if self._current in ids else 0
            yield choices
            yield Static(key_line("Enter = Välj · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#audit-users", ChoiceList).focus()

    @on(ChoiceList.OptionSelected, "#audit-users")
    def _chosen(self, event: ChoiceList.OptionSelected) -> None:
        event.stop()
        self.dismiss(str(event.option.id))

    def action_cancel(self) -> None:
        """Esc: the filter stays."""
        self.dismiss(None)


class AuditScreen(BaseScreen):
    """The audit log, newest first; ``u`` narrows it to one user."""

    SUB_TITLE = "Granskningslogg"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "user", "Användare", id="audit.user", tooltip="Visa bara en användares händelser"),
        Binding("f5", "refresh", "Uppdatera", id="audit.refresh"),
    ]

    user: str | None = None
    """Whose entries are shown (None: everyone's)."""

    class Loaded(Message):
        """Entries have arrived."""

        def __init__(self, lines: list[audit.AuditLine]) -> None:
            super().__init__()
            self.lines = lines

    class Users(Message):
        """The users of the log, to choose from."""

        def __init__(self, users: list[str]) -> None:
            super().__init__()
            self.users = users

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield FilterField("/ Filtrera: användare, händelse, objekt, text eller kod", tables=("#audit-table",),
                          id="audit-filter")
        yield PagedTable(AUDIT_COLUMNS, id="audit-table", empty_text="Inga händelser", page_size=200, loading=True,
                         no_match="Inga händelser matchar '{filter}'")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-table", PagedTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the latest entries again."""
        self._load(self.user)

    def action_user(self) -> None:
        """u: choose whose entries to show."""
        self._read_users()

    @db_work("Granskningslogg: användare", group="audit-users", exclusive=True)
    def _read_users(self) -> None:
        self.post_message(self.Users(audit.audit_users()))

    def on_audit_screen_users(self, message: AuditScreen.Users) -> None:
        self.app.push_screen(UserChoice(message.users, self.user or EVERYONE), self._user_chosen)

    def _user_chosen(self, choice: str | None) -> None:
        if choice is None:
            return
        self.user = None if choice == EVERYONE else choice
        self.query_one("#audit-table", PagedTable).expect_rows()
        self.action_refresh()

    @db_work("Granskningslogg", group="audit", exclusive=True)
    def _load(self, user: str | None) -> None:
        lines = audit.recent(limit=AUDIT_LIMIT, user=user)
        self.post_message(self.Loaded(lines))

    def on_audit_screen_loaded(self, message: AuditScreen.Loaded) -> None:
        table = self.query_one("#audit-table", PagedTable)
        rows = [audit_row(i, line) for i, line in enumerate(message.lines)]
        by = f" av {self.user}" if self.user else ""
        table.border_title = f"Senaste {count_of(len(rows), 'händelse', 'händelser')}{by}"
        table.set_source(ListSource(AUDIT_COLUMNS, rows, sort_value=_sort_value, matches=_matches),
                         filter=self.query_one("#audit-filter", FilterField).text)

    @on(PagedTable.RowSelected, "#audit-table")
    def _show(self, event: PagedTable.RowSelected) -> None:
        line: audit.AuditLine = event.row.data
        self.app.push_screen(TextScreen(f"Granskningslogg – {line.action_label}", entry_text(line)))

