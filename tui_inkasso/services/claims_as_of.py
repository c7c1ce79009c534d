"""An invoice's open claim (capital, fees, interest) as it stood at the end of a given day, in SQL.

The reports (the aged receivables, the collection overview's amount open in collection) ask
what was open on a date: a month end, the day the books were closed. The invoice row keeps the
claim as it is now (``balance`` = open capital, ``fees``, ``interest``: the open charges); the
claim on an earlier day is that, with what happened after the day taken back:

* every payment or credit booked on the invoice with a payment date after the day gave back
  what it settled (``invoice_amount``: capital and charges; the excess never was part of the
  claim), and of that, what it settled of fees and interest (its ``ChargeSettlement`` rows)
  goes back to those charges, the rest to the capital;
* a charge (fee or interest) charged after the day was not there yet: its open amount leaves.

A payment's date is its value date (``pay_date``), the date its voucher carries, so the figures
agree with the receivables account on that day. An invoice dated after the day is no claim
yet. On the business date or later nothing is taken back: the invoice's own columns answer,
with no join at all (the common case, and the one that must answer in well under a second on
a million invoices). What this cannot take back: a charge written off (``written_off`` has no
date; so far only the migration to the claim model wrote any).

:func:`claim_query` gives the query over :class:`~tui_inkasso.db.models.Invoice` with the
joins and the filter, and :class:`ClaimColumns`, the expressions to select or aggregate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from tui_inkasso.db.models import (
    ChargeSettlement,
    CollectionCase,
    Invoice,
    InvoiceCharge,
    Payment,
)
from tui_inkasso.domain.claim import PART_KINDS
from tui_inkasso.domain.settlement import PartKind
from tui_inkasso.services.clock import today

FEE_KINDS: tuple[str, ...] = tuple(kind for kind, part in PART_KINDS.items() if part is PartKind.COST)
INTEREST_KINDS: tuple[str, ...] = tuple(kind for kind, part in PART_KINDS.items() if part is PartKind.INTEREST)


@dataclass(frozen=True)
class ClaimColumns:
    """SQL expressions over one invoice row of :func:`claim_query`: its claim on the day."""

    capital: pw.ColumnBase
    fees: pw.ColumnBase
    interest: pw.ColumnBase
    in_collection: pw.ColumnBase
    """True when the invoice was in a collection case on the day (the case created by then)."""
    historic: bool
    """True when the day is before the business date and the columns take later events back."""

    @property
    def total(self) -> pw.ColumnBase:
        """Capital, fees and interest together."""
        return self.capital + self.fees + self.interest


def is_historic(as_of: dt.date) -> bool:
    """True when ``as_of`` is before the business date (events after it are taken back)."""
    return as_of < today()


def claim_query(as_of: dt.date, *columns: pw.ColumnBase) -> tuple[pw.ModelSelect[Invoice], ClaimColumns]:
    """``Invoice.select(*columns)`` over the invoices with an open claim at the end of ``as_of``,
    and the expressions of that claim (the caller selects or aggregates them; the claim
    columns may be added to ``columns`` with ``query.select(...)`` once the pair is returned).
    """
    if not is_historic(as_of):
        claim = ClaimColumns(Invoice.balance, Invoice.fees, Invoice.interest,
                             Invoice.collection_case.is_null(False), historic=False)
        query = Invoice.select(*columns).where(
            ((Invoice.balance != 0) | (Invoice.fees != 0) | (Invoice.interest != 0))
            & (Invoice.invoice_date <= as_of)
        )
        return query, claim
    paid = _paid_after(as_of)
    settled = _settled_after(as_of)
    charged = _charged_after(as_of)
    zero = pw.Value(0)
    capital = Invoice.balance + pw.fn.COALESCE(paid.c.paid, zero) - pw.fn.COALESCE(settled.c.settled, zero)
    fees = (Invoice.fees - pw.fn.COALESCE(charged.c.fee_open, zero)
            + pw.fn.COALESCE(settled.c.fee_back, zero))
    interest = (Invoice.interest - pw.fn.COALESCE(charged.c.interest_open, zero)
                + pw.fn.COALESCE(settled.c.interest_back, zero))
    cases = CollectionCase.select(CollectionCase.id).where(
        CollectionCase.created_at < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    claim = ClaimColumns(capital, fees, interest,
                         Invoice.collection_case.is_null(False) & Invoice.collection_case.in_(cases),
                         historic=True)
    paid_after = (Payment.select(Payment.invoice)
                  .where((Payment.pay_date > as_of) & Payment.invoice.is_null(False)))
    query = (
        Invoice.select(*columns)
        .join_from(Invoice, paid, pw.JOIN.LEFT_OUTER, on=(paid.c.invoice_id == Invoice.id))
        .join_from(Invoice, settled, pw.JOIN.LEFT_OUTER, on=(settled.c.invoice_id == Invoice.id))
        .join_from(Invoice, charged, pw.JOIN.LEFT_OUTER, on=(charged.c.invoice_id == Invoice.id))
        .where(
            # open now, or paid since: nothing else can have been open on the day
            ((Invoice.balance != 0) | (Invoice.fees != 0) | (Invoice.interest != 0)
             | Invoice.id.in_(paid_after))
            & (Invoice.invoice_date <= as_of)
            & ((capital != 0) | (fees != 0) | (interest != 0))
        )
    )
    return query, claim


def _paid_after(as_of: dt.date) -> pw.Select:
    """Per invoice: what payments and credits dated after the day settled of its claim."""
    return (
        Payment.select(Payment.invoice.alias("invoice_id"), pw.fn.SUM(Payment.invoice_amount).alias("paid"))
        .where((Payment.pay_date > as_of) & Payment.invoice.is_null(False))
        .group_by(Payment.invoice)
        .alias("paid_after")
    )


def _settled_after(as_of: dt.date) -> pw.Select:
    """Per invoice: what payments dated after the day settled of its charges (all of them,
    and of the fees and the interest charged by the day, which those charges get back)."""
    by_day = InvoiceCharge.charged_on <= as_of
    fee_back = pw.Case(None, [(by_day & InvoiceCharge.kind.in_(FEE_KINDS), ChargeSettlement.amount)], 0)
    interest_back = pw.Case(None, [(by_day & InvoiceCharge.kind.in_(INTEREST_KINDS), ChargeSettlement.amount)], 0)
    return (
        ChargeSettlement.select(
            InvoiceCharge.invoice.alias("invoice_id"),
            pw.fn.SUM(ChargeSettlement.amount).alias("settled"),
            pw.fn.SUM(fee_back).alias("fee_back"),
            pw.fn.SUM(interest_back).alias("interest_back"),
        )
        .join(Payment, on=(ChargeSettlement.payment == Payment.id))
        .join_from(ChargeSettlement, InvoiceCharge, on=(ChargeSettlement.charge == InvoiceCharge.id))
        .where(Payment.pay_date > as_of)
        .group_by(InvoiceCharge.invoice)
        .alias("settled_after")
    )


def _charged_after(as_of: dt.date) -> pw.Select:
    """Per invoice: the open amounts of the fees and the interest charged after the day."""
    fee_open = pw.Case(None, [(InvoiceCharge.kind.in_(FEE_KINDS), InvoiceCharge.open_amount)], 0)
    interest_open = pw.Case(None, [(InvoiceCharge.kind.in_(INTEREST_KINDS), InvoiceCharge.open_amount)], 0)
    return (
        InvoiceCharge.select(
            InvoiceCharge.invoice.alias("invoice_id"),
            pw.fn.SUM(fee_open).alias("fee_open"),
            pw.fn.SUM(interest_open).alias("interest_open"),
        )
        .where(InvoiceCharge.charged_on > as_of)
        .group_by(InvoiceCharge.invoice)
        .alias("charged_after")
    )
