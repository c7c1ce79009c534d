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

from tui_inkasso.domain.money import MAX_AMOUNT, format_sek
from tui_inkasso.formats import _fixed_width as fw
from tui_inkasso.formats._bank_file import (
    RecordReader,
    Section,
    check_deduction_sign,
    read_checked,
    refuse_amount,
)
from tui_inkasso.formats.payment_file import (
    TOTALIN,
    BankPayment,
    ForeignAmount,
    PartySlots,
    PaymentDeposit,
    PaymentDraft,
    PaymentFile,
    PaymentSection,
    seal_party,
    seal_payment,
)

RECORD_NAMES = {
    "00": "startpost 00",
    "10": "kontostartpost 10",
    "20": "betalningspost 20",
    "25": "avdragspost 25",
    "30": "extra referenspost 30",
    "40": "meddelandepost 40",
    "50": "avsändarnamnpost 50",
    "51": "avsändaradresspost 51",
    "52": "avsändarortpost 52",
    "60": "avsändarkontopost 60",
    "61": "kontohavarnamnpost 61",
    "62": "kontohavaradresspost 62",
    "63": "kontohavarortpost 63",
    "70": "utlandsbetalningspost 70",
    "90": "kontoslutpost 90",
    "99": "slutpost 99",
}
"""The records' Swedish names, as the messages show them."""

_NO_REFERENCE = "0" * 35
_BLANK_BANKGIRO = " " * 8


class _Section(Section):
    """An open account section (record 10): account, currency, posting date, transactions."""

    __slots__ = ("account", "currency", "pay_date")

    def __init__(self, account: str, currency: str, pay_date: date, line: int) -> None:
        super().__init__(line)
        self.account = account
        self.currency = currency
        self.pay_date = pay_date


class _Reader(RecordReader):
    """One pass over a Total IN file; each ``_rNN`` method handles one record type.

    A transaction is a PaymentDraft filled by its record 20/25 and the records after it, sealed
    into a BankPayment when the section's record 90 has been checked. The frame checks (first
    record 00, nothing after 99, sections left open) are :class:`RecordReader`'s.
    """

    FORMAT = TOTALIN
    NAMES = RECORD_NAMES
    START, END = "00", "99"
    SECTION_END = "kontoslutpost 90"
    SECTION = "kontoavsnittet"
    OUTSIDE = "utanför ett kontoavsnitt: en kontostartpost 10 måste komma först"
    ITEM = "transaktion"
    FOLLOWS = "en post 20 eller 25"
    ORDER = "30, 40, 50, 51, 52, 60, 61, 62, 63, 70; 50–70 högst en gång vardera"
    SERIAL = ("löpnummer", (53, 69))
    DEPOSIT = ("referens", (28, 38))

    section: _Section | None

    def _all_handlers(self) -> dict[str, fw.Handler]:
        return {
            "20": self._r20, "40": self._r40, "60": self._r60, "61": self._r61, "62": self._r62,
            "63": self._r63, "50": self._r50, "51": self._r51, "52": self._r52, "30": self._r30,
            "25": self._r25, "70": self._r70, "10": self._r10, "90": self._r90, "00": self._start,
            "99": self._r99,
        }

    def found(self, rec: str) -> str:
        """Total IN's message shows a wrong first record as it stands (BgMax names it)."""
        return repr(rec)

    # -- file and section frame ---------------------------------------------------------------

    def _start(self, line: str, number: int) -> None:
        """Record 00."""
        self.check_started_once()
        self.sender_id = fw.text(line, 3, 14)
        self.created_at = fw.timestamp(line, 15, 34, "tidsstämpel")
        self.delivery_number = fw.num(line, 35, 36, "leveransnummer")
        if line[36:39] != "TL1":
            raise fw.RecordError("filtyp", (37, 39), f"ska vara 'TL1', inte {line[36:39]!r}")
        name = fw.text(line, 40, 49)
        if name not in ("TOTALIN", "TOTALIN-T"):
            raise fw.RecordError(
                "filnamn", (40, 49), f"ska vara 'TOTALIN' eller 'TOTALIN-T', inte {name!r}"
            )
        self.is_test = name == "TOTALIN-T"
        self.file_id = f"{self.sender_id}-{line[14:34]}-{line[34:36]}"
        self.handlers.update(self._all_handlers())

    def _r10(self, line: str, number: int) -> None:
        self.check_no_open_section("10")
        account = fw.optional_digits(line, 3, 38, "mottagarkonto").lstrip("0")
        if not account:
            raise fw.RecordError("mottagarkonto", (3, 38), "saknas (blankt)")
        self.section = _Section(account, fw.currency(line, 39, 41),
                                self.section_date(line, 42, 49, "bokföringsdag"), number)
        self.current = None

    def _r90(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self.outside("90")
        count = fw.num(line, 3, 10, "antal transaktioner")
        amount = fw.num(line, 11, 27, "belopp")
        reference = fw.text(line, 28, 38) or None
        _check_section_end(section, count, amount)
        index = len(self.sections)
        account_section = PaymentSection(
            index=index, receiving_account=section.account, currency=section.currency,
            pay_date=section.pay_date, count=count, amount=amount,
            payment_count=section.n_payments, deduction_count=section.n_deductions,
            first_line=section.first_line, last_line=number,
            deposit_serial=reference,
        )
        if reference:
            self.check_repeated_section(
                (section.account, section.currency, section.pay_date, reference), account_section,
                f"samma konto, bokföringsdag {section.pay_date} och referens {reference}",
            )
        self.sections.append(account_section)
        deposit = PaymentDeposit(section.pay_date, section.currency, section.account,
                                 deposit_serial=reference, section_index=index)
        append = self.payments.append
        for p in section.payments:
            if p.account_holder is not None:
                p.account_holder = seal_party(p.account_holder)
            append(seal_payment(p, deposit))
        self.section = None
        self.current = None

    def _r99(self, line: str, number: int) -> None:
        self.check_no_open_section("99")
        stated = fw.num(line, 3, 17, "antal rader")
        if stated != number:
            raise fw.RecordError(
                "antal rader", (3, 17),
                f"post 99 anger {stated} rader, filen har {number} (00 till 99)",
            )
        self.end(number)

    # -- transactions --------------------------------------------------------------------------

    def _r20(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self.outside("20")
        p = self._transaction(line, number)
        bankgiro = line[69:77]
        if bankgiro != _BLANK_BANKGIRO:
            p.reported_bankgiro = fw.optional_digits(line, 70, 77, "bankgironummer").lstrip("0")
        section.payments.append(p)
        section.n_payments += 1
        section.total += p.amount

    def _r25(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self.outside("25")
        p = self._transaction(line, number)
        p.deduction_code = fw.optional_digits(line, 70, 70, "avdragskod") or None
        p.reported_bankgiro = fw.optional_digits(line, 71, 78, "bankgironummer").lstrip("0")
        p.is_deduction = True
        p.amount = -p.amount
        section.payments.append(p)
        section.n_deductions += 1
        section.total += p.amount

    def _transaction(self, line: str, number: int) -> PaymentDraft:
        """A payment from record 20/25 pos 3-69, every PaymentDraft field set.

        Pos 38-69 (amount, serial) are numeric: one check, field by field only when it fails.
        """
        numbers = line[37:69]
        if not (numbers.isdigit() and numbers.isascii()):
            fw.digits(line, 38, 52, "belopp")
            fw.digits(line, 53, 69, "löpnummer")
        reference = line[2:37].strip()
        amount = int(numbers[:15])
        if not 0 < amount <= MAX_AMOUNT:
            refuse_amount(amount, (38, 52))
        p = PaymentDraft()
        p.amount = amount
        p.bank_serial = numbers[15:]
        p.reference = "" if _NO_REFERENCE.startswith(reference) else reference
        p.line = number
        p.sender_account = p.payer_name = p.payer_name_extra = p.payer_address = ""
        p.payer_address_extra = p.payer_postcode = p.payer_city = p.payer_country = ""
        p.payer_country_code = p.payer_orgno = p.reported_bankgiro = ""
        p.extra_references = p.extra_reference_items = p.messages = ()
        p.reference_code = p.channel = p.sender_origin_code = p.account_holder = None
        p.deduction_code = p.foreign = None
        p.image = p.is_deduction = False
        self.current = p
        self.rank = 0
        return p

    # Records after a 20/25 come in the order 30 (rank 1), 40 (2), 50 (3), 51 (4), 52 (5),
    # 60 (6), 61 (7), 62 (8), 63 (9), 70 (10); 30 and 40 may repeat. Each handler checks its rank
    # inline (hot loop).

    def _r30(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank > 1:
            self.misplaced("30")
        self.rank = 1
        for value in (line[2:37].strip(), line[37:72].strip()):
            if value and not _NO_REFERENCE.startswith(value):
                p.extra_references = (*p.extra_references, value)

    def _r40(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank > 2:
            self.misplaced("40")
        self.rank = 2
        for value in (line[2:37].strip(), line[37:72].strip()):
            if value:
                p.messages = (*p.messages, value)

    def _r50(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 3:
            self.misplaced("50")
        self.rank = 3
        p.payer_name = line[2:37].strip()
        p.payer_name_extra = line[37:72].strip()

    def _r51(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 4:
            self.misplaced("51")
        self.rank = 4
        p.payer_address = line[2:37].strip()
        p.payer_address_extra = line[37:72].strip()

    def _r52(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 5:
            self.misplaced("52")
        self.rank = 5
        p.payer_postcode = line[2:11].strip()
        p.payer_city = line[11:46].strip()
        p.payer_country_code = line[46:48].strip()

    def _r60(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 6:
            self.misplaced("60")
        self.rank = 6
        account = line[2:38].strip()
        if account.isdigit() and account.isascii():
            p.sender_account = account.lstrip("0")
        else:
            p.sender_account = _account_digits(account)
        p.sender_origin_code = line[38].strip() or None
        orgno = line[39:59].strip()
        if orgno and not (orgno.isdigit() and orgno.isascii()):
            fw.optional_digits(line, 40, 59, "organisationsnummer")
        p.payer_orgno = orgno.lstrip("0")

    def _holder(self, rec: str, rank: int) -> PartySlots:
        """The account holder that records 61-63 fill; sealed into a Party by record 90."""
        p = self.current
        if p is None or self.rank >= rank:
            self.misplaced(rec)
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
            self.misplaced("70")
        self.rank = 10
        p.foreign = ForeignAmount(
            amount=fw.num(line, 39, 53, "ursprungligt belopp"),
            currency=fw.currency(line, 54, 56, "ursprunglig valuta"),
            exchange_rate=fw.num(line, 57, 68, "växelkurs"),
            bank_cost=fw.num(line, 3, 17, "bankkostnad"),
            bank_cost_currency=fw.text(line, 18, 20),
        )


def _check_section_end(section: _Section, count: int, amount: int) -> None:
    """Record 90 must agree with its section: number of transactions and net amount (§2.4)."""
    if count != section.n_payments + section.n_deductions:
        raise fw.RecordError(
            "antal transaktioner", (3, 10),
            f"post 90 anger {count} transaktioner, kontoavsnittet från rad "
            f"{section.first_line} har {section.n_payments + section.n_deductions} (20 + 25)",
        )
    if amount != section.total:
        raise fw.RecordError(
            "belopp", (11, 27),
            f"post 90 anger {format_sek(amount)} kr, transaktionerna i kontoavsnittet från "
            f"rad {section.first_line} blir sammanlagt {format_sek(section.total)} kr (20 − 25)",
        )


def _account_digits(value: str) -> str:
    """The payer's account as digits without leading zeros; a non-digit account (an IBAN) is
    kept upper-case without blanks and hyphens, it can never equal an agency's giro number."""
    compact = value.replace(" ", "").replace("-", "")
    if compact.isdigit() and compact.isascii():
        return compact.lstrip("0")
    return compact.upper()


def read_totalin(
    data: bytes, path: str, *, check_format: bool = True, c1: bool | None = None
) -> PaymentFile:
    """Read a Total IN file; refuse it (PaymentFileError) when malformed or its totals differ.

    ``check_format=False`` skips the detection (empty, binary, other format) for a caller that
    has just done it, as ``read_payment_file`` has; its detection also says whether the bytes
    hold 0x80-0x9F (``c1``), which the decoding would otherwise look for in a pass of its own.
    """
    return read_checked(_Reader, data, path, check_format=check_format, c1=c1,
                        not_this="ingen Total IN-fil: det är en BgMax-fil")


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
    lines = [_line("00" + fw.pad(customer_id, 12, "customer_id") + fw.stamp(created_at)
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
    return fw.encode_records(lines)


_line = fw.record_writer("Total IN")


def _check_totalin_only(p: BankPayment) -> None:
    if p.reference_code is not None or p.channel is not None or p.image or p.payer_country \
            or p.extra_reference_items or p.receiving_plusgiro or p.receiving_bank_account:
        raise ValueError(f"payment {p.reference!r}: Total IN cannot carry BgMax-only fields")
    check_deduction_sign(p)


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
