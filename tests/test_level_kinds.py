"""Dunning level kinds and the configurations the law does not allow (lag (1981:739))."""

from __future__ import annotations

from datetime import date

import pytest

from tui_inkasso.domain.dunning import validate_levels
from tui_inkasso.domain.fee_ceilings import FeeKind
from tui_inkasso.domain.letter_requirements import placeholder_problems
from tui_inkasso.domain.level_kinds import (
    LAWFUL_DEFAULT_LEVELS,
    KindedLevel,
    LevelKind,
    default_kind,
    kinded_levels,
    level_kind_problems,
)

ON = date(2026, 12, 1)
R, R0, D = LevelKind.REMINDER, LevelKind.REMINDER_NO_FEE, LevelKind.COLLECTION_DEMAND


def levels(*spec: tuple[LevelKind, int]) -> list[KindedLevel]:
    return [KindedLevel(n, f"Nivå{n}", kind, fee) for n, (kind, fee) in enumerate(spec, start=1)]


def test_kinds_have_labels_and_fees() -> None:
    assert [k.label for k in LevelKind] == ["Påminnelse", "Påminnelse utan avgift", "Inkassokrav"]
    assert R.fee_kind is FeeKind.REMINDER and D.fee_kind is FeeKind.COLLECTION
    assert R0.fee_kind is None
    assert D.is_collection_demand and not R.is_collection_demand and not R0.is_collection_demand


@pytest.mark.parametrize("text", ["collection_demand", "Inkassokrav", "  INKASSOKRAV "])
def test_parse_by_code_or_label(text: str) -> None:
    assert LevelKind.parse(text) is D


def test_parse_refuses_unknown_in_swedish() -> None:
    with pytest.raises(ValueError, match="okänd typ av kravnivå 'krav'"):
        LevelKind.parse("krav")


@pytest.mark.parametrize("config", [
    [(R, 6000), (D, 18000)],
    [(R, 6000), (R0, 0), (D, 18000)],
    [(R0, 0), (R0, 0), (D, 18000)],
    [(R, 0), (R, 6000), (D, 0), (D, 18000)],   # one fee each, whichever level carries it
    [(R, 6000)],
    [],
])
def test_lawful_configurations(config: list[tuple[LevelKind, int]]) -> None:
    assert level_kind_problems(levels(*config), ON) == []


def test_the_issues_configuration_is_refused() -> None:
    # Påminnelse 60 + Krav 1 180 + Krav 2 180: 420 kr on one rent (issue 13, item 3)
    problems = level_kind_problems(levels((R, 6000), (D, 18000), (D, 18000)), ON)
    assert problems == ["Inkassoavgift på flera nivåer (2, 3): inkassoavgift får tas ut högst en "
                        "gång per fordran (lag (1981:739) om ersättning för inkassokostnader m.m. "
                        "3 § 1 och 4 §)."]


def test_a_fee_on_a_reminder_without_fee_is_refused() -> None:
    [problem] = level_kind_problems(levels((R0, 6000)), ON)
    assert problem.startswith("Nivå 1 (Nivå1): en påminnelse utan avgift får inte ta ut någon "
                              "avgift (angiven 60,00 kr)")


def test_a_reminder_fee_on_two_levels_is_refused() -> None:
    [problem] = level_kind_problems(levels((R, 6000), (R, 6000)), ON)
    assert problem.startswith("Påminnelseavgift på flera nivåer (1, 2)")


@pytest.mark.parametrize(("config", "expected"), [
    ([(R, 10000)], "Nivå 1 (Nivå1): påminnelseavgiften 100,00 kr är högre än 60,00 kr"),
    ([(D, 50000)], "Nivå 1 (Nivå1): inkassoavgiften 500,00 kr är högre än 180,00 kr"),
    ([(R, -100)], "Nivå 1 (Nivå1): påminnelseavgiften får inte vara negativ"),
])
def test_fees_above_the_ceiling_are_refused(config: list[tuple[LevelKind, int]],
                                            expected: str) -> None:
    [problem] = level_kind_problems(levels(*config), ON)
    assert problem.startswith(expected)


def test_the_ceiling_is_the_one_in_force_on_the_date() -> None:
    assert level_kind_problems(levels((D, 18000)), date(2013, 3, 16)) == []
    [problem] = level_kind_problems(levels((D, 18000)), date(2013, 3, 15))
    assert "högre än 160,00 kr" in problem


def test_a_reminder_after_the_collection_demand_is_refused() -> None:
    [problem] = level_kind_problems(levels((D, 18000), (R0, 0)), ON)
    assert problem == ("Nivå 2 (Nivå2): en påminnelse kan inte komma efter inkassokravet på "
                       "nivå 1.")


def test_every_problem_is_listed_at_once() -> None:
    problems = level_kind_problems(levels((R0, 100), (R, 9000), (D, 90000), (D, 18000)), ON)
    assert len(problems) == 4


def test_default_kind_reads_old_levels_through_is_demand_level() -> None:
    assert default_kind(2, 18000) is D
    assert default_kind(3, 0) is D
    assert default_kind(1, 6000) is R
    assert default_kind(1, 0) is R0


def test_kinded_levels_from_dunning_levels() -> None:
    from tui_inkasso.domain.dunning import DunningLevel
    old = [DunningLevel(1, "Påminnelse", 8, 6000, 10, "", False),
           DunningLevel(2, "Krav 1", 10, 18000, 10, "", True),
           DunningLevel(3, "Krav 2", 10, 18000, 10, "", True)]
    assert [k.kind for k in kinded_levels(old)] == [R, D, D]
    # the issue's configuration read as stored is refused ...
    assert level_kind_problems(kinded_levels(old), ON)
    # ... and lawful once the second demand level charges no fee
    fixed = [*old[:2], DunningLevel(3, "Krav 2", 10, 0, 10, "", True)]
    assert level_kind_problems(kinded_levels(fixed), ON) == []
    assert [k.kind for k in kinded_levels(old, {2: R0})] == [R, R0, D]


def test_the_lawful_defaults_pass_every_check() -> None:
    kinded = [KindedLevel(d.level, d.name, d.kind, d.fee_ore) for d in LAWFUL_DEFAULT_LEVELS]
    assert level_kind_problems(kinded, ON) == []
    assert [d.kind for d in LAWFUL_DEFAULT_LEVELS] == [R, D]
    for default in LAWFUL_DEFAULT_LEVELS:
        assert placeholder_problems(default.letter_text) == []
    from tui_inkasso.domain.dunning import DunningLevel
    dunning_levels = [DunningLevel(d.level, d.name, d.days, d.fee_ore, d.deadline_days,
                                   d.letter_text, d.kind.is_collection_demand)
                      for d in LAWFUL_DEFAULT_LEVELS]
    assert validate_levels(dunning_levels) == []


def test_the_default_demand_names_a_collection_measure_and_the_objection() -> None:
    text = LAWFUL_DEFAULT_LEVELS[1].letter_text
    # inkassolagen 1 §: more than a time to pay or "handed over to collection"
    assert "betalningsföreläggande hos Kronofogden" in text
    for placeholder in ("{kapital}", "{ranta}", "{ranta_procent}", "{ranta_fran}", "{avgifter}",
                        "{att_betala}", "{betalas_senast}"):
        assert placeholder in text
    assert "meddela oss" in text and "felaktigt" in text
