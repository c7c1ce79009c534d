"""The register of socialnämnd addresses as a file: one municipality a line (``socialnamnd import``).

A CSV file as Excel or a text editor saves it: a header line naming the columns ``kommun`` and
``adress`` (``e-post`` may follow), then one line per municipality. The separator is ``;`` (what
Swedish Excel writes), a TAB, or ``,`` (then an address holding commas must be quoted). An
address's lines are separated by commas or ``|`` inside its field. UTF-8 (with or without a
byte order mark) or Windows-1252. Every refusal names the line and the column; nothing is read
in part.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from tui_inkasso.domain.email_address import EmailAddressError, normalize_email
from tui_inkasso.domain.municipality import (
    MunicipalityError,
    address_lines,
    municipality_key,
    municipality_name,
)

HEADERS = {"kommun": "municipality", "adress": "address", "e-post": "email", "epost": "email"}


class RegisterFileError(ValueError):
    """A register file that cannot be read; the message names the line and the column."""


@dataclass(frozen=True)
class BoardRow:
    """One municipality's board as the file gives it."""

    line: int
    municipality: str
    address: tuple[str, ...]
    email: str = ""


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_register(data: bytes) -> list[BoardRow]:
    """Every municipality of the file, checked; RegisterFileError for the first fault found."""
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise RegisterFileError("filen är tom: första raden ska vara rubrikerna kommun och adress") from None
    columns = [HEADERS.get(h.strip().lower()) for h in header]
    if "municipality" not in columns or "address" not in columns:
        raise RegisterFileError(f"rad 1: rubrikerna ska vara kommun och adress (och e-post); läste {header!r}")
    rows: list[BoardRow] = []
    seen: dict[str, int] = {}
    for line_no, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(columns) if name}
        try:
            name = municipality_name(values["municipality"])
        except MunicipalityError as exc:
            raise RegisterFileError(f"rad {line_no}, kolumn kommun: {exc}") from None
        try:
            lines = address_lines(values["address"])
        except MunicipalityError as exc:
            raise RegisterFileError(f"rad {line_no}, kolumn adress: {exc}") from None
        email = values.get("email", "")
        if email:
            try:
                email = normalize_email(email)
            except EmailAddressError as exc:
                raise RegisterFileError(f"rad {line_no}, kolumn e-post: {exc}") from None
        key = municipality_key(name)
        if key in seen:
            raise RegisterFileError(f"rad {line_no}: {name} står redan på rad {seen[key]}")
        seen[key] = line_no
        rows.append(BoardRow(line_no, name, lines, email))
    if not rows:
        raise RegisterFileError("filen har inga kommuner efter rubrikraden")
    return rows
