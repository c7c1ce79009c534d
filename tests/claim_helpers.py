"""Shared by the claim-model tests: what the books say, and what is open on an invoice."""

from __future__ import annotations

from collections import Counter

from tui_inkasso.db.models import Invoice, Voucher, VoucherRow


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
