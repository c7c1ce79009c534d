"""Schema version 11 (issue 14, the store's speed): a charge's origin keys indexed only where set.

An ``InvoiceCharge`` has one origin: a letter's ``notice`` and ``run``, a handover's ``case``, or
the ``payment`` after which late interest was charged; the other keys are NULL. Their full indexes
held mostly NULLs and every charge written paid for all four: a collection run of 10,000 cases
writes 21,000 interest charges, whose notice, run and payment indexes cost the server 0.15 of
its 0.25 s for that COPY. Each index is now partial (``WHERE <key> IS NOT NULL``) under the same
name: every lookup by a key (``= id``, the foreign keys' checks on delete) implies the key is not
NULL, so SQLite's and PostgreSQL's planners use it as before.

The statements are written out here (frozen) as peewee writes them for the models, so a migrated
ledger and a new one have the same indexes.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

ORIGINS = ("notice_id", "run_id", "case_id", "payment_id")


def migrate_v11(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Each origin index dropped and created again holding the charges of that origin only."""
    for column in ORIGINS:
        name = f"invoice_charge_{column}"
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
        database.execute_sql(
            f'CREATE INDEX "{name}" ON "invoice_charge" ("{column}") WHERE ("{column}" IS NOT NULL)')
    if isinstance(database, pw.SqliteDatabase) and database.execute_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        # A ledger analysed before (a large one): the new indexes get statistics too.
        database.execute_sql("PRAGMA analysis_limit = 1000")
        database.execute_sql('ANALYZE "invoice_charge"')
