"""One invoice in full (the ledger's invoice view, ``tui-inkasso invoice``), and finding it by
number, OCR or id.

Everything here only reads and returns plain dataclasses; the invoice's line in a customer's
ledger and the customer's facts come from ``services/ledger.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db.models import (
    CollectionCase,
    Contract,
    DunningNotice,
    Invoice,
    InvoiceCharge,
    InvoiceRow,
    Owner,
    Payment,
    RentalObject,
    ReportedCorrection,
)
from tui_inkasso.db.rows import tuple_row, tuple_rows
from tui_inkasso.domain.codes import (
    charge_kind_label,
    payment_kind_label,
    payment_method_label,
)
from tui_inkasso.domain.identifiers import digits_only
from tui_inkasso.domain.money import format_amount
from tui_inkasso.services.claim_settlement import charge_shares
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import NotFound
from tui_inkasso.services.ledger import (
    Block,
    CustomerInfo,
    InvoiceLine,
    customer_info_of,
    dunning_level_names,
    invoice_line,
    invoice_query,
)
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.stored_values import stored_date


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


# --------------------------------------------------------------------------- one invoice


@reads
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


@reads
def invoice_detail(ref: int | str) -> InvoiceDetail:
    """An invoice with its rows, payments, dunning history, case, exclusion and blocks."""
    invoice = find_invoice(ref)
    customer = customer_info_of(invoice.customer)
    row = tuple_row(invoice_query().where(Invoice.id == invoice.id))
    line = invoice_line(row, dunning_level_names(), today(), customer.block is not None)
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
    return [RowLine(*row) for row in tuple_rows(query)]


def _payments(invoice_id: int) -> list[PaymentLine]:
    reported = {
        pid
        for (pid,) in tuple_rows(ReportedCorrection.select(ReportedCorrection.payment)
                                 .join(Payment)
                                 .where(Payment.invoice == invoice_id))
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
    )
    lines = []
    for cid, kind, charged_on, amount, open_amount, written_off, since, until, notice, case, paid_on in tuple_rows(query):
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


@reads
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
