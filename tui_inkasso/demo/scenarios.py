"""Guaranteed material: a fixed set of invoices built to a plan, so every workflow has some.

Whatever the size and seed, the demo has invoices due for a reminder and for a demand, ready for
collection, excluded, in a case with payments after it, an agency overpayment (and one for the
owner without an overpayment account), a credit, a dunning-blocked invoice and customer, and an
unmatched payment. Each scenario below builds one of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Self

from tui_inkasso.db import models as m
from tui_inkasso.demo.catalogue import (
    AUTOGIRO,
    DEMO_USER,
    DIRECT,
    GOOD,
    LEVELS,
    MONTHS,
    OBJECT_TYPES,
)
from tui_inkasso.demo.dates import wednesday_on_or_after, weekday_on_or_after
from tui_inkasso.demo.history import History
from tui_inkasso.demo.state import Lease, Outcome
from tui_inkasso.domain.allocation import PREPAYMENT_ROLE


class Scenarios(History):
    """The planned invoices, written with the history's own writer."""

    # ----------------------------------------------------------------- guaranteed material
    if TYPE_CHECKING:
        def _bankgiro(self) -> str: ...  # People's; DemoBuilder mixes both in

    def _scenarios(self, scenarios: Sequence[Callable[[Self, Lease], None]]) -> None:
        """A few invoices built to a plan, so every workflow has material at any size."""
        candidates = [c for c in self.contracts
                      if self.customers[c.customer].profile in (AUTOGIRO, GOOD)
                      and OBJECT_TYPES[c.type_index][0] == "LGH" and c.end == MONTHS]
        candidates = candidates or self.contracts
        seen: set[int] = set()
        by_owner = {0: [c for c in candidates if c.owner == 0], 2: [c for c in candidates if c.owner == 2]}
        for position, scenario in enumerate(scenarios):
            owner = 2 if scenario in (_agency_part_no_account,) else 0
            pool = by_owner[owner] or candidates
            contract = next((c for c in pool[position:] + pool if c.customer not in seen), pool[0])
            seen.add(contract.customer)
            scenario(self, contract)

    def scenario_invoice(self, contract: Lease, due_days_ago: int, levels: int,
                         payments: Sequence[tuple[int, int, int]] = (), case_days_ago: int | None = None,
                         amount: int = 348_000, **marks: tuple[str, str]) -> int:
        """A direct invoice due ``due_days_ago`` with ``levels`` notices, payments given as
        (days ago, öre or -1 for the balance plus 500 kr, channel), and a case when asked."""
        today = self.today
        due = today - dt.timedelta(days=due_days_ago)
        outcome = Outcome()
        issued = weekday_on_or_after(due + dt.timedelta(days=LEVELS[0].days))
        for level in LEVELS[:levels]:
            deadline = weekday_on_or_after(issued + dt.timedelta(days=level.deadline_days))
            fee = level.fee if contract.fee_allowed else 0
            outcome.notices.append((level.level, issued, deadline, amount, fee))
            outcome.fees += fee
            issued = weekday_on_or_after(max(issued + dt.timedelta(days=level.days), deadline + dt.timedelta(days=1)))
        balance = amount
        for days_ago, pay, channel in payments:
            pay = balance + 50_000 if pay < 0 else pay
            outcome.payments.append((today - dt.timedelta(days=days_ago), pay, channel))
            balance -= min(pay, balance)
        outcome.balance = balance
        if case_days_ago is not None:
            outcome.case_date = wednesday_on_or_after(today - dt.timedelta(days=case_days_ago))
        text = "Reparation efter vattenskada" if "excluded" not in marks else "Hyresskuld enligt avtal"
        return self._invoice(DIRECT, contract, due - dt.timedelta(days=30), due,
                             [(text, amount)], amount, outcome, marks.get("blocked"), marks.get("excluded"))

    def unmatched_payment(self) -> None:
        """A payment whose reference matches no invoice and whose payer is unknown."""
        pay_date = self.today - dt.timedelta(days=3)
        self._add(m.Payment, (
            self._id(m.Payment), m.PaymentKind.PAYMENT.value, m.PaymentMethod.BANKGIRO.value, None, None,
            self.owner_ids[0], 123_400, 0, 123_400, PREPAYMENT_ROLE, self.ds[pay_date],
            self.registered[pay_date], DEMO_USER, "4711081547", self._bankgiro(), "Okänd inbetalare",
            None, None, "unmatched", "Referensen matchar ingen faktura", None,
        ))

    def block_customer(self, contract: Lease, reason: str) -> None:
        """Mark the contract's customer as dunning-blocked (written with the scenario rows)."""
        at = f"{self.ds[self.today - dt.timedelta(days=21)]} 14:05:00"
        self.blocked_customers[contract.customer] = (reason, at)


# The scenarios: each builds one invoice (or mark) so that the workflow named has material.
def _due_for_reminder(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 12, 0)


def _due_for_reminder_2(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 10, 0, amount=89_500)


def _due_for_demand(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 34, 1)


def _due_for_demand_partly_paid(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 36, 1, payments=[(20, 100_000, 0)])


def _ready_for_collection(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 60, 2)


def _ready_for_collection_partly_paid(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 64, 2, payments=[(40, 150_000, 0)])


def _excluded(builder: Scenarios, contract: Lease) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=6)]} 11:20:00"
    builder.scenario_invoice(contract, 62, 2, excluded=("Avbetalningsplan överenskommen", at))


def _excluded_disputed(builder: Scenarios, contract: Lease) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=3)]} 09:45:00"
    builder.scenario_invoice(contract, 66, 2, excluded=("Bestridd faktura, utreds", at))


def _case_paid_after(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 110, 2, payments=[(20, 120_000, 0)], case_days_ago=70)


def _case_credited_after(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 115, 2, payments=[(25, 48_000, 3), (12, 50_000, 0)],
                             case_days_ago=75)


def _agency_overpayment(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 120, 2, payments=[(15, -1, 2)], case_days_ago=80)


def _agency_part_no_account(builder: Scenarios, contract: Lease) -> None:
    builder.scenario_invoice(contract, 118, 2, payments=[(18, 200_000, 2)], case_days_ago=78)


def _blocked_invoice(builder: Scenarios, contract: Lease) -> None:
    at = f"{builder.ds[builder.today - dt.timedelta(days=15)]} 13:30:00"
    builder.scenario_invoice(contract, 25, 0, blocked=("Reklamation: fel i debiteringen", at))


def _blocked_customer(builder: Scenarios, contract: Lease) -> None:
    builder.block_customer(contract, "Tvist hos hyresnämnden, invänta beslut")
    builder.scenario_invoice(contract, 20, 0, amount=412_500)
    builder.unmatched_payment()


SCENARIOS: tuple[Callable[[Scenarios, Lease], None], ...] = (
    _due_for_reminder, _due_for_reminder_2, _due_for_demand, _due_for_demand_partly_paid,
    _ready_for_collection, _ready_for_collection_partly_paid, _excluded, _excluded_disputed,
    _case_paid_after, _case_credited_after, _agency_overpayment, _agency_part_no_account,
    _blocked_invoice, _blocked_customer,
)
