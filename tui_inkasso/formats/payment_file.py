"""Incoming-payment files from the banks: what every reader returns, and the entry point.

A payment file is either Bankgirot's BgMax (``bgmax.py``) or Nordea's Total IN (``totalin.py``);
both are read into the same dataclasses so the booking service needs to know one shape only. The
layer is pure: bytes in, frozen dataclasses out, no database and no file access (the caller reads
the bytes and passes the path for messages). Format facts: shared/docs/formats/bank-files.md;
our policy: docs/formats/payment-files.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from tui_inkasso.formats._fixed_width import decode_text, scan_bytes

BGMAX = "bgmax"
TOTALIN = "totalin"

MAX_FILE_SIZE = 100_000_000
"""The largest payment file we read: 100 MB (docs/payments.md).

The largest real bank file is far smaller: a day's BgMax file of 50,000 rent payments (more than
the largest Swedish landlord receives on its busiest day) is about 20 MB with names and addresses,
a Total IN file of 100,000 payments with every sender record 68 MB (bench/bench_payment_read.py).
Reading takes about five times the file's size in memory, so the limit also keeps a mistaken
file (a backup, a disk image) from exhausting a server the staff share.
"""


class PaymentFileError(ValueError):
    """A payment file we refuse, with where and why.

    ``str()`` reads ``BgMaxfil4_broken.txt, rad 12, fält belopp (pos 38–55): inte numeriskt:
    '00000000001A0000'`` (Swedish, for the staff who see it); parts that are unknown (no line, no
    field) are left out. ``field`` is the field's Swedish label, ``pos`` the 1-based, inclusive
    column span of ``field`` when there is one.
    """

    def __init__(
        self,
        path: str,
        line: int | None,
        field: str | None,
        reason: str,
        pos: tuple[int, int] | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        self.pos = pos
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(f"rad {self.line}")
        if self.field is not None:
            parts.append(f"fält {self.field}{_pos_text(self.pos)}")
        return f"{', '.join(parts)}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.line, self.field, self.reason, self.pos))


def _pos_text(pos: tuple[int, int] | None) -> str:
    if pos is None:
        return ""
    start, end = pos
    return f" (pos {start})" if start == end else f" (pos {start}–{end})"


@dataclass(frozen=True, slots=True)
class ExtraReference:
    """One BgMax extra reference (TK22, or TK23 with a negative amount).

    Either every extra amount is 0 (the references only name what the payment covers) or they
    split the payment; the booking decides, so we keep amount and reference code per reference.
    """

    reference: str
    amount: int = 0
    reference_code: str = "0"
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ForeignAmount:
    """Total IN record 70: a payment that arrived in a foreign currency.

    ``amount`` is in the currency's minor unit (2 decimals), ``exchange_rate`` has 4 decimals as
    an integer (88000 = 8.8000); ``bank_cost`` is in öre.
    """

    amount: int
    currency: str
    exchange_rate: int
    bank_cost: int = 0
    bank_cost_currency: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """Name and address of a party other than the payer (Total IN 61-63: the account holder)."""

    name: str = ""
    name_extra: str = ""
    address: str = ""
    address_extra: str = ""
    postcode: str = ""
    city: str = ""
    country_code: str = ""


@dataclass(frozen=True, slots=True)
class PaymentDeposit:
    """Where a payment arrived: the section's receiving accounts, currency, date and deposit
    serial, one object shared by every payment of the section (a reader builds it once per
    section, not once per payment). ``section_index`` is left out of ``==`` like
    ``BankPayment.line``."""

    pay_date: date
    currency: str = "SEK"
    receiving_account: str = ""
    receiving_plusgiro: str = ""
    receiving_bank_account: str = ""
    deposit_serial: str | None = None
    section_index: int = field(default=0, compare=False)


class PaymentDetails(NamedTuple):
    """What a plain OCR payment does not have: payer's name and address, extra references,
    messages, deduction, Total IN's sender records. Plain payments share :data:`NO_DETAILS`.
    """

    extra_references: tuple[str, ...] = ()
    extra_reference_items: tuple[ExtraReference, ...] = ()
    sender_origin_code: str | None = None
    payer_name: str = ""
    payer_name_extra: str = ""
    payer_address: str = ""
    payer_address_extra: str = ""
    payer_postcode: str = ""
    payer_city: str = ""
    payer_country: str = ""
    payer_country_code: str = ""
    payer_orgno: str = ""
    account_holder: Party | None = None
    messages: tuple[str, ...] = ()
    deduction_code: str | None = None
    reported_bankgiro: str = ""
    foreign: ForeignAmount | None = None
    is_deduction: bool = False


NO_DETAILS = PaymentDetails()
"""The details of every payment that has none (most: a plain OCR payment is one record)."""


class _PaymentRecord(NamedTuple):
    """BankPayment's stored fields: what differs from payment to payment, then the shared
    deposit and details. Kept apart from BankPayment so the latter can add a keyword
    constructor and the other fields as properties."""

    amount: int
    reference: str
    sender_account: str
    bank_serial: str
    line: int
    reference_code: str | None
    channel: str | None
    image: bool
    deposit: PaymentDeposit
    details: PaymentDetails


class BankPayment(_PaymentRecord):
    """One incoming payment (or deduction) as the bank reported it.

    Money is öre; a deduction (BgMax TK21, Total IN 25) has a negative ``amount`` and
    ``is_deduction``. ``sender_account`` is the payer's account digits without leading zeros (""
    when the bank did not know it): the field the booking compares with the collection agency's
    bankgiro/plusgiro numbers. ``line`` and ``section_index`` say where the payment stood and are
    left out of ``==`` so a payment written and read back compares equal.

    Built in one step: a payment is an immutable tuple of its own fields (amount, reference,
    sender, serial, line, codes), the section's :class:`PaymentDeposit` and its
    :class:`PaymentDetails` (shared :data:`NO_DETAILS` when it has none); every field of
    :data:`FIELDS` reads as an attribute. A reader makes one with ``tuple.__new__(BankPayment,
    row)`` from a ten-item tuple in C, where the former 33-slot frozen dataclass cost a Python
    call and 33 assignments, about as much as the whole slicing floor of bench_payment_read.py.
    Everyone else builds it with keywords, as before. It is a tuple underneath: use the field
    names, never indexes, ``len`` or iteration.
    """

    __slots__ = ()

    def __new__(
        cls,
        *,
        amount: int,
        pay_date: date,
        reference: str = "",
        reference_code: str | None = None,
        extra_references: tuple[str, ...] = (),
        extra_reference_items: tuple[ExtraReference, ...] = (),
        sender_account: str = "",
        sender_origin_code: str | None = None,
        payer_name: str = "",
        payer_name_extra: str = "",
        payer_address: str = "",
        payer_address_extra: str = "",
        payer_postcode: str = "",
        payer_city: str = "",
        payer_country: str = "",
        payer_country_code: str = "",
        payer_orgno: str = "",
        account_holder: Party | None = None,
        messages: tuple[str, ...] = (),
        bank_serial: str = "",
        channel: str | None = None,
        image: bool = False,
        deduction_code: str | None = None,
        reported_bankgiro: str = "",
        foreign: ForeignAmount | None = None,
        currency: str = "SEK",
        receiving_account: str = "",
        receiving_plusgiro: str = "",
        receiving_bank_account: str = "",
        deposit_serial: str | None = None,
        is_deduction: bool = False,
        line: int = 0,
        section_index: int = 0,
    ) -> BankPayment:
        deposit = PaymentDeposit(pay_date, currency, receiving_account, receiving_plusgiro,
                                 receiving_bank_account, deposit_serial, section_index)
        details = PaymentDetails(
            extra_references, extra_reference_items, sender_origin_code, payer_name,
            payer_name_extra, payer_address, payer_address_extra, payer_postcode, payer_city,
            payer_country, payer_country_code, payer_orgno, account_holder, messages,
            deduction_code, reported_bankgiro, foreign, is_deduction,
        )
        return _new(cls, (amount, reference, sender_account, bank_serial, line, reference_code,
                          channel, image, deposit, NO_DETAILS if details == NO_DETAILS else details))

    def replace(self, **changes: Any) -> BankPayment:
        """A copy with ``changes`` (any names of :data:`FIELDS`), as ``dataclasses.replace``."""
        return BankPayment(**{**{name: getattr(self, name) for name in FIELDS}, **changes})

    # ``==`` and hash as the dataclass had them: every field but line and section_index (the
    # deposit's own ``==`` leaves the latter out).
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BankPayment):
            return NotImplemented
        return self[:4] == other[:4] and self[5:] == other[5:]

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self[:4], self[5:]))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS)
        return f"BankPayment({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_new, (BankPayment, tuple(self)))

    @property
    def display_name(self) -> str:
        """The payer's name, else the account holder's (Total IN often has only the latter)."""
        details = self.details
        if details.payer_name:
            return details.payer_name
        return details.account_holder.name if details.account_holder else ""

    @property
    def all_references(self) -> tuple[str, ...]:
        """The main reference followed by the extra ones, empty ones left out."""
        main = (self.reference,) if self.reference else ()
        return main + self.details.extra_references

    # The section's fields, from the shared deposit.
    @property
    def pay_date(self) -> date:
        return self.deposit.pay_date

    @property
    def currency(self) -> str:
        return self.deposit.currency

    @property
    def receiving_account(self) -> str:
        return self.deposit.receiving_account

    @property
    def receiving_plusgiro(self) -> str:
        return self.deposit.receiving_plusgiro

    @property
    def receiving_bank_account(self) -> str:
        return self.deposit.receiving_bank_account

    @property
    def deposit_serial(self) -> str | None:
        return self.deposit.deposit_serial

    @property
    def section_index(self) -> int:
        return self.deposit.section_index

    # The rarer fields, from the details.
    @property
    def extra_references(self) -> tuple[str, ...]:
        return self.details.extra_references

    @property
    def extra_reference_items(self) -> tuple[ExtraReference, ...]:
        return self.details.extra_reference_items

    @property
    def sender_origin_code(self) -> str | None:
        return self.details.sender_origin_code

    @property
    def payer_name(self) -> str:
        return self.details.payer_name

    @property
    def payer_name_extra(self) -> str:
        return self.details.payer_name_extra

    @property
    def payer_address(self) -> str:
        return self.details.payer_address

    @property
    def payer_address_extra(self) -> str:
        return self.details.payer_address_extra

    @property
    def payer_postcode(self) -> str:
        return self.details.payer_postcode

    @property
    def payer_city(self) -> str:
        return self.details.payer_city

    @property
    def payer_country(self) -> str:
        return self.details.payer_country

    @property
    def payer_country_code(self) -> str:
        return self.details.payer_country_code

    @property
    def payer_orgno(self) -> str:
        return self.details.payer_orgno

    @property
    def account_holder(self) -> Party | None:
        return self.details.account_holder

    @property
    def messages(self) -> tuple[str, ...]:
        return self.details.messages

    @property
    def deduction_code(self) -> str | None:
        return self.details.deduction_code

    @property
    def reported_bankgiro(self) -> str:
        return self.details.reported_bankgiro

    @property
    def foreign(self) -> ForeignAmount | None:
        return self.details.foreign

    @property
    def is_deduction(self) -> bool:
        return self.details.is_deduction


_new = tuple.__new__

FIELDS: tuple[str, ...] = (
    "amount", "pay_date", "reference", "reference_code", "extra_references",
    "extra_reference_items", "sender_account", "sender_origin_code", "payer_name",
    "payer_name_extra", "payer_address", "payer_address_extra", "payer_postcode", "payer_city",
    "payer_country", "payer_country_code", "payer_orgno", "account_holder", "messages",
    "bank_serial", "channel", "image", "deduction_code", "reported_bankgiro", "foreign",
    "currency", "receiving_account", "receiving_plusgiro", "receiving_bank_account",
    "deposit_serial", "is_deduction", "line", "section_index",
)
"""Every field of a BankPayment, in the order of its keyword constructor."""


class PaymentDraft:
    """A payment being read, filled record by record by the readers' line-by-line path and
    sealed into a BankPayment (:func:`seal_payment`) when its section's end record has brought
    the deposit. Plain slots, assigned directly (a frozen object cannot be filled in steps)."""

    __slots__ = (*_PaymentRecord._fields[:8], *PaymentDetails._fields)

    if TYPE_CHECKING:
        # For the type checker: every field may be read and assigned (an unknown name fails at
        # run time on the slots, and the tests compare sealed payments with ones built the
        # normal way).
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...


_OWN = attrgetter(*_PaymentRecord._fields[:8])
_DETAILS = attrgetter(*PaymentDetails._fields)


def seal_payment(draft: PaymentDraft, deposit: PaymentDeposit) -> BankPayment:
    """The BankPayment a fully assigned draft describes, in ``deposit``."""
    details = _DETAILS(draft)
    return _new(BankPayment, (*_OWN(draft), deposit,
                              NO_DETAILS if details == NO_DETAILS else _new(PaymentDetails, details)))


class PartySlots:
    """Party's slots, filled record by record (Total IN 61-63) and sealed once: an unfrozen object
    with exactly Party's slots, which :func:`seal_party` makes a Party by switching its class
    (Python allows that between classes of the same slot layout)."""

    __slots__ = Party.__slots__

    def __init__(self) -> None:
        self.name = self.name_extra = self.address = self.address_extra = ""
        self.postcode = self.city = self.country_code = ""


def seal_party(slots: PartySlots) -> Party:
    """Make a PartySlots the frozen Party it was built to be."""
    slots.__class__ = Party  # type: ignore[assignment]  # same slots: the object becomes a Party
    return slots  # type: ignore[return-value]  # ...which the checker cannot follow


@dataclass(frozen=True, slots=True)
class PaymentSection:
    """One deposit (BgMax TK05…TK15) or one account-and-currency block (Total IN 10…90).

    ``count`` and ``amount`` are what the bank's end record stated, checked against the payments
    (payments + deductions; payments − deductions).
    """

    index: int
    receiving_account: str
    currency: str
    pay_date: date
    count: int
    amount: int
    payment_count: int
    deduction_count: int
    first_line: int
    last_line: int
    receiving_plusgiro: str = ""
    receiving_bank_account: str = ""
    deposit_serial: str | None = None
    deposit_type: str = ""


@dataclass(frozen=True, slots=True)
class PaymentFile:
    """A whole payment file, checked against its own end records.

    ``file_id`` identifies one bank delivery (BgMax: TK01 timestamp; Total IN: customer id,
    timestamp and delivery number) so the same file is never booked twice. ``is_test`` files are
    read but must be refused by the importer unless the user asks for them.
    """

    format: str
    file_id: str
    created_at: datetime
    is_test: bool
    payments: tuple[BankPayment, ...]
    sections: tuple[PaymentSection, ...]
    total_amount: int
    path: str
    sender_id: str = ""
    delivery_number: int | None = None
    encoding: str = "iso-8859-1"
    line_count: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def payment_count(self) -> int:
        """Number of payment records (not deductions)."""
        return sum(section.payment_count for section in self.sections)

    @property
    def deduction_count(self) -> int:
        """Number of deduction records."""
        return sum(section.deduction_count for section in self.sections)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the sections, in order of appearance (EUR exists in old files)."""
        return tuple(dict.fromkeys(section.currency for section in self.sections))


def detect_format(data: bytes, path: str = "<data>") -> str:
    """Return "bgmax" or "totalin" from the first record; refuse anything else with the reason.

    Recognised non-formats get a precise reason: empty files, binary files, PDFs and the older
    Bankgirot OCR format (first record ``00…BANKGIROT``).
    """
    return detect(data, path)[0]


def detect(data: bytes, path: str = "<data>") -> tuple[str, bool]:
    """:func:`detect_format`, and whether the bytes hold 0x80-0x9F (for the readers' decoding:
    the same pass over the file answers both)."""
    file_format, c1, _scanned = _detect(data, path, defer_scan=False)
    return file_format, c1


def _detect(data: bytes, path: str, *, defer_scan: bool) -> tuple[str, bool, bool]:
    """:func:`detect`, and whether the bytes were checked for binary content.

    ``defer_scan``: an ASCII BgMax file is not scanned here. Its reader checks the bytes it
    reads (the plain sections' fields are mostly checked as digits anyway) and scans only the
    rest, raising :func:`refuse_binary`'s error before any other (``bgmax._Reader``): one pass
    of ``bytes.translate`` over the file saved. Any other file is scanned here, before its
    first line is looked at, so the refusals come in the same order either way.
    """
    if not data or data.isspace():
        raise PaymentFileError(path, None, None, "ingen BgMax- eller Total IN-fil: filen är tom")
    if data.startswith(b"%PDF"):
        raise PaymentFileError(path, 1, None, "ingen BgMax- eller Total IN-fil: det är ett PDF-dokument")
    if defer_scan and data.isascii() and _first_line(data).startswith("01BGMAX"):
        return BGMAX, False, False
    c1 = refuse_binary(data, path)
    first = _first_line(data)
    if first.startswith("01BGMAX"):
        return BGMAX, c1, True
    if first.startswith("00") and "TOTALIN" in first[39:49]:
        return TOTALIN, c1, True
    field, pos = (None, None) if _looks_legacy(first) else ("posttyp", (1, 2))
    raise PaymentFileError(path, 1, field, _unknown_reason(first), pos)


def refuse_binary(data: bytes, path: str) -> bool:
    """Refuse ``data`` when it holds a control byte no text bank file has, naming the first;
    otherwise return whether it holds bytes 0x80-0x9F."""
    binary, c1 = scan_bytes(data)
    if binary is not None:
        offset, byte, line = binary
        raise PaymentFileError(
            path, line, None,
            f"ingen BgMax- eller Total IN-fil: binärt innehåll (byte 0x{byte:02x} på offset {offset})",
        )
    return c1


def read_payment_file(data: bytes, path: str) -> PaymentFile:
    """Read a BgMax or Total IN file (detected from its first record) and check its totals."""
    from tui_inkasso.formats import bgmax, totalin  # the readers import this module

    file_format, c1, scanned = _detect(data, path, defer_scan=True)
    if file_format == BGMAX:
        return bgmax.read_bgmax(data, path, check_format=False, c1=c1, scanned=scanned)
    return totalin.read_totalin(data, path, check_format=False, c1=c1)


def _first_line(data: bytes) -> str:
    """The first non-empty line, decoded, without CR and byte-order mark (of the first five: the
    bytes after the fifth line end are not split off, a copy of the whole file)."""
    end = -1
    for _ in range(5):
        end = data.find(b"\n", end + 1)
        if end < 0:
            break
    for raw in (data if end < 0 else data[:end]).split(b"\n", 5)[:5]:
        line = decode_text(raw)[0].rstrip("\r\n").lstrip("\ufeff")
        if line.strip():
            return line
    return ""


_BGMAX_RECORDS = {
    "05": "en öppningspost TK05", "15": "en insättningspost TK15", "20": "en betalningspost TK20",
    "21": "en avdragspost TK21", "22": "en extra referenspost TK22",
    "23": "en extra referenspost TK23", "25": "en informationspost TK25",
    "26": "en namnpost TK26", "27": "en adresspost TK27", "28": "en adresspost TK28",
    "29": "en organisationsnummerpost TK29", "70": "en slutpost TK70",
}


def _looks_legacy(first: str) -> bool:
    """The pre-BgMax Bankgirot OCR format: first record '00…BANKGIROT' (or a damaged one)."""
    return "BANKGIROT" in first or (first.startswith("00") and "BANK" in first[60:])


def _unknown_reason(first: str) -> str:
    shown = " ".join(first.split())[:60]
    if _looks_legacy(first):
        return (
            "ingen BgMax- eller Total IN-fil: ser ut som Bankgirots äldre OCR-format "
            f"(första posten '00…BANKGIROT'): {shown!r}"
        )
    if first.startswith("01"):
        return f"ingen BgMax-fil: startposten TK01 ska börja med '01BGMAX': {shown!r}"
    if first[:2] in _BGMAX_RECORDS and len(first.rstrip()) >= 10:
        return (
            "ingen komplett BgMax-fil: den börjar med "
            f"{_BGMAX_RECORDS[first[:2]]} i stället för startposten TK01 (ett utdrag?)"
        )
    return (
        "ingen BgMax- eller Total IN-fil: en BgMax-fil börjar med '01BGMAX', en Total IN-fil med "
        f"'00' och 'TL1TOTALIN'; första raden är {shown!r}"
    )
