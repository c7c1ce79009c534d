"""How strictly a receiving bankgiro or plusgiro checks the OCR references paid to it.

Bankgirot's OCR reference control comes in levels (shared/docs/formats/bank-files.md §5.3 and
§6.3: the sample files "Avtal om OCR-kontroll: Checksiffra", "... Checksiffra och längd" and
"Avtal utan tillval"); which one a landlord has is part of the agreement for each receiving
number, so it is a property of the account, not of the ledger (issue 13, item 9):

* **none** (avtal utan OCR-kontroll): any reference of 2 to 25 digits is taken as given;
* **check digit** (checksiffra): the last digit is a Luhn (10-modul) check digit;
* **check digit and length** (checksiffra och längd): also the second-to-last digit is the
  reference's length modulo 10 (the "längdsiffra").

Bankgirot's fourth level, a fixed agreed length, is not offered: a fixed length is also a
correct length digit or none, and no ledger here has asked for it.

A ledger whose agreement checks only the check digit has references like ``1002633`` that a
length check wrongly refuses ("fel längdsiffra"). The checks themselves are
``domain.identifiers.normalize_ocr``; this module picks them by level.
"""

from __future__ import annotations

from enum import StrEnum

from tui_inkasso.domain.identifiers import (
    IdentifierError,
    digits_only,
    normalize_ocr,
    ocr_with_check,
)

MIN_OCR_DIGITS = 2
MAX_OCR_DIGITS = 25
"""Bankgirot's shortest and longest OCR reference (bank-files.md §6.3)."""


class OcrControl(StrEnum):
    """The OCR control level of a receiving account; the value is the stored code."""

    NONE = "none"
    CHECK_DIGIT = "check_digit"
    CHECK_DIGIT_AND_LENGTH = "check_digit_and_length"

    @property
    def label(self) -> str:
        """The Swedish name, as Bankgirot's agreement words it."""
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str | None) -> OcrControl:
        """A level from its code or Swedish label; empty means the strictest, the default.

        Unknown text raises ValueError naming the choices.
        """
        cleaned = " ".join(str(text or "").strip().lower().split())
        if not cleaned:
            return DEFAULT_OCR_CONTROL
        for level in cls:
            if cleaned in (level.value, level.label.lower()):
                return level
        known = ", ".join(f"{lv.value} ({lv.label})" for lv in cls)
        raise ValueError(f"okänd OCR-kontroll {text!r}; kända: {known}")


_LABELS = {
    OcrControl.NONE: "Ingen OCR-kontroll",
    OcrControl.CHECK_DIGIT: "Checksiffra",
    OcrControl.CHECK_DIGIT_AND_LENGTH: "Checksiffra och längd",
}

DEFAULT_OCR_CONTROL = OcrControl.CHECK_DIGIT_AND_LENGTH
"""What an account without a stated level gets: the strictest, as the product always did."""


def check_ocr(text: str, control: OcrControl) -> str:
    """The OCR reference ``text`` as bare digits, checked as ``control`` asks.

    Raises :class:`~tui_inkasso.domain.identifiers.IdentifierError` with the Swedish reason.
    With no control a reference is still 2 to 25 digits: anything else cannot be matched
    against an invoice.
    """
    if control is OcrControl.NONE:
        digits = digits_only(text)
        if not digits.isdigit() or not MIN_OCR_DIGITS <= len(digits) <= MAX_OCR_DIGITS:
            raise IdentifierError(f"OCR-numret {text!r} ska ha {MIN_OCR_DIGITS} till "
                                  f"{MAX_OCR_DIGITS} siffror")
        return digits
    return normalize_ocr(text, length_digit=control is OcrControl.CHECK_DIGIT_AND_LENGTH)


def is_valid_ocr(text: str, control: OcrControl) -> bool:
    """True when :func:`check_ocr` accepts ``text`` at ``control``."""
    try:
        check_ocr(text, control)
    except IdentifierError:
        return False
    return True


def make_ocr(base: str, control: OcrControl) -> str:
    """A new OCR reference from ``base`` that passes ``control``.

    A length digit only where the agreement checks the length; a check digit always (with no
    control it costs nothing and catches typing errors when staff match by hand).
    """
    return ocr_with_check(base, length_digit=control is OcrControl.CHECK_DIGIT_AND_LENGTH)
