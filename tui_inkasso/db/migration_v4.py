"""Schema version 4: the claim model (issue 13). Fees and interest become charges of their own.

Before version 4 an invoice carried one number for its fees (``invoice.fees``, every fee its
letters had charged, never reduced by a payment) and each notice the interest its letter showed
(never charged: a letter's interest ran from the due date every time, so a second letter
repeated the first one's). Nothing was booked for either, and payments settled the capital only.

This step adds ``invoice_charge`` (a fee or an amount of interest, with its open balance and
origin), ``charge_settlement`` (what a payment settled of a charge), ``invoice.interest`` (the
open interest) and ``invoice.interest_to`` (the last day interest was charged for), and turns the
old figures into charges:

* each notice's fee becomes a fee charge (a collection fee from level 2 on, a reminder fee on
  level 1: the product's old convention), dated and linked to its notice and run;
* a fee on the invoice that no notice explains (``invoice.fees`` above the notices' sum) becomes
  a reminder-fee charge of its own, dated with the last letter (or the due date);
* interest: for an invoice in a collection case, the interest the case claimed (to the day the
  case was created); otherwise the last notice's interest (to that letter's date), which already
  included the earlier letters' days;
* a charge is open on an invoice that still has capital open; on a settled invoice it is
  written off (the old program settled capital only, so whatever the debtor paid beyond the
  capital sits on the prepayment or overpayment account, where staff can see it);
* none of them was ever booked, so each has no voucher: its income is booked when a payment
  settles it (``services/claim_settlement.py``).

``invoice.fees`` and ``invoice.interest`` become the sums of the open charges. Everything runs as
set-based SQL (the demo's million invoices migrate in seconds); the two money columns are added
with a SQL default, so neither SQLite nor PostgreSQL rewrites the invoice table. The models are
frozen copies, as they were at version 4.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate


def migrate_claim_model(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Add the tables and columns, then turn the old fees and interest into charges."""
    migrate(
        migrator.add_column("invoice", "interest",
                            pw.BigIntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")]),
                            allow_not_null=True),
        migrator.add_column("invoice", "interest_to", pw.DateField(null=True)),
    )
    _create_tables(database)
    postgres = isinstance(database, pw.PostgresqlDatabase)
    for sql in _conversion(postgres):
        database.execute_sql(sql)


def _create_tables(database: pw.Database) -> None:
    class Base(pw.Model):
        class Meta:
            legacy_table_names = False

    class Invoice(Base):
        class Meta:
            table_name = "invoice"

    class DunningNotice(Base):
        class Meta:
            table_name = "dunning_notice"

    class DunningRun(Base):
        class Meta:
            table_name = "dunning_run"

    class CollectionCase(Base):
        class Meta:
            table_name = "collection_case"

    class Payment(Base):
        class Meta:
            table_name = "payment"

    class Voucher(Base):
        class Meta:
            table_name = "voucher"

    class InvoiceCharge(Base):
        invoice = pw.ForeignKeyField(Invoice, on_delete="CASCADE", index=True)
        kind = pw.CharField(max_length=20)
        amount = pw.BigIntegerField()
        open_amount = pw.BigIntegerField()
        written_off = pw.BigIntegerField(default=0)
        charged_on = pw.DateField()
        notice = pw.ForeignKeyField(DunningNotice, null=True, on_delete="CASCADE", index=True)
        run = pw.ForeignKeyField(DunningRun, null=True)
        case = pw.ForeignKeyField(CollectionCase, null=True)
        payment = pw.ForeignKeyField(Payment, null=True)
        period_from = pw.DateField(null=True)
        period_to = pw.DateField(null=True)
        base = pw.BigIntegerField(null=True)
        voucher = pw.ForeignKeyField(Voucher, null=True)

    class ChargeSettlement(Base):
        payment = pw.ForeignKeyField(Payment, on_delete="CASCADE", index=True)
        charge = pw.ForeignKeyField(InvoiceCharge, on_delete="CASCADE", index=True)
        amount = pw.BigIntegerField()

    frozen = [InvoiceCharge, ChargeSettlement]
    with database.bind_ctx([Invoice, DunningNotice, DunningRun, CollectionCase, Payment, Voucher, *frozen]):
        database.create_tables(frozen)


_COLUMNS = ('"invoice_id", "kind", "amount", "open_amount", "written_off", "charged_on", "notice_id", '
            '"run_id", "case_id", "period_from", "period_to", "base"')


def _conversion(postgres: bool) -> list[str]:
    """The statements that turn version 3's figures into charges, in order."""
    case_day = 'CAST(c."created_at" AS DATE)' if postgres else 'substr(c."created_at", 1, 10)'

    def open_and_written_off(amount: str) -> str:
        """The charge is open on an invoice with capital left, written off on a settled one."""
        return (f'CASE WHEN i."balance" > 0 THEN {amount} ELSE 0 END, '
                f'CASE WHEN i."balance" > 0 THEN 0 ELSE {amount} END')

    insert = f'INSERT INTO "invoice_charge" ({_COLUMNS}) '
    fee_kind = """CASE WHEN n."level" > 1 THEN 'collection_fee' ELSE 'reminder_fee' END"""
    unexplained = 'i."fees" - x."noticed"'
    fee_state = open_and_written_off('n."fee"')
    unexplained_state = open_and_written_off(unexplained)
    case_state = open_and_written_off('ci."interest"')
    letter_state = open_and_written_off('n."interest"')
    return [
        # Every notice's fee.
        insert + f'SELECT n."invoice_id", {fee_kind}, n."fee", {fee_state}, '
        'n."issued_on", n."id", n."run_id", NULL, NULL, NULL, NULL '
        'FROM "dunning_notice" n JOIN "invoice" i ON i."id" = n."invoice_id" WHERE n."fee" > 0',
        # Fees on the invoice that no notice explains.
        insert + f"""SELECT i."id", 'reminder_fee', {unexplained}, {unexplained_state}, """
        'COALESCE(i."dunning_date", i."due_date"), NULL, NULL, NULL, NULL, NULL, NULL '
        'FROM "invoice" i JOIN (SELECT j."id" AS "id", (SELECT COALESCE(SUM(n."fee"), 0) '
        'FROM "dunning_notice" n WHERE n."invoice_id" = j."id") AS "noticed" FROM "invoice" j '
        'WHERE j."fees" > 0) x ON x."id" = i."id" WHERE i."fees" > x."noticed"',
        # Interest a collection case claimed.
        insert + f"""SELECT ci."invoice_id", 'interest', ci."interest", {case_state}, """
        f'{case_day}, NULL, NULL, c."id", i."due_date", {case_day}, ci."balance" '
        'FROM "case_invoice" ci JOIN "collection_case" c ON c."id" = ci."case_id" '
        'JOIN "invoice" i ON i."id" = ci."invoice_id" WHERE ci."interest" > 0',
        # Otherwise the last letter's interest (it covered the earlier letters' days too).
        insert + f"""SELECT n."invoice_id", 'interest', n."interest", {letter_state}, """
        'n."issued_on", n."id", n."run_id", NULL, i."due_date", n."issued_on", n."capital" '
        'FROM "dunning_notice" n JOIN "invoice" i ON i."id" = n."invoice_id" '
        'WHERE n."interest" > 0 AND n."level" = (SELECT MAX(m."level") FROM "dunning_notice" m '
        'WHERE m."invoice_id" = n."invoice_id" AND m."interest" > 0) '
        'AND NOT EXISTS (SELECT 1 FROM "case_invoice" ci WHERE ci."invoice_id" = n."invoice_id" '
        'AND ci."interest" > 0)',
        # The invoices' open fees and interest, and the last day interest was charged for.
        'UPDATE "invoice" SET '
        """"fees" = (SELECT COALESCE(SUM(g."open_amount"), 0) FROM "invoice_charge" g """
        """WHERE g."invoice_id" = "invoice"."id" AND g."kind" <> 'interest'), """
        """"interest" = (SELECT COALESCE(SUM(g."open_amount"), 0) FROM "invoice_charge" g """
        """WHERE g."invoice_id" = "invoice"."id" AND g."kind" = 'interest'), """
        """"interest_to" = (SELECT MAX(g."period_to") FROM "invoice_charge" g """
        """WHERE g."invoice_id" = "invoice"."id" AND g."kind" = 'interest') """
        'WHERE "fees" <> 0 OR "id" IN (SELECT "invoice_id" FROM "invoice_charge")',
    ]
