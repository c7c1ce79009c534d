"""An owner's contact details (phone, e-mail, address) set in Ägare och konton (issue 13 review,
item 5): a collection demand names the creditor and how to reach them (inkassolagen 5 §), and
they could only come from a ledger file. Checked (domain.contact_details), stored at once with the
form's other values, all or nothing, each change audited. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.common import database_digest
from tests.factories import make_owner
from tui_inkasso.db.models import AuditEntry, Owner
from tui_inkasso.domain.contact_details import (
    ContactError,
    normalize_contact_email,
    normalize_line,
    normalize_phone,
    normalize_postal_code,
)
from tui_inkasso.services import audit, owner_accounts
from tui_inkasso.services.owner_accounts import OwnerAccountsError


def test_contact_details_are_checked_as_typed() -> None:
    assert normalize_phone(" 08-123  456 ") == "08-123 456"
    assert normalize_phone("+46 (0)8 123 456") == "+46 (0)8 123 456"
    assert normalize_phone("") == ""
    for bad in ("12345", "08-123 456 ext. 3", "0812345678901234", "46+8123456"):
        with pytest.raises(ContactError, match="är inget telefonnummer"):
            normalize_phone(bad)
    assert normalize_postal_code("11122") == normalize_postal_code(" 111 22 ") == "111 22"
    for bad in ("1112", "111-22", "SE-111 22"):
        with pytest.raises(ContactError, match="är inget postnummer"):
            normalize_postal_code(bad)
    assert normalize_contact_email(" hyra@example.se ") == "hyra@example.se"
    with pytest.raises(ContactError, match="ingen e-postadress"):
        normalize_contact_email("hyra.example.se")
    assert normalize_line("address", "  Box   1 ") == "Box 1"
    with pytest.raises(ContactError, match="en rad, utan styrtecken"):
        normalize_line("address", "Box 1\x1b[31m")
    with pytest.raises(ContactError, match="högst 100 tecken"):
        normalize_line("city", "x" * 101)


def test_contact_details_are_stored_and_audited(any_db: str) -> None:
    owner = make_owner("BAB", phone="", email="", address="", postal_code="", city="")
    assert owner_accounts.owner_accounts(owner.id).contact == {
        "phone": "", "email": "", "address": "", "postal_code": "", "city": ""}
    owner_accounts.save_owner_accounts(owner.id, {
        "phone": "08-123 456", "email": "hyra@example.se", "address": "Box 1", "postal_code": "11122",
        "city": "Stockholm", "bankgiro": "5805-6201"})
    stored = Owner.get_by_id(owner.id)
    assert (stored.phone, stored.email, stored.address, stored.postal_code, stored.city) == (
        "08-123 456", "hyra@example.se", "Box 1", "111 22", "Stockholm")
    assert owner_accounts.owner_accounts(owner.id).contact["postal_code"] == "111 22"
    logged = [audit.readable_details(e.action, e.object_id, e.details)
              for e in AuditEntry.select().where(AuditEntry.action == "owner.changed").order_by(AuditEntry.id)]
    assert logged == ["Telefon: (inget) → 08-123 456", "E-post: (inget) → hyra@example.se",
                      "Adress: (inget) → Box 1", "Postnummer: (inget) → 111 22", "Ort: (inget) → Stockholm"]
    assert {e.user for e in AuditEntry.select()} == {"testare"}
    # The same values again: nothing stored, nothing logged; one change: one entry.
    before = AuditEntry.select().count()
    owner_accounts.save_owner_accounts(owner.id, {"phone": "08-123 456", "postal_code": "111 22"})
    assert AuditEntry.select().count() == before
    owner_accounts.save_owner_accounts(owner.id, {"phone": ""})
    assert Owner.get_by_id(owner.id).phone == "" and AuditEntry.select().count() == before + 1


def test_a_wrong_value_stores_nothing_and_names_its_field(any_db: str) -> None:
    owner = make_owner("BAB")
    before = database_digest()
    with pytest.raises(OwnerAccountsError) as refused:
        owner_accounts.save_owner_accounts(owner.id, {
            "phone": "070-1", "email": "hyra@exempel", "postal_code": "1234", "city": "Göteborg"})
    assert sorted(refused.value.problems) == ["email", "phone", "postal_code"]
    assert "'070-1' är inget telefonnummer" in refused.value.problems["phone"]
    assert database_digest() == before, "the valid city was not stored either"
