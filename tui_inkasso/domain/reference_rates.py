"""The Riksbank's reference rate per half year, with the source of every row shipped.

Räntelagen (1975:635) 6 §: late-payment interest (dröjsmålsränta) is "en räntefot som
motsvarar det vid varje tid gällande referensräntan med tillägg av åtta procentenheter".
9 §: the Riksbank fixes the reference rate for each calendar half year; it equals the
Riksbank's policy rate at the end of the previous half year, rounded up to the nearest half
percentage point if needed (riksbank.se, "Referensräntan fastställd till 3,50 procent",
2023-07-03), and is announced in Svensk författningssamling.

A run, a letter or a collection file that computes interest for a day needs the rate of that
day's half year. A half year without its own row in the table is *missing*: the interest of
such a day is unknown, and :func:`missing_rate_message` says which half year and the two ways
staff enter it (the settings screen, or ``tui-inkasso rates set`` on a server without the app).
The shipped table holds only rates with a source (docs/dunning.md, "The reference rate"); staff
add each new half year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tui_inkasso.domain.interest import (
    DEFAULT_MARGIN_BP,
    InterestError,
    ReferenceRate,
    format_rate_bp,
    half_year_start,
)
from tui_inkasso.domain.money import MoneyError, parse_amount

WHERE_TO_ENTER = "under Inställningar, Alternativ – Påminnelse/krav"
"""Where staff add a reference rate in the app (the settings screen's block of rates)."""

RATE_LIMITS_BP = (-1000, 5000)
"""The rates a table may hold (``interest.validate_rates``): -10 % to 50 %."""


def command_to_enter(start: date) -> str:
    """The command that enters the half year starting on ``start``, for a server without the app."""
    return f"tui-inkasso rates set {start.isoformat()} RÄNTA"


def where_to_enter(start: date) -> str:
    """Both ways to enter the rate of the half year starting on ``start``, for a message."""
    return f"{WHERE_TO_ENTER} eller med kommandot {command_to_enter(start)}"


class RateInputError(ValueError):
    """A half year or a rate typed by staff that cannot be stored; the message says why."""


def parse_rate_percent(text: str) -> int:
    """A rate typed in percent, "2,00", "2.00", "2", "-0,50" or "2,00 %", as basis points.

    At most two decimals (the Riksbank fixes the rate in hundredths of a percent point and
    the table stores it so); the comma is the Swedish decimal sign, a dot is accepted too.
    """
    cleaned = text.strip().removesuffix("%").strip()
    try:
        rate_bp = parse_amount(cleaned)
    except MoneyError:
        raise RateInputError(f"{text!r} är ingen procentsats med högst två decimaler "
                             "(t.ex. 2,00 eller 2.00)") from None
    check_rate_bounds(rate_bp)
    return rate_bp


def check_rate_bounds(rate_bp: int) -> None:
    """Raise :class:`RateInputError` for a rate outside :data:`RATE_LIMITS_BP` (a typo)."""
    low, high = RATE_LIMITS_BP
    if not low <= rate_bp <= high:
        raise RateInputError(f"räntan {format_rate_bp(rate_bp)} är orimlig "
                             f"(den ska ligga mellan {format_rate_bp(low)} och {format_rate_bp(high)})")


def check_half_year_start(valid_from: date) -> None:
    """Raise :class:`RateInputError` unless ``valid_from`` is 1 January or 1 July: the
    reference rate is fixed per calendar half year (räntelagen 9 §)."""
    if (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
        raise RateInputError(
            f"{valid_from.isoformat()} är inget halvårsskifte: referensräntan gäller för ett "
            f"kalenderhalvår från 1 januari eller 1 juli (t.ex. {half_year_start(valid_from).isoformat()})")

_LOANSTER = "https://loanster.se/guider/referensranta/ (Riksbankens tabell, återgiven)"
_RULE = ("räntelagen 9 §: styrräntan vid halvårets utgång, avrundad uppåt till närmast halv "
         "procentenhet; styrräntan enligt https://www.mystep.se/styrranta (Riksbankens besked)")


@dataclass(frozen=True, slots=True)
class SourcedRate:
    """A shipped reference rate and where it was read."""

    valid_from: date
    rate_bp: int
    source: str

    @property
    def rate(self) -> ReferenceRate:
        """The row as the interest functions take it."""
        return ReferenceRate(self.valid_from, self.rate_bp)


SHIPPED_RATES: tuple[SourcedRate, ...] = (
    SourcedRate(date(2020, 1, 1), 0, _LOANSTER),
    SourcedRate(date(2020, 7, 1), 0, _LOANSTER),
    SourcedRate(date(2021, 1, 1), 0, _LOANSTER),
    SourcedRate(date(2021, 7, 1), 0, _LOANSTER),
    SourcedRate(date(2022, 1, 1), 0, _LOANSTER),
    SourcedRate(date(2022, 7, 1), 50, _LOANSTER),
    SourcedRate(date(2023, 1, 1), 250,
                "https://www.riksbank.se/sv/statistik/ (Referensränta 2,50 %, "
                "1 januari – 30 juni 2023)"),
    SourcedRate(date(2023, 7, 1), 350,
                "https://www.riksbank.se/sv/press-och-publicerat/nyheter-och-pressmeddelanden/"
                "nyheter/2023/referensrantan-faststalld-till-350-procent/"),
    SourcedRate(date(2024, 1, 1), 400,
                "https://www.capway.se/2024/01/02/referensrantan-faststalld-till-400/"),
    SourcedRate(date(2024, 7, 1), 400, _RULE + ": 3,75 % från 2024-05-15"),
    SourcedRate(date(2025, 1, 1), 300, _RULE + ": 2,75 % från 2024-11-13"),
    SourcedRate(date(2025, 7, 1), 200, _RULE + ": 2,00 % från 2025-06-25"),
    SourcedRate(date(2026, 1, 1), 200, _RULE + ": 1,75 % från 2025-10-01, oförändrad i "
                "december 2025 (https://www.fastighetsvarlden.se/notiser/riksbankens-rantebesked-5/)"),
)
"""Oldest first. 2026-07-01 is not shipped: the policy rate at 2026-06-30 was not found."""


def shipped_reference_rates() -> list[ReferenceRate]:
    """The shipped table as :class:`ReferenceRate` rows (the settings' seed)."""
    return [row.rate for row in SHIPPED_RATES]


def next_half_year(start: date) -> date:
    """The first day of the half year after the one starting on ``start``."""
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def half_years(from_date: date, to_date: date) -> list[date]:
    """The first days of the half years that the days ``from_date`` .. ``to_date`` touch."""
    if to_date < from_date:
        return []
    starts: list[date] = []
    current = half_year_start(from_date)
    while current <= to_date:
        starts.append(current)
        current = next_half_year(current)
    return starts


def interest_half_years(due_date: date, to_date: date) -> list[date]:
    """The half years late interest on a claim due ``due_date`` needs up to ``to_date``.

    Interest runs from the day after the due date up to and including ``to_date``
    (docs/dunning.md, "Late-payment interest"); nothing is needed when ``to_date`` is not later.
    """
    return half_years(due_date + timedelta(days=1), to_date)


def missing_half_years_for(rates: Iterable[ReferenceRate], from_date: date,
                           to_date: date) -> list[date]:
    """The half years in ``from_date`` .. ``to_date`` that have no row of their own in ``rates``.

    Unlike :func:`~tui_inkasso.domain.interest.missing_half_years` (every gap since the
    table's first row, for a warning) this asks only about the days a computation needs, and a
    missing half year here means the computation must be refused, not carried on with an older
    rate.
    """
    known = {rate.valid_from for rate in rates}
    return [start for start in half_years(from_date, to_date) if start not in known]


def half_year_label(start: date) -> str:
    """"2026-07-01–2026-12-31": the half year starting on ``start``, in the messages' form."""
    end = next_half_year(start) - timedelta(days=1)
    return f"{start.isoformat()}–{end.isoformat()}"


def missing_rate_message(missing: Iterable[date]) -> str:
    """The Swedish message for missing half years, naming each and both ways to enter it.

    "Referensräntan saknas för halvåret 2026-07-01–2026-12-31: lägg in den under
    Inställningar, Alternativ – Påminnelse/krav eller med kommandot tui-inkasso rates set
    2026-07-01 RÄNTA (Riksbanken fastställer den varje halvår, räntelagen 9 §)." Several half
    years name the command for the first ("ett kommando per halvår"). Empty input gives "".
    """
    starts = sorted(set(missing))
    if not starts:
        return ""
    labels = ", ".join(half_year_label(s) for s in starts)
    noun = "halvåret" if len(starts) == 1 else "halvåren"
    pronoun = "den" if len(starts) == 1 else "dem"
    each = "" if len(starts) == 1 else ", ett kommando per halvår"
    return (f"Referensräntan saknas för {noun} {labels}: lägg in {pronoun} {where_to_enter(starts[0])}"
            f"{each} (Riksbanken fastställer den varje halvår, räntelagen 9 §).")


def require_rates(rates: Iterable[ReferenceRate], from_date: date, to_date: date) -> None:
    """Raise :class:`InterestError` with :func:`missing_rate_message` when a half year lacks its
    rate; return quietly when every day from ``from_date`` to ``to_date`` has one."""
    missing = missing_half_years_for(rates, from_date, to_date)
    if missing:
        raise InterestError(missing_rate_message(missing))


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days ``first`` .. ``last`` (inclusive) that carry the late-interest rate ``rate_bp``."""

    first: date
    last: date
    rate_bp: int

    @property
    def label(self) -> str:
        """"10,00 % 2025-07-01–2025-07-10": for the letter's interest line."""
        return f"{format_rate_bp(self.rate_bp)} {self.first.isoformat()}–{self.last.isoformat()}"


def rate_periods(due_date: date, to_date: date, rates: Iterable[ReferenceRate],
                 margin_bp: int = DEFAULT_MARGIN_BP) -> list[RatePeriod]:
    """The late-interest rates (reference rate + ``margin_bp``) over the interest days.

    Interest days run from the day after ``due_date`` to ``to_date``. Consecutive half years
    with the same rate are one period, so a letter names each rate once with its days, as
    inkassolagen 5 § asks ("räntesatsen samt den tid ... som ligger till grund för
    ränteberäkningen"). Raises :class:`InterestError` when a needed half year has no row.
    A total rate below zero is shown as 0,00 %: such days carry no interest.
    """
    table = list(rates)
    first_day = due_date + timedelta(days=1)
    require_rates(table, first_day, to_date)
    by_start = {rate.valid_from: rate.rate_bp for rate in table}
    periods: list[RatePeriod] = []
    for start in half_years(first_day, to_date):
        first = max(start, first_day)
        last = min(next_half_year(start) - timedelta(days=1), to_date)
        rate = max(0, by_start[start] + margin_bp)
        if periods and periods[-1].rate_bp == rate and periods[-1].last + timedelta(days=1) == first:
            periods[-1] = RatePeriod(periods[-1].first, last, rate)
        else:
            periods.append(RatePeriod(first, last, rate))
    return periods
