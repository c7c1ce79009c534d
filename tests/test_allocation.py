"""The split of a payment between invoice and excess, per domain.md."""

from __future__ import annotations

import pytest

from tui_inkasso.domain.allocation import (
    COLLECTION_OVERPAYMENT_ROLE,
    PREPAYMENT_ROLE,
    Split,
    split_payment,
)


@pytest.mark.parametrize(
    ("amount", "balance", "agency", "mapped", "expected"),
    [
        (50000, 84500, False, True, Split(50000, 0, None)),
        (84500, 84500, True, True, Split(84500, 0, None)),
        (90000, 84500, True, True, Split(84500, 5500, COLLECTION_OVERPAYMENT_ROLE)),
        (90000, 84500, True, False, Split(84500, 5500, PREPAYMENT_ROLE)),
        (90000, 84500, False, True, Split(84500, 5500, PREPAYMENT_ROLE)),
        (10000, 0, True, True, Split(0, 10000, COLLECTION_OVERPAYMENT_ROLE)),
        (-5000, 0, False, False, Split(-5000, 0, None)),
    ],
)
def test_split(amount: int, balance: int, agency: bool, mapped: bool, expected: Split) -> None:
    split = split_payment(amount, balance, from_agency=agency, owner_has_overpayment_account=mapped)
    assert split == expected
    assert split.invoice_amount + split.excess_amount == amount
