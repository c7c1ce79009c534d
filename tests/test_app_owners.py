"""Inställningar → Ägare och konton by keyboard, at 80x24: the owners with their numbers, an
owner's form (giro numbers, the OCR control level and an account per role), a refused value shown by its field with
nothing stored, a saved change audited and shown in the list, the form fits 80 columns."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from tests.ledger_data import SmallLedger, small
from tests.staff import approve_pending
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
        bank_account = Account.get((Account.owner == first.owner_id) & (Account.role == "Bank")).number
        assert bank_account == first.accounts["Bank"], "an account of an owner is proposed, not changed"
        assert any(n[1] == "Föreslaget" and n[2].startswith(f"{first.code}: 1 ändring väntar på godkännande")
                   for n in notifications(pilot))
        waiting = str(form.query_one(f"#{field_id('Bank')}-pending", Static).render())
        assert waiting.startswith("Väntar på godkännande: 1941 (förslag ")
        assert not AuditEntry.select().where(AuditEntry.action == "owner.changed").exists()
        approve_pending()  # a second administrator approves
        assert Account.get((Account.owner == first.owner_id) & (Account.role == "Bank")).number == "1941"
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


async def test_the_owners_contact_details_by_keyboard(small: SmallLedger) -> None:
    """Telefon, E-post, Adress, Postnummer, Ort in the owner's form (issue 13 review, item 5): a
    wrong phone refused by its field with nothing stored, then saved, audited, shown as stored."""
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, OwnerAccountsScreen)
        owner = Owner.get_by_id(form.owner.owner_id)
        phone = form.query_one(f"#{field_id('phone')}", Input)
        assert phone.value == owner.phone and phone.region.right <= SIZE[0]
        phone.focus()
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "070-1")
        await pilot.press("f2")
        await settle(pilot)
        assert list(form.refused) == ["phone"] and app.focused is phone
        assert str(form.query_one(f"#{field_id('phone')}-error", Static).render()).startswith(
            "Ogiltigt värde: '070-1' är inget telefonnummer")
        assert Owner.get_by_id(owner.id).phone == owner.phone
        await type_text(pilot, "23 45 67")
        postal = form.query_one(f"#{field_id('postal_code')}", Input)
        postal.focus()
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, "41101")
        await pilot.press("f2")
        await settle(pilot)
        assert form.refused == {} and form.unsaved_changes() == 0
        stored = Owner.get_by_id(owner.id)
        assert (stored.phone, stored.postal_code) == ("070-123 45 67", "411 01")
        assert postal.value == "411 01", "the form shows the value as stored"
        assert AuditEntry.select().where(AuditEntry.action == "owner.changed").count() == 2
