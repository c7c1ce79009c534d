"""Dates that make sense: the checks the payment readers and the ledger import share.

A date can be valid and still absurd. A public BgMax sample carries the deposit date
``10100324``: a real calendar day, 1010-03-24, that was booked and exported to SIE as such
(issue 13). A bank file describes payments the bank booked shortly before it wrote the file,
so a payment or deposit date more than a year before the file's own creation date, or any day
after it, is refused. An invoice date is refused outside a window around today wide enough
for every invoice a landlord still collects on.

Each function returns None for a sensible date, or the reason in Swedish, written to follow
"rad N, fält X: " in the reader's message ("rad 7, fält insättningsdatum: 1010-03-24 ligger
mer än ett år före filens datum 2024-03-25").
"""

from __future__ import annotations

from datetime import date

PAYMENT_MAX_AGE_YEARS = 1
"""A payment or deposit date may lie at most this many years before the file's date."""

INVOICE_MAX_AGE_YEARS = 10
"""An invoice date may lie at most this many years back: the general limitation period
(preskriptionslagen (1981:130) 2 §, ten years; three against consumers) has run out for
anything older, so no landlord collects on it."""

FILE_MAX_AGE_YEARS = INVOICE_MAX_AGE_YEARS
"""A bank file may have been written at most this many years before the day it is read: its
payments are at most a year older than the file, and no claim older than the limitation period
is still collected, so an older file can settle nothing (services/payment_refusals.py refuses it)."""

INVOICE_MAX_AHEAD_YEARS = 1
"""An invoice date may lie at most this far ahead (rent is invoiced in advance, by months)."""


def years_before(d: date, years: int) -> date:
    """``d`` moved back ``years`` calendar years; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def years_after(d: date, years: int) -> date:
    """``d`` moved ahead ``years`` calendar years; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def payment_date_problem(value: date, file_date: date) -> str | None:
    """Why a payment or deposit date ``value`` makes no sense in a file written ``file_date``.

    Refused: any day after the file's date (a bank cannot report a payment it has not yet
    booked), and more than :data:`PAYMENT_MAX_AGE_YEARS` year before it.
    """
    if value > file_date:
        return f"{value.isoformat()} ligger efter filens datum {file_date.isoformat()}"
    if value < years_before(file_date, PAYMENT_MAX_AGE_YEARS):
        return (f"{value.isoformat()} ligger mer än ett år före filens datum "
                f"{file_date.isoformat()}")
    return None


def file_date_problem(file_date: date, today: date) -> str | None:
    """Why a bank file's own creation date makes no sense when read on ``today``.

    Refused: a date after today (one day of clock difference is allowed: a file written just
    after midnight at the bank may be read before midnight here) and one more than
    :data:`FILE_MAX_AGE_YEARS` years back, where no payment could still be booked.
    """
    if file_date.toordinal() > today.toordinal() + 1:
        return f"filens datum {file_date.isoformat()} ligger efter dagens datum {today.isoformat()}"
    if file_date < years_before(today, FILE_MAX_AGE_YEARS):
        return (f"filens datum {file_date.isoformat()} ligger mer än {FILE_MAX_AGE_YEARS} år "
                f"före dagens datum {today.isoformat()}")
    return None


def invoice_date_problem(value: date, today: date) -> str | None:
    """Why an invoice date ``value`` makes no sense in a ledger imported on ``today``.

    The window is :data:`INVOICE_MAX_AGE_YEARS` years back to :data:`INVOICE_MAX_AHEAD_YEARS`
    year ahead of ``today``.
    """
    earliest = years_before(today, INVOICE_MAX_AGE_YEARS)
    latest = years_after(today, INVOICE_MAX_AHEAD_YEARS)
    if value < earliest:
        return (f"{value.isoformat()} ligger mer än {INVOICE_MAX_AGE_YEARS} år före dagens datum "
                f"{today.isoformat()} (tidigast {earliest.isoformat()})")
    if value > latest:
        return (f"{value.isoformat()} ligger mer än ett år efter dagens datum {today.isoformat()} "
                f"(senast {latest.isoformat()})")
    return None


def due_date_problem(invoice_date: date, due_date: date) -> str | None:
    """Why a due date makes no sense for an invoice dated ``invoice_date``.

    Rent may fall due before the invoice date (an invoice written late for a month already
    due) but not by more than a year, and never more than a year after it.
    """
    if due_date > years_after(invoice_date, 1):
        return (f"förfallodagen {due_date.isoformat()} ligger mer än ett år efter fakturadatum "
                f"{invoice_date.isoformat()}")
    if due_date < years_before(invoice_date, 1):
        return (f"förfallodagen {due_date.isoformat()} ligger mer än ett år före fakturadatum "
                f"{invoice_date.isoformat()}")
    return None
