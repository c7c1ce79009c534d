"""What the notice to socialnämnden must say of a dwelling that the ledger may lack: the
municipality of its property and its size (``tui-inkasso socialnamnd property``,
``tui-inkasso arrears size``). Each change is one transaction, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_inkasso.db.models import Property, RentalObject
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.municipality import MunicipalityError, municipality_name
from tui_inkasso.domain.rent_arrears import dwelling_size
from tui_inkasso.services import audit
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.transaction import write_transaction

MAX_ROOMS = 60
MAX_AREA = 10_000


class ObjectFactError(UserError):
    """A municipality or a size that cannot be saved; the message says why."""


@requires(StaffRole.CLERK, "ändra fastigheters kommun")
def set_property_municipality(property_code: str, municipality: str) -> str:
    """Set the municipality (kommun) a property lies in; returns the name as stored."""
    try:
        name = municipality_name(municipality)
    except MunicipalityError as exc:
        raise ObjectFactError(str(exc)) from None
    with write_transaction():
        row = Property.get_or_none(Property.code == property_code)
        if row is None:
            raise NotFound(f"fastighet {property_code} finns inte")
        if row.municipality != name:
            Property.update(municipality=name).where(Property.id == row.id).execute()
            audit.record("property.municipality", "property", property_code, {"old": row.municipality or None,
                                                                              "new": name})
    return name


@dataclass(frozen=True)
class DwellingSize:
    """An object's size as saved."""

    object_code: str
    rooms: str
    floor_area: int | None

    @property
    def text(self) -> str:
        return dwelling_size(self.rooms, self.floor_area)


@requires(StaffRole.CLERK, "ändra lägenheters storlek")
def set_dwelling_size(object_code: str, rooms: str, floor_area: int | None) -> DwellingSize:
    """Set an object's rooms ("2 rum och kök") and floor area in m² (None: unknown)."""
    rooms = " ".join(rooms.split())
    if len(rooms) > MAX_ROOMS:
        raise ObjectFactError(f"antal rum {rooms[:30]!r}… är längre än {MAX_ROOMS} tecken")
    if floor_area is not None and not 1 <= floor_area <= MAX_AREA:
        raise ObjectFactError(f"ytan {floor_area} m² är inte rimlig (1–{MAX_AREA})")
    if not rooms and floor_area is None:
        raise ObjectFactError("ange antal rum, yta eller båda")
    with write_transaction():
        row = RentalObject.get_or_none(RentalObject.code == object_code)
        if row is None:
            raise NotFound(f"objekt {object_code} finns inte")
        old = dwelling_size(row.rooms, row.floor_area)
        RentalObject.update(rooms=rooms, floor_area=floor_area).where(RentalObject.id == row.id).execute()
        new = dwelling_size(rooms, floor_area)
        if old != new:
            audit.record("object.size", "rental_object", object_code, {"old": old or None, "new": new})
    return DwellingSize(object_code, rooms, floor_area)
