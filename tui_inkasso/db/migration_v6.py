"""Schema version 6 (issue 15): rent arrears, termination and the notice to socialnämnden.

* ``property.municipality``: the municipality (kommun) a property lies in, whose socialnämnd
  gets the notice when a dwelling tenant there is terminated for unpaid rent (12 kap. 44 §
  jordabalken). Existing properties get "" (unknown): a termination run refuses a dwelling of
  such a property and says so, until staff set it.
* ``rental_object.rooms`` and ``rental_object.floor_area``: a dwelling's size, which the notice
  to socialnämnden (formulär 3, förordning (1978:314)) asks for. Existing objects get none.
* New tables: ``socialnamnd`` (the register of addresses per municipality),
  ``arrears_exclusion`` (contracts kept off the list, with the reason), ``termination_run``,
  ``termination_file``, ``termination`` and ``termination_invoice``.

Both text columns are added with a SQL default, so neither database rewrites its table. The
models are frozen copies, as they were at version 6.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate


def migrate_v6(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Add the columns and create the tables."""
    migrate(
        migrator.add_column("property", "municipality",
                            pw.CharField(max_length=60, default="", constraints=[pw.SQL("DEFAULT ''")])),
        migrator.add_column("rental_object", "rooms",
                            pw.CharField(max_length=60, default="", constraints=[pw.SQL("DEFAULT ''")])),
        migrator.add_column("rental_object", "floor_area", pw.IntegerField(null=True)),
    )
    _create_tables(database)


def _create_tables(database: pw.Database) -> None:
    class Base(pw.Model):
        class Meta:
            legacy_table_names = False

    class Owner(Base):
        class Meta:
            table_name = "owner"

    class Customer(Base):
        class Meta:
            table_name = "customer"

    class RentalObject(Base):
        class Meta:
            table_name = "rental_object"

    class Contract(Base):
        class Meta:
            table_name = "contract"

    class Invoice(Base):
        class Meta:
            table_name = "invoice"

    class Socialnamnd(Base):
        municipality = pw.CharField(max_length=60, unique=True)
        address = pw.TextField()
        email = pw.CharField(max_length=200, default="")
        changed_at = pw.DateTimeField()
        changed_by = pw.CharField(max_length=100)

    class ArrearsExclusion(Base):
        contract = pw.ForeignKeyField(Contract, unique=True, backref="arrears_exclusions", on_delete="CASCADE")
        reason = pw.CharField(max_length=200)
        excluded_by = pw.CharField(max_length=100)
        excluded_at = pw.DateTimeField()

    class TerminationRun(Base):
        run_date = pw.DateField(index=True)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        terminations = pw.IntegerField(default=0)
        amount = pw.BigIntegerField(default=0)

    class TerminationFile(Base):
        run = pw.ForeignKeyField(TerminationRun, backref="files", on_delete="CASCADE", index=True)
        kind = pw.CharField(max_length=20)
        municipality = pw.CharField(max_length=60, default="")
        path = pw.CharField(max_length=500)
        sha256 = pw.CharField(max_length=64, default="")

    class Termination(Base):
        run = pw.ForeignKeyField(TerminationRun, backref="termination_set", index=True)
        contract = pw.ForeignKeyField(Contract, backref="terminations", index=True)
        customer = pw.ForeignKeyField(Customer, backref="terminations", index=True)
        owner = pw.ForeignKeyField(Owner, backref="terminations")
        rental_object = pw.ForeignKeyField(RentalObject, backref="terminations")
        premises = pw.CharField(max_length=10)
        terminated_on = pw.DateField()
        created_at = pw.DateTimeField()
        recovery_amount = pw.BigIntegerField()
        municipality = pw.CharField(max_length=60, default="")
        served_on = pw.DateField(null=True)
        served_how = pw.CharField(max_length=30, null=True)
        socialnamnd_received_on = pw.DateField(null=True)
        state = pw.CharField(max_length=30, index=True)
        state_since = pw.DateField()
        letter = pw.TextField()
        notice = pw.TextField(null=True)

    class TerminationInvoice(Base):
        termination = pw.ForeignKeyField(Termination, backref="invoice_links", on_delete="CASCADE")
        invoice = pw.ForeignKeyField(Invoice, backref="termination_links", index=True)
        due_date = pw.DateField()
        amount = pw.BigIntegerField()
        counted_through = pw.BigIntegerField(default=0)

        class Meta:
            indexes = ((("termination", "invoice"), True),)

    frozen = [Socialnamnd, ArrearsExclusion, TerminationRun, TerminationFile, Termination, TerminationInvoice]
    with database.bind_ctx([Owner, Customer, RentalObject, Contract, Invoice, *frozen]):
        database.create_tables(frozen)
