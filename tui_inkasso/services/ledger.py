"""The read side of the ledger (reskontra): find a customer, list their invoices, show one invoice.

Everything here only reads, and returns plain dataclasses that the ledger screen, the
``tui-inkasso invoice`` command and later screens share. Speed matters because the search runs as
staff type, on a ledger of a million invoices and about a hundred thousand customers:

* numbers are looked up exactly or as a prefix on indexed columns (invoice number, OCR, customer
  number, personnummer/organisationsnummer), never with a leading wildcard;
* free text is matched against ``Customer.search_text`` (lower-case name, number and id), the
  one column a scan has to read;
* a customer's invoices are read a page at a time (``offset``/``limit``), sorted in SQL, so a
  customer with ten thousand invoices costs no more to open than one with ten.

Statuses come from :func:`tui_inkasso.domain.invoice_status.invoice_status`, the one place that
decides them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db.models import (
    CollectionCase,
    Contract,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceCharge,
    InvoiceRow,
    Owner,
    Payment,
    RentalObject,
    ReportedCorrection,
)
from tui_inkasso.domain.codes import (
    charge_kind_label,
    invoice_kind_label,
    payment_kind_label,
    payment_method_label,
)
from tui_inkasso.domain.identifiers import digits_only
from tui_inkasso.domain.invoice_status import InvoiceStatus, dunning_level_label, invoice_status
from tui_inkasso.domain.money import format_amount
from tui_inkasso.services.claim_settlement import charge_shares
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.stored_values import stored_date
from tui_inkasso.services.transaction import is_postgres

SORT_KEYS: dict[str, pw.Field] = {
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
class CustomerHit:
    """One customer found by a search, with what they owe now."""

    id: int
    number: str
    name: str
    national_id: str
    is_company: bool
    city: str
    matched_by: str
    """What matched, in Swedish: "namn", "kundnummer", "personnummer", "OCR", "fakturanummer"."""
    invoice_number: str | None = None
    """The invoice that led to the customer, when found by an invoice's number or OCR."""
    open_invoices: int = 0
    open_balance: int = 0


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


@dataclass(frozen=True)
class RowLine:
    """An invoice row: text and amount."""

    line_no: int
    text: str
    amount: int


@dataclass(frozen=True)
class PaymentLine:
    """A payment or credit applied to an invoice."""

    id: int
    pay_date: dt.date
    amount: int
    invoice_amount: int
    kind: str
    method: str
    reference: str
    sender_account: str
    registered_at: dt.datetime
    registered_by: str
    status: str
    reported: bool
    """True when the payment was already sent to the agency in a balance-correction file."""
    fees: int = 0
    """The part of ``invoice_amount`` that settled fees."""
    interest: int = 0
    """The part of ``invoice_amount`` that settled interest."""

    @property
    def capital(self) -> int:
        """The part of ``invoice_amount`` that settled the capital."""
        return self.invoice_amount - self.fees - self.interest

    @property
    def method_label(self) -> str:
        """The payment method in Swedish."""
        return payment_method_label(self.method)

    @property
    def kind_label(self) -> str:
        """"Betalning" or "Kreditering"."""
        return payment_kind_label(self.kind)


@dataclass(frozen=True)
class ChargeLine:
    """A fee or an amount of interest charged on the invoice, with what became of it."""

    id: int
    kind: str
    charged_on: dt.date
    amount: int
    settled: int
    written_off: int
    open: int
    origin: str
    """Where it came from, in Swedish ("Påminnelse 2026-09-08", "Inkassoärende IK-2026-000001" ...)."""
    period_from: dt.date | None = None
    period_to: dt.date | None = None

    @property
    def kind_label(self) -> str:
        """"Påminnelseavgift", "Inkassoavgift", "Dröjsmålsränta" ..."""
        return charge_kind_label(self.kind)


@dataclass(frozen=True)
class NoticeLine:
    """A reminder or demand issued for an invoice."""

    level: int
    name: str
    issued_on: dt.date
    deadline: dt.date
    capital: int
    fee: int
    interest: int


@dataclass(frozen=True)
class CaseInfo:
    """The collection case an invoice belongs to."""

    id: int
    number: str
    system: str
    status: str
    created_at: dt.datetime
    created_by: str
    agency_reference: str


@dataclass(frozen=True)
class InvoiceDetail:
    """Everything the ledger shows about one invoice."""

    invoice: InvoiceLine
    customer: CustomerInfo
    owner_code: str
    owner_name: str
    object_code: str | None
    contract_number: str | None
    rows: list[RowLine] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)
    notices: list[NoticeLine] = field(default_factory=list)
    charges: list[ChargeLine] = field(default_factory=list)
    case: CaseInfo | None = None
    exclusion: Block | None = None
    invoice_block: Block | None = None

    @property
    def customer_block(self) -> Block | None:
        """The customer's dunning block, which holds back all their invoices."""
        return self.customer.block


# --------------------------------------------------------------------------- search


_NUMERIC = re.compile(r"^[\d\s\-+]+$")


def search_customers(text: str, limit: int = 50) -> list[CustomerHit]:
    """Customers matching ``text``, the most exact matches first, at most ``limit``.

    Accepted: part of the name (every word must occur), a customer number or its beginning, a
    personnummer or organisationsnummer with or without hyphen and century (or its beginning),
    and an invoice's number or OCR reference (which finds the invoice's customer).
    """
    query = text.strip()
    if not query or limit <= 0:
        return []
    found: dict[int, tuple[str, str | None]] = {}

    def add(customer_ids: list[int], matched_by: str, invoice_number: str | None = None) -> None:
        for cid in customer_ids:
            if cid not in found and len(found) < limit:
                found[cid] = (matched_by, invoice_number)

    digits = digits_only(query) if _NUMERIC.match(query) else ""
    exact = False
    for cid, number, how in _by_invoice(query, digits):
        add([cid], how, number)
        exact = True
    if digits:
        national = _by_national_id(digits, limit)
        add(national, "personnummer")
        exact = exact or (len(digits) >= 10 and bool(national))
    numbers, exact_number = _by_customer_number(query, limit)
    add(numbers, "kundnummer")
    if not (exact or exact_number) and len(found) < limit:
        add(_by_text(query, limit), "namn")
    return _hits(found)


def _by_invoice(query: str, digits: str) -> list[tuple[int, str, str]]:
    """(customer id, invoice number, how) for an exact invoice number, or OCR when all digits."""
    numbers = {query, digits} - {""}
    condition = Invoice.number.in_(sorted(numbers))
    if digits:
        condition |= Invoice.ocr == digits
    rows = (
        Invoice.select(Invoice.customer, Invoice.number, Invoice.ocr)
        .where(condition)
        .order_by(Invoice.id)
        .limit(20)
        .tuples()
    )
    return [(cid, number, "fakturanummer" if number in numbers else "OCR") for cid, number, _ in rows]


def _national_id_prefixes(digits: str) -> list[str]:
    """The stored forms a typed (part of a) personnummer or orgnr can begin with.

    Persons are stored as YYYYMMDD-NNNN and companies as NNNNNN-NNNN; staff type either with or
    without hyphen and century, so "8001010001", "800101-0001" and "198001010001" all find
    19800101-0001.
    """
    if len(digits) < 4:
        return []

    def hyphenate(value: str, at: int) -> str:
        return value if len(value) <= at else f"{value[:at]}-{value[at:]}"

    forms = {hyphenate(digits, 8), hyphenate(digits, 6)}
    if len(digits) <= 10:
        forms |= {hyphenate(century + digits, 8) for century in ("19", "20")}
    return sorted(f for f in forms if len(digits_only(f)) <= 12)


def _by_national_id(digits: str, limit: int) -> list[int]:
    return _prefix_ids(Customer.national_id, _national_id_prefixes(digits), limit)


def _prefix_ids(column: pw.Field, prefixes: list[str], limit: int) -> list[int]:
    """Customer ids whose ``column`` begins with one of ``prefixes``, ordered by the column.

    One query per prefix: each is an index range, while their OR makes SQLite scan the index.
    """
    found: list[tuple[str, int]] = []
    for prefix in prefixes:
        query = Customer.select(column, Customer.id).where(_any_prefix(column, [prefix])).order_by(column).limit(limit)
        found += list(query.tuples())
    return list(dict.fromkeys(cid for _, cid in sorted(found)))[:limit]


def _by_customer_number(query: str, limit: int) -> tuple[list[int], bool]:
    """Customers whose number is ``query`` (then the bool is True) or begins with it."""
    forms = sorted({query, query.upper(), query.replace(" ", "")} - {""})
    exact = [cid for (cid,) in Customer.select(Customer.id).where(Customer.number.in_(forms)).tuples()]
    ids = exact + [cid for cid in _prefix_ids(Customer.number, forms, limit) if cid not in exact]
    return ids, bool(exact)


def _by_text(query: str, limit: int) -> list[int]:
    """Customers whose search text holds every word of ``query``, by name.

    The table is scanned and the sorter keeps the first ``limit`` names. (There is no index on
    the name since schema version 7: walking it in order looked cheaper to SQLite's planner, but
    for a word that few customers have it read every row through the index, several times slower
    than a scan, and only this search used it; no ``NOT INDEXED`` hint is needed any more.)
    """
    terms = [t for t in query.lower().split() if t]
    if not terms:
        return []
    patterns = [f"%{_escape_like(t)}%" for t in terms]
    if not is_postgres():
        where = " AND ".join(["search_text LIKE ? ESCAPE '\\'"] * len(terms))
        sql = f'SELECT id FROM "{Customer._meta.table_name}" WHERE {where} ORDER BY name, id LIMIT ?'
        return [cid for (cid,) in Customer._meta.database.execute_sql(sql, [*patterns, limit]).fetchall()]
    condition = _contains(Customer.search_text, terms[0])
    for term in terms[1:]:
        condition &= _contains(Customer.search_text, term)
    rows = Customer.select(Customer.id).where(condition).order_by(Customer.name, Customer.id).limit(limit)
    return [cid for (cid,) in rows.tuples()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: pw.Field, term: str) -> pw.Node:
    """``column LIKE '%term%'`` with the term's wildcards escaped (case-sensitive on PostgreSQL)."""
    pattern = f"%{_escape_like(term)}%"
    return pw.NodeList((column, pw.SQL("LIKE"), pattern, pw.SQL("ESCAPE '\\'")))


def _any_prefix(column: pw.Field, prefixes: list[str]) -> pw.Node:
    """``column`` begins with one of ``prefixes``, in a form that can use the column's index.

    SQLite compares text bytewise, so a range ``>= p AND < p'`` walks the index; SQLite's LIKE is
    case-insensitive and would scan instead. PostgreSQL's collation may order punctuation
    unexpectedly, so there it is an exact ``LIKE 'p%'``.
    """
    conditions: list[pw.Node] = []
    for prefix in prefixes:
        if is_postgres():
            conditions.append(pw.NodeList((column, pw.SQL("LIKE"), f"{_escape_like(prefix)}%", pw.SQL("ESCAPE '\\'"))))
        else:
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            conditions.append((column >= prefix) & (column < upper))
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _hits(found: dict[int, tuple[str, str | None]]) -> list[CustomerHit]:
    if not found:
        return []
    ids = list(found)
    customers = {
        row[0]: row
        for row in Customer.select(
            Customer.id, Customer.number, Customer.name, Customer.national_id, Customer.is_company, Customer.city
        )
        .where(Customer.id.in_(ids))
        .tuples()
    }
    totals = {
        cid: (count, total)
        for cid, count, total in Invoice.select(Invoice.customer, pw.fn.COUNT(Invoice.id), pw.fn.SUM(Invoice.balance))
        .where(Invoice.customer.in_(ids) & (Invoice.balance > 0))
        .group_by(Invoice.customer)
        .tuples()
    }
    hits = []
    for cid in ids:
        if cid not in customers:
            continue
        _, number, name, national_id, is_company, city = customers[cid]
        matched_by, invoice_number = found[cid]
        if matched_by == "personnummer" and is_company:
            matched_by = "organisationsnummer"
        count, total = totals.get(cid, (0, 0))
        hits.append(
            CustomerHit(
                cid, number, name, national_id, bool(is_company), city, matched_by, invoice_number, count, int(total or 0)
            )
        )
    return hits


# --------------------------------------------------------------------------- customer ledger


def customer_info(customer_id: int) -> CustomerInfo:
    """A customer's card, or NotFound."""
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise NotFound(f"kund med id {customer_id} finns inte")
    return _customer_info(customer)


def _customer_info(customer: Customer) -> CustomerInfo:
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
    row = (
        Invoice.select(pw.fn.COUNT(Invoice.id), pw.fn.SUM(open_case), pw.fn.SUM(open_sum), pw.fn.SUM(marked),
                       pw.fn.SUM(Invoice.fees + Invoice.interest))
        .where(Invoice.customer == customer_id)
        .tuples()
        .get()
    )
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def count_customer_invoices(customer_id: int, *, only_open: bool = False) -> int:
    """How many invoices the customer has (only those with something open when ``only_open``)."""
    query = Invoice.select().where(Invoice.customer == customer_id)
    if only_open:
        query = query.where(_is_open())
    return query.count()


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
    query = _invoice_query().where(Invoice.customer == customer_id).order_by(*order)
    if only_open:
        query = query.where(_is_open())
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    names = dunning_level_names()
    day = today()
    return [_invoice_line(row, names, day, customer_blocked) for row in query.tuples()]


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


def _invoice_query() -> pw.ModelSelect:
    return Invoice.select(*_INVOICE_COLUMNS).join(
        CollectionCase, pw.JOIN.LEFT_OUTER, on=(Invoice.collection_case == CollectionCase.id)
    )


def _invoice_line(row: tuple[Any, ...], names: dict[int, str], day: dt.date, customer_blocked: bool) -> InvoiceLine:
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
    return dict(DunningLevelConfig.select(DunningLevelConfig.level, DunningLevelConfig.name).tuples())


# --------------------------------------------------------------------------- one invoice


def find_invoice(ref: int | str) -> Invoice:
    """An invoice by id (int), or by number or OCR (str); NotFound names what was asked for."""
    if isinstance(ref, int):
        invoice = Invoice.get_or_none(Invoice.id == ref)
        if invoice is None:
            raise NotFound(f"faktura med id {ref} finns inte")
        return invoice
    text = str(ref).strip()
    invoice = Invoice.get_or_none(Invoice.number == text)
    if invoice is None and digits_only(text).isdigit():
        invoice = Invoice.select().where(Invoice.ocr == digits_only(text)).order_by(Invoice.id).first()
    if invoice is None:
        raise NotFound(f"faktura {text!r} finns inte (varken som fakturanummer eller som OCR-referens)")
    return invoice


def invoice_detail(ref: int | str) -> InvoiceDetail:
    """An invoice with its rows, payments, dunning history, case, exclusion and blocks."""
    invoice = find_invoice(ref)
    customer = _customer_info(invoice.customer)
    row = _invoice_query().where(Invoice.id == invoice.id).tuples().get()
    line = _invoice_line(row, dunning_level_names(), today(), customer.block is not None)
    owner = Owner.get_by_id(invoice.owner_id)
    object_code = (
        RentalObject.select(RentalObject.code).where(RentalObject.id == invoice.rental_object_id).scalar()
        if invoice.rental_object_id
        else None
    )
    contract = (
        Contract.select(Contract.number).where(Contract.id == invoice.contract_id).scalar()
        if invoice.contract_id
        else None
    )
    return InvoiceDetail(
        invoice=line,
        customer=customer,
        owner_code=owner.code,
        owner_name=owner.name,
        object_code=object_code,
        contract_number=contract,
        rows=_rows(invoice.id),
        payments=_payments(invoice.id),
        notices=_notices(invoice.id),
        charges=_charges(invoice.id),
        case=_case(invoice.collection_case_id),
        exclusion=Block(invoice.excluded_reason, invoice.excluded_by, invoice.excluded_at)
        if invoice.excluded_reason
        else None,
        invoice_block=Block(invoice.dunning_blocked_reason, invoice.dunning_blocked_by, invoice.dunning_blocked_at)
        if invoice.dunning_blocked_reason
        else None,
    )


def _rows(invoice_id: int) -> list[RowLine]:
    query = (
        InvoiceRow.select(InvoiceRow.line_no, InvoiceRow.text, InvoiceRow.amount)
        .where(InvoiceRow.invoice == invoice_id)
        .order_by(InvoiceRow.line_no, InvoiceRow.id)
    )
    return [RowLine(*row) for row in query.tuples()]


def _payments(invoice_id: int) -> list[PaymentLine]:
    reported = {
        pid
        for (pid,) in ReportedCorrection.select(ReportedCorrection.payment)
        .join(Payment)
        .where(Payment.invoice == invoice_id)
        .tuples()
    }
    payments = list(Payment.select().where(Payment.invoice == invoice_id).order_by(Payment.pay_date, Payment.id))
    shares = charge_shares([p.id for p in payments])
    return [
        PaymentLine(
            p.id, p.pay_date, p.amount, p.invoice_amount, p.kind, p.method, p.reference, p.sender_account,
            p.registered_at, p.registered_by, p.status, p.id in reported, *shares.get(p.id, (0, 0)),
        )
        for p in payments
    ]


def _charges(invoice_id: int) -> list[ChargeLine]:
    """The invoice's fees and interest, oldest first, each with where it came from."""
    query = (
        InvoiceCharge.select(
            InvoiceCharge.id, InvoiceCharge.kind, InvoiceCharge.charged_on, InvoiceCharge.amount,
            InvoiceCharge.open_amount, InvoiceCharge.written_off, InvoiceCharge.period_from,
            InvoiceCharge.period_to, DunningNotice.name, CollectionCase.number, Payment.pay_date)
        .join_from(InvoiceCharge, DunningNotice, pw.JOIN.LEFT_OUTER, on=(InvoiceCharge.notice == DunningNotice.id))
        .join_from(InvoiceCharge, CollectionCase, pw.JOIN.LEFT_OUTER, on=(InvoiceCharge.case == CollectionCase.id))
        .join_from(InvoiceCharge, Payment, pw.JOIN.LEFT_OUTER, on=(InvoiceCharge.payment == Payment.id))
        .where(InvoiceCharge.invoice == invoice_id)
        .order_by(InvoiceCharge.charged_on, InvoiceCharge.id)
        .tuples()
    )
    lines = []
    for cid, kind, charged_on, amount, open_amount, written_off, since, until, notice, case, paid_on in query:
        charged = stored_date(charged_on)
        if notice is not None:
            origin = f"{notice} {charged.isoformat()}"
        elif case is not None:
            origin = f"Inkassoärende {case}"
        elif paid_on is not None:
            origin = f"Sen betalning {stored_date(paid_on).isoformat()}"
        else:
            origin = "Tidigare"
        lines.append(ChargeLine(
            cid, kind, charged, amount, amount - open_amount - written_off, written_off, open_amount, origin,
            stored_date(since) if since else None, stored_date(until) if until else None,
        ))
    return lines


def _notices(invoice_id: int) -> list[NoticeLine]:
    query = DunningNotice.select().where(DunningNotice.invoice == invoice_id).order_by(DunningNotice.level)
    return [NoticeLine(n.level, n.name, n.issued_on, n.deadline, n.capital, n.fee, n.interest) for n in query]


def _case(case_id: int | None) -> CaseInfo | None:
    if case_id is None:
        return None
    case = CollectionCase.get_by_id(case_id)
    return CaseInfo(
        case.id, case.number, case.system, case.status, case.created_at, case.created_by, case.agency_reference
    )


# --------------------------------------------------------------------------- JSON for the CLI


def invoice_state(number: str) -> dict[str, Any]:
    """An invoice's state as one JSON-ready object; amounts are strings "1234.50"."""
    detail = invoice_detail(str(number))
    inv = detail.invoice
    return {
        "number": inv.number,
        "kind": inv.kind,
        "ocr": inv.ocr,
        "owner": detail.owner_code,
        "customer": {
            "number": detail.customer.number,
            "name": detail.customer.name,
            "national_id": detail.customer.national_id,
        },
        "object": detail.object_code,
        "invoice_date": inv.invoice_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "amount": format_amount(inv.amount),
        "balance": format_amount(inv.balance),
        "capital": format_amount(inv.balance),
        "fees": format_amount(inv.fees),
        "interest": format_amount(inv.interest),
        "open_total": format_amount(inv.open_total),
        "status": inv.status.value,
        "status_text": inv.status_text,
        "dunning_level": inv.dunning_level,
        "dunning_level_name": inv.dunning_level_name or None,
        "dunning_deadline": inv.dunning_deadline.isoformat() if inv.dunning_deadline else None,
        "collection_case": _case_json(detail.case),
        "excluded": _block_json(detail.exclusion),
        "dunning_block": _block_json(detail.invoice_block),
        "customer_dunning_block": _block_json(detail.customer_block),
        "rows": [{"line_no": r.line_no, "text": r.text, "amount": format_amount(r.amount)} for r in detail.rows],
        "payments": [
            {
                "date": p.pay_date.isoformat(),
                "amount": format_amount(p.amount),
                "invoice_amount": format_amount(p.invoice_amount),
                "capital": format_amount(p.capital),
                "fees": format_amount(p.fees),
                "interest": format_amount(p.interest),
                "method": p.method,
                "kind": p.kind,
                "reference": p.reference,
                "reported": p.reported,
            }
            for p in detail.payments
        ],
        "notices": [
            {
                "level": n.level,
                "name": n.name,
                "issued_on": n.issued_on.isoformat(),
                "deadline": n.deadline.isoformat(),
                "fee": format_amount(n.fee),
                "interest": format_amount(n.interest),
            }
            for n in detail.notices
        ],
        "charges": [
            {
                "kind": c.kind,
                "kind_text": c.kind_label,
                "charged_on": c.charged_on.isoformat(),
                "amount": format_amount(c.amount),
                "settled": format_amount(c.settled),
                "written_off": format_amount(c.written_off),
                "open": format_amount(c.open),
                "origin": c.origin,
                "period": [c.period_from.isoformat(), c.period_to.isoformat()]
                if c.period_from and c.period_to else None,
            }
            for c in detail.charges
        ],
    }


def _case_json(case: CaseInfo | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "number": case.number,
        "system": case.system,
        "status": case.status,
        "created_at": case.created_at.isoformat(),
        "agency_reference": case.agency_reference,
    }


def _block_json(block: Block | None) -> dict[str, Any] | None:
    if block is None:
        return None
    return {"reason": block.reason, "by": block.by, "at": block.at.isoformat() if block.at else None}
