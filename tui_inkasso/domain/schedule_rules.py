"""When a scheduled service runs: slot arithmetic over naive local date-times.

A *slot* is the planned start of one run ("2026-01-15T06:00"). The daemon, the catch-up at start,
``--once`` and the screens all ask the same two questions of a rule: the first slot after a moment
(:func:`next_run`) and the last slot at or before it (:func:`previous_run`). Both are pure, so
every frequency is tested without a clock, and the slot's text (:func:`slot_key`) is what the
database's unique (service, slot) index compares, so two daemons agree on what "the same run" is.

Frequencies (the guide's "hur ofta"):

* ``day``: every day at ``at_time``;
* ``week``: on the chosen weekdays at ``at_time``;
* ``month``: on day 1-28 of the month, or the last day (:data:`LAST_DAY`), at ``at_time``
  (29-31 do not exist in every month, so they are refused rather than silently skipped);
* ``hour``: every N hours, on the times of day that are ``at_time`` plus a multiple of N. N must
  divide 24 so the pattern is the same every day and a slot never depends on when the daemon
  happened to start (which is what ``schedule``'s own ``every(n).hours`` does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

FREQUENCIES = ("day", "week", "month", "hour")
"""The stored frequency codes."""

FREQUENCY_LABELS = {"day": "Dagligen", "week": "Vissa veckodagar", "month": "En dag i månaden",
                    "hour": "Var N:e timme"}
"""What staff read for each frequency."""

FREQUENCY_ALIASES = {
    "daily": "day", "weekly": "week", "monthly": "month", "hourly": "hour",
    "dag": "day", "dagligen": "day", "vecka": "week", "veckodagar": "week", "månad": "month",
    "timme": "hour", "timmar": "hour",
}
"""Other spellings people (and scripts) use, mapped to the stored codes."""


def normalize_frequency(text: str) -> str:
    """The stored code for ``text`` (``daily`` → ``day``); unknown text is returned as typed."""
    key = str(text).strip().lower()
    return FREQUENCY_ALIASES.get(key, key)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday codes, Monday first (``date.weekday()`` order)."""

WEEKDAY_LABELS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")

_WEEKDAY_ALIASES = {
    **{code: i for i, code in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(WEEKDAY_LABELS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAY_LABELS)},
    "mån": 0, "tis": 1, "ons": 2, "tor": 3, "fre": 4, "lör": 5, "sön": 6,
}

LAST_DAY = -1
"""``month_day`` value for the last day of the month."""

HOUR_STEPS = (1, 2, 3, 4, 6, 8, 12)
"""Allowed N for "every N hours": the divisors of 24 below 24 (24 is "daily")."""

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_LOOKAHEAD_DAYS = 63
"""Far enough for every valid rule: a monthly slot is at most 31 days away."""


class ScheduleRuleError(ValueError):
    """A rule that cannot be run; the message names the field and the reason (Swedish)."""


@dataclass(frozen=True)
class ScheduleRule:
    """How often and when: the validated, pure form of a scheduled service's timing."""

    frequency: str
    at_time: dt.time
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    every_hours: int | None = None

    def __post_init__(self) -> None:
        check_rule(self)


def check_rule(rule: ScheduleRule) -> None:
    """Raise :class:`ScheduleRuleError` unless every field fits the frequency."""
    if rule.frequency not in FREQUENCIES:
        raise ScheduleRuleError(
            f"frekvens: {rule.frequency!r} finns inte; välj day, week, month eller hour"
        )
    if rule.at_time.second or rule.at_time.microsecond:
        raise ScheduleRuleError("tid: anges i hela minuter (HH:MM)")
    if rule.frequency == "week":
        if not rule.weekdays:
            raise ScheduleRuleError("veckodagar: välj minst en veckodag")
        if any(d not in range(7) for d in rule.weekdays):
            raise ScheduleRuleError(f"veckodagar: {rule.weekdays} innehåller en ogiltig dag")
    if rule.frequency == "month" and (
        rule.month_day is None or (rule.month_day != LAST_DAY and not 1 <= rule.month_day <= 28)
    ):
        raise ScheduleRuleError(
            f"dag i månaden: {rule.month_day!r} går inte; ange 1-28 eller sista"
        )
    if rule.frequency == "hour" and rule.every_hours not in HOUR_STEPS:
        steps = ", ".join(str(n) for n in HOUR_STEPS)
        raise ScheduleRuleError(
            f"antal timmar: {rule.every_hours!r} går inte; välj {steps} (en delare av 24)"
        )


def parse_time(text: str) -> dt.time:
    """``HH:MM`` (or ``H:MM``, ``HH.MM``) as a time; anything else is refused with the reason."""
    match = _TIME.match(str(text).strip())
    if not match:
        raise ScheduleRuleError(f"tid: {text!r} är inte en tid HH:MM (00:00-23:59)")
    return dt.time(int(match[1]), int(match[2]))


def format_time(value: dt.time) -> str:
    """The stored ``HH:MM`` form."""
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_weekdays(items: Iterable[str]) -> tuple[int, ...]:
    """Weekday codes or Swedish names (``mon``, ``måndag``, ``mån``), comma lists allowed; sorted."""
    days: set[int] = set()
    for item in items:
        for part in re.split(r"[,\s]+", str(item).strip().lower()):
            if not part:
                continue
            if part not in _WEEKDAY_ALIASES:
                raise ScheduleRuleError(
                    f"veckodagar: {part!r} är ingen veckodag; skriv mon, tue, wed, thu, fri, sat, "
                    "sun eller måndag ... söndag"
                )
            days.add(_WEEKDAY_ALIASES[part])
    return tuple(sorted(days))


def parse_month_day(value: int | str | None) -> int | None:
    """1-28, or ``last``/``sista`` for the last day (:data:`LAST_DAY`); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in ("last", "sista"):
        return LAST_DAY
    try:
        day = int(value)
    except (TypeError, ValueError):
        raise ScheduleRuleError(
            f"dag i månaden: {value!r} går inte; ange 1-28 eller sista"
        ) from None
    if day != LAST_DAY and not 1 <= day <= 28:
        raise ScheduleRuleError(f"dag i månaden: {day} går inte; ange 1-28 eller sista")
    return day


def times_of_day(rule: ScheduleRule) -> list[dt.time]:
    """The times a rule runs on a day it runs (several only for ``hour``), sorted."""
    if rule.frequency != "hour":
        return [rule.at_time]
    step = rule.every_hours or 24
    start = rule.at_time.hour * 60 + rule.at_time.minute
    minutes = sorted((start + k * step * 60) % (24 * 60) for k in range(24 // step))
    return [dt.time(m // 60, m % 60) for m in minutes]


def runs_on(rule: ScheduleRule, day: dt.date) -> bool:
    """Does the rule have slots on ``day``."""
    if rule.frequency == "week":
        return day.weekday() in rule.weekdays
    if rule.frequency == "month":
        if rule.month_day == LAST_DAY:
            return (day + dt.timedelta(days=1)).month != day.month
        return day.day == rule.month_day
    return True


def slots_on(rule: ScheduleRule, day: dt.date) -> list[dt.datetime]:
    """Every slot of ``day``, in order."""
    if not runs_on(rule, day):
        return []
    return [dt.datetime.combine(day, t) for t in times_of_day(rule)]


def next_run(rule: ScheduleRule, after: dt.datetime) -> dt.datetime:
    """The first slot strictly after ``after``."""
    for offset in range(_LOOKAHEAD_DAYS):
        for slot in slots_on(rule, after.date() + dt.timedelta(days=offset)):
            if slot > after:
                return slot
    raise AssertionError(f"no slot within {_LOOKAHEAD_DAYS} days for {rule}")  # pragma: no cover


def previous_run(rule: ScheduleRule, at: dt.datetime) -> dt.datetime:
    """The last slot at or before ``at`` (the one a daemon that was down has missed)."""
    for offset in range(_LOOKAHEAD_DAYS):
        for slot in reversed(slots_on(rule, at.date() - dt.timedelta(days=offset))):
            if slot <= at:
                return slot
    raise AssertionError(f"no slot within {_LOOKAHEAD_DAYS} days for {rule}")  # pragma: no cover


def slot_key(slot: dt.datetime) -> str:
    """The slot as stored in ``ServiceRun.slot``: minutes precision, ISO order sorts by time."""
    return slot.strftime("%Y-%m-%dT%H:%M")


def parse_slot_key(key: str) -> dt.datetime | None:
    """The slot time of a scheduled key, or None for a manual run's key."""
    try:
        return dt.datetime.strptime(key, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


def describe(rule: ScheduleRule) -> str:
    """The rule in Swedish, as the list and the wizard's summary show it."""
    at = format_time(rule.at_time)
    if rule.frequency == "day":
        return f"Varje dag kl. {at}"
    if rule.frequency == "week":
        names = [WEEKDAY_LABELS[d] for d in rule.weekdays]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
        return f"Varje {text} kl. {at}"
    if rule.frequency == "month":
        if rule.month_day == LAST_DAY:
            return f"Sista dagen i månaden kl. {at}"
        return f"Den {rule.month_day} varje månad kl. {at}"
    if rule.every_hours == 1:
        return f"Varje timme, på minut {rule.at_time.minute:02d}"
    times = ", ".join(format_time(t) for t in times_of_day(rule))
    return f"Var {rule.every_hours}:e timme (kl. {times})"
