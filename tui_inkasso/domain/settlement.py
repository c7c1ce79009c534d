"""Which open parts of a claim a payment settles, in which order, and what is left over.

A claim is the invoice's capital plus the fees (costs) and late interest charged on it, each a
receivable of its own. No statute fixes the order a payment settles them in. The sources
(docs/dunning.md, "The order a payment settles a claim"):

* The debtor may designate what a payment is for (9 kap. 5 § handelsbalken, the "primary
  choice"); an undesignated payment the creditor applies (the "secondary choice").
* The Supreme Court applies a payment that does not cover the claim and its accrued interest
  "först ... mot den upplupna räntan och därefter mot kapitalbeloppet" (Högsta domstolen,
  dom 2023-04-04 on kvittning, reported by lexbase.se), which is also how Swedish collection
  practice settles: costs, then interest, then capital.
* But NJA 2013 s. 1190: when one debt stands out because not paying it has especially
  burdensome consequences (rent: the tenancy is forfeited, jordabalken 12 kap. 42 §) and the
  creditor can see that, an undesignated payment is applied to that debt. A landlord who
  puts a tenant's payment on fees and interest and leaves rent unpaid risks exactly that.

Practice therefore varies, and the order is a setting: :data:`DEFAULT_ORDER` (costs,
interest, capital) for ordinary claims, :data:`CAPITAL_FIRST` for those who settle rent first.
Within one kind, parts are settled in the order given (oldest first is the caller's job).

Overpayment is only what exceeds the whole claim: a payment of exactly what a letter demanded
leaves nothing open and no excess. The excess gets its account role from
``domain.allocation`` (prepayment, or the agency's overpayment account).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tui_inkasso.domain.allocation import split_payment


class PartKind(StrEnum):
    """The kind of an open part of a claim; the value is the stable code."""

    COST = "cost"
    INTEREST = "interest"
    CAPITAL = "capital"

    @property
    def label(self) -> str:
        """The Swedish name (costs are the reminder and collection fees and the like)."""
        return _PART_LABELS[self]


_PART_LABELS = {
    PartKind.COST: "kostnader",
    PartKind.INTEREST: "ränta",
    PartKind.CAPITAL: "kapital",
}

SettlementOrder = tuple[PartKind, PartKind, PartKind]
"""The three kinds, each once, in the order a payment settles them."""

DEFAULT_ORDER: SettlementOrder = (PartKind.COST, PartKind.INTEREST, PartKind.CAPITAL)
"""Costs, then interest, then capital: the collection practice and the default."""

CAPITAL_FIRST: SettlementOrder = (PartKind.CAPITAL, PartKind.COST, PartKind.INTEREST)
"""Capital (the rent itself) first, then costs and interest (NJA 2013 s. 1190)."""

ORDERS: dict[str, SettlementOrder] = {
    "costs_interest_capital": DEFAULT_ORDER,
    "capital_costs_interest": CAPITAL_FIRST,
}
"""The orders the setting offers, by stable code."""

ORDER_LABELS: dict[str, str] = {
    "costs_interest_capital": "Kostnader, ränta, kapital",
    "capital_costs_interest": "Kapital först, sedan kostnader och ränta",
}


def parse_order(code: str) -> SettlementOrder:
    """The order for a setting's code; ValueError in Swedish naming the choices otherwise."""
    try:
        return ORDERS[code.strip()]
    except KeyError:
        choices = ", ".join(f"{key} ({ORDER_LABELS[key]})" for key in ORDERS)
        raise ValueError(f"okänd avräkningsordning {code!r}; välj {choices}") from None


def order_problem(order: Sequence[PartKind]) -> str | None:
    """Why ``order`` is not a settlement order (each kind exactly once), or None."""
    if len(order) != 3 or set(order) != set(PartKind):
        named = ", ".join(str(kind) for kind in order)
        return f"avräkningsordningen ska ha kostnader, ränta och kapital en gång var (fick {named})"
    return None


@dataclass(frozen=True, slots=True)
class ClaimPart:
    """One open part of a claim: its identity for the caller, its kind and what is left (öre)."""

    key: str
    kind: PartKind
    open_ore: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a payment puts on one part."""

    key: str
    kind: PartKind
    amount_ore: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """A payment split over a claim's parts.

    ``allocations`` in the order applied (parts that get nothing are left out),
    ``remaining`` every part with what is still open after the payment, ``excess_ore`` what
    exceeds the whole claim and ``excess_role`` its account role (None when there is none).
    """

    amount_ore: int
    allocations: tuple[Allocation, ...]
    remaining: tuple[ClaimPart, ...]
    excess_ore: int
    excess_role: str | None

    @property
    def applied_ore(self) -> int:
        """The part of the payment that settled the claim."""
        return self.amount_ore - self.excess_ore

    def applied_to(self, kind: PartKind) -> int:
        """How much of the payment went to parts of ``kind``."""
        return sum(a.amount_ore for a in self.allocations if a.kind is kind)

    @property
    def open_ore(self) -> int:
        """What is still open on the claim after the payment."""
        return sum(part.open_ore for part in self.remaining)


def claim_total(parts: Sequence[ClaimPart]) -> int:
    """Everything open on the claim (negative parts, which would be credits, count as 0)."""
    return sum(max(part.open_ore, 0) for part in parts)


def settle(
    parts: Sequence[ClaimPart],
    amount_ore: int,
    order: Sequence[PartKind] = DEFAULT_ORDER,
    *,
    from_agency: bool = False,
    owner_has_overpayment_account: bool = False,
) -> Settlement:
    """Apply a payment of ``amount_ore`` to ``parts`` in ``order``; the rest is excess.

    Parts of the first kind in ``order`` are settled first, each in the order given, then the
    next kind. A part with nothing open takes nothing. The excess is only what exceeds the
    whole claim; its role follows ``domain.allocation.split_payment`` (the agency's
    overpayment account when the money came from the agency and the owner maps one, otherwise
    a prepayment on the customer). A negative amount (a returned payment) is not a
    settlement: ValueError.
    """
    problem = order_problem(order)
    if problem:
        raise ValueError(problem)
    if amount_ore < 0:
        raise ValueError(f"en betalning kan inte vara negativ ({amount_ore} öre); en "
                         "återbetalning eller ett avdrag avräknas inte")
    left = amount_ore
    remaining = [max(part.open_ore, 0) for part in parts]
    allocations: list[Allocation] = []
    for kind in order:
        for index, part in enumerate(parts):
            if part.kind is not kind or left == 0:
                continue
            take = min(left, remaining[index])
            if take:
                allocations.append(Allocation(part.key, part.kind, take))
                remaining[index] -= take
                left -= take
    split = split_payment(amount_ore, claim_total(parts), from_agency=from_agency,
                          owner_has_overpayment_account=owner_has_overpayment_account)
    return Settlement(
        amount_ore=amount_ore,
        allocations=tuple(allocations),
        remaining=tuple(ClaimPart(p.key, p.kind, r) for p, r in zip(parts, remaining, strict=True)),
        excess_ore=split.excess_amount,
        excess_role=split.excess_role,
    )
