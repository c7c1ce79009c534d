"""Schema version 9 (issue 17): who may do what, and four eyes on payment routing.

* ``staff_user``: the people who may use the ledger and their role (Läsare, Handläggare,
  Administratör). A ledger upgraded from version 8 or earlier has none: the first person to use it after
  the upgrade becomes its administrator (``services.permissions``; docs/permissions.md says so
  for the staff who upgrade), as the first person of a new ledger does.
* ``proposal``: changes to payment routing and data egress waiting for a second administrator
  (``services.approvals``).

The models are frozen copies, as they were at version 9.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def migrate_v9(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Create the two tables."""

    class Base(pw.Model):
        class Meta:
            legacy_table_names = False

    class StaffUser(Base):
        login = pw.CharField(primary_key=True, max_length=63)
        role = pw.CharField(max_length=10)
        added_at = pw.DateTimeField()
        added_by = pw.CharField(max_length=100)

    class Proposal(Base):
        kind = pw.CharField(max_length=20)
        target = pw.CharField(max_length=100)
        field = pw.CharField(max_length=100, default="")
        key = pw.CharField(max_length=200)
        old_value = pw.TextField()
        new_value = pw.TextField()
        status = pw.CharField(max_length=12, index=True)
        proposed_by = pw.CharField(max_length=100)
        proposed_at = pw.DateTimeField()
        decided_by = pw.CharField(max_length=100, null=True)
        decided_at = pw.DateTimeField(null=True)

    frozen = [StaffUser, Proposal]
    with database.bind_ctx(frozen):
        database.create_tables(frozen)
