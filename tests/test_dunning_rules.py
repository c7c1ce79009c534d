"""Dunning levels: schedule with bank-day moves, deadlines, fee caps, readiness for collection."""

from __future__ import annotations

import dataclasses
import time
from datetime import date, timedelta

import pytest

from tui_inkasso.domain.dunning import (
    LETTER_TEXT_MAX_LINES,
    DunningLevel,
    FeeCaps,
    capped_fee,
    is_demand_level,
    is_ready_for_collection,
    level_kind_label,
    next_level_due,
    payment_deadline,
    printable_letter_text,
    validate_levels,
    wrap_letter_text,
)

REMINDER = DunningLevel(1, "Påminnelse", 10, 6000, 10, "Vi har inte fått betalt.", False)
DEMAND = DunningLevel(2, "Krav", 12, 18000, 10, "Betala senast på angivet datum.", True)
DEMAND_2 = DunningLevel(3, "Krav 2", 14, 18000, 14, "Sista krav före inkasso.", True)
LEVELS = [REMINDER, DEMAND, DEMAND_2]


def test_level_1_is_the_reminder_and_every_later_level_a_demand() -> None:
    assert [is_demand_level(n) for n in (1, 2, 3, 7)] == [False, True, True, True]
    assert [level_kind_label(n) for n in (1, 2, 3)] == ["Påminnelse", "Krav", "Krav"]
    assert all(level.is_demand == is_demand_level(level.level) for level in LEVELS)


# --- when the next level is due ---------------------------------------------------------------


def test_first_level_counts_from_the_due_date_moved_to_a_bank_day() -> None:
    # Due on midsummer eve 2026-06-19: the due date moves to Monday 2026-06-22, +10 days.
    due = date(2026, 6, 19)
    assert next_level_due(due, [], LEVELS, date(2026, 7, 1)) is None
    assert next_level_due(due, [], LEVELS, date(2026, 7, 2)) == REMINDER
    assert next_level_due(due, [], LEVELS, date(2026, 9, 1)) == REMINDER


def test_due_on_a_saturday_counts_from_monday() -> None:
    assert next_level_due(date(2026, 3, 28), [], LEVELS, date(2026, 4, 8)) is None
    assert next_level_due(date(2026, 3, 28), [], LEVELS, date(2026, 4, 9)) == REMINDER


def test_due_on_an_ordinary_day() -> None:
    assert next_level_due(date(2026, 3, 31), [], LEVELS, date(2026, 4, 9)) is None
    assert next_level_due(date(2026, 3, 31), [], LEVELS, date(2026, 4, 10)) == REMINDER


def test_later_levels_count_from_the_previous_letter() -> None:
    issued = [(1, date(2026, 7, 2))]
    assert next_level_due(date(2026, 6, 19), issued, LEVELS, date(2026, 7, 13)) is None
    assert next_level_due(date(2026, 6, 19), issued, LEVELS, date(2026, 7, 14)) == DEMAND
    issued.append((2, date(2026, 7, 14)))
    assert next_level_due(date(2026, 6, 19), issued, LEVELS, date(2026, 7, 27)) is None
    assert next_level_due(date(2026, 6, 19), issued, LEVELS, date(2026, 7, 28)) == DEMAND_2


def test_never_before_the_previous_letters_deadline_has_passed() -> None:
    hasty = [REMINDER, dataclasses.replace(DEMAND, days=5)]
    # Reminder of 2026-07-02 must be paid by 07-12, a Sunday, so by Monday 07-13.
    issued = [(1, date(2026, 7, 2))]
    assert next_level_due(date(2026, 6, 19), issued, hasty, date(2026, 7, 7)) is None
    assert next_level_due(date(2026, 6, 19), issued, hasty, date(2026, 7, 13)) is None
    assert next_level_due(date(2026, 6, 19), issued, hasty, date(2026, 7, 14)) == hasty[1]


def test_nothing_after_the_last_level_and_order_of_history_does_not_matter() -> None:
    issued = [(3, date(2026, 8, 1)), (1, date(2026, 7, 2)), (2, date(2026, 7, 14))]
    assert next_level_due(date(2026, 6, 19), issued, LEVELS, date(2027, 1, 1)) is None
    assert next_level_due(date(2026, 6, 19), issued[1:], LEVELS, date(2026, 7, 28)) == DEMAND_2


def test_payment_deadline_moves_to_the_next_bank_day() -> None:
    eight = dataclasses.replace(REMINDER, deadline_days=8)
    assert payment_deadline(date(2026, 6, 11), eight) == date(2026, 6, 22)  # midsommarafton
    assert payment_deadline(date(2026, 12, 16), eight) == date(2026, 12, 28)  # julafton ... Sunday
    assert payment_deadline(date(2026, 3, 2), eight) == date(2026, 3, 10)


def test_the_scan_is_fast() -> None:
    due = date(2026, 1, 1)
    started = time.perf_counter()
    for i in range(100_000):
        next_level_due(due + timedelta(days=i % 300), [(1, date(2026, 2, 1))], LEVELS,
                       date(2026, 11, 28))
    assert time.perf_counter() - started < 2.0  # ~0.1 s here (1M calls: 0.7-1.4 s)


# --- fees --------------------------------------------------------------------------------------


def test_reminder_fee_only_where_the_contract_allows_it_and_never_above_the_cap() -> None:
    caps = FeeCaps()
    assert caps == FeeCaps(reminder_ore=6000, demand_ore=18000)
    greedy = dataclasses.replace(REMINDER, fee_ore=7500)
    assert capped_fee(REMINDER, caps, reminder_fee_allowed=True) == 6000
    assert capped_fee(greedy, caps, reminder_fee_allowed=True) == 6000
    assert capped_fee(greedy, caps, reminder_fee_allowed=False) == 0
    assert capped_fee(dataclasses.replace(REMINDER, fee_ore=4000), caps, True) == 4000


def test_demand_fee_is_capped_whatever_the_contract_says() -> None:
    caps = FeeCaps()
    assert capped_fee(dataclasses.replace(DEMAND, fee_ore=20000), caps, False) == 18000
    assert capped_fee(dataclasses.replace(DEMAND, fee_ore=15000), caps, False) == 15000
    assert capped_fee(DEMAND, FeeCaps(demand_ore=16000), True) == 16000
    assert capped_fee(dataclasses.replace(DEMAND, fee_ore=-100), caps, True) == 0


# --- validation --------------------------------------------------------------------------------


def test_a_good_configuration_has_no_problems() -> None:
    assert validate_levels(LEVELS, FeeCaps()) == []
    assert validate_levels([DEMAND.__class__(1, "Krav", 10, 18000, 8, "", True)]) == []


def test_no_levels_is_a_problem_because_collection_needs_a_demand() -> None:
    assert validate_levels([]) == [
        "Inga kravnivåer är inlagda: minst en nivå (ett krav) behövs före inkasso."]
    assert any("Minst en nivå måste vara ett krav" in p for p in validate_levels([REMINDER]))


def test_each_problem_names_the_level_and_the_rule() -> None:
    bad = [
        dataclasses.replace(REMINDER, deadline_days=7, fee_ore=7000),
        dataclasses.replace(DEMAND, level=3, days=0, name=" "),
        dataclasses.replace(REMINDER, level=3, fee_ore=-1),
    ]
    problems = validate_levels(bad, FeeCaps())
    assert "Nivå 1 (Påminnelse): betalningstiden är 7 dagar; minst 8." in problems
    assert ("Nivå 1 (Påminnelse): avgiften 70,00 kr är högre än högsta påminnelseavgift "
            "60,00 kr (lag (1981:739) 4 §).") in problems
    assert any(p.startswith("Nivå 3 ( ): har nummer 3 men står på plats 2") for p in problems)
    assert "Nivå 3 ( ): namn saknas." in problems
    assert "Nivå 3 ( ): antal dagar är 0; minst 1." in problems
    assert any("skickas 0 dagar efter föregående nivå" in p for p in problems)
    assert "Nivå 3 (Påminnelse): avgiften får inte vara negativ." in problems
    assert "Nivå 3 (Påminnelse): en påminnelse kan inte komma efter ett krav." in problems


def test_letter_text_must_fit_the_page_and_the_font() -> None:
    long_text = "\n".join(f"Rad {i}" for i in range(LETTER_TEXT_MAX_LINES + 1))
    problems = validate_levels([dataclasses.replace(DEMAND, level=1, letter_text=long_text)])
    assert problems == [f"Nivå 1 (Krav): brevtexten blir {LETTER_TEXT_MAX_LINES + 1} rader; "
                        f"högst {LETTER_TEXT_MAX_LINES} (à 88 tecken) får plats."]
    snowman = dataclasses.replace(DEMAND, level=1, letter_text="Betala \u2603 nu")
    assert validate_levels([snowman]) == [
        "Nivå 1 (Krav): brevtexten har tecken som inte kan skrivas ut: U+2603."]
    typographic = dataclasses.replace(DEMAND, level=1, letter_text="“Betala” – nu…\tTack")
    assert validate_levels([typographic]) == []
    assert printable_letter_text(typographic.letter_text) == '"Betala" - nu... Tack'


def test_wrap_keeps_paragraphs() -> None:
    text = "Första stycket " * 10 + "\n\nAndra stycket."
    lines = wrap_letter_text(text)
    assert all(len(line) <= 88 for line in lines)
    assert lines[-2:] == ["", "Andra stycket."]


# --- ready for collection ----------------------------------------------------------------------


def test_ready_when_every_level_is_issued_and_the_last_deadline_has_passed() -> None:
    numbers = [1, 2, 3]
    deadline = date(2026, 8, 17)
    assert is_ready_for_collection(100, numbers, LEVELS, deadline, date(2026, 8, 18))
    assert not is_ready_for_collection(100, numbers, LEVELS, deadline, deadline)
    assert not is_ready_for_collection(0, numbers, LEVELS, deadline, date(2026, 9, 1))
    assert not is_ready_for_collection(-500, numbers, LEVELS, deadline, date(2026, 9, 1))
    assert not is_ready_for_collection(100, [1, 3], LEVELS, deadline, date(2026, 9, 1))
    assert not is_ready_for_collection(100, numbers, LEVELS, None, date(2026, 9, 1))
    assert not is_ready_for_collection(100, [], [], None, date(2026, 9, 1))


def test_ready_takes_the_same_history_pairs_as_next_level_due() -> None:
    issued = [(1, date(2026, 7, 2)), (2, date(2026, 7, 14)), (3, date(2026, 7, 28))]
    last = payment_deadline(date(2026, 7, 28), DEMAND_2)
    assert last == date(2026, 8, 11)
    assert is_ready_for_collection(100, issued, LEVELS, last, date(2026, 8, 12))
    assert not is_ready_for_collection(100, issued[:2], LEVELS, last, date(2026, 8, 12))


@pytest.mark.parametrize("caps", [FeeCaps(), FeeCaps(5000, 16000)])
def test_fee_above_a_lowered_cap_is_reported(caps: FeeCaps) -> None:
    problems = validate_levels(LEVELS, caps)
    assert (problems == []) == (caps == FeeCaps())
