"""The collection systems (Inkassosystem): one entry each, everything the program knows about one.

The setting ``collection.system`` names what "Skapa underlag för inkasso" does with the invoices:
keep the cases in the program's own register, write an agency's case file, or write an Excel
sheet. Everything that differs between the systems is data in :data:`SYSTEMS`: the stored code,
what staff read, the case-number prefix, what a run writes, the agency file's layout and its
debt-type codes, and the settings a run reads. Code asks the entry (``spec.is_agency``,
``spec.writes_file`` ...), never for a system by name, so adding an agency is one entry here plus
its layout in ``formats/layouts/`` (docs/development.md, "How to add a collection agency").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from tui_inkasso.domain.sfi import SfiCategory

Output = Literal["register", "agency_file", "excel"]
"""What a run produces beside the cases: nothing (the in-house register), an agency's case file
(one per owner, in the agency's layout, queued for upload), or one Excel sheet."""

INTRUM_DEBT_TYPE: Mapping[SfiCategory, str] = {
    SfiCategory.BOSTAD: "17",
    SfiCategory.OVRIGA: "18",
    SfiCategory.PARKERING: "19",
    SfiCategory.LAGER: "20",
    SfiCategory.GARAGE: "30",
    SfiCategory.NONE: "99",
}

SVEA_DEBT_TYPE: Mapping[SfiCategory, str] = {
    SfiCategory.BOSTAD: "BO",
    SfiCategory.OVRIGA: "LO",
    SfiCategory.PARKERING: "PA",
    SfiCategory.LAGER: "LO",
    SfiCategory.GARAGE: "LO",
    SfiCategory.NONE: "LO",
}


@dataclass(frozen=True)
class CollectionSystemSpec:
    """One collection system: its code and names, what a run of it writes, what it needs."""

    code: str
    """Stored in the setting, on cases and files; the CLI's ``--system`` choice."""
    label: str
    """What staff read in sentences and lists ("Intrum", "eget ärenderegister", "Excelfil")."""
    choice_label: str
    """The setting's choice in the settings form and the audit log."""
    short_label: str
    """The case register's narrow column ("Eget", "Svea")."""
    case_prefix: str
    """Case numbers are ``<prefix>-<year>-<sequence>``, file ids ``<prefix><date>-<id>``."""
    output: Output
    layout: str | None = None
    """The agency file's layout: ``formats/layouts/<layout>.json`` (agency files only)."""
    debt_types: Mapping[SfiCategory, str] | None = None
    """The agency's debt-type code for each SFI category; without one the SFI category is used."""
    settings: tuple[str, ...] = field(default=())
    """The settings a run of this system reads (beyond ``collection.system`` itself)."""

    @property
    def is_agency(self) -> bool:
        """An agency gets a case file in its layout, one per owner, queued for upload."""
        return self.output == "agency_file"

    @property
    def writes_file(self) -> bool:
        """A run writes a file (an agency file or the Excel sheet) into the output folder."""
        return self.output != "register"

    @property
    def writes_excel(self) -> bool:
        """A run writes one Excel sheet, which staff read in the program (no agency reads it)."""
        return self.output == "excel"

    def debt_type(self, category: SfiCategory) -> str:
        """The debt type stored on a claim: the agency's code, or the SFI category's code."""
        return self.debt_types[category] if self.debt_types is not None else category.value

    def shown_debt_type(self, stored: str) -> str:
        """A stored debt type as staff read it: an agency's code as it is, an SFI category by name."""
        if self.debt_types is not None:
            return stored
        try:
            return SfiCategory.parse(stored).label
        except ValueError:
            return stored


_FILE_SETTINGS = ("collection.output_dir",)
_AGENCY_SETTINGS = (
    "collection.output_dir", "collection.upload_url", "collection.upload_password_file",
    "collection.upload_key_file", "collection.upload_ca_file", "collection.upload_known_hosts",
    "collection.agency_accounts",
)

INHOUSE = CollectionSystemSpec(
    "inhouse", "eget ärenderegister", "Eget ärenderegister (inhouse)", "Eget", "IK", "register",
)
"""The program's own case register (the demo ledger's system)."""

SYSTEMS: tuple[CollectionSystemSpec, ...] = (
    INHOUSE,
    CollectionSystemSpec(
        "intrum", "Intrum", "Intrum", "Intrum", "INT", "agency_file",
        layout="intrum", debt_types=INTRUM_DEBT_TYPE, settings=_AGENCY_SETTINGS,
    ),
    CollectionSystemSpec(
        "svea", "Svea Inkasso", "Svea Inkasso", "Svea", "SVEA", "agency_file",
        layout="svea", debt_types=SVEA_DEBT_TYPE, settings=_AGENCY_SETTINGS,
    ),
    CollectionSystemSpec(
        "none", "Excelfil", "Inget – Excelfil", "Excel", "XL", "excel", settings=_FILE_SETTINGS,
    ),
)
"""Every system, in the order the settings form and the CLI offer them."""

BY_CODE: Mapping[str, CollectionSystemSpec] = {spec.code: spec for spec in SYSTEMS}
CODES: tuple[str, ...] = tuple(spec.code for spec in SYSTEMS)
DEFAULT = "none"
"""A new ledger's system: the Excel sheet, which needs no agreement with anyone."""


def system_spec(code: str) -> CollectionSystemSpec:
    """The system stored as ``code`` (any case, spaces ignored); ValueError in Swedish if none."""
    spec = BY_CODE.get(str(code).strip().lower())
    if spec is None:
        raise ValueError(f"okänt inkassosystem {code!r}; välj {', '.join(CODES)}")
    return spec


def system_label(code: str) -> str:
    """What staff read for a stored system code (the code itself when it is unknown)."""
    spec = BY_CODE.get(code)
    return spec.label if spec is not None else code


def short_label(code: str) -> str:
    """The narrow label of a stored system code (the code itself when it is unknown)."""
    spec = BY_CODE.get(code)
    return spec.short_label if spec is not None else code


def debt_type(system: str, category: SfiCategory | str | None) -> str:
    """The debt type a file shows for ``category``: the agency's code, or the SFI category's name."""
    cat = category if isinstance(category, SfiCategory) else SfiCategory.parse(category)
    spec = BY_CODE.get(system)
    if spec is not None and spec.debt_types is not None:
        return spec.debt_types[cat]
    return cat.label
