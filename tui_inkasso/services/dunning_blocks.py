"""Dunning blocks (kravspärr): no reminders or demands for an invoice, or for all of a customer's.

A block is set with a reason and records who set it and when (the ledger shows all three);
lifting it clears them. Both are audited. The run leaves blocked invoices out in SQL
(``services/dunning_run.py``); exclusion from collection is something else and does not stop
letters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tui_inkasso.db.models import Customer, Invoice
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import DunningError, NotFound
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import write_transaction

# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class BlockInfo:
    """A dunning block (kravspärr): on what, why, by whom, when."""

    object_type: str
    object_id: int
    number: str
    reason: str | None
    by: str | None
    at: dt.datetime | None


def _clean_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise DunningError("En kravspärr behöver ett skäl (fältet reason är tomt).")
    if len(text) > 200:
        raise DunningError(f"Skälet är {len(text)} tecken; högst 200.")
    return text


@requires(StaffRole.CLERK, "sätta kravspärr")
def block_customer(customer_id: int, reason: str) -> BlockInfo:
    """Stop reminders and demands to a customer (all their invoices), with who and why."""
    return _set_block(Customer, customer_id, _clean_reason(reason))


@requires(StaffRole.CLERK, "ta bort kravspärr")
def unblock_customer(customer_id: int) -> BlockInfo:
    """Lift a customer's dunning block."""
    return _set_block(Customer, customer_id, None)


@requires(StaffRole.CLERK, "sätta kravspärr")
def block_invoice(invoice_id: int, reason: str) -> BlockInfo:
    """Stop reminders and demands for one invoice, with who and why."""
    return _set_block(Invoice, invoice_id, _clean_reason(reason))


@requires(StaffRole.CLERK, "ta bort kravspärr")
def unblock_invoice(invoice_id: int) -> BlockInfo:
    """Lift an invoice's dunning block."""
    return _set_block(Invoice, invoice_id, None)


def _set_block(model: type[Customer] | type[Invoice], object_id: int, reason: str | None) -> BlockInfo:
    kind = "customer" if model is Customer else "invoice"
    label = "kund" if model is Customer else "faktura"
    with write_transaction():
        row = model.get_or_none(model.id == object_id)
        if row is None:
            raise NotFound(f"{label} med id {object_id} finns inte")
        old = row.dunning_blocked_reason
        if reason is None and old is None:
            raise DunningError(f"{label.capitalize()} {row.number} har ingen kravspärr att ta bort.")
        by, at = (current_user(), now()) if reason is not None else (None, None)
        model.update(dunning_blocked_reason=reason, dunning_blocked_by=by, dunning_blocked_at=at).where(
            model.id == object_id).execute()
        action = "dunning.blocked" if reason is not None else "dunning.unblocked"
        audit.record(action, kind, row.number, {"old": old, "new": reason})
    return BlockInfo(kind, object_id, row.number, reason, by, at)


@reads
def get_block(object_type: str, object_id: int) -> BlockInfo:
    """The dunning block of a customer or an invoice (``reason`` None when there is none)."""
    model: type[Customer] | type[Invoice] = Customer if object_type == "customer" else Invoice
    row = model.get_or_none(model.id == object_id)
    if row is None:
        raise NotFound(f"{'kund' if model is Customer else 'faktura'} med id {object_id} finns inte")
    return BlockInfo(object_type, object_id, row.number, row.dunning_blocked_reason, row.dunning_blocked_by,
                     row.dunning_blocked_at)


@reads
def customer_id_by_number(number: str) -> int:
    """A customer's id from their customer number (NotFound names it)."""
    found = Customer.select(Customer.id).where(Customer.number == number.strip()).scalar()
    if found is None:
        raise NotFound(f"kund {number.strip()!r} finns inte")
    return int(found)

