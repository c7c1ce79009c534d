"""Counts as staff read them: "1 faktura", "20 022 fakturor".

Thousands are grouped with a no-break space, as amounts are (``money.format_sek``), and the
count is joined to its noun with one too, so "20 022 fakturor" never breaks across two lines;
the noun agrees with the number (Swedish: one is singular, everything else plural, 0 included).
"""

from __future__ import annotations

NBSP = "\u00a0"
"""The no-break space used inside a count and between a count and its noun."""


def format_count(count: int) -> str:
    """A whole number with no-break spaces between the thousands ("20 022")."""
    sign = "-" if count < 0 else ""
    return sign + f"{abs(count):,}".replace(",", NBSP)


def count_of(count: int, singular: str, plural: str) -> str:
    """The count and the noun that agrees with it ("1 faktura", "0 fakturor", "20 022 fakturor")."""
    return f"{format_count(count)}{NBSP}{singular if count == 1 else plural}"
