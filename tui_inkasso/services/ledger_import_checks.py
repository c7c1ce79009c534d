"""The ledger import's checks against the database (phase 1b of ``import-ledger``).

:mod:`tui_inkasso.formats.ledger_json` has read the file and checked it by itself; here every
reference is resolved, first in the file, then among the stored records (an owner, property,
object type, object, customer or invoice named by its key), the dunning levels as they will be
after the import are checked as the levels screen checks them, a stored invoice must be the same
as in the file (money is never rewritten), and a credit may not exceed what is left on its
invoice. Problems are added to the reader's list as (JSON path, reason), so one refusal lists
everything. Nothing is written: :func:`check_references` returns what is :class:`Known`, which
the writer (:mod:`tui_inkasso.services.ledger_import_writer`) applies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import fetch_in_chunks
from tui_inkasso.db.models import (
    Account,
    BaseModel,
    Contract,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceRow,
    ObjectType,
    Owner,
    Payment,
    PaymentKind,
    Property,
    RentalObject,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.identifiers import IdentifierError
from tui_inkasso.domain.money import format_amount
from tui_inkasso.domain.ocr_control import OcrControl, check_ocr
from tui_inkasso.formats.ledger_json import (
    DEFAULT_DEADLINE_DAYS,
    Ledger,
    LevelRecord,
    NoticeRecord,
    Problems,
    payment_key,
)

CHUNK = 500
"""Keys per ``IN (...)`` query: well under SQLite's limit of bound variables."""


@dataclass
class Known:
    """Natural keys found in the file or the database, with what the checks need of them."""

    owners: dict[str, set[str]] = field(default_factory=dict)
    """owner code -> its account roles."""
    properties: dict[str, str] = field(default_factory=dict)
    """property code -> owner code."""
    object_types: set[str] = field(default_factory=set)
    objects: dict[str, str] = field(default_factory=dict)
    """object code -> property code."""
    customers: set[str] = field(default_factory=set)
    levels: dict[int, LevelRecord] = field(default_factory=dict)
    invoices: dict[str, InvoiceState] = field(default_factory=dict)
    """Invoices the payments may name: from the file, or stored."""
    payment_keys: dict[str, str] = field(default_factory=dict)
    """Each payment's key (``Payment.bank_ref``) by its path, for payments on a known invoice."""
    stored_payments: set[str] = field(default_factory=set)
    """The keys among those already stored: these payments were imported before."""


@dataclass
class InvoiceState:
    """An invoice a payment may name, with the balance it has before the file's payments."""

    number: str
    kind: str
    owner: str
    amount: int
    balance: int


def in_chunks(model: type[pw.Model], key: pw.Field, values: Iterable[str], *columns: pw.Field) -> list[Any]:
    """The rows of ``model`` whose ``key`` is one of ``values`` (asked in chunks of :data:`CHUNK`)."""
    query = model.select(*columns) if columns else model.select()
    return fetch_in_chunks(lambda part: query.where(key.in_(part)), values, CHUNK)


def check_references(ledger: Ledger, problems: Problems) -> Known:
    """Check every reference against the file first, then the database; return what is known."""
    known = Known()
    err = problems.add
    for code in ledger.declared.get("owners", ()):
        known.owners[code] = set()
    for owner in ledger.owners:
        known.owners[owner.code] = set(owner.accounts)
    known.properties = dict.fromkeys(ledger.declared.get("properties", ()), "")
    known.objects = dict.fromkeys(ledger.declared.get("objects", ()), "")
    owner_refs = [p.owner for p in ledger.properties] + [i.owner for i in ledger.invoices if i.owner]
    for code, roles in _owner_roles([c for c in owner_refs if c not in known.owners]).items():
        known.owners[code] = roles
    for code, roles in _owner_roles([o.code for o in ledger.owners]).items():
        known.owners[code] |= roles
    for prop in ledger.properties:
        known.properties[prop.code] = prop.owner
        if prop.owner not in known.owners:
            err(f"{prop.path}.owner", f"okänd ägare {prop.owner!r}")
    known.object_types = {t.code for t in ledger.object_types} | ledger.declared.get("object_types", set())
    wanted_types = [o.object_type for o in ledger.objects if o.object_type not in known.object_types]
    known.object_types |= {t.code for t in in_chunks(ObjectType, ObjectType.code, wanted_types, ObjectType.code)}
    known.properties.update(_property_owners([o.property for o in ledger.objects if o.property not in known.properties]))
    for obj in ledger.objects:
        known.objects[obj.code] = obj.property
        if obj.property not in known.properties:
            err(f"{obj.path}.property", f"okänd fastighet {obj.property!r}")
        if obj.object_type not in known.object_types:
            err(f"{obj.path}.type", f"okänd objektstyp {obj.object_type!r}")
    _resolve_invoice_refs(ledger, known, problems)
    _resolve_contracts(ledger, known, problems)
    _check_ocr_control(ledger, problems)
    _resolve_levels(ledger, known, problems)
    _compare_stored_invoices(ledger, known, problems)
    _resolve_payments(ledger, known, problems)
    return known


def _owner_roles(codes: list[str]) -> dict[str, set[str]]:
    """Stored owners (by code) with the account roles they map."""
    found: dict[str, set[str]] = {code: set() for code in _codes_in(Owner, Owner.code, codes)}
    if found:
        query = tuple_rows(Account.select(Owner.code, Account.role).join(Owner)
                           .where(Owner.code.in_(list(found))))
        for code, role in query:
            found[code].add(role)
    return found


def _codes_in(model: type[pw.Model], key: pw.Field, values: Iterable[str]) -> list[str]:
    return [getattr(row, key.name) for row in in_chunks(model, key, values, key)]


def _property_owners(codes: list[str]) -> dict[str, str]:
    """Stored properties' owner codes, by property code."""
    return dict(fetch_in_chunks(lambda part: tuple_rows(Property.select(Property.code, Owner.code.alias("owner_code"))
                                           .join(Owner).where(Property.code.in_(part))), codes, CHUNK))


def _object_properties(codes: list[str]) -> dict[str, str]:
    """Stored objects' property codes, by object code."""
    return dict(fetch_in_chunks(lambda part: tuple_rows(RentalObject.select(RentalObject.code, Property.code.alias("property_code"))
                                           .join(Property).where(RentalObject.code.in_(part))), codes, CHUNK))


def _resolve_invoice_refs(ledger: Ledger, known: Known, problems: Problems) -> None:
    known.customers = {c.number for c in ledger.customers} | ledger.declared.get("customers", set())
    wanted = [i.customer for i in ledger.invoices if i.customer not in known.customers]
    known.customers |= {c.number for c in in_chunks(Customer, Customer.number, wanted, Customer.number)}
    wanted_objects = [i.object for i in ledger.invoices if i.object and i.object not in known.objects]
    known.objects.update(_object_properties(wanted_objects))
    known.properties.update(_property_owners([p for p in known.objects.values() if p not in known.properties]))
    explicit: set[str] = set()
    for invoice in ledger.invoices:
        if invoice.customer not in known.customers:
            problems.add(f"{invoice.path}.customer", f"okänd kund {invoice.customer!r}")
        if not invoice.object:
            explicit.add(invoice.number)
        elif invoice.object not in known.objects:
            problems.add(f"{invoice.path}.object", f"okänt objekt {invoice.object!r}")
        else:
            derived = known.properties.get(known.objects[invoice.object]) or None
            if invoice.owner and derived and invoice.owner != derived:
                problems.add(f"{invoice.path}.owner",
                             f"{invoice.owner!r}, men objekt {invoice.object!r} hör till {derived!r}")
            invoice.owner = derived
    known.owners.update(_owner_roles([i.owner for i in ledger.invoices if i.owner and i.owner not in known.owners]))
    for invoice in ledger.invoices:
        # an owner that came from the object's property was checked with the property
        if invoice.number in explicit and invoice.owner not in known.owners:
            problems.add(f"{invoice.path}.owner", f"okänd ägare {invoice.owner!r}")
        known.invoices[invoice.number] = InvoiceState(invoice.number, invoice.kind, invoice.owner or "",
                                                       invoice.amount, invoice.amount)


def _resolve_contracts(ledger: Ledger, known: Known, problems: Problems) -> None:
    """Contracts name a known customer and object; an invoice's contract is known and is the
    invoice's customer's lease of the invoice's object."""
    objects = [c.object for c in ledger.contracts if c.object not in known.objects]
    known.objects.update(_object_properties(objects))
    customers = [c.customer for c in ledger.contracts if c.customer not in known.customers]
    known.customers |= {c.number for c in in_chunks(Customer, Customer.number, customers, Customer.number)}
    contracts = {c.number: (c.customer, c.object) for c in ledger.contracts}
    for contract in ledger.contracts:
        if contract.customer not in known.customers:
            problems.add(f"{contract.path}.customer", f"okänd kund {contract.customer!r}")
        if contract.object not in known.objects:
            problems.add(f"{contract.path}.object", f"okänt objekt {contract.object!r}")
    wanted = [i.contract for i in ledger.invoices if i.contract and i.contract not in contracts]
    query = (Contract.select(Contract.number, Customer.number, RentalObject.code)
             .join(Customer, on=(Contract.customer == Customer.id))
             .join_from(Contract, RentalObject, on=(Contract.rental_object == RentalObject.id)))
    for number, customer, obj in fetch_in_chunks(lambda part: tuple_rows(query.where(Contract.number.in_(part))),
                                                 wanted, CHUNK):
        contracts[number] = (customer, obj)
    for invoice in ledger.invoices:
        if not invoice.contract:
            continue
        if invoice.contract not in contracts:
            if invoice.contract not in ledger.declared.get("contracts", set()):
                problems.add(f"{invoice.path}.contract", f"okänt avtal {invoice.contract!r}")
            continue
        customer, obj = contracts[invoice.contract]
        if customer != invoice.customer:
            problems.add(f"{invoice.path}.contract",
                         f"avtal {invoice.contract!r} är kund {customer!r}s, inte {invoice.customer!r}s")
        elif invoice.object and obj != invoice.object:
            problems.add(f"{invoice.path}.contract",
                         f"avtal {invoice.contract!r} gäller objekt {obj!r}, inte {invoice.object!r}")


def _check_ocr_control(ledger: Ledger, problems: Problems) -> None:
    """Each invoice's OCR reference checked as its owner's receiving account checks it
    (``domain.ocr_control``): the level the file gives the owner, else the stored one, else
    check digit and length."""
    levels = {o.code: o.ocr_control for o in ledger.owners if o.ocr_control}
    wanted = [i.owner for i in ledger.invoices if i.owner and i.owner not in levels]
    levels.update({row.code: row.ocr_control for row in in_chunks(Owner, Owner.code, wanted, Owner.code,
                                                                   Owner.ocr_control)})
    for invoice in ledger.invoices:
        control = OcrControl.parse(levels.get(invoice.owner or "") or "")
        try:
            invoice.ocr = check_ocr(invoice.ocr, control)
        except IdentifierError as exc:
            problems.add(f"{invoice.path}.ocr", f"{exc} (ägarens OCR-kontroll: {control.label})")


def _resolve_levels(ledger: Ledger, known: Known, problems: Problems) -> None:
    for row in DunningLevelConfig.select():
        known.levels[row.level] = LevelRecord(row.level, row.name, row.days, row.fee, row.deadline_days, row.letter_text,
                                              row.kind or None)
    # A level with an error of its own is reported at its path; the whole ladder is checked only
    # when every level of the file could be read (else each later check would repeat that error).
    declared = ledger.declared.get("dunning_levels", set())
    complete = declared <= {str(lv.level) for lv in ledger.levels}
    file_levels = sorted(lv.level for lv in ledger.levels)
    if complete and file_levels and file_levels != list(range(1, len(file_levels) + 1)):
        problems.add("dunning_levels", f"nivåerna {file_levels} ska vara 1, 2, 3 ... utan luckor")
    for level in ledger.levels:
        stored = known.levels.get(level.level)
        if level.kind is None and stored is not None and stored.kind:
            # the file leaves the kind as stored: the check sees the level as it will be
            level = dataclasses.replace(level, kind=stored.kind)
        known.levels[level.level] = level
    if ledger.levels and complete:
        _check_levels_by_law(known, problems)
    for invoice in ledger.invoices:
        for notice in invoice.notices:
            if notice.level not in known.levels and str(notice.level) not in declared:
                problems.add(f"{notice.path}.level", f"kravnivå {notice.level} finns inte inlagd")


def _check_levels_by_law(known: Known, problems: Problems) -> None:
    """The levels as they would be after the import, checked as the levels screen checks them
    (payment time of at least 8 days, fee caps, a demand not before the reminder's deadline)."""
    from tui_inkasso.domain.dunning import DunningLevel, is_demand_level
    from tui_inkasso.services.dunning_levels import fee_caps, level_problems

    levels = [DunningLevel(level=lv.level, name=lv.name, days=lv.days, fee_ore=lv.fee,
                           deadline_days=lv.deadline_days, letter_text=lv.letter_text or "",
                           is_demand=is_demand_level(lv.level), kind=lv.kind or "")
              for lv in sorted(known.levels.values(), key=lambda lv: lv.level)]
    for problem in level_problems(levels, fee_caps()):
        problems.add("dunning_levels", problem)


def _compare_stored_invoices(ledger: Ledger, known: Known, problems: Problems) -> None:
    """An invoice already stored must be the same; its stored notices must agree; a new invoice
    must not take an OCR reference a stored one has (payments would match either)."""
    by_ocr = {i.ocr: i.number for i in in_chunks(Invoice, Invoice.ocr, [i.ocr for i in ledger.invoices],
                                                   Invoice.ocr, Invoice.number)}
    for invoice in ledger.invoices:
        other = by_ocr.get(invoice.ocr)
        if other is not None and other != invoice.number:
            problems.add(f"{invoice.path}.ocr", f"den sparade fakturan {other} har samma OCR-nummer {invoice.ocr}")
    stored = _stored_invoices([i.number for i in ledger.invoices])
    if not stored:
        return
    rows = _rows_by_invoice([i.id for i in stored.values()])
    notices = notices_by_invoice([i.id for i in stored.values()])
    owners = {o.id: o.code for o in Owner.select(Owner.id, Owner.code)}
    codes = _codes(RentalObject, [i.rental_object_id for i in stored.values() if i.rental_object_id])
    customers = _codes(Customer, [i.customer_id for i in stored.values()], key="number")
    for invoice in ledger.invoices:
        old = stored.get(invoice.number)
        if old is None:
            continue
        mine = {"kind": invoice.kind, "customer": invoice.customer, "object": invoice.object,
                "owner": invoice.owner, "invoice_date": invoice.invoice_date, "due_date": invoice.due_date,
                "ocr": invoice.ocr, "rows": [(t, format_amount(a)) for t, a in invoice.rows]}
        obj = None if old.rental_object_id is None else codes.get(old.rental_object_id)
        theirs = {"kind": old.kind, "customer": customers.get(old.customer_id), "object": obj,
                  "owner": owners.get(old.owner_id), "invoice_date": old.invoice_date, "due_date": old.due_date,
                  "ocr": old.ocr, "rows": [(t, format_amount(a)) for t, a in rows.get(old.id, [])]}
        for name, value in mine.items():
            if value != theirs[name]:
                problems.add(f"{invoice.path}.{name}", f"faktura {invoice.number} är sparad med {_shown(theirs[name])}, "
                             f"filen säger {_shown(value)}; en sparad faktura ändras aldrig")
        for notice in invoice.notices:
            had = notices.get(old.id, {}).get(notice.level)
            if had is None:
                continue
            deadline = notice.deadline or notice_deadline(notice, known)
            if (had.issued_on, had.fee, had.deadline) != (notice.date, notice.fee, deadline):
                problems.add(notice.path, f"nivå {notice.level} är sparad som skickad {had.issued_on}, avgift "
                             f"{format_amount(had.fee)}, sista betaldag {had.deadline}; filen skiljer sig")
        known.invoices[invoice.number].balance = old.balance


@dataclass
class _StoredInvoice:
    """The stored fields of an invoice that a re-import compares."""

    id: int
    kind: str
    customer_id: int
    rental_object_id: int | None
    owner_id: int
    invoice_date: dt.date
    due_date: dt.date
    ocr: str
    balance: int


def _stored_invoices(numbers: list[str]) -> dict[str, _StoredInvoice]:
    query = Invoice.select(Invoice.number, Invoice.id, Invoice.kind, Invoice.customer, Invoice.rental_object,
                           Invoice.owner, Invoice.invoice_date, Invoice.due_date, Invoice.ocr, Invoice.balance)
    rows = fetch_in_chunks(lambda part: tuple_rows(query.where(Invoice.number.in_(part))), numbers, CHUNK)
    return {number: _StoredInvoice(*values) for number, *values in rows}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "raderna " + "; ".join(f"{t} {a}" for t, a in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _rows_by_invoice(ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    query = InvoiceRow.select(InvoiceRow.invoice, InvoiceRow.text, InvoiceRow.amount).order_by(InvoiceRow.line_no)
    rows: dict[int, list[tuple[str, int]]] = {}
    for invoice_id, text, amount in fetch_in_chunks(
            lambda part: tuple_rows(query.where(InvoiceRow.invoice.in_(part))), ids, CHUNK):
        rows.setdefault(invoice_id, []).append((text, amount))
    return rows


def notices_by_invoice(ids: list[int]) -> dict[int, dict[int, DunningNotice]]:
    found: dict[int, dict[int, DunningNotice]] = {}
    for notice in fetch_in_chunks(lambda part: DunningNotice.select().where(DunningNotice.invoice.in_(part)), ids, CHUNK):
        found.setdefault(notice.invoice_id, {})[notice.level] = notice
    return found


def _codes(model: type[BaseModel], ids: list[int], key: str = "code") -> dict[int, str]:
    column = getattr(model, key)
    rows = fetch_in_chunks(lambda part: tuple_rows(model.select(model.id, column).where(model.id.in_(part))), ids, CHUNK)
    return dict(rows)


def notice_deadline(notice: NoticeRecord, known: Known) -> dt.date:
    """The notice's last day to pay: as the file gives it, else the level's payment time."""
    level = known.levels.get(notice.level)
    days = level.deadline_days if level else DEFAULT_DEADLINE_DAYS
    return notice.date + dt.timedelta(days=days)


def _resolve_payments(ledger: Ledger, known: Known, problems: Problems) -> None:
    wanted = [p.invoice for p in ledger.payments if p.invoice not in known.invoices]
    owners = {o.id: o.code for o in Owner.select(Owner.id, Owner.code)} if wanted else {}
    for inv in in_chunks(Invoice, Invoice.number, wanted):
        known.invoices[inv.number] = InvoiceState(inv.number, inv.kind, owners[inv.owner_id], inv.amount,
                                                   inv.balance)
    seen: dict[tuple, int] = {}
    declared = ledger.declared.get("invoices", set())
    for payment in ledger.payments:
        if payment.invoice not in known.invoices:
            if payment.invoice not in declared:
                problems.add(f"{payment.path}.invoice", f"okänd faktura {payment.invoice!r}")
            continue
        occurrence = seen.get(payment.identity, 0)
        seen[payment.identity] = occurrence + 1
        known.payment_keys[payment.path] = payment_key(payment, occurrence)
    keys = list(known.payment_keys.values())
    known.stored_payments = {p.bank_ref for p in in_chunks(Payment, Payment.bank_ref, keys, Payment.bank_ref)}
    _check_credits(ledger, known, problems)



def _check_credits(ledger: Ledger, known: Known, problems: Problems) -> None:
    """A credit larger than what is left on the invoice cannot be booked."""
    balances = {n: s.balance for n, s in known.invoices.items()}
    new = [p for p in ledger.payments
           if p.path in known.payment_keys and known.payment_keys[p.path] not in known.stored_payments]
    for payment in sorted(new, key=lambda p: p.date):
        balance = balances[payment.invoice]
        if payment.kind == PaymentKind.CREDIT.value and payment.amount > balance:
            problems.add(f"{payment.path}.amount", f"krediteringen {format_amount(payment.amount)} är mer än "
                         f"fakturans saldo {format_amount(balance)}")
        balances[payment.invoice] = balance - min(payment.amount, max(balance, 0))

