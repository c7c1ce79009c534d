"""The people who may use a ledger and their roles (Inställningar → Användare, `tui-inkasso
users`, issue 17).

A user is a login the program knows without asking (``clock.current_user``): the OS account on
SQLite, the database role on PostgreSQL. An administrator adds, changes and removes users; the
ledger always keeps at least one administrator (the last one cannot be removed or made something
else, not even by themselves). On PostgreSQL the database role is created and given exactly what
its role needs in the same transaction (``services.database_roles``: a reader's role may only
SELECT), so a hand-written SQL session cannot do more than the app lets it. Every change is in
the audit log.
"""

from __future__ import annotations

import datetime as dt
import pwd
import re
from dataclasses import dataclass

from tui_inkasso.db.models import StaffUser
from tui_inkasso.domain.codes import StaffRole, staff_role_label
from tui_inkasso.services import audit, database_roles, permissions
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import is_postgres, write_transaction

LOGIN_PATTERN = re.compile(r"[a-z_][a-z0-9_.-]{0,62}")
"""A login as Linux and PostgreSQL both take it without quoting surprises: lowercase letters,
digits, "_", "." and "-", starting with a letter or "_", at most 63 characters."""


class UserListError(UserError):
    """A login or role that cannot be used; the message says why."""


@dataclass(frozen=True)
class StaffMember:
    """A user of the ledger as the screen and ``users list`` show them."""

    login: str
    role: str
    added_at: dt.datetime
    added_by: str
    is_you: bool

    @property
    def role_label(self) -> str:
        """"Läsare", "Handläggare" or "Administratör"."""
        return staff_role_label(self.role)

    def as_json(self) -> dict[str, str | bool]:
        """``users list --json``: codes, the time ISO."""
        return {"login": self.login, "role": self.role, "added_at": self.added_at.isoformat(sep=" "),
                "added_by": self.added_by, "you": self.is_you}


@dataclass(frozen=True)
class UserChange:
    """What an add or a change did: the user as stored, and a note for the administrator (an OS
    account that does not exist on this computer, a database role that was created)."""

    member: StaffMember
    notes: tuple[str, ...] = ()


def check_login(text: str) -> str:
    """The login as stored, or UserListError saying what a login may hold."""
    login = text.strip()
    if not LOGIN_PATTERN.fullmatch(login):
        raise UserListError(f"{login!r} är inget användarnamn: små bokstäver a–z, siffror, _ . och -, "
                            "först en bokstav, högst 63 tecken")
    return login


def check_role(text: str) -> StaffRole:
    """A role code (reader, clerk, admin) or its Swedish name, or UserListError naming them."""
    value = text.strip().lower()
    for role in StaffRole:
        if value in (role.value, staff_role_label(role.value).lower()):
            return role
    raise UserListError(f"okänd roll {text.strip()!r}; välj reader (Läsare), clerk (Handläggare) eller "
                        "admin (Administratör)")


@reads
def list_users() -> list[StaffMember]:
    """Every user, administrators first, then by login."""
    you = current_user()
    order = {role.value: -rank for rank, role in enumerate(StaffRole)}
    rows = sorted(StaffUser.select(), key=lambda row: (order.get(row.role, 0), row.login))
    return [_member(row, you) for row in rows]


@requires(StaffRole.ADMIN, "lägga till användare")
def add_user(login: str, role: str) -> UserChange:
    """Add a user with ``role`` (on PostgreSQL also their database role and its grants)."""
    name, wanted = check_login(login), check_role(role)
    with write_transaction():
        if StaffUser.get_or_none(StaffUser.login == name) is not None:
            raise Conflict(f"{name} är redan användare (ändra rollen med tui-inkasso users set-role)")
        StaffUser.create(login=name, role=wanted.value, added_at=now(), added_by=current_user())
        notes = _database_grants(name, wanted)
        audit.record("user.added", "staff_user", name, {"role": wanted.value})
        member = _member(StaffUser.get(StaffUser.login == name), current_user())
    permissions.forget_sessions()
    return UserChange(member, notes + _os_account_note(name))


@requires(StaffRole.ADMIN, "ändra användares roller")
def set_role(login: str, role: str) -> UserChange:
    """Give a user another role; the last administrator stays one."""
    name, wanted = check_login(login), check_role(role)
    with write_transaction():
        row = _row(name)
        if row.role == wanted.value:
            return UserChange(_member(row, current_user()))
        if row.role == StaffRole.ADMIN.value:
            _keep_an_admin(name, f"{name} kan inte bli {staff_role_label(wanted.value)}")
        StaffUser.update(role=wanted.value).where(StaffUser.login == name).execute()
        notes = _database_grants(name, wanted)
        audit.record("user.role", "staff_user", name, {"old": row.role, "new": wanted.value})
        member = _member(StaffUser.get(StaffUser.login == name), current_user())
    permissions.forget_sessions()
    return UserChange(member, notes)


@requires(StaffRole.ADMIN, "ta bort användare")
def remove_user(login: str) -> None:
    """Take a user out of the ledger (on PostgreSQL their role loses its grants here; the role
    itself is kept, other databases may use it)."""
    name = check_login(login)
    with write_transaction():
        row = _row(name)
        if row.role == StaffRole.ADMIN.value:
            _keep_an_admin(name, f"{name} kan inte tas bort")
        row.delete_instance()
        if is_postgres():
            database_roles.revoke(name)
        audit.record("user.removed", "staff_user", name, {"role": row.role})
    permissions.forget_sessions()


def _row(login: str) -> StaffUser:
    row = StaffUser.get_or_none(StaffUser.login == login)
    if row is None:
        raise NotFound(f"{login} är ingen användare i reskontran")
    return row


def _keep_an_admin(login: str, refused: str) -> None:
    others = StaffUser.select().where((StaffUser.role == StaffRole.ADMIN.value) & (StaffUser.login != login)).count()
    if not others:
        raise Conflict(f"{refused}: {login} är reskontrans enda administratör, och en reskontra måste ha "
                       "minst en; lägg till en administratör till först")


def _database_grants(login: str, role: StaffRole) -> tuple[str, ...]:
    """On PostgreSQL: the database role exists and has what ``role`` needs; what was done."""
    return tuple(database_roles.grant(login, role)) if is_postgres() else ()


def _os_account_note(login: str) -> tuple[str, ...]:
    """On SQLite: a login without an account on this computer cannot open the ledger here."""
    if is_postgres():
        return ()
    try:
        pwd.getpwnam(login)
    except KeyError:
        return (f"det finns inget konto {login!r} på den här datorn; användaren kommer åt reskontran "
                "först när kontot finns (inloggningen är användarnamnet)",)
    return ()


def _member(row: StaffUser, you: str) -> StaffMember:
    return StaffMember(row.login, row.role, row.added_at, row.added_by, row.login == you)


@reads
def who_am_i() -> StaffMember:
    """The current user as a member of the ledger (the session's role, first claiming a ledger
    without users): for ``init``, the app's header and ``users list``."""
    held = permissions.session_role()
    return _member(_row(held.login), held.login)
