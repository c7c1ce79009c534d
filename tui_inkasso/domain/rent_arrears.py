"""Rent arrears: when a tenancy may be terminated for unpaid rent, and how it is won back.

The rules of jordabalken 12 kap. 42-44 §§ with the days counted as lag (1930:173) om
beräkning av lagstadgad tid counts them (docs/rent-arrears.md has the sources):

* **Forfeiture** (42 § första stycket): a dwelling tenant who is late with the rent "mer än en
  vecka efter förfallodagen" (point 1), a premises tenant "mer än två vardagar efter
  förfallodagen" (point 2). A week counted "efter vecka" ends on the same weekday a week later
  (1930:173 1 §); a last day on a Saturday, Sunday, public holiday, midsommarafton, julafton or
  nyårsafton moves to the next vardag (2 §). A *vardag* is therefore exactly a bank day of
  ``domain.bank_days`` (the same closed days). A due date that falls on a closed day is first
  moved to the next vardag (the rent could not be paid on it): of two readings the product takes
  the one that gives the tenant the later day, because a termination sent a day too early is void.
* **Recovery** (44 §): a tenant terminated for late rent keeps the tenancy by paying the rent
  within three weeks (dwelling) or two weeks (premises) from being served the notice of that
  right, and for a dwelling from socialnämnden's receipt of the landlord's notice when that is
  later (NJA 1985 s. 586: the period ran from the day a complete notice reached the board). The
  last day is the same weekday three (two) weeks on, moved to the next vardag.
* **Eviction** may be decided at the earliest on the third vardag after the recovery period
  ended (44 §, as read in secondary sources; docs/rent-arrears.md says which).

The states of a termination (:class:`RecoveryState`) follow from the dates and the money: paid
in full within the period (or before it began) is *recovered*; otherwise the period runs once
it has a start, and ends *not recovered*. A partial payment recovers nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tui_inkasso.domain.bank_days import add_bank_days, next_bank_day
from tui_inkasso.domain.rent_notice import RentPremises

WEEK = dt.timedelta(days=7)

RECOVERY_WEEKS = {RentPremises.DWELLING: 3, RentPremises.PREMISES: 2}
"""12 kap. 44 §: three weeks for a dwelling, two for premises."""

PREMISES_GRACE_VARDAGAR = 2
"""12 kap. 42 § första stycket 2: a premises tenant may be "två vardagar" late."""

EVICTION_AFTER_VARDAGAR = 3
"""12 kap. 44 §: eviction is decided at the earliest on the third vardag after the period."""

PREMISES_CODES = {RentPremises.DWELLING: "dwelling", RentPremises.PREMISES: "premises"}
"""The codes the store and the command line use (``"premises": "dwelling"|"premises"``)."""


def premises_code(premises: RentPremises) -> str:
    """"dwelling" or "premises"."""
    return PREMISES_CODES[premises]


def premises_from_code(code: str) -> RentPremises:
    """The premises kind of a stored code; ValueError in Swedish for an unknown one."""
    for premises, stored in PREMISES_CODES.items():
        if stored == code:
            return premises
    raise ValueError(f"okänd lägenhetstyp {code!r}: dwelling eller premises")


def premises_label(premises: RentPremises) -> str:
    """"Bostad" or "Lokal", as staff read it in lists."""
    return "Bostad" if premises is RentPremises.DWELLING else "Lokal"


# --------------------------------------------------------------------------- forfeiture


def last_day_before_forfeiture(due: dt.date, premises: RentPremises) -> dt.date:
    """The last day the rent due on ``due`` can be paid without the tenancy being forfeited.

    A dwelling: a week after the due date (moved to a vardag first), moved to the next vardag.
    Premises: the second vardag after the due date (moved to a vardag first).
    """
    moved = next_bank_day(due)
    if premises is RentPremises.DWELLING:
        return next_bank_day(moved + WEEK)
    return add_bank_days(moved, PREMISES_GRACE_VARDAGAR)


def forfeited_from(due: dt.date, premises: RentPremises) -> dt.date:
    """The first day on which unpaid rent due on ``due`` forfeits the tenancy (42 §)."""
    return last_day_before_forfeiture(due, premises) + dt.timedelta(days=1)


def is_forfeited(due: dt.date, premises: RentPremises, on: dt.date) -> bool:
    """True when rent due on ``due`` and still unpaid on ``on`` gives the right to terminate."""
    return on >= forfeited_from(due, premises)


def days_late(due: dt.date, on: dt.date) -> int:
    """Calendar days after the due date (0 on the due date or before)."""
    return max((on - due).days, 0)


# --------------------------------------------------------------------------- recovery


def recovery_start(premises: RentPremises, served_on: dt.date | None,
                   socialnamnd_received_on: dt.date | None) -> dt.date | None:
    """The day the recovery period runs from, or None while it cannot run yet.

    A dwelling needs both the service and socialnämnden's receipt (the later counts); premises
    only the service.
    """
    if served_on is None:
        return None
    if premises is RentPremises.PREMISES:
        return served_on
    if socialnamnd_received_on is None:
        return None
    return max(served_on, socialnamnd_received_on)


def last_day_to_recover(start: dt.date, premises: RentPremises) -> dt.date:
    """The last day to pay: the same weekday three (two) weeks after ``start``, moved to the next
    vardag when that day is none (lag (1930:173) 1 § and 2 §)."""
    return next_bank_day(start + RECOVERY_WEEKS[premises] * WEEK)


def earliest_eviction_decision(last_day: dt.date) -> dt.date:
    """The third vardag after the recovery period's last day."""
    return add_bank_days(last_day, EVICTION_AFTER_VARDAGAR)


class RecoveryState(StrEnum):
    """Where a terminated tenancy stands; the values are the stored and JSON codes."""

    WAITING_FOR_SERVICE = "waiting_for_service"
    RECOVERY_RUNNING = "recovery_running"
    RECOVERED = "recovered"
    NOT_RECOVERED = "not_recovered"

    @property
    def label(self) -> str:
        """What staff read."""
        return _STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """True while the termination still stands (not recovered)."""
        return self is not RecoveryState.RECOVERED


_STATE_LABELS = {
    RecoveryState.WAITING_FOR_SERVICE: "Väntar på delgivning",
    RecoveryState.RECOVERY_RUNNING: "Återvinningsfrist löper",
    RecoveryState.RECOVERED: "Återvunnen",
    RecoveryState.NOT_RECOVERED: "Inte återvunnen",
}


def state_label(code: str) -> str:
    """The Swedish name of a stored state code (the code itself when unknown)."""
    try:
        return RecoveryState(code).label
    except ValueError:
        return code


@dataclass(frozen=True)
class Recovery:
    """A termination's recovery as of a day: its state, the period, and the money."""

    state: RecoveryState
    start: dt.date | None
    last_day: dt.date | None
    amount: int
    paid_in_time: int
    paid_late: int

    @property
    def missing(self) -> int:
        """What is still to be paid to recover (0 once recovered)."""
        return max(self.amount - self.paid_in_time, 0)

    @property
    def eviction_from(self) -> dt.date | None:
        """The earliest day eviction can be decided, once the period has an end."""
        return earliest_eviction_decision(self.last_day) if self.last_day else None


def recovery(premises: RentPremises, amount: int, served_on: dt.date | None,
             socialnamnd_received_on: dt.date | None, payments: list[tuple[dt.date, int]],
             on: dt.date) -> Recovery:
    """The state on ``on`` of a termination for ``amount`` öre of rent.

    ``payments`` are (pay date, öre) of what the tenant paid on the terminated rent after the
    termination was recorded. Paid in full by the last day (or before the period began) recovers
    the tenancy, whenever it is looked at; a payment after the last day does not count (44 §,
    "inom tre veckor"). Until the period has a start the state waits for service.
    """
    start = recovery_start(premises, served_on, socialnamnd_received_on)
    last = last_day_to_recover(start, premises) if start else None
    in_time = sum(a for day, a in payments if last is None or day <= last)
    late = sum(a for day, a in payments if last is not None and day > last)
    if amount > 0 and in_time >= amount:
        state = RecoveryState.RECOVERED
    elif last is None:
        state = RecoveryState.WAITING_FOR_SERVICE
    elif on <= last:
        state = RecoveryState.RECOVERY_RUNNING
    else:
        state = RecoveryState.NOT_RECOVERED
    return Recovery(state, start, last, amount, in_time, late)


# --------------------------------------------------------------------------- service


class ServiceMethod(StrEnum):
    """How the tenant was served the termination and the notice (delgivningslagen (2010:1932)).

    The notice must be served as that act says (NJA 1988 s. 420): a plain letter is no service,
    a registered letter only with its signed receipt (mottagningsbevis).
    """

    RECEIPT = "receipt"
    REGISTERED_LETTER = "registered_letter"
    PROCESS_SERVER = "process_server"
    SUBSTITUTE = "substitute"
    IN_PERSON = "in_person"
    PUBLIC_NOTICE = "public_notice"

    @property
    def label(self) -> str:
        """What staff read."""
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    ServiceMethod.RECEIPT: "Delgivningskvitto",
    ServiceMethod.REGISTERED_LETTER: "Rekommenderat brev med mottagningsbevis",
    ServiceMethod.PROCESS_SERVER: "Stämningsman",
    ServiceMethod.SUBSTITUTE: "Surrogatdelgivning",
    ServiceMethod.IN_PERSON: "Personligt överlämnande mot kvittens",
    ServiceMethod.PUBLIC_NOTICE: "Kungörelsedelgivning",
}


def service_method(text: str) -> ServiceMethod:
    """A method by its code or its Swedish label; ValueError in Swedish naming the choices."""
    cleaned = text.strip().lower()
    for method in ServiceMethod:
        if cleaned in (method.value, method.label.lower()):
            return method
    choices = ", ".join(f"{m.value} ({m.label})" for m in ServiceMethod)
    raise ValueError(f"okänt delgivningssätt {text!r}; välj {choices}")


def service_method_label(code: str | None) -> str:
    """The Swedish name of a stored method code ("" for none)."""
    if not code:
        return ""
    try:
        return ServiceMethod(code).label
    except ValueError:
        return code


def dwelling_size(rooms: str, floor_area: int | None) -> str:
    """"2 rum och kök, 58 m²" (what form 3 asks as the dwelling's size), "" when unknown."""
    parts = [rooms.strip()] if rooms.strip() else []
    if floor_area:
        parts.append(f"{floor_area} m²")
    return ", ".join(parts)
