"""Inställningar → Godkännanden: changes of payment routing and data egress that wait for a
second administrator (four eyes, issue 17).

A change of the agency's bankgiro/plusgiro, the upload server and its files, the e-mail server,
an owner's giro numbers or accounts, or a scheduled service's e-mail recipients is a proposal
until another administrator than its proposer approves it; the old value is in force until then.
The table lists the waiting proposals (``v`` shows every proposal, decided ones too): what is
changed, from what to what, who proposed it and when. Enter shows one in full. ``g`` Godkänn
puts it in force after a question naming the change; ``a`` Avslå turns it down (its proposer may
withdraw it so too). An administrator's own proposal cannot be approved by them: the service
refuses and the screen says so.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Static

from tui_inkasso.domain.codes import ProposalStatus
from tui_inkasso.domain.counts import format_count
from tui_inkasso.screens.register import RegisterScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import approvals
from tui_inkasso.services.approvals import ProposalInfo
from tui_inkasso.services.clock import current_user
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

NARROW, MEDIUM = 110, 130
"""Table widths (inside the border) below which columns move to the end of the row."""

COLUMNS = [
    Column("id", "Nr", 4, align="right"),
    Column("label", "Vad", 40),
    Column("new", "Nytt värde", 0, min_width=14),
    Column("old", "Gäller nu", 0, min_width=10, later_below=NARROW),
    Column("by", "Föreslagen av", 13, later_below=NARROW),
    Column("at", "När", 16, later_below=MEDIUM),
    Column("status", "Läge", 9, later_below=MEDIUM),
]
"""What is proposed first: the setting's name ("Vad", whole: the longest is "Fil med kända
SFTP-servrar (known_hosts)") and the new value; at 120 columns the value in force and who
proposed it too, at 80 columns only those two. The rest is a Right away, and Enter shows a
proposal whole. With every column in the first view "Vad" kept 19 characters at 80 columns."""


def proposal_row(proposal: ProposalInfo) -> TableRow:
    """A proposal as a row."""
    return TableRow(str(proposal.id), (
        Text(str(proposal.id), justify="right"), cells.text(proposal.label), cells.text(proposal.new_text),
        cells.text(proposal.old_text), cells.text(proposal.proposed_by),
        cells.text(f"{proposal.proposed_at:%Y-%m-%d %H:%M}"), cells.text(proposal.status_label),
    ), data=proposal)


def proposal_text(proposal: ProposalInfo) -> str:
    """One proposal in full, for its detail view and the questions."""
    lines = [f"Förslag {proposal.id}: {proposal.label}",
             f"Nyckel: {proposal.key}",
             f"Gäller nu: {proposal.old_text}",
             f"Föreslaget: {proposal.new_text}",
             f"Föreslaget av {proposal.proposed_by} {proposal.proposed_at:%Y-%m-%d %H:%M}",
             f"Läge: {proposal.status_label}"]
    if proposal.decided_by:
        lines.append(f"Beslutat av {proposal.decided_by} {proposal.decided_at:%Y-%m-%d %H:%M}")
    if proposal.waits_for_second_admin:
        lines.append("Reskontran har ingen annan administratör än den som föreslog ändringen: lägg till "
                     "en under Inställningar → Användare, som sedan godkänner den.")
    return "\n".join(lines)


class ApprovalsScreen(RegisterScreen[ProposalInfo]):
    """Godkännanden: the waiting proposals; g approves, a rejects, Enter shows one in full."""

    TABLE = "approvals-table"

    SUB_TITLE = "Godkännanden"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "approve", "Godkänn", id="approvals.approve",
                tooltip="Godkänn det markerade förslaget: ändringen gäller direkt"),
        Binding("a", "reject", "Avslå", id="approvals.reject", tooltip="Avslå det markerade förslaget"),
        Binding("v", "toggle_all", "Alla/väntande", id="approvals.all",
                tooltip="Visa alla förslag, även beslutade, eller bara väntande"),
        Binding("f5", "refresh", "Uppdatera", id="approvals.refresh"),
    ]

    FOOTER_MAIN: ClassVar[tuple[str, ...]] = ("approvals.approve", "approvals.reject")

    GUARDED = {"approve": approvals.approve, "reject": approvals.reject}

    show_all: var[bool] = var(False)
    """Every proposal (True) or only the waiting ones."""

    class Loaded(Message):
        """The proposals have been read."""

        def __init__(self, proposals: list[ProposalInfo]) -> None:
            super().__init__()
            self.proposals = proposals

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(Text("Ändringar av betalningsvägar och mottagare gäller först när en annan administratör "
                          "än den som föreslog dem har godkänt dem; till dess gäller det gamla värdet."),
                     id="approvals-intro")
        table = PagedTable(COLUMNS, id="approvals-table", loading=True, row_keys=("g", "a"),
                           empty_text="Inga förslag väntar på godkännande")
        table.border_title = "Väntar på godkännande"
        yield table
        yield Footer()

    def action_toggle_all(self) -> None:
        """v: every proposal, or only the waiting ones."""
        self.show_all = not self.show_all
        self.action_refresh()

    def read_register(self) -> None:
        """The waiting proposals, or all of them (v)."""
        self._read(self.show_all)

    @db_work("Godkännanden", group="approvals-list", exclusive=True)
    def _read(self, every: bool) -> None:
        status = None if every else ProposalStatus.PENDING.value
        self.post_message(self.Loaded(approvals.list_approvals(status=status)))

    def on_approvals_screen_loaded(self, message: ApprovalsScreen.Loaded) -> None:
        table = self.query_one("#approvals-table", PagedTable)
        what = "Alla förslag" if self.show_all else "Väntar på godkännande"
        table.border_title = f"{what} ({format_count(len(message.proposals))})"
        table.empty_text = "Inga förslag" if self.show_all else "Inga förslag väntar på godkännande"
        table.set_source(ListSource(COLUMNS, [proposal_row(p) for p in message.proposals]))

    @on(PagedTable.RowSelected, "#approvals-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        proposal: ProposalInfo = event.row.data
        self.app.push_screen(TextScreen(f"Förslag {proposal.id}", proposal_text(proposal)))

    def _waiting(self) -> ProposalInfo | None:
        proposal = self.highlighted()
        if proposal is None:
            self.notify("Inget förslag valt.", title="Godkännanden")
            return None
        if proposal.status != ProposalStatus.PENDING.value:
            self.notify(f"Förslag {proposal.id} väntar inte längre ({proposal.status_label.lower()}).",
                        title="Godkännanden")
            return None
        return proposal

    def action_approve(self) -> None:
        """g: put the highlighted proposal in force, after a question naming it."""
        proposal = self._waiting()
        if proposal is None:
            return
        if proposal.proposed_by == current_user():
            self.notify(f"Du lade förslag {proposal.id} själv: en annan administratör måste godkänna det.",
                        title="Behörighet saknas", severity="warning")
            return
        question = (f"Godkänna förslag {proposal.id}? {proposal.label}: {proposal.old_text} → {proposal.new_text} "
                    f"(föreslaget av {proposal.proposed_by}). Ändringen gäller direkt.")
        self.app.push_screen(ConfirmDialog(question, "Godkänn ändring"),
                             lambda yes: self._decide(proposal.id, True) if yes else None)

    def action_reject(self) -> None:
        """a: turn the highlighted proposal down, after a question."""
        proposal = self._waiting()
        if proposal is None:
            return
        question = (f"Avslå förslag {proposal.id}? {proposal.label} förblir {proposal.old_text} "
                    f"(föreslaget: {proposal.new_text}, av {proposal.proposed_by}).")
        self.app.push_screen(ConfirmDialog(question, "Avslå ändring"),
                             lambda yes: self._decide(proposal.id, False) if yes else None)

    @db_work("Godkännanden: beslut", group="approvals-save")
    def _decide(self, proposal_id: int, approve: bool) -> None:
        def decide() -> str:
            done = approvals.approve(proposal_id) if approve else approvals.reject(proposal_id)
            return (f"Förslag {done.id} godkänt: {done.label} är nu {done.new_text}." if approve else
                    f"Förslag {done.id} avslaget: {done.label} är fortfarande {done.old_text}.")

        self.attempt(decide)

    def notice_text(self, text: str) -> str:
        """The service's refusals start in lower case; the notice starts with a capital."""
        return text[0].upper() + text[1:]
