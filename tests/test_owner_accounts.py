"""Owners' giro numbers and accounts (services.owner_accounts, on SQLite and PostgreSQL): every
value checked first (check digits, account numbers, no removing an account bookings need), all or
nothing, only changes proposed (four eyes, issue 17), each audited and worded for the log when a
second administrator puts it in force."""

from __future__ import annotations

import pytest

from tests.common import database_digest
from tests.factories import make_owner
from tests.staff import approve_pending
from tui_inkasso.db.models import Account, AuditEntry, Owner
from tui_inkasso.domain.ledger_accounts import AccountNumberError, normalize_account_number
from tui_inkasso.services import audit, owner_accounts
from tui_inkasso.services.owner_accounts import ROLES, OwnerAccountsError


def test_account_numbers_are_digits() -> None:
    assert normalize_account_number(" 1510 ") == "1510"
    for bad in ("15 10", "15a0", "", "12345678901", "١٥١٠"):
        with pytest.raises(AccountNumberError, match="är inget kontonummer"):
            normalize_account_number(bad)


def test_owners_are_listed_with_every_role(any_db: str) -> None:
    make_owner("BAB")
    make_owner("FAB", name="Fastighets AB Norr", org_no="556016-0680", bankgiro=None, plusgiro="58056201",
               overpayment_account=False)
    owners = owner_accounts.list_owner_accounts()
    assert [(o.code, o.bankgiro_text, o.plusgiro_text, o.mapped_roles) for o in owners] == [
        ("BAB", "5805-6201", "", 6), ("FAB", "", "5805620-1", 5)]
    assert list(owners[0].accounts) == list(ROLES)
    assert owners[1].accounts["Överskjutande betalning inkasso"] == ""


def test_refused_values_store_nothing_and_name_each_field(any_db: str) -> None:
    owner = make_owner("BAB")
    before = database_digest()
    with pytest.raises(OwnerAccountsError) as refused:
        owner_accounts.save_owner_accounts(owner.id, {
            "bankgiro": "5805-6202", "plusgiro": "12", "Kundfordringar": "", "Bank": "19 30",
            "Ränteintäkter": "8313"})
    assert refused.value.problems == {
        "bankgiro": "bankgironumret '5805-6202' har fel kontrollsiffra",
        "plusgiro": "plusgironumret '12' har fel kontrollsiffra",
        "Kundfordringar": "Kundfordringar behövs när betalningar bokas; ändra kontot i stället för att ta bort det",
        "Bank": "'19 30' är inget kontonummer (1–10 siffror, t.ex. 1510)",
    }
    assert database_digest() == before, "nothing stored when any value is refused"


def test_changes_are_proposed_then_in_force_when_a_second_administrator_approves(any_db: str) -> None:
    """Payment routing (issue 17): saving proposes every changed value; nothing changes until
    another administrator approves; each change is audited when it comes into force."""
    owner = make_owner("BAB")
    saved = owner_accounts.save_owner_accounts(owner.id, {
        "bankgiro": "", "plusgiro": "5805620-1", "Kundfordringar": "1510", "Bank": "1940",
        "Överskjutande betalning inkasso": "", "Ränteintäkter": "8314"})
    assert [(p.key, p.old, p.new) for p in saved.proposals] == [
        ("owner.BAB.bankgiro", "58056201", ""),
        ("owner.BAB.plusgiro", "", "58056201"),
        ("owner.BAB.account.Bank", "1930", "1940"),
        ("owner.BAB.account.Överskjutande betalning inkasso", "2421", ""),
        ("owner.BAB.account.Ränteintäkter", "8313", "8314"),
    ]
    assert (saved.owner.bankgiro, saved.owner.plusgiro) == ("58056201", ""), "the values in force stay"
    assert Owner.get_by_id(owner.id).bankgiro == "58056201"
    assert not AuditEntry.select().where(AuditEntry.action == "owner.changed").exists()
    approve_pending()
    numbers = {a.role: a.number for a in Account.select().where(Account.owner == owner.id)}
    assert numbers == {"Kundfordringar": "1510", "Bank": "1940", "Förskott från kunder": "2420",
                       "Påminnelseavgifter": "3591", "Ränteintäkter": "8314"}
    assert Owner.get_by_id(owner.id).bankgiro is None and Owner.get_by_id(owner.id).plusgiro == "58056201"
    entries = list(AuditEntry.select().where(AuditEntry.action == "owner.changed").order_by(AuditEntry.id))
    shown = [audit.readable_details(e.action, e.object_id, e.details) for e in entries]
    ids = [p.id for p in saved.proposals]
    assert shown == [
        f"Bankgiro: 5805-6201 → (inget) (förslag {ids[0]})",
        f"Plusgiro: (inget) → 5805620-1 (förslag {ids[1]})",
        f"Konto för Bank: 1930 → 1940 (förslag {ids[2]})",
        f"Konto för Överskjutande betalning inkasso: 2421 → (inget) (förslag {ids[3]})",
        f"Konto för Ränteintäkter: 8313 → 8314 (förslag {ids[4]})",
    ]
    assert {(e.object_type, e.object_id, e.user) for e in entries} == {("owner", "BAB", "granskare")}
    assert audit.object_label("owner", "BAB") == "Ägare BAB" and audit.action_label("owner.changed") == "Ägare ändrad"
    again = owner_accounts.save_owner_accounts(owner.id, {"Bank": " 1940 "})
    assert again.proposals == [] and AuditEntry.select().where(AuditEntry.action == "owner.changed").count() == 5


def test_ocr_control_is_set_per_owner_and_refused_when_open_invoices_fail_it(any_db: str) -> None:
    """The level of the owner's agreement with Bankgirot: stored and audited; a level that an open
    invoice's OCR number does not pass is refused by its field, naming the invoice."""
    from tests.factories import make_invoice, make_object
    from tui_inkasso.domain.identifiers import ocr_with_check

    owner = make_owner("BAB", ocr_control="check_digit")
    assert owner_accounts.owner_accounts(owner.id).ocr_control == "check_digit"
    invoice = make_invoice("3001", owner=owner, rental_object=make_object())
    invoice.ocr = ocr_with_check("1002", length_digit=False)  # check digit only: no length digit
    invoice.save()
    before = database_digest()
    with pytest.raises(OwnerAccountsError) as refused:
        owner_accounts.save_owner_accounts(owner.id, {"ocr_control": "check_digit_and_length"})
    assert list(refused.value.problems) == ["ocr_control"]
    assert f"OCR-numret {invoice.ocr} på faktura 3001 klarar inte checksiffra och längd" in \
        refused.value.problems["ocr_control"]
    assert database_digest() == before
    with pytest.raises(OwnerAccountsError, match="okänd OCR-kontroll"):
        owner_accounts.save_owner_accounts(owner.id, {"ocr_control": "hård"})
    saved = owner_accounts.save_owner_accounts(owner.id, {"ocr_control": "Ingen OCR-kontroll"})
    assert saved.owner.ocr_control == "none" and saved.proposals == [] and Owner.get_by_id(owner.id).ocr_control == "none"
    entry = AuditEntry.get(AuditEntry.action == "owner.changed")
    assert audit.readable_details(entry.action, entry.object_id, entry.details) == \
        "OCR-kontroll: Checksiffra → Ingen OCR-kontroll"
