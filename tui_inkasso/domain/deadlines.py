"""The payment deadline a reminder or collection demand gives, moved over holidays.

Inkassolagen (1974:182) 5 § asks a demand to give "viss skälig tid inom vilken gäldenären har
att betala frivilligt eller anmäla om han eller hon har någon invändning mot kravet". The
supervisory authority (Integritetsskyddsmyndigheten, IMY, formerly Datainspektionen) says what
is reasonable in its guidance on good collection practice: the time "bör inte vara kortare än
åtta dagar räknat från den dag kravet skickas"; it should be longer when the letter is sent
around a long holiday ("Detsamma gäller om kravet skickas i samband med en långhelg"); and the
debtor "bör ha minst fyra bankdagar på sig att betala eller invända från det att du kan antas
ha tagit emot kravet" (imy.se, "Hur lång tid har jag på mig för att betala eller bestrida ett
inkassokrav?"; the Inkassonämnden statements 273-2021 and 292-2021 apply the same two tests).

The rule here turns that into a date (docs/dunning.md, "Deadlines over holidays"):

1. at least ``days`` (≥ 8) calendar days after the letter's date;
2. at least as many bank days after the letter's date as ``days`` ordinary days would hold:
   the weekdays Monday to Friday in those days, had none of them been a holiday. A letter of
   Monday 2026-12-21 gets not Tuesday 2026-12-29 (four bank days: julafton, juldagen and
   annandag jul are closed) but Monday 2027-01-04, the sixth bank day, as 8 days in an
   ordinary week hold six weekdays;
3. at least 4 bank days after the day the letter can be assumed to have arrived, which is
   :data:`DELIVERY_BANK_DAYS` bank days after its date: postförordningen (2010:1049) 6 § asks
   the postal service to deliver 95 % of letters within two following working days;
4. on a bank day.
"""

from __future__ import annotations

from datetime import date, timedelta

from tui_inkasso.domain.bank_days import add_bank_days, bank_days_between, next_bank_day

MIN_DEADLINE_DAYS = 8
"""IMY: the time to pay or object "bör inte vara kortare än åtta dagar"."""

DELIVERY_BANK_DAYS = 2
"""Postförordningen (2010:1049) 6 §: letters delivered within two following working days."""

MIN_BANK_DAYS_AFTER_RECEIPT = 4
"""IMY: "minst fyra bankdagar ... från det att du kan antas ha tagit emot kravet"."""

_ONE_DAY = timedelta(days=1)


def ordinary_weekdays(start: date, days: int) -> int:
    """The weekdays (Monday to Friday) after ``start`` up to and including ``start + days``.

    The bank days ``days`` calendar days hold in a week without holidays.
    """
    full_weeks, rest = divmod(max(days, 0), 7)
    count = full_weeks * 5
    day = start + timedelta(days=full_weeks * 7)
    for _ in range(rest):
        day += _ONE_DAY
        if day.weekday() < 5:
            count += 1
    return count


def lawful_deadline(issued_on: date, days: int = MIN_DEADLINE_DAYS) -> date:
    """The earliest "Betalas senast" a letter dated ``issued_on`` may give with ``days`` days.

    ``days`` below :data:`MIN_DEADLINE_DAYS` counts as 8. See the module docstring for the
    four conditions; the result is the first day meeting all of them.
    """
    days = max(days, MIN_DEADLINE_DAYS)
    needed = ordinary_weekdays(issued_on, days)
    received = add_bank_days(issued_on, DELIVERY_BANK_DAYS)
    candidate = next_bank_day(issued_on + timedelta(days=days))
    while (bank_days_between(issued_on, candidate) < needed
           or bank_days_between(received, candidate) < MIN_BANK_DAYS_AFTER_RECEIPT):
        candidate = next_bank_day(candidate + _ONE_DAY)
    return candidate


def deadline_problem(issued_on: date, deadline: date | None,
                     days: int = MIN_DEADLINE_DAYS) -> str | None:
    """Why ``deadline`` is too short for a letter of ``issued_on``, or None when it is lawful.

    Swedish, for the letter check: "betalningstiden till 2026-12-29 är för kort: brevet är
    daterat 2026-12-21 och ska ge betalningstid till minst 2027-01-04 (minst 8 dagar och lika
    många bankdagar som 8 vanliga dagar, inkassolagen 5 § och IMY:s allmänna råd)".
    """
    if deadline is None:
        return "sista betalningsdag (Betalas senast) saknas"
    earliest = lawful_deadline(issued_on, days)
    if deadline >= earliest:
        return None
    days = max(days, MIN_DEADLINE_DAYS)
    return (f"betalningstiden till {deadline.isoformat()} är för kort: brevet är daterat "
            f"{issued_on.isoformat()} och ska ge betalningstid till minst {earliest.isoformat()} "
            f"(minst {days} dagar och lika många bankdagar som {days} vanliga dagar, "
            f"inkassolagen 5 § och IMY:s allmänna råd om god inkassosed)")
