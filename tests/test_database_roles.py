"""PostgreSQL: a user's database role can do what their role may and no more (issue 17).

On the real server: ``users add`` creates the role and grants it; a reader's own SQL session
(psql, a script) can read but not write a row; a clerk's can write the runs' tables but not the
settings, the users or an owner's bankgiro; set-role and remove grant again; the program
connected as the role itself knows who it is (the session's ``current_user``) and refuses what
the role may not do. Roles get unique names and are dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg2
import pytest
from psycopg2 import errors

from tests.pg_roles import role_session, role_url
from tests.staff import as_user
from tui_inkasso.db.connection import close_database, open_database
from tui_inkasso.db.models import Owner, Setting
from tui_inkasso.services import clock, settings, users
from tui_inkasso.services.permissions import PermissionRefused


def _session(url: str, role: str) -> psycopg2.extensions.connection:
    """A hand-written SQL session of ``role`` in the test's schema, each statement on its own."""
    connection = role_session(url, role)
    connection.autocommit = True
    return connection


def _refused(connection: psycopg2.extensions.connection, sql: str) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    except errors.InsufficientPrivilege:
        return True
    return False


def test_a_readers_own_sql_session_reads_but_cannot_write(postgres_url: str, new_role: Callable[[], str]) -> None:
    settings.set_setting("collection.system", "svea")
    reader = new_role()
    change = users.add_user(reader, "reader")
    assert change.member.role == "reader" and any("skapades" in note for note in change.notes)
    session = _session(postgres_url, reader)
    with session.cursor() as cursor:
        cursor.execute("SELECT value FROM setting WHERE key = 'collection.system'")
        assert cursor.fetchone() == ("svea",)
        cursor.execute("SELECT count(*) FROM staff_user")
        assert cursor.fetchone()[0] >= 2
    assert _refused(session, "INSERT INTO audit_entry (at, \"user\", action, object_type, object_id, details) "
                             "VALUES (now(), 'x', 'x', 'x', 'x', '{}')")
    assert _refused(session, "UPDATE setting SET value = 'intrum'")
    assert _refused(session, "DELETE FROM invoice")
    assert _refused(session, f"INSERT INTO staff_user VALUES ('{reader}x', 'admin', now(), 'x')")
    session.close()


def test_a_clerks_session_writes_the_runs_but_not_routing_or_users(postgres_url: str,
                                                                     new_role: Callable[[], str]) -> None:
    Owner.create(code="BAB", name="Bostads AB", org_no="556677-8899", bankgiro="58056201")
    clerk = new_role()
    users.add_user(clerk, "clerk")
    session = _session(postgres_url, clerk)
    with session.cursor() as cursor:
        cursor.execute("INSERT INTO audit_entry (at, \"user\", action, object_type, object_id, details) "
                       "VALUES (now(), %s, 'case.note', 'collection_case', '1', '{}') RETURNING id", (clerk,))
        assert cursor.fetchone()[0] > 0
        cursor.execute("UPDATE owner SET phone = '08-123' WHERE code = 'BAB'")
        cursor.execute("SELECT id FROM owner WHERE code = 'BAB' FOR UPDATE")  # the voucher numbers' lock
    assert _refused(session, "UPDATE owner SET bankgiro = '9912346' WHERE code = 'BAB'")
    assert _refused(session, "UPDATE setting SET value = 'ftp://evil/' WHERE key = 'collection.upload_url'")
    assert _refused(session, "INSERT INTO setting VALUES ('collection.upload_url', 'ftp://evil/', now(), 'x')")
    assert _refused(session, f"UPDATE staff_user SET role = 'admin' WHERE login = '{clerk}'")
    assert _refused(session, "UPDATE proposal SET status = 'approved'")
    assert _refused(session, "UPDATE account SET number = '1'")
    session.close()
    assert Owner.get(Owner.code == "BAB").bankgiro == "58056201"


def test_set_role_and_remove_grant_again(postgres_url: str, new_role: Callable[[], str]) -> None:
    login = new_role()
    users.add_user(login, "clerk")
    users.set_role(login, "reader")
    session = _session(postgres_url, login)
    assert _refused(session, "DELETE FROM audit_entry")
    session.close()
    users.set_role(login, "clerk")
    session = _session(postgres_url, login)
    assert not _refused(session, "DELETE FROM audit_entry WHERE false")
    session.close()
    users.remove_user(login)
    session = _session(postgres_url, login)
    with pytest.raises((errors.InsufficientPrivilege, errors.UndefinedTable)), session.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM setting")  # not even the schema is the role's to see
    session.close()


def test_the_program_as_the_role_knows_who_it_is_and_refuses(postgres_url: str, new_role: Callable[[], str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    reader = new_role()
    users.add_user(reader, "reader")
    settings.set_setting("collection.system", "svea")
    close_database()
    open_database(role_url(postgres_url, reader), create=False)
    with as_user(None):  # no test identity: the program asks the server
        assert clock.current_user() == reader
        assert users.who_am_i().role == "reader"
        assert settings.get_setting("collection.system") == "svea"
        with pytest.raises(PermissionRefused, match=f"^{reader} är Läsare och får inte ändra inställningar"):
            settings.set_setting("collection.system", "intrum")
        assert Setting.get(Setting.key == "collection.system").value == "svea"
