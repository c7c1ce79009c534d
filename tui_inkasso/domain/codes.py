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


INVOICE_KIND_LABELS = {InvoiceKind.RENT.value: "Hyresfaktura", InvoiceKind.DIRECT.value: "Direktfaktura"}
"""Invoice kinds as staff name them (details, Excel sheets)."""

INVOICE_KIND_SHORT = {InvoiceKind.RENT.value: "Hyra", InvoiceKind.DIRECT.value: "Direkt"}
"""The same in a table column ("Typ")."""


def invoice_kind_label(kind: str, *, short: bool = False) -> str:
    """"Hyresfaktura"/"Direktfaktura" ("Hyra"/"Direkt" when ``short``); an unknown kind as it is."""
    return (INVOICE_KIND_SHORT if short else INVOICE_KIND_LABELS).get(kind, kind)


class PaymentMethod(StrEnum):
    """Betalsätt. INKASSO is money that came through the collection agency."""

    BANKGIRO = "bankgiro"
    PLUSGIRO = "plusgiro"
    AUTOGIRO = "autogiro"
    CASH = "cash"
    CREDIT = "credit"
    INKASSO = "inkasso"
    MANUAL = "manual"


PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANKGIRO.value: "Bankgiro",
    PaymentMethod.PLUSGIRO.value: "Plusgiro",
    PaymentMethod.AUTOGIRO.value: "Autogiro",
    PaymentMethod.CASH.value: "Kontant",
    PaymentMethod.CREDIT.value: "Kredit",
    PaymentMethod.INKASSO.value: "Inkasso",
    PaymentMethod.MANUAL.value: "Manuell",
}
"""Payment methods (betalsätt) as staff name them, in every list, card, log and audit text. A
credit's method is "Kredit" (it fits the narrow Betalsätt columns); the act is a "Kreditering"
(:data:`PAYMENT_KIND_LABELS`), the guide's word."""


def payment_method_label(method: str) -> str:
    """The Swedish label of a stored payment method (an unknown one as it is)."""
    return PAYMENT_METHOD_LABELS.get(method, method)


class PaymentKind(StrEnum):
    """A payment received, or a credit note reducing the claim."""

    PAYMENT = "payment"
    CREDIT = "credit"


PAYMENT_KIND_LABELS = {PaymentKind.PAYMENT.value: "Betalning", PaymentKind.CREDIT.value: "Kreditering"}
"""A payment or a credit as staff name it."""


def payment_kind_label(kind: str) -> str:
    """"Betalning" or "Kreditering" (an unknown kind as it is)."""
    return PAYMENT_KIND_LABELS.get(kind, kind)


class AccountRole(StrEnum):
    """Kontovärde: a named role that each owner maps to a ledger account number."""

    RECEIVABLES = "Kundfordringar"
    BANK = "Bank"
    PREPAYMENTS = "Förskott från kunder"
    COLLECTION_OVERPAYMENT = "Överskjutande betalning inkasso"
    FEE_INCOME = "Påminnelseavgifter"
    INTEREST_INCOME = "Ränteintäkter"
    RENT_INCOME = "Hyresintäkter"


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


class ChargeKind(StrEnum):
    """A receivable charged on an invoice beside its capital (issue 13, "the claim model").

    Fees are costs (lag (1981:739) 2, 3 §§: a written reminder, a collection demand, a payment
    plan); interest is late-payment interest (räntelagen 6 §). Each is a part of the claim of its
    own, with its own open balance, settled in the order ``domain.settlement`` gives.
    """

    REMINDER_FEE = "reminder_fee"
    COLLECTION_FEE = "collection_fee"
    PAYMENT_PLAN_FEE = "payment_plan_fee"
    INTEREST = "interest"


CHARGE_KIND_LABELS = {
    ChargeKind.REMINDER_FEE.value: "Påminnelseavgift",
    ChargeKind.COLLECTION_FEE.value: "Inkassoavgift",
    ChargeKind.PAYMENT_PLAN_FEE.value: "Avgift för amorteringsplan",
    ChargeKind.INTEREST.value: "Dröjsmålsränta",
}
"""A charge as staff name it (invoice detail, letters, JSON's ``kind_text``)."""


def charge_kind_label(kind: str) -> str:
    """The Swedish name of a stored charge kind (an unknown one as it is)."""
    return CHARGE_KIND_LABELS.get(kind, kind)


class StaffRole(StrEnum):
    """What a person may do in a ledger (issue 17), in rising order: each role may do everything
    the one before it may. Läsare reads everything and exports reports; Handläggare also runs
    reminders, collection, payments, balance corrections, cases and rent arrears; Administratör
    also changes settings, owners and their accounts, dunning levels, scheduled services and
    users, and approves another administrator's change to payment routing or data egress."""

    READER = "reader"
    CLERK = "clerk"
    ADMIN = "admin"


STAFF_ROLE_LABELS = {StaffRole.READER.value: "Läsare", StaffRole.CLERK.value: "Handläggare",
                     StaffRole.ADMIN.value: "Administratör"}
"""Roles as staff name them (Användare, messages); the command line takes the codes."""

_ROLE_RANK = {role.value: rank for rank, role in enumerate(StaffRole)}


def staff_role_label(role: str) -> str:
    """"Läsare", "Handläggare" or "Administratör" (an unknown code as it is)."""
    return STAFF_ROLE_LABELS.get(role, role)


def role_covers(held: str, needed: str) -> bool:
    """Whether a person with role ``held`` may do what needs ``needed`` (an admin may do a
    clerk's work, a clerk a reader's)."""
    return _ROLE_RANK[held] >= _ROLE_RANK[needed]


def lower_role(first: str, second: str) -> str:
    """The lesser of two roles (a role capped by the process's ceiling: the daemon's clerk)."""
    return first if _ROLE_RANK[first] <= _ROLE_RANK[second] else second


class ProposalStatus(StrEnum):
    """Where a four-eyes proposal stands: waiting, in force, turned down, or replaced by a newer
    proposal for the same value (or withdrawn when the value was set back)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


PROPOSAL_STATUS_LABELS = {ProposalStatus.PENDING.value: "Väntar", ProposalStatus.APPROVED.value: "Godkänd",
                          ProposalStatus.REJECTED.value: "Avslagen", ProposalStatus.SUPERSEDED.value: "Ersatt"}
"""Proposal statuses as staff read them."""


def proposal_status_label(status: str) -> str:
    """The Swedish label of a stored proposal status (an unknown one as it is)."""
    return PROPOSAL_STATUS_LABELS.get(status, status)
