"""Inställningar → Alternativ – Inkasso, E-post/tjänster, Betalningar by keyboard: forms from the
registry, every group reachable, all or nothing, reasons in Swedish next to the fields."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, Static

from tests.staff import approve_pending, in_force
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.cli import main
from tui_inkasso.db.models import AuditEntry, Setting
from tui_inkasso.screens.menu import MENU_ENTRIES, MenuScreen
from tui_inkasso.screens.settings import (
    SETTINGS_SCREENS,
    MailServiceSettingsScreen,
    PaymentSettingsScreen,
    SettingsScreen,
    error_id,
    field_id,
    help_text,
    pending_id,
)
from tui_inkasso.services import setting_keys
from tui_inkasso.services.dunning_levels import CONFIGURATION_KEYS
from tui_inkasso.services.setting_keys import SettingKey

SIZE = (120, 40)


def _stored() -> dict[str, str]:
    return {row.key: row.value for row in Setting.select()}


def _audit_count() -> int:
    return AuditEntry.select().where(AuditEntry.action == "setting.changed").count()


async def _open_settings(pilot, key: str = "i", kind: type[SettingsScreen] = SettingsScreen) -> SettingsScreen:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert type(screen) is kind
    return screen


def _shown_reason(screen: SettingsScreen, key: str) -> str:
    return str(screen.query_one(f"#{error_id(key)}", Static).render())


def test_every_setting_can_be_set_from_a_screen_in_the_menu() -> None:
    on_forms = {d.key for screen in SETTINGS_SCREENS for group in screen.GROUPS
                for d in setting_keys.SETTINGS.values() if d.group == group}
    assert on_forms | set(CONFIGURATION_KEYS) == set(setting_keys.SETTINGS), "every key has a form"
    assert {d.group for d in setting_keys.SETTINGS.values() if d.key in CONFIGURATION_KEYS} == {"Påminnelse/krav"}
    opened = {entry.screen.__qualname__.rpartition(":")[2].rstrip("')") for entry in MENU_ENTRIES
              if entry.group == "Inställningar"}
    registers = {"DunningLevelsScreen", "OwnersScreen", "SocialnamndScreen", "UsersScreen", "ApprovalsScreen"}
    assert {screen.__name__ for screen in SETTINGS_SCREENS} | registers == opened


def test_every_setting_has_help_for_the_form_in_words_not_codes() -> None:
    """Staff read the help next to the field: no "code = meaning" lists written for the command line."""
    for definition in setting_keys.SETTINGS.values():
        assert len(definition.help) >= 15, f"{definition.key} has help"
        assert " = " not in definition.help.replace("Tomt = ", "").replace("tomt = ", ""), definition.key
        for code in definition.choices:
            if code in setting_keys.CHOICE_LABELS:
                assert f"{code} =" not in definition.help and f"{code}/" not in definition.help, definition.key


async def test_fields_show_label_help_and_the_key_dim_at_the_end(sqlite_url: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot)
        labels = [label.render() for label in screen.query(".setting-label")]
        assert [str(t) for t in labels][:2] == ["Inkassosystem", "Inkassobolagets bankgiro/plusgiro"]
        shown = str(screen.query(".setting-help").first(Static).render())
        assert shown.startswith("Vad Inkasso gör av fakturorna: eget ärenderegister")
        assert shown.endswith("  collection.system")
        help_line = help_text(setting_keys.SETTINGS["collection.system"])
        key_style = [span.style for span in help_line.spans if help_line.plain[span.start:span.end] == "collection.system"]
        assert key_style == ["dim"]


async def test_form_is_generated_from_the_registry(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        setting_keys.SETTINGS, "collection.note",
        SettingKey("collection.note", "Notering på inkassofilen", "", lambda v: v.strip(), "Fri text"),
    )
    monkeypatch.setitem(
        setting_keys.SETTINGS, "mail.sender", SettingKey("mail.sender", "Avsändare", "", lambda v: v, group="E-post"),
    )
    in_force({"collection.agency_accounts": "5805-6201"})
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot)
        inkasso_keys = [k for k, d in setting_keys.SETTINGS.items() if d.group == "Inkasso"]
        assert "collection.note" in inkasso_keys
        for key in inkasso_keys:
            assert screen.query(f"#{field_id(key)}"), f"no field for {key}"
        assert not screen.query(f"#{field_id('mail.sender')}"), "other groups are not on this screen"
        system = screen.query_one(f"#{field_id('collection.system')}")
        assert isinstance(system, Select), "a key with choices is a Select"
        assert system.value == "none"
        accounts = screen.query_one(f"#{field_id('collection.agency_accounts')}", Input)
        assert accounts.value == "58056201", "the stored value is shown"
        folder = screen.query_one(f"#{field_id('collection.output_dir')}", Input).value
        assert folder == setting_keys.default_output_dir() and folder.endswith("/dokument/tui-inkasso"), (
            "the default folder is shown as the whole path, in the user's documents")
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
        assert shown["collection.agency_accounts"] == "Ogiltigt värde: bankgironumret '1234-5678' har fel kontrollsiffra"
        assert shown["collection.output_dir"] == (
            f"Ogiltigt värde: en mapp måste anges (standard: {setting_keys.default_output_dir()})")
        assert "det okända protokollet 'http'" in shown["collection.upload_url"]
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
        assert stored == {"collection.system": "intrum"}, "payment routing and the upload server are proposed"
        assert _audit_count() == before + 1, "one audit entry per changed value"
        accounts = screen.query_one(f"#{field_id('collection.agency_accounts')}", Input)
        assert accounts.value == "", "the form shows the value in force"
        waiting = str(screen.query_one(f"#{pending_id('collection.agency_accounts')}", Static).render())
        assert waiting.startswith("Väntar på godkännande: 58056201 (förslag "), "normalised and de-duplicated"
        assert any(n[1] == "Föreslaget" and n[2].startswith("Övriga ändringar sparades. 2 ändringar väntar på "
                                                             "godkännande av en annan administratör")
                   for n in notifications(pilot))
        approve_pending()
        await pilot.press("f5")
        await settle(pilot)
        stored = _stored()
        assert stored["collection.agency_accounts"] == "58056201"
        assert stored["collection.upload_url"] == "sftp://ink@h/in"
        assert _audit_count() == before + 3, "one audit entry per changed value, when approved"
        assert accounts.value == "58056201", "the form shows the stored form"
        assert not screen.query_one(f"#{pending_id('collection.agency_accounts')}", Static).has_class("-visible")

        accounts.focus()
        await pilot.press("end")
        await type_text(pilot, ";123")
        await pilot.press("f5")  # drop the unsaved edit
        await settle(pilot)
        assert accounts.value == "58056201"
        assert _stored()["collection.agency_accounts"] == "58056201"


async def test_mail_server_and_port_are_set_by_keyboard_and_a_bad_port_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot, "m", MailServiceSettingsScreen)
        assert screen.sub_title == "Alternativ – E-post/tjänster"
        sections = [str(s.render()) for s in screen.query(".setting-section")]
        assert sections == ["E-post", "Tjänster"]
        assert app.focused is screen.query_one(f"#{field_id('mail.host')}", Input)
        assert screen.query_one(f"#{field_id('mail.starttls')}", Select).value == "ja"
        assert screen.query(f"#{field_id('daemon.log_file')}"), "the daemon's log file is on this form"
        await type_text(pilot, "smtp.fastighet.se")
        await pilot.press("tab", "end", "ctrl+u")  # the port: its default 587 out
        await type_text(pilot, "2525")
        await pilot.press("f2")
        await settle(pilot)
        assert screen.refused == {}
        assert _stored() == {}, "the mail server is proposed, not in force"
        assert screen.query_one(f"#{pending_id('mail.host')}", Static).has_class("-visible")
        approve_pending()
        await pilot.press("f5")
        await settle(pilot)
        assert _stored() == {"mail.host": "smtp.fastighet.se", "mail.port": "2525"}
        assert app.focused is screen.query_one(f"#{field_id('mail.port')}", Input)
        before = _audit_count()

        await pilot.press("shift+tab", "end", "ctrl+u")  # back to the host: a name with the port
        await type_text(pilot, "smtp.fastighet.se:25")
        await pilot.press("tab", "end", "ctrl+u")
        await type_text(pilot, "99999")
        await pilot.press("f2")
        await settle(pilot)
        assert set(screen.refused) == {"mail.host", "mail.port"}
        assert _shown_reason(screen, "mail.port") == "Ogiltigt värde: 99999 är inget portnummer (1–65535)"
        assert _shown_reason(screen, "mail.host").startswith("Ogiltigt värde: 'smtp.fastighet.se:25' är inget servernamn")
        assert all(screen.query_one(f"#{field_id(k)}").has_class("-refused") for k in ("mail.host", "mail.port"))
        assert app.focused is screen.query_one(f"#{field_id('mail.host')}"), "focus on the first refused field"
        assert _stored() == {"mail.host": "smtp.fastighet.se", "mail.port": "2525"}, "nothing stored"
        assert _audit_count() == before
        assert ("error", "Kontrollera fälten", "Inget sparades: 2 värden är felaktiga.") in notifications(pilot)

        await pilot.press("f5")  # drop the edits: the stored values are back, the reasons gone
        await settle(pilot)
        assert screen.query_one(f"#{field_id('mail.port')}", Input).value == "2525"
        assert screen.refused == {} and _shown_reason(screen, "mail.port") == ""
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)
    # The command line gives the same reason, in the same words.
    assert main(["--db", sqlite_url, "settings", "set", "mail.port", "99999"]) == 2
    assert capsys.readouterr().err.strip() == (
        "tui-inkasso settings: mail.port: 99999 är inget portnummer (1–65535)"
    )


async def test_the_payment_folder_is_set_on_its_own_form(sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "betalfiler"
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(pilot, "l", PaymentSettingsScreen)
        assert [d.key for d in screen._keys] == [
            "payments.import_dir", "payments.settlement_order", "payments.late_interest_min"]
        assert not screen.query(".setting-section"), "one group: no section heading"
        field = screen.query_one(f"#{field_id('payments.import_dir')}", Input)
        assert app.focused is field and field.value == ""
        field.value = str(folder)  # a long path is pasted, not typed
        await pilot.press("f2")
        await settle(pilot)
        assert _stored() == {"payments.import_dir": str(folder)}
        assert ("information", "Sparat", "Inställningarna sparades.") in notifications(pilot)
