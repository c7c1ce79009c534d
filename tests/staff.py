"""Test helpers for users, roles and four eyes (issue 17), through the real services.

* :func:`as_user` runs a block as another login (``clock._test_user``, the test-only identity;
  the program itself never reads a name from anywhere).
* :func:`add_staff` adds a user with a role, as the ledger's first administrator (``testare``).
* :func:`approve_pending` approves every waiting proposal as a second administrator, and
  :func:`in_force` sets four-eyes settings the way staff do: proposed by ``testare``, approved by
  ``granskare``. Tests of other features that need an upload server or the agency's bankgiro in
  force use it instead of a plain ``set_setting`` (which now only proposes those keys).
* :func:`admit_process_user`: a test that runs the real program in a subprocess runs it as this
  machine's login (and on PostgreSQL as the URL's role), not as ``testare``; it must be a user of
  the ledger the test built in-process first.
"""

from __future__ import annotations

import contextlib
import os
import pwd
from collections.abc import Iterator

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import MODELS, AuditEntry, StaffUser
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import approvals, clock, permissions, settings, users

FIRST_ADMIN = "testare"
"""The user every test runs as, the first (and administrator) user of its ledgers."""

SECOND_ADMIN = "granskare"
"""The administrator who approves what ``testare`` proposes."""

__all__ = ["FIRST_ADMIN", "SECOND_ADMIN", "add_staff", "admit_process_user", "approve_pending", "as_user",
           "data_rows", "in_force", "os_login"]


@contextlib.contextmanager
def as_user(login: str | None) -> Iterator[None]:
    """Run the block as ``login`` (None: as the OS login / database role, as the program does)."""
    before = clock._test_user
    clock._test_user = login
    permissions.forget_sessions()
    try:
        yield
    finally:
        clock._test_user = before
        permissions.forget_sessions()


def add_staff(login: str, role: str | StaffRole) -> None:
    """Make ``login`` a user with ``role`` (nothing when they are one with that role already)."""
    with as_user(FIRST_ADMIN):
        permissions.session_role()  # a new ledger: testare becomes its administrator first
        row = StaffUser.get_or_none(StaffUser.login == login)
        if row is None:
            users.add_user(login, str(role))
        elif row.role != str(role):
            users.set_role(login, str(role))


def approve_pending() -> list[approvals.ProposalInfo]:
    """Approve every waiting proposal as a second administrator (other than each proposer)."""
    add_staff(SECOND_ADMIN, StaffRole.ADMIN)
    done = []
    for proposal in sorted(approvals.list_approvals(), key=lambda p: p.id):  # in the order proposed
        approver = SECOND_ADMIN if proposal.proposed_by != SECOND_ADMIN else FIRST_ADMIN
        with as_user(approver):
            done.append(approvals.approve(proposal.id))
    return done


def in_force(values: dict[str, str]) -> dict[str, str]:
    """Set settings, four-eyes keys included, and put them in force (proposed, then approved)."""
    cleaned = settings.set_settings(values)
    approve_pending()
    return cleaned


def os_login() -> str:
    """This machine's login, as the program finds it without a test identity."""
    return pwd.getpwuid(os.getuid()).pw_name


def admit_process_user(role: str | StaffRole = StaffRole.ADMIN) -> str:
    """Make the identity a subprocess of the real program will have a user of the open ledger:
    the OS login on SQLite, the session's database role on PostgreSQL."""
    with as_user(None):
        login = clock.current_user()
    if login != FIRST_ADMIN:
        add_staff(login, role)
    assert db.obj is not None
    return login


def data_rows() -> int:
    """Rows of the ledger's data: not the schema version, nor its users and their entries in the
    log (a test's ledger has its first administrator before anything is written), for tests
    that check that nothing was written."""
    skipped = {"schema_version", "staff_user"}
    rows = sum(model.select().count() for model in MODELS if model._meta.table_name not in skipped)
    return rows - AuditEntry.select().where(AuditEntry.object_type == "staff_user").count()
