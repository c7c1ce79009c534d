"""The OCR control level of a receiving account: none, check digit, check digit and length."""

from __future__ import annotations

import pytest

from tui_inkasso.domain.identifiers import IdentifierError
from tui_inkasso.domain.ocr_control import (
    DEFAULT_OCR_CONTROL,
    OcrControl,
    check_ocr,
    is_valid_ocr,
    make_ocr,
)

NONE, CHECK, LENGTH = OcrControl.NONE, OcrControl.CHECK_DIGIT, OcrControl.CHECK_DIGIT_AND_LENGTH


def test_a_check_digit_only_reference_passes_its_own_level() -> None:
    # issue 13, item 9: "fel längdsiffra" for 1002633 under a check-digit-only agreement
    assert check_ocr("1002633", CHECK) == "1002633"
    with pytest.raises(IdentifierError, match="fel längdsiffra"):
        check_ocr("1002633", LENGTH)
    assert check_ocr("1002633", NONE) == "1002633"


def test_a_wrong_check_digit() -> None:
    with pytest.raises(IdentifierError, match="fel kontrollsiffra"):
        check_ocr("1002634", CHECK)
    assert check_ocr("1002634", NONE) == "1002634"
    assert not is_valid_ocr("1002634", CHECK) and is_valid_ocr("1002634", NONE)


@pytest.mark.parametrize("text", ["", "1", "12345678901234567890123456", "12a4"])
def test_no_control_still_wants_2_to_25_digits(text: str) -> None:
    with pytest.raises(IdentifierError, match="ska ha 2 till 25 siffror"):
        check_ocr(text, NONE)


def test_spaces_and_hyphens_are_dropped() -> None:
    assert check_ocr("100 263-3", CHECK) == "1002633"


@pytest.mark.parametrize("control", list(OcrControl))
def test_made_references_pass_their_level(control: OcrControl) -> None:
    for base in ("1", "2026008", "12345678901234567890"):
        assert is_valid_ocr(make_ocr(base, control), control)
    assert len(make_ocr("2026008", LENGTH)) == 9 and len(make_ocr("2026008", CHECK)) == 8


def test_parse_and_labels() -> None:
    assert OcrControl.parse("check_digit") is CHECK
    assert OcrControl.parse("Checksiffra och längd") is LENGTH
    assert OcrControl.parse("ingen ocr-kontroll") is NONE
    assert OcrControl.parse("") is DEFAULT_OCR_CONTROL is LENGTH
    assert OcrControl.parse(None) is LENGTH
    with pytest.raises(ValueError, match="okänd OCR-kontroll 'hård'"):
        OcrControl.parse("hård")
    assert [c.label for c in OcrControl] == ["Ingen OCR-kontroll", "Checksiffra",
                                             "Checksiffra och längd"]
