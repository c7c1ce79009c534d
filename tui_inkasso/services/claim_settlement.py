"""Settling claims: what money booked on an invoice settles of its capital, fees and interest.

Every path that books money on an invoice (a bank file, a hand allocation of an unmatched
payment, a credit, a payment registered on a case, the agency's payments) goes through
``services/booking.py``, which reads the claims it touches into a :class:`ClaimBook` and asks
it, payment by payment, what each settles:

* a payment settles the open parts in the configured order (``payments.settlement_order``:
  costs, interest, capital by default), oldest first within a kind
  (``domain.claim.settle_claim``); only what exceeds the whole claim is an overpayment, booked
  to its role (prepayment, or the agency's overpayment account for money from the agency);
* a credit note reduces the capital only, never more than is open; a returned payment (a
  negative amount) raises the capital again;
* late interest that no charge covered yet, on the capital a payment settled after the last
  letter's deadline, is charged when it reaches ``payments.late_interest_min`` and written off
  below it (``domain.claim.interest_on_late_payment``; docs/dunning.md, "Interest between the
  letter and the payment").

The book keeps each claim current while a file is booked (two payments on one invoice in one
file settle in turn) and writes what changed in bulk at the end: the invoices' capital, fees and
interest, each charge's open balance, one ``ChargeSettlement`` row per payment and charge, and
the late interest charged (``services/charges.py``, booked on one voucher per owner and date).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tui_inkasso.db.bulk import BulkWriter, execute_many, insert_dicts, select_in, subtract_sql
from tui_inkasso.db.models import AccountRole, ChargeSettlement, Invoice, InvoiceCharge
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.allocation import split_payment
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.claim import (
    INCOME_ROLES,
    ClaimSettlement,
    LateInterestDecision,
    OpenCharge,
    interest_on_late_payment,
    is_fee,
    settle_claim,
)
from tui_inkasso.domain.codes import ChargeKind
from tui_inkasso.domain.interest import InterestError, LateInterest, ReferenceRate
from tui_inkasso.domain.reference_rates import missing_half_years_for
from tui_inkasso.domain.settlement import SettlementOrder
from tui_inkasso.services.charges import NewCharge, add_to_invoices, record_charges
from tui_inkasso.services.dunning_levels import get_reference_rates
from tui_inkasso.services.settings import late_interest_minimum, settlement_order
from tui_inkasso.services.stored_values import stored_date
from tui_inkasso.services.transaction import is_postgres
from tui_inkasso.services.vouchers import AccountMap, account_for

_UNHINTED = ("customer_id", "contract_id", "rental_object_id", "due_date")
"""Columns the invoices' UPDATE assigns to themselves on PostgreSQL, values unchanged: the new
balance is a non-HOT update (``balance`` is in the partial indexes' conditions), so each invoice
gets new entries in all its indexes, and for an index whose columns an UPDATE does not name
PostgreSQL tries a bottom-up deletion pass when a leaf page is full, visiting the heap blocks of
the page's duplicates (many invoices per customer, contract, object and due date) to find dead
versions; naming the columns withdraws that hint and a full page is split instead (as the
collection run's mark does, ``services/collection_run.py``). No key is checked again (unchanged
values). 100,000 payments on 37,000 invoices: the UPDATE 1.2 -> 0.9 s of server CPU. SQLite would
update every index naming an assigned column, so it gets the plain statement."""

_RECEIVABLES = AccountRole.RECEIVABLES.value
_PREPAYMENTS = AccountRole.PREPAYMENTS.value
_INTEREST = ChargeKind.INTEREST.value


@dataclass(slots=True)
class Claim:
    """An invoice's claim as a booking sees it: capital, open charges, what interest depends on."""

    id: int
    number: str
    owner_id: int
    customer_id: int
    capital: int
    case_id: int | None
    due_date: dt.date
    interest_to: dt.date | None
    letter_deadline: dt.date | None
    charges: list[OpenCharge] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        """Capital, fees and interest open."""
        return max(self.capital, 0) + sum(c.open_ore for c in self.charges)


_CLAIM_COLUMNS = (Invoice.id, Invoice.number, Invoice.owner, Invoice.customer, Invoice.balance,
                  Invoice.collection_case, Invoice.due_date, Invoice.interest_to, Invoice.dunning_deadline,
                  Invoice.fees, Invoice.interest)


def read_claims(invoice_ids: Sequence[int], *, lock: bool = True) -> dict[int, Claim]:
    """The invoices' claims with their open charges; on PostgreSQL the invoice rows are locked
    (``FOR UPDATE``) so that concurrent bookings on one invoice settle one after the other."""
    columns = ", ".join(f'"{f.column_name}"' for f in _CLAIM_COLUMNS)
    suffix = " FOR UPDATE" if lock and is_postgres() else ""
    sql = f'SELECT {columns} FROM "{Invoice._meta.table_name}" WHERE "id" IN ({{}}){suffix}'
    claims: dict[int, Claim] = {}
    charged: list[int] = []
    dates: dict[object, dt.date] = {}

    def day(value: object) -> dt.date:
        found = dates.get(value)
        if found is None:
            found = dates[value] = stored_date(value)
        return found

    def day_or_none(value: object) -> dt.date | None:
        return None if value is None else day(value)

    for iid, number, owner, customer, balance, case, due, through, deadline, fees, interest in select_in(
            sql, list(dict.fromkeys(invoice_ids))):
        # due_date and charged_on are NOT NULL columns; interest_to and dunning_deadline may be null
        claims[iid] = Claim(iid, number, owner, customer, balance, case, day(due), day_or_none(through),
                            day_or_none(deadline))
        if fees or interest:
            charged.append(iid)
    if charged:
        charge_sql = ('SELECT "id", "invoice_id", "kind", "open_amount", "charged_on", "voucher_id" '
                      'FROM "invoice_charge" WHERE "open_amount" <> 0 AND "invoice_id" IN ({})')
        for cid, iid, kind, open_amount, charged_on, voucher in select_in(charge_sql, charged):
            claims[iid].charges.append(OpenCharge(cid, kind, open_amount, day(charged_on), voucher is not None))
    return claims


@dataclass
class ClaimBook:
    """The claims of one booking, kept current as money settles them, and what to write."""

    claims: dict[int, Claim]
    order: SettlementOrder = field(default_factory=settlement_order)
    minimum: int = field(default_factory=late_interest_minimum)
    _late: LateInterest | None = None
    _rate_table: list[ReferenceRate] | None = None
    _missing: dict[tuple[dt.date, dt.date], bool] = field(default_factory=dict)
    _changes: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    _charge_changes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    _settlements: list[dict] = field(default_factory=list)
    _late_charges: list[NewCharge] = field(default_factory=list)
    _read_charges: dict[int, list[OpenCharge]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The charges as read, before any settlement: a charge a payment closes still books
        # through its own account (credit_lines).
        self._read_charges = {iid: list(c.charges) for iid, c in self.claims.items() if c.charges}

    @classmethod
    def of(cls, invoice_ids: Sequence[int], *, lock: bool = True) -> ClaimBook:
        """A book of the claims of ``invoice_ids``, read (and locked) now."""
        return cls(read_claims(invoice_ids, lock=lock) if invoice_ids else {})

    # ----------------------------------------------------------------- settling

    def settle(self, claim: Claim, amount: int, *, credit: bool, from_agency: bool,
               overpayment_account: bool) -> ClaimSettlement:
        """What ``amount`` settles of ``claim`` (the claim is updated); nothing is written yet."""
        if credit or amount <= 0:
            result = ClaimSettlement.capital_only(amount)
        elif not claim.charges:  # most payments: capital only, no parts to order (a bank file's 100,000)
            split = split_payment(amount, claim.capital, from_agency=from_agency,
                                  owner_has_overpayment_account=overpayment_account)
            result = ClaimSettlement(amount, split.invoice_amount, (), 0, 0, split.excess_amount, split.excess_role)
        else:
            result = settle_claim(claim.capital, claim.charges, amount, self.order, from_agency=from_agency,
                                  owner_has_overpayment_account=overpayment_account)
        claim.capital -= result.capital_ore
        change = self._changes[claim.id]
        change[0] += result.capital_ore
        if result.charges:
            change[1] += result.fees_ore
            change[2] += result.interest_ore
            settled = dict(result.charges)
            claim.charges = [dataclasses.replace(c, open_ore=c.open_ore - settled.get(c.id, 0))
                             for c in claim.charges]
            claim.charges = [c for c in claim.charges if c.open_ore]
            for charge_id, part in result.charges:
                self._charge_changes[charge_id] += part
        return result

    def record_settlement(self, payment_id: int, result: ClaimSettlement) -> None:
        """Remember the payment's share of each charge (written by :meth:`write`)."""
        if result.charges:
            self._settlements.extend({"payment": payment_id, "charge": charge_id, "amount": part}
                                     for charge_id, part in result.charges)

    def late_interest(self, claim: Claim, result: ClaimSettlement, *, pay_date: dt.date, payment_id: int,
                      applies: bool) -> LateInterestDecision | None:
        """The late interest the payment leaves behind (charged or written off), or None.

        ``applies`` is False for money that is no payment by the debtor on a claim of ours (a
        credit, a returned payment, the agency's payments and payments on an invoice in a
        collection case, whose claim the case holds).
        """
        if not applies or result.capital_ore <= 0:
            return None
        if claim.letter_deadline is not None and pay_date <= claim.letter_deadline:
            return None  # the cheap answers first: a file of 100,000 payments asks for each
        start = claim.interest_to if claim.interest_to is not None else next_bank_day(claim.due_date)
        if pay_date <= start or self._rate_missing(start, pay_date):
            return None  # on time; or a half year without its rate: a run refuses, a payment cannot
        try:
            decision = interest_on_late_payment(
                capital_settled_ore=result.capital_ore, pay_date=pay_date, due_date=claim.due_date,
                interest_to=claim.interest_to, letter_deadline=claim.letter_deadline, minimum_ore=self.minimum,
                late_interest=self._late_interest())
        except InterestError:
            return None  # no rate at all for the period (a table that starts later): nothing charged
        if decision is not None and decision.charged:
            self._late_charges.append(NewCharge(
                claim.id, claim.owner_id, _INTEREST, decision.amount_ore, pay_date, payment_id=payment_id,
                period_from=decision.from_date, period_to=decision.to_date, base=result.capital_ore))
        return decision

    def read_ahead(self) -> None:
        """Read now what settling would read on first need (the reference rates): a caller whose
        rows are written on another thread of the connection meanwhile must not query."""
        self._rates()

    def _late_interest(self) -> LateInterest:
        if self._late is None:
            self._late = LateInterest(self._rates())
        return self._late

    def _rates(self) -> list[ReferenceRate]:
        if self._rate_table is None:
            self._rate_table = get_reference_rates()
        return self._rate_table

    def _rate_missing(self, start: dt.date, end: dt.date) -> bool:
        """True when a half year after ``start`` up to ``end`` has no reference rate of its own:
        nothing is charged then, rather than an older rate carried on."""
        key = (start, end)
        missing = self._missing.get(key)
        if missing is None:
            missing = self._missing[key] = bool(
                missing_half_years_for(self._rates(), start + dt.timedelta(days=1), end))
        return missing

    # ----------------------------------------------------------------- booking

    def credit_lines(self, claim: Claim, result: ClaimSettlement, accounts: AccountMap) -> dict[str, int]:
        """The credit side of the voucher for what ``result`` settled (negative amounts).

        Capital and every charge booked when charged are credited to the receivables; a charge
        never booked (carried over from before the claim model) is credited to its income
        account now; the excess to its role's account.
        """
        owner = claim.owner_id
        if not result.charges and not result.excess_ore:  # the common case, kept cheap
            return {account_for(accounts, owner, _RECEIVABLES): -result.capital_ore} if result.capital_ore else {}
        lines: dict[str, int] = defaultdict(int)
        receivables = result.capital_ore
        if result.charges:
            booked = {c.id: c for c in self._all_charges(claim)}
            for charge_id, part in result.charges:
                charge = booked.get(charge_id)
                if charge is None or charge.booked:
                    receivables += part
                else:
                    lines[account_for(accounts, owner, INCOME_ROLES[charge.kind])] -= part
        if receivables:
            lines[account_for(accounts, owner, _RECEIVABLES)] -= receivables
        if result.excess_ore:
            lines[account_for(accounts, owner, result.excess_role or _PREPAYMENTS)] -= result.excess_ore
        return lines

    def _all_charges(self, claim: Claim) -> list[OpenCharge]:
        """The claim's charges as read (also those a settlement closed since)."""
        return self._read_charges.get(claim.id, claim.charges)

    # ----------------------------------------------------------------- writing

    def write(self) -> list[NewCharge]:
        """Write every change: invoices, charges, settlements, late interest; returns the late
        interest charged."""
        self.write_settled()
        late = self._late_charges
        if late:
            by_day: dict[dt.date, list[NewCharge]] = defaultdict(list)
            for charge in late:
                by_day[charge.charged_on].append(charge)
            for day in sorted(by_day):
                record_charges(by_day[day], voucher_date=day, source="interest",
                               voucher_text=f"Dröjsmålsränta efter sena betalningar {day.isoformat()}")
            add_to_invoices(late, move_interest_to=False)
        self._late_charges = []
        return late

    def write_settled(self, writer: BulkWriter | None = None) -> None:
        """Write what money settled so far (the invoices' capital, fees and interest, the
        charges' open balances, the settlement rows) and start afresh; the late interest waits
        for :meth:`write`. Now, or through ``writer``: a :class:`PaymentBatch` hands them to its
        writer thread after its last part
        (:meth:`~tui_inkasso.services.booking.PaymentBatch.settled_in_background`). The amounts
        are subtracted, so an invoice paid again after a first call is simply updated again."""
        invoices = [(capital, fees, interest, invoice_id)
                    for invoice_id, (capital, fees, interest) in sorted(self._changes.items())
                    if capital or fees or interest]
        charges = [(part, charge_id) for charge_id, part in sorted(self._charge_changes.items())]
        settlements = self._settlements
        self._changes.clear()
        self._charge_changes.clear()
        self._settlements = []
        if writer is not None:
            writer.subtract(Invoice, _SETTLED_INVOICE, invoices, keep=_UNHINTED)
            writer.subtract(InvoiceCharge, _SETTLED_CHARGE, charges)
            writer.insert_dicts(ChargeSettlement, settlements)
            return
        if invoices:
            same = "".join(f', "{column}" = "invoice"."{column}"' for column in _UNHINTED) if is_postgres() else ""
            execute_many('UPDATE "invoice" SET "balance" = "balance" - ?, "fees" = "fees" - ?, '
                         f'"interest" = "interest" - ?{same} WHERE "id" = ?', invoices)
        if charges:
            execute_many(subtract_sql(InvoiceCharge, _SETTLED_CHARGE), charges)
        if settlements:
            insert_dicts(ChargeSettlement, settlements)


_SETTLED_INVOICE = ("balance", "fees", "interest")
_SETTLED_CHARGE = ("open_amount",)


def charge_shares(payment_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """payment id -> (fees, interest) it settled, from its ``ChargeSettlement`` rows."""
    if not payment_ids:
        return {}
    shares: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    query = tuple_rows(ChargeSettlement.select(ChargeSettlement.payment, InvoiceCharge.kind, ChargeSettlement.amount)
                       .join(InvoiceCharge).where(ChargeSettlement.payment.in_(list(payment_ids))))
    for payment_id, kind, amount in query:
        shares[payment_id][0 if is_fee(kind) else 1] += amount
    return {pid: (fees, interest) for pid, (fees, interest) in shares.items()}
