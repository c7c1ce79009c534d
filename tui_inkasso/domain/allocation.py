"""How a payment is split between an invoice and what is left over (domain.md, "Overpayment").

The part up to the invoice's balance pays the invoice. What exceeds it is an overpayment: when the
money came from the collection agency and the owner maps an account to the role "Överskjutande
betalning inkasso", the excess goes there; in every other case it is a prepayment on the customer
("Förskott från kunder"), exactly as the guide says: "bokförs betalningen som vanligt".
"""

from __future__ import annotations

from typing import NamedTuple

PREPAYMENT_ROLE = "Förskott från kunder"
COLLECTION_OVERPAYMENT_ROLE = "Överskjutande betalning inkasso"


class Split(NamedTuple):
    """The part of a payment applied to the invoice, and the excess with its account role.

    A named tuple: immutable, and cheap to make (every payment of a bank file makes one or two).
    """

    invoice_amount: int
    excess_amount: int
    excess_role: str | None


def split_payment(
    amount: int,
    balance: int,
    *,
    from_agency: bool,
    owner_has_overpayment_account: bool,
) -> Split:
    """Split ``amount`` öre against an invoice with ``balance`` öre left.

    A negative amount (a deduction or a returned payment) raises the balance again and has no
    excess. An invoice already paid in full takes nothing: all of the payment is excess.
    """
    if amount <= 0:
        return Split(amount, 0, None)
    applied = min(amount, max(balance, 0))
    excess = amount - applied
    if excess == 0:
        return Split(applied, 0, None)
    role = COLLECTION_OVERPAYMENT_ROLE if from_agency and owner_has_overpayment_account else PREPAYMENT_ROLE
    return Split(applied, excess, role)
