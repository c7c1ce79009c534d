"""Ready for collection: where the reminder ladder ends and the collection wizard begins.

An invoice is ready when every configured level is issued and the last letter's deadline passed
(:func:`ready_for_collection_query`, the collection wizard's upper table and the run's check).
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from tui_inkasso.db.models import Invoice
from tui_inkasso.services.dunning_levels import max_level
from tui_inkasso.services.selection import Selection, apply_selection


def ready_for_collection_query(today: dt.date, selection: Selection | None = None) -> pw.ModelSelect[Invoice]:
    """Invoices that may go to collection on ``today``: THE rule the collection wizard uses.

    A balance, every configured level issued, the last letter's payment deadline passed, not
    collection-marked, not excluded (domain.md, "Ready for collection"). With no levels
    configured nothing is ready. Served by the partial index ``invoice_ready`` (the invoices with
    a balance, in no case and not excluded, by level and deadline): its condition is written
    here term for term, so SQLite's planner sees that the index covers the query.
    """
    top = max_level()
    query = Invoice.select()
    if top == 0:
        return query.where(pw.SQL("1 = 0"))
    query = query.where(
        Invoice.dunning_level >= top,
        Invoice.dunning_deadline < today,
        Invoice.balance > 0,
        Invoice.collection_case.is_null(),
        Invoice.excluded_at.is_null(),
    )
    return apply_selection(query, selection) if selection is not None else query


def is_invoice_ready(invoice_id: int, today: dt.date) -> bool:
    """True when the invoice ``invoice_id`` may go to collection on ``today``."""
    return ready_for_collection_query(today).where(Invoice.id == invoice_id).exists()

