"""The register of socialnämnd addresses per municipality (Inställningar → Socialnämnder,
``tui-inkasso socialnamnd list|set|import``).

A termination of a dwelling for unpaid rent needs a notice to socialnämnden of the municipality
where the dwelling lies (12 kap. 44 § jordabalken); a run stops for a dwelling whose municipality
has no address here (``services/arrears_run.py``). Every change is one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from tui_inkasso.db.models import Property, Socialnamnd
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.email_address import EmailAddressError, normalize_email
from tui_inkasso.domain.municipality import (
    MunicipalityError,
    address_lines,
    municipality_key,
    municipality_name,
)
from tui_inkasso.fileio import InputFileError, read_regular_file
from tui_inkasso.formats.socialnamnd_register import RegisterFileError, read_register
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import write_transaction

MAX_FILE = 5 * 1024 * 1024
"""A register of Sweden's 290 municipalities is a few tens of kilobytes."""


class RegisterError(UserError):
    """A municipality or address that cannot be saved, or a file that cannot be read."""


@dataclass(frozen=True)
class Board:
    """One municipality's socialnämnd as registered, and how many properties lie there."""

    municipality: str
    address: tuple[str, ...]
    email: str
    changed_at: dt.datetime | None
    changed_by: str
    properties: int = 0

    @property
    def registered(self) -> bool:
        """False for a municipality of some property that has no address yet."""
        return bool(self.address)


def _boards() -> dict[str, Socialnamnd]:
    return {municipality_key(b.municipality): b for b in Socialnamnd.select()}


def _property_counts() -> dict[str, tuple[str, int]]:
    counts: dict[str, tuple[str, int]] = {}
    query = tuple_rows(Property.select(Property.municipality, pw.fn.COUNT(Property.id))
                       .where(Property.municipality != "").group_by(Property.municipality))
    for name, count in query:
        try:
            key = municipality_key(name)
        except MunicipalityError:
            continue
        shown, before = counts.get(key, (name, 0))
        counts[key] = (shown, before + count)
    return counts


@reads
def list_boards() -> list[Board]:
    """Every registered board, and every municipality of a property without one (no address),
    sorted by municipality."""
    boards = _boards()
    counts = _property_counts()
    result = [Board(b.municipality, tuple(b.address.split("\n")), b.email, b.changed_at, b.changed_by,
                    counts.get(key, ("", 0))[1]) for key, b in boards.items()]
    result += [Board(name, (), "", None, "", count) for key, (name, count) in counts.items() if key not in boards]
    return sorted(result, key=lambda b: b.municipality.casefold())


def board_for(municipality: str) -> Board | None:
    """The registered board of ``municipality`` (any spelling), or None."""
    try:
        key = municipality_key(municipality)
    except MunicipalityError:
        return None
    row = _boards().get(key)
    if row is None:
        return None
    return Board(row.municipality, tuple(row.address.split("\n")), row.email, row.changed_at, row.changed_by)


def _checked(municipality: str, address: str, email: str) -> tuple[str, tuple[str, ...], str]:
    try:
        name = municipality_name(municipality)
        lines = address_lines(address)
    except MunicipalityError as exc:
        raise RegisterError(str(exc)) from None
    if email.strip():
        try:
            email = normalize_email(email)
        except EmailAddressError as exc:
            raise RegisterError(str(exc)) from None
    return name, lines, email.strip()


@requires(StaffRole.ADMIN, "ändra socialnämnders adresser")
def set_board(municipality: str, address: str, email: str = "") -> Board:
    """Register or change one municipality's board address; audited with the old and new."""
    name, lines, email = _checked(municipality, address, email)
    with write_transaction():
        _save(name, lines, email)
    found = board_for(name)
    assert found is not None
    return found


def _save(name: str, lines: tuple[str, ...], email: str) -> str:
    """Insert or update one board; "new", "changed" or "unchanged"."""
    key = municipality_key(name)
    existing = _boards().get(key)
    stored = "\n".join(lines)
    if existing is not None and existing.address == stored and existing.email == email:
        return "unchanged"
    at, user = now(), current_user()
    if existing is None:
        Socialnamnd.create(municipality=name, address=stored, email=email, changed_at=at, changed_by=user)
    else:
        Socialnamnd.update(municipality=name, address=stored, email=email, changed_at=at,
                           changed_by=user).where(Socialnamnd.id == existing.id).execute()
    audit.record("socialnamnd.set", "socialnamnd", name, {
        "old": existing.address.replace("\n", ", ") if existing else None, "new": ", ".join(lines),
        "email": email})
    return "new" if existing is None else "changed"


@requires(StaffRole.ADMIN, "ta bort socialnämnder")
def remove_board(municipality: str) -> None:
    """Take a municipality's address out of the register; audited."""
    try:
        key = municipality_key(municipality)
    except MunicipalityError as exc:
        raise RegisterError(str(exc)) from None
    with write_transaction():
        row = _boards().get(key)
        if row is None:
            raise NotFound(f"{municipality} har ingen adress i registret")
        row.delete_instance()
        audit.record("socialnamnd.removed", "socialnamnd", row.municipality,
                     {"old": row.address.replace("\n", ", "), "new": None, "email": row.email})


@dataclass(frozen=True)
class ImportResult:
    """What an import of a register file did."""

    file: Path
    new: int
    changed: int
    unchanged: int

    @property
    def message(self) -> str:
        return (f"{self.file}: {self.new} nya, {self.changed} ändrade, {self.unchanged} oförändrade "
                "socialnämnder.")


@requires(StaffRole.ADMIN, "läsa in socialnämnder")
def import_boards(path: Path) -> ImportResult:
    """Read a register file (``formats/socialnamnd_register.py``) and save every line, all or
    nothing. RegisterError names the file, the line and the column of a fault."""
    try:
        data = read_regular_file(path, limit=MAX_FILE)
        rows = read_register(data)
    except InputFileError as exc:
        raise RegisterError(str(exc)) from None
    except RegisterFileError as exc:
        raise RegisterError(f"{path}: {exc}; inget har sparats") from None
    outcome = {"new": 0, "changed": 0, "unchanged": 0}
    with write_transaction():
        for row in rows:
            outcome[_save(row.municipality, row.address, row.email)] += 1
        audit.record("socialnamnd.imported", "socialnamnd", "", {"file": str(path), **outcome})
    return ImportResult(Path(path), outcome["new"], outcome["changed"], outcome["unchanged"])
