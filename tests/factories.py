"""Small ledgers for tests: each function creates what it needs and returns the model.

Every identifier is valid (check digits), so services that validate accept what these make.
"""

from __future__ import annotations

import datetime as dt
import itertools

from tui_inkasso.db.models import (
    Account,
    AccountRole,
    Customer,
    Invoice,
    InvoiceRow,
    ObjectType,
    Owner,
    Property,
    RentalObject,
)
from tui_inkasso.domain.identifiers import ocr_with_check

_counter = itertools.count(1)


def make_owner(code: str = "BAB", *, overpayment_account: bool = True, **fields: object) -> Owner:
    owner = Owner.get_or_none(Owner.code == code)
    if owner:
        return owner
    values = {
        "name": "Bostads AB Exempel",
        "org_no": "556677-8899",
        "bankgiro": "58056201",
        "address": "Box 1",
        "postal_code": "111 22",
        "city": "Stockholm",
        "phone": "08-123 456",
        "email": "hyra@example.se",
    }
    values.update(fields)
    owner = Owner.create(code=code, **values)
    roles = {
        AccountRole.RECEIVABLES: "1510",
        AccountRole.BANK: "1930",
        AccountRole.PREPAYMENTS: "2420",
        AccountRole.FEE_INCOME: "3591",
        AccountRole.INTEREST_INCOME: "8313",
    }
    if overpayment_account:
        roles[AccountRole.COLLECTION_OVERPAYMENT] = "2421"
    for role, number in roles.items():
        Account.create(owner=owner, role=role.value, number=number, name=role.value)
    return owner


OBJECT_TYPES = {
    "bostad": ("LGH", "Lägenhet"),
    "ovriga": ("LOK", "Lokal"),
    "parkering": ("PP", "Parkeringsplats"),
    "lager": ("FRD", "Förråd"),
    "garage": ("GAR", "Garage"),
    "ej_vald": ("OVR", "Övrigt"),
}
"""The object type (code, name) a test object of each SFI category gets: codes and names as a
landlord's register has them (as in the demo data), so screens and snapshots show "LGH – Lägenhet",
never "EJ_VALD – Ej_vald"."""


def make_object(code: str = "1001-1101", *, sfi: str = "bostad", owner: Owner | None = None) -> RentalObject:
    found = RentalObject.get_or_none(RentalObject.code == code)
    if found:
        return found
    owner = owner or make_owner()
    prop = Property.get_or_none(Property.code == f"P-{owner.code}") or Property.create(
        code=f"P-{owner.code}", owner=owner, designation="Exempla 1:23", name="Kv. Exempla", area="Centrum"
    )
    type_code, type_name = OBJECT_TYPES[sfi]
    otype = ObjectType.get_or_none(ObjectType.code == type_code) or ObjectType.create(
        code=type_code, name=type_name, sfi=sfi
    )
    return RentalObject.create(code=code, property=prop, object_type=otype, address="Storgatan 1")


def make_customer(number: str = "K1001", *, name: str = "Anna Andersson", national_id: str = "19800101-0001") -> Customer:
    found = Customer.get_or_none(Customer.number == number)
    if found:
        return found
    is_company = national_id[2] >= "2" and len(national_id) == 11
    return Customer.create(
        number=number,
        name=name,
        national_id=national_id,
        is_company=is_company,
        address="Storgatan 1",
        postal_code="111 22",
        city="Stockholm",
        email="anna@example.se",
        search_text=f"{name} {number} {national_id}".lower(),
    )


def make_invoice(
    number: str | None = None,
    *,
    amount: int = 845000,
    kind: str = "rent",
    due_date: dt.date = dt.date(2026, 8, 31),
    customer: Customer | None = None,
    rental_object: RentalObject | None = None,
    owner: Owner | None = None,
) -> Invoice:
    number = number or str(100000 + next(_counter))
    rental_object = rental_object or make_object()
    owner = owner or rental_object.property.owner
    customer = customer or make_customer()
    invoice = Invoice.create(
        number=number,
        kind=kind,
        owner=owner,
        customer=customer,
        rental_object=rental_object,
        invoice_date=due_date - dt.timedelta(days=11),
        due_date=due_date,
        ocr=ocr_with_check(number),
        amount=amount,
        balance=amount,
    )
    InvoiceRow.create(invoice=invoice, line_no=1, text="Hyra", amount=amount)
    return invoice
