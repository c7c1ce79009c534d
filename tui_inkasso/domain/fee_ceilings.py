"""The statutory fee ceilings for reminders and collection demands, by date.

Lag (1981:739) om ersättning för inkassokostnader m.m. lets a creditor charge the debtor for
three measures only (2, 3 and 5 §§): a written payment reminder (skriftlig
betalningspåminnelse, 2 §, and only when agreed at the latest when the debt arose), a demand
letter that meets 5 § inkassolagen (1974:182) (3 § 1, the collection fee), and a written
payment plan (3 § 2). 4 § caps each: "Ersättning ska betalas, om det inte finns särskilda skäl
till annat, med högst 1. sextio kronor för skriftlig betalningspåminnelse ..., 2. etthundraåttio
kronor för krav ..., 3. etthundrasjuttio kronor för upprättande av amorteringsplan". 6 § makes
any contract term that widens the debtor's duty void. See docs/dunning.md, "The law".

Until 16 March 2013 the amounts were in förordning (1981:1057) om ersättning för
inkassokostnader m.m. (last 50 / 160 / 150 kr, SFS 2003:294, from 1 July 2003); lag (2013:56)
moved them into 4 § of the act at 60 / 180 / 170 kr. Each change applies to measures taken
from its day ("I fråga om åtgärder som har vidtagits före ikraftträdandet tillämpas äldre
bestämmelser"), so the ceiling that governs a letter is the one in force on the letter's date.

The ceilings are a hard limit, not a setting: a configured fee may be lower, never higher. A
future change in the law is one more row in :data:`FEE_CEILINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

LAW = "lag (1981:739) om ersättning för inkassokostnader m.m."
"""The act the ceilings come from, as the Swedish messages name it."""


class FeeKind(StrEnum):
    """A fee the act allows; the value is the stable code for settings and JSON."""

    REMINDER = "reminder"
    COLLECTION = "collection"
    PAYMENT_PLAN = "payment_plan"

    @property
    def label(self) -> str:
        """The fee's Swedish name, as a letter and a message say it."""
        return _LABELS[self]

    @property
    def section(self) -> str:
        """The section of the act that gives the right to the fee."""
        return _SECTIONS[self]


_LABELS = {
    FeeKind.REMINDER: "påminnelseavgift",
    FeeKind.COLLECTION: "inkassoavgift",
    FeeKind.PAYMENT_PLAN: "avgift för amorteringsplan",
}

_SECTIONS = {
    FeeKind.REMINDER: "2 §",
    FeeKind.COLLECTION: "3 § 1",
    FeeKind.PAYMENT_PLAN: "3 § 2",
}


class FeeCeilingError(ValueError):
    """No ceiling is known for the date asked (before the first row of the table)."""


@dataclass(frozen=True, slots=True)
class FeeCeilingRow:
    """The ceilings in force from ``valid_from`` (inclusive) until the next row.

    Amounts in öre. ``source`` names the statute that set them, for the docs and the tests.
    """

    valid_from: date
    reminder_ore: int
    collection_ore: int
    payment_plan_ore: int
    source: str

    def ceiling(self, kind: FeeKind) -> int:
        """The ceiling of ``kind`` in this row."""
        if kind is FeeKind.REMINDER:
            return self.reminder_ore
        if kind is FeeKind.COLLECTION:
            return self.collection_ore
        return self.payment_plan_ore


FEE_CEILINGS: tuple[FeeCeilingRow, ...] = (
    FeeCeilingRow(date(2003, 7, 1), 5000, 16000, 15000,
                  "förordning (1981:1057) i lydelse enligt SFS 2003:294"),
    FeeCeilingRow(date(2013, 3, 16), 6000, 18000, 17000,
                  "lag (1981:739) 4 § i lydelse enligt SFS 2013:56"),
)
"""One row per change, oldest first. Older amounts are not shipped: no source for them was
verified, and no letter this product writes is older than 2013."""


def ceiling_row(on_date: date, table: tuple[FeeCeilingRow, ...] = FEE_CEILINGS) -> FeeCeilingRow:
    """The row in force on ``on_date``; :class:`FeeCeilingError` before the first row."""
    found: FeeCeilingRow | None = None
    for row in table:
        if row.valid_from <= on_date:
            found = row
        else:
            break
    if found is None:
        raise FeeCeilingError(
            f"ingen känd högsta avgift enligt {LAW} för {on_date.isoformat()}; "
            f"tabellen börjar {table[0].valid_from.isoformat()}")
    return found


def fee_ceiling(kind: FeeKind, on_date: date) -> int:
    """The highest fee of ``kind`` in öre the law allows for a measure taken on ``on_date``."""
    return ceiling_row(on_date).ceiling(kind)


def format_kr(ore: int) -> str:
    """Öre as "60,00 kr" for the messages (no grouping: fees are small)."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor},{rest:02d} kr"


def fee_problem(kind: FeeKind, fee_ore: int, on_date: date) -> str | None:
    """Why a configured fee of ``fee_ore`` is unlawful on ``on_date``, or None when it is not.

    The reason is Swedish and names the law, for the settings screen and the CLI:
    "påminnelseavgiften 100,00 kr är högre än 60,00 kr, det högsta lag (1981:739) om
    ersättning för inkassokostnader m.m. 4 § tillåter; en lägre avgift går att ange, en högre
    inte".
    """
    if fee_ore < 0:
        return f"{kind.label}en får inte vara negativ ({format_kr(fee_ore)})"
    try:
        ceiling = fee_ceiling(kind, on_date)
    except FeeCeilingError as exc:
        return str(exc)
    if fee_ore <= ceiling:
        return None
    return (f"{kind.label}en {format_kr(fee_ore)} är högre än {format_kr(ceiling)}, det högsta "
            f"{LAW} 4 § tillåter; en lägre avgift går att ange, en högre inte")


def lawful_fee(kind: FeeKind, fee_ore: int, on_date: date) -> int:
    """``fee_ore`` cut to the ceiling in force on ``on_date`` (never below 0).

    For a run on a date after the law lowered a ceiling: the run charges what is lawful on the
    letter's date instead of stopping, while saving a configuration above it is refused.
    """
    return max(0, min(fee_ore, fee_ceiling(kind, on_date)))
