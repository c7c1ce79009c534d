"""The pure rules of reminder and demand runs (påminnelse- och kravkörning).

A run gives every overdue invoice the next configured dunning level whose time has come. The
rules here take plain values (dates, öre, level numbers) so that the service can apply them to
a million invoices without a query per invoice, and so that tests need no database.

Legal frame (see docs/dunning.md):

* Fees: lag (1981:739) om ersättning för inkassokostnader m.m. A reminder fee (skriftlig
  betalningspåminnelse) may only be charged when it was agreed when the debt arose (2 §) and is
  capped at 60 kr; a collection demand (betalningskrav) at 180 kr (4 §). The caps are settings
  with those defaults (:class:`FeeCaps`).
* Payment deadline: inkassolagen (1974:182) and the Swedish Authority for Privacy Protection's
  guidance ask for a reasonable time to pay, normally at least eight days, so a level's
  deadline is at least 8 days.
* A deadline or due date on a weekend or bank holiday moves to the next bank day.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tui_inkasso.domain.bank_days import add_days_to_bank_day, next_bank_day

MIN_DEADLINE_DAYS = 8
"""The shortest payment deadline a level may give (inkassolagen's "skälig tid")."""

LETTER_TEXT_WIDTH = 88
"""Characters per line the level's letter text is wrapped at, in the preview and the PDF alike."""

LETTER_TEXT_MAX_LINES = 14
"""Wrapped lines of letter text that fit on the one page a letter has."""

LETTER_CHAR_SUBSTITUTES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u2009": " ",
    "\u202f": "\u00a0",
    "\u20ac": "EUR",
    "\t": " ",
}
"""Typographic characters people paste into letter texts, and the Latin-1 text printed for them.

The letter PDF uses the PDF core fonts, which print Latin-1 (å ä ö é ü § and the like)."""

_SUBSTITUTE_TABLE = {ord(ch): text for ch, text in LETTER_CHAR_SUBSTITUTES.items()}

_LONGEST_CLOSED_RUN = 10
"""More than the longest run of days Swedish banks are closed (Christmas to a weekend: 5)."""

Issued = tuple[int, date]
"""A dunning level already issued for an invoice: (level number, issued on)."""

REMINDER_LEVEL = 1
"""Dunning level 1 is the reminder (påminnelse); every later level is a demand (krav)."""


def is_demand_level(level: int) -> bool:
    """True when dunning level number ``level`` is a demand (krav), False for the reminder.

    The one place that decides a level's kind from its number: the levels read from the store,
    the ledger import, the CLI's level files, the settings screen, a rebuilt letter and an
    invoice's status all ask here. Today the kind is the position (level 1 the reminder, every
    later one a demand); when levels carry a configured kind (``domain/level_kinds.py``), that
    kind decides and this stays the reading of a level stored without one.
    """
    return level > REMINDER_LEVEL


def level_kind_label(level: int) -> str:
    """"Påminnelse" or "Krav": the kind of level ``level`` as the settings screen names it."""
    return "Krav" if is_demand_level(level) else "Påminnelse"


@dataclass(frozen=True, slots=True)
class DunningLevel:
    """One configured dunning level.

    ``days`` counts from the due date (moved to a bank day) for level 1, and from the date the
    previous level was issued for the later ones. ``is_demand`` tells a demand (krav, capped at
    the demand fee) from a reminder (påminnelse, capped at the reminder fee and only charged
    where the contract allows it). ``kind`` is the level's ``domain.level_kinds.LevelKind`` code
    (påminnelse, påminnelse utan avgift, inkassokrav), which decides the fee the law allows it
    and what its letter must say; "" for a level stored without one (read with
    ``level_kinds.default_kind``).
    """

    level: int
    name: str
    days: int
    fee_ore: int
    deadline_days: int
    letter_text: str
    is_demand: bool
    kind: str = ""


@dataclass(frozen=True, slots=True)
class FeeCaps:
    """The highest fees the law allows, kept in the settings (lag (1981:739) 4 §)."""

    reminder_ore: int = 6000
    demand_ore: int = 18000


def printable_letter_text(text: str) -> str:
    """``text`` with the typographic characters of :data:`LETTER_CHAR_SUBSTITUTES` replaced."""
    return text if text.isascii() and "\t" not in text else text.translate(_SUBSTITUTE_TABLE)


def wrap_letter_text(text: str, width: int = LETTER_TEXT_WIDTH) -> list[str]:
    """The letter text as printed lines: paragraphs kept, each wrapped at ``width``.

    One function for the preview and the PDF, so both break the lines at the same places.
    """
    return list(_wrapped(text, width))


@functools.lru_cache(maxsize=256)
def _wrapped(text: str, width: int) -> tuple[str, ...]:
    """Cached: a run prints the same few level texts on thousands of letters."""
    lines: list[str] = []
    for paragraph in printable_letter_text(text).strip("\n").splitlines():
        stripped = paragraph.strip()
        if not stripped:
            lines.append("")
            continue
        lines.extend(textwrap.wrap(stripped, width=width, break_on_hyphens=False) or [""])
    return tuple(lines)


def validate_levels(levels: Sequence[DunningLevel], caps: FeeCaps | None = None) -> list[str]:
    """Everything wrong with a configuration of levels, as Swedish text for the settings screen.

    An empty list means the levels can be saved. The rules: levels numbered 1, 2, 3 ... in
    order; a name; at least one day before each level; a fee that is not negative (and within
    ``caps`` when given); a payment deadline of at least 8 days; a later level not sent before
    the previous letter's deadline has run out; reminders before demands and at least one
    demand (collection needs one); a letter text that fits the page and the font.
    """
    if not levels:
        return ["Inga kravnivåer är inlagda: minst en nivå (ett krav) behövs före inkasso."]
    problems: list[str] = []
    for position, level in enumerate(levels, start=1):
        problems.extend(_level_problems(position, level, caps))
        if position > 1:
            problems.extend(_sequence_problems(levels[position - 2], level))
    if not any(level.is_demand for level in levels):
        problems.append("Minst en nivå måste vara ett krav innan en faktura kan gå till inkasso.")
    return problems


def _where(level: DunningLevel) -> str:
    return f"Nivå {level.level} ({level.name or 'utan namn'})"


def _level_problems(position: int, level: DunningLevel, caps: FeeCaps | None) -> list[str]:
    where = _where(level)
    problems: list[str] = []
    if level.level != position:
        problems.append(f"{where}: har nummer {level.level} men står på plats {position}; "
                        f"nivåerna ska numreras 1, 2, 3 ... i ordning.")
    if not level.name.strip():
        problems.append(f"{where}: namn saknas.")
    if level.days < 1:
        problems.append(f"{where}: antal dagar är {level.days}; minst 1.")
    if level.fee_ore < 0:
        problems.append(f"{where}: avgiften får inte vara negativ.")
    if caps is not None:
        cap = caps.demand_ore if level.is_demand else caps.reminder_ore
        if level.fee_ore > cap:
            kind = "kravavgift" if level.is_demand else "påminnelseavgift"
            problems.append(f"{where}: avgiften {_kr(level.fee_ore)} är högre än högsta "
                            f"{kind} {_kr(cap)} (lag (1981:739) 4 §).")
    if level.deadline_days < MIN_DEADLINE_DAYS:
        problems.append(f"{where}: betalningstiden är {level.deadline_days} dagar; "
                        f"minst {MIN_DEADLINE_DAYS}.")
    problems.extend(f"{where}: {p}" for p in letter_text_problems(level.letter_text))
    return problems


def _sequence_problems(previous: DunningLevel, level: DunningLevel) -> list[str]:
    where = _where(level)
    problems: list[str] = []
    if level.days < previous.deadline_days:
        problems.append(f"{where}: skickas {level.days} dagar efter föregående nivå, men dess "
                        f"betalningstid är {previous.deadline_days} dagar; öka antal dagar.")
    if previous.is_demand and not level.is_demand:
        problems.append(f"{where}: en påminnelse kan inte komma efter ett krav.")
    return problems


def letter_text_problems(text: str) -> list[str]:
    """Why a letter text cannot be printed: too long for the page, or unprintable characters."""
    problems: list[str] = []
    lines = wrap_letter_text(text)
    if len(lines) > LETTER_TEXT_MAX_LINES:
        problems.append(f"brevtexten blir {len(lines)} rader; högst {LETTER_TEXT_MAX_LINES} "
                        f"(à {LETTER_TEXT_WIDTH} tecken) får plats.")
    bad = sorted({ch for ch in printable_letter_text(text) if ord(ch) > 0xFF or
                  (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) < 0xA0})
    if bad:
        shown = " ".join(f"U+{ord(ch):04X}" for ch in bad)
        problems.append(f"brevtexten har tecken som inte kan skrivas ut: {shown}.")
    return problems


def _kr(ore: int) -> str:
    kronor, rest = divmod(ore, 100)
    return f"{kronor},{rest:02d} kr"


def capped_fee(level: DunningLevel, caps: FeeCaps, reminder_fee_allowed: bool) -> int:
    """The fee in öre a notice of ``level`` may charge.

    A reminder charges nothing unless the contract allows a reminder fee (lag (1981:739) 2 §);
    every fee is cut to its cap; a negative configured fee charges nothing.
    """
    if level.is_demand:
        return max(0, min(level.fee_ore, caps.demand_ore))
    if not reminder_fee_allowed:
        return 0
    return max(0, min(level.fee_ore, caps.reminder_ore))


def payment_deadline(issued_on: date, level: DunningLevel) -> date:
    """Betalas senast: ``deadline_days`` after the letter's date, moved to the next bank day."""
    return add_days_to_bank_day(issued_on, level.deadline_days)


def next_level_due(
    due_date: date,
    issued: Sequence[Issued],
    levels: Sequence[DunningLevel],
    run_date: date,
) -> DunningLevel | None:
    """The level an invoice gets in a run on ``run_date``, or None.

    The candidate is the level after the highest one issued (``levels`` numbered 1..n in order,
    as :func:`validate_levels` demands). Level 1 is due when ``run_date`` is at least ``days``
    after the due date, the due date first moved to the next bank day (rent due on a Saturday
    is on time when paid on Monday). A later level is due ``days`` after the previous level
    was issued, and never before that letter's own payment deadline has passed: the debtor
    always gets the time to pay a letter promised.
    """
    highest = 0
    previous_on: date | None = None
    for number, issued_on in issued:
        if number > highest:
            highest, previous_on = number, issued_on
    if highest >= len(levels):
        return None
    level = levels[highest]
    run = run_date.toordinal()
    if previous_on is None:
        return level if run >= next_bank_day(due_date).toordinal() + level.days else None
    since = run - previous_on.toordinal()
    if since < level.days:
        return None
    previous = levels[highest - 1]
    # The deadline moves past at most a few closed days (Easter, Christmas): only near the
    # deadline is it worth computing.
    if since <= previous.deadline_days + _LONGEST_CLOSED_RUN and \
            run_date <= payment_deadline(previous_on, previous):
        return None
    return level


def is_ready_for_collection(
    balance_ore: int,
    issued_levels: Iterable[int] | Iterable[Issued],
    levels: Sequence[DunningLevel],
    last_deadline: date | None,
    today: date,
) -> bool:
    """True when an invoice may go to collection (domain.md, "Ready for collection").

    It has a balance, every configured level has been issued for it (``issued_levels`` are
    level numbers, or the same (level, issued on) pairs :func:`next_level_due` takes) and the
    last level's payment deadline has passed. With no level configured nothing is ready: a
    demand must come before collection. Being collection-marked or excluded is the service's
    check, as those live in the database.
    """
    if balance_ore <= 0 or not levels or last_deadline is None or today <= last_deadline:
        return False
    numbers = {item[0] if isinstance(item, tuple) else item for item in issued_levels}
    return all(level.level in numbers for level in levels)
