"""Money as integer öre.

Amounts never pass through float: a float cannot hold 0.10 exactly, and a ledger that is off by
one öre after a million bookings is wrong. Everything is parsed from text into öre and formatted
back from öre.
"""

from __future__ import annotations

import re

Ore = int
"""An amount in öre (1/100 SEK). Negative for credits and deductions."""

_AMOUNT = re.compile(r"^(?P<sign>[-+]?)(?P<kr>\d+)(?:[.,](?P<ore>\d{1,2}))?$")


MAX_AMOUNT: Ore = 99_999_999_999
"""The largest single amount the ledger books: 999 999 999,99 kr.

Far above any rent, invoice or settlement, and small enough that the sum of ten million such
amounts still fits the 64-bit integers SQLite and PostgreSQL store (a bank file's 18-digit amount
field does not: a few amounts near its maximum overflowed the database). Readers of files refuse
an amount above it with the line and the field.
"""


class MoneyError(ValueError):
    """Raised for text that is not an amount with at most two decimals."""


def parse_amount(text: str | int) -> Ore:
    """Parse "1234.50", "1 234,50", "-60" or "60.5" into öre.

    Spaces (also non-breaking) between digit groups are accepted, as Swedish users type them.
    More than two decimals is an error, never a rounding.
    """
    if isinstance(text, bool):
        raise MoneyError(f"inget belopp: {text!r}")
    if isinstance(text, int):
        return text * 100
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise MoneyError(f"inget belopp med högst två decimaler: {text!r}")
    ore = int(match["kr"]) * 100 + int((match["ore"] or "0").ljust(2, "0"))
    return -ore if match["sign"] == "-" else ore


def format_amount(ore: Ore) -> str:
    """Öre as a plain decimal string, "1234.50": the form used in JSON and files."""
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(ore), 100)
    return f"{sign}{kr}.{rest:02d}"


def format_sek(ore: Ore) -> str:
    """Öre as Swedish display text, "1 234,50" (thin grouping with a no-break space)."""
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(ore), 100)
    grouped = f"{kr:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{rest:02d}"


def format_kronor(ore: Ore) -> str:
    """An amount in running text, "1 234,50 kr": a no-break space before "kr" too, so the amount
    never breaks across lines."""
    return f"{format_sek(ore)}\u00a0kr"


def kr(amount: str) -> Ore:
    """Shorthand for literals in code and tests: ``kr("60")`` is 6000 öre."""
    return parse_amount(amount)
