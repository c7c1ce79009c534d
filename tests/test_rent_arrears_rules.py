"""The rules of 12 kap. 42-44 §§ jordabalken as domain.rent_arrears counts them (docs/rent-arrears.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from tui_inkasso.domain.municipality import (
    MunicipalityError,
    address_lines,
    municipality_key,
    municipality_name,
)
from tui_inkasso.domain.rent_arrears import (
    RecoveryState,
    ServiceMethod,
    dwelling_size,
    earliest_eviction_decision,
    forfeited_from,
    is_forfeited,
    last_day_before_forfeiture,
    last_day_to_recover,
    recovery,
    recovery_start,
    service_method,
)
from tui_inkasso.domain.rent_notice import RentPremises

D = dt.date
DWELLING, PREMISES = RentPremises.DWELLING, RentPremises.PREMISES


@pytest.mark.parametrize(("due", "last"), [
    (D(2026, 11, 30), D(2026, 12, 7)),    # Monday: the same weekday a week on
    (D(2026, 12, 1), D(2026, 12, 8)),
    (D(2026, 10, 31), D(2026, 11, 9)),    # Saturday: paid Monday 11-02, a week from then
    (D(2026, 12, 24), D(2027, 1, 4)),     # julafton: 12-28 + 7 = 01-04
    (D(2026, 12, 17), D(2026, 12, 28)),   # +7 = julafton, then the weekend and juldagarna
    (D(2026, 12, 25), D(2027, 1, 4)),     # +7 from Monday 12-28 = Monday 01-04
    (D(2027, 3, 19), D(2027, 3, 30)),     # +7 = långfredag 03-26, then annandag påsk 03-29
    (D(2027, 6, 18), D(2027, 6, 28)),     # +7 = midsommarafton 06-25
])
def test_a_dwelling_is_forfeited_more_than_a_week_after_the_due_date(due: dt.date, last: dt.date) -> None:
    assert last_day_before_forfeiture(due, DWELLING) == last
    assert forfeited_from(due, DWELLING) == last + dt.timedelta(days=1)
    assert not is_forfeited(due, DWELLING, last) and is_forfeited(due, DWELLING, last + dt.timedelta(days=1))


@pytest.mark.parametrize(("due", "last"), [
    (D(2026, 12, 3), D(2026, 12, 7)),     # Thursday: Friday and Monday are the two vardagar
    (D(2026, 12, 4), D(2026, 12, 8)),     # Friday: Monday and Tuesday
    (D(2026, 12, 23), D(2026, 12, 29)),   # julafton, juldagen, annandag and the weekend are none
    (D(2026, 12, 30), D(2027, 1, 5)),     # nyårsafton, nyårsdagen and the weekend: Mon 01-04, Tue 01-05
    (D(2027, 1, 5), D(2027, 1, 8)),       # trettondedag jul (Wed 01-06) is none: Thu, Fri
    (D(2026, 10, 31), D(2026, 11, 4)),    # Saturday, paid Monday; Tuesday and Wednesday
    (D(2027, 4, 30), D(2027, 5, 4)),      # Friday; första maj is a Saturday; Monday, Tuesday
])
def test_premises_are_forfeited_more_than_two_vardagar_after_the_due_date(due: dt.date, last: dt.date) -> None:
    assert last_day_before_forfeiture(due, PREMISES) == last
    assert is_forfeited(due, PREMISES, last + dt.timedelta(days=1))
    assert not is_forfeited(due, PREMISES, last)


@pytest.mark.parametrize(("start", "premises", "last"), [
    (D(2026, 12, 8), DWELLING, D(2026, 12, 29)),   # Tuesday three weeks on
    (D(2026, 12, 10), DWELLING, D(2027, 1, 4)),    # +21 = nyårsafton, then nyårsdagen and the weekend
    (D(2026, 12, 10), PREMISES, D(2026, 12, 28)),  # +14 = julafton
    (D(2026, 12, 6), DWELLING, D(2026, 12, 28)),   # served on a Sunday: +21 Sunday, Monday then
    (D(2027, 1, 31), DWELLING, D(2027, 2, 22)),    # from the last of January: +21 = Sunday 02-21
    (D(2027, 2, 7), DWELLING, D(2027, 3, 1)),      # to 02-28 (Sunday) across the month's end
    (D(2028, 2, 8), DWELLING, D(2028, 2, 29)),     # leap day, a Tuesday
    (D(2027, 3, 5), DWELLING, D(2027, 3, 30)),     # +21 = långfredag, then annandag påsk
    (D(2027, 6, 11), PREMISES, D(2027, 6, 28)),    # +14 = midsommarafton
    (D(2026, 12, 17), PREMISES, D(2027, 1, 4)),    # +14 = nyårsafton, then nyårsdagen and the weekend
])
def test_the_last_day_to_recover(start: dt.date, premises: RentPremises, last: dt.date) -> None:
    assert last_day_to_recover(start, premises) == last


def test_the_period_runs_from_the_later_of_service_and_socialnamndens_receipt() -> None:
    assert recovery_start(DWELLING, D(2026, 12, 10), D(2026, 12, 14)) == D(2026, 12, 14)
    assert recovery_start(DWELLING, D(2026, 12, 14), D(2026, 12, 10)) == D(2026, 12, 14)
    assert recovery_start(DWELLING, D(2026, 12, 14), None) is None
    assert recovery_start(DWELLING, None, D(2026, 12, 14)) is None
    assert recovery_start(PREMISES, D(2026, 12, 14), None) == D(2026, 12, 14)


def test_eviction_is_decided_at_the_earliest_on_the_third_vardag_after() -> None:
    assert earliest_eviction_decision(D(2026, 12, 28)) == D(2027, 1, 4)   # 29, 30, (31, 1, 2, 3) 4
    assert earliest_eviction_decision(D(2026, 12, 7)) == D(2026, 12, 10)


SERVED = D(2026, 12, 8)


def _state(payments: list[tuple[dt.date, int]], on: dt.date, served: dt.date | None = SERVED,
           received: dt.date | None = SERVED) -> RecoveryState:
    return recovery(DWELLING, 1_000_00, served, received, payments, on).state


def test_the_states() -> None:
    last = D(2026, 12, 29)
    assert _state([], D(2026, 12, 20), served=None) is RecoveryState.WAITING_FOR_SERVICE
    assert _state([], D(2026, 12, 20), received=None) is RecoveryState.WAITING_FOR_SERVICE
    assert _state([], last) is RecoveryState.RECOVERY_RUNNING
    assert _state([], last + dt.timedelta(days=1)) is RecoveryState.NOT_RECOVERED
    assert _state([(last, 1_000_00)], last) is RecoveryState.RECOVERED
    assert _state([(last, 1_000_00)], D(2027, 3, 1)) is RecoveryState.RECOVERED, "stays recovered"
    assert _state([(D(2026, 12, 9), 60_000), (last, 40_000)], D(2027, 1, 9)) is RecoveryState.RECOVERED
    assert _state([(D(2026, 12, 9), 99_999)], D(2026, 12, 10)) is RecoveryState.RECOVERY_RUNNING, "partial"
    assert _state([(D(2026, 12, 9), 99_999)], D(2027, 1, 9)) is RecoveryState.NOT_RECOVERED
    assert _state([(last + dt.timedelta(days=1), 1_000_00)], D(2027, 1, 9)) is RecoveryState.NOT_RECOVERED, "late"
    assert _state([(D(2026, 12, 9), 1_000_00)], D(2026, 12, 9), served=None) is RecoveryState.RECOVERED
    late = recovery(DWELLING, 1_000_00, D(2026, 12, 8), D(2026, 12, 8), [(D(2027, 1, 2), 1_000_00)], D(2027, 1, 5))
    assert (late.paid_in_time, late.paid_late, late.missing) == (0, 1_000_00, 1_000_00)
    assert late.eviction_from == D(2027, 1, 5)  # 12-30, (31, 1, 2, 3) 01-04, 01-05


def test_service_methods_by_code_or_label() -> None:
    assert service_method("receipt") is ServiceMethod.RECEIPT
    assert service_method("Stämningsman") is ServiceMethod.PROCESS_SERVER
    with pytest.raises(ValueError, match="okänt delgivningssätt 'brevduva'; välj receipt"):
        service_method("brevduva")


def test_municipality_names_and_board_addresses() -> None:
    assert municipality_name("  uppsala   kommun ") == "Uppsala"
    assert municipality_key("Upplands Väsby kommun") == municipality_key("upplands väsby")
    with pytest.raises(MunicipalityError, match="tomt"):
        municipality_name(" kommun ")
    assert address_lines("Socialförvaltningen, Box 1234, 751 04 Uppsala") == (
        "Socialförvaltningen", "Box 1234", "751 04 Uppsala")
    with pytest.raises(MunicipalityError, match="saknar postnummer"):
        address_lines("Socialförvaltningen, Uppsala")
    assert dwelling_size("2 rum och kök", 58) == "2 rum och kök, 58 m²"
    assert dwelling_size("", None) == ""
