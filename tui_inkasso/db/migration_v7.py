"""Schema version 7 (issues 11 and 14, the store): partial indexes for the hot questions, the
low-value indexes retired, no planner hints.

Dropped (each read a large part of its table or none of the queries used it, and each cost
every bulk write its upkeep): ``invoice_kind`` (two values), ``invoice_owner_id`` and
``payment_owner_id`` (a handful of owners), ``payment_registered_at`` (no query),
``payment_status`` (nearly every payment is "booked"), ``customer_name`` (only the name search
used it, walking it was slower than a scan), and the full indexes
``invoice_dunning_level_dunning_deadline``, ``invoice_collection_case_id``,
``payment_collection_case_id`` and the unique ``payment_bank_ref``, replaced by partial ones:

* ``invoice_ready``: (dunning_level, dunning_deadline) of the invoices with a balance, in no case,
  not excluded: ready for collection, the wizard's upper table;
* ``invoice_excluded``: the invoices excluded from collection, the wizard's lower table (which
  had no index and read every invoice);
* ``invoice_in_case`` and ``payment_on_case``: the few invoices and payments that are on a case
  (a case's invoices, the balance corrections);
* ``payment_bank_ref``: unique where set (only a bank file's payments have a key; a million NULLs
  in the index misled SQLite's planner into scanning for a file's lookup);
* ``payment_unmatched``: the payments waiting for a hand, by date.

The statements are written out here (frozen: a later model change cannot change this step) as
peewee writes them for the models, so a migrated ledger and a new one have the same indexes. The
tables' planner statistics are refreshed at the end (``db/statistics.py``).
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

DROPPED = (
    "invoice_kind", "invoice_owner_id", "invoice_collection_case_id", "invoice_dunning_level_dunning_deadline",
    "payment_owner_id", "payment_registered_at", "payment_status", "payment_collection_case_id",
    "payment_bank_ref", "customer_name",
)

CREATED = (
    'CREATE INDEX "invoice_ready" ON "invoice" ("dunning_level", "dunning_deadline") '
    'WHERE ((("balance" > 0) AND ("collection_case_id" IS NULL)) AND ("excluded_at" IS NULL))',
    'CREATE INDEX "invoice_excluded" ON "invoice" ("excluded_at") WHERE ("excluded_at" IS NOT NULL)',
    'CREATE INDEX "invoice_in_case" ON "invoice" ("collection_case_id") WHERE ("collection_case_id" IS NOT NULL)',
    'CREATE UNIQUE INDEX "payment_bank_ref" ON "payment" ("bank_ref") WHERE ("bank_ref" IS NOT NULL)',
    'CREATE INDEX "payment_on_case" ON "payment" ("collection_case_id") WHERE ("collection_case_id" IS NOT NULL)',
    """CREATE INDEX "payment_unmatched" ON "payment" ("pay_date") WHERE ("status" = 'unmatched')""",
)


def migrate_v7(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Drop the retired indexes, create the partial ones, refresh the statistics."""
    for name in DROPPED:
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for sql in CREATED:
        database.execute_sql(sql)
    if isinstance(database, pw.SqliteDatabase):
        # Statistics only where the ledger has some already (a large ledger, analysed after its
        # load): the new partial indexes must not be weighed against the others without any.
        if not database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return
        database.execute_sql("PRAGMA analysis_limit = 1000")
    for table in ("invoice", "payment", "customer"):
        database.execute_sql(f'ANALYZE "{table}"')
