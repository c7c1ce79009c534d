"""Inställningar → Användare and Inställningar → Godkännanden by keyboard (issue 17), with SVG
snapshots at 80x24 and 120x40 (snapshots/test_app_users/).

* An administrator adds a user (n, login, Enter, role, Enter) and gives one another role (e).
* A reader sees the keys greyed, and a press says why (one notification, nothing done).
* A proposal is listed with what is in force and what is proposed; its author cannot approve
  it (the screen says so); another administrator approves it with g and j, and it is in force.

The users' and proposals' times are fixed, and the ledger's users are exactly the ones made
here, so the pictures are the same on every machine and at every time of day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.staff import FIRST_ADMIN, SECOND_ADMIN, add_staff, as_user
from tests.tui_helpers import footer_keys, notifications, settle, steps, table_data, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Proposal, StaffUser
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.screens.approvals import ApprovalsScreen
from tui_inkasso.screens.users import UsersScreen
from tui_inkasso.services import settings
from tui_inkasso.widgets.dialogs import ConfirmDialog

AT = dt.datetime(2026, 11, 2, 9, 30)
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def staff(sqlite_url: str) -> str:
    """testare (the first administrator), granskare (administrator), anna (Läsare), bo
    (Handläggare); nobody else, every one added at a fixed time."""
    add_staff(SECOND_ADMIN, StaffRole.ADMIN)
    add_staff("anna", StaffRole.READER)
    add_staff("bo", StaffRole.CLERK)
    StaffUser.delete().where(StaffUser.login.not_in([FIRST_ADMIN, SECOND_ADMIN, "anna", "bo"])).execute()
    for minutes, login in enumerate([FIRST_ADMIN, SECOND_ADMIN, "anna", "bo"]):
        StaffUser.update(added_at=AT + dt.timedelta(minutes=minutes)).where(StaffUser.login == login).execute()
    return sqlite_url


@pytest.fixture
def proposals(staff: str) -> str:
    """Two waiting proposals by testare: the agency's bankgiro and the upload server."""
    settings.save_settings({"collection.agency_accounts": "5805-6201",
                            "collection.upload_url": "sftp://inkasso@filer.intrum.se/in"})
    for minutes, row in enumerate(Proposal.select().order_by(Proposal.id)):
        Proposal.update(proposed_at=AT + dt.timedelta(hours=2, minutes=minutes)).where(Proposal.id == row.id).execute()
    return staff


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_users_snapshot(staff: str, size: tuple[int, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("w"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_approvals_snapshot(proposals: str, size: tuple[int, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=size, run_before=steps("y"))


async def test_an_administrator_adds_a_user_and_changes_a_role(staff: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        assert [m.login for m in table_data(app, "#users-table")] == [SECOND_ADMIN, FIRST_ADMIN, "bo", "anna"]
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "cilla")
        await pilot.press("enter", "down", "enter")  # Läsare -> Handläggare
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        assert StaffUser.get(StaffUser.login == "cilla").role == "clerk"
        assert any(n[2].startswith("cilla är nu användare: Handläggare.") for n in notifications(pilot))
        rows = [m.login for m in table_data(app, "#users-table")]
        assert rows == [SECOND_ADMIN, FIRST_ADMIN, "bo", "cilla", "anna"]
        await pilot.press("home", *["down"] * rows.index("anna"), "e")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # Läsare -> Administratör
        await settle(pilot)
        assert StaffUser.get(StaffUser.login == "anna").role == "admin"
        rows = [m.login for m in table_data(app, "#users-table")]
        await pilot.press("home", *["down"] * rows.index("bo"), "delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("j")
        await settle(pilot)
        assert StaffUser.get_or_none(StaffUser.login == "bo") is None
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "dora")
        await pilot.press("f2")  # F2 saves as Enter does, with the role highlighted (Läsare for a new user)
        await settle(pilot)
        assert StaffUser.get(StaffUser.login == "dora").role == "reader"
        assert footer_keys(app)["n Ny"], "an administrator's keys are live"
        rows = [m.login for m in table_data(app, "#users-table")]
        await pilot.press("home", *["down"] * rows.index(FIRST_ADMIN), "e")
        await settle(pilot)
        await pilot.press("home", "down", "enter")  # testare gives themselves Handläggare
        await settle(pilot)
        assert StaffUser.get(StaffUser.login == FIRST_ADMIN).role == "clerk"
        assert not footer_keys(app)["n Ny"], "the footer greys the keys at once (UsersScreen.your_role)"


async def test_a_reader_sees_the_keys_greyed_and_is_told_why(staff: str) -> None:
    with as_user("anna"):
        app = InkassoApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("w")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, UsersScreen)
            assert screen.check_action("new", ()) is None, "greyed"
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is screen, "no dialog"
            assert ("warning", "Behörighet saknas",
                    "anna är Läsare och får inte lägga till användare (det får bara en Administratör).") in \
                notifications(pilot)
            intro = str(screen.query_one("#users-intro").render())
            assert "Du är anna, Läsare. Bara en administratör ändrar användarna." in intro
            await pilot.press("escape", "i")
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            assert ("warning", "Behörighet saknas",
                    "anna är Läsare och får inte ändra inställningar (det får bara en Administratör).") in \
                notifications(pilot)
    assert StaffUser.select().count() == 4


async def test_a_proposal_is_approved_by_another_administrator(proposals: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        waiting = table_data(app, "#approvals-table")
        assert [(p.key, p.old_text, p.proposed_by) for p in waiting] == [
            ("collection.upload_url", "(tomt)", FIRST_ADMIN), ("collection.agency_accounts", "(tomt)", FIRST_ADMIN)]
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen), "no question: testare proposed it"
        assert any(n[1] == "Behörighet saknas" and n[2].startswith(f"Du lade förslag {waiting[0].id} själv")
                   for n in notifications(pilot))
    assert settings.get_setting("collection.upload_url") == ""
    with as_user(SECOND_ADMIN):
        app = InkassoApp()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("y")
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("j")
            await settle(pilot)
            assert settings.get_setting("collection.upload_url") == "sftp://inkasso@filer.intrum.se/in"
            assert [p.key for p in table_data(app, "#approvals-table")] == ["collection.agency_accounts"]
            await pilot.press("a", "j")
            await settle(pilot)
            assert table_data(app, "#approvals-table") == []
    assert settings.get_setting("collection.agency_accounts") == ""


async def test_what_a_proposal_changes_is_whole_at_80_columns(proposals: str) -> None:
    """Vad and the new value make the first view at 80 columns ("Inkassobolagets ba…" before);
    the value in force and who proposed it are a Right away."""
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("y")
        await settle(pilot)
        table = app.screen.query_one("#approvals-table")
        shown = "\n".join(table.render_line(y).text for y in range(3))
        assert "Inkassobolagets bankgiro/plusgiro" in shown and "FTP-server (ftp://, ftps://, sftp://)" in shown
        assert "58056201" in shown and "Föreslagen av" not in shown, shown
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "Föreslagen av" in table.render_line(0).text
