"""Municipalities and the postal addresses of their socialnämnd, as staff type them.

The notice of a dwelling tenant's termination goes to "socialnämnden i den kommun där
lägenheten är belägen" (förordning (1978:314), formulär 1). A municipality is named as people
write it ("Uppsala", "Upplands Väsby"); "Uppsala kommun" and "uppsala" are the same one, so
names are compared without case and without the word "kommun". An address is a few lines (the
board or its office, a box or street, the postal code and town), typed on one line separated by
commas or given one per line.
"""

from __future__ import annotations

import re

from tui_inkasso.domain.safe_text import clean_text

MAX_MUNICIPALITY = 60
MAX_ADDRESS_LINES = 6
MAX_ADDRESS_LINE = 80

_SUFFIX = re.compile(r"(^|\s+)kommun$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_POSTAL_CODE = re.compile(r"\b\d{3} ?\d{2}\b")


class MunicipalityError(ValueError):
    """A municipality name or a board address that cannot be used (the message is Swedish)."""


def municipality_name(text: str) -> str:
    """The municipality as stored: clean, single spaces, without "kommun", first letter capital.

    MunicipalityError when it is empty, too long or has characters no name has.
    """
    name = _SUFFIX.sub("", _SPACES.sub(" ", clean_text(str(text))).strip()).strip()
    if not name:
        raise MunicipalityError("kommunens namn är tomt")
    if len(name) > MAX_MUNICIPALITY:
        raise MunicipalityError(f"kommunens namn {name!r} är längre än {MAX_MUNICIPALITY} tecken")
    if not re.fullmatch(r"[\wÅÄÖåäöÉé .'\-]+", name) or name[0].isdigit():
        raise MunicipalityError(f"{name!r} är inget kommunnamn (bokstäver, mellanslag och bindestreck)")
    return name[0].upper() + name[1:]


def municipality_key(text: str) -> str:
    """What two spellings of one municipality have in common (for look-ups)."""
    return municipality_name(text).casefold()


def address_lines(text: str) -> tuple[str, ...]:
    """A board's postal address as lines, from "Socialförvaltningen, Box 1, 751 04 Uppsala" or
    one line per line. MunicipalityError when it is empty, too long or has no postal code."""
    parts = [_SPACES.sub(" ", clean_text(part)).strip() for part in re.split(r"[\n|,]", str(text))]
    lines = tuple(part for part in parts if part)
    if not lines:
        raise MunicipalityError("adressen är tom")
    if len(lines) > MAX_ADDRESS_LINES:
        raise MunicipalityError(f"adressen har {len(lines)} rader; högst {MAX_ADDRESS_LINES}")
    for line in lines:
        if len(line) > MAX_ADDRESS_LINE:
            raise MunicipalityError(f"adressraden {line[:30]!r}… är längre än {MAX_ADDRESS_LINE} tecken")
    if not _POSTAL_CODE.search(lines[-1]):
        raise MunicipalityError(f"adressens sista rad {lines[-1]!r} saknar postnummer (t.ex. '751 04 Uppsala')")
    return lines
