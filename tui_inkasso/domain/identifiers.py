"""Swedish identifiers with their check digits.

Personnummer and organisationsnummer are validated by python-stdnum; bankgiro, plusgiro and OCR
references follow Bankgirot's and Nordea's rules (Luhn / "10-modul"), see
shared/docs/formats/bank-files.md §6. Every function returns the number in the one form we store,
so that two spellings of the same number compare equal.
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.se import orgnr as _orgnr
from stdnum.se import personnummer as _personnummer


class IdentifierError(ValueError):
    """A number that fails its format or its check digit.

    The message is Swedish and names the kind of number and the value as given
    ("bankgironumret '123-4567' har fel kontrollsiffra"): services show it to staff as it is.
    """


def _is_digits(text: str) -> bool:
    """Only the digits 0-9: ``str.isdigit`` also takes full-width and Arabic-Indic digits, which
    would pass a check digit (``int('٣')`` is 3) and be stored as typed."""
    return text.isascii() and text.isdigit()


def digits_only(text: str) -> str:
    """Drop spaces, hyphens and plus signs; keep the digits."""
    return re.sub(r"[\s\-+]", "", str(text))


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    return luhn.calc_check_digit(digits)


_LUHN_PLAIN = {str(d): d for d in range(10)}
_LUHN_DOUBLED = {str(d): (2 * d) % 9 if d != 9 else 9 for d in range(10)}
"""A digit's share of the Luhn sum as it stands and doubled (digits of 2d summed)."""


def is_luhn_valid(digits: str) -> bool:
    """True when the whole digit string, check digit included, passes Luhn.

    Two table lookups a digit instead of python-stdnum's general alphabet (whose ``index`` and
    ``divmod`` per digit were most of a 100,000-payment file's OCR checks); the same answers,
    which ``tests/test_identifiers.py`` compares over every length.
    """
    if not digits or not _is_digits(digits):
        return False
    total = sum(map(_LUHN_PLAIN.__getitem__, digits[-1::-2])) + sum(map(_LUHN_DOUBLED.__getitem__, digits[-2::-2]))
    return total % 10 == 0


def normalize_bankgiro(text: str) -> str:
    """A bankgiro number as its 7 or 8 digits, no hyphen; leading zeros of BgMax fields dropped."""
    digits = digits_only(text).lstrip("0")
    if not _is_digits(digits) or not 7 <= len(digits) <= 8:
        raise IdentifierError(f"bankgironumret {text!r} ska ha 7 eller 8 siffror")
    if not is_luhn_valid(digits):
        raise IdentifierError(f"bankgironumret {text!r} har fel kontrollsiffra")
    return digits


def format_bankgiro(digits: str) -> str:
    """Bankgiro in its printed form, NNN-NNNN or NNNN-NNNN."""
    return f"{digits[:-4]}-{digits[-4:]}"


def normalize_plusgiro(text: str) -> str:
    """A plusgiro number as its 2 to 8 digits, no hyphen."""
    digits = digits_only(text).lstrip("0")
    if not _is_digits(digits) or not 2 <= len(digits) <= 8:
        raise IdentifierError(f"plusgironumret {text!r} ska ha 2 till 8 siffror")
    if not is_luhn_valid(digits):
        raise IdentifierError(f"plusgironumret {text!r} har fel kontrollsiffra")
    return digits


def format_plusgiro(digits: str) -> str:
    """Plusgiro in its printed form, with a hyphen before the check digit: 5805620-1."""
    return f"{digits[:-1]}-{digits[-1]}"


def normalize_giro(text: str) -> str:
    """A bankgiro or plusgiro number (the agency may give either) as bare digits.

    A number of 7-8 digits is read as bankgiro, shorter as plusgiro; both must pass Luhn. A
    number that is neither is refused naming both forms (not as "a plusgiro of 9 digits"), and
    every message quotes ``text`` as given, so staff find it in what they typed.
    """
    digits = digits_only(text).lstrip("0")
    if not _is_digits(digits) or not 2 <= len(digits) <= 8:
        raise IdentifierError(f"{text!r} är inget bankgiro- eller plusgironummer "
                              "(bankgiro 7 eller 8 siffror, plusgiro 2–8)")
    if 7 <= len(digits) <= 8:
        return normalize_bankgiro(text)
    return normalize_plusgiro(text)


def ocr_with_check(base: str, *, length_digit: bool = True) -> str:
    """Build an OCR reference from ``base``: optional length digit, then the Luhn digit.

    The length digit is the total length (length and check digit included) mod 10, and is part
    of the Luhn computation (Bankgirot's "checksiffra och längd").
    """
    if not _is_digits(base):
        raise IdentifierError(f"underlaget {base!r} till OCR-numret ska vara siffror")
    if length_digit:
        base += str((len(base) + 2) % 10)
    return base + luhn_check_digit(base)


def normalize_ocr(text: str, *, length_digit: bool = True) -> str:
    """An OCR reference: 2-25 digits, Luhn check digit last, length digit second to last."""
    digits = text if text.isascii() and text.isdigit() else digits_only(text)  # a bank file's are bare digits
    if not _is_digits(digits) or not 2 <= len(digits) <= 25:
        raise IdentifierError(f"OCR-numret {text!r} ska ha 2 till 25 siffror")
    if not is_luhn_valid(digits):
        raise IdentifierError(f"OCR-numret {text!r} har fel kontrollsiffra")
    if length_digit and int(digits[-2]) != len(digits) % 10:
        raise IdentifierError(f"OCR-numret {text!r} har fel längdsiffra")
    return digits


def normalize_personnummer(text: str) -> str:
    """A personnummer as YYYYMMDD-NNNN: twelve digits, so the century is never guessed twice."""
    try:
        compact = _personnummer.validate(text)
        born = _personnummer.get_birth_date(compact)
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise IdentifierError(f"inget giltigt personnummer: {text!r} ({_reason(exc)})") from exc
    serial = digits_only(compact)[-4:]
    return f"{born.year:04d}{digits_only(compact)[-10:-4][2:]}-{serial}"


def normalize_orgnr(text: str) -> str:
    """An organisationsnummer as NNNNNN-NNNN."""
    try:
        return _orgnr.format(_orgnr.validate(text))
    except Exception as exc:
        raise IdentifierError(f"inget giltigt organisationsnummer: {text!r} ({_reason(exc)})") from exc


def is_organisation(text: str) -> bool:
    """True for an organisationsnummer: its third digit is 2 or more (month digits never are)."""
    digits = digits_only(text)
    if len(digits) == 12:
        digits = digits[2:]
    return len(digits) == 10 and digits[2] >= "2"


def normalize_national_id(text: str) -> str:
    """A customer's personnummer or organisationsnummer, told apart by the month digit."""
    if is_organisation(text):
        return normalize_orgnr(text)
    return normalize_personnummer(text)


def _reason(exc: Exception) -> str:
    """python-stdnum's failure in Swedish by its class; an unknown one keeps the library's text."""
    message = str(exc) or type(exc).__name__
    return {
        "InvalidChecksum": "fel kontrollsiffra",
        "InvalidLength": "fel längd",
        "InvalidFormat": "fel format",
        "InvalidComponent": "omöjligt datum eller nummer",
    }.get(type(exc).__name__, message)
