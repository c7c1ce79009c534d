"""A collection case as the file formats take it: the owner as creditor, the customer as debtor,
the claims with the system's debt-type codes (``formats/case_file.py``).

The run (``services/collection_run.py``) writes its files from these records; the case list
export (``services/collection_export.py``) builds the same records from stored cases.
"""

from __future__ import annotations

from tui_inkasso.db.models import Customer, Owner
from tui_inkasso.domain.collection_systems import CollectionSystemSpec
from tui_inkasso.formats.case_file import CaseRecord, Claim, Creditor, Debtor
from tui_inkasso.services.collection_claims import CaseCustomer, PlannedCase


def creditor_of(owner: Owner) -> Creditor:
    """An owner as the files' creditor."""
    return Creditor(
        owner_id=owner.id, name=owner.name, org_no=owner.org_no, bankgiro=owner.bankgiro or "",
        address=owner.address, postal_code=owner.postal_code, city=owner.city,
    )


def debtor_of(customer: Customer | CaseCustomer) -> Debtor:
    """A customer (a stored one, or the run's lighter read of one) as the files' debtor."""
    return Debtor(
        customer_number=customer.number, name=customer.name, national_id=customer.national_id,
        is_company=bool(customer.is_company), address=customer.address, postal_code=customer.postal_code,
        city=customer.city, email=customer.email,
    )


def case_record(case: PlannedCase, spec: CollectionSystemSpec, creditor: Creditor | None = None) -> CaseRecord:
    """The case as the file formats take it; an agency's claims carry its debt-type codes.
    ``creditor`` is the case's owner as :func:`creditor_of` makes it (a run makes it once an owner)."""
    coded = spec.debt_types is not None
    claims = tuple(
        Claim(
            case_number=case.number, invoice_number=c.number, kind=c.kind, invoice_date=c.invoice_date,
            due_date=c.due_date, ocr=c.ocr, capital_ore=c.balance, fees_ore=c.fees, interest_ore=c.interest,
            sfi_category=c.sfi, debt_type=spec.debt_type(c.sfi) if coded else "",
            object_id=c.object_code, object_address=c.object_address, last_dunning_level=c.level or None,
            last_dunning_date=c.level_date,
        )
        for c in case.claims
    )
    return CaseRecord(case.number, creditor or creditor_of(case.owner), debtor_of(case.customer), claims)


