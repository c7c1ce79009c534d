"""The ledger import's writing (phase 2 of ``import-ledger``): a checked ledger into the store.

Runs inside the import's one transaction, after :mod:`tui_inkasso.services.ledger_import_checks`
found no problem. Master data (settings, dunning levels, owners and their accounts, properties,
object types, objects, customers) is created or updated to the file's values; invoices with their
rows, dunning notices and payments are inserted in bulk with their final state, so nothing is
updated row by row. Payments are split as the booking service splits them
(``domain/allocation.py``). Payment routing is never changed by an import (issue 17): the
agency's bankgiro and an existing owner's giro numbers and accounts that differ from the file
are proposed for a second administrator to approve (``services.approvals``), and stay as they
are until then; a new owner is created with the file's numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import peewee as pw

from tui_inkasso.db.bulk import BulkWriter, fetch_in_chunks
from tui_inkasso.db.connection import db
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
    PaymentMethod,
    Property,
    RentalObject,
    Setting,
)
from tui_inkasso.db.notice_charges import charge_notice_fees
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.allocation import COLLECTION_OVERPAYMENT_ROLE, Split, split_payment
from tui_inkasso.domain.level_kinds import default_kind
from tui_inkasso.domain.ocr_control import DEFAULT_OCR_CONTROL
from tui_inkasso.formats.ledger_json import InvoiceRecord, Ledger, PaymentRecord
from tui_inkasso.services import settings
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.ledger_import_checks import (
    CHUNK,
    Known,
    in_chunks,
    notice_deadline,
    notices_by_invoice,
)
from tui_inkasso.services.stored_values import StoredDates

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo

SECTIONS = (
    "settings", "dunning_levels", "owners", "accounts", "properties", "object_types", "objects",
    "customers", "contracts", "invoices", "invoice_rows", "dunning_notices", "payments",
)
"""Record types counted in the result, in the order they are written."""


@dataclass
class RecordCounts:
    """How many records of one type the import created, updated, or found unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class LedgerWriter:
    """Applies a checked ledger in the caller's transaction; ``counts`` says what it did, per
    record type, and ``changes`` which stored records it updated (for the audit entry)."""

    def __init__(self, ledger: Ledger, known: Known) -> None:
        self.ledger = ledger
        self.known = known
        self.counts = {name: RecordCounts() for name in SECTIONS}
        self.changes: list[str] = []
        self.ids: dict[type[pw.Model], dict[str, int]] = {}
        self.proposals: list[ProposalInfo] = []
        """Changes of payment routing the file asks for (the agency's bankgiro, an existing
        owner's giro numbers and accounts): proposed, never made (four eyes, issue 17)."""

    def run(self) -> None:
        self._settings()
        self._levels()
        stored = {row.code: row for row in in_chunks(Owner, Owner.code, [o.code for o in self.ledger.owners])}
        # An owner stored before keeps its giro numbers (a differing one is proposed, _routing)
        self._master(Owner, Owner.code, self.ledger.owners, "owners", lambda o: {
            "code": o.code, "name": o.name, "org_no": o.org_no,
            "bankgiro": stored[o.code].bankgiro if o.code in stored else o.bankgiro,
            "plusgiro": stored[o.code].plusgiro if o.code in stored else o.plusgiro,
            "address": o.address, "postal_code": o.postal_code, "city": o.city, "phone": o.phone, "email": o.email,
            # a file that names no OCR control leaves the stored one (a new owner: the strictest)
            "ocr_control": o.ocr_control or (stored[o.code].ocr_control if o.code in stored
                                             else DEFAULT_OCR_CONTROL.value)})
        self._accounts(set(stored))
        self._routing(stored)
        self._ids(Owner, Owner.code, self.ledger.properties, lambda p: p.owner)
        self._master(Property, Property.code, self.ledger.properties, "properties", lambda p: {
            "code": p.code, "owner": self.ids[Owner][p.owner], "designation": p.designation, "name": p.name,
            "area": p.area})
        self._master(ObjectType, ObjectType.code, self.ledger.object_types, "object_types", lambda t: {
            "code": t.code, "name": t.name, "sfi": t.sfi})
        self._ids(Property, Property.code, self.ledger.objects, lambda o: o.property)
        self._ids(ObjectType, ObjectType.code, self.ledger.objects, lambda o: o.object_type)
        self._master(RentalObject, RentalObject.code, self.ledger.objects, "objects", lambda o: {
            "code": o.code, "property": self.ids[Property][o.property],
            "object_type": self.ids[ObjectType][o.object_type], "address": o.address})
        self._master(Customer, Customer.number, self.ledger.customers, "customers", lambda c: {
            "number": c.number, "name": c.name, "national_id": c.national_id, "is_company": c.is_company,
            "address": c.address, "postal_code": c.postal_code, "city": c.city, "email": c.email,
            "phone": c.phone, "search_text": f"{c.name} {c.number} {c.national_id}".lower()})
        self._ids(Customer, Customer.number, self.ledger.contracts, lambda c: c.customer)
        self._ids(RentalObject, RentalObject.code, self.ledger.contracts, lambda c: c.object)
        self._master(Contract, Contract.number, self.ledger.contracts, "contracts", lambda c: {
            "number": c.number, "customer": self.ids[Customer][c.customer],
            "rental_object": self.ids[RentalObject][c.object], "start_date": c.start, "end_date": c.end,
            "monthly_rent": c.monthly_rent, "reminder_fee_allowed": c.reminder_fee_allowed})
        self._put_stored_invoices_under_their_leases()
        _InvoiceWriter(self).run()

    def _put_stored_invoices_under_their_leases(self) -> None:
        """Stored invoices without a contract go under a lease of the file that covers them (the
        customer's lease of the invoice's object running on its due date, the newest such), as a
        new invoice does: a ledger whose leases come in a later file than its invoices gets the
        reminder fee its leases allow (lag (1981:739) 2 §). One set-based UPDATE per chunk of
        customers; an invoice already under a contract keeps it, so a second import changes nothing."""
        customers = sorted({self.ids[Customer][c.customer] for c in self.ledger.contracts})
        if not customers:
            return
        lease = (Contract.select(Contract.id)
                 .where(Contract.customer == Invoice.customer, Contract.rental_object == Invoice.rental_object,
                        Contract.start_date <= Invoice.due_date,
                        Contract.end_date.is_null() | (Contract.end_date >= Invoice.due_date))
                 .order_by(Contract.start_date.desc(), Contract.id.desc()).limit(1))
        linked = 0
        for start in range(0, len(customers), CHUNK):
            linked += (Invoice.update(contract=lease)
                       .where(Invoice.contract.is_null(), Invoice.customer.in_(customers[start:start + CHUNK]),
                              Invoice.rental_object.is_null(False), pw.fn.EXISTS(lease))
                       .execute())
        if linked:
            self.changes.append(f"{linked} stored invoices put under their contract")

    def _settings(self) -> None:
        values = self.ledger.settings
        current = settings.all_settings()
        stored = {row.key for row in Setting.select(Setting.key)}
        differs = {k: v for k, v in values.items() if current.get(k) != v}
        changed = {k: v for k, v in differs.items() if k not in settings.FOUR_EYES_KEYS}
        if differs:
            saved = settings.save_settings(differs)  # a routing key is proposed, never set
            self.proposals.extend(saved.proposals)
            self.changes.extend(f"setting {k}" for k in changed)
        created = sum(1 for k in changed if k not in stored)
        # a proposed key is neither created, updated nor unchanged: it is in ``proposals``
        self.counts["settings"] = RecordCounts(created, len(changed) - created, len(values) - len(differs))

    def _levels(self) -> None:
        counts = self.counts["dunning_levels"]
        stored = {row.level: row for row in DunningLevelConfig.select()}
        for level in self.ledger.levels:
            values = {"level": level.level, "name": level.name, "days": level.days, "fee": level.fee,
                      "deadline_days": level.deadline_days}
            if level.letter_text is not None:
                values["letter_text"] = level.letter_text
            row = stored.get(level.level)
            if level.kind is not None:
                values["kind"] = level.kind
            elif row is None or not row.kind:
                values["kind"] = default_kind(level.level, level.fee).value
            if row is None:
                DunningLevelConfig.create(**values)
                counts.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                DunningLevelConfig.update(**values).where(DunningLevelConfig.id == row.id).execute()
                counts.updated += 1
                self.changes.append(f"dunning level {level.level}")
            else:
                counts.unchanged += 1

    def _master(self, model: type[BaseModel], key: pw.Field, records: Sequence[Any], section: str,
                values_of: Callable[[Any], dict[str, Any]]) -> None:
        """Create what is new, update what differs, and remember every record's id by key."""
        counts = self.counts[section]
        wanted = [values_of(r) for r in records]
        stored = {getattr(row, key.name): row for row in in_chunks(model, key, [v[key.name] for v in wanted])}
        new = []
        for values in wanted:
            row = stored.get(values[key.name])
            if row is None:
                new.append(values)
                continue
            changed = {k: v for k, v in values.items() if _stored_value(row, k) != v}
            if changed:
                model.update(**changed).where(model.id == row.id).execute()
                counts.updated += 1
                self.changes.append(f"{section} {values[key.name]}: {', '.join(sorted(changed))}")
            else:
                counts.unchanged += 1
        if new:
            bulk = BulkWriter(db.obj)
            columns = tuple(new[0])
            bulk.insert(model, columns, [tuple(bulk.flag(v) if isinstance(v, bool) else v for v in values.values())
                                         for values in new])
        counts.created += len(new)
        ids = self.ids.setdefault(model, {})
        for row in in_chunks(model, key, [v[key.name] for v in wanted], model.id, key):
            ids[getattr(row, key.name)] = row.id

    def _ids(self, model: type[BaseModel], key: pw.Field, records: Sequence[Any], ref: Callable[[Any], str]) -> None:
        """Ids of referenced records that are not in the file (stored earlier)."""
        ids = self.ids.setdefault(model, {})
        missing = [ref(r) for r in records if ref(r) not in ids]
        for row in in_chunks(model, key, missing, model.id, key):
            ids[getattr(row, key.name)] = row.id

    def _accounts(self, existing: set[str]) -> None:
        """Each new owner's roles as the file maps them; roles the file does not name are kept.
        An owner stored before (``existing``) keeps its accounts: a difference is proposed
        (:meth:`_routing`)."""
        counts = self.counts["accounts"]
        for owner in self.ledger.owners:
            owner_id = self.ids[Owner][owner.code]
            stored = {a.role: a for a in Account.select().where(Account.owner == owner_id)}
            for role, number in owner.accounts.items():
                row = stored.get(role)
                if owner.code in existing and (row is None or row.number != number):
                    continue
                if row is None:
                    Account.create(owner=owner_id, role=role, number=number, name=role)
                    counts.created += 1
                elif row.number != number:
                    Account.update(number=number).where(Account.id == row.id).execute()
                    counts.updated += 1
                    self.changes.append(f"account {owner.code} {role}")
                else:
                    counts.unchanged += 1


    def _routing(self, existing: dict[str, Owner]) -> None:
        """Propose what the file changes of an existing owner's payment routing (its bankgiro,
        plusgiro and accounts): a ledger import never changes them (four eyes, issue 17)."""
        from tui_inkasso.services import approvals

        for owner in self.ledger.owners:
            row = existing.get(owner.code)
            if row is None:
                continue
            accounts = {a.role: a.number for a in Account.select().where(Account.owner == row.id)}
            wanted = {"bankgiro": (row.bankgiro or "", owner.bankgiro or ""),
                      "plusgiro": (row.plusgiro or "", owner.plusgiro or "")}
            wanted |= {role: (accounts.get(role, ""), number) for role, number in owner.accounts.items()}
            for name, (old, new) in wanted.items():
                part = name if name in ("bankgiro", "plusgiro") else f"account.{name}"
                proposal = approvals.propose(approvals.OWNER, str(row.id), name, f"owner.{owner.code}.{part}", old, new)
                if proposal is not None:
                    self.proposals.append(proposal)


def _stored_value(row: pw.Model, name: str) -> Any:
    """A stored field as the import compares it (foreign keys by id)."""
    field_ = row._meta.fields[name]
    if isinstance(field_, pw.ForeignKeyField):
        return getattr(row, field_.column_name)
    return getattr(row, name)


class _InvoiceWriter:
    """Invoices with rows, dunning notices and payments, written in bulk.

    New invoices are inserted with their final state (balance after the file's payments, fees
    and dunning level from their history), so nothing is updated row by row; a stored invoice is
    updated only when the file adds notices or payments to it.
    """

    def __init__(self, writer: LedgerWriter) -> None:
        self.writer = writer
        self.ledger = writer.ledger
        self.known = writer.known
        self.counts = writer.counts
        self.bulk = BulkWriter(db.obj)
        self.user = current_user()
        self.at = str(now())
        self._leases: _Leases | None = None

    def run(self) -> None:
        self._referenced_ids()
        stored = self._stored()
        planned = self._plan_payments(stored)
        applied: dict[str, list[tuple[dt.date, int]]] = {}
        for payment, split in planned:
            applied.setdefault(payment.invoice, []).append((payment.date, split.invoice_amount))
        new = [i for i in self.ledger.invoices if i.number not in stored]
        self._create_invoices(new, applied)
        ids = {number: state.id for number, state in stored.items()}
        ids.update(self._ids_of([i.number for i in new]))
        added = self._notices(stored, ids, applied)
        self._payments(planned, stored, ids)
        self._update_stored(stored, applied, added)
        if added:  # the history's fees become charges of the claims (db/notice_charges.py)
            charge_notice_fees(db.obj, sorted(ids[number] for number in added))

    def _referenced_ids(self) -> None:
        """Ids of the customers, objects and owners the invoices name (stored or just written)."""
        self.writer._ids(Customer, Customer.number, self.ledger.invoices, lambda i: i.customer)
        self.writer._ids(RentalObject, RentalObject.code, [i for i in self.ledger.invoices if i.object],
                         lambda i: i.object)
        self.writer._ids(Owner, Owner.code, self.ledger.invoices, lambda i: i.owner)

    def _stored(self) -> dict[str, _Stored]:
        """The stored invoices the file names (as invoices or in payments)."""
        query = Invoice.select(Invoice.number, Invoice.id, Invoice.customer, Invoice.owner, Invoice.ocr,
                               Invoice.amount, Invoice.balance, Invoice.collection_case)
        rows = fetch_in_chunks(lambda part: tuple_rows(query.where(Invoice.number.in_(part))), self.known.invoices, CHUNK)
        return {number: _Stored(*values) for number, *values in rows}

    def _plan_payments(self, stored: dict[str, _Stored]) -> list[tuple[PaymentRecord, Split]]:
        """The new payments in date order (file order within a day), split against the balance
        each invoice has when its turn comes, as the booking service splits them."""
        counts = self.counts["payments"]
        amounts = {i.number: i.amount for i in self.ledger.invoices}
        balances = {number: s.balance for number, s in stored.items()}
        planned = []
        for payment in sorted(self.ledger.payments, key=lambda p: p.date):
            if self.known.payment_keys[payment.path] in self.known.stored_payments:
                counts.unchanged += 1
                continue
            balance = balances.get(payment.invoice, amounts.get(payment.invoice, 0))
            split = self._split(payment, balance)
            balances[payment.invoice] = balance - split.invoice_amount
            planned.append((payment, split))
        return planned

    def _split(self, payment: PaymentRecord, balance: int) -> Split:
        if payment.kind == PaymentKind.CREDIT.value:
            return Split(payment.amount, 0, None)
        owner_code = self.known.invoices[payment.invoice].owner
        return split_payment(
            payment.amount, balance,
            from_agency=payment.method == PaymentMethod.INKASSO.value,
            owner_has_overpayment_account=COLLECTION_OVERPAYMENT_ROLE in self.known.owners.get(owner_code, set()),
        )

    def _create_invoices(self, invoices: list[InvoiceRecord], applied: dict[str, list[tuple[dt.date, int]]]) -> None:
        ids = self.writer.ids
        rows = []
        for i in invoices:
            last = i.notices[-1] if i.notices else None
            assert i.owner is not None  # the checks gave every invoice its owner, or refused the file
            rows.append((
                i.number, i.kind, ids[Owner][i.owner], ids[Customer][i.customer],
                ids[RentalObject][i.object] if i.object else None, str(i.invoice_date), str(i.due_date), i.ocr,
                i.amount, i.amount - sum(a for _, a in applied.get(i.number, [])), sum(n.fee for n in i.notices),
                last.level if last else 0, str(last.date) if last else None,
                str(last.deadline or notice_deadline(last, self.known)) if last else None,
                self._contract_of(i),
            ))
        self.bulk.insert(Invoice, _INVOICE_COLUMNS, rows)
        self.counts["invoices"].created = len(rows)
        created = self._ids_of([i.number for i in invoices])
        lines = [(created[i.number], n, text, amount) for i in invoices for n, (text, amount) in enumerate(i.rows, 1)]
        self.bulk.insert(InvoiceRow, ("invoice", "line_no", "text", "amount"), lines)
        self.counts["invoice_rows"].created = len(lines)
        self.counts["invoice_rows"].unchanged = sum(len(i.rows) for i in self.ledger.invoices) - len(lines)

    def _contract_of(self, invoice: InvoiceRecord) -> int | None:
        """The id of the invoice's contract: the one it names, or the customer's lease of its
        object that runs on its due date (the newest such, when several do)."""
        if self._leases is None:
            self._leases = _leases(self.ledger.invoices)
        if invoice.contract:
            return self._leases.by_number.get(invoice.contract)
        if not invoice.object:
            return None
        for start, end, contract_id in self._leases.by_pair.get((invoice.customer, invoice.object), []):
            if start <= invoice.due_date and (end is None or invoice.due_date <= end):
                return contract_id
        return None

    @staticmethod
    def _ids_of(numbers: list[str]) -> dict[str, int]:
        return dict(fetch_in_chunks(
            lambda part: tuple_rows(Invoice.select(Invoice.number, Invoice.id).where(Invoice.number.in_(part))),
            numbers, CHUNK))

    def _notices(self, stored: dict[str, _Stored], ids: dict[str, int],
                 applied: dict[str, list[tuple[dt.date, int]]]) -> set[str]:
        """New notices, each with the capital left on its date; returns the invoices that got any."""
        counts = self.counts["dunning_notices"]
        stored_ids = [stored[i.number].id for i in self.ledger.invoices if i.notices and i.number in stored]
        existing = notices_by_invoice(stored_ids)
        paid_earlier = _applied_by_invoice(stored_ids)
        rows = []
        added: set[str] = set()
        for invoice in self.ledger.invoices:
            invoice_id = ids[invoice.number]
            payments = paid_earlier.get(invoice_id, []) + applied.get(invoice.number, [])
            for notice in invoice.notices:
                if notice.level in existing.get(invoice_id, {}):
                    counts.unchanged += 1
                    continue
                paid_before = sum(a for d, a in payments if d < notice.date)
                rows.append((invoice_id, notice.level, self.known.levels[notice.level].name, str(notice.date),
                             str(notice.deadline or notice_deadline(notice, self.known)),
                             max(invoice.amount - paid_before, 0), notice.fee, 0))
                added.add(invoice.number)
        self.bulk.insert(DunningNotice, ("invoice", "level", "name", "issued_on", "deadline", "capital", "fee",
                                         "interest"), rows)
        counts.created = len(rows)
        return added

    def _payments(self, planned: list[tuple[PaymentRecord, Split]], stored: dict[str, _Stored], ids: dict[str, int]) -> None:
        """The new payments; one on an invoice already in a case records the case (a correction)."""
        writer_ids = self.writer.ids
        new_invoices = {i.number: i for i in self.ledger.invoices if i.number not in stored}
        rows = []
        for payment, split in planned:
            if payment.invoice in stored:
                s = stored[payment.invoice]
                customer, owner, ocr, case = s.customer_id, s.owner_id, s.ocr, s.case_id
            else:
                invoice = new_invoices[payment.invoice]
                assert invoice.owner is not None  # as in _create_invoices
                customer, owner = writer_ids[Customer][invoice.customer], writer_ids[Owner][invoice.owner]
                ocr, case = invoice.ocr, None
            rows.append((
                payment.kind, payment.method, ids[payment.invoice], customer, owner, payment.amount,
                split.invoice_amount, split.excess_amount, split.excess_role, str(payment.date), self.at,
                self.user, payment.reference or ocr, payment.sender_account, payment.payer_name,
                self.known.payment_keys[payment.path],
                "booked", "importerad", case,
            ))
        self.bulk.insert(Payment, _PAYMENT_COLUMNS, rows)
        self.counts["payments"].created = len(rows)

    def _update_stored(self, stored: dict[str, _Stored], applied: dict[str, list[tuple[dt.date, int]]],
                       added: set[str]) -> None:
        """Balance, fees and dunning state of stored invoices the file added notices or payments to."""
        counts = self.counts["invoices"]
        in_file = {i.number for i in self.ledger.invoices}
        changed = [n for n in stored if n in applied or n in added]
        notices = notices_by_invoice([stored[n].id for n in changed if n in added])
        for number in changed:
            state = stored[number]
            values: dict[str, Any] = {"balance": state.balance - sum(a for _, a in applied.get(number, []))}
            issued = notices.get(state.id)
            if issued:
                last = issued[max(issued)]
                values.update(fees=sum(n.fee for n in issued.values()), dunning_level=last.level,
                              dunning_date=last.issued_on, dunning_deadline=last.deadline)
            Invoice.update(**values).where(Invoice.id == state.id).execute()
        counts.updated = sum(1 for n in changed if n in in_file)
        counts.unchanged = sum(1 for n in stored if n in in_file) - counts.updated


@dataclass
class _Stored:
    """What the writer needs of a stored invoice."""

    id: int
    customer_id: int
    owner_id: int
    ocr: str
    amount: int
    balance: int
    case_id: int | None


_INVOICE_COLUMNS = ("number", "kind", "owner", "customer", "rental_object", "invoice_date", "due_date", "ocr",
                    "amount", "balance", "fees", "dunning_level", "dunning_date", "dunning_deadline", "contract")


@dataclass
class _Leases:
    """The stored contracts new invoices may be under: by number, and per (customer, object)
    as (from, to, id), newest first."""

    by_number: dict[str, int]
    by_pair: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, int]]]


def _leases(invoices: Sequence[InvoiceRecord]) -> _Leases:
    """The contracts of the customers the invoices name (written just before, or stored)."""
    customers = sorted({i.customer for i in invoices})
    query = (Contract.select(Contract.id, Contract.number, Contract.start_date, Contract.end_date,
                             Customer.number, RentalObject.code)
             .join(Customer, on=(Contract.customer == Customer.id))
             .join_from(Contract, RentalObject, on=(Contract.rental_object == RentalObject.id)))
    leases = _Leases({}, {})
    dates = StoredDates()
    for contract_id, number, start, end, customer, obj in fetch_in_chunks(
            lambda part: tuple_rows(query.where(Customer.number.in_(part))), customers, CHUNK):
        leases.by_number[number] = contract_id
        leases.by_pair.setdefault((customer, obj), []).append(
            (dates[start], dates[end] if end else None, contract_id))
    for found in leases.by_pair.values():
        found.sort(reverse=True)
    return leases
_PAYMENT_COLUMNS = ("kind", "method", "invoice", "customer", "owner", "amount", "invoice_amount", "excess_amount",
                    "excess_role", "pay_date", "registered_at", "registered_by", "reference", "sender_account",
                    "payer_name", "bank_ref", "status", "note", "collection_case")


def _applied_by_invoice(ids: list[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """(pay date, part applied to the invoice) of every stored payment on these invoices."""
    query = Payment.select(Payment.invoice, Payment.pay_date, Payment.invoice_amount)
    found: dict[int, list[tuple[dt.date, int]]] = {}
    for invoice_id, pay_date, applied in fetch_in_chunks(
            lambda part: tuple_rows(query.where(Payment.invoice.in_(part))), ids, CHUNK):
        found.setdefault(invoice_id, []).append((pay_date, applied))
    return found

