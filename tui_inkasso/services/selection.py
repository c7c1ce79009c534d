"""Standardurval: the common filter step of the dunning run, the collection wizard and the
balance-correction screens.

A :class:`Selection` is plain data (so the CLI, the daemon and the screens build it the same way)
and :func:`apply_selection` narrows any peewee query over ``Invoice`` by it. Property, area and
object type are matched through sub-selects on the indexed ``rental_object`` column, which keeps the
planner on the invoice indexes instead of joining a million rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import TypeVar, cast

import peewee as pw

from tui_inkasso.db.models import Customer, Invoice, ObjectType, Owner, Property, RentalObject
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads

_M = TypeVar("_M", bound=pw.Model)


class SelectionError(UserError):
    """A selection that names something that does not exist, or a reversed date range."""


@dataclass(frozen=True)
class Selection:
    """What to include; empty tuples and None mean "all"."""

    owners: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    object_types: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    def is_empty(self) -> bool:
        """True when the selection selects everything."""
        return self == Selection()

    def describe(self) -> str:
        """A one-line Swedish summary for screens, logs and file headers."""
        parts = []
        labels = {
            "owners": "Ägare",
            "properties": "Fastighet",
            "areas": "Område",
            "object_types": "Objektstyp",
            "customers": "Kund",
        }
        for name, label in labels.items():
            values = getattr(self, name)
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.kinds and set(self.kinds) != {"rent", "direct"}:
            parts.append("Hyresfakturor" if self.kinds == ("rent",) else "Direktfakturor")
        if self.due_from or self.due_to:
            start = self.due_from.isoformat() if self.due_from else "…"
            end = self.due_to.isoformat() if self.due_to else "…"
            parts.append(f"Förfallodag {start} – {end}")
        return "; ".join(parts) if parts else "Alla fakturor"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-friendly form (dates as ISO strings)."""
        data: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                data[f.name] = value.isoformat()
            elif isinstance(value, tuple):
                data[f.name] = list(value)
            else:
                data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Selection:
        """The reverse of :meth:`to_dict`."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw is None:
                continue
            if f.name in ("due_from", "due_to"):
                values[f.name] = dt.date.fromisoformat(str(raw))
            else:
                # to_dict wrote a list here (JSON has no tuple)
                values[f.name] = tuple(str(v) for v in cast("Iterable[object]", raw))
        return cls(**values)  # type: ignore[arg-type]  # each value was made for its field just above


@reads
def validate_selection(selection: Selection) -> None:
    """Refuse unknown codes and a reversed date range, naming what was wrong."""
    problems: list[str] = []
    checks: list[tuple[str, tuple[str, ...], pw.Field, str]] = [
        ("owners", selection.owners, Owner.code, "ägare"),
        ("properties", selection.properties, Property.code, "fastighet"),
        ("object_types", selection.object_types, ObjectType.code, "objektstyp"),
        ("customers", selection.customers, Customer.number, "kund"),
    ]
    for _name, values, column, label in checks:
        if not values:
            continue
        found = {row[0] for row in tuple_rows(column.model.select(column).where(column.in_(values)))}
        problems.extend(f"okänd {label}: {v}" for v in values if v not in found)
    if selection.areas:
        known = {row[0] for row in tuple_rows(Property.select(Property.area).where(Property.area.in_(selection.areas)))}
        problems.extend(f"okänt område: {a}" for a in selection.areas if a not in known)
    bad_kinds = [k for k in selection.kinds if k not in ("rent", "direct")]
    problems.extend(f"okänd fakturatyp: {k} (rent eller direct)" for k in bad_kinds)
    if selection.due_from and selection.due_to and selection.due_from > selection.due_to:
        problems.append("förfallodag från är efter förfallodag till")
    if problems:
        raise SelectionError("; ".join(problems))


def apply_selection(query: pw.ModelSelect[_M], selection: Selection) -> pw.ModelSelect[_M]:
    """``query`` (over Invoice) narrowed to the selection."""
    if selection.owners:
        query = query.where(Invoice.owner.in_(Owner.select(Owner.id).where(Owner.code.in_(selection.owners))))
    objects = _object_filter(selection)
    if objects is not None:
        query = query.where(Invoice.rental_object.in_(objects))
    if selection.customers:
        query = query.where(
            Invoice.customer.in_(Customer.select(Customer.id).where(Customer.number.in_(selection.customers)))
        )
    if selection.kinds:
        query = query.where(Invoice.kind.in_(selection.kinds))
    if selection.due_from:
        query = query.where(Invoice.due_date >= selection.due_from)
    if selection.due_to:
        query = query.where(Invoice.due_date <= selection.due_to)
    return query


def _object_filter(selection: Selection) -> pw.ModelSelect[RentalObject] | None:
    if not (selection.properties or selection.areas or selection.object_types):
        return None
    objects = RentalObject.select(RentalObject.id)
    if selection.properties or selection.areas:
        props = Property.select(Property.id)
        if selection.properties:
            props = props.where(Property.code.in_(selection.properties))
        if selection.areas:
            props = props.where(Property.area.in_(selection.areas))
        objects = objects.where(RentalObject.property.in_(props))
    if selection.object_types:
        types = ObjectType.select(ObjectType.id).where(ObjectType.code.in_(selection.object_types))
        objects = objects.where(RentalObject.object_type.in_(types))
    return objects


@dataclass(frozen=True)
class Choice:
    """A value to pick in the selection step, with its label."""

    value: str
    label: str


@dataclass(frozen=True)
class SelectionChoices:
    """What the selection step offers to pick from."""

    owners: list[Choice] = field(default_factory=list)
    properties: list[Choice] = field(default_factory=list)
    areas: list[Choice] = field(default_factory=list)
    object_types: list[Choice] = field(default_factory=list)


@reads
def selection_choices() -> SelectionChoices:
    """Owners, properties, areas and object types, for pickers."""
    owners = [Choice(o.code, f"{o.code} – {o.name}") for o in Owner.select().order_by(Owner.code)]
    props = [
        Choice(p.code, f"{p.code} – {p.designation} ({p.area})")
        for p in Property.select().order_by(Property.code)
    ]
    areas = sorted({p.area for p in Property.select(Property.area) if p.area})
    types = [Choice(t.code, f"{t.code} – {t.name}") for t in ObjectType.select().order_by(ObjectType.code)]
    return SelectionChoices(owners, props, [Choice(a, a) for a in areas], types)
