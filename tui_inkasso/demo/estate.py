"""The demo's estate: properties, rental objects, tenants and their contracts (leases).

Built until the leases carry exactly the rent invoices asked for: first one property per owner
with every object type (so a small ledger has them all), then properties by owner weight; one big
company rents dozens of parking spaces (the ledger view's benchmark customer).
"""

from __future__ import annotations

import calendar
import datetime as dt

from tui_inkasso.db import models as m
from tui_inkasso.demo.catalogue import (
    AREAS,
    BIG_CUSTOMER_NUMBER,
    BLOCKS,
    MONTHS,
    OBJECT_TYPES,
    OWNERS,
    SLOPPY,
    STREETS,
)
from tui_inkasso.demo.people import People
from tui_inkasso.demo.state import Lease


class Estate(People):
    """Properties, objects, tenants and leases of the owners already written."""

    def _master_data(self, n_rent: int) -> None:
        """Properties, objects, customers and contracts until they carry ``n_rent`` rent invoices."""
        budget = n_rent
        if self.target >= 5_000:
            budget -= self._big_customer(min(25 + self.target // 100_000, 40), budget)
        owners = len(self.owner_ids)
        # first one property per owner, each with every object type, so small ledgers have all
        share = max(budget // (2 * owners), 1)
        for owner_index in range(owners):
            if budget > 0:
                budget -= self._property(owner_index, 1001 + owner_index, min(budget, share), complete=True)
        spec_order = [i for i, spec in enumerate(OWNERS[:owners]) for _ in range(spec.weight)]
        number = owners
        while budget > 0:
            owner_index = spec_order[number % len(spec_order)]
            number += 1
            budget -= self._property(owner_index, 1000 + number, budget, complete=False)

    def _new_property(self, owner_index: int, code: int, name: str | None = None) -> tuple[int, str, str, str]:
        rng = self.rng
        spec = OWNERS[owner_index]
        prop_id = self._id(m.Property)
        block = name or rng.choice(BLOCKS)
        street = f"{rng.choice(STREETS)} {rng.randrange(1, 60)}"
        postal = f"{spec.postal}{rng.randrange(1, 10)} {rng.randrange(10, 99)}"
        self._add(m.Property, (
            prop_id, str(code), self.owner_ids[owner_index], f"{block} {rng.randrange(1, 30)}:{rng.randrange(1, 200)}",
            f"Kv. {block}", AREAS[code % len(AREAS)],
        ))
        return prop_id, street, postal, spec.city

    def _property(self, owner_index: int, code: int, budget: int, *, complete: bool) -> int:
        """One property with its objects and contracts; returns the rent invoices it carries."""
        rng = self.rng
        prop_id, street, postal, city = self._new_property(owner_index, code)
        counts = [rng.randrange(8, 49), rng.randrange(0, 4), rng.randrange(4, 25), rng.randrange(0, 7),
                  rng.randrange(0, 7), rng.randrange(0, 2), rng.randrange(0, 3)]
        if complete:
            counts = [max(c, 1) for c in counts]
        order = [t for round_ in range(max(counts)) for t in range(len(counts)) if round_ < counts[t]]
        tenants: list[int] = []
        used = 0
        serial = [0] * len(counts)
        for type_index in order:
            if used >= budget:
                break
            serial[type_index] += 1
            used += self._object(prop_id, code, owner_index, type_index, serial[type_index],
                                 street, postal, city, tenants, budget - used)
        return used

    def _object(self, prop_id: int, code: int, owner_index: int, type_index: int, serial: int,
                street: str, postal: str, city: str, tenants: list[int], budget: int,
                customer: int | None = None) -> int:
        """One rental object and its tenants' contracts; returns the rent invoices they carry."""
        rng = self.rng
        type_code = OBJECT_TYPES[type_index][0]
        obj_code, address = _object_code(code, type_code, serial, street)
        obj_id = self._id(m.RentalObject)
        self._add(m.RentalObject, (obj_id, obj_code, prop_id, self.type_ids[type_index], address))
        spans = [(0, MONTHS)]
        if rng.random() < 0.12:
            cut = rng.randrange(1, MONTHS)
            spans = [(0, cut), (cut, MONTHS)]
        used = 0
        for start, end in spans:
            if used >= budget:
                break
            start = max(start, end - (budget - used))
            tenant = customer or self._tenant(type_index, tenants, address, postal, city)
            self._contract(tenant, obj_id, owner_index, type_index, start, end, obj_code)
            used += end - start
        return used

    def _tenant(self, type_index: int, tenants: list[int], address: str, postal: str, city: str) -> int:
        code = OBJECT_TYPES[type_index][0]
        if code in ("LOK", "KONT"):
            return self._customer(company=True, address=address, postal=postal, city=city)
        if code != "LGH" and tenants and self.rng.random() < 0.55:
            return tenants[int(self.rng.random() * len(tenants))]
        company = code in ("GAR", "OVR") and self.rng.random() < 0.2
        customer = self._customer(company=company, address=address, postal=postal, city=city)
        if code == "LGH":
            tenants.append(customer)
        return customer

    def _contract(self, customer: int, obj_id: int, owner_index: int, type_index: int,
                  start: int, end: int, obj_code: str) -> None:
        rng = self.rng
        _code, _name, _sfi, (low, high), vat_for_company, label = OBJECT_TYPES[type_index]
        person = self.customers[customer]
        company = bool(person.sender)
        rent = rng.randrange(low, high + 1) * 100
        extra = None
        if _code == "LGH" and rng.random() < 0.25:
            extra = ("Bredband", 9900) if rng.random() < 0.6 else ("Hushållsel", rng.randrange(250, 700) * 100)
        contract_id = self._id(m.Contract)
        started = (self.months[0].first - dt.timedelta(days=rng.randrange(30, 365 * 12))).replace(day=1) \
            if start == 0 else self.months[start].first
        ended = self.months[end - 1].first.replace(day=calendar.monthrange(
            self.months[end - 1].first.year, self.months[end - 1].first.month)[1]) if end < MONTHS else None
        fee_allowed = rng.random() < 0.97
        label_text = f"{label} {obj_code.split('-')[-1][1:]}" if _code in ("PP", "GAR", "FRD") else label
        contract = Lease(contract_id, f"A{contract_id:07d}", customer, obj_id, owner_index, type_index,
                             start, end, rent, vat_for_company and company, extra, fee_allowed, label_text)
        contract.first_year = _bill(rent - rent * 3 // 10_000 * 100, extra, contract.vat)
        contract.later = _bill(rent, extra, contract.vat)
        self.contracts.append(contract)
        self._add(m.Contract, (
            contract_id, contract.number, customer, obj_id, self.ds[started],
            self.ds[ended] if ended else None, rent, self.flag(fee_allowed),
        ))

    def _big_customer(self, spaces: int, budget: int) -> int:
        """A company renting many parking spaces: hundreds of invoices in one ledger view."""
        prop_id, street, postal, city = self._new_property(0, 999, name="Parkeringshuset")
        customer = self._customer(company=True, address="Industrivägen 7", postal="117 43", city="Stockholm",
                                  name="Bilpoolen Sverige AB", profile=SLOPPY, number=BIG_CUSTOMER_NUMBER)
        used = 0
        for serial in range(1, spaces + 1):
            if used >= budget:
                break
            used += self._object(prop_id, 999, 0, 2, serial, street, postal, city, [], budget - used,
                                 customer=customer)
        return used



def _bill(rent: int, extra: tuple[str, int] | None, vat: bool) -> tuple[tuple[tuple[str, int], ...], int]:
    """A rent invoice's rows (rent, an extra such as broadband, VAT for premises) and its total."""
    rows = [("", rent)]
    if extra:
        rows.append(extra)
    net = sum(amount for _, amount in rows)
    if vat:
        rows.append(("Moms 25 %", net // 4))
    return tuple(rows), sum(amount for _, amount in rows)



def _object_code(prop: int, type_code: str, serial: int, street: str) -> tuple[str, str]:
    """Object code and address in the style of the import example: 1001-1101, 1001-P07."""
    if type_code == "LGH":
        floor, door = divmod(serial - 1, 4)
        number = f"{floor + 1:02d}{door + 1:02d}"
        return f"{prop}-{number}", f"{street}, lgh {number}"
    prefix = {"LOK": "L", "KONT": "K", "PP": "P", "FRD": "F", "GAR": "G", "OVR": "X"}[type_code]
    word = {"LOK": "lokal", "KONT": "kontor", "PP": "p-plats", "FRD": "förråd", "GAR": "garage",
            "OVR": "övrigt"}[type_code]
    return f"{prop}-{prefix}{serial:02d}", f"{street}, {word} {serial}"
