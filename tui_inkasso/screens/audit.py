"""Verktyg → Granskningslogg: who did what, and when (``services.audit.recent``).

The latest entries, newest first, in a PagedTable, in words: the action and the object by their
Swedish names, the details as ``services.audit.readable_details`` words them. The filter box
(``/``) narrows them to entries whose text contains what is typed: the words shown, or the stored
codes and text (``invoice.excluded``, ``collection_case``), so an admin can still search by code.
Enter shows the whole entry, words and codes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header

from tui_inkasso.domain.counts import count_of
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import audit
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.filter_field import FilterField
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


class AuditScreen(BaseScreen):
    """The audit log, newest first."""

    SUB_TITLE = "Granskningslogg"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Uppdatera", id="audit.refresh"),
    ]

    class Loaded(Message):
        """Entries have arrived."""

        def __init__(self, lines: list[audit.AuditLine]) -> None:
            super().__init__()
            self.lines = lines

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
        self._load()

    @db_work("Granskningslogg", group="audit", exclusive=True)
    def _load(self) -> None:
        lines = audit.recent(limit=AUDIT_LIMIT)
        self.post_message(self.Loaded(lines))

    def on_audit_screen_loaded(self, message: AuditScreen.Loaded) -> None:
        table = self.query_one("#audit-table", PagedTable)
        rows = [audit_row(i, line) for i, line in enumerate(message.lines)]
        table.border_title = f"Senaste {count_of(len(rows), 'händelse', 'händelser')}"
        table.set_source(ListSource(AUDIT_COLUMNS, rows, sort_value=_sort_value, matches=_matches),
                         filter=self.query_one("#audit-filter", FilterField).text)

    @on(PagedTable.RowSelected, "#audit-table")
    def _show(self, event: PagedTable.RowSelected) -> None:
        line: audit.AuditLine = event.row.data
        self.app.push_screen(TextScreen(f"Granskningslogg – {line.action_label}", entry_text(line)))

