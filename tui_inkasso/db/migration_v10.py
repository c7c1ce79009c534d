"""Schema version 10 (issue 14, the store's speed): indexes that another index already serves dropped.

Each of these single-column indexes on a foreign key is the leading column of a unique index on
the same table, which answers every lookup by that key (and SQLite's and PostgreSQL's foreign-key
checks on delete) as well; each cost every insert its upkeep, the voucher's most (a payment file
of 100,000 payments writes 100,000 vouchers):

* ``voucher_owner_id`` (``voucher_owner_id_number``: owner, number),
* ``dunning_notice_invoice_id`` (``dunning_notice_invoice_id_level``: invoice, level),
* ``account_owner_id`` (``account_owner_id_role``),
* ``service_run_service_id`` (``service_run_service_id_slot``),
* ``termination_invoice_termination_id`` (``termination_invoice_termination_id_invoice_id``).

The models say ``index=False`` on those keys, so a new ledger never gets them.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

DROPPED = (
    "voucher_owner_id",
    "dunning_notice_invoice_id",
    "account_owner_id",
    "service_run_service_id",
    "termination_invoice_termination_id",
)


def migrate_v10(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Drop the indexes a unique index covers."""
    for name in DROPPED:
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
