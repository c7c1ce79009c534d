"""Schema version 1, frozen: the tables a database stamped version 1 has, as they were released.

The migration tests build an old database from these copies, never from ``db/models.py``: a later
change to a model must come with a migration, and must not quietly change what "version 1" means
here. Written out from the models of version 1; do not edit (a new schema version is a new
migration in ``db/migrations.py``, not a change to this file). Defaults are Python-side in peewee
and not part of the tables, so they are left out.
"""

from __future__ import annotations

import peewee as pw


def v1_models() -> list[type[pw.Model]]:
    """Fresh, unbound model classes of every table of version 1, in dependency order."""

    class Base(pw.Model):
        class Meta:
            legacy_table_names = False

    class SchemaVersion(Base):
        version = pw.IntegerField()
        migrated_at = pw.DateTimeField()

    class Setting(Base):
        key = pw.CharField(max_length=100, primary_key=True)
        value = pw.TextField()
        changed_at = pw.DateTimeField()
        changed_by = pw.CharField(max_length=100)

    class AuditEntry(Base):
        at = pw.DateTimeField(index=True)
        user = pw.CharField(max_length=100)
        action = pw.CharField(max_length=100, index=True)
        object_type = pw.CharField(max_length=50)
        object_id = pw.CharField(max_length=100, index=True)
        details = pw.TextField()

    class Owner(Base):
        code = pw.CharField(max_length=40, unique=True)
        name = pw.CharField(max_length=200)
        org_no = pw.CharField(max_length=13)
        bankgiro = pw.CharField(max_length=10, null=True)
        plusgiro = pw.CharField(max_length=10, null=True)
        address = pw.CharField(max_length=200)
        postal_code = pw.CharField(max_length=10)
        city = pw.CharField(max_length=100)
        phone = pw.CharField(max_length=40)
        email = pw.CharField(max_length=200)

    class Account(Base):
        owner = pw.ForeignKeyField(Owner, on_delete="CASCADE")
        role = pw.CharField(max_length=60)
        number = pw.CharField(max_length=10)
        name = pw.CharField(max_length=100)

        class Meta:
            indexes = [(('owner', 'role'), True)]

    class Property(Base):
        code = pw.CharField(max_length=40, unique=True)
        owner = pw.ForeignKeyField(Owner)
        designation = pw.CharField(max_length=100)
        name = pw.CharField(max_length=200)
        area = pw.CharField(max_length=100, index=True)

    class ObjectType(Base):
        code = pw.CharField(max_length=20, unique=True)
        name = pw.CharField(max_length=100)
        sfi = pw.CharField(max_length=20)

    class RentalObject(Base):
        code = pw.CharField(max_length=40, unique=True)
        property = pw.ForeignKeyField(Property)
        object_type = pw.ForeignKeyField(ObjectType)
        address = pw.CharField(max_length=200)

    class Customer(Base):
        number = pw.CharField(max_length=40, unique=True)
        name = pw.CharField(max_length=200, index=True)
        national_id = pw.CharField(max_length=13, index=True)
        is_company = pw.BooleanField()
        address = pw.CharField(max_length=200)
        postal_code = pw.CharField(max_length=10)
        city = pw.CharField(max_length=100)
        email = pw.CharField(max_length=200)
        phone = pw.CharField(max_length=40)
        search_text = pw.CharField(max_length=400)
        dunning_blocked_reason = pw.CharField(max_length=200, null=True)
        dunning_blocked_by = pw.CharField(max_length=100, null=True)
        dunning_blocked_at = pw.DateTimeField(null=True)

    class Contract(Base):
        number = pw.CharField(max_length=40, unique=True)
        customer = pw.ForeignKeyField(Customer)
        rental_object = pw.ForeignKeyField(RentalObject)
        start_date = pw.DateField()
        end_date = pw.DateField(null=True)
        monthly_rent = pw.BigIntegerField()
        reminder_fee_allowed = pw.BooleanField()

    class CollectionFile(Base):
        kind = pw.CharField(max_length=20)
        system = pw.CharField(max_length=20)
        path = pw.CharField(max_length=500)
        file_id = pw.CharField(max_length=100, unique=True)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        records = pw.IntegerField()
        amount = pw.BigIntegerField()
        sha256 = pw.CharField(max_length=64)

    class CollectionCase(Base):
        number = pw.CharField(max_length=40, unique=True)
        system = pw.CharField(max_length=20)
        owner = pw.ForeignKeyField(Owner)
        customer = pw.ForeignKeyField(Customer)
        status = pw.CharField(max_length=40)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        file = pw.ForeignKeyField(CollectionFile, null=True)
        agency_reference = pw.CharField(max_length=100)
        capital = pw.BigIntegerField()
        fees = pw.BigIntegerField()
        interest = pw.BigIntegerField()
        closed_at = pw.DateTimeField(null=True)

    class Invoice(Base):
        number = pw.CharField(max_length=40, unique=True)
        kind = pw.CharField(max_length=10, index=True)
        owner = pw.ForeignKeyField(Owner)
        customer = pw.ForeignKeyField(Customer)
        rental_object = pw.ForeignKeyField(RentalObject, null=True)
        contract = pw.ForeignKeyField(Contract, null=True)
        invoice_date = pw.DateField()
        due_date = pw.DateField(index=True)
        ocr = pw.CharField(max_length=25, index=True)
        amount = pw.BigIntegerField()
        balance = pw.BigIntegerField()
        fees = pw.BigIntegerField()
        dunning_level = pw.IntegerField()
        dunning_date = pw.DateField(null=True)
        dunning_deadline = pw.DateField(null=True)
        dunning_blocked_reason = pw.CharField(max_length=200, null=True)
        dunning_blocked_by = pw.CharField(max_length=100, null=True)
        dunning_blocked_at = pw.DateTimeField(null=True)
        collection_case = pw.ForeignKeyField(CollectionCase, null=True)
        collection_marked_at = pw.DateTimeField(null=True)
        excluded_reason = pw.CharField(max_length=200, null=True)
        excluded_by = pw.CharField(max_length=100, null=True)
        excluded_at = pw.DateTimeField(null=True)

        class Meta:
            indexes = [(('dunning_level', 'dunning_deadline'), False)]

    class InvoiceRow(Base):
        invoice = pw.ForeignKeyField(Invoice, on_delete="CASCADE")
        line_no = pw.IntegerField()
        text = pw.CharField(max_length=200)
        amount = pw.BigIntegerField()

    class DunningLevelConfig(Base):
        level = pw.IntegerField(unique=True)
        name = pw.CharField(max_length=60)
        days = pw.IntegerField()
        fee = pw.BigIntegerField()
        deadline_days = pw.IntegerField()
        letter_text = pw.TextField()

    class DunningRun(Base):
        run_date = pw.DateField(index=True)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        notices = pw.IntegerField()
        fees = pw.BigIntegerField()
        pdf_path = pw.CharField(max_length=500, null=True)

    class DunningNotice(Base):
        invoice = pw.ForeignKeyField(Invoice, on_delete="CASCADE")
        run = pw.ForeignKeyField(DunningRun, null=True)
        level = pw.IntegerField()
        name = pw.CharField(max_length=60)
        issued_on = pw.DateField()
        deadline = pw.DateField()
        capital = pw.BigIntegerField()
        fee = pw.BigIntegerField()
        interest = pw.BigIntegerField()
        letter = pw.TextField(null=True)

        class Meta:
            indexes = [(('invoice', 'level'), True)]

    class PaymentFile(Base):
        file_name = pw.CharField(max_length=500)
        sha256 = pw.CharField(max_length=64, unique=True)
        format = pw.CharField(max_length=20)
        bank_file_id = pw.CharField(max_length=100, index=True)
        imported_at = pw.DateTimeField()
        imported_by = pw.CharField(max_length=100)
        payments = pw.IntegerField()
        amount = pw.BigIntegerField()

    class Payment(Base):
        kind = pw.CharField(max_length=10)
        method = pw.CharField(max_length=20)
        invoice = pw.ForeignKeyField(Invoice, null=True)
        customer = pw.ForeignKeyField(Customer, null=True)
        owner = pw.ForeignKeyField(Owner, null=True)
        amount = pw.BigIntegerField()
        invoice_amount = pw.BigIntegerField()
        excess_amount = pw.BigIntegerField()
        excess_role = pw.CharField(max_length=60, null=True)
        pay_date = pw.DateField(index=True)
        registered_at = pw.DateTimeField(index=True)
        registered_by = pw.CharField(max_length=100)
        reference = pw.CharField(max_length=100)
        sender_account = pw.CharField(max_length=40)
        payer_name = pw.CharField(max_length=200)
        payment_file = pw.ForeignKeyField(PaymentFile, null=True)
        bank_ref = pw.CharField(max_length=100, null=True, unique=True)
        status = pw.CharField(max_length=20, index=True)
        note = pw.CharField(max_length=200)
        collection_case = pw.ForeignKeyField(CollectionCase, null=True)

    class Voucher(Base):
        owner = pw.ForeignKeyField(Owner)
        number = pw.IntegerField()
        date = pw.DateField(index=True)
        text = pw.CharField(max_length=200)
        source = pw.CharField(max_length=40)
        payment = pw.ForeignKeyField(Payment, null=True)
        created_at = pw.DateTimeField()

        class Meta:
            indexes = [(('owner', 'number'), True)]

    class VoucherRow(Base):
        voucher = pw.ForeignKeyField(Voucher, on_delete="CASCADE")
        account = pw.CharField(max_length=10)
        amount = pw.BigIntegerField()
        text = pw.CharField(max_length=200)

    class CaseInvoice(Base):
        case = pw.ForeignKeyField(CollectionCase, on_delete="CASCADE")
        invoice = pw.ForeignKeyField(Invoice, unique=True)
        balance = pw.BigIntegerField()
        fees = pw.BigIntegerField()
        interest = pw.BigIntegerField()
        debt_type = pw.CharField(max_length=10)

    class CaseEvent(Base):
        case = pw.ForeignKeyField(CollectionCase, on_delete="CASCADE")
        at = pw.DateTimeField()
        user = pw.CharField(max_length=100)
        kind = pw.CharField(max_length=40)
        text = pw.TextField()

    class BalanceReport(Base):
        file = pw.ForeignKeyField(CollectionFile, null=True)
        owner = pw.ForeignKeyField(Owner, null=True)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        corrections = pw.IntegerField()
        amount = pw.BigIntegerField()

    class ReportedCorrection(Base):
        report = pw.ForeignKeyField(BalanceReport, on_delete="CASCADE")
        payment = pw.ForeignKeyField(Payment, unique=True)

    class ReferenceRate(Base):
        valid_from = pw.DateField(unique=True)
        rate_bp = pw.IntegerField()

    return [
        SchemaVersion, Setting, AuditEntry, Owner, Account, Property, ObjectType, RentalObject,
        Customer, Contract, CollectionFile, CollectionCase, Invoice, InvoiceRow,
        DunningLevelConfig, DunningRun, DunningNotice, PaymentFile, Payment, Voucher, VoucherRow,
        CaseInvoice, CaseEvent, BalanceReport, ReportedCorrection, ReferenceRate
    ]
