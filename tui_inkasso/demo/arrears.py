"""Rent arrears in the demo: late-paying tenants, and what the notices to socialnämnden need.

* A few tenants who are late with their rent, at any size and seed: dwellings and premises,
  some past the limit of 12 kap. 42 § jordabalken (a week, two vardagar) and some still within
  it, so Reskontra → Obetald hyra lists exactly the first ones (:data:`ARREARS_SCENARIOS`).
* Every property lies in its owner's city (the municipality), every apartment has a size (rooms
  and m²), and socialnämnden of every demo municipality but Malmö has an address: a run over
  Malmö's dwellings stops and says so, until staff enter it under Inställningar →
  Socialnämnder (:meth:`RentArrears._dwelling_facts`).
"""

from __future__ import annotations

import datetime as dt

from tui_inkasso.db import models as m
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.demo.catalogue import AUTOGIRO, GOOD, OBJECT_TYPES, OWNERS, RENT
from tui_inkasso.demo.scenarios import Scenarios
from tui_inkasso.demo.state import Lease, Outcome
from tui_inkasso.domain.bank_days import is_bank_day

BOARDS = {
    "Stockholm": "Socialförvaltningen, Box 44, 101 20 Stockholm",
    "Umeå": "Individ- och familjeomsorgen, Box 10, 901 84 Umeå",
    "Göteborg": "Socialtjänsten, Box 5, 404 82 Göteborg",
    "Uppsala": "Socialförvaltningen, Box 1234, 751 04 Uppsala",
}
"""The demo's socialnämnd addresses (Malmö is left out on purpose)."""


def _vardag_before(day: dt.date, count: int) -> dt.date:
    """The vardag ``count`` vardagar before ``day`` (the due date of rent that late)."""
    found = day
    while count > 0:
        found -= dt.timedelta(days=1)
        if is_bank_day(found):
            count -= 1
    return found


class RentArrears(Scenarios):
    """The demo builder's part for rent arrears."""

    def rent_invoice(self, contract: Lease, due: dt.date, text: str, payments: tuple[tuple[int, int], ...] = ()) -> None:
        """An unpaid (or partly paid) rent invoice of ``contract`` due on ``due``; payments as
        (days ago, öre)."""
        amount = contract.rent
        outcome = Outcome(balance=amount)
        for days_ago, paid in payments:
            outcome.payments.append((self.today - dt.timedelta(days=days_ago), paid, 0))
            outcome.balance -= paid
        invoiced = max((month.invoice_date for month in self.months if month.invoice_date < due),
                       default=self.months[0].invoice_date)
        self._invoice(RENT, contract, invoiced, due, [(text, amount)], amount, outcome)

    def premises_contract(self, contract: Lease, offset: int = 0) -> Lease:
        """A premises (LOK) lease of a good payer, chosen by ``contract`` (and ``offset``), or
        ``contract`` when the demo has none."""
        candidates = [c for c in self.contracts if OBJECT_TYPES[c.type_index][0] == "LOK"
                      and self.customers[c.customer].profile in (AUTOGIRO, GOOD) and c.end == len(self.months)]
        return candidates[(contract.id + offset) % len(candidates)] if candidates else contract

    def _dwelling_facts(self) -> None:
        """Municipalities of the properties, sizes of the apartments, the socialnämnd register."""
        writer = self.writer
        writer.update_many('UPDATE "property" SET "municipality" = ? WHERE "owner_id" = ?',
                           [(OWNERS[i].city, owner_id) for i, owner_id in enumerate(self.owner_ids)])
        dwellings = [type_id for type_id, spec in zip(self.type_ids, OBJECT_TYPES, strict=True) if spec[0] == "LGH"]
        rows = list(tuple_rows(m.RentalObject.select(m.RentalObject.id).where(m.RentalObject.object_type.in_(dwellings))
                               .order_by(m.RentalObject.id)))
        writer.update_many('UPDATE "rental_object" SET "rooms" = ?, "floor_area" = ? WHERE "id" = ?',
                           [(_rooms(oid), 24 + 19 * (1 + oid % 4) + oid % 11, oid) for (oid,) in rows])
        cities = {OWNERS[i].city for i in range(len(self.owner_ids))}
        for city, address in sorted(BOARDS.items()):
            if city in cities and not m.Socialnamnd.select().where(m.Socialnamnd.municipality == city).exists():
                m.Socialnamnd.create(municipality=city, address=address.replace(", ", "\n"), email="",
                                     changed_at=dt.datetime.combine(self.today, dt.time(8, 0)),
                                     changed_by="demo")


def _rooms(object_id: int) -> str:
    count = 1 + object_id % 4
    return "1 rum och kokvrå" if count == 1 else f"{count} rum och kök"


def _dwelling_past_the_week(builder: RentArrears, contract: Lease) -> None:
    """Rent due more than a week ago, unpaid: the tenancy is forfeited."""
    builder.rent_invoice(contract, _vardag_before(builder.today, 10), "Retroaktiv hyreshöjning")


def _dwelling_past_the_week_partly_paid(builder: RentArrears, contract: Lease) -> None:
    """Rent due three weeks ago, a third paid: forfeited, the rest is what recovery takes."""
    builder.rent_invoice(contract, _vardag_before(builder.today, 15), "Hyra enligt avtal, tillägg",
                         payments=((5, contract.rent // 300 * 100),))


def _dwelling_within_the_week(builder: RentArrears, contract: Lease) -> None:
    """Rent due three days ago: late, but not yet a week, so it may not be terminated."""
    builder.rent_invoice(contract, builder.today - dt.timedelta(days=3), "Retroaktiv hyreshöjning")


def _premises_past_two_vardagar(builder: RentArrears, contract: Lease) -> None:
    """Premises rent due three vardagar ago: more than two vardagar late, forfeited."""
    builder.rent_invoice(builder.premises_contract(contract), _vardag_before(builder.today, 3),
                         "Hyra enligt avtal, tillägg")


def _premises_within_two_vardagar(builder: RentArrears, contract: Lease) -> None:
    """Premises rent due on the vardag before today: within two vardagar, not forfeited."""
    builder.rent_invoice(builder.premises_contract(contract, 1), _vardag_before(builder.today, 1),
                         "Hyra enligt avtal, tillägg")


ARREARS_SCENARIOS = (
    _dwelling_past_the_week, _dwelling_past_the_week_partly_paid, _dwelling_within_the_week,
    _premises_past_two_vardagar, _premises_within_two_vardagar,
)
"""Late-paying tenants, appended to the builder's scenarios (each one invoice)."""
