"""The demo's history in the owners' books: vouchers for its payments, fees and interest.

Every export, report and letter on the demo should have something real in it (issue 13): a SIE
export with payments on the bank account, fee income on Påminnelseavgifter and interest income on
Ränteintäkter; invoices whose open interest a letter repeats. Written at the end of the build,
set-based (a million invoices' history in a few seconds):

* **interest**: an open invoice outside the case register that had letters carries the late
  interest its last letter charged (räntelagen 6 §, from the day after the due date moved to a bank
  day up to the letter's date, on the open capital, with the demo's reference rates), as a charge
  of its own (``invoice_charge`` kind ``interest``, linked to that notice and run); the notice
  shows it, the invoice's ``interest`` and ``interest_to`` sum it up;
* **fees and interest booked**: each owner's open charges of one day are one voucher, the
  receivables (Kundfordringar) against fee income and interest income, and each charge points at
  it, as a run books them. A fee written off on a paid invoice (``db/notice_charges.py``) was
  never income and is not booked;
* **payments booked**: each owner's payments of one day are one voucher, as a booked payment file
  is: the bank account (Hyresintäkter for a credit note) against the receivables, the prepayment
  account and "Överskjutande betalning inkasso" for what exceeded a claim. A payment no owner
  received is not in anyone's books.

Voucher numbers run per owner in date order. Nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw

from tui_inkasso.db import models as m
from tui_inkasso.db.bulk import BulkWriter
from tui_inkasso.demo.catalogue import ACCOUNT_NUMBERS
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.codes import AccountRole, ChargeKind, PaymentKind
from tui_inkasso.domain.interest import LateInterest, ReferenceRate

_ROLE_ACCOUNTS = {role.value: number for role, number in ACCOUNT_NUMBERS.items()}
_RECEIVABLES = ACCOUNT_NUMBERS[AccountRole.RECEIVABLES]
_BANK = ACCOUNT_NUMBERS[AccountRole.BANK]
_RENT_INCOME = ACCOUNT_NUMBERS[AccountRole.RENT_INCOME]
_PREPAYMENTS = ACCOUNT_NUMBERS[AccountRole.PREPAYMENTS]
_FEE_INCOME = ACCOUNT_NUMBERS[AccountRole.FEE_INCOME]
_INTEREST_INCOME = ACCOUNT_NUMBERS[AccountRole.INTEREST_INCOME]
_INTEREST = ChargeKind.INTEREST.value

Lines = dict[str, int]


def book_history(writer: BulkWriter, today: dt.date) -> None:
    """Charge the history's interest, then book the open charges and the payments."""
    database = writer.database
    _charge_interest(writer, database)
    vouchers: dict[tuple[int, dt.date, str], Lines] = {}
    _charge_lines(database, vouchers)
    _payment_lines(database, vouchers)
    _write_vouchers(writer, vouchers, today)


# --------------------------------------------------------------------------- interest


def _charge_interest(writer: BulkWriter, database: pw.Database) -> None:
    """The interest each open invoice's last letter charged, as a charge of the claim."""
    rates = [ReferenceRate(_date(a), b) for a, b in database.execute_sql(
        'SELECT "valid_from", "rate_bp" FROM "reference_rate" ORDER BY "valid_from"')]
    if not rates:
        return
    late = LateInterest(rates)
    moved: dict[dt.date, dt.date] = {}
    rows = database.execute_sql(
        'SELECT i."id", i."due_date", i."balance", n."id", n."run_id", n."issued_on" '
        'FROM "invoice" i JOIN "dunning_notice" n ON n."invoice_id" = i."id" AND n."level" = i."dunning_level" '
        'WHERE i."balance" > 0 AND i."collection_case_id" IS NULL AND i."dunning_level" > 0')
    charges, notices, invoices = [], [], []
    next_id = writer.next_id(m.InvoiceCharge)
    for invoice_id, due, balance, notice_id, run_id, issued in rows:
        due, issued = _date(due), _date(issued)
        start = moved.get(due)
        if start is None:
            start = moved[due] = next_bank_day(due)
        if issued <= start:
            continue
        amount = late(balance, start, issued)
        if amount <= 0:
            continue
        charges.append((next_id, invoice_id, _INTEREST, amount, amount, 0, issued, notice_id, run_id,
                        start, issued, balance))
        next_id += 1
        notices.append((amount, notice_id))
        invoices.append((amount, issued, invoice_id))
    writer.insert(m.InvoiceCharge, ("id", "invoice", "kind", "amount", "open_amount", "written_off", "charged_on",
                                    "notice", "run", "period_from", "period_to", "base"), charges)
    writer.update_many('UPDATE "dunning_notice" SET "interest" = ? WHERE "id" = ?', notices)
    writer.update_many('UPDATE "invoice" SET "interest" = "interest" + ?, "interest_to" = ? WHERE "id" = ?',
                       invoices)


# --------------------------------------------------------------------------- voucher lines


def _charge_lines(database: pw.Database, vouchers: dict[tuple[int, dt.date, str], Lines]) -> None:
    """Each owner's open charges of a day: the receivables against fee and interest income."""
    for owner_id, day, kind, amount in database.execute_sql(
            'SELECT i."owner_id", g."charged_on", g."kind", SUM(g."amount") FROM "invoice_charge" g '
            'JOIN "invoice" i ON i."id" = g."invoice_id" WHERE g."written_off" = 0 AND g."voucher_id" IS NULL '
            'GROUP BY i."owner_id", g."charged_on", g."kind"'):
        lines = vouchers.setdefault((owner_id, _date(day), "charges"), defaultdict(int))
        lines[_RECEIVABLES] += amount
        lines[_INTEREST_INCOME if kind == _INTEREST else _FEE_INCOME] -= amount


def _payment_lines(database: pw.Database, vouchers: dict[tuple[int, dt.date, str], Lines]) -> None:
    """Each owner's booked payments and credits of a day, as a booked file's vouchers are."""
    credit = PaymentKind.CREDIT.value
    for owner_id, day, kind, role, has_invoice, amount, applied, excess in database.execute_sql(
            'SELECT "owner_id", "pay_date", "kind", "excess_role", "invoice_id" IS NOT NULL, SUM("amount"), '
            'SUM("invoice_amount"), SUM("excess_amount") FROM "payment" '
            """WHERE "owner_id" IS NOT NULL AND "status" IN ('booked', 'unmatched') """
            'GROUP BY "owner_id", "pay_date", "kind", "excess_role", "invoice_id" IS NOT NULL'):
        lines = vouchers.setdefault((owner_id, _date(day), "payments"), defaultdict(int))
        lines[_RENT_INCOME if kind == credit else _BANK] += amount
        if not has_invoice:
            lines[_PREPAYMENTS] -= amount
            continue
        lines[_RECEIVABLES] -= applied
        lines[_ROLE_ACCOUNTS.get(role or "", _PREPAYMENTS)] -= excess
        lines[_RECEIVABLES] -= amount - applied - excess  # nothing, unless a row was split oddly


_TEXTS = {"charges": "Påminnelseavgifter och dröjsmålsränta", "payments": "Inbetalningar"}


def _write_vouchers(writer: BulkWriter, vouchers: dict[tuple[int, dt.date, str], Lines], today: dt.date) -> None:
    """The vouchers, numbered per owner in date order, and the charges pointing at theirs."""
    next_voucher = writer.next_id(m.Voucher)
    next_row = writer.next_id(m.VoucherRow)
    numbers: dict[int, int] = defaultdict(int)
    heads, rows = [], []
    created = f"{today.isoformat()} 06:00:00"
    for (owner_id, day, what), lines in sorted(vouchers.items(), key=lambda item: (item[0][0], item[0][1],
                                                                                 item[0][2])):
        if sum(lines.values()) != 0:
            raise AssertionError(f"demo voucher does not balance: {owner_id} {day} {what} {dict(lines)}")
        if not any(lines.values()):
            continue
        numbers[owner_id] += 1
        voucher_id = next_voucher
        next_voucher += 1
        heads.append((voucher_id, owner_id, numbers[owner_id], day, f"{_TEXTS[what]} {day.isoformat()}",
                      f"demo_{what}", None, created))
        for account, amount in sorted(lines.items()):
            if amount:
                rows.append((next_row, voucher_id, account, amount, ""))
                next_row += 1
    writer.insert(m.Voucher, ("id", "owner", "number", "date", "text", "source", "payment", "created_at"), heads)
    writer.insert(m.VoucherRow, ("id", "voucher", "account", "amount", "text"), rows)
    # Each booked charge points at its voucher (the owner's charges voucher of its day).
    writer.database.execute_sql(
        'UPDATE "invoice_charge" SET "voucher_id" = (SELECT v."id" FROM "voucher" v JOIN "invoice" i '
        'ON v."owner_id" = i."owner_id" WHERE i."id" = "invoice_charge"."invoice_id" '
        """AND v."date" = "invoice_charge"."charged_on" AND v."source" = 'demo_charges') """
        'WHERE "voucher_id" IS NULL AND "written_off" = 0')


def _date(value: object) -> dt.date:
    """A date as the driver returns it (SQLite: ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
