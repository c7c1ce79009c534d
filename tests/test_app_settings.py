"""Inställningar → Alternativ – Inkasso by keyboard: a form from the registry, all or nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, Static

from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import AuditEntry, Setting
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.settings import SettingsScreen, error_id, field_id
from tui_inkasso.services import settings
from tui_inkasso.services.settings import SettingKey

SIZE = (120, 40)


def _stored() -> dict[str, str]:
    return {row.key: row.value for row in Setting.select()}


def _audit_count() -> int:
    return AuditEntry.select().where(AuditEntry.action == "setting.changed").count()


async def _open_settings(pilot) -> SettingsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_form_is_generated_from_the_registry(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        settings.SETTINGS, "collection.note",
        SettingKey("collection.note", "Notering på inkassofilen", "", lambda v: v.strip(), "Fri text"),
    )
    monkeypatch.setitem(
        settings.SETTINGS, "mail.sender", SettingKey("mail.sender", "Avsändare", "", lambda v: v, group="E-post"),
    )
    settings.set_settings({"collection.agency_accounts": "5805-6201"})
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot)
        inkasso_keys = [k for k, d in settings.SETTINGS.items() if d.group == "Inkasso"]
        assert "collection.note" in inkasso_keys
        for key in inkasso_keys:
            assert screen.query(f"#{field_id(key)}"), f"no field for {key}"
        assert not screen.query(f"#{field_id('mail.sender')}"), "other groups are not on this screen"
        system = screen.query_one(f"#{field_id('collection.system')}")
        assert isinstance(system, Select), "a key with choices is a Select"
        assert system.value == "none"
        accounts = screen.query_one(f"#{field_id('collection.agency_accounts')}", Input)
        assert accounts.value == "58056201", "the stored value is shown"
        assert screen.query_one(f"#{field_id('collection.output_dir')}", Input).value == "inkasso-filer"
        assert app.focused is system
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)


async def test_refused_values_are_shown_by_their_fields_and_nothing_is_stored(sqlite_url: str) -> None:
    before = _audit_count()
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot)
        await pilot.press("tab")
        await type_text(pilot, "1234-5678")
        await pilot.press("tab", "end", "ctrl+u")  # empty the folder
        await pilot.press("tab")
        await type_text(pilot, "http://h/in")
        await pilot.press("f2")
        await settle(pilot)
        assert set(screen.refused) == {"collection.agency_accounts", "collection.output_dir", "collection.upload_url"}
        shown = {key: str(screen.query_one(f"#{error_id(key)}", Static).render()) for key in screen.refused}
        assert "wrong check digit" in shown["collection.agency_accounts"]
        assert "a folder is required" in shown["collection.output_dir"]
        assert "unknown scheme 'http'" in shown["collection.upload_url"]
        assert all(text.startswith("Ogiltigt värde: ") for text in shown.values())
        assert screen.query_one(f"#{error_id('collection.system')}", Static).display is False
        assert _stored() == {} and _audit_count() == before, "nothing stored when any value is refused"
        assert ("error", "Kontrollera fälten", "Inget sparades: 3 värden är felaktiga.") in notifications(pilot)
        assert app.focused is screen.query_one(f"#{field_id('collection.agency_accounts')}"), "focus on the first"


async def test_valid_values_are_stored_together_and_shown_as_stored(sqlite_url: str) -> None:
    before = _audit_count()
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot)
        await pilot.press("enter")  # open the list of systems (none is chosen)
        await pilot.press("up", "up", "enter")  # none -> svea -> intrum
        await settle(pilot)
        assert screen.query_one(f"#{field_id('collection.system')}", Select).value == "intrum"
        await pilot.press("tab")
        await type_text(pilot, "5805-6201;58056201")
        await pilot.press("tab", "tab")
        await type_text(pilot, "sftp://ink@h/in")
        await pilot.press("f2")
        await settle(pilot)
        assert screen.refused == {}
        stored = _stored()
        assert stored["collection.system"] == "intrum"
        assert stored["collection.agency_accounts"] == "58056201", "normalised and de-duplicated"
        assert stored["collection.upload_url"] == "sftp://ink@h/in"
        assert _audit_count() == before + 3, "one audit entry per changed value"
        accounts = screen.query_one(f"#{field_id('collection.agency_accounts')}", Input)
        assert accounts.value == "58056201", "the form shows the stored form"
        assert ("information", "Sparat", "Inställningarna sparades.") in notifications(pilot)

        accounts.focus()
        await pilot.press("end")
        await type_text(pilot, ";123")
        await pilot.press("f5")  # drop the unsaved edit
        await settle(pilot)
        assert accounts.value == "58056201"
        assert _stored()["collection.agency_accounts"] == "58056201"
