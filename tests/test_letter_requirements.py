"""What a collection demand (inkassolagen 5 §) and a reminder must say; placeholders."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from tui_inkasso.domain.letter_requirements import (
    PLACEHOLDERS,
    FeeLine,
    LetterFacts,
    fill_placeholders,
    missing_parts,
    objection_sentence,
    placeholder_problems,
    placeholder_values,
    used_placeholders,
)
from tui_inkasso.domain.level_kinds import COLLECTION_DEMAND_TEXT, REMINDER_TEXT, LevelKind

DEMAND = LetterFacts(
    kind=LevelKind.COLLECTION_DEMAND,
    issued_on=date(2026, 12, 21),
    payment_deadline=date(2027, 1, 4),
    creditor_name="Bostads AB Exempel",
    creditor_phone="08-123 456",
    creditor_email="",
    creditor_address=("Box 1", "111 11 Stockholm"),
    debtor_name="Anna Andersson",
    claim_reference="2026008",
    capital_ore=333000,
    interest_ore=3011,
    interest_rate_bp=1000,
    interest_from=date(2026, 11, 3),
    interest_to=date(2026, 12, 21),
    interest_capital_ore=333000,
    fees=(FeeLine("Påminnelseavgift", 6000), FeeLine("Inkassoavgift", 18000, this_letter=True)),
    total_ore=333000 + 3011 + 6000 + 18000,
    has_objection_line=True,
)

REMINDER = dataclasses.replace(
    DEMAND, kind=LevelKind.REMINDER, payment_deadline=date(2026, 12, 31),
    interest_rate_bp=None, interest_from=None, interest_capital_ore=None,
    fees=(FeeLine("Påminnelseavgift", 6000, this_letter=True),),
    total_ore=333000 + 3011 + 6000, has_objection_line=False)


def test_a_complete_demand_and_reminder_pass() -> None:
    assert missing_parts(DEMAND) == []
    assert missing_parts(REMINDER) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"interest_rate_bp": None}, "räntesatsen saknas (inkassolagen 5 §)"),
    ({"interest_from": None}, "dagen räntan räknas från saknas (inkassolagen 5 §)"),
    ({"interest_to": None}, "dagen räntan är räknad till saknas (inkassolagen 5 §)"),
    ({"interest_capital_ore": None}, "kapitalbeloppet räntan räknas på saknas (inkassolagen 5 §)"),
    ({"has_objection_line": False},
     "raden om att invända mot kravet inom betalningstiden saknas (inkassolagen 5 §)"),
    ({"payment_deadline": None}, "sista betalningsdag (Betalas senast) saknas"),
    ({"creditor_name": " "}, "borgenärens namn saknas"),
    ({"debtor_name": ""}, "gäldenärens namn saknas"),
    ({"claim_reference": ""}, "uppgift om vilken fordran brevet gäller (fakturanummer) saknas"),
])
def test_each_missing_part_of_a_demand_is_named(change: dict[str, object], expected: str) -> None:
    assert missing_parts(dataclasses.replace(DEMAND, **change)) == [expected]


def test_the_interest_amount_is_required_and_the_to_date_only_when_interest_is_charged() -> None:
    facts = dataclasses.replace(DEMAND, interest_ore=None, total_ore=DEMAND.total_ore - 3011)
    assert missing_parts(facts) == ["den upplupna räntans belopp saknas (inkassolagen 5 §)"]
    zero = dataclasses.replace(DEMAND, interest_ore=0, interest_to=None,
                               total_ore=DEMAND.total_ore - 3011)
    assert missing_parts(zero) == []


def test_a_demand_over_christmas_needs_the_extended_deadline() -> None:
    facts = dataclasses.replace(DEMAND, payment_deadline=date(2026, 12, 29))
    [problem] = missing_parts(facts)
    assert "ska ge betalningstid till minst 2027-01-04" in problem


def test_no_way_to_reach_the_creditor() -> None:
    facts = dataclasses.replace(DEMAND, creditor_phone="", creditor_email="",
                                creditor_address=("", ""))
    assert missing_parts(facts) == [
        "uppgift om hur borgenären nås (telefon, e-post eller adress) saknas"]


def test_the_total_must_add_up() -> None:
    facts = dataclasses.replace(DEMAND, total_ore=DEMAND.total_ore + 1)
    assert missing_parts(facts) == [
        "totalbeloppet 3\u00a0600,12 kr är inte summan av kapital, ränta och avgifter "
        "(3\u00a0600,11 kr)"]
    assert "totalbeloppet att betala saknas" in missing_parts(
        dataclasses.replace(DEMAND, total_ore=None))


def test_capital() -> None:
    assert "kapitalbeloppet saknas" in missing_parts(dataclasses.replace(DEMAND, capital_ore=None))
    assert any(p.startswith("kapitalbeloppet är 0,00 kr") for p in
               missing_parts(dataclasses.replace(DEMAND, capital_ore=0)))


def test_fees_each_apart_and_within_the_law() -> None:
    unnamed = dataclasses.replace(DEMAND, fees=(FeeLine("", 6000), DEMAND.fees[1]))
    assert missing_parts(unnamed) == [
        "en avgift på 60,00 kr saknar benämning (varje kostnad anges för sig, inkassolagen 5 §)"]
    too_high = dataclasses.replace(DEMAND, fees=(FeeLine("Inkassoavgift", 50000, True),),
                                   total_ore=333000 + 3011 + 50000)
    [problem] = missing_parts(too_high)
    assert problem.startswith("inkassoavgiften 500,00 kr är högre än 180,00 kr")
    two = dataclasses.replace(DEMAND, fees=(FeeLine("A", 100, True), FeeLine("B", 100, True)),
                              total_ore=333000 + 3011 + 200)
    assert missing_parts(two) == ["brevet tar ut mer än en egen avgift"]


def test_a_reminder_without_fee_charges_nothing() -> None:
    facts = dataclasses.replace(REMINDER, kind=LevelKind.REMINDER_NO_FEE)
    assert missing_parts(facts) == ["en påminnelse utan avgift tar ut avgift (60,00 kr)"]
    earlier_only = dataclasses.replace(facts, fees=(FeeLine("Påminnelseavgift", 6000),))
    assert missing_parts(earlier_only) == []


def test_a_reminder_says_which_date_to_pay_by() -> None:
    assert missing_parts(dataclasses.replace(REMINDER, payment_deadline=None)) == [
        "dagen att betala senast (Betalas senast) saknas"]
    assert missing_parts(dataclasses.replace(REMINDER, payment_deadline=date(2026, 12, 21))) == [
        "dagen att betala senast (2026-12-21) ligger inte efter brevets datum (2026-12-21)"]


def test_the_objection_sentence() -> None:
    assert objection_sentence(date(2027, 1, 4)) == (
        "Om du anser att kravet är felaktigt ska du meddela oss det senast 2027-01-04 och tala "
        "om varför.")


def test_placeholders_are_checked() -> None:
    assert placeholder_problems("Betala {att_betala} senast {betalas_senast}.") == []
    [problem] = placeholder_problems("Betala {belopp}.")
    assert problem.startswith("okänd platshållare {belopp}; kända: {att_betala}, {kapital}")
    assert placeholder_problems("Betala { senast") == [
        "brevtexten har en klammer { eller } som inte hör till en platshållare"]
    assert used_placeholders("{kapital} {ranta} {kapital}") == ["kapital", "ranta"]


def test_placeholders_are_filled_from_the_facts() -> None:
    values = placeholder_values(DEMAND)
    assert set(values) == set(PLACEHOLDERS)
    assert values["ranta_procent"] == "10,00 %"
    assert values["ranta_fran"] == "2026-11-03"
    assert values["avgifter"] == "240,00 kr"
    text = fill_placeholders(COLLECTION_DEMAND_TEXT, values)
    assert "{" not in text
    assert "kapital 3\u00a0330,00 kr, dröjsmålsränta 30,11 kr och avgifter 240,00 kr" in text
    assert "Dröjsmålsräntan är 10,00 % från 2026-11-03" in text
    assert "Betala senast 2027-01-04." in text


def test_a_placeholder_without_a_value_refuses_the_letter() -> None:
    with pytest.raises(ValueError, match=r"använder \{ranta_fran\}, \{ranta_procent\} men brevet har inget värde för dem"):
        fill_placeholders(COLLECTION_DEMAND_TEXT, placeholder_values(REMINDER))
    assert "{" not in fill_placeholders(REMINDER_TEXT, placeholder_values(REMINDER))
    with pytest.raises(ValueError, match="okänd platshållare"):
        fill_placeholders("{x}", {})
