"""The claim on an invoice: its capital and the charges on it, and how money settles them.

Issue 13's claim model. An invoice's capital is its amount less what has settled it (the
invoice's ``balance``); every fee a letter charges and every amount of late interest charged is
a receivable of its own (a *charge*: kind, amount, date, origin and open balance). A payment
settles the open parts in the order of ``domain.settlement`` (costs, interest, capital by
default; a setting), oldest first within a kind, and only what exceeds the whole claim is an
overpayment. This module is the bridge between the stored charges and that pure rule, plus the
policy for the interest that accrues after the last charge until a payment arrives
(:func:`interest_on_late_payment`, docs/dunning.md "Interest between the letter and the
payment"). No database, no screens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from tui_inkasso.domain.allocation import split_payment
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.codes import AccountRole, ChargeKind
from tui_inkasso.domain.settlement import (
    DEFAULT_ORDER,
    ClaimPart,
    PartKind,
    SettlementOrder,
    settle,
)

CAPITAL_KEY = "capital"
"""The key of the capital among a claim's parts (a charge's key is its id as text)."""

PART_KINDS: dict[str, PartKind] = {
    ChargeKind.REMINDER_FEE.value: PartKind.COST,
    ChargeKind.COLLECTION_FEE.value: PartKind.COST,
    ChargeKind.PAYMENT_PLAN_FEE.value: PartKind.COST,
    ChargeKind.INTEREST.value: PartKind.INTEREST,
}
"""Which part of the settlement order each charge kind is: fees are costs."""

INCOME_ROLES: dict[str, str] = {
    ChargeKind.REMINDER_FEE.value: AccountRole.FEE_INCOME.value,
    ChargeKind.COLLECTION_FEE.value: AccountRole.FEE_INCOME.value,
    ChargeKind.PAYMENT_PLAN_FEE.value: AccountRole.FEE_INCOME.value,
    ChargeKind.INTEREST.value: AccountRole.INTEREST_INCOME.value,
}
"""The owner's account role a charge is income on (fees on Påminnelseavgifter, BAS 3591;
interest on Ränteintäkter, BAS 8313)."""


def is_fee(kind: str) -> bool:
    """True for a fee (a cost), False for interest."""
    return PART_KINDS[kind] is PartKind.COST


def fee_charge_kind(is_demand: bool) -> str:
    """The charge kind of a letter's fee: a collection fee on a demand, else a reminder fee."""
    return (ChargeKind.COLLECTION_FEE if is_demand else ChargeKind.REMINDER_FEE).value


@dataclass(frozen=True, slots=True)
class OpenCharge:
    """A charge with something open, as settlement needs it.

    ``booked`` tells whether the charge was booked as a receivable when it was charged (then
    settling it credits the receivables); a charge carried over from before the claim model
    (a migrated or imported fee) was never booked, so settling it books the income then.
    """

    id: int
    kind: str
    open_ore: int
    charged_on: dt.date
    booked: bool = True


class ClaimSettlement(NamedTuple):
    """What an amount settled on one claim.

    ``capital_ore`` went to the capital, ``charges`` to each charge (id, öre) in the order
    applied; ``excess_ore`` exceeds the whole claim and goes to ``excess_role``. A named tuple
    (immutable; a frozen dataclass took three times as long to make, once a payment of a file).
    """

    amount_ore: int
    capital_ore: int
    charges: tuple[tuple[int, int], ...]
    fees_ore: int
    interest_ore: int
    excess_ore: int
    excess_role: str | None

    @property
    def applied_ore(self) -> int:
        """What settled the claim (capital, fees and interest)."""
        return self.capital_ore + self.fees_ore + self.interest_ore

    @classmethod
    def capital_only(cls, amount_ore: int) -> ClaimSettlement:
        """An amount that moves the capital only: a credit note, or a returned payment (negative)."""
        return cls(amount_ore, amount_ore, (), 0, 0, 0, None)


def claim_parts(capital_ore: int, charges: Sequence[OpenCharge]) -> list[ClaimPart]:
    """The open parts of a claim: the capital, then the charges oldest first."""
    parts = [ClaimPart(CAPITAL_KEY, PartKind.CAPITAL, max(capital_ore, 0))]
    for charge in sorted(charges, key=lambda c: (c.charged_on, c.id)):
        parts.append(ClaimPart(str(charge.id), PART_KINDS[charge.kind], charge.open_ore))
    return parts


def settle_claim(
    capital_ore: int,
    charges: Sequence[OpenCharge],
    amount_ore: int,
    order: SettlementOrder = DEFAULT_ORDER,
    *,
    from_agency: bool = False,
    owner_has_overpayment_account: bool = False,
) -> ClaimSettlement:
    """Settle a payment of ``amount_ore`` (> 0) on a claim of ``capital_ore`` and ``charges``.

    ``domain.settlement.settle`` decides: the parts in ``order``, oldest first within a kind,
    the excess only over the whole claim, its role from ``domain.allocation``.
    """
    if not charges:  # the common case (a payment on a plain invoice): no parts to sort
        if amount_ore < 0:
            raise ValueError(f"en betalning kan inte vara negativ ({amount_ore} öre)")
        split = split_payment(amount_ore, capital_ore, from_agency=from_agency,
                              owner_has_overpayment_account=owner_has_overpayment_account)
        return ClaimSettlement(amount_ore, split.invoice_amount, (), 0, 0, split.excess_amount, split.excess_role)
    kinds = {str(c.id): c.kind for c in charges}
    result = settle(claim_parts(capital_ore, charges), amount_ore, order, from_agency=from_agency,
                    owner_has_overpayment_account=owner_has_overpayment_account)
    capital = 0
    applied_charges: list[tuple[int, int]] = []
    fees = interest = 0
    for allocation in result.allocations:
        if allocation.key == CAPITAL_KEY:
            capital += allocation.amount_ore
            continue
        applied_charges.append((int(allocation.key), allocation.amount_ore))
        if is_fee(kinds[allocation.key]):
            fees += allocation.amount_ore
        else:
            interest += allocation.amount_ore
    return ClaimSettlement(amount_ore, capital, tuple(applied_charges), fees, interest,
                           result.excess_ore, result.excess_role)


# --------------------------------------------------------------------------- interest after a letter


@dataclass(frozen=True, slots=True)
class LateInterestDecision:
    """The late interest a payment leaves behind, and whether it is charged.

    ``amount_ore`` accrued on the capital the payment settled from the day after ``from_date``
    up to and including ``to_date``. ``charged`` True: it becomes an open interest charge (and
    is booked); False: it is written off (never charged, nothing booked).
    """

    amount_ore: int
    from_date: dt.date
    to_date: dt.date
    charged: bool


def interest_start(due_date: dt.date, interest_to: dt.date | None) -> dt.date:
    """The day after which interest not yet charged runs: the last day a charge covered, or the
    due date moved to the next bank day (a payment that day was on time)."""
    return interest_to if interest_to is not None else next_bank_day(due_date)


def interest_on_late_payment(
    *,
    capital_settled_ore: int,
    pay_date: dt.date,
    due_date: dt.date,
    interest_to: dt.date | None,
    letter_deadline: dt.date | None,
    minimum_ore: int,
    late_interest: Callable[[int, dt.date, dt.date], int],
) -> LateInterestDecision | None:
    """The interest on the capital a payment settled that no charge has covered yet.

    None when there is none: nothing of the capital settled, paid on time, or paid by the
    deadline of the last letter (the letter's "Att betala" is what the debtor was told settles
    the claim by that date). Otherwise the interest from :func:`interest_start` up to and
    including the payment date (``late_interest(capital, from, to)``, räntelagen 6 §), charged
    when it is at least ``minimum_ore`` and written off below it (the law sets no minimum;
    leaving a small amount uncharged is the creditor's choice in the debtor's favour).
    """
    if capital_settled_ore <= 0:
        return None
    if letter_deadline is not None and pay_date <= letter_deadline:
        return None
    start = interest_start(due_date, interest_to)
    if pay_date <= start:
        return None
    amount = late_interest(capital_settled_ore, start, pay_date)
    if amount <= 0:
        return None
    return LateInterestDecision(amount, start, pay_date, amount >= max(minimum_ore, 1))
