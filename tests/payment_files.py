"""Payment files for the import tests, written with the project's own BgMax and Total IN writers."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from tui_inkasso.formats.bgmax import write_bgmax
from tui_inkasso.formats.payment_file import BankPayment, ExtraReference
from tui_inkasso.formats.totalin import write_totalin

PAY_DATE = dt.date(2026, 9, 25)
CREATED = dt.datetime(2026, 9, 25, 18, 30, 0, 123456)
AGENCY = "5051057"
"""The agency's bankgiro in the example ledger (collection.agency_accounts)."""

_serials = itertools.count(1)


def bgmax_payment(
    amount: int,
    reference: str = "",
    *,
    sender: str = "",
    receiving: str = "58056201",
    extras: tuple[str, ...] = (),
    serial: int | None = None,
    deposit: str = "00001",
    pay_date: dt.date = PAY_DATE,
    name: str = "",
) -> BankPayment:
    """A BgMax payment (a deduction when ``amount`` is negative) with a fresh BGC serial."""
    deduction = amount < 0
    return BankPayment(
        amount=amount,
        pay_date=pay_date,
        reference=reference,
        reference_code="2" if reference else "0",
        extra_references=extras,
        extra_reference_items=tuple(ExtraReference(e, 0, "2") for e in extras),
        sender_account=sender,
        payer_name=name,
        bank_serial=f"{serial if serial is not None else next(_serials):012d}",
        channel="1",
        deduction_code="0" if deduction else None,
        is_deduction=deduction,
        receiving_account=receiving,
        deposit_serial=deposit,
    )


def totalin_payment(
    amount: int,
    reference: str = "",
    *,
    sender: str = "",
    receiving: str = "1234566",
    serial: int | None = None,
    deposit: str = "20260925001",
    pay_date: dt.date = PAY_DATE,
    name: str = "",
) -> BankPayment:
    """A Total IN payment with a fresh Nordea serial."""
    return BankPayment(
        amount=amount,
        pay_date=pay_date,
        reference=reference,
        sender_account=sender,
        payer_name=name,
        bank_serial=f"{serial if serial is not None else next(_serials):017d}",
        is_deduction=amount < 0,
        deduction_code="0" if amount < 0 else None,
        receiving_account=receiving,
        deposit_serial=deposit,
    )


def write_bgmax_file(
    folder: Path, name: str, payments: list[BankPayment], *, created: dt.datetime = CREATED, test: bool = False
) -> Path:
    """Write a BgMax file into ``folder`` and return its path."""
    path = folder / name
    path.write_bytes(write_bgmax(payments, created_at=created, is_test=test))
    return path


def write_totalin_file(
    folder: Path, name: str, payments: list[BankPayment], *, created: dt.datetime = CREATED, delivery: int = 1
) -> Path:
    """Write a Total IN file into ``folder`` and return its path."""
    path = folder / name
    path.write_bytes(write_totalin(payments, created_at=created, delivery_number=delivery))
    return path
