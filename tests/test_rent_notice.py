"""The rent sentence (jordabalken 12 kap. 42-43 §§): exact, and only for dwellings and premises."""

from __future__ import annotations

import pytest

from tui_inkasso.domain.rent_notice import (
    DEFAULT_RENT_NOTICE,
    RentPremises,
    format_rent_notice_setting,
    parse_rent_notice_setting,
    rent_notice_premises,
    rent_notice_problems,
    rent_sentence,
)
from tui_inkasso.domain.sfi import SfiCategory

DWELLING, PREMISES = RentPremises.DWELLING, RentPremises.PREMISES


def test_the_dwelling_sentence() -> None:
    assert rent_sentence(DWELLING) == (
        "Dröjer hyresgästen med att betala hyran mer än en vecka efter förfallodagen är "
        "hyresrätten förverkad och hyresvärden har rätt att säga upp avtalet att upphöra i förtid "
        "(12 kap. 42 § första stycket 1 jordabalken). Betalningstiden i detta brev förlänger inte "
        "den fristen. Betalas hyran innan avtalet har sagts upp kan hyresgästen inte skiljas från "
        "lägenheten på den grunden (12 kap. 43 § jordabalken).")


def test_the_premises_sentence() -> None:
    text = rent_sentence(PREMISES)
    assert "mer än två vardagar efter förfallodagen" in text
    assert "(12 kap. 42 § första stycket 2 jordabalken)" in text
    assert "kan vara förverkad" not in text


def test_the_sentence_prints_in_the_letter_font() -> None:
    for premises in RentPremises:
        rent_sentence(premises).encode("latin-1")


@pytest.mark.parametrize(("category", "expected"), [
    (SfiCategory.BOSTAD, DWELLING),
    (SfiCategory.OVRIGA, PREMISES),
    (SfiCategory.PARKERING, None),
    (SfiCategory.LAGER, None),
    (SfiCategory.GARAGE, None),
    (SfiCategory.NONE, None),
    ("lokaler", PREMISES),
    (None, None),
])
def test_default_categories(category: SfiCategory | str | None,
                            expected: RentPremises | None) -> None:
    assert rent_notice_premises("rent", category) is expected


def test_only_rent_carries_it() -> None:
    assert rent_notice_premises("direct", SfiCategory.BOSTAD) is None


def test_a_configured_garage_carries_the_premises_sentence() -> None:
    configured = {**DEFAULT_RENT_NOTICE, SfiCategory.GARAGE: PREMISES}
    assert rent_notice_premises("rent", SfiCategory.GARAGE, configured) is PREMISES
    assert rent_notice_premises("rent", SfiCategory.BOSTAD, {}) is None


def test_the_setting_round_trips() -> None:
    assert parse_rent_notice_setting("bostad=bostad, ovriga=lokal") == dict(DEFAULT_RENT_NOTICE)
    configured = parse_rent_notice_setting("Garage=lokal,lokaler=lokal , bostad=bostad")
    assert format_rent_notice_setting(configured) == "bostad=bostad, ovriga=lokal, garage=lokal"
    assert parse_rent_notice_setting("") == {}


@pytest.mark.parametrize(("text", "message"), [
    ("garage=bostad", "SFI-kategorin Garage kan inte vara en bostadslägenhet"),
    ("bostad", "'bostad': skriv kategori=bostad eller kategori=lokal"),
    ("bostad=hus", "'bostad=hus': 'hus' ska vara bostad eller lokal"),
    ("bostad=bostad, bostad=lokal", "kategorin Bostad står två gånger"),
    ("villa=bostad", "okänd SFI-kategori 'villa'"),
])
def test_bad_settings_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rent_notice_setting(text)


def test_problems_of_a_configuration() -> None:
    assert rent_notice_problems(DEFAULT_RENT_NOTICE) == []
    assert rent_notice_problems({SfiCategory.PARKERING: DWELLING}) == [
        "SFI-kategorin Parkering kan inte vara en bostadslägenhet; välj lokal eller ingen hyresrad"]
