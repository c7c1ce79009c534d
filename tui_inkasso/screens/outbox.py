"""Verktyg → Utkorg: every file on its way to the collection agency, and what became of it.

Waiting files (with the last error and the next attempt), files being sent, sent files (when
and where) and failed files with the reason. Keys: I = Skicka igen (resend the highlighted
file: for a sent file the server already has it and nothing is sent twice), A = Skicka väntande
(send what is due now instead of waiting for the daemon), F = which statuses are shown,
Enter = the whole record, F5 = Uppdatera. Sending runs in a thread worker: a server that does not
answer takes up to its timeout, and the screen stays usable meanwhile.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Static

from tui_inkasso.domain.counts import count_of
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import outbox
from tui_inkasso.services.outbox import DeliveryResult, OutboxEntry
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

OUTBOX_COLUMNS = [
    Column("status", "Status", 11),
    Column("file", "Fil", 0, min_width=20),
    Column("created", "Skapad", 16),
    Column("attempts", "Försök", 6, align="right"),
    Column("when", "Skickad / nästa försök", 22),
    Column("reason", "Händelse", 0, min_width=20, sortable=False),
]

STATUS_STYLES = {"waiting": "yellow", "sending": "cyan", "sent": "green", "failed": "bold red"}

FILTERS: list[tuple[str | None, str]] = [
    (None, "Alla"),
    ("waiting", "Väntar"),
    ("failed", "Misslyckade"),
    ("sent", "Skickade"),
]
"""What F cycles through."""


def outbox_row(entry: OutboxEntry) -> TableRow:
    """An outbox record as a row."""
    if entry.status == "sent":
        when = cells.date(entry.sent_at)
        event = f"{entry.remote_path}"
    elif entry.status == "waiting":
        when = cells.date(entry.next_attempt_at) if entry.last_error else Text("snart")
        event = entry.last_error or "väntar på att skickas"
    else:
        when = Text("")
        event = entry.last_error
    event = _without_place(entry, event)
    if not entry.local_exists:
        event = f"Lokala filen saknas! {event}"
    return TableRow(
        str(entry.id),
        (
            Text(entry.status_label, style=STATUS_STYLES.get(entry.status, "")),
            cells.text(entry.file_name),
            cells.date(entry.created_at),
            Text(str(entry.attempts), justify="right"),
            when,
            cells.text(event.splitlines()[0] if event else ""),
        ),
        data=entry,
    )


def _without_place(entry: OutboxEntry, message: str) -> str:
    """A reason without the place it names first ("FTP-servern h:21 (vid ...): ", "/path/file: ").

    The row already shows the file, and the server is the same for every row, so the narrow column
    starts with what went wrong; Enter shows the whole message.
    """
    place, colon, reason = message.partition(": ")
    host = urlsplit(entry.target_url).hostname or ""
    if colon and reason and ((host and host in place) or entry.file_name in place):
        return reason
    return message


def entry_text(entry: OutboxEntry) -> str:
    """The whole record, for the Enter view."""
    lines = [
        f"Status: {entry.status_label}",
        f"Fil: {entry.path}" + ("" if entry.local_exists else "  (finns inte längre lokalt!)"),
        f"Slag: {entry.kind_label}",
        f"Server: {entry.target_url}",
        f"Storlek: {entry.size} byte, SHA-256 {entry.sha256}",
        f"Skapad: {entry.created_at:%Y-%m-%d %H:%M:%S}",
        f"Försök: {entry.attempts}",
    ]
    if entry.sent_at:
        lines.append(f"Skickad: {entry.sent_at:%Y-%m-%d %H:%M:%S} som {entry.remote_path}")
    if entry.status == "waiting" and entry.next_attempt_at:
        lines.append(f"Nästa försök: {entry.next_attempt_at:%Y-%m-%d %H:%M:%S}")
    if entry.last_error:
        lines += ["", "Senaste fel:", entry.last_error]
    return "\n".join(lines)


class OutboxScreen(BaseScreen):
    """Utkorg: waiting, sent and failed files; resend."""

    SUB_TITLE = "Utkorg"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "resend", "Skicka igen", id="outbox.resend", tooltip="Skicka den markerade filen igen"),
        Binding("a", "send_due", "Skicka väntande", id="outbox.send_due",
                tooltip="Skicka alla väntande filer nu"),
        Binding("f", "next_filter", "Visa", id="outbox.filter", tooltip="Alla, väntande, misslyckade, skickade"),
        Binding("f5", "refresh", "Uppdatera", id="outbox.refresh"),
    ]

    GUARDED = {"resend": outbox.resend, "send_due": outbox.deliver_pending}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Loaded(Message):
        """The records have been read."""

        def __init__(self, entries: list[OutboxEntry], counts: dict[str, int]) -> None:
            super().__init__()
            self.entries = entries
            self.counts = counts

    class Sent(Message):
        """A send (or resend) has finished."""

        def __init__(self, results: list[DeliveryResult]) -> None:
            super().__init__()
            self.results = results

    def __init__(self) -> None:
        super().__init__()
        self.filter_index = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="outbox-counts")
        yield PagedTable(OUTBOX_COLUMNS, id="outbox-table", empty_text="Utkorgen är tom", loading=True,
                         row_keys=("i",))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#outbox-table", PagedTable).focus()
        self.action_refresh()

    highlighted: var[OutboxEntry | None] = var(None, bindings=True)
    """The record under the cursor (None while none is): Skicka igen applies to it."""

    def selected(self) -> OutboxEntry | None:
        """The record under the table's cursor, read from the table (``highlighted`` follows it only
        once RowHighlighted is handled: a key typed right after Down acted on the row left)."""
        if not self.is_mounted:
            return self.highlighted
        row = self.query_one("#outbox-table", PagedTable).current_row
        return row.data if row is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Skicka igen only with a record highlighted."""
        if action == "resend" and self.is_mounted:
            return True if self.selected() is not None else None
        return True

    @on(PagedTable.RowHighlighted, "#outbox-table")
    @on(PagedTable.Loaded, "#outbox-table")
    def _highlight_changed(self) -> None:
        row = self.query_one("#outbox-table", PagedTable).current_row
        self.highlighted = row.data if row is not None else None

    # -- loading

    def action_refresh(self) -> None:
        """Read the outbox again."""
        self._load(FILTERS[self.filter_index][0])

    def action_next_filter(self) -> None:
        """Show the next group of statuses."""
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.action_refresh()

    @db_work("Utkorg", group="outbox", exclusive=True)
    def _load(self, status: str | None) -> None:
        entries = outbox.list_outbox(status)
        counts = outbox.status_counts()
        self.post_message(self.Loaded(entries, counts))

    def on_outbox_screen_loaded(self, message: OutboxScreen.Loaded) -> None:
        counts = message.counts
        self.query_one("#outbox-counts", Static).update(Text(
            f"Väntar {counts.get('waiting', 0)}   Skickas {counts.get('sending', 0)}   "
            f"Skickade {counts.get('sent', 0)}   Misslyckade {counts.get('failed', 0)}   "
            f"Visar: {FILTERS[self.filter_index][1]} (F byter)"
        ))
        table = self.query_one("#outbox-table", PagedTable)
        table.border_title = count_of(len(message.entries), "fil", "filer")
        table.set_source(ListSource(OUTBOX_COLUMNS, [outbox_row(e) for e in message.entries]))

    # -- sending

    def action_resend(self) -> None:
        """Resend the highlighted file (a person's decision: also after a failure)."""
        entry = self.selected()
        if entry is None:
            return
        self.notify(f"{entry.file_name} skickas …", title="Skicka igen", timeout=3)
        self._send(entry.id)

    def action_send_due(self) -> None:
        """Send what is waiting and due now."""
        self._send(None)

    @db_work("Skicka", group="outbox-send")
    def _send(self, outbox_id: int | None) -> None:
        results = [outbox.resend(outbox_id)] if outbox_id is not None else outbox.deliver_pending()
        self.post_message(self.Sent(results))

    def on_outbox_screen_sent(self, message: OutboxScreen.Sent) -> None:
        results = message.results
        if not results:
            self.notify("Inget väntar på att skickas just nu.", title="Utkorg")
        for result in results:
            name = result.path.rsplit("/", 1)[-1]
            if result.status == "sent":
                note = " (fanns redan på servern)" if result.already_delivered else ""
                self.notify(f"{name} skickades som {result.remote_path}{note}.", title="Skickad")
            elif result.status == "waiting":
                self.notify(f"{name}: {result.error}", title="Väntar, nytt försök senare",
                            severity="warning", timeout=12)
            else:
                self.notify(f"{name}: {result.error}", title="Kunde inte skickas", severity="error", timeout=20)
        self.action_refresh()

    @on(PagedTable.RowSelected, "#outbox-table")
    def _show(self, event: PagedTable.RowSelected) -> None:
        entry: OutboxEntry = event.row.data
        self.app.push_screen(TextScreen(f"Utkorg {entry.id} – {entry.file_name}", entry_text(entry)))
