"""Users and four eyes through the services and the command line (issue 17).

* ``tui-inkasso users list|add|set-role|remove``: an administrator manages users; the ledger
  keeps one administrator; a reader or a clerk is refused in one line with exit code 3.
* A change of payment routing or data egress (``settings.FOUR_EYES_KEYS``, an owner's giro and
  accounts, a service's recipients) is a proposal: ``settings get`` prints the value in force
  until a second administrator approves; nobody approves their own; proposing, approving and
  rejecting are audited; ``approvals list --json`` has the issue's fields.
* The installed program takes its identity from nowhere a user can type: a subprocess of the real
  program as an OS login that is not a user is refused, whatever ``$USER`` or
  ``$TUI_INKASSO_USER`` say.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.staff import FIRST_ADMIN, SECOND_ADMIN, add_staff, as_user, os_login
from tui_inkasso.cli import main
from tui_inkasso.db.models import AuditEntry, StaffUser
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import approvals, audit, settings, users
from tui_inkasso.services.errors import Conflict
from tui_inkasso.services.permissions import PermissionRefused


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    """The command in-process, as the current test user: exit code, stdout, stderr."""
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _actions(prefix: str) -> list[str]:
    return [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)]


# --------------------------------------------------------------------------- users


def test_users_are_listed_added_given_a_role_and_removed(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, sqlite_url, "users", "add", "anna", "--role", "reader")
    assert code == 0 and out.strip() == "anna är nu användare: Läsare."
    assert "det finns inget konto 'anna' på den här datorn" in err, "SQLite: the login is the OS account"
    assert run(capsys, sqlite_url, "users", "set-role", "anna", "Handläggare")[1].strip() == "anna är nu Handläggare."
    code, out, _ = run(capsys, sqlite_url, "users", "list", "--json")
    listed = {u["login"]: u for u in json.loads(out)["users"]}
    assert listed["anna"]["role"] == "clerk" and listed["anna"]["added_by"] == FIRST_ADMIN
    assert listed[FIRST_ADMIN]["role"] == "admin" and listed[FIRST_ADMIN]["you"] is True
    text = run(capsys, sqlite_url, "users", "list")[1]
    assert text.splitlines()[0].split() == ["Användare", "Roll", "Tillagd", "av"]
    assert any(line.startswith(FIRST_ADMIN) and "Administratör" in line and line.endswith("(du)")
               for line in text.splitlines())
    assert run(capsys, sqlite_url, "users", "remove", "anna")[1].strip() == "anna är inte längre användare i reskontran."
    assert StaffUser.get_or_none(StaffUser.login == "anna") is None
    assert _actions("user.") == ["user.added", "user.added", "user.role", "user.removed"], "the first, then anna"
    code, _, err = run(capsys, sqlite_url, "users", "add", "Anna Berg", "--role", "reader")
    assert code == 2 and err.startswith("tui-inkasso users: 'Anna Berg' är inget användarnamn")
    code, _, err = run(capsys, sqlite_url, "users", "add", "bo", "--role", "chef")
    assert code == 2 and "okänd roll 'chef'" in err


def test_the_last_administrator_stays_one(sqlite_url: str) -> None:
    for login in [row.login for row in StaffUser.select() if row.login != FIRST_ADMIN]:
        users.remove_user(login)
    with pytest.raises(Conflict, match="testare är reskontrans enda administratör"):
        users.set_role(FIRST_ADMIN, "clerk")
    with pytest.raises(Conflict, match="enda administratör"):
        users.remove_user(FIRST_ADMIN)
    users.add_user("bo", "admin")
    users.set_role(FIRST_ADMIN, "reader")
    with pytest.raises(PermissionRefused, match="^testare är Läsare och får inte lägga till användare"):
        users.add_user("cilla", "reader")


def test_a_reader_and_a_clerk_are_refused_in_one_line(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_staff("lasare", StaffRole.READER)
    add_staff("handlaggare", StaffRole.CLERK)
    with as_user("lasare"):
        code, out, err = run(capsys, sqlite_url, "settings", "set", "collection.system", "svea")
        assert (code, out) == (3, "")
        assert err == ("tui-inkasso settings: lasare är Läsare och får inte ändra inställningar "
                       "(det får bara en Administratör)\n")
        code, _, err = run(capsys, sqlite_url, "users", "add", "x", "--role", "admin")
        assert code == 3 and err.count("\n") == 1 and "lasare är Läsare och får inte lägga till användare" in err
        code, out, _ = run(capsys, sqlite_url, "settings", "get", "collection.system")
        assert code == 0, "a reader reads"
    with as_user("handlaggare"):
        code, _, err = run(capsys, sqlite_url, "approvals", "approve", "1")
        assert code == 3 and "handlaggare är Handläggare och får inte godkänna" in err
    with as_user("okand"):
        code, _, err = run(capsys, sqlite_url, "settings", "get", "collection.system")
        assert code == 3 and err.startswith("tui-inkasso settings: okand är inte användare i den här reskontran")
    assert settings.get_setting("collection.system") == "none"


# --------------------------------------------------------------------------- four eyes


def test_a_routing_change_waits_for_a_second_administrator(sqlite_url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, sqlite_url, "settings", "set", "collection.upload_url", "sftp://ink@h/in")
    assert code == 0
    assert out.startswith("collection.upload_url: förslag 1 väntar på godkännande av en annan administratör")
    assert run(capsys, sqlite_url, "settings", "get", "collection.upload_url")[1] == "", "the value in force"
    assert settings.get_setting("collection.upload_url") == ""
    code, out, _ = run(capsys, sqlite_url, "approvals", "list", "--json")
    [waiting] = json.loads(out)["approvals"]
    assert {"id", "key", "old", "new", "proposed_by", "proposed_at"} <= set(waiting)
    assert (waiting["id"], waiting["key"], waiting["old"], waiting["new"], waiting["proposed_by"]) == (
        1, "collection.upload_url", "", "sftp://ink@h/in", FIRST_ADMIN)
    code, _, err = run(capsys, sqlite_url, "approvals", "approve", "1")
    assert code == 3 and err.strip() == ("tui-inkasso approvals: förslag 1 lades av testare själv: en annan "
                                         "administratör måste godkänna det")
    assert settings.get_setting("collection.upload_url") == ""
    add_staff(SECOND_ADMIN, StaffRole.ADMIN)
    with as_user(SECOND_ADMIN):
        code, out, _ = run(capsys, sqlite_url, "approvals", "approve", "1")
    assert code == 0 and out.startswith("Förslag 1 godkänt: ")
    assert run(capsys, sqlite_url, "settings", "get", "collection.upload_url")[1].strip() == "sftp://ink@h/in"
    assert json.loads(run(capsys, sqlite_url, "approvals", "list", "--json")[1]) == {"approvals": []}
    entries = {e.action: e for e in AuditEntry.select().where(AuditEntry.action.startswith("approval."))}
    assert entries["approval.proposed"].user == FIRST_ADMIN and entries["approval.approved"].user == SECOND_ADMIN
    changed = AuditEntry.get(AuditEntry.action == "setting.changed")
    assert changed.user == SECOND_ADMIN and json.loads(changed.details)["proposal"] == 1
    assert "förslag 1" in audit.readable_details(changed.action, changed.object_id, changed.details)


def test_a_rejected_or_replaced_proposal_never_comes_into_force(sqlite_url: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    first = settings.save_settings({"collection.agency_accounts": "5805-6201"}).proposals[0]
    second = settings.save_settings({"collection.agency_accounts": "99-12346"}).proposals[0]
    assert approvals.get_approval(first.id).status == "superseded", "a newer proposal replaces a waiting one"
    add_staff(SECOND_ADMIN, StaffRole.ADMIN)
    with as_user(SECOND_ADMIN):
        code, out, _ = run(capsys, sqlite_url, "approvals", "reject", str(second.id))
        assert code == 0 and out.startswith(f"Förslag {second.id} avslaget")
        code, _, err = run(capsys, sqlite_url, "approvals", "approve", str(second.id))
        assert code != 0 and f"förslag {second.id} väntar inte längre" in err
    assert settings.agency_accounts() == frozenset()
    assert _actions("approval.") == ["approval.proposed", "approval.superseded", "approval.proposed",
                                     "approval.rejected"]
    proposed = settings.save_settings({"mail.host": "smtp.a.se"}).proposals[0]
    settings.save_settings({"mail.host": ""})
    assert approvals.get_approval(proposed.id).status == "superseded", "the value in force again: withdrawn"
    assert approvals.list_approvals() == []


def test_a_proposal_made_stale_is_refused(sqlite_url: str) -> None:
    add_staff(SECOND_ADMIN, StaffRole.ADMIN)
    one = settings.save_settings({"mail.host": "smtp.a.se"}).proposals[0]
    with as_user(SECOND_ADMIN):
        other = settings.save_settings({"mail.port": "2525"}).proposals[0]
    from tui_inkasso.db.models import Setting

    Setting.create(key="mail.host", value="smtp.x.se", changed_at=one.proposed_at, changed_by="psql")
    with as_user(SECOND_ADMIN), pytest.raises(Conflict, match="avslå det och föreslå ändringen igen"):
        approvals.approve(one.id)
    approvals.approve(other.id)
    assert settings.get_setting("mail.port") == "2525"


def test_settings_show_has_the_values_in_force(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    saved = settings.save_settings({"mail.host": "smtp.a.se", "collection.system": "svea"})
    assert [p.key for p in saved.proposals] == ["mail.host"]
    code, out, _ = run(capsys, sqlite_url, "settings", "show", "--json")
    shown = json.loads(out)["settings"]
    assert code == 0 and shown["mail.host"] == "" and shown["collection.system"] == "svea"


# --------------------------------------------------------------------------- identity


def _program(url: str, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real program in a subprocess: no test identity, the OS login of this process."""
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "tui_inkasso.cli", "--db", url, *argv], capture_output=True,
                          text=True, env=environment, timeout=120, check=False)


def test_the_program_is_the_os_login_and_no_variable_changes_that(sqlite_url: str) -> None:
    login = os_login()
    users.set_role(login, "reader")
    done = _program(sqlite_url, "settings", "set", "collection.system", "svea",
                    USER=FIRST_ADMIN, LOGNAME=FIRST_ADMIN, TUI_INKASSO_USER=FIRST_ADMIN)
    assert done.returncode == 3, done.stderr
    assert done.stderr == (f"tui-inkasso settings: {login} är Läsare och får inte ändra inställningar "
                           "(det får bara en Administratör)\n")
    users.remove_user(login)
    done = _program(sqlite_url, "users", "list", TUI_INKASSO_USER=FIRST_ADMIN)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith(f"tui-inkasso users: {login} är inte användare i den här reskontran")
    assert done.stderr.count("\n") == 1
    started = _program(sqlite_url)  # the app refuses before it draws anything
    assert started.returncode == 3 and started.stderr.startswith(f"tui-inkasso: {login} är inte användare")


def test_the_first_user_of_a_new_ledger_is_its_administrator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'ny.db'}"
    done = _program(url, "init")
    assert done.returncode == 0, done.stderr
    assert f"{os_login()} är dess administratör" in done.stdout
    listed = _program(url, "users", "list", "--json")
    assert [(u["login"], u["role"]) for u in json.loads(listed.stdout)["users"]] == [(os_login(), "admin")]
