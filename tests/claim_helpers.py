"""Shared by the claim-model tests: what the books say, and what is open on an invoice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tests.factories import make_invoice
from tui_inkasso.db.models import (
    Contract,
    Customer,
    DunningLevelConfig,
    Invoice,
    RentalObject,
    Voucher,
    VoucherRow,
)
from tui_inkasso.domain.level_kinds import COLLECTION_DEMAND_TEXT, REMINDER_TEXT
from tui_inkasso.services import settings

RENT = 333_000
DUE = dt.date(2026, 3, 31)
REMINDER_RUN = dt.date(2026, 5, 3)
"""33 interest days after the due date at 2,00 % + 8 = 10 %: 30,11 kr on 3 330,00 kr."""
DEMAND_RUN = dt.date(2026, 5, 25)


def reminder_and_demand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Today the reminder run's day, the letters in ``tmp_path/brev``, and two levels configured:
    a reminder (60 kr, 3 days after the due date) and a collection demand (180 kr, 10 days on)."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", REMINDER_RUN.isoformat())
    settings.set_setting("dunning.letters_dir", str(tmp_path / "brev"))
    DunningLevelConfig.create(level=1, name="Påminnelse", days=3, fee=6000, deadline_days=10,
                              letter_text=REMINDER_TEXT)
    DunningLevelConfig.create(level=2, name="Inkassokrav", days=10, fee=18000, deadline_days=10,
                              letter_text=COLLECTION_DEMAND_TEXT)


def rent_on_lease(number: str, customer: Customer, rental_object: RentalObject, contract: str) -> Invoice:
    """A 3 330,00 rent due 2026-03-31 on a lease (``contract``) that allows a reminder fee."""
    lease = Contract.create(number=contract, customer=customer, rental_object=rental_object,
                            start_date=dt.date(2025, 1, 1), reminder_fee_allowed=True)
    invoice = make_invoice(number, amount=RENT, due_date=DUE, customer=customer, rental_object=rental_object)
    Invoice.update(contract=lease).where(Invoice.id == invoice.id).execute()
    return Invoice.get_by_id(invoice.id)


def voucher_lines(voucher: Voucher) -> dict[str, int]:
    """A voucher's rows as account -> amount (debit positive)."""
    return {r.account: r.amount for r in VoucherRow.select().where(VoucherRow.voucher == voucher.id)}


def account_sums(owner_id: int | None = None) -> Counter[str]:
    """Every account's sum over all vouchers (of one owner), each voucher checked to balance."""
    total: Counter[str] = Counter()
    query = Voucher.select() if owner_id is None else Voucher.select().where(Voucher.owner == owner_id)
    for voucher in query:
        rows = voucher_lines(voucher)
        assert sum(rows.values()) == 0, f"voucher {voucher.number} ({voucher.text}) does not balance"
        total.update(rows)
    return total


def open_parts(invoice: Invoice) -> tuple[int, int, int]:
    """(capital, fees, interest) open on the invoice now."""
    fresh = Invoice.get_by_id(invoice.id)
    return fresh.balance, fresh.fees, fresh.interest
