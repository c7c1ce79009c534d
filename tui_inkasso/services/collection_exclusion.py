"""Keeping invoices out of collection (Undanta) and taking them back (Inkludera).

Persisted at once with who, when and why, audited, one bulk UPDATE per 500 invoices. An invoice
already in a case, or already in the state asked for, is left as it is and named with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import CHUNK, fetch_in_chunks
from tui_inkasso.db.models import Invoice
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.collection_errors import CollectionError, TakenInvoice
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.transaction import write_transaction

MAX_REASON = 200
"""Characters of a reason for an exclusion (it is shown in the list and the log)."""


@dataclass(frozen=True)
class MoveResult:
    """What an exclusion or inclusion changed."""

    moved: list[int]
    """Ids of the invoices moved."""
    skipped: list[TakenInvoice]
    """Invoices left as they were, and why."""

    @property
    def count(self) -> int:
        return len(self.moved)


def _clean_reason(reason: str) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        raise CollectionError("Ange ett skäl till undantaget (det syns i listan och i loggen).")
    if len(text) > MAX_REASON:
        raise CollectionError(f"Skälet är {len(text)} tecken; högst {MAX_REASON}.")
    return text


def _states(ids: Sequence[int]) -> dict[int, tuple[str, int | None, Any, str | None]]:
    """id -> (number, case id, excluded_at, excluded_reason) for the invoices that exist."""

    def query(chunk: list[int]) -> Any:
        return tuple_rows(Invoice.select(
                       Invoice.id, Invoice.number, Invoice.collection_case, Invoice.excluded_at, Invoice.excluded_reason
                   ).where(Invoice.id.in_(chunk)))

    return {r[0]: (r[1], r[2], r[3], r[4]) for r in fetch_in_chunks(query, ids, CHUNK)}


@requires(StaffRole.CLERK, "undanta fakturor från inkasso")
def exclude(invoice_ids: Iterable[int], reason: str) -> MoveResult:
    """Keep the invoices out of collection (Undanta), persisted at once with who, when and why.

    Invoices already in a case or already excluded are left as they are (``skipped``).
    """
    text = _clean_reason(reason)
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    with write_transaction():
        at, user = now(), current_user()
        states = _states(ids)
        skipped = _not_movable(ids, states, want_excluded=False)
        wanted = [i for i in ids if i in states and states[i][1] is None and states[i][2] is None]
        moved = _bulk_update(
            wanted,
            {Invoice.excluded_reason: text, Invoice.excluded_by: user, Invoice.excluded_at: at},
            Invoice.excluded_at.is_null(),
        )
        audit.record_many([("invoice.excluded", "invoice", states[i][0], f"undantagen från inkasso: {text}")
                           for i in moved])
    return MoveResult(moved, skipped)


@requires(StaffRole.CLERK, "inkludera fakturor för inkasso")
def include(invoice_ids: Iterable[int]) -> MoveResult:
    """Take excluded invoices back (Inkludera); audited with the reason they had."""
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    with write_transaction():
        states = _states(ids)
        skipped = _not_movable(ids, states, want_excluded=True)
        wanted = [i for i in ids if i in states and states[i][1] is None and states[i][2] is not None]
        moved = _bulk_update(
            wanted,
            {Invoice.excluded_reason: None, Invoice.excluded_by: None, Invoice.excluded_at: None},
            Invoice.excluded_at.is_null(False),
        )
        audit.record_many([("invoice.included", "invoice", states[i][0],
                            f"inkluderad för inkasso igen (undantagen: {states[i][3] or ''})")
                           for i in moved])
    return MoveResult(moved, skipped)


def _not_movable(ids: Sequence[int], states: dict[int, tuple[str, int | None, Any, str | None]],
                 *, want_excluded: bool) -> list[TakenInvoice]:
    skipped = []
    for i in ids:
        if i not in states:
            skipped.append(TakenInvoice(i, str(i), "finns inte"))
        elif states[i][1] is not None:
            skipped.append(TakenInvoice(i, states[i][0], "redan i ett inkassoärende"))
        elif want_excluded and states[i][2] is None:
            skipped.append(TakenInvoice(i, states[i][0], "är inte undantagen"))
        elif not want_excluded and states[i][2] is not None:
            skipped.append(TakenInvoice(i, states[i][0], "redan undantagen"))
    return skipped


def _bulk_update(ids: list[int], values: dict[pw.Field, Any], guard: pw.ColumnBase) -> list[int]:
    """UPDATE the invoices in chunks, only where still without case and matching ``guard``.

    Returns the ids changed: all of them when the row counts add up; otherwise (someone changed
    some meanwhile, PostgreSQL) the ones now holding the new values.
    """
    changed = 0
    for chunk in pw.chunked(ids, CHUNK):
        changed += Invoice.update(values).where(
            Invoice.id.in_(chunk), Invoice.collection_case.is_null(), guard
        ).execute()
    if changed == len(ids):
        return ids
    at = values.get(Invoice.excluded_at)
    check = Invoice.excluded_at.is_null() if at is None else (Invoice.excluded_at == at)

    def query(chunk: list[int]) -> Any:
        return tuple_rows(Invoice.select(Invoice.id).where(Invoice.id.in_(chunk), check))

    now_set = {r[0] for r in fetch_in_chunks(query, ids, CHUNK)}
    return [i for i in ids if i in now_set]
