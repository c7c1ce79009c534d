"""The ledger (reskontra) and everything recorded about collection, as peewee models.

Money is integer öre in ``IntegerField``/``BigIntegerField`` columns; dates are ``DateField``.
Some state is kept on the invoice itself (balance, dunning level, collection marks) because every
screen filters on it and a million invoices must answer in milliseconds; the services that change
payments, notices and cases keep those columns right inside the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from tui_inkasso.db.connection import db

# The closed sets of codes stored in these columns live in the domain (screens and the CLI need
# them without the database layer); they stay importable from here, where the columns are.
from tui_inkasso.domain.codes import AccountRole as AccountRole
from tui_inkasso.domain.codes import CaseStatus as CaseStatus
from tui_inkasso.domain.codes import InvoiceKind as InvoiceKind
from tui_inkasso.domain.codes import PaymentKind as PaymentKind
from tui_inkasso.domain.codes import PaymentMethod as PaymentMethod


class BaseModel(pw.Model):
    """All models share the proxy and snake_case table names."""

    if TYPE_CHECKING:
        # The primary key peewee adds to every model that names none (Setting names its key).
        id = pw.AutoField()

    # Each foreign key ``x`` below is followed by ``x_id: int`` (``int | None`` where it may be
    # null): the bare annotation only tells the type checker about the raw id peewee sets on every
    # instance under that name (no query for the related row); it adds no field or column.

    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version this database has been migrated to."""

    version = pw.IntegerField()
    migrated_at = pw.DateTimeField()


class Setting(BaseModel):
    """A validated key/value setting (see services/setting_keys.py for the keys)."""

    key = pw.CharField(primary_key=True, max_length=100)
    value = pw.TextField()
    changed_at = pw.DateTimeField()
    changed_by = pw.CharField(max_length=100)


class AuditEntry(BaseModel):
    """Who did what to which object, and when; who is the identity ``services.clock.current_user``
    gives (the OS login on SQLite, the session's database role on PostgreSQL)."""

    at = pw.DateTimeField(index=True)
    user = pw.CharField(max_length=100)
    action = pw.CharField(max_length=100, index=True)
    object_type = pw.CharField(max_length=50)
    object_id = pw.CharField(max_length=100, index=True)
    details = pw.TextField(default="")


class StaffUser(BaseModel):
    """A person who may use this ledger, and their role (``domain.codes.StaffRole``).

    ``login`` is who the program says they are, never something they type: the operating
    system's login on SQLite, the database role of the session on PostgreSQL
    (``services.clock.current_user``). The first person to use a ledger without users becomes
    its administrator (``services.permissions``)."""

    login = pw.CharField(primary_key=True, max_length=63)
    role = pw.CharField(max_length=10)
    added_at = pw.DateTimeField()
    added_by = pw.CharField(max_length=100)


class Proposal(BaseModel):
    """A change to payment routing or data egress waiting for a second administrator (four
    eyes, ``services.approvals``): the old value stays in force until another administrator
    than the proposer approves it.

    ``kind`` says what is changed: a setting (``target`` its key), an owner's bankgiro,
    plusgiro or account for a role (``target`` the owner's id, ``field`` "bankgiro",
    "plusgiro" or the account role) or a scheduled service's e-mail recipients (``target`` the
    service's id, ``field`` "notify_emails"). ``key`` names it for people and scripts
    ("collection.upload_url", "owner.AB1.bankgiro")."""

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


class Owner(BaseModel):
    """Ägare: the legal entity that owns properties and is the creditor of their invoices."""

    code = pw.CharField(unique=True, max_length=40)
    name = pw.CharField(max_length=200)
    org_no = pw.CharField(max_length=13)
    bankgiro = pw.CharField(max_length=10, null=True)
    plusgiro = pw.CharField(max_length=10, null=True)
    address = pw.CharField(max_length=200, default="")
    postal_code = pw.CharField(max_length=10, default="")
    city = pw.CharField(max_length=100, default="")
    phone = pw.CharField(max_length=40, default="")
    email = pw.CharField(max_length=200, default="")
    ocr_control = pw.CharField(max_length=30, default="check_digit_and_length",
                               constraints=[pw.SQL("DEFAULT 'check_digit_and_length'")])
    """How strictly the owner's receiving bankgiro/plusgiro checks OCR references
    (``domain.ocr_control.OcrControl``: none, check_digit, check_digit_and_length); the ledger
    import and payment matching check an invoice's OCR at this level."""


class Account(BaseModel):
    """The ledger account an owner maps to an account role (kontovärde)."""

    owner = pw.ForeignKeyField(Owner, backref="accounts", on_delete="CASCADE", index=False)  # the unique index below leads with it (v10)
    owner_id: int
    role = pw.CharField(max_length=60)
    number = pw.CharField(max_length=10)
    name = pw.CharField(max_length=100, default="")

    class Meta:
        indexes = ((("owner", "role"), True),)


class Property(BaseModel):
    """Fastighet, in an area (område)."""

    code = pw.CharField(unique=True, max_length=40)
    owner = pw.ForeignKeyField(Owner, backref="properties")
    owner_id: int
    designation = pw.CharField(max_length=100)
    name = pw.CharField(max_length=200, default="")
    area = pw.CharField(max_length=100, default="", index=True)
    municipality = pw.CharField(max_length=60, default="", constraints=[pw.SQL("DEFAULT ''")])
    """Kommun: the socialnämnd of a dwelling here gets the notice of 12 kap. 44 § jordabalken."""


class ObjectType(BaseModel):
    """Objektstyp, carrying the SFI category that decides the agency's debt type."""

    code = pw.CharField(unique=True, max_length=20)
    name = pw.CharField(max_length=100)
    sfi = pw.CharField(max_length=20, default="ej_vald")


class RentalObject(BaseModel):
    """Objekt: an apartment, premises, parking space, storage room or garage."""

    code = pw.CharField(unique=True, max_length=40)
    property = pw.ForeignKeyField(Property, backref="objects")
    property_id: int
    object_type = pw.ForeignKeyField(ObjectType, backref="objects")
    object_type_id: int
    address = pw.CharField(max_length=200, default="")
    rooms = pw.CharField(max_length=60, default="", constraints=[pw.SQL("DEFAULT ''")])
    """A dwelling's size as rooms ("2 rum och kök"), which the notice to socialnämnden states."""
    floor_area = pw.IntegerField(null=True)
    """Square metres, when known (the notice to socialnämnden states it with the rooms)."""


class Customer(BaseModel):
    """Kund: a tenant or other debtor, a person (personnummer) or a company (orgnr)."""

    number = pw.CharField(unique=True, max_length=40)
    name = pw.CharField(max_length=200)
    national_id = pw.CharField(max_length=13, index=True)
    is_company = pw.BooleanField(default=False)
    address = pw.CharField(max_length=200, default="")
    postal_code = pw.CharField(max_length=10, default="")
    city = pw.CharField(max_length=100, default="")
    email = pw.CharField(max_length=200, default="")
    phone = pw.CharField(max_length=40, default="")
    search_text = pw.CharField(max_length=400, default="")
    dunning_blocked_reason = pw.CharField(max_length=200, null=True)
    dunning_blocked_by = pw.CharField(max_length=100, null=True)
    dunning_blocked_at = pw.DateTimeField(null=True)


class Contract(BaseModel):
    """Hyresavtal: a customer's lease of an object; says whether a reminder fee may be charged."""

    number = pw.CharField(unique=True, max_length=40)
    customer = pw.ForeignKeyField(Customer, backref="contracts")
    customer_id: int
    rental_object = pw.ForeignKeyField(RentalObject, backref="contracts")
    rental_object_id: int
    start_date = pw.DateField()
    end_date = pw.DateField(null=True)
    monthly_rent = pw.BigIntegerField(default=0)
    reminder_fee_allowed = pw.BooleanField(default=True)


class CollectionFile(BaseModel):
    """A file handed to a collection agency (cases or balance corrections) or an Excel sheet."""

    kind = pw.CharField(max_length=20)
    system = pw.CharField(max_length=20)
    path = pw.CharField(max_length=500)
    file_id = pw.CharField(max_length=100, unique=True)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    records = pw.IntegerField(default=0)
    amount = pw.BigIntegerField(default=0)
    sha256 = pw.CharField(max_length=64, default="")


class CollectionCase(BaseModel):
    """Inkassoärende: one debtor's claim towards one owner, holding one or more invoices."""

    number = pw.CharField(unique=True, max_length=40)
    system = pw.CharField(max_length=20)
    owner = pw.ForeignKeyField(Owner, backref="cases", index=True)
    owner_id: int
    customer = pw.ForeignKeyField(Customer, backref="cases", index=True)
    customer_id: int
    status = pw.CharField(max_length=40, default=CaseStatus.REGISTERED.value)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    file = pw.ForeignKeyField(CollectionFile, backref="cases", null=True)
    file_id: int | None
    agency_reference = pw.CharField(max_length=100, default="")
    capital = pw.BigIntegerField(default=0)
    fees = pw.BigIntegerField(default=0)
    interest = pw.BigIntegerField(default=0)
    closed_at = pw.DateTimeField(null=True)


class Invoice(BaseModel):
    """A rent or direct invoice with its denormalised state.

    ``balance`` is the open capital: amount less what payments and credits settled of it.
    ``fees`` and ``interest`` are the open fees and late interest charged on it (the sums of its
    open :class:`InvoiceCharge` rows, kept here for the lists; ``interest`` has a SQL default so
    that loaders writing the older columns need not name it), ``interest_to`` the last day a
    charge of interest covered. ``dunning_level``/``dunning_deadline`` are the last notice issued
    and its payment deadline; ``collection_case`` is set when the invoice is collection-marked;
    ``excluded_*`` when staff kept it out of collection.
    """

    number = pw.CharField(unique=True, max_length=40)
    kind = pw.CharField(max_length=10)
    owner = pw.ForeignKeyField(Owner, backref="invoices", index=False)
    owner_id: int
    customer = pw.ForeignKeyField(Customer, backref="invoices", index=True)
    customer_id: int
    rental_object = pw.ForeignKeyField(RentalObject, backref="invoices", null=True, index=True)
    rental_object_id: int | None
    contract = pw.ForeignKeyField(Contract, backref="invoices", null=True)
    contract_id: int | None
    invoice_date = pw.DateField()
    due_date = pw.DateField(index=True)
    ocr = pw.CharField(max_length=25, index=True)
    amount = pw.BigIntegerField()
    balance = pw.BigIntegerField()
    fees = pw.BigIntegerField(default=0)
    interest = pw.BigIntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])
    interest_to = pw.DateField(null=True)
    dunning_level = pw.IntegerField(default=0)
    dunning_date = pw.DateField(null=True)
    dunning_deadline = pw.DateField(null=True)
    dunning_blocked_reason = pw.CharField(max_length=200, null=True)
    dunning_blocked_by = pw.CharField(max_length=100, null=True)
    dunning_blocked_at = pw.DateTimeField(null=True)
    collection_case = pw.ForeignKeyField(CollectionCase, null=True, index=False, backref="invoice_set")
    collection_case_id: int | None
    collection_marked_at = pw.DateTimeField(null=True)
    excluded_reason = pw.CharField(max_length=200, null=True)
    excluded_by = pw.CharField(max_length=100, null=True)
    excluded_at = pw.DateTimeField(null=True)


# Partial indexes for the hot questions (schema version 7, db/migration_v7.py): each holds only
# the few rows its question is about, and the query that asks it repeats the condition term for
# term, so SQLite's planner (which proves a partial index usable by matching terms) and
# PostgreSQL's both read the index instead of a million invoices. No planner hints anywhere.
Invoice.add_index(Invoice.index(Invoice.dunning_level, Invoice.dunning_deadline, name="invoice_ready").where(
    (Invoice.balance > 0) & Invoice.collection_case.is_null() & Invoice.excluded_at.is_null()))
"""Ready for collection (``ready_for_collection.ready_for_collection_query``, the wizard's upper table)."""
Invoice.add_index(Invoice.index(Invoice.excluded_at, name="invoice_excluded").where(
    Invoice.excluded_at.is_null(False)))
"""Excluded from collection (the wizard's lower table)."""
Invoice.add_index(Invoice.index(Invoice.collection_case, name="invoice_in_case").where(
    Invoice.collection_case.is_null(False)))
"""A case's invoices, and the invoices that are in a case."""
Invoice.add_index(Invoice.index(
    Invoice.rental_object, Invoice.due_date, Invoice.balance, Invoice.fees, Invoice.interest, Invoice.invoice_date,
    Invoice.collection_case, Invoice.owner, Invoice.customer, name="invoice_open",
).where((Invoice.balance != 0) | (Invoice.fees != 0) | (Invoice.interest != 0)))
"""The invoices with an open claim, with the columns the aged receivables read (schema version 8,
db/migration_v8.py; ``services.claims_as_of`` repeats the condition)."""


class InvoiceRow(BaseModel):
    """A line of an invoice: text and amount."""

    invoice = pw.ForeignKeyField(Invoice, backref="rows", on_delete="CASCADE", index=True)
    invoice_id: int
    line_no = pw.IntegerField()
    text = pw.CharField(max_length=200)
    amount = pw.BigIntegerField()


class DunningLevelConfig(BaseModel):
    """A configured dunning level (kravnivå): reminder first, then demands."""

    level = pw.IntegerField(unique=True)
    name = pw.CharField(max_length=60)
    days = pw.IntegerField()
    fee = pw.BigIntegerField(default=0)
    deadline_days = pw.IntegerField(default=10)
    letter_text = pw.TextField(default="")
    kind = pw.CharField(max_length=20, default="", constraints=[pw.SQL("DEFAULT ''")])
    """``domain.level_kinds.LevelKind`` code: reminder, reminder_no_fee, collection_demand."""


class DunningRun(BaseModel):
    """A reminder/demand run: when, by whom, how many notices, where the letters went."""

    run_date = pw.DateField(index=True)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    notices = pw.IntegerField(default=0)
    fees = pw.BigIntegerField(default=0)
    pdf_path = pw.CharField(max_length=500, null=True)


class DunningNotice(BaseModel):
    """A reminder or demand issued for an invoice, with its letter as sent (JSON)."""

    invoice = pw.ForeignKeyField(Invoice, backref="notices", on_delete="CASCADE", index=False)  # the unique index below leads with it (v10)
    invoice_id: int
    run = pw.ForeignKeyField(DunningRun, backref="notice_set", null=True)
    run_id: int | None
    level = pw.IntegerField()
    name = pw.CharField(max_length=60)
    issued_on = pw.DateField()
    deadline = pw.DateField()
    capital = pw.BigIntegerField(default=0)
    fee = pw.BigIntegerField(default=0)
    interest = pw.BigIntegerField(default=0)
    letter = pw.TextField(null=True)

    class Meta:
        indexes = ((("invoice", "level"), True),)


class PaymentFile(BaseModel):
    """An imported bank file (BgMax, Total IN): never booked twice."""

    file_name = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64, unique=True)
    format = pw.CharField(max_length=20)
    bank_file_id = pw.CharField(max_length=100, index=True)
    imported_at = pw.DateTimeField()
    imported_by = pw.CharField(max_length=100)
    payments = pw.IntegerField(default=0)
    amount = pw.BigIntegerField(default=0)


class Payment(BaseModel):
    """A payment received or a credit, and how it was applied.

    ``amount`` is what came in; ``invoice_amount`` the part that settled the invoice's claim
    (its capital, and the fees and interest charged on it: the charges' shares are the
    payment's :class:`ChargeSettlement` rows, the capital's is the rest); ``excess_amount`` what
    exceeded the whole claim, booked to ``excess_role`` (prepayment, or the owner's account for
    "Överskjutande betalning inkasso"). An unmatched payment has no invoice yet.
    """

    kind = pw.CharField(max_length=10, default=PaymentKind.PAYMENT.value)
    method = pw.CharField(max_length=20)
    invoice = pw.ForeignKeyField(Invoice, backref="payments", null=True, index=True)
    invoice_id: int | None
    customer = pw.ForeignKeyField(Customer, backref="payments", null=True, index=True)
    customer_id: int | None
    owner = pw.ForeignKeyField(Owner, backref="payments", null=True, index=False)
    owner_id: int | None
    amount = pw.BigIntegerField()
    invoice_amount = pw.BigIntegerField(default=0)
    excess_amount = pw.BigIntegerField(default=0)
    excess_role = pw.CharField(max_length=60, null=True)
    pay_date = pw.DateField(index=True)
    registered_at = pw.DateTimeField()
    registered_by = pw.CharField(max_length=100)
    reference = pw.CharField(max_length=100, default="")
    sender_account = pw.CharField(max_length=40, default="")
    payer_name = pw.CharField(max_length=200, default="")
    payment_file = pw.ForeignKeyField(PaymentFile, backref="payment_set", null=True, index=True)
    payment_file_id: int | None
    bank_ref = pw.CharField(max_length=100, null=True)
    """Unique where set (the partial index ``payment_bank_ref``): a bank file's key of the payment."""
    status = pw.CharField(max_length=20, default="booked")
    note = pw.CharField(max_length=200, default="")
    collection_case = pw.ForeignKeyField(CollectionCase, backref="corrections", null=True, index=False)
    """Set when the payment was booked on an invoice already in this case: a balance correction
    unless its method is Inkasso. Set by the booking service under the invoice's row lock, so a
    payment is either part of the claimed balance or a correction, never both and never neither."""
    collection_case_id: int | None


Payment.add_index(Payment.index(Payment.bank_ref, unique=True, name="payment_bank_ref").where(
    Payment.bank_ref.is_null(False)))
"""A payment file's payments are never booked twice; only the payments that came from a file have a
key, so the index holds those alone (the ledger's own payments would be a million NULLs in it,
which led SQLite's planner to scan the table for a file's lookup)."""
Payment.add_index(Payment.index(Payment.collection_case, name="payment_on_case").where(
    Payment.collection_case.is_null(False)))
"""Payments booked on an invoice in a case: the balance corrections (``balance_corrections``)."""
Payment.add_index(Payment.index(Payment.pay_date, name="payment_unmatched").where(
    Payment.status == "unmatched"))
"""The payments that wait for a hand (``unmatched_payments``), by date."""
Payment.add_index(Payment.index(Payment.pay_date, Payment.amount, name="payment_agency").where(
    Payment.method == "inkasso"))
"""The payments through the agency (method Inkasso), by date: the collection overview's
"recovered through the agency" (schema version 8)."""


class SieExport(BaseModel):
    """A SIE file written for an owner, and which vouchers it carried.

    A voucher is exported once: ``Voucher.sie_export`` points at the export that first wrote it,
    so the next export takes what no export has carried yet, whatever its date. ``again`` marks
    a copy made on purpose of vouchers already exported (they keep their first export).
    """

    owner = pw.ForeignKeyField(Owner, backref="sie_exports", index=True)
    owner_id: int
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    path = pw.CharField(max_length=500)
    from_date = pw.DateField(null=True)
    to_date = pw.DateField(null=True)
    vouchers = pw.IntegerField(default=0)
    again = pw.BooleanField(default=False)
    sha256 = pw.CharField(max_length=64, default="")


class Voucher(BaseModel):
    """Verifikation: a balanced booking on an owner's accounts.

    ``sie_export`` is the SIE export that carried it (None: not yet exported).
    """

    owner = pw.ForeignKeyField(Owner, backref="vouchers", index=False)  # the unique index below leads with it (v10)
    owner_id: int
    number = pw.IntegerField()
    date = pw.DateField(index=True)
    text = pw.CharField(max_length=200)
    source = pw.CharField(max_length=40)
    payment = pw.ForeignKeyField(Payment, backref="vouchers", null=True)
    payment_id: int | None
    created_at = pw.DateTimeField()
    sie_export = pw.ForeignKeyField(SieExport, backref="voucher_set", null=True, index=True)
    sie_export_id: int | None

    class Meta:
        indexes = ((("owner", "number"), True),)


class VoucherRow(BaseModel):
    """A row of a voucher: account number and amount (debit positive, credit negative)."""

    voucher = pw.ForeignKeyField(Voucher, backref="rows", on_delete="CASCADE", index=True)
    voucher_id: int
    account = pw.CharField(max_length=10)
    amount = pw.BigIntegerField()
    text = pw.CharField(max_length=200, default="")


class InvoiceCharge(BaseModel):
    """A receivable charged on an invoice beside its capital: a fee or late interest.

    ``kind`` is a ``domain.codes.ChargeKind`` code. ``amount`` was charged on ``charged_on``;
    ``open_amount`` is what is still open, ``written_off`` what was given up (amount = open +
    settled + written off). The origin: the ``notice`` and ``run`` of a letter's fee and
    interest, the ``case`` whose handover charged interest, the ``payment`` after which late
    interest was charged. For interest, ``period_from``/``period_to`` (the days after
    ``period_from`` up to and including ``period_to``) and the capital ``base`` it ran on.
    ``voucher`` booked it as a receivable against the owner's income account when charged;
    None for a charge carried over from before the claim model, whose income is booked when it
    is settled.
    """

    invoice = pw.ForeignKeyField(Invoice, backref="charges", on_delete="CASCADE", index=True)
    invoice_id: int
    kind = pw.CharField(max_length=20)
    amount = pw.BigIntegerField()
    open_amount = pw.BigIntegerField()
    written_off = pw.BigIntegerField(default=0)
    charged_on = pw.DateField()
    notice = pw.ForeignKeyField(DunningNotice, backref="charges", null=True, on_delete="CASCADE", index=False)
    notice_id: int | None
    run = pw.ForeignKeyField(DunningRun, backref="charges", null=True, index=False)
    run_id: int | None
    case = pw.ForeignKeyField(CollectionCase, backref="charges", null=True, index=False)
    case_id: int | None
    payment = pw.ForeignKeyField(Payment, backref="charges_after", null=True, index=False)
    payment_id: int | None
    period_from = pw.DateField(null=True)
    period_to = pw.DateField(null=True)
    base = pw.BigIntegerField(null=True)
    voucher = pw.ForeignKeyField(Voucher, backref="charges", null=True)
    voucher_id: int | None


# The origin keys are indexed where set (schema version 11, db/migration_v11.py): a charge has one
# origin (a letter's notice and run, a handover's case, or a payment), so each of these indexes
# held mostly NULLs, and every charge written paid for three of them.
for _origin in (InvoiceCharge.notice, InvoiceCharge.run, InvoiceCharge.case, InvoiceCharge.payment):
    InvoiceCharge.add_index(InvoiceCharge.index(_origin, name=f"invoice_charge_{_origin.column_name}").where(
        _origin.is_null(False)))
del _origin


class ChargeSettlement(BaseModel):
    """What a payment or credit settled of one charge (the capital's share is on the payment)."""

    payment = pw.ForeignKeyField(Payment, backref="settled_charges", on_delete="CASCADE", index=True)
    payment_id: int
    charge = pw.ForeignKeyField(InvoiceCharge, backref="settlements", on_delete="CASCADE", index=True)
    charge_id: int
    amount = pw.BigIntegerField()


class CaseInvoice(BaseModel):
    """An invoice in a case, with what was claimed when the case was created."""

    case = pw.ForeignKeyField(CollectionCase, backref="case_invoices", on_delete="CASCADE")
    case_id: int
    invoice = pw.ForeignKeyField(Invoice, unique=True, backref="case_links")
    invoice_id: int
    balance = pw.BigIntegerField()
    fees = pw.BigIntegerField(default=0)
    interest = pw.BigIntegerField(default=0)
    debt_type = pw.CharField(max_length=10)


class CaseEvent(BaseModel):
    """Something that happened in a case: status change, note, payment, closing."""

    case = pw.ForeignKeyField(CollectionCase, backref="events", on_delete="CASCADE", index=True)
    case_id: int
    at = pw.DateTimeField()
    user = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=40)
    text = pw.TextField(default="")


class BalanceReport(BaseModel):
    """A balance-correction file (Meddelande om saldokorrigeringar) sent to the agency."""

    file = pw.ForeignKeyField(CollectionFile, backref="balance_reports", null=True)
    file_id: int | None
    owner = pw.ForeignKeyField(Owner, backref="balance_reports", null=True)
    owner_id: int | None
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    corrections = pw.IntegerField(default=0)
    amount = pw.BigIntegerField(default=0)


class ReportedCorrection(BaseModel):
    """A payment or credit reported to the agency: each one exactly once."""

    report = pw.ForeignKeyField(BalanceReport, backref="reported", on_delete="CASCADE")
    report_id: int
    payment = pw.ForeignKeyField(Payment, unique=True, backref="reported_in")
    payment_id: int


class ReferenceRate(BaseModel):
    """Riksbank reference rate from a date, in basis points (for late-payment interest)."""

    valid_from = pw.DateField(unique=True)
    rate_bp = pw.IntegerField()


class ScheduledService(BaseModel):
    """Schemalagd tjänst, e.g. "Skapa saldofil", run by the daemon."""

    name = pw.CharField(max_length=100)
    service = pw.CharField(max_length=40)
    description = pw.TextField(default="")
    enabled = pw.BooleanField(default=True)
    notify_emails = pw.TextField(default="")
    notify_success = pw.BooleanField(default=False)
    frequency = pw.CharField(max_length=10)
    weekdays = pw.CharField(max_length=20, default="")
    month_day = pw.IntegerField(null=True)
    every_hours = pw.IntegerField(null=True)
    at_time = pw.CharField(max_length=5, default="06:00")
    created_at = pw.DateTimeField()
    changed_at = pw.DateTimeField()


class ServiceRun(BaseModel):
    """One run of a scheduled service; the unique slot stops two daemons running it twice."""

    service = pw.ForeignKeyField(ScheduledService, backref="runs", on_delete="CASCADE", index=False)  # the unique index below leads with it (v10)
    service_id: int
    slot = pw.CharField(max_length=40)
    trigger = pw.CharField(max_length=20)
    started_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)
    result = pw.CharField(max_length=20)
    file = pw.CharField(max_length=500, default="")
    error = pw.TextField(default="")
    worker = pw.CharField(max_length=100, default="")

    class Meta:
        indexes = ((("service", "slot"), True),)


class OutboxFile(BaseModel):
    """A file that must reach the agency's server: recorded first, sent and retried later."""

    path = pw.CharField(max_length=500)
    kind = pw.CharField(max_length=20)
    target_url = pw.CharField(max_length=500)
    status = pw.CharField(max_length=20, default="waiting", index=True)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)
    remote_path = pw.CharField(max_length=500, default="")
    sha256 = pw.CharField(max_length=64, default="")
    size = pw.BigIntegerField(default=0)
    collection_file = pw.ForeignKeyField(CollectionFile, backref="outbox", null=True)
    collection_file_id: int | None


class Socialnamnd(BaseModel):
    """The social welfare board (socialnämnd) of a municipality: where a landlord sends the notice
    of a dwelling tenant's termination for unpaid rent (12 kap. 44 § jordabalken, formulär 3)."""

    municipality = pw.CharField(max_length=60, unique=True)
    address = pw.TextField()
    """The postal address, one line per line (the first the board or its office)."""
    email = pw.CharField(max_length=200, default="")
    changed_at = pw.DateTimeField()
    changed_by = pw.CharField(max_length=100)


class ArrearsExclusion(BaseModel):
    """A contract staff keep off the list of tenancies that may be terminated, and why."""

    contract = pw.ForeignKeyField(Contract, unique=True, backref="arrears_exclusions", on_delete="CASCADE")
    contract_id: int
    reason = pw.CharField(max_length=200)
    excluded_by = pw.CharField(max_length=100)
    excluded_at = pw.DateTimeField()


class TerminationRun(BaseModel):
    """A run that terminated tenancies for unpaid rent: when, by whom, how many, how much."""

    run_date = pw.DateField(index=True)
    created_at = pw.DateTimeField()
    created_by = pw.CharField(max_length=100)
    terminations = pw.IntegerField(default=0)
    amount = pw.BigIntegerField(default=0)


class TerminationFile(BaseModel):
    """A PDF a termination run wrote: the letters to the tenants, or one municipality's notices
    to its socialnämnd. The path is final from the start; the file is published after commit."""

    run = pw.ForeignKeyField(TerminationRun, backref="files", on_delete="CASCADE", index=True)
    run_id: int
    kind = pw.CharField(max_length=20)
    municipality = pw.CharField(max_length=60, default="")
    path = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64, default="")


class Termination(BaseModel):
    """A tenancy terminated for unpaid rent (12 kap. 42 § jordabalken) and its recovery period.

    ``recovery_amount`` is the rent the tenant must pay to recover the tenancy (12 kap. 44 §),
    fixed when the letter was written; ``served_on``/``served_how`` how the tenant was served,
    ``socialnamnd_received_on`` when socialnämnden received its notice (dwellings). ``state`` is
    the last state the daily check or a staff action recorded (``domain.rent_arrears``); reads
    compute it afresh. ``letter``/``notice`` are the letter and the form 3 notice as sent (JSON).
    """

    run = pw.ForeignKeyField(TerminationRun, backref="termination_set", index=True)
    run_id: int
    contract = pw.ForeignKeyField(Contract, backref="terminations", index=True)
    contract_id: int
    customer = pw.ForeignKeyField(Customer, backref="terminations", index=True)
    customer_id: int
    owner = pw.ForeignKeyField(Owner, backref="terminations")
    owner_id: int
    rental_object = pw.ForeignKeyField(RentalObject, backref="terminations")
    rental_object_id: int
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


class TerminationInvoice(BaseModel):
    """An unpaid rent a termination is for, with what was open of it on the termination date."""

    termination = pw.ForeignKeyField(Termination, backref="invoice_links", on_delete="CASCADE", index=False)  # the unique index below leads with it (v10)
    termination_id: int
    invoice = pw.ForeignKeyField(Invoice, backref="termination_links", index=True)
    invoice_id: int
    due_date = pw.DateField()
    amount = pw.BigIntegerField()
    counted_through = pw.BigIntegerField(default=0)
    """The last payment on the invoice the amount took into account (payments after it count
    towards the recovery)."""

    class Meta:
        indexes = ((("termination", "invoice"), True),)


MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    Setting,
    AuditEntry,
    StaffUser,
    Proposal,
    Owner,
    Account,
    Property,
    ObjectType,
    RentalObject,
    Customer,
    Contract,
    CollectionFile,
    CollectionCase,
    Invoice,
    InvoiceRow,
    DunningLevelConfig,
    DunningRun,
    DunningNotice,
    PaymentFile,
    Payment,
    SieExport,
    Voucher,
    VoucherRow,
    InvoiceCharge,
    ChargeSettlement,
    CaseInvoice,
    CaseEvent,
    BalanceReport,
    ReportedCorrection,
    ReferenceRate,
    ScheduledService,
    ServiceRun,
    OutboxFile,
    Socialnamnd,
    ArrearsExclusion,
    TerminationRun,
    TerminationFile,
    Termination,
    TerminationInvoice,
]
"""Every model, in dependency order (create in this order, drop in reverse)."""
