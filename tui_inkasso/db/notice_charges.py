"""Fees of notices that came from elsewhere become charges (issue 13, the claim model).

A ledger imported from another system and the demo's made-up history record their letters as
``dunning_notice`` rows with the fee each charged, written in bulk without the run that would
have charged the fee here. This turns each such fee into its ``invoice_charge``, the same way
schema version 4 turned the fees of older ledgers into charges (``db/migration_v4.py``): a
collection fee from level 2 on, a reminder fee on level 1; open while the invoice has capital
open, written off on a settled one (that history settled capital only); never booked, so the
income is booked when a payment settles it. Then the invoices' ``fees`` become the sums of their
open fee charges. Set-based SQL, for a million invoices as for one.
"""

from __future__ import annotations

from collections.abc import Sequence

import peewee as pw

from tui_inkasso.db.bulk import CHUNK

_FEE_KIND = """CASE WHEN n."level" > 1 THEN 'collection_fee' ELSE 'reminder_fee' END"""


def charge_notice_fees(database: pw.Database, invoice_ids: Sequence[int] | None = None) -> None:
    """Charge every notice fee that has no charge yet, on ``invoice_ids`` (None: all invoices),
    and recompute those invoices' open fees."""
    if invoice_ids is None:
        _run(database, None, ())
        return
    for start in range(0, len(invoice_ids), CHUNK):
        chunk = tuple(invoice_ids[start:start + CHUNK])
        _run(database, ", ".join(database.param for _ in chunk), chunk)


def _run(database: pw.Database, marks: str | None, params: tuple[int, ...]) -> None:
    """The charges, then the invoices' fees; ``marks`` the placeholders of ``params`` (the
    invoices' ids) or None for every invoice."""
    def scope(column: str) -> str:
        return f" AND {column} IN ({marks})" if marks is not None else ""

    database.execute_sql(
        'INSERT INTO "invoice_charge" ("invoice_id", "kind", "amount", "open_amount", "written_off", '
        '"charged_on", "notice_id", "run_id") '
        f'SELECT n."invoice_id", {_FEE_KIND}, n."fee", '
        'CASE WHEN i."balance" > 0 THEN n."fee" ELSE 0 END, CASE WHEN i."balance" > 0 THEN 0 ELSE n."fee" END, '
        'n."issued_on", n."id", n."run_id" '
        'FROM "dunning_notice" n JOIN "invoice" i ON i."id" = n."invoice_id" '
        'WHERE n."fee" > 0 AND NOT EXISTS (SELECT 1 FROM "invoice_charge" g WHERE g."notice_id" = n."id")'
        + scope('i."id"'), params)
    # The invoices' fees are the sums of their open fee charges, written only where they change:
    # an UPDATE that writes the same value still rewrites the row (on PostgreSQL every index entry
    # of it; the demo's 50,000 charged invoices cost 4 s of the server's CPU so).
    database.execute_sql(
        'UPDATE "invoice" SET "fees" = s."open" FROM (SELECT g."invoice_id", '
        """SUM(CASE WHEN g."kind" <> 'interest' THEN g."open_amount" ELSE 0 END) AS "open" """
        'FROM "invoice_charge" g WHERE 1 = 1' + scope('g."invoice_id"') + ' GROUP BY g."invoice_id") AS s '
        'WHERE "invoice"."id" = s."invoice_id" AND "invoice"."fees" <> s."open"'
        + scope('"invoice"."id"'), params + params)
    database.execute_sql(
        'UPDATE "invoice" SET "fees" = 0 WHERE "fees" <> 0 AND NOT EXISTS '
        '(SELECT 1 FROM "invoice_charge" g WHERE g."invoice_id" = "invoice"."id")'
        + scope('"invoice"."id"'), params)
