"""Terminated tenancies and their recovery: service, socialnämndens receipt, the state, the check.

A termination for unpaid rent (``services/arrears_run.py``) waits for two facts staff record:
how and when the tenant was served (delgivning), and for a dwelling when socialnämnden received
its notice. From them and from the payments booked on the terminated rent since, the state is
worked out whenever it is read (``domain.rent_arrears.recovery``), so a payment shows at once:

* waiting for service, until the period has a start;
* recovery running, until its last day;
* recovered, once the whole recovery amount was paid by the last day (partial pays nothing);
* not recovered, after the last day: ready for an application for eviction
  (``services/eviction_summary.py``).

What a payment counts: every payment or credit booked on the terminated invoices after the
amount was fixed (a higher payment id than the last one it included), whole, whatever part of it the settlement order put on fees or
interest (NJA 2013 s. 1190: a payment is to be applied to the debt whose non-payment forfeits the
tenancy), counted in time when its pay date is on or before the last day.

The stored ``state`` is the last one recorded by an action here or by the daily check
(:func:`refresh_states`), which also says who must act; reads never rely on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee as pw

from tui_inkasso.db.models import (
    Contract,
    Customer,
    Invoice,
    Payment,
    RentalObject,
    Termination,
    TerminationInvoice,
)
from tui_inkasso.db.rows import Row, tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.rent_arrears import (
    Recovery,
    RecoveryState,
    ServiceMethod,
    premises_from_code,
    recovery,
    service_method,
)
from tui_inkasso.domain.rent_notice import RentPremises
from tui_inkasso.services import audit
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.stored_values import stored_date, stored_datetime
from tui_inkasso.services.transaction import write_transaction


class TerminationError(UserError):
    """A service date or receipt that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class TerminatedRent:
    """One rent of a termination: the invoice, its due date, what was open then and now."""

    invoice_id: int
    invoice_number: str
    due_date: dt.date
    amount: int
    balance_now: int
    counted_through: int = 0


@dataclass(frozen=True)
class TerminationView:
    """A termination as staff and scripts see it on a day."""

    id: int
    contract_number: str
    customer_number: str
    customer_name: str
    object_code: str
    object_address: str
    premises: RentPremises
    terminated_on: dt.date
    created_at: dt.datetime
    recovery_amount: int
    municipality: str
    served_on: dt.date | None
    served_how: str | None
    socialnamnd_received_on: dt.date | None
    stored_state: str
    recovery: Recovery
    rents: tuple[TerminatedRent, ...]
    payments: tuple[tuple[dt.date, int], ...]

    @property
    def state(self) -> RecoveryState:
        return self.recovery.state

    @property
    def last_day(self) -> dt.date | None:
        return self.recovery.last_day

    @property
    def is_dwelling(self) -> bool:
        return self.premises is RentPremises.DWELLING

    @property
    def state_text(self) -> str:
        """"Återvinningsfrist löper t.o.m. 2026-12-28", "Väntar på delgivning och socialnämnden" ..."""
        state, last_day = self.state, self.last_day
        if state is RecoveryState.RECOVERY_RUNNING:
            assert last_day is not None  # a period that runs has its last day
            return f"Återvinningsfrist löper t.o.m. {last_day.isoformat()}"
        if state is RecoveryState.WAITING_FOR_SERVICE:
            waiting = []
            if self.served_on is None:
                waiting.append("delgivning")
            if self.is_dwelling and self.socialnamnd_received_on is None:
                waiting.append("socialnämndens mottagande")
            return "Väntar på " + " och ".join(waiting)
        if state is RecoveryState.NOT_RECOVERED:
            assert last_day is not None  # a period that ran out had its last day
            return f"Inte återvunnen (fristen gick ut {last_day.isoformat()})"
        return "Återvunnen: hyran betald i tid"


_COLUMNS = (Termination.id, Contract.number, Customer.number, Customer.name, RentalObject.code,
            RentalObject.address, Termination.premises, Termination.terminated_on, Termination.created_at,
            Termination.recovery_amount, Termination.municipality, Termination.served_on,
            Termination.served_how, Termination.socialnamnd_received_on, Termination.state)


def _query() -> pw.ModelSelect[Termination]:
    return (Termination.select(*_COLUMNS)
            .join(Contract, on=(Termination.contract == Contract.id))
            .join_from(Termination, Customer, on=(Termination.customer == Customer.id))
            .join_from(Termination, RentalObject, on=(Termination.rental_object == RentalObject.id)))


def _optional_date(value: object) -> dt.date | None:
    return stored_date(value) if value is not None else None


def _views(rows: Iterable[Row], on: dt.date) -> list[TerminationView]:
    rows = list(rows)
    ids = [int(r[0]) for r in rows]
    rents = _rents(ids)
    payments = _payments(rents)
    views = []
    for (tid, contract, cust_no, cust_name, obj_code, obj_address, premises_code, terminated_on, created_at,
         amount, municipality, served_on, served_how, received_on, state) in rows:
        premises = premises_from_code(str(premises_code))
        served, received = _optional_date(served_on), _optional_date(received_on)
        paid = payments.get(int(tid), [])
        views.append(TerminationView(
            int(tid), str(contract), str(cust_no), str(cust_name), str(obj_code), str(obj_address or ""),
            premises, stored_date(terminated_on), stored_datetime(created_at), int(amount),
            str(municipality or ""), served, str(served_how) if served_how else None, received, str(state),
            recovery(premises, int(amount), served, received, paid, on),
            tuple(rents.get(int(tid), [])), tuple(paid)))
    return views


def _rents(ids: Sequence[int]) -> dict[int, list[TerminatedRent]]:
    found: dict[int, list[TerminatedRent]] = defaultdict(list)
    if not ids:
        return found
    query = tuple_rows(TerminationInvoice.select(TerminationInvoice.termination, Invoice.id, Invoice.number,
                                                 TerminationInvoice.due_date, TerminationInvoice.amount, Invoice.balance,
                                                 TerminationInvoice.counted_through)
                       .join(Invoice, on=(TerminationInvoice.invoice == Invoice.id))
                       .where(TerminationInvoice.termination.in_(list(ids)))
                       .order_by(TerminationInvoice.due_date, Invoice.number))
    for tid, iid, number, due, amount, balance, through in query:
        found[tid].append(TerminatedRent(iid, number, stored_date(due), amount, balance, through))
    return found


def _payments(rents: dict[int, list[TerminatedRent]]) -> dict[int, list[tuple[dt.date, int]]]:
    """(pay date, öre) of what was booked on each termination's rent after its amount was fixed:
    payments and credits with a higher id than the last one the amount included."""
    by_invoice: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for tid, lines in rents.items():
        for line in lines:
            by_invoice[line.invoice_id].append((tid, line.counted_through))
    found: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    if not by_invoice:
        return found
    query = tuple_rows(Payment.select(Payment.invoice, Payment.id, Payment.pay_date, Payment.amount)
                       .where(Payment.invoice.in_(list(by_invoice))).order_by(Payment.pay_date, Payment.id))
    for iid, pid, pay_date, amount in query:
        for tid, through in by_invoice[iid]:
            if pid > through:
                found[tid].append((stored_date(pay_date), int(amount)))
    return found


@reads
def list_terminations(on: dt.date, *, states: Iterable[RecoveryState] | None = None) -> list[TerminationView]:
    """Every termination (newest first) with its state on ``on``; only ``states`` when given."""
    views = _views(tuple_rows(_query().order_by(Termination.terminated_on.desc(), Termination.id.desc())), on)
    if states is None:
        return views
    wanted = set(states)
    return [v for v in views if v.state in wanted]


@reads
def termination_for(contract_number: str, on: dt.date) -> TerminationView:
    """The latest termination of a contract, with its state on ``on``; NotFound naming it."""
    rows = list(tuple_rows(_query().where(Contract.number == contract_number)
                           .order_by(Termination.id.desc()).limit(1)))
    if not rows:
        if not Contract.select().where(Contract.number == contract_number).exists():
            raise NotFound(f"hyresavtal {contract_number} finns inte")
        raise NotFound(f"hyresavtal {contract_number} har inte sagts upp för obetald hyra")
    return _views(rows, on)[0]


def termination_by_id(termination_id: int, on: dt.date) -> TerminationView:
    """One termination by its id (the screens'), or NotFound."""
    rows = list(tuple_rows(_query().where(Termination.id == termination_id)))
    if not rows:
        raise NotFound(f"uppsägning {termination_id} finns inte")
    return _views(rows, on)[0]


def open_contracts(contract_ids: Iterable[int], on: dt.date) -> set[int]:
    """The contracts among ``contract_ids`` with a termination that still stands on ``on``."""
    ids = list(dict.fromkeys(contract_ids))
    if not ids:
        return set()
    rows = _query().where(Termination.contract.in_(ids), Termination.state != RecoveryState.RECOVERED.value)
    contract_of: dict[int, int] = dict(tuple_rows(Termination.select(Termination.id, Termination.contract)
                                  .where(Termination.contract.in_(ids))))
    return {contract_of[v.id] for v in _views(tuple_rows(rows), on) if v.state.is_open}


@reads
def open_termination_invoices(on: dt.date) -> set[int]:
    """Every invoice in a termination that still stands on ``on`` (a few hundred at most)."""
    rows = tuple_rows(_query().where(Termination.state != RecoveryState.RECOVERED.value))
    return {r.invoice_id for view in _views(rows, on) if view.state.is_open for r in view.rents}


@dataclass(frozen=True)
class InvoiceMark:
    """What the ledger and the collection wizard say of an invoice in a termination."""

    contract_number: str
    terminated_on: dt.date
    state: RecoveryState
    text: str

    @property
    def short(self) -> str:
        """A few words for a table cell: "Uppsagd", "Återvunnen" ..."""
        return {RecoveryState.WAITING_FOR_SERVICE: "Uppsagd", RecoveryState.RECOVERY_RUNNING: "Återvinning",
                RecoveryState.NOT_RECOVERED: "Ej återvunnen", RecoveryState.RECOVERED: "Återvunnen"}[self.state]


@reads
def invoice_marks(invoice_ids: Iterable[int], on: dt.date) -> dict[int, InvoiceMark]:
    """The latest termination each invoice is part of, with its state on ``on`` and a sentence
    for staff ("Hyresavtalet 1004-0412-01 är uppsagt 2026-12-03 för obetald hyra: ...")."""
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        return {}
    links: dict[int, int] = dict(tuple_rows(TerminationInvoice.select(TerminationInvoice.invoice, pw.fn.MAX(TerminationInvoice.termination))
                            .where(TerminationInvoice.invoice.in_(ids)).group_by(TerminationInvoice.invoice)))
    if not links:
        return {}
    views = {v.id: v for v in _views(tuple_rows(_query().where(Termination.id.in_(set(links.values())))), on)}
    marks = {}
    for iid, tid in links.items():
        view = views[tid]
        text = (f"Hyresavtalet {view.contract_number} är uppsagt {view.terminated_on.isoformat()} för obetald "
                f"hyra: {view.state_text}.")
        if view.state.is_open:
            text += " Beslut om inkasso fattas för sig; uppsägningen påverkas inte av det."
        marks[iid] = InvoiceMark(view.contract_number, view.terminated_on, view.state, text)
    return marks


# --------------------------------------------------------------------------- what staff record


def _today_or_before(day: dt.date, today: dt.date, what: str) -> None:
    if day > today:
        raise TerminationError(f"{what} {day.isoformat()} ligger efter i dag ({today.isoformat()})")


@requires(StaffRole.CLERK, "registrera delgivning av uppsägningar")
def record_service(contract_number: str, served_on: dt.date, how: str | ServiceMethod,
                   today: dt.date) -> TerminationView:
    """Record how and when the tenant was served the termination and the notice; audited.

    A second recording corrects the first (the audit log keeps both)."""
    try:
        method = how if isinstance(how, ServiceMethod) else service_method(how)
    except ValueError as exc:
        raise TerminationError(str(exc)) from None
    with write_transaction():
        view = termination_for(contract_number, today)
        if served_on < view.terminated_on:
            raise TerminationError(f"delgivningen {served_on.isoformat()} ligger före uppsägningen "
                                   f"{view.terminated_on.isoformat()}")
        _today_or_before(served_on, today, "delgivningen")
        Termination.update(served_on=served_on, served_how=method.value).where(Termination.id == view.id).execute()
        audit.record("arrears.served", "contract", contract_number, {
            "old": view.served_on.isoformat() if view.served_on else None, "new": served_on.isoformat(),
            "how": method.value})
        _store_states([view.id], today)
    return termination_by_id(view.id, today)


@requires(StaffRole.CLERK, "registrera socialnämndens mottagande")
def record_socialnamnd_received(contract_number: str, received_on: dt.date, today: dt.date) -> TerminationView:
    """Record the day socialnämnden received its notice (dwellings only); audited."""
    with write_transaction():
        view = termination_for(contract_number, today)
        if not view.is_dwelling:
            raise TerminationError(f"hyresavtal {contract_number} gäller en lokal; socialnämnden får inget "
                                   "meddelande om lokaler (12 kap. 44 § jordabalken)")
        if received_on < view.terminated_on:
            raise TerminationError(f"mottagandet {received_on.isoformat()} ligger före uppsägningen "
                                   f"{view.terminated_on.isoformat()}, då meddelandet skrevs")
        _today_or_before(received_on, today, "mottagandet")
        Termination.update(socialnamnd_received_on=received_on).where(Termination.id == view.id).execute()
        audit.record("arrears.socialnamnd_received", "contract", contract_number, {
            "old": view.socialnamnd_received_on.isoformat() if view.socialnamnd_received_on else None,
            "new": received_on.isoformat(), "municipality": view.municipality})
        _store_states([view.id], today)
    return termination_by_id(view.id, today)


# --------------------------------------------------------------------------- the stored state


@dataclass(frozen=True)
class StateChange:
    """A termination whose state moved since it was last recorded."""

    view: TerminationView
    old: str

    @property
    def new(self) -> RecoveryState:
        return self.view.state


def _store_states(ids: Sequence[int], on: dt.date) -> list[StateChange]:
    """Record each termination's state on ``on`` where it moved; audited. In the caller's
    transaction."""
    if not ids:
        return []
    changes = []
    for view in _views(tuple_rows(_query().where(Termination.id.in_(list(ids)))), on):
        if view.state.value == view.stored_state:
            continue
        Termination.update(state=view.state.value, state_since=on).where(Termination.id == view.id).execute()
        audit.record("arrears.state", "contract", view.contract_number, {
            "old": view.stored_state, "new": view.state.value,
            "last_day": view.last_day.isoformat() if view.last_day else None})
        changes.append(StateChange(view, view.stored_state))
    return changes


def refresh_states(on: dt.date) -> list[StateChange]:
    """Move every termination not yet recovered to its state on ``on``: one transaction."""
    with write_transaction():
        ids = [tid for (tid,) in tuple_rows(Termination.select(Termination.id)
                                            .where(Termination.state != RecoveryState.RECOVERED.value))]
        return _store_states(ids, on)
