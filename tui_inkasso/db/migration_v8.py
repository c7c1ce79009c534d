"""Schema version 8 (issue 16, the reports): two partial indexes for the reports' questions.

* ``invoice_open``: the invoices with an open claim (capital, fees or interest not zero), with
  every column the aged receivables read (object, due date, the claim, invoice date, case, owner,
  customer). About 4 % of a ledger's invoices are open, so the report reads 37,000 index entries
  of the million-invoice demo instead of the million rows (on SQLite the index covers the query;
  0.22 s → 0.09 s CPU grouped by property).
* ``payment_agency``: the payments through the agency (method Inkasso), by date with their
  amount: the collection overview's "recovered through the agency" per month reads those alone
  instead of a year of payments.

The queries repeat each index's condition term for term (``services.claims_as_of``,
``services.collection_overview``), which is how SQLite's planner proves a partial index usable.
The statements are written out (frozen) as peewee writes them for the models; the tables'
planner statistics are refreshed at the end, as version 7 does.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

CREATED = (
    'CREATE INDEX "invoice_open" ON "invoice" ("rental_object_id", "due_date", "balance", "fees", "interest", '
    '"invoice_date", "collection_case_id", "owner_id", "customer_id") '
    'WHERE ((("balance" != 0) OR ("fees" != 0)) OR ("interest" != 0))',
    """CREATE INDEX "payment_agency" ON "payment" ("pay_date", "amount") WHERE ("method" = 'inkasso')""",
)


def migrate_v8(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Create the two indexes, refresh the statistics of their tables."""
    for sql in CREATED:
        database.execute_sql(sql)
    if isinstance(database, pw.SqliteDatabase):
        # as in version 7: statistics only where the ledger has some already
        if not database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return
        database.execute_sql("PRAGMA analysis_limit = 1000")
    for table in ("invoice", "payment"):
        database.execute_sql(f'ANALYZE "{table}"')
