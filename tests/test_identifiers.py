"""The domain's refusals of numbers and codes: Swedish, naming the kind of number and the value.

Services show these messages as they are (the ledger import after the field's path, the settings
next to the field), so the words are tested where they are made.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tui_inkasso.domain.identifiers import (
    IdentifierError,
    normalize_bankgiro,
    normalize_giro,
    normalize_ocr,
    normalize_orgnr,
    normalize_personnummer,
    normalize_plusgiro,
    ocr_with_check,
)
from tui_inkasso.domain.sfi import SfiCategory


def test_valid_numbers_are_stored_in_one_form() -> None:
    assert normalize_bankgiro("5050-1055") == "50501055"
    assert normalize_plusgiro("43 45 66-6") == "4345666"
    assert normalize_giro("5050-1055") == "50501055"
    assert normalize_giro("43 45 66-6") == "4345666"
    assert normalize_ocr(ocr_with_check("10023")) == "1002377"
    assert normalize_personnummer("800101-0019") == "19800101-0019"
    assert normalize_orgnr("5560360793") == "556036-0793"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: normalize_bankgiro("123-45"), "bankgironumret '123-45' ska ha 7 eller 8 siffror"),
        (lambda: normalize_bankgiro("123-4567"), "bankgironumret '123-4567' har fel kontrollsiffra"),
        (lambda: normalize_plusgiro("1"), "plusgironumret '1' ska ha 2 till 8 siffror"),
        (lambda: normalize_plusgiro("4345667"), "plusgironumret '4345667' har fel kontrollsiffra"),
        (lambda: normalize_giro("1234-5678"), "bankgironumret '1234-5678' har fel kontrollsiffra"),
        (lambda: normalize_giro("1234-5"), "plusgironumret '1234-5' har fel kontrollsiffra"),
        (lambda: normalize_giro("123-456-789"),
         "'123-456-789' är inget bankgiro- eller plusgironummer (bankgiro 7 eller 8 siffror, plusgiro 2–8)"),
        (lambda: normalize_giro("Bg 5050-1055"),
         "'Bg 5050-1055' är inget bankgiro- eller plusgironummer (bankgiro 7 eller 8 siffror, plusgiro 2–8)"),
        (lambda: ocr_with_check("12a"), "underlaget '12a' till OCR-numret ska vara siffror"),
        (lambda: normalize_ocr("1"), "OCR-numret '1' ska ha 2 till 25 siffror"),
        (lambda: normalize_ocr("20000189"), "OCR-numret '20000189' har fel kontrollsiffra"),
        (lambda: normalize_ocr("30000178"), "OCR-numret '30000178' har fel längdsiffra"),
        (lambda: normalize_personnummer("800101-0002"),
         "inget giltigt personnummer: '800101-0002' (fel kontrollsiffra)"),
        (lambda: normalize_personnummer("801301-0000"),
         "inget giltigt personnummer: '801301-0000' (omöjligt datum eller nummer)"),
        (lambda: normalize_personnummer("8001"),
         "inget giltigt personnummer: '8001' (fel längd)"),
        (lambda: normalize_personnummer("800101-001"),
         "inget giltigt personnummer: '800101-001' (fel format)"),
        (lambda: normalize_orgnr("556677-8898"),
         "inget giltigt organisationsnummer: '556677-8898' (fel kontrollsiffra)"),
    ],
)
def test_a_refused_number_says_which_number_what_is_wrong_and_the_value(
    call: Callable[[], object], message: str,
) -> None:
    with pytest.raises(IdentifierError) as caught:
        call()
    assert str(caught.value) == message


def test_an_unknown_sfi_category_lists_the_known_codes() -> None:
    with pytest.raises(ValueError) as caught:
        SfiCategory.parse("kontor")
    assert str(caught.value) == (
        "okänd SFI-kategori 'kontor'; kända: bostad, ovriga, parkering, lager, garage, ej_vald"
    )


def test_luhn_check_agrees_with_python_stdnum_over_every_length() -> None:
    import random

    from stdnum import luhn

    from tui_inkasso.domain.identifiers import is_luhn_valid

    rng = random.Random(14)
    for length in range(1, 30):
        for _ in range(200):
            digits = "".join(rng.choice("0123456789") for _ in range(length))
            assert is_luhn_valid(digits) == luhn.is_valid(digits), digits
            valid = digits + luhn.calc_check_digit(digits)
            assert is_luhn_valid(valid), valid
    for wrong in ("", "12a4", "１２３", "٣٣", " 18"):
        assert not is_luhn_valid(wrong)
