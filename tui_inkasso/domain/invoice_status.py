"""An invoice's status as staff read it in the ledger, derived in one place.

The store keeps the facts on the invoice row (balance, dunning level, collection case, exclusion);
what they add up to ("Påminnelse", "Inkassomärkt", ...) is decided here so that the ledger view,
the CLI and later screens (collection basis, balance corrections) never disagree.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from tui_inkasso.domain.dunning import REMINDER_LEVEL, is_demand_level


class InvoiceStatus(StrEnum):
    """The status codes (stable, for JSON and filters); ``label`` is the Swedish text."""

    OPEN = "open"
    OVERDUE = "overdue"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    REMINDER = "reminder"
    DEMAND = "demand"
    COLLECTION = "collection"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        """What staff see in the ledger."""
        return _LABELS[self]


_LABELS = {
    InvoiceStatus.OPEN: "Öppen",
    InvoiceStatus.OVERDUE: "Förfallen",
    InvoiceStatus.PARTLY_PAID: "Delbetald",
    InvoiceStatus.PAID: "Betald",
    InvoiceStatus.REMINDER: "Påminnelse",
    InvoiceStatus.DEMAND: "Krav",
    InvoiceStatus.COLLECTION: "Inkassomärkt",
    InvoiceStatus.EXCLUDED: "Undantagen",
}

def invoice_status(
    *,
    amount: int,
    balance: int,
    dunning_level: int,
    collection_marked: bool,
    excluded: bool,
    due_date: dt.date,
    today: dt.date,
    charges_open: int = 0,
) -> InvoiceStatus:
    """The one status of an invoice, the strongest fact first.

    A collection-marked invoice stays "Inkassomärkt" even when paid: the agency holds the claim
    until the case is closed, and payments on it are balance corrections. Otherwise a settled
    invoice is "Betald"; an exclusion outranks the dunning level because it is what decides the
    invoice's next step; then the last dunning level issued; then partial payment and due date.
    An invoice whose capital is paid while fees or interest charged on it are still open
    (``charges_open``, issue 13's claim model) is "Delbetald", not "Betald".
    """
    if collection_marked:
        return InvoiceStatus.COLLECTION
    if balance <= 0:
        return InvoiceStatus.PARTLY_PAID if charges_open > 0 else InvoiceStatus.PAID
    if excluded:
        return InvoiceStatus.EXCLUDED
    if is_demand_level(dunning_level):
        return InvoiceStatus.DEMAND
    if dunning_level == REMINDER_LEVEL:
        return InvoiceStatus.REMINDER
    if balance < amount:
        return InvoiceStatus.PARTLY_PAID
    if due_date < today:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.OPEN


def dunning_level_label(level: int, configured_name: str | None = None) -> str:
    """The name of a dunning level: the configured one, else "Påminnelse" / "Krav N"."""
    if level <= 0:
        return ""
    if configured_name:
        return configured_name
    if not is_demand_level(level):
        return "Påminnelse"
    return f"Krav {level - REMINDER_LEVEL}"
