"""Late-payment interest (dröjsmålsränta) under räntelagen (1975:635).

Räntelagen 6 § sets the interest on an overdue claim to the Riksbank's reference rate plus eight
percentage points; 9 § has the Riksbank fix the reference rate for each calendar half year
(1 January and 1 July), and the rate fixed for a half year applies to every day in it. So a
claim overdue across 1 July carries two different rates.

All arithmetic is on integers: öre times days times basis points, divided once by
10 000 × 365 and rounded half-up to whole öre at the very end. Rounding per day or per half
year would drift; a float would lose öre on large claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from tui_inkasso.domain.money import MoneyError, parse_amount

DEFAULT_MARGIN_BP = 800
"""Räntelagen 6 §: reference rate + 8 percentage points."""

DAYS_PER_YEAR = 365
"""Actual/365: every day counts, the year is always 365 days, also in leap years."""

_BP_PER_UNIT = 10_000


class InterestError(ValueError):
    """No reference rate is known for a half year the interest period touches.

    The message is Swedish (staff read it in the dunning and collection runs) and says where the
    missing rate is added.
    """


@dataclass(frozen=True, slots=True, order=True)
class ReferenceRate:
    """The Riksbank reference rate in force from ``valid_from`` (1 January or 1 July).

    ``rate_bp`` is in basis points (1 % = 100 bp) and is stored as given: the rate was
    negative (-0.50 %) from 2016 to mid-2019, and a table may go back that far.
    """

    valid_from: date
    rate_bp: int


def default_reference_rates() -> list[ReferenceRate]:
    """The shipped reference rates, each with a source (``domain.reference_rates``).

    Only the seed for the settings: staff keep the table current there (a new row each
    1 January and 1 July). The table ends with the last half year whose rate could be cited
    (2026-01-01, 2,00 %); ``domain.reference_rates.require_rates`` tells a computation that
    needs a later half year to stop until staff add it.
    """
    # Imported here: reference_rates builds on this module.
    from tui_inkasso.domain.reference_rates import shipped_reference_rates

    return shipped_reference_rates()


def half_year_start(d: date) -> date:
    """1 January or 1 July of the half year ``d`` lies in."""
    return date(d.year, 1 if d.month <= 6 else 7, 1)


def _next_half_year_start(start: date) -> date:
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def reference_rate_for(d: date, rates: Iterable[ReferenceRate]) -> int:
    """The reference rate (bp) of the half year ``d`` lies in.

    That is the newest table entry valid from the half year's first day or earlier, so a table
    that lacks the newest half year keeps the last known rate (the caller can warn with
    :func:`missing_half_years`). Raises :class:`InterestError` when the table starts later.
    """
    start = half_year_start(d)
    best: ReferenceRate | None = None
    for rate in rates:
        if rate.valid_from <= start and (best is None or rate.valid_from > best.valid_from):
            best = rate
    if best is None:
        raise InterestError(
            f"ingen referensränta för halvåret från {start.isoformat()}: lägg in den bland "
            "referensräntorna under Inställningar, Alternativ – Påminnelse/krav eller med "
            f"kommandot tui-inkasso rates set {start.isoformat()} RÄNTA"
        )
    return best.rate_bp


def late_interest(
    capital_ore: int,
    from_date: date,
    to_date: date,
    rates: Sequence[ReferenceRate],
    margin_bp: int = DEFAULT_MARGIN_BP,
) -> int:
    """Late-payment interest in öre on ``capital_ore`` for the days after ``from_date`` to ``to_date``.

    ``from_date`` is the due date: interest runs from the day after it up to and including
    ``to_date``, so the number of interest days is ``(to_date - from_date).days``. Each day
    carries the rate of its own half year (reference rate + ``margin_bp``); a day whose total
    rate would be negative carries none. Simple interest, actual/365, rounded half-up to whole
    öre once at the end. Zero when ``to_date <= from_date`` or the capital is not positive.
    """
    if to_date <= from_date or capital_ore <= 0:
        return 0
    return interest_on(capital_ore, rate_days(from_date, to_date, rates, margin_bp))


def rate_days(
    from_date: date,
    to_date: date,
    rates: Sequence[ReferenceRate],
    margin_bp: int = DEFAULT_MARGIN_BP,
) -> int:
    """The sum over the interest days (after ``from_date`` up to ``to_date``) of each day's rate
    in basis points: its half year's reference rate + ``margin_bp``, a negative total as 0.

    This is the part of the interest that depends only on the period: the interest on any
    capital is :func:`interest_on` of it, which is how :class:`LateInterest` serves thousands
    of claims over a few periods. Raises :class:`InterestError` for a half year without a rate.
    """
    total = 0
    day = from_date + timedelta(days=1)
    while day <= to_date:
        start = half_year_start(day)
        following = _next_half_year_start(start)
        last = min(to_date, following - timedelta(days=1))
        days = (last - day).days + 1
        rate_bp = reference_rate_for(start, rates) + margin_bp
        if rate_bp > 0:
            total += days * rate_bp
        day = following
    return total


def interest_on(capital_ore: int, rate_days_bp: int) -> int:
    """``capital_ore × rate_days_bp / (10 000 × 365)`` rounded half-up to whole öre, once.

    The one rounding of late interest: :func:`late_interest`, :class:`LateInterest` and every
    run and file that charges interest end here, so they agree to the öre. Zero for a capital
    that is not positive.
    """
    if capital_ore <= 0:
        return 0
    denominator = _BP_PER_UNIT * DAYS_PER_YEAR
    return (2 * capital_ore * rate_days_bp + denominator) // (2 * denominator)


class LateInterest:
    """:func:`late_interest` for many claims with the same rates: the half-year walk once per
    period, each claim one multiplication and one division.

    A dunning run or a collection file charges interest on tens of thousands of invoices that
    share a handful of due dates; walking the half years for each would repeat the same sums.
    The result is exactly :func:`late_interest`'s (the same integers, :func:`interest_on`'s
    rounding).
    """

    def __init__(self, rates: Sequence[ReferenceRate], margin_bp: int = DEFAULT_MARGIN_BP) -> None:
        self._rates = rates
        self._margin_bp = margin_bp
        self._sums: dict[tuple[date, date], int] = {}

    def __call__(self, capital_ore: int, from_date: date, to_date: date) -> int:
        """``late_interest(capital_ore, from_date, to_date, rates, margin_bp)``."""
        if capital_ore <= 0 or to_date <= from_date:
            return 0
        key = (from_date, to_date)
        total = self._sums.get(key)
        if total is None:
            total = self._sums[key] = rate_days(from_date, to_date, self._rates, self._margin_bp)
        return interest_on(capital_ore, total)


def format_rate_bp(rate_bp: int) -> str:
    """Basis points as Swedish percent text, "-0,50 %", without passing through float."""
    sign = "-" if rate_bp < 0 else ""
    whole, rest = divmod(abs(rate_bp), 100)
    return f"{sign}{whole},{rest:02d} %"


def missing_half_years(rates: Iterable[ReferenceRate], up_to: date) -> list[date]:
    """Half-year starts from the table's first entry to ``up_to`` that have no own entry.

    For a warning in the settings: interest for such a half year uses the previous rate.
    """
    starts = {rate.valid_from for rate in rates}
    if not starts:
        return [half_year_start(up_to)]
    missing: list[date] = []
    current = half_year_start(min(starts))
    last = half_year_start(up_to)
    while current <= last:
        if current not in starts:
            missing.append(current)
        current = _next_half_year_start(current)
    return missing


def validate_rates(rates: Iterable[ReferenceRate]) -> list[str]:
    """Problems with a table of reference rates, as Swedish text for the settings screen."""
    problems: list[str] = []
    seen: set[date] = set()
    for number, rate in enumerate(rates, start=1):
        where = f"Referensränta rad {number} ({rate.valid_from.isoformat()})"
        if (rate.valid_from.month, rate.valid_from.day) not in ((1, 1), (7, 1)):
            problems.append(f"{where}: giltig från måste vara 1 januari eller 1 juli.")
        if rate.valid_from in seen:
            problems.append(f"{where}: datumet finns redan på en tidigare rad.")
        if not -1000 <= rate.rate_bp <= 5000:
            problems.append(f"{where}: räntan {format_rate_bp(rate.rate_bp)} är orimlig.")
        seen.add(rate.valid_from)
    return problems


def parse_rate_table(text: str) -> tuple[list[ReferenceRate], list[str]]:
    """The table of reference rates as staff type it, one row a line: "2026-01-01  2,00".

    A row is a date (ÅÅÅÅ-MM-DD) and a rate in percent with at most two decimals (may be
    negative, a "%" is allowed); blank lines are skipped. Returns the rates read and, for every
    row that cannot be read, a Swedish problem naming its line. Whether the rates make a valid
    table is :func:`validate_rates`'s question.
    """
    rates: list[ReferenceRate] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace("%", " ").split()
        if not parts:
            continue
        where = f"Referensränta rad {number}"
        if len(parts) != 2:
            problems.append(f"{where}: skriv datum och ränta, t.ex. 2026-01-01 2,00.")
            continue
        try:
            valid_from = date.fromisoformat(parts[0])
        except ValueError:
            problems.append(f"{where}: {parts[0]!r} är inget datum (ÅÅÅÅ-MM-DD).")
            continue
        try:
            rate_bp = parse_amount(parts[1])
        except MoneyError:
            problems.append(f"{where}: {parts[1]!r} är ingen procentsats (t.ex. 2,00 eller -0,50).")
            continue
        rates.append(ReferenceRate(valid_from, rate_bp))
    return rates, problems


def rate_table_text(rates: Iterable[ReferenceRate]) -> str:
    """The table in the form :func:`parse_rate_table` reads, one "2026-01-01  2,00" a line."""
    return "\n".join(f"{r.valid_from.isoformat()}  {format_rate_bp(r.rate_bp).removesuffix(' %')}"
                     for r in rates)
