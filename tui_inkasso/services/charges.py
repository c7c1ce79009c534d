"""Charging fees and late interest on invoices, and booking them (issue 13, the claim model).

A fee a letter charges, the interest a letter or a collection handover charges, and late
interest charged after a payment are each an ``InvoiceCharge``: a receivable of its own beside
the invoice's capital, with its kind, amount, date, origin and open balance. Charging one books
it at once, in the books of the invoice's owner: the receivable (role Kundfordringar) is debited
and the income credited (Påminnelseavgifter for fees, Ränteintäkter for interest; roles in
``domain.claim.INCOME_ROLES``). One voucher per owner per occasion (a run, a handover, a booked
payment file): a run of 20,000 letters is five vouchers, each row a sum, each charge pointing at
its voucher. A payment later settles the charge against the receivable
(``services/claim_settlement.py``), so the receivables account always holds capital, fees and
interest open, and the income is booked once, when it is charged.

Callers hold the write transaction and keep the invoice's denormalised ``fees``, ``interest``
and ``interest_to`` in step (they update the invoice rows anyway, in one statement).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui_inkasso.db.bulk import execute_many, insert, insert_dicts, reserve_ids
from tui_inkasso.db.models import AccountRole, InvoiceCharge, Voucher, VoucherRow
from tui_inkasso.domain.claim import INCOME_ROLES
from tui_inkasso.services.clock import now
from tui_inkasso.services.vouchers import (
    account_for,
    account_map,
    missing_account,
    next_voucher_numbers,
    voucher_rows,
)

_RECEIVABLES = AccountRole.RECEIVABLES.value


@dataclass(frozen=True, slots=True)
class NewCharge:
    """A fee or an amount of interest to charge on an invoice, with its origin."""

    invoice_id: int
    owner_id: int
    kind: str
    amount: int
    charged_on: dt.date
    notice_id: int | None = None
    run_id: int | None = None
    case_id: int | None = None
    payment_id: int | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    base: int | None = None


def roles_needed(charges: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    """owner id -> the roles booking charges of these (owner, kind) pairs needs."""
    needed: dict[int, set[str]] = defaultdict(set)
    for owner_id, kind in charges:
        needed[owner_id].update((_RECEIVABLES, INCOME_ROLES[kind]))
    return needed


def account_problems(charges: Iterable[tuple[int, str]]) -> list[str]:
    """Why charges of these (owner, kind) pairs could not be booked: one line per owner and
    role without an account, in Swedish (a run lists them before it writes anything)."""
    needed = roles_needed(charges)
    accounts = account_map(set(needed))
    problems = []
    for owner_id in sorted(needed):
        for role in sorted(needed[owner_id] - set(accounts.get(owner_id, {}))):
            reason = missing_account(owner_id, role)
            problems.append(f"{reason[0].upper()}{reason[1:]}.")
    return problems


def record_charges(charges: Sequence[NewCharge], *, voucher_date: dt.date, voucher_text: str,
                   source: str) -> list[int]:
    """Insert ``charges`` and one balanced voucher per owner booking them; returns their ids.

    The voucher debits the owner's receivables with the sum and credits fee and interest
    income with theirs. A missing account refuses the whole booking (BookingError naming the
    owner and the role). Zero amounts are left out.
    """
    ids, rows = book_charges(charges, voucher_date=voucher_date, voucher_text=voucher_text, source=source)
    # bulk.insert: COPY on PostgreSQL (a prepared INSERT a row cost a collection run of 10,000
    # cases a second of the server's CPU), many rows a statement on SQLite.
    insert(InvoiceCharge, CHARGE_COLUMNS, rows)
    return ids


def book_charges(charges: Sequence[NewCharge], *, voucher_date: dt.date, voucher_text: str,
                 source: str) -> tuple[list[int], list[tuple[Any, ...]]]:
    """:func:`record_charges` but the charges themselves: the vouchers are written, the charges'
    ids reserved, and their rows (:data:`CHARGE_COLUMNS`) returned for the caller to insert,
    after the rows they refer to (a collection run's cases) and together with its other rows."""
    charges = [c for c in charges if c.amount]
    if not charges:
        return [], []
    owners = sorted({c.owner_id for c in charges})
    accounts = account_map(set(owners))
    numbers = next_voucher_numbers(set(owners))
    voucher_ids = dict(zip(owners, reserve_ids(Voucher, len(owners)), strict=True))
    lines: dict[int, dict[str, int]] = {owner_id: defaultdict(int) for owner_id in owners}
    for charge in charges:
        owner_lines = lines[charge.owner_id]
        owner_lines[account_for(accounts, charge.owner_id, _RECEIVABLES)] += charge.amount
        owner_lines[account_for(accounts, charge.owner_id, INCOME_ROLES[charge.kind])] -= charge.amount
    created = now()
    insert_dicts(Voucher, [
        {"id": voucher_ids[owner_id], "owner": owner_id, "number": numbers[owner_id], "date": voucher_date,
         "text": voucher_text[:200], "source": source, "payment": None, "created_at": created}
        for owner_id in owners
    ])
    insert_dicts(VoucherRow, [row for owner_id in owners
                              for row in voucher_rows(voucher_ids[owner_id], dict(lines[owner_id]))])
    ids = reserve_ids(InvoiceCharge, len(charges))
    rows = [(charge_id, c.invoice_id, c.kind, c.amount, c.amount, 0, c.charged_on.isoformat(), c.notice_id,
             c.run_id, c.case_id, c.payment_id, _iso(c.period_from), _iso(c.period_to), c.base,
             voucher_ids[c.owner_id])
            for charge_id, c in zip(ids, charges, strict=True)]
    return ids, rows


CHARGE_COLUMNS = ("id", "invoice", "kind", "amount", "open_amount", "written_off", "charged_on", "notice", "run",
                   "case", "payment", "period_from", "period_to", "base", "voucher")
"""The columns of :func:`book_charges`' rows, in order."""


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def add_to_invoices(charges: Sequence[NewCharge], *, move_interest_to: bool = True) -> None:
    """Raise each invoice's open ``fees``/``interest`` by its new charges and (``move_interest_to``)
    move its ``interest_to`` to the last day their interest covers (for callers that do not update
    the invoice rows themselves). Late interest charged after a payment covers only the capital
    that payment settled, so it leaves ``interest_to`` where it was."""
    fees: dict[int, int] = defaultdict(int)
    interest: dict[int, int] = defaultdict(int)
    through: dict[int, dt.date] = {}
    for charge in charges:
        if INCOME_ROLES[charge.kind] == AccountRole.INTEREST_INCOME.value:
            interest[charge.invoice_id] += charge.amount
            if move_interest_to and charge.period_to is not None:
                through[charge.invoice_id] = max(charge.period_to, through.get(charge.invoice_id, charge.period_to))
        else:
            fees[charge.invoice_id] += charge.amount
    ids = sorted(set(fees) | set(interest))
    execute_many(
        'UPDATE "invoice" SET "fees" = "fees" + ?, "interest" = "interest" + ?, '
        '"interest_to" = COALESCE(?, "interest_to") WHERE "id" = ?',
        [(fees.get(i, 0), interest.get(i, 0), _iso(through.get(i)), i) for i in ids],
    )
