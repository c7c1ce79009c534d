"""Ledger account numbers (kontonummer), which each owner maps to an account role (kontovärde).

Where a payment is booked is an owner's account for a role ("Kundfordringar" 1510, "Bank" 1930
in the BAS chart); the roles themselves are :class:`~tui_inkasso.domain.codes.AccountRole`.
"""

from __future__ import annotations

from tui_inkasso.domain.codes import AccountRole

MAX_DIGITS = 10
"""The longest account number the ledger stores (BAS accounts have 4 digits; some charts more)."""

REQUIRED_ROLES: frozenset[str] = frozenset({
    AccountRole.RECEIVABLES.value, AccountRole.BANK.value, AccountRole.PREPAYMENTS.value,
})
"""Roles every payment booking needs: once an owner has an account for one, it cannot be
removed, only changed (the other roles are used where they are set, e.g. an agency's
overpayment goes to "Förskott från kunder" when "Överskjutande betalning inkasso" has none)."""


class AccountNumberError(ValueError):
    """An account number that is not 1 to 10 digits; the message is Swedish and quotes it."""


def normalize_account_number(text: str) -> str:
    """The account number as its digits ("1510"); spaces around it are dropped."""
    digits = str(text).strip()
    if not digits.isdigit() or not digits.isascii() or not 1 <= len(digits) <= MAX_DIGITS:
        raise AccountNumberError(f"{text.strip()!r} är inget kontonummer (1–{MAX_DIGITS} siffror, t.ex. 1510)")
    return digits
