"""Inställningar → Ägare och konton by keyboard, at 80x24: the owners with their numbers, an
owner's form (giro numbers, the OCR control level and an account per role), a refused value shown by its field with
nothing stored, a saved change audited and shown in the list, the form fits 80 columns."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import notifications, settle, table_data, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Account, AuditEntry, Owner
from tui_inkasso.screens.menu import MenuScreen
from tui_inkasso.screens.owners import OwnerAccountsScreen, OwnersScreen, field_id

SIZE = (80, 24)

__all__ = ["small"]  # the fixture, imported for pytest


async def test_owners_and_their_accounts_by_keyboard(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, OwnersScreen)
        owners = table_data(app, "#owners-table")
        assert [o.code for o in owners] == sorted(o.code for o in owners) and owners
        first = owners[0]
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OwnerAccountsScreen) and form.owner.code == first.code
        for widget in form.query("Input, Static, Label, Select"):
            assert widget.region.right <= SIZE[0], f"{widget!r} reaches past 80 columns"
        bank = form.query_one(f"#{field_id('Bank')}", Input)
        assert bank.value == first.accounts["Bank"]
        # A wrong plusgiro: refused by its field, nothing stored.
        plusgiro = form.query_one(f"#{field_id('plusgiro')}", Input)
        plusgiro.focus()
        await type_text(pilot, "12")
        await pilot.press("f2")
        await settle(pilot)
        assert form.refused == {"plusgiro": "plusgironumret '12' har fel kontrollsiffra"}
        reason = str(form.query_one(f"#{field_id('plusgiro')}-error", Static).render())
        assert reason == "Ogiltigt värde: plusgironumret '12' har fel kontrollsiffra"
        assert app.focused is plusgiro
        assert not AuditEntry.select().where(AuditEntry.action == "owner.changed").exists()
        # Fixed, and the bank account changed: stored together.
        await pilot.press("ctrl+u")
        bank.focus()
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "1941")
        await pilot.press("f2")
        await settle(pilot)
        assert form.refused == {} and form.unsaved_changes() == 0
        assert Account.get((Account.owner == first.owner_id) & (Account.role == "Bank")).number == "1941"
        assert ("information", "Sparat", f"{first.code}: sparat.") in notifications(pilot)
        assert AuditEntry.select().where(AuditEntry.action == "owner.changed").count() == 1
        # The OCR control level of the owner's agreement: a list, chosen by keyboard, stored.
        level = form.query_one(f"#{field_id('ocr_control')}", Select)
        assert level.value == Owner.get_by_id(first.owner_id).ocr_control == "check_digit_and_length"
        level.focus()
        await pilot.press("enter", "home", "enter")
        await settle(pilot)
        assert level.value == "none" and form.unsaved_changes() == 1
        await pilot.press("f2")
        await settle(pilot)
        assert Owner.get_by_id(first.owner_id).ocr_control == "none" and form.unsaved_changes() == 0
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, OwnersScreen)
        assert table_data(app, "#owners-table")[0].accounts["Bank"] == "1941", "the list shows what was saved"
        await pilot.press("escape")
        assert isinstance(app.screen, MenuScreen)
