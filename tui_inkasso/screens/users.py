"""Inställningar → Användare: who may use the ledger, and with which role (issue 17).

The table lists every user: the login (the OS account on SQLite, the database role on
PostgreSQL), the role, and who added them when. ``n`` adds a user (login and role), ``e`` gives
the highlighted user another role, Delete removes them after a question; only an administrator
may (the keys are greyed for others and say why), and the ledger keeps at least one
administrator (``services.users`` refuses, and the refusal is shown). Under the table, what each
role may do.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Header, Input, Label, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain.codes import StaffRole, staff_role_label
from tui_inkasso.domain.counts import format_count
from tui_inkasso.screens.register import RegisterScreen
from tui_inkasso.services import permissions, users
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.users import StaffMember
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, Dialog, hold_keys, key_line
from tui_inkasso.widgets.lists import ChoiceList
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

COLUMNS = [
    Column("login", "Användare", 16),
    Column("role", "Roll", 13),
    Column("added", "Tillagd", 16),
    Column("by", "Av", 0, min_width=10),
]

ROLE_WORDS = {
    StaffRole.READER.value: "läser allt och tar ut rapporter",
    StaffRole.CLERK.value: "gör körningar: påminnelser, inkasso, betalningar, saldokorrigeringar, ärenden, hyra",
    StaffRole.ADMIN.value: "ändrar inställningar, ägare och konton, kravnivåer, tjänster och användare; "
                           "godkänner andras ändringar av betalningsvägar",
}
"""What each role may do, as the screen and the dialog say it."""


def member_row(member: StaffMember) -> TableRow:
    """A user as a row (the current user marked "(du)")."""
    login = member.login + (" (du)" if member.is_you else "")
    return TableRow(member.login, (cells.text(login), cells.text(member.role_label),
                                   cells.text(f"{member.added_at:%Y-%m-%d %H:%M}"), cells.text(member.added_by)),
                    data=member)


def role_legend() -> Text:
    """One line per role: its name in bold and what it may do."""
    text = Text()
    for role in StaffRole:
        if text:
            text.append("\n")
        text.append(f"{staff_role_label(role.value)}: ", style="bold")
        text.append(ROLE_WORDS[role.value])
    return text


class UserDialog(Dialog[tuple[str, str] | None]):
    """A user's login (for a new user) and role: Enter in the login moves to the roles, Enter on
    a role answers; Esc cancels. The service checks the values."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="user.save"),
        Binding("escape", "cancel", "Avbryt", id="user.cancel"),
    ]

    def __init__(self, member: StaffMember | None = None, *, login: str = "", error: str = "") -> None:
        super().__init__()
        self._member = member
        self._login = member.login if member else login
        self._error = error
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Roll för {self._member.login}" if self._member else "Ny användare"
            if self._member is None:
                yield Label("Inloggning (SQLite) eller databasroll (PostgreSQL)")
                yield Input(self._login, id="user-login", placeholder="t.ex. anna", max_length=63)
            yield Label("Roll")
            current = self._member.role if self._member else StaffRole.READER.value
            options = [Option(staff_role_label(role.value), id=role.value) for role in StaffRole]
            roles = ChoiceList(*options, id="user-role", markup=False)
            roles.highlighted = [role.value for role in StaffRole].index(current)
            yield roles
            yield Static(role_legend(), id="user-roles")
            yield Static(self._error, id="user-error", classes="dialog-error" + (" -visible" if self._error else ""))
            yield Static(key_line("Enter eller F2 = Spara · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#user-login" if self._member is None else "#user-role").focus()

    @on(Input.Submitted, "#user-login")
    def _to_roles(self) -> None:
        self.query_one("#user-role", ChoiceList).focus()

    @on(ChoiceList.OptionSelected, "#user-role")
    def _chosen(self, event: ChoiceList.OptionSelected) -> None:
        event.stop()
        self._answer(str(event.option.id))

    def action_save(self) -> None:
        """F2: save with the highlighted role, as Enter on it does."""
        roles = self.query_one("#user-role", ChoiceList)
        index = roles.highlighted if roles.highlighted is not None else 0
        self._answer(str(roles.get_option_at_index(index).id))

    def _answer(self, role: str) -> None:
        login = self._member.login if self._member else self.query_one("#user-login", Input).value.strip()
        if not login:
            self.query_one("#user-error", Static).update("Skriv inloggningen först.")
            self.query_one("#user-error", Static).add_class("-visible")
            self.query_one("#user-login", Input).focus()
            return
        self.dismiss((login, role))

    def action_cancel(self) -> None:
        """Esc: nothing is saved."""
        self.dismiss(None)


class UsersScreen(RegisterScreen[StaffMember]):
    """Användare: every user and their role; an administrator adds, changes and removes them."""

    TABLE = "users-table"

    SUB_TITLE = "Användare"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Ny", id="users.new", tooltip="Lägg till en användare"),
        Binding("e", "role", "Ändra roll", id="users.role", tooltip="Ge den markerade användaren en annan roll"),
        Binding("delete", "delete", "Ta bort", id="users.delete", tooltip="Ta bort den markerade användaren"),
        Binding("f5", "refresh", "Uppdatera", id="users.refresh"),
    ]

    GUARDED = {"new": users.add_user, "role": users.set_role, "delete": users.remove_user}

    your_role: var[str | None] = var(None, bindings=True)
    """Your own role as the register lists it (None until read): the keys greyed for your role
    follow it, so an administrator who gives themselves a lesser role sees n, e and Delete
    greyed once the register is read again (the read also renews the role in force)."""

    class Loaded(Message):
        """The users have been read."""

        def __init__(self, members: list[StaffMember]) -> None:
            super().__init__()
            self.members = members

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="users-intro")
        table = PagedTable(COLUMNS, id="users-table", loading=True, row_keys=("e", "delete"),
                           empty_text="Inga användare")
        table.border_title = "Användare"
        yield table
        yield Static(role_legend(), id="users-roles")
        yield Footer()

    @db_work("Användare", group="users-list", exclusive=True)
    def _read(self) -> None:
        self.post_message(self.Loaded(users.list_users()))

    def on_users_screen_loaded(self, message: UsersScreen.Loaded) -> None:
        table = self.query_one("#users-table", PagedTable)
        table.border_title = f"Användare ({format_count(len(message.members))})"
        table.set_source(ListSource(COLUMNS, [member_row(m) for m in message.members]))
        you = next((m for m in message.members if m.is_you), None)
        intro = Text("Vem som får använda reskontran och vad de får göra. ")
        if you is not None:
            intro.append(f"Du är {you.login}, {you.role_label}.")
        if you is None or you.role != StaffRole.ADMIN.value:
            intro.append(" Bara en administratör ändrar användarna.")
        self.query_one("#users-intro", Static).update(intro)
        self.your_role = you.role if you is not None else None

    def action_new(self) -> None:
        """n: add a user."""
        self._ask(None)

    @on(PagedTable.RowSelected, "#users-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        """Enter on a user: their role, as ``e`` (refused and said why for a non-administrator)."""
        event.stop()
        reason = self.refused_action("role")
        if reason is not None:
            self.notify(reason + ".", title="Behörighet saknas", severity="warning",
                        markup=False)
            return
        self.action_role()

    def action_role(self) -> None:
        """e: another role for the highlighted user."""
        member = self.highlighted()
        if member is None:
            self.notify("Ingen användare vald.", title="Användare")
            return
        self._ask(member)

    def _ask(self, member: StaffMember | None, login: str = "", error: str = "") -> None:
        self.app.push_screen(UserDialog(member, login=login, error=error),
                             lambda answer: self._save(member, *answer) if answer else None)

    @db_work("Användare: spara", group="users-save")
    def _save(self, member: StaffMember | None, login: str, role: str) -> None:
        try:
            change = users.add_user(login, role) if member is None else users.set_role(login, role)
        except UserError as exc:
            self.post_message(self.Done(str(exc), error=True, retry=(member, login, role)))
            return
        permissions.forget_sessions()
        notes = "".join(f" {note[0].upper()}{note[1:]}." for note in change.notes)
        verb = "är nu användare:" if member is None else "är nu"
        self.post_message(self.Done(f"{change.member.login} {verb} {change.member.role_label}.{notes}"))

    def action_delete(self) -> None:
        """Delete: remove the highlighted user, after a question."""
        member = self.highlighted()
        if member is None:
            self.notify("Ingen användare vald.", title="Användare")
            return
        you = " Det är du: du kommer inte längre åt reskontran." if member.is_you else ""
        question = f"Ta bort {member.login} ({member.role_label}) som användare i reskontran?{you}"
        self.app.push_screen(ConfirmDialog(question, "Ta bort användare"),
                             lambda yes: self._remove(member.login) if yes else None)

    @db_work("Användare: ta bort", group="users-save")
    def _remove(self, login: str) -> None:
        def remove() -> str:
            users.remove_user(login)
            return f"{login} är inte längre användare i reskontran."

        self.attempt(remove)

    def ask_again(self, message: RegisterScreen.Done) -> bool:
        """A refused login or role is asked again; a refused permission ("får inte") is only said."""
        if "får inte" in message.text:
            return False
        member, login, _role = message.retry
        self._ask(member, login, message.text)
        return True
