"""How a creditor is reached: an owner's phone, e-mail and postal address, checked as typed.

A collection demand must say who the creditor is and how to reach them (inkassolagen (1974:182)
5 §; domain/letter_requirements.py refuses a letter without a phone, an e-mail or an address),
so staff set them on the owner (Inställningar → Ägare och konton). The checks catch typing
mistakes and anything that would print badly on a letter; they do not look the address up.
Each function returns the value as stored ("" for none) or raises :class:`ContactError` with the
Swedish reason.
"""

from __future__ import annotations

import re

from tui_inkasso.domain.email_address import EmailAddressError, normalize_email

MAX_LENGTHS = {"phone": 40, "email": 200, "address": 200, "postal_code": 10, "city": 100}
"""The owner table's column widths (db/models.py ``Owner``), also the ledger import's limits."""

_PHONE = re.compile(r"^\+?[0-9 ()/\-]+$")
_POSTAL = re.compile(r"^(\d{3}) ?(\d{2})$")


class ContactError(ValueError):
    """A contact detail that cannot be stored; the message says why."""


def normalize_phone(text: str) -> str:
    """"08-123 456", "+46 8 123 456", "070-123 45 67": digits with the usual separators, 6 to
    15 digits (E.164's longest number is 15), a "+" only first; "" for none."""
    phone = " ".join(text.split())
    if not phone:
        return ""
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE.match(phone) or not 6 <= digits <= 15:
        raise ContactError(f"{phone!r} är inget telefonnummer (6–15 siffror, t.ex. 08-123 456 "
                           "eller +46 8 123 456)")
    return _within("phone", phone)


def normalize_contact_email(text: str) -> str:
    """An e-mail address (domain.email_address), "" for none."""
    if not text.strip():
        return ""
    try:
        return _within("email", normalize_email(text))
    except EmailAddressError as exc:
        raise ContactError(str(exc)) from None


def normalize_postal_code(text: str) -> str:
    """A Swedish postal code as printed, "111 22" (typed "11122" or "111 22"); "" for none."""
    code = text.strip()
    if not code:
        return ""
    match = _POSTAL.match(code)
    if match is None:
        raise ContactError(f"{code!r} är inget postnummer (fem siffror, t.ex. 111 22)")
    return f"{match[1]} {match[2]}"


def normalize_line(name: str, text: str) -> str:
    """A street address or a city: one line of printable text, blanks collapsed; "" for none."""
    if any(not ch.isprintable() for ch in text.strip()):
        raise ContactError("texten får bara vara en rad, utan styrtecken")
    return _within(name, " ".join(text.split()))


def _within(name: str, value: str) -> str:
    limit = MAX_LENGTHS[name]
    if len(value) > limit:
        raise ContactError(f"högst {limit} tecken ({len(value)} skrivna)")
    return value


NORMALIZERS = {
    "phone": normalize_phone,
    "email": normalize_contact_email,
    "address": lambda text: normalize_line("address", text),
    "postal_code": normalize_postal_code,
    "city": lambda text: normalize_line("city", text),
}
"""Field name -> its check, in the order the owners' form shows them."""
