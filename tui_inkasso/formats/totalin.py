"""Nordea's Total IN file (PlusGiro and bankgiro payments to a Nordea account): reader and writer.

Record layouts are in shared/docs/formats/bank-files.md §2, our policy in
docs/formats/payment-files.md. The payer's account is record 60 pos 3-38; the date is the
posting date of the account section (record 10). Payments are built when the section's end
record 90 arrives, after its count and sum have been checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from typing import NoReturn

from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats import _fixed_width as fw
from tui_inkasso.formats.payment_file import (
    TOTALIN,
    BankPayment,
    ForeignAmount,
    PartySlots,
    PaymentFile,
    PaymentFileError,
    PaymentSection,
    PaymentSlots,
    detect_format,
    seal_party,
    seal_payment,
)

RECORD_NAMES = {
    "00": "start record 00",
    "10": "account start record 10",
    "20": "payment record 20",
    "25": "deduction record 25",
    "30": "extra reference record 30",
    "40": "message record 40",
    "50": "sender name record 50",
    "51": "sender address record 51",
    "52": "sender locality record 52",
    "60": "sender account record 60",
    "61": "account holder name record 61",
    "62": "account holder address record 62",
    "63": "account holder locality record 63",
    "70": "international payment record 70",
    "90": "account end record 90",
    "99": "end record 99",
}

_NO_REFERENCE = "0" * 35
_BLANK_BANKGIRO = " " * 8


class _Section:
    """An open account section (record 10): account, currency, posting date, transactions."""

    __slots__ = ("account", "currency", "pay_date", "first_line", "payments", "n20", "n25",
                 "total")

    def __init__(self, account: str, currency: str, pay_date: date, line: int) -> None:
        self.account = account
        self.currency = currency
        self.pay_date = pay_date
        self.first_line = line
        self.payments: list[PaymentSlots] = []
        self.n20 = self.n25 = self.total = 0


class _Reader:
    """One pass over a Total IN file; each ``_rNN`` method handles one record type.

    A transaction is a PaymentSlots filled by its record 20/25 and the records after it, sealed
    into a BankPayment when the section's record 90 has been checked. ``handlers`` holds only
    record 00 until it has been read and is emptied by record 99; everything without a handler
    goes to :meth:`other`.
    """

    def __init__(self, path: str, quirks: fw.Quirks) -> None:
        self.path = path
        self.quirks = quirks
        self.created_at: datetime | None = None
        self.file_id = ""
        self.sender_id = ""
        self.delivery = 0
        self.is_test = False
        self.section: _Section | None = None
        self.current: PaymentSlots | None = None
        self.rank = 0  # order of the records after a 20/25, see _r30
        self.payments: list[BankPayment] = []
        self.sections: list[PaymentSection] = []
        self.end_line = 0
        self.handlers: dict[str, fw.Handler] = {"00": self._r00}

    def _all_handlers(self) -> dict[str, fw.Handler]:
        return {
            "20": self._r20, "40": self._r40, "60": self._r60, "61": self._r61, "62": self._r62,
            "63": self._r63, "50": self._r50, "51": self._r51, "52": self._r52, "30": self._r30,
            "25": self._r25, "70": self._r70, "10": self._r10, "90": self._r90, "00": self._r00,
            "99": self._r99,
        }

    def other(self, line: str, number: int) -> None:
        """A record without a handler: before 00, after 99, unknown or not a record."""
        rec = line[:2]
        if self.end_line:
            raise fw.RecordError("record type", (1, 2), f"record {rec!r} after the end record 99")
        if self.created_at is None:
            raise fw.RecordError(
                "record type", (1, 2), f"the first record must be the start record 00, found {rec!r}"
            )
        if not (rec.isdigit() and rec.isascii()):
            raise fw.RecordError("record type", (1, 2), f"not a record type: {rec!r}")
        self.quirks.add("unknown", number)

    # -- file and section frame ---------------------------------------------------------------

    def _r00(self, line: str, number: int) -> None:
        if self.created_at is not None:
            raise fw.RecordError("record type", (1, 2), "a second start record 00")
        self.sender_id = fw.text(line, 3, 14)
        self.created_at = fw.timestamp(line, 15, 34, "timestamp")
        self.delivery = fw.num(line, 35, 36, "delivery_number")
        if line[36:39] != "TL1":
            raise fw.RecordError("file_type", (37, 39), f"not 'TL1': {line[36:39]!r}")
        name = fw.text(line, 40, 49)
        if name not in ("TOTALIN", "TOTALIN-T"):
            raise fw.RecordError("file_name", (40, 49), f"not 'TOTALIN' or 'TOTALIN-T': {name!r}")
        self.is_test = name == "TOTALIN-T"
        self.file_id = f"{self.sender_id}-{line[14:34]}-{line[34:36]}"
        self.handlers.update(self._all_handlers())

    def _r10(self, line: str, number: int) -> None:
        if self.section is not None:
            raise fw.RecordError(
                "record type", (1, 2),
                f"account start record 10 while the section from line {self.section.first_line} "
                "has no end record 90",
            )
        account = fw.optional_digits(line, 3, 38, "receiving_account").lstrip("0")
        if not account:
            raise fw.RecordError("receiving_account", (3, 38), "blank")
        self.section = _Section(account, fw.currency(line, 39, 41),
                                fw.yyyymmdd(line, 42, 49, "pay_date"), number)
        self.current = None

    def _r90(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self._outside("90")
        count = fw.num(line, 3, 10, "transaction_count")
        amount = fw.num(line, 11, 27, "amount")
        reference = fw.text(line, 28, 38) or None
        _check_section_end(section, count, amount)
        index = len(self.sections)
        self.sections.append(PaymentSection(
            index=index, receiving_account=section.account, currency=section.currency,
            pay_date=section.pay_date, count=count, amount=amount, payment_count=section.n20,
            deduction_count=section.n25, first_line=section.first_line, last_line=number,
            deposit_serial=reference,
        ))
        append = self.payments.append
        for p in section.payments:
            p.deposit_serial = reference
            p.section_index = index
            if p.account_holder is not None:
                p.account_holder = seal_party(p.account_holder)
            append(seal_payment(p))
        self.section = None
        self.current = None

    def _r99(self, line: str, number: int) -> None:
        if self.section is not None:
            raise fw.RecordError(
                "record type", (1, 2),
                f"end record 99 while the section from line {self.section.first_line} has no "
                "end record 90",
            )
        stated = fw.num(line, 3, 17, "line_count")
        if stated != number:
            raise fw.RecordError(
                "line_count", (3, 17),
                f"record 99 states {stated} lines, the file has {number} (00 to 99)",
            )
        self.end_line = number
        self.handlers.clear()

    def _outside(self, rec: str) -> NoReturn:
        raise fw.RecordError(
            "record type", (1, 2),
            f"{_name(rec)} outside an account section: a record 10 must come first",
        )

    # -- transactions --------------------------------------------------------------------------

    def _r20(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self._outside("20")
        p = self._transaction(line, number, section)
        bankgiro = line[69:77]
        if bankgiro != _BLANK_BANKGIRO:
            p.reported_bankgiro = fw.optional_digits(line, 70, 77, "bankgiro").lstrip("0")
        section.payments.append(p)
        section.n20 += 1
        section.total += p.amount

    def _r25(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self._outside("25")
        p = self._transaction(line, number, section)
        p.deduction_code = fw.optional_digits(line, 70, 70, "deduction_code") or None
        p.reported_bankgiro = fw.optional_digits(line, 71, 78, "bankgiro").lstrip("0")
        p.is_deduction = True
        p.amount = -p.amount
        section.payments.append(p)
        section.n25 += 1
        section.total += p.amount

    def _transaction(self, line: str, number: int, section: _Section) -> PaymentSlots:
        """A payment from record 20/25 pos 3-69, every BankPayment field set (see PaymentSlots).

        Pos 38-69 (amount, serial) are numeric: one check, field by field only when it fails.
        """
        numbers = line[37:69]
        if not (numbers.isdigit() and numbers.isascii()):
            fw.digits(line, 38, 52, "amount")
            fw.digits(line, 53, 69, "bank_serial")
        reference = line[2:37].strip()
        p = PaymentSlots()
        p.amount = int(numbers[:15])
        p.bank_serial = numbers[15:]
        p.reference = "" if _NO_REFERENCE.startswith(reference) else reference
        p.line = number
        p.pay_date = section.pay_date
        p.currency = section.currency
        p.receiving_account = section.account
        p.sender_account = p.payer_name = p.payer_name_extra = p.payer_address = ""
        p.payer_address_extra = p.payer_postcode = p.payer_city = p.payer_country = ""
        p.payer_country_code = p.payer_orgno = p.receiving_plusgiro = ""
        p.receiving_bank_account = p.reported_bankgiro = ""
        p.extra_references = p.extra_reference_items = p.messages = ()
        p.reference_code = p.channel = p.sender_origin_code = p.account_holder = None
        p.deduction_code = p.foreign = p.deposit_serial = None
        p.image = p.is_deduction = False
        p.section_index = 0
        self.current = p
        self.rank = 0
        return p

    def _misplaced(self, rec: str) -> NoReturn:
        """Raise for a record 30-70 without a transaction or out of the order of §2.3."""
        if self.current is None:
            raise fw.RecordError(
                "record type", (1, 2),
                f"{_name(rec)} without a transaction: it must follow a record 20 or 25",
            )
        raise fw.RecordError(
            "record type", (1, 2),
            f"{_name(rec)} out of order in the transaction of line {self.current.line} "
            "(expected 30, 40, 50, 51, 52, 60, 61, 62, 63, 70; 50-70 at most once)",
        )

    # Records after a 20/25 come in the order 30 (rank 1), 40 (2), 50 (3), 51 (4), 52 (5),
    # 60 (6), 61 (7), 62 (8), 63 (9), 70 (10); 30 and 40 may repeat. Each handler checks its rank
    # inline (hot loop).

    def _r30(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank > 1:
            self._misplaced("30")
        self.rank = 1
        for value in (line[2:37].strip(), line[37:72].strip()):
            if value and not _NO_REFERENCE.startswith(value):
                p.extra_references = (*p.extra_references, value)

    def _r40(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank > 2:
            self._misplaced("40")
        self.rank = 2
        for value in (line[2:37].strip(), line[37:72].strip()):
            if value:
                p.messages = (*p.messages, value)

    def _r50(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 3:
            self._misplaced("50")
        self.rank = 3
        p.payer_name = line[2:37].strip()
        p.payer_name_extra = line[37:72].strip()

    def _r51(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 4:
            self._misplaced("51")
        self.rank = 4
        p.payer_address = line[2:37].strip()
        p.payer_address_extra = line[37:72].strip()

    def _r52(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 5:
            self._misplaced("52")
        self.rank = 5
        p.payer_postcode = line[2:11].strip()
        p.payer_city = line[11:46].strip()
        p.payer_country_code = line[46:48].strip()

    def _r60(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 6:
            self._misplaced("60")
        self.rank = 6
        account = line[2:38].strip()
        if account.isdigit() and account.isascii():
            p.sender_account = account.lstrip("0")
        else:
            p.sender_account = _account_digits(account)
        p.sender_origin_code = line[38].strip() or None
        orgno = line[39:59].strip()
        if orgno and not (orgno.isdigit() and orgno.isascii()):
            fw.optional_digits(line, 40, 59, "orgno")
        p.payer_orgno = orgno.lstrip("0")

    def _holder(self, rec: str, rank: int) -> PartySlots:
        """The account holder that records 61-63 fill; sealed into a Party by record 90."""
        p = self.current
        if p is None or self.rank >= rank:
            self._misplaced(rec)
        self.rank = rank
        if p.account_holder is None:
            p.account_holder = PartySlots()
        return p.account_holder

    def _r61(self, line: str, number: int) -> None:
        holder = self._holder("61", 7)
        holder.name = line[2:37].strip()
        holder.name_extra = line[37:72].strip()

    def _r62(self, line: str, number: int) -> None:
        holder = self._holder("62", 8)
        holder.address = line[2:37].strip()
        holder.address_extra = line[37:72].strip()

    def _r63(self, line: str, number: int) -> None:
        holder = self._holder("63", 9)
        holder.postcode = line[2:11].strip()
        holder.city = line[11:46].strip()
        holder.country_code = line[46:48].strip()

    def _r70(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 10:
            self._misplaced("70")
        self.rank = 10
        p.foreign = ForeignAmount(
            amount=fw.num(line, 39, 53, "original_amount"),
            currency=fw.currency(line, 54, 56, "original_currency"),
            exchange_rate=fw.num(line, 57, 68, "exchange_rate"),
            bank_cost=fw.num(line, 3, 17, "bank_cost"),
            bank_cost_currency=fw.text(line, 18, 20),
        )

    def finish(self, encoding: str, last_line: int) -> PaymentFile:
        """Check that the file was complete and return it."""
        if self.section is not None:
            raise PaymentFileError(
                self.path, self.section.first_line, None,
                "the file ends inside the account section opened here: no end record 90",
            )
        if not self.end_line:
            raise PaymentFileError(
                self.path, last_line, None,
                "the file ends without the end record 99 (truncated file?)",
            )
        assert self.created_at is not None
        return PaymentFile(
            format=TOTALIN, file_id=self.file_id, created_at=self.created_at,
            is_test=self.is_test, payments=tuple(self.payments), sections=tuple(self.sections),
            total_amount=sum(s.amount for s in self.sections), path=self.path,
            sender_id=self.sender_id, delivery_number=self.delivery, encoding=encoding,
            line_count=self.end_line, warnings=self.quirks.messages(),
        )


def _name(rec: str) -> str:
    return RECORD_NAMES.get(rec, f"record {rec!r}")


def _check_section_end(section: _Section, count: int, amount: int) -> None:
    """Record 90 must agree with its section: number of transactions and net amount (§2.4)."""
    if count != section.n20 + section.n25:
        raise fw.RecordError(
            "transaction_count", (3, 10),
            f"record 90 states {count} transactions, the section from line "
            f"{section.first_line} has {section.n20 + section.n25} (20 + 25)",
        )
    if amount != section.total:
        raise fw.RecordError(
            "amount", (11, 27),
            f"record 90 states {format_sek(amount)} kr, the transactions of the section from "
            f"line {section.first_line} sum to {format_sek(section.total)} kr (20 − 25)",
        )


def _account_digits(value: str) -> str:
    """The payer's account as digits without leading zeros; a non-digit account (an IBAN) is
    kept upper-case without blanks and hyphens, it can never equal an agency's giro number."""
    compact = value.replace(" ", "").replace("-", "")
    if compact.isdigit() and compact.isascii():
        return compact.lstrip("0")
    return compact.upper()


def read_totalin(data: bytes, path: str, *, check_format: bool = True) -> PaymentFile:
    """Read a Total IN file; refuse it (PaymentFileError) when malformed or its totals differ.

    ``check_format=False`` skips the detection (empty, binary, other format) for a caller that
    has just done it, as ``read_payment_file`` has.
    """
    if check_format and detect_format(data, path) != TOTALIN:
        raise PaymentFileError(path, 1, None, "not a Total IN file: it is a BgMax file")
    text, encoding = fw.decode_text(data)
    quirks = fw.Quirks()
    if encoding == "utf-8":
        quirks.notes.append("the file is UTF-8, not ISO-8859-1 as banks write it (re-encoded?)")
    reader = _Reader(path, quirks)
    try:
        last = fw.feed_lines(text, quirks, reader.handlers, reader.other)
    except fw.LineProblem as exc:
        raise PaymentFileError(path, exc.line, exc.field, exc.reason, exc.pos) from None
    return reader.finish(encoding, last)


# -- writer ----------------------------------------------------------------------------------


def write_totalin(
    payments: Iterable[BankPayment],
    *,
    created_at: datetime,
    customer_id: str = "TI000000",
    delivery_number: int = 1,
    is_test: bool = False,
) -> bytes:
    """Write ``payments`` as a Total IN (TL1) file, ISO-8859-1 with CRLF, with correct totals.

    Consecutive payments with the same receiving account, currency, date and ``deposit_serial``
    (the statement reference of record 90) form one account section. Reading the output gives
    back equal payments when the fields Total IN carries are set; BgMax-only fields (reference
    code, channel, image, extra-reference amounts, payer country name) must be empty. Meant for
    tests and benchmarks.
    """
    stamp = created_at.strftime("%Y%m%d%H%M%S") + f"{created_at.microsecond:06d}"
    lines = [_line("00" + fw.pad(customer_id, 12, "customer_id") + stamp
                   + fw.zeros(delivery_number, 2, "delivery_number") + "TL1"
                   + ("TOTALIN-T" if is_test else "TOTALIN"))]
    for (account, currency, pay_date, reference), group in itertools.groupby(
        payments, key=lambda p: (p.receiving_account, p.currency, p.pay_date, p.deposit_serial)
    ):
        lines.append(_line("10" + fw.pad(account, 36, "receiving_account") + currency
                           + pay_date.strftime("%Y%m%d")))
        count = total = 0
        for payment in group:
            _check_totalin_only(payment)
            lines.extend(_transaction_lines(payment))
            count += 1
            total += payment.amount
        lines.append(_line("90" + fw.zeros(count, 8, "transaction count")
                           + fw.zeros(total, 17, "section amount")
                           + fw.pad(reference or "", 11, "deposit_serial")))
    lines.append(_line("99" + fw.zeros(len(lines) + 1, 15, "line count")))
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def _line(text: str) -> str:
    if len(text) > 80:
        raise ValueError(f"Total IN record longer than 80 characters: {text!r}")
    return text.ljust(80)


def _check_totalin_only(p: BankPayment) -> None:
    if p.reference_code is not None or p.channel is not None or p.image or p.payer_country \
            or p.extra_reference_items or p.receiving_plusgiro or p.receiving_bank_account:
        raise ValueError(f"payment {p.reference!r}: Total IN cannot carry BgMax-only fields")
    if p.is_deduction != (p.amount < 0) and p.amount != 0:
        raise ValueError(f"payment {p.reference!r}: a deduction needs a negative amount")


def _pairs(values: tuple[str, ...], rec: str, what: str) -> list[str]:
    return [_line(rec + "".join(fw.pad(v, 35, what) for v in values[i : i + 2]))
            for i in range(0, len(values), 2)]


def _transaction_lines(p: BankPayment) -> list[str]:
    """Record 20/25 followed by 30, 40, 50, 51, 52, 60, 61, 62, 63, 70 as far as filled."""
    head = ("25" if p.is_deduction else "20") + fw.pad(p.reference, 35, "reference") \
        + fw.zeros(abs(p.amount), 15, "amount") + fw.zeros(p.bank_serial or "0", 17, "bank_serial")
    bankgiro = fw.zeros(p.reported_bankgiro, 8, "reported_bankgiro") if p.reported_bankgiro else ""
    if p.is_deduction:
        head += fw.pad(p.deduction_code or "", 1, "deduction_code") + bankgiro
    else:
        head += bankgiro
    lines = [_line(head)]
    lines += _pairs(p.extra_references, "30", "extra reference")
    lines += _pairs(p.messages, "40", "message")
    lines += _party_lines(p.payer_name, p.payer_name_extra, p.payer_address,
                          p.payer_address_extra, p.payer_postcode, p.payer_city,
                          p.payer_country_code, ("50", "51", "52"))
    if p.sender_account or p.sender_origin_code or p.payer_orgno:
        lines.append(_line("60" + fw.pad(p.sender_account, 36, "sender_account")
                           + fw.pad(p.sender_origin_code or "", 1, "sender_origin_code")
                           + fw.pad(p.payer_orgno, 20, "payer_orgno")))
    if p.account_holder is not None:
        h = p.account_holder
        lines += _party_lines(h.name, h.name_extra, h.address, h.address_extra, h.postcode,
                              h.city, h.country_code, ("61", "62", "63"))
    if p.foreign is not None:
        f = p.foreign
        lines.append(_line("70" + fw.zeros(f.bank_cost, 15, "bank_cost")
                           + fw.pad(f.bank_cost_currency, 3, "bank_cost_currency") + " " * 18
                           + fw.zeros(f.amount, 15, "original_amount") + f.currency
                           + fw.zeros(f.exchange_rate, 12, "exchange_rate")))
    return lines


def _party_lines(name: str, name_extra: str, address: str, address_extra: str, postcode: str,
                 city: str, country_code: str, recs: tuple[str, str, str]) -> list[str]:
    lines = []
    if name or name_extra:
        lines.append(_line(recs[0] + fw.pad(name, 35, "name") + fw.pad(name_extra, 35, "name")))
    if address or address_extra:
        lines.append(_line(recs[1] + fw.pad(address, 35, "address")
                           + fw.pad(address_extra, 35, "address")))
    if postcode or city or country_code:
        lines.append(_line(recs[2] + fw.pad(postcode, 9, "postcode") + fw.pad(city, 35, "city")
                           + fw.pad(country_code, 2, "country_code")))
    return lines
