"""The closed sets of codes the ledger stores: invoice and payment kinds, methods, roles, statuses.

They are plain vocabulary (a ``StrEnum`` whose values are what the database columns hold), so they
live in the domain: screens label them, the CLI offers them as choices, services and models store
them, and none of those needs the database layer just to name a code. ``db.models`` re-exports
them beside the columns that hold them.
"""

from __future__ import annotations

from enum import StrEnum


class InvoiceKind(StrEnum):
    """Rent invoice (hyresfaktura/hyresavi) or direct invoice (direktfaktura)."""

    RENT = "rent"
    DIRECT = "direct"


class PaymentMethod(StrEnum):
    """Betalsätt. INKASSO is money that came through the collection agency."""

    BANKGIRO = "bankgiro"
    PLUSGIRO = "plusgiro"
    AUTOGIRO = "autogiro"
    CASH = "cash"
    CREDIT = "credit"
    INKASSO = "inkasso"
    MANUAL = "manual"


class PaymentKind(StrEnum):
    """A payment received, or a credit note reducing the claim."""

    PAYMENT = "payment"
    CREDIT = "credit"


class AccountRole(StrEnum):
    """Kontovärde: a named role that each owner maps to a ledger account number."""

    RECEIVABLES = "Kundfordringar"
    BANK = "Bank"
    PREPAYMENTS = "Förskott från kunder"
    COLLECTION_OVERPAYMENT = "Överskjutande betalning inkasso"
    FEE_INCOME = "Påminnelseavgifter"
    INTEREST_INCOME = "Ränteintäkter"
    RENT_INCOME = "Hyresintäkter"


class CollectionSystem(StrEnum):
    """Inkassosystem: in-house case register, an agency file, or an Excel sheet (none)."""

    INHOUSE = "inhouse"
    INTRUM = "intrum"
    SVEA = "svea"
    NONE = "none"


SYSTEM_LABELS = {
    CollectionSystem.INHOUSE.value: "eget ärenderegister",
    CollectionSystem.INTRUM.value: "Intrum",
    CollectionSystem.SVEA.value: "Svea Inkasso",
    CollectionSystem.NONE.value: "Excelfil",
}
"""What staff read for each system (the stored code is for files, settings and the CLI)."""


class CaseStatus(StrEnum):
    """Status of a collection case in the case register."""

    REGISTERED = "registrerat"
    DEMAND_SENT = "inkassokrav skickat"
    INSTALMENT_PLAN = "avbetalningsplan"
    ENFORCEMENT = "hos Kronofogden"
    CLOSED = "avslutat"


CASE_STATUS_LABELS = {status.value: status.value[0].upper() + status.value[1:] for status in CaseStatus}
"""A status as it starts a field or a cell ("Registrerat", "Hos Kronofogden"); the stored value
is the lowercase word, which reads right inside a sentence and is what the CLI takes."""


def case_status_label(status: str) -> str:
    """The capitalised label of a stored status (an unknown one as it is)."""
    return CASE_STATUS_LABELS.get(status, status)
