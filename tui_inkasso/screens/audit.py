"""Verktyg → Granskningslogg: who did what, and when (``services.audit.recent``).

The latest entries, newest first, in a PagedTable; the filter box narrows them to entries whose
text contains what is typed (user, action, object or details).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, Input

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import audit
from tui_inkasso.services.threads import thread_connection
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

AUDIT_LIMIT = 2000
"""Entries read at most; older ones are for the database, not the screen."""

AUDIT_COLUMNS = [
    Column("at", "Tid", 16),
    Column("user", "Användare", 12),
    Column("action", "Händelse", 22),
    Column("object_type", "Objekt", 16),
    Column("object_id", "Id", 18),
    Column("details", "Detaljer", 0, sortable=False, min_width=20),
]


def audit_row(index: int, line: audit.AuditLine) -> TableRow:
    """An audit entry as a table row."""
    return TableRow(
        str(index),
        (
            cells.date(line.at),
            cells.text(line.user),
            cells.text(line.action),
            cells.text(line.object_type),
            cells.text(line.object_id),
            cells.text(line.details),
        ),
        data=line,
    )


def _sort_value(row: TableRow, key: str) -> object:
    return getattr(row.data, key)


class AuditScreen(BaseScreen):
    """The audit log, newest first."""

    SUB_TITLE = "Granskningslogg"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "focus_filter", "Filtrera", id="audit.filter"),
        Binding("f5", "refresh", "Uppdatera", id="audit.refresh"),
    ]

    class Loaded(Message):
        """Entries have arrived."""

        def __init__(self, lines: list[audit.AuditLine]) -> None:
            super().__init__()
            self.lines = lines

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Input(placeholder="Filtrera: användare, händelse, objekt eller text", id="audit-filter")
        yield PagedTable(AUDIT_COLUMNS, id="audit-table", empty_text="Inga händelser", page_size=200)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-table", PagedTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the latest entries again."""
        self._load()

    def action_focus_filter(self) -> None:
        """Move to the filter box."""
        self.query_one("#audit-filter", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit", name="Granskningslogg")
    def _load(self) -> None:
        with thread_connection():
            lines = audit.recent(limit=AUDIT_LIMIT)
        self.post_message(self.Loaded(lines))

    def on_audit_screen_loaded(self, message: AuditScreen.Loaded) -> None:
        table = self.query_one("#audit-table", PagedTable)
        rows = [audit_row(i, line) for i, line in enumerate(message.lines)]
        table.border_title = f"Senaste {len(rows)} händelser"
        table.set_source(ListSource(AUDIT_COLUMNS, rows, sort_value=_sort_value))

    @on(Input.Changed, "#audit-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.query_one("#audit-table", PagedTable).set_filter(event.value.strip())

    @on(Input.Submitted, "#audit-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#audit-table", PagedTable).focus()
