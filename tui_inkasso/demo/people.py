"""The demo's people and companies: customers with valid personnummer, orgnr and bankgiro."""

from __future__ import annotations

import datetime as dt

from tui_inkasso.db import models as m
from tui_inkasso.demo.catalogue import (
    AUTOGIRO,
    BAD,
    BLOCKS,
    COMPANY_SUFFIX,
    COMPANY_WORDS,
    FIRST_NAMES,
    GOOD,
    LAST_NAMES,
    SLOPPY,
)
from tui_inkasso.demo.state import BuilderState, Payer
from tui_inkasso.domain.identifiers import luhn_check_digit


class People(BuilderState):
    """Identifiers with check digits, unique in the ledger, and customers with paying habits."""

    def _orgnr(self) -> str:
        while True:
            base = "55" + str(self.rng.randrange(6, 10)) + f"{self.rng.randrange(0, 1_000_000):06d}"
            digits = base + luhn_check_digit(base)
            text = f"{digits[:6]}-{digits[6:]}"
            if text not in self.national_ids:
                self.national_ids.add(text)
                return text

    def _personnummer(self) -> str:
        rng = self.rng
        while True:
            born = dt.date(1938, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 67))
            serial = f"{rng.randrange(0, 1000):03d}"
            base = born.strftime("%y%m%d") + serial
            text = f"{born:%Y%m%d}-{serial}{luhn_check_digit(base)}"
            if text not in self.national_ids:
                self.national_ids.add(text)
                return text

    def _bankgiro(self) -> str:
        base = str(self.rng.randrange(100_000, 999_999))
        return base + luhn_check_digit(base)

    def _customer(self, *, company: bool, address: str, postal: str, city: str,
                  name: str | None = None, profile: int | None = None, number: str | None = None) -> int:
        rng = self.rng
        customer_id = self._id(m.Customer)
        if company:
            name = name or f"{rng.choice(COMPANY_WORDS)} {rng.choice(BLOCKS)} {rng.choice(COMPANY_SUFFIX)}"
            national_id = self._orgnr()
            email = f"faktura{customer_id}@{_ascii(name.split()[0])}.example.com" if rng.random() < 0.95 else ""
            draw = rng.random()
            profile = profile if profile is not None else (GOOD if draw < 0.8 else SLOPPY if draw < 0.95 else BAD)
            sender = self._bankgiro()
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = name or f"{first} {last}"
            national_id = self._personnummer()
            email = f"{_ascii(first)}.{_ascii(last)}{customer_id}@example.com" if rng.random() < 0.85 else ""
            draw = rng.random()
            if profile is None:
                profile = AUTOGIRO if draw < 0.3 else GOOD if draw < 0.85 else SLOPPY if draw < 0.96 else BAD
            sender = ""
        number = number or f"K{customer_id:06d}"
        phone = f"07{rng.randrange(0, 10)}-{rng.randrange(100, 1000)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
        self.short[m.Customer].append((
            customer_id, number, name, national_id, self.flag(company), address, postal, city, email,
            phone, f"{name} {number} {national_id}".lower(),
        ))
        self.customers[customer_id] = Payer(profile, name, sender)
        return customer_id


def _ascii(text: str) -> str:
    """An e-mail-safe form of a Swedish name."""
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "a", "Ä": "a", "Ö": "o", "&": ""})
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())
