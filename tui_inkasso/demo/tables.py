"""The tables the demo writes: which, in what order, in which column shapes; and a reset.

Rows are plain tuples in the column order of :data:`COLUMNS`; rows without NULLs go in the
shorter :data:`SHORT` shape (binding ``None`` costs sqlite3 as much as a whole extra column).
:data:`FLUSH_ORDER` writes parents before children, so each foreign key holds at every statement.
"""

from __future__ import annotations

import peewee as pw

from tui_inkasso.db import models as m

LEDGER_MODELS: tuple[type[m.BaseModel], ...] = (
    m.Owner, m.Account, m.Property, m.ObjectType, m.RentalObject, m.Customer, m.Contract,
    m.CollectionFile, m.CollectionCase, m.Invoice, m.InvoiceRow, m.DunningLevelConfig,
    m.DunningRun, m.DunningNotice, m.PaymentFile, m.Payment, m.SieExport, m.Voucher, m.VoucherRow,
    m.InvoiceCharge, m.ChargeSettlement, m.CaseInvoice, m.CaseEvent, m.BalanceReport,
    m.ReportedCorrection, m.OutboxFile, m.ArrearsExclusion, m.TerminationRun, m.TerminationFile,
    m.Termination, m.TerminationInvoice,
)
"""Tables a reset empties (in dependency order). Settings, the audit log, schema version,
reference rates, scheduled services and the socialnämnd register are configuration and history,
and stay."""



COLUMNS: dict[type[m.BaseModel], tuple[str, ...]] = {
    m.Owner: ("id", "code", "name", "org_no", "bankgiro", "plusgiro", "address", "postal_code", "city",
              "phone", "email"),
    m.Account: ("id", "owner", "role", "number", "name"),
    m.ObjectType: ("id", "code", "name", "sfi"),
    m.Property: ("id", "code", "owner", "designation", "name", "area"),
    m.RentalObject: ("id", "code", "property", "object_type", "address"),
    m.Customer: ("id", "number", "name", "national_id", "is_company", "address", "postal_code", "city",
                 "email", "phone", "search_text", "dunning_blocked_reason", "dunning_blocked_by",
                 "dunning_blocked_at"),
    m.Contract: ("id", "number", "customer", "rental_object", "start_date", "end_date", "monthly_rent",
                 "reminder_fee_allowed"),
    m.DunningRun: ("id", "run_date", "created_at", "created_by", "notices", "fees", "pdf_path"),
    m.CollectionCase: ("id", "number", "system", "owner", "customer", "status", "created_at", "created_by",
                       "file", "agency_reference", "capital", "fees", "interest", "closed_at"),
    m.CaseEvent: ("id", "case", "at", "user", "kind", "text"),
    m.Invoice: ("id", "number", "kind", "owner", "customer", "rental_object", "contract", "invoice_date",
                "due_date", "ocr", "amount", "balance", "fees", "dunning_level", "dunning_date",
                "dunning_deadline", "dunning_blocked_reason", "dunning_blocked_by", "dunning_blocked_at",
                "collection_case", "collection_marked_at", "excluded_reason", "excluded_by", "excluded_at"),
    m.InvoiceRow: ("id", "invoice", "line_no", "text", "amount"),
    m.DunningNotice: ("id", "invoice", "run", "level", "name", "issued_on", "deadline", "capital", "fee",
                      "interest", "letter"),
    m.Payment: ("id", "kind", "method", "invoice", "customer", "owner", "amount", "invoice_amount",
                "excess_amount", "excess_role", "pay_date", "registered_at", "registered_by", "reference",
                "sender_account", "payer_name", "payment_file", "bank_ref", "status", "note", "collection_case"),
    m.CaseInvoice: ("id", "case", "invoice", "balance", "fees", "interest", "debt_type"),
}

SHORT: dict[type[m.BaseModel], tuple[str, ...]] = {
    m.Customer: COLUMNS[m.Customer][:11],
    m.Invoice: COLUMNS[m.Invoice][:14],
    m.InvoiceRow: COLUMNS[m.InvoiceRow],
    m.DunningNotice: COLUMNS[m.DunningNotice][:10],
    m.Payment: tuple(c for c in COLUMNS[m.Payment]
                     if c not in ("excess_role", "payment_file", "bank_ref", "collection_case")),
}
"""Null-free shapes of the tables written in bulk (the common row leaves the rest NULL)."""

BULK_TABLES = (m.RentalObject, m.Customer, m.Contract, m.Invoice, m.InvoiceRow, m.DunningNotice, m.Payment,
               m.CaseInvoice)
"""Tables whose indexes (on PostgreSQL also their foreign keys) are dropped during the load and
rebuilt after it: the master data too (on PostgreSQL 40,000 objects and 44,000 contracts checked
their keys row by row for 2 s of the server's CPU)."""

FLUSH_ORDER = (
    m.Owner, m.Account, m.ObjectType, m.Property, m.RentalObject, m.Customer, m.Contract, m.DunningRun,
    m.CollectionCase, m.CaseEvent, m.Invoice, m.InvoiceRow, m.DunningNotice, m.Payment, m.CaseInvoice,
)



def clear_ledger(database: pw.Database) -> dict[str, int]:
    """Empty every ledger table (children first); returns rows deleted per table."""
    deleted: dict[str, int] = {}
    for model in reversed(LEDGER_MODELS):
        table = model._meta.table_name
        cursor = database.execute_sql(f'DELETE FROM "{table}"')
        deleted[table] = max(cursor.rowcount, 0)
    return deleted


def has_ledger(database: pw.Database) -> bool:
    """True when the database holds owners, customers, invoices or payments."""
    for model in (m.Owner, m.Customer, m.Invoice, m.Payment):
        table = model._meta.table_name
        if database.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            return True
    return False
