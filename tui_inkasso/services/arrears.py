"""Who may be terminated for unpaid rent (Reskontra → Obetald hyra, ``tui-inkasso arrears list``).

A rent contract appears when at least one of its rent invoices is still unpaid past the limit of
12 kap. 42 § jordabalken (``domain.rent_arrears``: a week for a dwelling, two vardagar for
premises), within the standard selection. Which objects are dwellings and which premises comes
from the same setting as the rent sentence on the letters (``dunning.rent_notice``: Bostad a
dwelling, Övriga (lokaler) premises); parking, storage and garages let on their own are not
under chapter 12 unless configured, and never appear.

Left out: contracts staff keep off the list with a reason (``arrears_exclusion``, persisted
like the collection wizard's exclusions, shown in a table of their own), and contracts whose
termination still stands (they are in the state view). Each contract says what it owes: every
overdue rent beyond the limit with its due date, days late, amount and what is still open; the
sum is what a termination now would demand for recovery (docs/rent-arrears.md, "The amount").
It also says what would stop a termination run (no municipality, no socialnämnd address, no
dwelling size, no bankgiro), so staff see it before they start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    ArrearsExclusion,
    Contract,
    Customer,
    Invoice,
    ObjectType,
    Owner,
    Payment,
    Property,
    RentalObject,
)
from tui_inkasso.db.rows import Row, tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.municipality import MunicipalityError, municipality_key
from tui_inkasso.domain.rent_arrears import days_late, dwelling_size, is_forfeited
from tui_inkasso.domain.rent_notice import RENT_INVOICE_KIND, RentPremises, rent_notice_premises
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.dunning_letter import rent_notice_config
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.socialnamnd import list_boards
from tui_inkasso.services.stored_values import StoredDates, stored_datetime
from tui_inkasso.services.termination_state import open_contracts
from tui_inkasso.services.transaction import write_transaction

EARLIEST = dt.timedelta(days=3)
"""No rent is forfeited sooner than three days after its due date (premises: two vardagar after
it): the SQL filter, which the exact rule then narrows."""


@dataclass(frozen=True)
class OverdueRent:
    """An unpaid rent past the statutory limit.

    ``balance`` is the rent still owed with every payment and credit on the invoice counted
    against the rent first (NJA 2013 s. 1190), which is what recovery demands; ``ledger_balance``
    the open capital in the ledger, higher when the settlement order put money on fees or
    interest first.
    """

    invoice_id: int
    invoice_number: str
    due_date: dt.date
    days_late: int
    amount: int
    balance: int
    ocr: str
    ledger_balance: int = 0

    @property
    def paid(self) -> int:
        """What has been paid or credited of it."""
        return self.amount - self.balance


@dataclass(frozen=True)
class ArrearsContract:
    """A contract that may be terminated for unpaid rent, with everything its letters need."""

    contract_id: int
    contract_number: str
    customer_id: int
    customer_number: str
    customer_name: str
    national_id: str
    owner_id: int
    owner_code: str
    object_id: int
    object_code: str
    object_address: str
    property_code: str
    municipality: str
    premises: RentPremises
    monthly_rent: int
    size: str
    overdue: tuple[OverdueRent, ...]
    problems: tuple[str, ...] = ()
    excluded_reason: str | None = None
    excluded_by: str | None = None
    excluded_at: dt.datetime | None = None

    @property
    def owed(self) -> int:
        """The rent a termination now would demand for recovery: what is open of the overdue rents."""
        return sum(r.balance for r in self.overdue)

    @property
    def oldest_due(self) -> dt.date:
        return min(r.due_date for r in self.overdue)

    @property
    def most_days_late(self) -> int:
        return max(r.days_late for r in self.overdue)


@dataclass(frozen=True)
class ArrearsList:
    """The list on a day: who may be terminated, who is left out, and notes for staff."""

    date: dt.date
    selection: Selection
    contracts: list[ArrearsContract]
    excluded: list[ArrearsContract]
    notes: list[str] = field(default_factory=list)


_PAID = (Payment.select(pw.fn.COALESCE(pw.fn.SUM(Payment.invoice_amount), 0))
         .where(Payment.invoice == Invoice.id))
"""What payments and credits settled of the invoice's claim, capital and charges alike."""

_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.due_date, Invoice.amount, Invoice.balance, Invoice.ocr,
    Contract.id, Contract.number, Contract.monthly_rent, Contract.end_date,
    Customer.id, Customer.number, Customer.name, Customer.national_id, Customer.address,
    Owner.id, Owner.code, Owner.bankgiro, Owner.plusgiro,
    RentalObject.id, RentalObject.code, RentalObject.address, RentalObject.rooms, RentalObject.floor_area,
    ObjectType.sfi, Property.code, Property.municipality, _PAID,
)


def _query(on: dt.date, selection: Selection, contract_ids: Sequence[int] | None) -> pw.ModelSelect[Invoice]:
    query = (
        Invoice.select(*_COLUMNS)
        .join(Contract, on=(Invoice.contract == Contract.id))
        .join_from(Invoice, Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Owner, on=(Invoice.owner == Owner.id))
        .join_from(Contract, RentalObject, on=(Contract.rental_object == RentalObject.id))
        .join_from(RentalObject, ObjectType, on=(RentalObject.object_type == ObjectType.id))
        .join_from(RentalObject, Property, on=(RentalObject.property == Property.id))
        .where(Invoice.kind == RENT_INVOICE_KIND, Invoice.balance > 0, Invoice.due_date <= on - EARLIEST)
    )
    if contract_ids is not None:
        query = query.where(Invoice.contract.in_(list(contract_ids)))
    return apply_selection(query, selection)


def _selected(on: dt.date, selection: Selection) -> list[int]:
    """The contracts with unpaid rent within ``selection``; their whole arrears are read then, so
    a due-date range picks contracts but never shortens what a contract owes."""
    query = (Invoice.select(Invoice.contract).distinct()
             .where(Invoice.kind == RENT_INVOICE_KIND, Invoice.balance > 0, Invoice.due_date <= on - EARLIEST,
                    Invoice.contract.is_null(False)))
    return [cid for (cid,) in tuple_rows(apply_selection(query, selection))]


def _boards() -> set[str]:
    return {municipality_key(b.municipality) for b in list_boards() if b.registered}


def _problems(premises: RentPremises, municipality: str, size: str, bankgiro: str | None,
              plusgiro: str | None, address: str, owner_code: str, property_code: str, object_code: str,
              boards: set[str]) -> tuple[str, ...]:
    """What would stop a termination run for this contract, in Swedish."""
    problems = []
    if not (bankgiro or plusgiro):
        problems.append(f"ägaren {owner_code} saknar bankgiro och plusgiro (underrättelsen ska säga vart "
                        "hyran betalas)")
    if not address:
        problems.append("kunden saknar adress")
    if premises is RentPremises.DWELLING:
        if not municipality:
            problems.append(f"fastigheten {property_code} saknar kommun (tui-inkasso socialnamnd property "
                            f"{property_code} KOMMUN)")
        else:
            try:
                known = municipality_key(municipality) in boards
            except MunicipalityError:
                known = False
            if not known:
                problems.append(f"socialnämnden i {municipality} saknar adress (Inställningar → Socialnämnder)")
        if not size:
            problems.append(f"objekt {object_code} saknar lägenhetens storlek, som meddelandet till "
                            f"socialnämnden ska ange (tui-inkasso arrears size {object_code})")
    return tuple(problems)


def _read(on: dt.date, selection: Selection, contract_ids: Sequence[int] | None = None) -> list[ArrearsContract]:
    """Every contract with rent past the limit on ``on`` (no exclusion or termination applied)."""
    config = rent_notice_config()
    dates = StoredDates()
    boards = _boards()
    found: dict[int, tuple[Row, RentPremises, list[OverdueRent]]] = {}
    sql, params = _query(on, selection, contract_ids).sql()
    for values in db.execute_sql(sql, params):
        (iid, number, due, amount, balance, ocr, cid, _c_no, _rent, end_date, *_rest) = values
        sfi = values[24]
        try:
            premises = rent_notice_premises(RENT_INVOICE_KIND, sfi, config)
        except ValueError:
            premises = None
        if premises is None:
            continue
        due_date = dates[due]
        if end_date is not None and dates[end_date] < on:
            continue
        if not is_forfeited(due_date, premises, on):
            continue
        owed = min(balance, max(amount - int(values[27]), 0))
        if owed <= 0:
            continue
        entry = found.setdefault(cid, (values, premises, []))
        entry[2].append(OverdueRent(iid, number, due_date, days_late(due_date, on), amount, owed, ocr, balance))
    contracts = []
    for cid, (values, premises, overdue) in found.items():
        (_i, _n, _d, _a, _b, _o, _cid, c_no, rent, _end, cust_id, cust_no, cust_name, national_id, cust_address,
         owner_id, owner_code, bankgiro, plusgiro, obj_id, obj_code, obj_address, rooms, floor_area, _sfi,
         prop_code, municipality, _paid) = values
        size = dwelling_size(rooms or "", floor_area)
        overdue.sort(key=lambda r: (r.due_date, r.invoice_number))
        contracts.append(ArrearsContract(
            cid, c_no, cust_id, cust_no, cust_name, national_id, owner_id, owner_code, obj_id, obj_code,
            obj_address or "", prop_code, municipality or "", premises, rent, size, tuple(overdue),
            _problems(premises, municipality or "", size, bankgiro, plusgiro, cust_address or "", owner_code,
                      prop_code, obj_code, boards)))
    contracts.sort(key=lambda c: (c.owner_code, c.customer_number, c.contract_number))
    return contracts


@reads
def arrears_list(on: dt.date, selection: Selection | None = None) -> ArrearsList:
    """The contracts that may be terminated on ``on`` within ``selection``, and those left out."""
    selection = selection or Selection()
    validate_selection(selection)
    read = _read(on, Selection(), None if selection.is_empty() else _selected(on, selection))
    standing = open_contracts([c.contract_id for c in read], on)
    read = [c for c in read if c.contract_id not in standing]
    query = (ArrearsExclusion.select(ArrearsExclusion.contract, ArrearsExclusion.reason, ArrearsExclusion.excluded_by,
                                     ArrearsExclusion.excluded_at)
             .where(ArrearsExclusion.contract.in_([c.contract_id for c in read])))
    exclusions = {cid: (reason, by, at) for cid, reason, by, at in tuple_rows(query)}
    contracts, excluded = [], []
    for contract in read:
        if contract.contract_id in exclusions:
            reason, by, at = exclusions[contract.contract_id]
            excluded.append(_with_exclusion(contract, reason, by, stored_datetime(at)))
        else:
            contracts.append(contract)
    notes = []
    if standing:
        notes.append(f"{len(standing)} hyresavtal med obetald hyra är redan "
                     f"{'uppsagt' if len(standing) == 1 else 'uppsagda'} och visas under Uppsagda hyresavtal.")
    return ArrearsList(on, selection, contracts, excluded, notes)


def _with_exclusion(contract: ArrearsContract, reason: str, by: str, at: dt.datetime) -> ArrearsContract:
    from dataclasses import replace

    return replace(contract, excluded_reason=reason, excluded_by=by, excluded_at=at)


@reads
def contracts_by_number(numbers: Iterable[str], on: dt.date) -> tuple[dict[str, ArrearsContract], dict[str, str]]:
    """The named contracts that may be terminated on ``on`` now, and for each of the others why
    not ("finns inte", "ingen hyra är obetald längre än lagen medger", "redan uppsagd" ...)."""
    wanted = list(dict.fromkeys(numbers))
    ids: dict[str, int] = dict(tuple_rows(Contract.select(Contract.number, Contract.id)
                                          .where(Contract.number.in_(wanted))))
    read = {c.contract_number: c for c in _read(on, Selection(), list(ids.values()))}
    standing = open_contracts([c.contract_id for c in read.values()], on)
    exclusions: dict[int, str] = dict(tuple_rows(ArrearsExclusion.select(ArrearsExclusion.contract,
                                                                         ArrearsExclusion.reason)
                                                 .where(ArrearsExclusion.contract.in_(list(ids.values())))))
    ready: dict[str, ArrearsContract] = {}
    refused: dict[str, str] = {}
    for number in wanted:
        if number not in ids:
            refused[number] = "hyresavtalet finns inte"
        elif number not in read:
            refused[number] = ("ingen hyra är obetald längre än 12 kap. 42 § jordabalken medger (eller objektet "
                               "är varken bostad eller lokal)")
        elif read[number].contract_id in standing:
            refused[number] = "hyresavtalet är redan uppsagt och uppsägningen står kvar"
        elif ids[number] in exclusions:
            refused[number] = f"undantaget: {exclusions[ids[number]]}"
        else:
            ready[number] = read[number]
    return ready, refused


def contract_detail(contract_number: str, on: dt.date) -> ArrearsContract:
    """One contract as the list shows it on ``on`` (also when left out); NotFound otherwise."""
    cid = Contract.select(Contract.id).where(Contract.number == contract_number).scalar()
    if cid is None:
        raise NotFound(f"hyresavtal {contract_number} finns inte")
    read = _read(on, Selection(), [cid])
    if not read:
        raise NotFound(f"hyresavtal {contract_number} har ingen hyra som är obetald längre än lagen medger")
    row = ArrearsExclusion.get_or_none(ArrearsExclusion.contract == cid)
    if row is None:
        return read[0]
    return _with_exclusion(read[0], row.reason, row.excluded_by, row.excluded_at)


# --------------------------------------------------------------------------- leave out / include


class ExclusionError(UserError):
    """A contract that cannot be left out or included; nothing was written."""


@dataclass(frozen=True)
class Moved:
    """What leaving out or including did."""

    moved: list[str]
    unchanged: list[str]


@requires(StaffRole.CLERK, "undanta hyresavtal från uppsägning")
def leave_out(contract_numbers: Sequence[str], reason: str) -> Moved:
    """Keep contracts off the list with a reason (kept until included again); audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise ExclusionError("Skriv varför hyresavtalet undantas; skälet sparas med ditt namn och tid.")
    if len(reason) > 200:
        raise ExclusionError(f"Skälet är {len(reason)} tecken; högst 200.")
    ids = _ids(contract_numbers)
    with write_transaction():
        existing = {cid for (cid,) in tuple_rows(ArrearsExclusion.select(ArrearsExclusion.contract)
                                                 .where(ArrearsExclusion.contract.in_(list(ids.values()))))}
        moved = [n for n, cid in ids.items() if cid not in existing]
        at, user = now(), current_user()
        for number in moved:
            ArrearsExclusion.create(contract=ids[number], reason=reason, excluded_by=user, excluded_at=at)
        audit.record_many([("arrears.excluded", "contract", n, {"text": reason}) for n in moved])
    return Moved(moved, [n for n in ids if n not in moved])


@requires(StaffRole.CLERK, "ta tillbaka hyresavtal till listan över obetalda hyror")
def include(contract_numbers: Sequence[str]) -> Moved:
    """Put left-out contracts back on the list; audited."""
    ids = _ids(contract_numbers)
    with write_transaction():
        query = (ArrearsExclusion.select(ArrearsExclusion.contract, ArrearsExclusion.reason)
                 .where(ArrearsExclusion.contract.in_(list(ids.values()))))
        rows = {cid: reason for cid, reason in tuple_rows(query)}
        moved = [n for n, cid in ids.items() if cid in rows]
        ArrearsExclusion.delete().where(ArrearsExclusion.contract.in_([ids[n] for n in moved])).execute()
        audit.record_many([("arrears.included", "contract", n, {"text": rows[ids[n]]}) for n in moved])
    return Moved(moved, [n for n in ids if n not in moved])


def _ids(numbers: Sequence[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(numbers))
    if not wanted:
        raise ExclusionError("Markera hyresavtal först (mellanslag).")
    ids: dict[str, int] = dict(tuple_rows(Contract.select(Contract.number, Contract.id)
                                          .where(Contract.number.in_(wanted))))
    missing = [n for n in wanted if n not in ids]
    if missing:
        raise NotFound("hyresavtal finns inte: " + ", ".join(missing))
    return {n: ids[n] for n in wanted}
