"""Who may do what (issue 17), checked where the work is done: in the services.

Every service function that the app, the command line or the daemon calls is an entry point and
says what it needs with one decorator: :func:`reads` (every user of the ledger: read, preview,
export a report) or :func:`requires` with a role and what it does in words
(``@requires(StaffRole.CLERK, "skapa påminnelser och krav")``). The decorator asks who the user
is (``clock.current_user``: the OS login on SQLite, the session's database role on PostgreSQL,
nothing anyone can type) and their role in the ledger (``staff_user``) before the function runs,
and refuses with :class:`PermissionRefused`, one Swedish sentence naming the user, their role and
what was refused. So the app, the CLI and the daemon obey the same rule, and a new entry point
without a decorator fails ``tests/test_permissions.py``, which finds every service function the
screens, the CLI and the daemon import and calls each as every role.

* Roles rise: Läsare < Handläggare < Administratör (``domain.codes.StaffRole``); each may do what
  the ones below may.
* A ledger without users (a new one, or one upgraded from schema version 7) makes the first
  person who uses it its administrator, recorded in the audit log (:func:`session_role`).
* Someone who is not a user of the ledger may do nothing in it, not even read.
* A process may have a ceiling: the daemon works as a Handläggare whoever starts it
  (:func:`limit_to`), so a scheduled run can never change settings or users.
* A call inside an entry point (a run that reads settings, books payments ...) checks against the
  role the outer call found, without asking the database again.
* Defence in depth: a write transaction (``services.transaction.write_transaction``) inside a
  reader's entry point is refused (:func:`check_write`), so a read or an export that would write
  fails loudly instead of writing (on PostgreSQL the reader's database role cannot write anyway).

Screens ask :func:`refusal` whether a key's service may be called, to grey the key and say why
when it is pressed; they use the role found when the session started (:func:`session_role`,
cached per user and ledger), so drawing a footer never waits for the database.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from tui_inkasso.db.connection import db, renew_if_lost
from tui_inkasso.db.models import StaffUser
from tui_inkasso.domain.codes import StaffRole, lower_role, role_covers, staff_role_label
from tui_inkasso.services.clock import current_user
from tui_inkasso.services.errors import UserError

F = TypeVar("F", bound=Callable[..., Any])

PERMISSION_ATTRIBUTE = "__permission__"
"""The attribute an entry point's decorator sets (a :class:`Permission`); the tests read it."""


class PermissionRefused(UserError):
    """The user may not do this (or is no user of the ledger); the message says who, their role
    and what was refused. The command line exits with 3."""

    exit_code = 3


@dataclass(frozen=True)
class Permission:
    """What an entry point needs: the least role, and what it does in words (an infinitive
    phrase that completes "anna är Läsare och får inte ...")."""

    role: StaffRole
    what: str


@dataclass(frozen=True)
class Held:
    """The user and the role in force for them now (their role, under the process's ceiling)."""

    login: str
    role: StaffRole
    stored: StaffRole


_held: contextvars.ContextVar[Held | None] = contextvars.ContextVar("tui_inkasso_role_in_force", default=None)
"""Set while an entry point runs: the calls inside it check against it."""

_ceiling: StaffRole = StaffRole.ADMIN
"""The most this process may do (the daemon: a Handläggare's work)."""

_test_first_admins: tuple[str, ...] = ()
"""FOR TESTS ONLY: logins made administrators together with the first user of a ledger (the
OS login and database role the tests' subprocesses of the real program run as, while the tests
themselves run as "testare"; tests/conftest.py). Empty in the program: code in the process,
never anything a user can pass in."""

_sessions: dict[tuple[int, str], Held] = {}
"""The role found for (database object, login), for screens that must not wait for the database."""


def requires(role: StaffRole, what: str) -> Callable[[F], F]:
    """Decorate a service entry point: refuse unless the user holds ``role``."""
    permission = Permission(StaffRole(role), what)

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            held = _held.get()
            if held is not None:
                _check(held, permission)
                return function(*args, **kwargs)
            renew_if_lost()  # the outermost entry point: a service call starts here
            held = _look_up()
            _check(held, permission)
            token = _held.set(held)
            try:
                return function(*args, **kwargs)
            finally:
                _held.reset(token)

        setattr(checked, PERMISSION_ATTRIBUTE, permission)
        return cast(F, checked)

    return decorate


READ = Permission(StaffRole.READER, "läsa reskontran")
"""What every user of the ledger may do: read everything, preview, export a report."""


def reads(function: F) -> F:
    """Decorate an entry point every user of the ledger may call (reading, previews, reports)."""
    return requires(READ.role, READ.what)(function)


def permission_of(function: Callable[..., Any]) -> Permission | None:
    """The permission an entry point was decorated with, or None."""
    return getattr(function, PERMISSION_ATTRIBUTE, None)


# --------------------------------------------------------------------------- the role in force


def limit_to(role: StaffRole) -> None:
    """Let this process do at most what ``role`` may (the daemon calls it with Handläggare)."""
    global _ceiling
    _ceiling = StaffRole(role)
    _sessions.clear()


def ceiling() -> StaffRole:
    """The most this process may do."""
    return _ceiling


def _look_up() -> Held:
    """The current user and their role, from the ledger (making the first user of a ledger
    without users its administrator); PermissionRefused for someone who is not a user."""
    login = current_user()
    row = StaffUser.get_or_none(StaffUser.login == login)
    if row is None:
        row = _claim_empty_ledger(login)
    if row is None:
        raise PermissionRefused(
            f"{login} är inte användare i den här reskontran: be en administratör lägga till dig "
            f"under Inställningar → Användare (tui-inkasso users add {login} --role reader|clerk|admin)"
        )
    stored = StaffRole(row.role)
    held = Held(login, StaffRole(lower_role(stored, _ceiling)), stored)
    _sessions[(id(db.obj), login)] = held
    return held


def _claim_empty_ledger(login: str) -> StaffUser | None:
    """In a ledger without users, make ``login`` its administrator (audited); None when the
    ledger has users (someone else claimed it first). Claimed meanwhile by ``login`` itself (a
    second command of the same user started at once), that row."""
    from tui_inkasso.services import audit
    from tui_inkasso.services.clock import now
    from tui_inkasso.services.transaction import is_postgres, write_transaction

    if StaffUser.select().exists():
        return StaffUser.get_or_none(StaffUser.login == login)
    with write_transaction():
        if is_postgres():  # two first users at once: one waits, then finds the other
            db.execute_sql('LOCK TABLE "staff_user" IN EXCLUSIVE MODE')
        if StaffUser.select().exists():
            return StaffUser.get_or_none(StaffUser.login == login)
        StaffUser.create(login=login, role=StaffRole.ADMIN.value, added_at=now(), added_by=login)
        audit.record("user.added", "staff_user", login, {"role": StaffRole.ADMIN.value, "first": True})
        for other in dict.fromkeys(_test_first_admins):
            if other and other != login:
                StaffUser.create(login=other, role=StaffRole.ADMIN.value, added_at=now(), added_by=login)
    return StaffUser.get(StaffUser.login == login)


def _check(held: Held, permission: Permission) -> None:
    if role_covers(held.role, permission.role):
        return
    raise PermissionRefused(refusal_text(held, permission))


def refusal_text(held: Held, permission: Permission) -> str:
    """Why ``held`` may not do ``permission``'s work, in one sentence."""
    needed = ("bara en Administratör" if permission.role == StaffRole.ADMIN
              else "en Handläggare eller Administratör")
    if held.role != held.stored:
        return (f"tjänsten arbetar som {staff_role_label(held.role)} och får inte {permission.what} "
                f"(det får {needed})")
    return (f"{held.login} är {staff_role_label(held.role)} och får inte {permission.what} "
            f"(det får {needed})")


def session_role() -> Held:
    """The current user and their role in force, looked up now (and remembered for
    :func:`refusal`); PermissionRefused for someone who is not a user of the ledger. Entry
    points (the app, each command, the daemon) call it first, so a stranger is told at once."""
    held = _held.get()
    return held if held is not None else _look_up()


def known_session() -> Held | None:
    """The role :func:`session_role` found for this user and ledger, without asking the
    database (None when it has not been asked yet)."""
    return _sessions.get((id(db.obj), current_user()))


def forget_sessions() -> None:
    """Ask the database again next time (after a change of users or roles)."""
    _sessions.clear()


def may(role: StaffRole) -> bool:
    """Whether the current user holds ``role`` now (False for someone who is not a user)."""
    try:
        return role_covers(session_role().role, role)
    except PermissionRefused:
        return False


def require(role: StaffRole, what: str) -> Held:
    """Refuse (PermissionRefused) unless the current user holds ``role``; the role in force."""
    held = session_role()
    _check(held, Permission(StaffRole(role), what))
    return held


def refusal(function: Callable[..., Any]) -> str | None:
    """For screens: None when the current user may call the entry point ``function``, else the
    sentence saying why not. Uses the role found at the start of the session (looked up once if
    it was not)."""
    permission = permission_of(function)
    if permission is None:
        return None
    held = known_session()
    if held is None:
        try:
            held = session_role()
        except PermissionRefused as exc:
            return str(exc)
    return None if role_covers(held.role, permission.role) else refusal_text(held, permission)


def check_write() -> None:
    """Called by every write transaction: refused inside a reader's entry point (a read, a
    preview or a report must never write)."""
    held = _held.get()
    if held is not None and held.role == StaffRole.READER:
        raise PermissionRefused(f"{held.login} är Läsare och får inte ändra något i reskontran")
