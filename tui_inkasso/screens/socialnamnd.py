"""Inställningar → Socialnämnder: the address of socialnämnden in each municipality.

A termination of a dwelling for unpaid rent sends a notice to socialnämnden of the municipality
where the dwelling lies (12 kap. 44 § jordabalken); a run stops for a municipality without an
address here. The table lists every registered board and every municipality of a property that
has none ("Adress saknas", in red). Keys: ``n`` Ny, ``e`` or Enter Ändra, Delete Ta bort, ``i``
Läs in fil (kommun;adress;e-post), F5 reads again.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Static

from tui_inkasso.screens.register import RegisterScreen
from tui_inkasso.services import socialnamnd
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.socialnamnd import Board
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, Dialog, PathPrompt, hold_keys, key_line
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

COLUMNS = [
    Column("municipality", "Kommun", 16),
    Column("address", "Adress", 0, min_width=24),
    Column("properties", "Fastigheter", 11, align="right"),
    Column("changed", "Ändrad", 16),
    Column("email", "E-post", 24),
]


def board_row(board: Board) -> TableRow:
    """A board as a table row; a municipality without an address says so in red."""
    address = Text(", ".join(board.address)) if board.registered else Text("Adress saknas", style="bold red")
    changed = f"{board.changed_at:%Y-%m-%d} {board.changed_by}" if board.changed_at else ""
    return TableRow(board.municipality, (cells.text(board.municipality), address,
                                         Text(str(board.properties), justify="right"), cells.text(changed),
                                         cells.text(board.email)), data=board)


class BoardDialog(Dialog[tuple[str, str, str] | None]):
    """A municipality's board: the municipality, the address (lines separated by commas), an
    e-mail address. Enter moves to the next field and saves from the last; F2 saves; Esc
    cancels. The service checks the values; a refusal is shown here and nothing is saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="board.cancel"),
        Binding("f2", "save", "Spara", id="board.save"),
    ]

    def __init__(self, board: Board | None, municipality: str = "") -> None:
        super().__init__()
        self._board = board
        self._municipality = board.municipality if board else municipality
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Socialnämnd"
            yield Label("Kommun")
            yield Input(self._municipality, id="board-municipality", disabled=bool(self._board and self._board.registered))
            yield Label("Postadress, raderna åtskilda med komma (sista raden med postnummer)")
            yield Input(", ".join(self._board.address) if self._board else "", id="board-address",
                        placeholder="Socialförvaltningen, Box 1234, 751 04 Uppsala")
            yield Label("E-post (om nämnden tar emot meddelanden så)")
            yield Input(self._board.email if self._board else "", id="board-email")
            yield Static("", id="board-error", classes="dialog-error")
            yield Static(key_line("Enter = Nästa fält/Spara · F2 = Spara · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        first = "#board-address" if self._board and self._board.registered else "#board-municipality"
        self.query_one(first, Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        order = ["board-municipality", "board-address", "board-email"]
        index = order.index(str(event.input.id))
        if index + 1 < len(order):
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        """Answer with the three values (the screen saves them)."""
        self.dismiss(tuple(self.query_one(f"#board-{name}", Input).value for name in
                           ("municipality", "address", "email")))  # type: ignore[arg-type]  # three fields, three

    def show_error(self, text: str) -> None:
        """Show why the values were refused, with the focus in the field it is about."""
        self.query_one("#board-error", Static).update(Text(text))
        field = "email" if "e-post" in text else "municipality" if "kommun" in text else "address"
        target = self.query_one(f"#board-{field}", Input)
        if not target.disabled:
            target.focus()

    def action_cancel(self) -> None:
        """Esc: nothing is saved."""
        self.dismiss(None)


class SocialnamndScreen(RegisterScreen[Board]):
    """Socialnämnder: the register of addresses per municipality."""

    TABLE = "socialnamnd-table"

    SUB_TITLE = "Socialnämnder"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Tillbaka", id="screen.back"),
        Binding("n", "new", "Ny", id="socialnamnd.new", tooltip="Lägg in en kommuns socialnämnd"),
        Binding("e", "edit", "Ändra", id="socialnamnd.edit", tooltip="Ändra den markerade kommunens adress"),
        Binding("delete", "delete", "Ta bort", id="socialnamnd.delete", tooltip="Ta bort den markerade adressen"),
        Binding("i", "import_file", "Läs in fil", id="socialnamnd.import",
                tooltip="Läs in adresser från en fil: kommun;adress;e-post, en kommun per rad"),
        Binding("f5", "refresh", "Uppdatera", id="socialnamnd.refresh"),
    ]

    GUARDED = {"new": socialnamnd.set_board, "edit": socialnamnd.set_board,
               "delete": socialnamnd.remove_board, "import_file": socialnamnd.import_boards}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Loaded(Message):
        """The register has been read."""

        def __init__(self, boards: list[Board]) -> None:
            super().__init__()
            self.boards = boards

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(Text("Hit går meddelandet när en bostadshyresgäst sägs upp för obetald hyra (12 kap. 44 § "
                          "jordabalken). En kommun utan adress stoppar uppsägningen."), id="socialnamnd-head")
        table = PagedTable(COLUMNS, id="socialnamnd-table", loading=True, row_keys=("e", "delete"),
                           empty_text="Inga kommuner: lägg in en med n eller läs in en fil med i")
        table.border_title = "Socialnämndernas adresser"
        yield table
        yield Footer()

    @db_work("Socialnämnder", group="socialnamnd-list", exclusive=True)
    def _read(self) -> None:
        self.post_message(self.Loaded(socialnamnd.list_boards()))

    def on_socialnamnd_screen_loaded(self, message: SocialnamndScreen.Loaded) -> None:
        table = self.query_one("#socialnamnd-table", PagedTable)
        table.set_source(ListSource(COLUMNS, [board_row(b) for b in message.boards]))
        missing = [b.municipality for b in message.boards if not b.registered]
        if missing:
            self.notify(f"Adress saknas för {', '.join(missing)}: uppsägningar av bostäder där stoppas.",
                        title="Socialnämnder", severity="warning", timeout=8)

    def action_new(self) -> None:
        """n: a new municipality."""
        self._ask(None)

    def action_edit(self) -> None:
        """e: change the highlighted municipality's address (or give one that has none)."""
        board = self.highlighted()
        if board is None:
            self.notify("Ingen kommun vald.", title="Socialnämnder")
            return
        self._ask(board)

    @on(PagedTable.RowSelected)
    def _selected(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        self._ask(event.row.data)

    def _ask(self, board: Board | None, values: tuple[str, str, str] | None = None, error: str = "") -> None:
        dialog = BoardDialog(board)

        def answered(answer: tuple[str, str, str] | None) -> None:
            if answer is not None:
                self._save(board, answer)

        self.app.push_screen(dialog, answered)
        if values is not None:
            def refill() -> None:
                for name, value in zip(("municipality", "address", "email"), values, strict=True):
                    dialog.query_one(f"#board-{name}", Input).value = value
                dialog.show_error(error)
            self.call_after_refresh(refill)

    @db_work("Socialnämnd: spara", group="socialnamnd-save")
    def _save(self, board: Board | None, values: tuple[str, str, str]) -> None:
        municipality, address, email = values
        try:
            saved = socialnamnd.set_board(municipality, address, email)
        except UserError as exc:
            self.post_message(self.Done(str(exc), error=True, retry=(board, values)))
            return
        self.post_message(self.Done(f"Socialnämnden i {saved.municipality}: {', '.join(saved.address)}"))

    def action_delete(self) -> None:
        """Delete: take the highlighted municipality's address out, after a question."""
        board = self.highlighted()
        if board is None or not board.registered:
            self.notify("Den markerade kommunen har ingen adress att ta bort.", title="Socialnämnder")
            return
        question = (f"Ta bort adressen till socialnämnden i {board.municipality} ({', '.join(board.address)})? "
                    "Uppsägningar av bostäder där stoppas tills en ny adress finns.")
        self.app.push_screen(ConfirmDialog(question, "Ta bort"),
                             lambda yes: self._remove(board.municipality) if yes else None)

    @db_work("Socialnämnd: ta bort", group="socialnamnd-save")
    def _remove(self, municipality: str) -> None:
        def remove() -> str:
            socialnamnd.remove_board(municipality)
            return f"Adressen till socialnämnden i {municipality} är borttagen."

        self.attempt(remove)

    def action_import_file(self) -> None:
        """i: read addresses from a file."""
        self.app.push_screen(
            PathPrompt("Vilken fil? (CSV med rubrikraden kommun;adress;e-post, en kommun per rad.)",
                       Path.home() / "socialnamnder.csv", "Läs in socialnämnder", action="Läs in",
                       check=_readable),
            lambda path: self._import(path) if path else None)

    @db_work("Socialnämnder: läs in", group="socialnamnd-save")
    def _import(self, path: Path) -> None:
        self.attempt(lambda: socialnamnd.import_boards(path).message)

    def ask_again(self, message: RegisterScreen.Done) -> bool:
        """Refused values are asked again, with the reason."""
        board, values = message.retry
        self._ask(board, values, message.text)
        return True


def _readable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a register file, or None."""
    if not path.exists():
        return f"{path} finns inte"
    if not path.is_file():
        return f"{path} är ingen fil"
    return None
