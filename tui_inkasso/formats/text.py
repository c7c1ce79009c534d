"""Text clean-up shared by the file formats: control characters and legacy encodings.

Agency files are often ISO-8859-1 and PDF core fonts are Latin-1, while customer names in the
ledger are Unicode (a Polish "ł", a typographic dash pasted from a mail). A name must either be
written in a form the reader understands or be refused with a message that names the character;
it must never turn into "?" silently.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

# Characters NFKD cannot reduce to a base letter, with the spelling Swedish registers use.
_SPECIAL: dict[str, str] = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ı": "i",
    "ħ": "h",
    "Ħ": "H",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\ufeff": "",
}


class UnencodableError(ValueError):
    """A character has no spelling in the target encoding; ``char`` is the culprit.

    The message is Swedish; the character's Unicode name stays as Unicode spells it.
    """

    def __init__(self, char: str, encoding: str) -> None:
        name = unicodedata.name(char, "namnlöst tecken")
        super().__init__(f"tecknet {char!r} (U+{ord(char):04X} {name}) kan inte skrivas i {encoding}")
        self.char = char
        self.encoding = encoding


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
"""A cell that begins with one of these is a formula to Excel or LibreOffice when the file is
opened or the cell edited ("CSV injection" through a customer name such as ``=HYPERLINK(...)``)."""


def defuse_formula(text: str) -> str:
    """``text`` as a value no spreadsheet evaluates: a leading apostrophe before a formula trigger
    (OWASP's advice for CSV; the Excel sheet uses the cell's quote prefix instead)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def one_line(text: str) -> str:
    """Replace line breaks, tabs and other control characters by one space.

    A multi-line address from the ledger would otherwise break a record in two.
    """
    if text.isprintable():
        return text
    return _CONTROL.sub(" ", text)


def check_encoding(encoding: str) -> str:
    """The codec's canonical name, or LookupError naming the unknown encoding."""
    return codecs.lookup(encoding).name


def is_encodable(text: str, encoding: str) -> bool:
    """True when every character of ``text`` has a byte form in ``encoding``."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def transliterate(text: str, encoding: str) -> str:
    """Spell ``text`` with the characters of ``encoding``; UnencodableError when one cannot be.

    Letters with diacritics the encoding lacks lose the diacritic ("č" -> "c"), a few letters get
    their usual Latin spelling ("ł" -> "l", "œ" -> "oe"); Swedish letters are kept wherever the
    encoding has them.
    """
    if text.isascii() or is_encodable(text, encoding):
        return text
    out: list[str] = []
    for char in text:
        if is_encodable(char, encoding):
            out.append(char)
            continue
        out.append(_spell(char, encoding))
    return "".join(out)


def _spell(char: str, encoding: str) -> str:
    """One character in the target encoding, or UnencodableError."""
    special = _SPECIAL.get(char)
    if special is not None and is_encodable(special, encoding):
        return special
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and base != char and is_encodable(base, encoding):
        return base
    raise UnencodableError(char, encoding)


def first_unencodable(text: str, encoding: str) -> str | None:
    """The first character of ``text`` that ``encoding`` lacks, or None."""
    for char in text:
        if not is_encodable(char, encoding):
            return char
    return None
