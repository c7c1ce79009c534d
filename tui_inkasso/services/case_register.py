"""The in-house case register (Reskontra → Inkassoärenden): list, detail, status, notes, payments.

A case is where work goes on after the collection run: its status moves through registrerat,
inkassokrav skickat, avbetalningsplan, hos Kronofogden and avslutat; every change, note and
payment becomes an event and an audit entry, in the same transaction. Payments go through the
booking service, which marks a payment on an invoice already in a case with that case (a balance
correction); payments booked before the case was created are part of the claimed balance and are
shown as such, never as corrections. Closing a case keeps its invoices collection-marked, so they
are never sent to collection again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CaseStatus,
    CollectionCase,
    CollectionFile,
    Customer,
    Invoice,
    Owner,
    Payment,
    PaymentKind,
    PaymentMethod,
    ReportedCorrection,
)
from tui_inkasso.db.rows import first_tuple_row, tuple_rows
from tui_inkasso.domain.codes import StaffRole, case_status_label
from tui_inkasso.domain.collection_systems import BY_CODE, INHOUSE
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.services import audit
from tui_inkasso.services.booking import Booked, PaymentIn, book_one
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.stored_values import stored_date, stored_datetime
from tui_inkasso.services.transaction import is_postgres, write_transaction

MAX_TEXT = 2000
"""Longest note or reason kept on an event."""

SORT_KEYS: dict[str, Any] = {
    "number": CollectionCase.number,
    "created_at": CollectionCase.created_at,
    "status": CollectionCase.status,
    "system": CollectionCase.system,
    "owner": Owner.code,
    "customer": Customer.name,
    "claimed": CollectionCase.capital + CollectionCase.fees + CollectionCase.interest,
}
"""What the register can be sorted by."""

STATUS_ORDER = [s.value for s in CaseStatus]
"""The statuses in the order a case usually goes through them."""


class CaseError(UserError):
    """A change to a case that cannot be made; the message says why."""

    exit_code = 1


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to list: a text (case number, customer number or name), status, system."""

    text: str = ""
    status: str | None = None
    system: str | None = None
    open_only: bool = False


@dataclass(frozen=True)
class CaseSummary:
    """A case as the register lists it."""

    id: int
    number: str
    system: str
    status: str
    owner_code: str
    owner_name: str
    customer_id: int
    customer_number: str
    customer_name: str
    created_at: dt.datetime
    created_by: str
    invoices: int
    capital: int
    fees: int
    interest: int
    balance: int
    """What is left of the claimed capital now (the invoices' current balances)."""
    closed_at: dt.datetime | None
    file_path: str | None
    open_charges: int = 0
    """The fees and interest still open on the case's invoices now."""

    @property
    def claimed(self) -> int:
        """Capital, fees and interest as claimed when the case was created."""
        return self.capital + self.fees + self.interest

    @property
    def remaining(self) -> int:
        """What is left of the claim now: the capital, fees and interest still open (a payment
        settles the claim's parts in the configured order, ``services/claim_settlement.py``)."""
        return self.balance + self.open_charges

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED.value


@dataclass(frozen=True)
class CaseInvoiceLine:
    """An invoice of a case: what was claimed and what is left now."""

    invoice_id: int
    number: str
    kind: str
    due_date: dt.date
    claimed_balance: int
    fees: int
    interest: int
    debt_type: str
    current_balance: int
    """The capital open now."""
    current_charges: int = 0
    """The fees and interest open now."""


@dataclass(frozen=True)
class CasePaymentLine:
    """A payment or credit on one of the case's invoices.

    ``after_case`` payments were booked while the invoice was in this case: balance corrections
    (``is_correction``) unless they came from the agency (method Inkasso). The others were booked
    before the case and are part of the claimed balance.
    """

    payment_id: int
    invoice_id: int
    invoice_number: str
    pay_date: dt.date
    registered_at: dt.datetime
    kind: str
    method: str
    amount: int
    invoice_amount: int
    after_case: bool
    is_correction: bool
    reported: bool


@dataclass(frozen=True)
class CaseEventLine:
    """Something that happened in a case."""

    at: dt.datetime
    user: str
    kind: str
    text: str


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows."""

    summary: CaseSummary
    national_id: str
    customer_address: str
    invoices: list[CaseInvoiceLine]
    payments: list[CasePaymentLine]
    events: list[CaseEventLine] = field(default_factory=list)

    @property
    def paid_since(self) -> int:
        """What was booked on the case's invoices since it was created."""
        return sum(p.invoice_amount for p in self.payments if p.after_case)


# --------------------------------------------------------------------------- reading


def _query() -> pw.ModelSelect[CollectionCase]:
    return (
        CollectionCase.select(
            CollectionCase.id, CollectionCase.number, CollectionCase.system, CollectionCase.status,
            Owner.code, Owner.name, Customer.id, Customer.number, Customer.name, CollectionCase.created_at,
            CollectionCase.created_by, CollectionCase.capital, CollectionCase.fees, CollectionCase.interest,
            CollectionCase.closed_at, CollectionFile.path,
        )
        .join(Owner, on=(CollectionCase.owner == Owner.id))
        .join_from(CollectionCase, Customer, on=(CollectionCase.customer == Customer.id))
        .join_from(CollectionCase, CollectionFile, pw.JOIN.LEFT_OUTER, on=(CollectionCase.file == CollectionFile.id))
    )


def _filtered(query: pw.ModelSelect[CollectionCase], flt: CaseFilter | None) -> pw.ModelSelect[CollectionCase]:
    if flt is None:
        return query
    if flt.status:
        query = query.where(CollectionCase.status == _status(flt.status).value)
    if flt.system:
        query = query.where(CollectionCase.system == flt.system)
    if flt.open_only:
        query = query.where(CollectionCase.status != CaseStatus.CLOSED.value)
    text = flt.text.strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            _like(pw.fn.LOWER(CollectionCase.number), pattern) | _like(Customer.search_text, pattern)
            | _like(pw.fn.LOWER(Customer.name), pattern) | _like(Customer.number, pattern)
        )
    return query


def _like(column: Any, pattern: str) -> pw.ColumnBase:
    return pw.NodeList((column, pw.SQL("LIKE"), pw.Value(pattern), pw.SQL("ESCAPE '\\'")), parens=True)


@reads
def count_cases(flt: CaseFilter | None = None) -> int:
    """Cases that pass the filter."""
    return _filtered(_query(), flt).count()


@reads
def list_cases(flt: CaseFilter | None = None, *, offset: int = 0, limit: int | None = None,
               sort: str = "number", descending: bool = True) -> list[CaseSummary]:
    """A page of the register, sorted in SQL (``sort`` a key of SORT_KEYS)."""
    if sort not in SORT_KEYS:
        raise CaseError(f"ärenden kan inte sorteras på {sort!r}; välj en av {', '.join(SORT_KEYS)}")
    order = SORT_KEYS[sort].desc() if descending else SORT_KEYS[sort].asc()
    tiebreak = CollectionCase.id.desc() if descending else CollectionCase.id.asc()
    query = _filtered(_query(), flt).order_by(order, tiebreak)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    rows = list(tuple_rows(query))
    balances = _balances([r[0] for r in rows])
    return [_summary(r, balances.get(r[0], (0, 0, 0))) for r in rows]


def _balances(case_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """case id -> (invoices, their open capital, their open fees and interest), in one grouped query."""
    if not case_ids:
        return {}
    query = (
        Invoice.select(Invoice.collection_case, pw.fn.COUNT(Invoice.id), pw.fn.SUM(Invoice.balance),
                       pw.fn.SUM(Invoice.fees + Invoice.interest))
        .where(Invoice.collection_case.in_(case_ids))
        .group_by(Invoice.collection_case)
    )
    return {case_id: (count, int(total or 0), int(charges or 0)) for case_id, count, total, charges in tuple_rows(query)}


def _summary(row: tuple[Any, ...], counts: tuple[int, int, int]) -> CaseSummary:
    (cid, number, system, status, owner_code, owner_name, customer_id, customer_number, customer_name,
     created_at, created_by, capital, fees, interest, closed_at, path) = row
    return CaseSummary(
        cid, number, system, status, owner_code, owner_name, customer_id, customer_number, customer_name,
        stored_datetime(created_at), created_by, counts[0], capital, fees, interest, counts[1],
        stored_datetime(closed_at) if closed_at else None, path, counts[2],
    )


@reads
def find_case(ref: int | str) -> CollectionCase:
    """A case by id (int) or number (str); NotFound names what was asked for."""
    if isinstance(ref, int):
        case = CollectionCase.get_or_none(CollectionCase.id == ref)
    else:
        text = str(ref).strip()
        case = CollectionCase.get_or_none(CollectionCase.number == text)
        if case is None and text.isdigit():
            case = CollectionCase.get_or_none(CollectionCase.id == int(text))
    if case is None:
        raise NotFound(f"inkassoärende {ref!r} finns inte")
    return case


def case_summary(case_id: int) -> CaseSummary:
    """One case as the register lists it."""
    row = first_tuple_row(_query().where(CollectionCase.id == case_id))
    if row is None:
        raise NotFound(f"inkassoärende med id {case_id} finns inte")
    return _summary(row, _balances([case_id]).get(case_id, (0, 0, 0)))


@reads
def case_detail(case_id: int) -> CaseDetail:
    """The case with its invoices (claimed and now), payments on them, events and notes."""
    summary = case_summary(case_id)
    customer = Customer.get_by_id(summary.customer_id)
    address = ", ".join(p for p in (customer.address, f"{customer.postal_code} {customer.city}".strip()) if p)
    return CaseDetail(summary, customer.national_id, address, _invoice_lines(summary),
                      _payment_lines(case_id), _event_lines(case_id))


def _invoice_lines(summary: CaseSummary) -> list[CaseInvoiceLine]:
    query = (
        CaseInvoice.select(Invoice.id, Invoice.number, Invoice.kind, Invoice.due_date, CaseInvoice.balance,
                           CaseInvoice.fees, CaseInvoice.interest, CaseInvoice.debt_type, Invoice.balance,
                           Invoice.fees + Invoice.interest)
        .join(Invoice, on=(CaseInvoice.invoice == Invoice.id))
        .where(CaseInvoice.case == summary.id)
        .order_by(Invoice.due_date, Invoice.number)
    )
    spec = BY_CODE.get(summary.system, INHOUSE)
    lines = []
    for iid, number, kind, due, claimed, fees, interest, stored, current, charges in tuple_rows(query):
        shown = spec.shown_debt_type(stored)
        lines.append(CaseInvoiceLine(iid, number, kind, stored_date(due), claimed, fees, interest, shown, current,
                                     charges))
    return lines


def _payment_lines(case_id: int) -> list[CasePaymentLine]:
    invoices = CaseInvoice.select(CaseInvoice.invoice).where(CaseInvoice.case == case_id)
    reported = ReportedCorrection.select(ReportedCorrection.payment)
    query = (
        Payment.select(Payment.id, Payment.invoice, Invoice.number, Payment.pay_date, Payment.registered_at,
                       Payment.kind, Payment.method, Payment.amount, Payment.invoice_amount,
                       Payment.collection_case, Payment.id.in_(reported))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .where(Payment.invoice.in_(invoices))
        .order_by(Payment.pay_date, Payment.registered_at, Payment.id)
    )
    lines = []
    for (pid, iid, number, pay_date, registered, kind, method, amount, invoice_amount, case,
         was_reported) in tuple_rows(query):
        after = case == case_id
        lines.append(CasePaymentLine(
            pid, iid, number, stored_date(pay_date), stored_datetime(registered), kind, method, amount, invoice_amount,
            after, after and method != PaymentMethod.INKASSO.value, bool(was_reported),
        ))
    return lines


def _event_lines(case_id: int) -> list[CaseEventLine]:
    query = CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.at, CaseEvent.id)
    return [CaseEventLine(stored_datetime(e.at), e.user, e.kind, e.text) for e in query]


# --------------------------------------------------------------------------- changing


def _status(value: str | CaseStatus) -> CaseStatus:
    """The status named by ``value``, in any case ("hos kronofogden", "Hos Kronofogden", the
    stored "hos Kronofogden"), or by its code name ("enforcement")."""
    if isinstance(value, CaseStatus):
        return value
    text = " ".join(str(value).split()).casefold()
    for status in CaseStatus:
        if text in (status.value.casefold(), status.name.casefold(), status.name.casefold().replace("_", " ")):
            return status
    raise CaseError(f"okänd status {value!r}; välj en av: {', '.join(STATUS_ORDER)}")


def _clean(text: str, what: str, *, required: bool = True) -> str:
    cleaned = " ".join(str(text or "").split())
    if required and not cleaned:
        raise CaseError(f"Skriv {what}.")
    if len(cleaned) > MAX_TEXT:
        raise CaseError(f"{what[0].upper()}{what[1:]} är {len(cleaned)} tecken; högst {MAX_TEXT}.")
    return cleaned


def _locked(case_id: int) -> CollectionCase:
    query = CollectionCase.select().where(CollectionCase.id == case_id)
    if is_postgres():
        query = query.for_update()
    case = query.first()
    if case is None:
        raise NotFound(f"inkassoärende med id {case_id} finns inte")
    return case


def _event(case: CollectionCase, kind: str, text: str, at: dt.datetime) -> None:
    CaseEvent.create(case=case.id, at=at, user=current_user(), kind=kind, text=text)


@requires(StaffRole.CLERK, "ändra status på inkassoärenden")
def set_case_status(case_id: int, status: str | CaseStatus, note: str = "") -> CaseSummary:
    """Move the case to ``status`` (avslutat closes it, any other reopens it), with a note."""
    new = _status(status)
    text = _clean(note, "en anteckning", required=False)
    with write_transaction():
        case = _locked(case_id)
        old = case.status
        if old == new.value:
            raise CaseError(f"Ärende {case.number} har redan status {old}.")
        at = now()
        closed_at = at if new is CaseStatus.CLOSED else None
        CollectionCase.update(status=new.value, closed_at=closed_at).where(CollectionCase.id == case.id).execute()
        _event(case, "status", f"Status: {case_status_label(old)} → {case_status_label(new.value)}"
               + (f". {text}" if text else ""), at)
        audit.record("case.status", "collection_case", case.number, {"old": old, "new": new.value, "note": text})
    return case_summary(case_id)


@requires(StaffRole.CLERK, "avsluta inkassoärenden")
def close_case(case_id: int, reason: str) -> CaseSummary:
    """Close the case (status avslutat, closed_at); its invoices stay collection-marked."""
    text = _clean(reason, "varför ärendet avslutas")
    with write_transaction():
        case = _locked(case_id)
        if case.status == CaseStatus.CLOSED.value:
            raise CaseError(f"Ärende {case.number} är redan avslutat.")
        at = now()
        CollectionCase.update(status=CaseStatus.CLOSED.value, closed_at=at).where(CollectionCase.id == case.id).execute()
        _event(case, "closed", f"Ärendet avslutat: {text}", at)
        audit.record("case.closed", "collection_case", case.number, text)
    return case_summary(case_id)


@requires(StaffRole.CLERK, "skriva anteckningar i inkassoärenden")
def add_case_note(case_id: int, text: str) -> CaseEventLine:
    """Add a note to the case (an event of kind "note"), audited."""
    cleaned = _clean(text, "en anteckning")
    with write_transaction():
        case = _locked(case_id)
        at = now()
        _event(case, "note", cleaned, at)
        audit.record("case.note", "collection_case", case.number, cleaned)
    return CaseEventLine(at, current_user(), "note", cleaned)


@requires(StaffRole.CLERK, "registrera betalningar i inkassoärenden")
def register_case_payment(
    case_id: int,
    invoice_id: int,
    amount: int,
    pay_date: dt.date,
    method: str = PaymentMethod.MANUAL.value,
    note: str = "",
) -> Booked:
    """Book a payment on one of the case's invoices (booking.book_one) and record it on the case.

    The booking marks it with the case (it is booked after the case was created); an event says
    what came in. One transaction: the payment, its voucher, the balance, the event, the audit.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise CaseError(f"Beloppet måste vara större än noll (öre som heltal), inte {amount!r}.")
    methods = [m.value for m in PaymentMethod if m is not PaymentMethod.CREDIT]
    if method not in methods:
        raise CaseError(f"okänt betalsätt {method!r}; välj en av: {', '.join(methods)}")
    text = _clean(note, "en anteckning", required=False)
    with write_transaction():
        case = _locked(case_id)
        if case.status == CaseStatus.CLOSED.value:
            raise CaseError(f"Ärende {case.number} är avslutat; öppna det igen (ändra status) först.")
        link = CaseInvoice.get_or_none((CaseInvoice.case == case.id) & (CaseInvoice.invoice == invoice_id))
        if link is None:
            raise CaseError(f"Fakturan (id {invoice_id}) hör inte till ärende {case.number}.")
        booked = book_one(
            PaymentIn(amount=amount, pay_date=pay_date, method=method, invoice_id=invoice_id,
                      kind=PaymentKind.PAYMENT.value, reference=case.number, note=text or f"Ärende {case.number}"),
            voucher_text="Inbetalning inkassoärende",
            audit_action="case.payment",
        )
        what = f"Betalning {format_kronor(amount)} ({method}) {pay_date.isoformat()} på faktura {booked.invoice_number}"
        if booked.split.excess_amount:
            what += f", varav {format_kronor(booked.split.excess_amount)} överskjutande"
        _event(case, "payment", what + (f". {text}" if text else ""), now())
        audit.record("case.payment_registered", "collection_case", case.number,
                     {"amount": amount, "invoice": booked.invoice_number, "payment": booked.payment_id})
    return booked
