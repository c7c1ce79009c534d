"""SFI categories of object types.

The object type's SFI category decides what kind of debt a claim is in the agency's file
(seed guide "SFI-kategorins betydelse i inkassofilen", domain.md §5); each agency's code for
each category is in its entry in ``domain.collection_systems``.
"""

from __future__ import annotations

from enum import StrEnum


class SfiCategory(StrEnum):
    """The SFI category of an object type; NONE is "Ej vald" (not chosen)."""

    BOSTAD = "bostad"
    OVRIGA = "ovriga"
    PARKERING = "parkering"
    LAGER = "lager"
    GARAGE = "garage"
    NONE = "ej_vald"

    @property
    def label(self) -> str:
        """The Swedish name shown to users."""
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str | None) -> SfiCategory:
        """Read a category from a file or the user; None, "" and "ej vald" are NONE.

        Unknown text raises ``ValueError`` with a Swedish reason listing the stored codes.
        """
        if value is None or str(value).strip().lower() in ("", "none", "ej vald", "ej_vald"):
            return cls.NONE
        text = str(value).strip().lower().replace("ö", "o")
        if text in ("ovriga (lokaler)", "lokaler", "lokal"):
            return cls.OVRIGA
        try:
            return cls(text)
        except ValueError:
            raise ValueError(
                f"okänd SFI-kategori {value!r}; kända: " + ", ".join(c.value for c in cls)
            ) from None


_LABELS = {
    SfiCategory.BOSTAD: "Bostad",
    SfiCategory.OVRIGA: "Övriga (lokaler)",
    SfiCategory.PARKERING: "Parkering",
    SfiCategory.LAGER: "Lager",
    SfiCategory.GARAGE: "Garage",
    SfiCategory.NONE: "Ej vald",
}
