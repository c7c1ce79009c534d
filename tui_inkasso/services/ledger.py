"""The read side of the ledger (reskontra): a customer's facts and their invoices, a page at a time.

Everything here only reads, and returns plain dataclasses that the ledger screen, the
``tui-inkasso invoice`` command and later screens share. Finding the customer is
``services/customer_search.py``; one invoice in full is ``services/invoice_detail.py``. A
customer's invoices are read a page at a time (``offset``/``limit``), sorted in SQL, so a
customer with ten thousand invoices costs no more to open than one with ten.

Statuses come from :func:`tui_inkasso.domain.invoice_status.invoice_status`, the one place that
decides them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from tui_inkasso.db.models import (
    CollectionCase,
    Customer,
    DunningLevelConfig,
    Invoice,
)
from tui_inkasso.db.rows import tuple_row, tuple_rows
from tui_inkasso.domain.codes import (
    invoice_kind_label,
)
from tui_inkasso.domain.invoice_status import InvoiceStatus, dunning_level_label, invoice_status
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.stored_values import stored_date

SORT_KEYS: dict[str, pw.ColumnBase] = {
    "number": Invoice.number,
    "kind": Invoice.kind,
    "invoice_date": Invoice.invoice_date,
    "due_date": Invoice.due_date,
    "amount": Invoice.amount,
    "balance": Invoice.balance,
    "charges": Invoice.fees + Invoice.interest,
    "dunning_level": Invoice.dunning_level,
}
"""The columns a customer's invoices may be sorted by (each backed by the invoice row)."""

DEFAULT_SORT = "due_date"


class LedgerError(UserError):
    """A ledger request that cannot be answered as asked (e.g. an unknown sort column)."""


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class Block:
    """A dunning block (kravspärr) or an exclusion: why, by whom, when."""

    reason: str
    by: str | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True)
class CustomerInfo:
    """A customer's card: identity, address, and a dunning block if any."""

    id: int
    number: str
    name: str
    national_id: str
    is_company: bool
    address: str
    postal_code: str
    city: str
    email: str
    phone: str
    block: Block | None


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as a row of the ledger: facts, derived status, and what holds it back."""

    id: int
    number: str
    kind: str
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    amount: int
    balance: int
    """The open capital."""
    fees: int
    """The open fees charged on the invoice (reminder, collection ...)."""
    dunning_level: int
    dunning_level_name: str
    dunning_deadline: dt.date | None
    status: InvoiceStatus
    collection_case: str | None
    excluded: bool
    blocked: bool
    interest: int = 0
    """The open late interest charged on the invoice."""

    @property
    def charges(self) -> int:
        """Fees and interest open, apart from the capital."""
        return self.fees + self.interest

    @property
    def open_total(self) -> int:
        """The whole open claim: capital, fees and interest."""
        return max(self.balance, 0) + self.fees + self.interest

    @property
    def kind_label(self) -> str:
        """"Hyresfaktura" or "Direktfaktura"."""
        return invoice_kind_label(self.kind)

    @property
    def status_text(self) -> str:
        """The status in Swedish."""
        return self.status.label


@dataclass(frozen=True)
class CustomerLedger:
    """A customer and (a page of) their invoices, with totals over all of them."""

    customer: CustomerInfo
    invoices: list[InvoiceLine]
    invoice_count: int
    open_count: int
    open_balance: int
    collection_count: int
    open_charges: int = 0
    """Fees and interest open on the customer's invoices, apart from the capital."""


# --------------------------------------------------------------------------- customer ledger


def customer_info(customer_id: int) -> CustomerInfo:
    """A customer's card, or NotFound."""
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise NotFound(f"kund med id {customer_id} finns inte")
    return customer_info_of(customer)


def customer_info_of(customer: Customer) -> CustomerInfo:
    block = (
        Block(customer.dunning_blocked_reason, customer.dunning_blocked_by, customer.dunning_blocked_at)
        if customer.dunning_blocked_reason
        else None
    )
    return CustomerInfo(
        customer.id,
        customer.number,
        customer.name,
        customer.national_id,
        bool(customer.is_company),
        customer.address,
        customer.postal_code,
        customer.city,
        customer.email,
        customer.phone,
        block,
    )


@reads
def customer_ledger(
    customer_id: int,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str = DEFAULT_SORT,
    descending: bool = True,
    only_open: bool = False,
) -> CustomerLedger:
    """A customer, their invoices (all, or the page ``offset``/``limit``) and totals over all."""
    info = customer_info(customer_id)
    invoices = customer_invoices(
        customer_id, offset=offset, limit=limit, sort=sort, descending=descending, only_open=only_open,
        customer_blocked=info.block is not None,
    )
    count, open_count, open_balance, collection_count, open_charges = _ledger_totals(customer_id)
    return CustomerLedger(info, invoices, count, open_count, open_balance, collection_count, open_charges)


def _is_open() -> pw.Expression:
    """An invoice with something open: capital, or fees or interest charged on it."""
    return (Invoice.balance > 0) | ((Invoice.fees + Invoice.interest) > 0)


def _ledger_totals(customer_id: int) -> tuple[int, int, int, int, int]:
    open_case = pw.Case(None, [(_is_open(), 1)], 0)
    open_sum = pw.Case(None, [((Invoice.balance > 0), Invoice.balance)], 0)
    marked = pw.Case(None, [(Invoice.collection_case.is_null(False), 1)], 0)
    row = tuple_row(Invoice.select(pw.fn.COUNT(Invoice.id), pw.fn.SUM(open_case), pw.fn.SUM(open_sum),
                                   pw.fn.SUM(marked), pw.fn.SUM(Invoice.fees + Invoice.interest))
                    .where(Invoice.customer == customer_id))
    count, open_count, open_balance, in_collection, open_charges = (int(v or 0) for v in row)
    return count, open_count, open_balance, in_collection, open_charges


@reads
def count_customer_invoices(customer_id: int, *, only_open: bool = False) -> int:
    """How many invoices the customer has (only those with something open when ``only_open``)."""
    query = Invoice.select().where(Invoice.customer == customer_id)
    if only_open:
        query = query.where(_is_open())
    return query.count()


@reads
def customer_invoices(
    customer_id: int,
    *,
    offset: int = 0,
    limit: int | None = None,
    sort: str = DEFAULT_SORT,
    descending: bool = True,
    only_open: bool = False,
    customer_blocked: bool | None = None,
) -> list[InvoiceLine]:
    """A page of the customer's invoices, sorted in SQL by ``sort`` (a key of SORT_KEYS)."""
    if sort not in SORT_KEYS:
        raise LedgerError(f"fakturor kan inte sorteras på {sort!r}; välj en av {', '.join(SORT_KEYS)}")
    if customer_blocked is None:
        customer_blocked = customer_info(customer_id).block is not None
    column = SORT_KEYS[sort]
    order = [column.desc(), Invoice.id.desc()] if descending else [column.asc(), Invoice.id.asc()]
    query = invoice_query().where(Invoice.customer == customer_id).order_by(*order)
    if only_open:
        query = query.where(_is_open())
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    names = dunning_level_names()
    day = today()
    return [invoice_line(row, names, day, customer_blocked) for row in tuple_rows(query)]


_INVOICE_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.kind,
    Invoice.invoice_date,
    Invoice.due_date,
    Invoice.ocr,
    Invoice.amount,
    Invoice.balance,
    Invoice.fees,
    Invoice.dunning_level,
    Invoice.dunning_deadline,
    Invoice.dunning_blocked_reason,
    Invoice.excluded_reason,
    CollectionCase.number,
    Invoice.interest,
)


def invoice_query() -> pw.ModelSelect[Invoice]:
    return Invoice.select(*_INVOICE_COLUMNS).join(
        CollectionCase, pw.JOIN.LEFT_OUTER, on=(Invoice.collection_case == CollectionCase.id)
    )


def invoice_line(row: tuple[Any, ...], names: dict[int, str], day: dt.date, customer_blocked: bool) -> InvoiceLine:
    (iid, number, kind, inv_date, due, ocr, amount, balance, fees, level, deadline, block, excluded, case,
     interest) = row
    inv_date, due, deadline = stored_date(inv_date), stored_date(due), stored_date(deadline) if deadline else None
    status = invoice_status(
        amount=amount,
        balance=balance,
        dunning_level=level,
        collection_marked=case is not None,
        excluded=excluded is not None,
        due_date=due,
        today=day,
        charges_open=fees + interest,
    )
    return InvoiceLine(
        iid, number, kind, inv_date, due, ocr, amount, balance, fees, level,
        dunning_level_label(level, names.get(level)), deadline, status, case,
        excluded is not None, bool(block) or customer_blocked, interest,
    )


def dunning_level_names() -> dict[int, str]:
    """The configured dunning levels' names by level."""
    return dict(tuple_rows(DunningLevelConfig.select(DunningLevelConfig.level, DunningLevelConfig.name)))
