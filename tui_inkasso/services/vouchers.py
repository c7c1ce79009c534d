"""Vouchers on an owner's books: the accounts an owner maps to roles, voucher numbers, balanced rows.

Every booking of this program (a payment, an allocation, the fees and interest a run charges)
is a voucher in the books of the owner whose invoice it concerns (GUIDE: money is booked only
in the books of the owner whose account received it). The account for a role is the owner's own
mapping (Inställningar → Ägare); a missing one refuses the booking with the owner and role named.
Numbers run per owner, taken under a lock of the owner rows on PostgreSQL so two bookings never
get the same number. Callers hold the write transaction.
"""

from __future__ import annotations

from collections import defaultdict

import peewee as pw

from tui_inkasso.db.models import Account, Owner, Voucher
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.services.errors import BookingError
from tui_inkasso.services.transaction import is_postgres

AccountMap = dict[int, dict[str, str]]
"""owner id -> role -> account number."""


def account_map(owner_ids: set[int]) -> AccountMap:
    """The accounts the owners map, by owner and role."""
    result: AccountMap = defaultdict(dict)
    if not owner_ids:
        return result
    for owner_id, role, number in tuple_rows(Account.select(Account.owner, Account.role, Account.number).where(
                   Account.owner.in_(list(owner_ids))
               )):
        result[owner_id][role] = number
    return result


def missing_account(owner_id: int, role: str) -> str:
    """Why a booking on ``role`` cannot be made for the owner, in Swedish, naming both."""
    owner = Owner.get_by_id(owner_id)
    return f"ägare {owner.code} ({owner.name}) saknar konto för kontovärdet \"{role}\": koppla ett konto först"


def account_for(accounts: AccountMap, owner_id: int, role: str) -> str:
    """The owner's account for ``role``; BookingError naming owner and role when unmapped."""
    try:
        return accounts[owner_id][role]
    except KeyError:
        raise BookingError(missing_account(owner_id, role)) from None


def next_voucher_numbers(owner_ids: set[int]) -> dict[int, int]:
    """The next voucher number per owner (owners locked on PostgreSQL so numbers never clash)."""
    numbers = {owner_id: 1 for owner_id in owner_ids}
    if not owner_ids:
        return numbers
    if is_postgres():
        list(tuple_rows(Owner.select(Owner.id).where(Owner.id.in_(list(owner_ids))).for_update()))
    query = (
        Voucher.select(Voucher.owner, pw.fn.MAX(Voucher.number))
        .where(Voucher.owner.in_(list(owner_ids)))
        .group_by(Voucher.owner)
    )
    for owner_id, highest in tuple_rows(query):
        numbers[owner_id] = (highest or 0) + 1
    return numbers


def voucher_rows(voucher_id: int, lines: dict[str, int]) -> list[dict]:
    """The rows of a voucher from account -> amount (debit positive), zero lines left out.

    The lines must balance: a voucher that does not is a programming error, never booked.
    """
    if sum(lines.values()) != 0:
        raise AssertionError(f"unbalanced voucher {voucher_id}: {lines}")
    return [{"voucher": voucher_id, "account": account, "amount": amount, "text": ""}
            for account, amount in lines.items() if amount]


def voucher_row_tuples(voucher_id: int, lines: dict[str, int]) -> list[tuple[int, str, int, str]]:
    """:func:`voucher_rows` as (voucher, account, amount, text) tuples, for a bulk booking."""
    if sum(lines.values()) != 0:
        raise AssertionError(f"unbalanced voucher {voucher_id}: {lines}")
    return [(voucher_id, account, amount, "") for account, amount in lines.items() if amount]
