"""Bankgirot's BgMax file ("Bankgiro Inbetalningar"): reader and writer.

Record layouts and the invariants we check are in shared/docs/formats/bank-files.md §1; the
policy (what we tolerate, what we refuse) in docs/formats/payment-files.md. The reader makes one
pass over the lines, slicing fixed positions; payments are built when their section's deposit
record TK15 arrives, because only TK15 carries the payment date.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter
from typing import ClassVar

from tui_inkasso.domain.money import MAX_AMOUNT, format_sek
from tui_inkasso.formats import _fixed_width as fw
from tui_inkasso.formats._bank_file import (
    RecordReader,
    Section,
    check_deduction_sign,
    check_extra_amount,
    read_checked,
    refuse_amount,
)
from tui_inkasso.formats.payment_file import (
    BGMAX,
    NO_DETAILS,
    BankPayment,
    ExtraReference,
    PaymentDeposit,
    PaymentDraft,
    PaymentFile,
    PaymentSection,
    seal_payment,
)
from tui_inkasso.gc_pause import gc_paused

RECORD_NAMES = {
    "01": "startpost TK01",
    "05": "öppningspost TK05",
    "20": "betalningspost TK20",
    "21": "avdragspost TK21",
    "22": "extra referenspost TK22",
    "23": "extra referenspost TK23",
    "25": "informationspost TK25",
    "26": "namnpost TK26",
    "27": "adresspost TK27",
    "28": "adresspost TK28",
    "29": "organisationsnummerpost TK29",
    "15": "insättningspost TK15",
    "70": "slutpost TK70",
}
"""Bankgirot's Swedish record names, as the messages show them."""

class _Section(Section):
    """An open TK05 section: the payee's accounts and the payments read so far."""

    __slots__ = ("receiving_account", "plusgiro", "currency")

    def __init__(self, receiving_account: str, plusgiro: str, currency: str, line: int) -> None:
        super().__init__(line)
        self.receiving_account = receiving_account
        self.plusgiro = plusgiro
        self.currency = currency


class _Reader(RecordReader):
    """One pass over a BgMax file; each ``_tkNN`` method handles one record type.

    A payment is a PaymentDraft filled by its TK20/21 and the records after it, and sealed into a
    BankPayment when the section's TK15 brings the payment date and the deposit. The frame checks (first record
    TK01, nothing after TK70, sections left open) are :class:`RecordReader`'s.
    """

    FORMAT = BGMAX
    NAMES = RECORD_NAMES
    START, END = "01", "70"
    SECTION_END = "insättningspost TK15"
    SECTION = "avsnittet"
    OUTSIDE = "utanför ett avsnitt: en öppningspost TK05 måste komma först"
    ITEM = "betalning"
    FOLLOWS = "en TK20 eller TK21 i ett avsnitt"
    ORDER = "22/23, 25, 26, 27, 28, 29; 26–29 högst en gång vardera"
    SERIAL = ("BGC-löpnummer", (58, 69))
    DEPOSIT = ("insättningsnummer", (46, 50))

    section: _Section | None
    fast_path: ClassVar[bool] = True
    """Read runs of plain sections with :meth:`_fast_section` (the tests turn it off to compare)."""

    def __init__(self, path: str, quirks: fw.Quirks) -> None:
        super().__init__(path, quirks)
        self.n_extra = 0

    # -- fast path -----------------------------------------------------------------------------

    def feed(self, text: str) -> int:
        """Read the file's leading plain sections (TK05, TK20 only, TK15) a section at a time,
        and the rest line by line.

        A plain OCR payment costs the line-by-line reader a handler call, its checks and a
        PaymentDraft filled at TK20 and sealed at TK15. Here a section is checked and read column
        by column with C-level string operations over all its records at once
        (:func:`_plain_columns`, :meth:`_fast_section`): no Python code runs per payment. A
        section that is not plain or whose checks fail, and everything after it, goes to the
        exact reader (``fw.feed_lines``) from its TK05 on, so every error and every tolerated
        quirk is the exact reader's.
        """
        eol = "\r\n" if text.startswith("\r\n", fw.RECORD_WIDTH) else "\n"
        width = fw.RECORD_WIDTH + len(eol)
        if not (self.fast_path and text.startswith("01") and _whole_record(text[: fw.RECORD_WIDTH])
                and text.startswith(eol + "05", fw.RECORD_WIDTH) and _looks_plain(text, width)):
            return super().feed(text)  # nothing to read fast: no copy of the text, no second pass
        if self.unscanned is not None and not fw.is_clean(self.unscanned[:width]):
            self.scan_from(0)
        try:
            self._start(text[: fw.RECORD_WIDTH], 1)
        except fw.RecordError as exc:
            raise fw.LineProblem(1, exc.field, exc.pos, exc.reason) from None
        number, pos = 1, width
        with gc_paused():  # one pause for both parts: see fw.feed_lines
            while text.startswith("05", pos):
                read = self._fast_section(text, pos, number + 1, eol)
                if not read:
                    break
                number += read
                pos += read * width
            self.scan_from(pos)  # the plain sections' bytes are checked: the rest's now
            return fw.feed_lines(text[pos:], self.quirks, self.handlers, self.other, number + 1)

    def _fast_section(self, text: str, pos: int, first: int, eol: str) -> int:
        """Read the plain section whose TK05 starts at ``text[pos]``, on line ``first``; return
        its number of lines, or 0 with nothing changed when the exact reader must read it.

        The records are found as a block of equal-width lines (``eol`` after every 80 columns);
        the payments are built by ``map`` and ``zip`` over its columns (:func:`_plain_columns`:
        unpacked by a struct, or strided slices of the block), in C.
        """
        width = fw.RECORD_WIDTH + len(eol)
        start = pos + width
        count = _leading_payments(text, start, width)
        end = start + count * width  # where the TK15 must begin
        tk05, tk15 = text[pos : pos + fw.RECORD_WIDTH], text[end : end + fw.RECORD_WIDTH]
        if not (count and tk15.startswith("15") and _whole_record(tk05) and _whole_record(tk15)
                and text.startswith(eol, pos + fw.RECORD_WIDTH)
                and text.startswith(eol, end + fw.RECORD_WIDTH)):
            return 0
        last = first + count + 1
        deposit = self._plain_deposit(tk05, tk15, first, last)
        if deposit is None or deposit.count != count:
            return 0
        data = self.unscanned
        if data is not None and not (fw.is_clean(data[pos:start])
                                     and fw.is_clean(data[end : end + width])):
            return 0  # binary content: scan_from refuses the file
        columns = _plain_columns(text[start:end], count, eol, check_binary=data is not None)
        if columns is None:
            return 0
        references, amount_digits, serials, senders, codes, channels, images = columns
        amounts = list(map(int, amount_digits))
        if sum(amounts) != deposit.amount or not all(amounts):
            return 0
        shared = PaymentDeposit(deposit.pay_date, deposit.currency, deposit.receiving_account,
                                deposit.receiving_plusgiro, deposit.receiving_bank_account,
                                deposit.deposit_serial, deposit.index)
        self.note_serials(serials)
        self.payments.extend(map(_new, repeat(BankPayment), zip(
            amounts, references, senders,
            serials, range(first + 1, last), codes, channels,
            map("1".__eq__, images) if "1" in images else repeat(False),
            repeat(shared), repeat(NO_DETAILS),
        )))
        self._deposits[_deposit_key(deposit)] = deposit
        self.sections.append(deposit)
        return last - first + 1

    def _plain_deposit(self, tk05: str, tk15: str, first: int, last: int) -> PaymentSection | None:
        """The deposit of a plain section (TK05 on line ``first``, TK15 on ``last``) when both
        records pass the exact reader's checks and it repeats no earlier deposit; else None."""
        try:
            account = fw.digits(tk05, 3, 12, "mottagarbankgiro").lstrip("0")
            plusgiro = fw.optional_digits(tk05, 13, 22, "mottagarplusgiro").lstrip("0")
            currency = fw.currency(tk05, 23, 25)
            bank_account = fw.digits(tk15, 3, 37, "bankkonto").lstrip("0")
            pay_date = self.section_date(tk15, 38, 45, "betalningsdag")
            serial = fw.digits(tk15, 46, 50, "insättningsnummer")
            amount = fw.num(tk15, 51, 68, "belopp")
            count = fw.num(tk15, 72, 79, "antal betalningar")
        except fw.RecordError:
            return None
        deposit = PaymentSection(
            index=len(self.sections), receiving_account=account, currency=currency,
            pay_date=pay_date, count=count, amount=amount, payment_count=count, deduction_count=0,
            first_line=first, last_line=last, receiving_plusgiro=plusgiro,
            receiving_bank_account=bank_account, deposit_serial=serial,
            deposit_type=tk15[79].strip(),
        )
        if tk15[68:71] != currency or _deposit_key(deposit) in self._deposits:
            return None
        return deposit

    def _all_handlers(self) -> dict[str, fw.Handler]:
        return {
            "20": self._tk20, "26": self._tk26, "27": self._tk27, "28": self._tk28,
            "29": self._tk29, "25": self._tk25, "22": self._tk22, "23": self._tk23,
            "21": self._tk21, "05": self._tk05, "15": self._tk15, "01": self._start,
            "70": self._tk70,
        }

    # -- file and section frame -------------------------------------------------------------

    def _start(self, line: str, number: int) -> None:
        """TK01."""
        self.check_started_once()
        if fw.text(line, 3, 22) != "BGMAX":
            raise fw.RecordError("layoutnamn", (3, 22), f"ska vara 'BGMAX', inte {line[2:22]!r}")
        if line[22:24] != "01":
            raise fw.RecordError("version", (23, 24), f"BgMax-version {line[22:24]!r} stöds inte")
        self.created_at = fw.timestamp(line, 25, 44, "tidsstämpel")
        self.file_id = line[24:44]
        marker = line[44]
        if marker not in ("T", "P"):
            raise fw.RecordError("testmarkering", (45, 45), f"ska vara 'T' eller 'P', inte {marker!r}")
        self.is_test = marker == "T"
        self.handlers.update(self._all_handlers())

    def _tk05(self, line: str, number: int) -> None:
        self.check_no_open_section("05")
        account = fw.digits(line, 3, 12, "mottagarbankgiro").lstrip("0")
        plusgiro = fw.optional_digits(line, 13, 22, "mottagarplusgiro").lstrip("0")
        self.section = _Section(account, plusgiro, fw.currency(line, 23, 25), number)
        self.current = None

    def _tk15(self, line: str, number: int) -> None:
        section = self.section
        if section is None:
            self.outside("15")
        bank_account = fw.digits(line, 3, 37, "bankkonto").lstrip("0")
        pay_date = self.section_date(line, 38, 45, "betalningsdag")
        serial = fw.digits(line, 46, 50, "insättningsnummer")
        amount = fw.num(line, 51, 68, "belopp")
        currency = fw.currency(line, 69, 71)
        count = fw.num(line, 72, 79, "antal betalningar")
        payments = section.payments
        section.n_payments = len(payments) - section.n_deductions
        section.total = sum(map(_AMOUNT, payments))  # at C speed, not one addition per payment
        _check_deposit(section, currency, count, amount)
        index = len(self.sections)
        deposit = PaymentSection(
            index=index, receiving_account=section.receiving_account, currency=currency,
            pay_date=pay_date, count=count, amount=amount, payment_count=section.n_payments,
            deduction_count=section.n_deductions, first_line=section.first_line, last_line=number,
            receiving_plusgiro=section.plusgiro, receiving_bank_account=bank_account,
            deposit_serial=serial, deposit_type=line[79].strip(),
        )
        self.check_repeated_section(
            _deposit_key(deposit), deposit,
            f"samma mottagare, bankkonto, betalningsdag {pay_date} och insättningsnummer {serial}",
        )
        self.sections.append(deposit)
        shared = PaymentDeposit(pay_date, currency, section.receiving_account, section.plusgiro,
                                bank_account, serial, index)
        self.payments.extend(map(seal_payment, payments, itertools.repeat(shared)))
        self.section = None
        self.current = None

    def _tk70(self, line: str, number: int) -> None:
        self.check_no_open_section("70")
        actual = (sum(s.payment_count for s in self.sections),
                  sum(s.deduction_count for s in self.sections), self.n_extra, len(self.sections))
        for (start, end, name, what), count in zip(_TK70_FIELDS, actual, strict=True):
            stated = fw.num(line, start, end, name)
            if stated != count:
                raise fw.RecordError(
                    name, (start, end), f"TK70 anger {stated} {what}, filen har {count}"
                )
        self.end(number)

    # -- payments ------------------------------------------------------------------------------

    def _tk20(self, line: str, number: int) -> None:
        """A payment from TK20 (or TK21, see :meth:`_tk21`) pos 3-70, every PaymentDraft field
        set. The hot loop: built here rather than in a helper, and the section's count and sum
        are taken once at TK15.

        Pos 38-70 are all numeric: one check, and field by field only when it fails.
        """
        section = self.section
        if section is None:
            self.outside(line[:2])
        numbers = line[37:70]
        if not (numbers.isdigit() and numbers.isascii()):
            _numeric_fields(line, _PAYMENT_NUMBERS)
        sender = line[2:12]
        if sender.isdigit() and sender.isascii():
            sender = sender.lstrip("0")
        else:
            sender = self._odd_sender(sender, number)
        amount = int(numbers[:18])
        if not 0 < amount <= MAX_AMOUNT:
            refuse_amount(amount, (38, 55))
        p = PaymentDraft()
        p.amount = amount
        p.reference = line[12:37].strip()
        p.reference_code = numbers[18]
        p.channel = numbers[19]
        p.bank_serial = numbers[20:32]
        p.image = numbers[32] == "1"
        p.sender_account = sender
        p.line = number
        p.payer_name = p.payer_name_extra = p.payer_address = p.payer_address_extra = ""
        p.payer_postcode = p.payer_city = p.payer_country = p.payer_country_code = ""
        p.payer_orgno = p.reported_bankgiro = ""
        p.extra_references = p.extra_reference_items = p.messages = ()
        p.sender_origin_code = p.account_holder = p.deduction_code = p.foreign = None
        p.is_deduction = False
        self.current = p
        self.rank = 0
        section.payments.append(p)

    def _tk21(self, line: str, number: int) -> None:
        """A deduction: TK20's fields, the deduction code (pos 71) and a negative amount."""
        self._tk20(line, number)
        p = self.current
        assert p is not None and self.section is not None
        p.deduction_code = fw.digits(line, 71, 71, "avdragskod")
        p.is_deduction = True
        p.amount = -p.amount
        self.section.n_deductions += 1

    def _odd_sender(self, value: str, number: int) -> str:
        """Payer's bankgiro with blanks: Bankgirot's own samples have ``009701233␠``; we read the
        digits. Anything else than digits and blanks is refused."""
        stripped = value.strip()
        if stripped and not (stripped.isdigit() and stripped.isascii()):
            raise fw.RecordError("avsändarbankgiro", (3, 12), f"inte numeriskt: {value!r}")
        if stripped:
            self.quirks.add("sender_blank", number)
        return stripped.lstrip("0")

    # Records after a TK20/21 come in the order 22/23 (rank 1), 25 (2), 26 (3), 27 (4), 28 (5),
    # 29 (6); 22, 23 and 25 may repeat. Each handler checks its rank inline (hot loop).

    def _tk22(self, line: str, number: int, sign: int = 1) -> None:
        p = self.current
        if p is None or self.rank > 1:
            self.misplaced(line[:2])
        self.rank = 1
        sender = line[2:12]
        if not (sender.isdigit() and sender.isascii()):
            self._odd_sender(sender, number)
        amount = check_extra_amount(fw.num(line, 38, 55, "belopp"), (38, 55))
        code = fw.digits(line, 56, 56, "referenskod")
        reference = line[12:37].strip()
        p.extra_reference_items = (
            *p.extra_reference_items, ExtraReference(reference, sign * amount, code, number)
        )
        if reference:
            p.extra_references = (*p.extra_references, reference)
        self.n_extra += 1

    def _tk23(self, line: str, number: int) -> None:
        self._tk22(line, number, -1)

    def _tk25(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank > 2:
            self.misplaced("25")
        self.rank = 2
        message = line[2:52].strip()
        if message:
            p.messages = (*p.messages, message)

    def _tk26(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 3:
            self.misplaced("26")
        self.rank = 3
        p.payer_name = line[2:37].strip()
        p.payer_name_extra = line[37:72].strip()

    def _tk27(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 4:
            self.misplaced("27")
        self.rank = 4
        p.payer_address = line[2:37].strip()
        p.payer_postcode = line[37:46].strip()

    def _tk28(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 5:
            self.misplaced("28")
        self.rank = 5
        p.payer_city = line[2:37].strip()
        p.payer_country = line[37:72].strip()
        p.payer_country_code = line[72:74].strip()

    def _tk29(self, line: str, number: int) -> None:
        p = self.current
        if p is None or self.rank >= 6:
            self.misplaced("29")
        self.rank = 6
        value = line[2:14]
        if not (value.isdigit() and value.isascii()):
            value = fw.optional_digits(line, 3, 14, "organisationsnummer")
            self.quirks.add("orgno_blank", number)
        p.payer_orgno = value.lstrip("0")


_TK70_FIELDS = (
    (3, 10, "antal betalningar", "betalningsposter (TK20)"),
    (11, 18, "antal avdrag", "avdragsposter (TK21)"),
    (19, 26, "antal extra referenser", "extra referensposter (TK22 + TK23)"),
    (27, 34, "antal insättningar", "insättningsposter (TK15)"),
)

_AMOUNT = attrgetter("amount")


_new = tuple.__new__


def _deposit_key(d: PaymentSection) -> tuple[object, ...]:
    """What makes a deposit the same as another: receiving accounts, currency, date, serial."""
    return (d.receiving_account, d.receiving_plusgiro, d.receiving_bank_account, d.currency,
            d.pay_date, d.deposit_serial)

def _leading_payments(text: str, start: int, width: int) -> int:
    """How many records from ``text[start]`` on begin with '2' (TK20 to TK29), were every line
    ``width`` wide: one strided slice of their first columns (the caller checks the widths)."""
    window = 1024
    while True:
        column = text[start : start + window * width : width]
        count = len(column) - len(column.lstrip("2"))
        if count < len(column) or len(column) < window:
            return count
        window *= 4


def _looks_plain(text: str, width: int) -> bool:
    """Whether the first section (its TK05 on line 2) looks plain: TK20 records and a TK15,
    found as :meth:`_Reader._fast_section` finds them. Otherwise the file goes to the exact
    reader whole, without the copy of the rest of the text that a fast start would hand it."""
    start = 2 * width
    count = _leading_payments(text, start, width)
    return count > 0 and text.startswith("15", start + count * width) \
        and text[start + 1 : start + count * width : width] == "0" * count


def _whole_record(line: str) -> bool:
    """Whether ``line`` is one whole 80-column record, as ``fw.feed_lines`` passes it on (no
    TAB to expand, no line end inside)."""
    return len(line) == fw.RECORD_WIDTH and "\n" not in line and "\r" not in line \
        and "\t" not in line


_PlainColumns = tuple[list[str], list[bytes], list[str], list[str], str, str, str]

_REFERENCE, _SENDER = (12, 37), (2, 12)
"""0-based column spans of a TK20's reference and sender bankgiro."""
_AMOUNT_ZEROS = range(37, 44)
"""Pos 38-44: zeros in every amount up to MAX_AMOUNT (11 digits), so only pos 45-55 are read."""
_RESERVED = range(70, 80)
"""Pos 71-80, which the exact reader ignores (but a line end there would split a record)."""
_CHUNK = 64
"""Records one struct unpacks at a time."""
_structs: dict[tuple[int, int, int, int], struct.Struct] = {}


def _record_struct(sender: int, reference: int, width: int, records: int) -> struct.Struct:
    """A struct that unpacks ``records`` TK20 records of ``width`` columns into their sender
    bankgiro from column ``sender`` on, the first ``reference`` columns of the reference, the
    amount's digits (pos 45-55) and the BGC serial (pos 58-69): four bytes objects a record.
    Made once and kept (a file has a shape or two; the cache is emptied past 64 of them)."""
    key = (sender, reference, width, records)
    found = _structs.get(key)
    if found is None:
        if len(_structs) >= 64:
            _structs.clear()
        start, end = _REFERENCE
        one = (f"{sender}x{start - sender}s{reference}s{end - start - reference + 7}x"
               f"11s2x12s{width - 69}x")
        found = _structs[key] = struct.Struct(one * records)
    return found


def _no_blank(column: str) -> bool:
    """Whether a strided column holds no whitespace (as ``str.strip`` knows it)."""
    return column.split() == [column]


def _reference_length(block: str, width: int, count: int) -> int:
    """The length of every record's reference when all have the first's (an OCR number is as
    long as the others of its payee: the common case), else 0: the columns after that length
    hold blanks, and its first and last column no whitespace, in every record (one strided
    slice of the block a column)."""
    start, end = _REFERENCE
    length = len(block[start:end].rstrip(" "))
    blanks = " " * count
    if length and all(block[column::width] == blanks for column in range(start + length, end)) \
            and _no_blank(block[start::width]) and _no_blank(block[start + length - 1 :: width]):
        return length
    return 0


def _sender_zeros(block: str, width: int, count: int) -> int | None:
    """How many leading zeros every record's sender bankgiro has when all have the first's
    number (or are all zeros), else None."""
    start, end = _SENDER
    first = block[start:end]
    zeros = len(first) - len(first.lstrip("0"))
    zero_column = "0" * count
    if all(block[column::width] == zero_column for column in range(start, start + zeros)) \
            and (zeros == end - start or "0" not in block[start + zeros :: width]):
        return zeros
    return None


def _unpack(raw: bytes, sender: int, reference: int, width: int) -> list[bytes]:
    """The fields :func:`_record_struct` unpacks from every record of ``raw``, four a record,
    in one flat list."""
    view = memoryview(raw)
    whole = len(view) // width // _CHUNK * _CHUNK * width
    fields = list(itertools.chain.from_iterable(
        _record_struct(sender, reference, width, _CHUNK).iter_unpack(view[:whole])))
    if whole < len(view):
        fields.extend(itertools.chain.from_iterable(
            _record_struct(sender, reference, width, 1).iter_unpack(view[whole:])))
    return fields


def _plain_columns(block: str, count: int, eol: str, *,
                   check_binary: bool = False) -> _PlainColumns | None:
    """The columns of ``count`` TK20 records in ``block`` (each ending with ``eol``), or None
    when a record is not one the exact reader would read the same way: (references as the
    exact reader strips them, amounts' digits, BGC serials, senders without leading zeros, and
    as strided slices the reference codes, channels and image marks).

    Checked for all records at once, as the exact reader checks each: line ends only after
    column 80 (and no other LF, no CR in an LF file, no TAB), record type 20, digits in pos 3-12
    and 38-70, an amount of at most 11 digits. The numeric columns' digits are joined and
    checked in one ``bytes.isdigit`` (ASCII only, where ``str.isdigit`` takes other scripts'
    digits too).

    The records are unpacked by a struct (:func:`_record_struct`), four bytes objects a record
    in C, and the references, senders and serials made text with one decode of their join and
    one split: cheaper than slicing each field out of a list of the lines. When every reference
    has one length and every sender one number of leading zeros (the common case), the struct
    takes just those columns, so no field is stripped afterwards.

    The block is encoded back to ISO-8859-1 for the struct: a character outside it sends the
    section to the line reader.

    ``check_binary``: the file is ASCII and not yet checked for binary content (see
    ``RecordReader.unscanned``). The columns not checked as digits or blanks (the references,
    pos 71-80) are checked for it, and a section with binary content is not plain (the rest of
    the file is then scanned and refused).
    """
    width = fw.RECORD_WIDTH + len(eol)
    zeros = "0" * count
    if block[1::width] != zeros or block[fw.RECORD_WIDTH::width] != eol[0] * count \
            or block[width - 1 :: width] != "\n" * count or "\t" in block \
            or (eol == "\n" and "\r" in block) \
            or any(block[column::width] != zeros for column in _AMOUNT_ZEROS):
        return None
    try:
        raw = block.encode("latin-1")
    except UnicodeEncodeError:
        return None
    reserved = b"".join([raw[column::width] for column in _RESERVED])
    if b"\n" in reserved or (check_binary and not fw.is_clean(reserved)):
        return None
    length = _reference_length(block, width, count)
    sender_zeros = _sender_zeros(block, width, count)
    sender = _SENDER[0] + (sender_zeros or 0)
    fields = _unpack(raw, sender, length or _REFERENCE[1] - _REFERENCE[0], width)
    senders, amounts, serials = fields[0::4], fields[2::4], fields[3::4]
    codes, channels, images = block[55::width], block[56::width], block[69::width]
    digits = b"".join((b"".join(amounts), b"".join(serials), b"".join(senders),
                       (codes + channels + images).encode("latin-1")))
    if not digits.isdigit():
        return None
    references = b"\n".join(fields[1::4])
    if check_binary and not fw.is_clean(references):
        return None
    text = b"\n".join((references, b"\n".join(senders), b"\n".join(serials))) \
        .decode("latin-1").split("\n")
    if len(text) != 3 * count:
        return None  # a line end inside a reference
    stripped, sender_text, serial_text = text[:count], text[count : 2 * count], text[2 * count :]
    if not length:
        stripped = list(map(str.strip, stripped))
    if sender_zeros is None:
        sender_text = list(map(str.lstrip, sender_text, repeat("0")))
    return stripped, amounts, serial_text, sender_text, codes, channels, images


_PAYMENT_NUMBERS = (
    (38, 55, "belopp"), (56, 56, "referenskod"), (57, 57, "betalningskanal"),
    (58, 69, "BGC-löpnummer"), (70, 70, "avibildmarkering"),
)


def _numeric_fields(line: str, spans: tuple[tuple[int, int, str], ...]) -> None:
    """Find the field that made a fast whole-range digit check fail, and raise for it."""
    for start, end, field in spans:
        fw.digits(line, start, end, field)


def _check_deposit(section: _Section, currency: str, count: int, amount: int) -> None:
    """TK15 must agree with its section: currency, number of payments, net amount (§1.6)."""
    if currency != section.currency:
        raise fw.RecordError(
            "valuta", (69, 71),
            f"{currency} skiljer sig från {section.currency} i öppningsposten på rad "
            f"{section.first_line}",
        )
    if count != section.n_payments + section.n_deductions:
        raise fw.RecordError(
            "antal betalningar", (72, 79),
            f"TK15 anger {count} betalningar, avsnittet från rad {section.first_line} har "
            f"{section.n_payments + section.n_deductions} (TK20 + TK21)",
        )
    if amount != section.total:
        raise fw.RecordError(
            "belopp", (51, 68),
            f"TK15 anger {format_sek(amount)} kr, betalningarna i avsnittet från rad "
            f"{section.first_line} blir sammanlagt {format_sek(section.total)} kr (TK20 − TK21)",
        )


def read_bgmax(
    data: bytes, path: str, *, check_format: bool = True, c1: bool | None = None,
    scanned: bool = True,
) -> PaymentFile:
    """Read a BgMax file; refuse it (PaymentFileError) when it is malformed or its totals differ.

    ``check_format=False`` skips the detection (empty, binary, other format) for a caller that
    has just done it, as ``read_payment_file`` has; its detection also says whether the bytes
    hold 0x80-0x9F (``c1``), which the decoding would otherwise look for in a pass of its own,
    and whether it checked them for binary content (``scanned``; an ASCII BgMax file is left
    to the reader, which checks the plain sections' bytes as it reads them and scans the rest).
    """
    return read_checked(_Reader, data, path, check_format=check_format, c1=c1,
                        not_this="ingen BgMax-fil: det är en Total IN-fil", scanned=scanned)


# -- writer ----------------------------------------------------------------------------------


def write_bgmax(
    payments: Iterable[BankPayment], *, created_at: datetime, is_test: bool = False
) -> bytes:
    """Write ``payments`` as a BgMax file (ISO-8859-1, CRLF) with correct TK15 and TK70 totals.

    Consecutive payments with the same receiving bankgiro, plusgiro, currency, bank account, date
    and deposit serial form one section. Reading the output gives back equal payments when every
    field BgMax carries is set (a payment without ``deposit_serial`` gets its section's number,
    without ``channel`` channel 1, without ``reference_code`` code 0). Fields only Total IN carries
    must be empty. Meant for tests and benchmarks; a bank never receives this file.
    """
    lines = [_start_line(created_at, is_test)]
    counts = [0, 0, 0, 0]
    for number, (key, group) in enumerate(itertools.groupby(payments, key=_section_key), 1):
        receiving, plusgiro, currency, bank_account, pay_date, serial = key
        lines.append(_line("05" + fw.zeros(receiving, 10, "receiving_account")
                           + (fw.zeros(plusgiro, 10, "receiving_plusgiro") if plusgiro
                              else " " * 10) + currency))
        section_count = section_total = 0
        for payment in group:
            _check_bgmax_only(payment)
            lines.extend(_payment_lines(payment))
            counts[1 if payment.is_deduction else 0] += 1
            counts[2] += len(payment.extra_reference_items)
            section_count += 1
            section_total += payment.amount
        counts[3] += 1
        lines.append(_line(
            "15" + fw.zeros(bank_account, 35, "receiving_bank_account") + pay_date.strftime("%Y%m%d")
            + fw.zeros(serial or str(number), 5, "deposit_serial")
            + fw.zeros(section_total, 18, "section amount") + currency
            + fw.zeros(section_count, 8, "payment count")
        ))
    lines.append(_line("70" + "".join(fw.zeros(c, 8, "count") for c in counts)))
    return fw.encode_records(lines)


def _section_key(p: BankPayment) -> tuple[str, str, str, str, date, str | None]:
    return (p.receiving_account, p.receiving_plusgiro, p.currency, p.receiving_bank_account,
            p.pay_date, p.deposit_serial)


def _start_line(created_at: datetime, is_test: bool) -> str:
    return _line("01" + "BGMAX".ljust(20) + "01" + fw.stamp(created_at) + ("T" if is_test else "P"))


_line = fw.record_writer("BgMax")


def _check_bgmax_only(p: BankPayment) -> None:
    if p.account_holder or p.foreign or p.reported_bankgiro or p.sender_origin_code \
            or p.payer_address_extra:
        raise ValueError(f"payment {p.reference!r}: BgMax cannot carry Total IN-only fields")
    if p.extra_references != tuple(e.reference for e in p.extra_reference_items if e.reference):
        raise ValueError(
            f"payment {p.reference!r}: BgMax extra references are written from "
            "extra_reference_items; extra_references must list the same references"
        )
    check_deduction_sign(p)


def _payment_lines(p: BankPayment) -> list[str]:
    """TK20/21 followed by TK22/23, 25, 26, 27, 28, 29 for one payment."""
    tail = (p.channel or "1") + fw.zeros(p.bank_serial or "0", 12, "bank_serial") \
        + ("1" if p.image else "0")
    sender = fw.zeros(p.sender_account or "0", 10, "sender_account")
    head = "21" if p.is_deduction else "20"
    lines = [_line(head + sender + fw.pad(p.reference, 25, "reference")
                   + fw.zeros(abs(p.amount), 18, "amount") + (p.reference_code or "0") + tail
                   + ((p.deduction_code or "0") if p.is_deduction else ""))]
    for extra in p.extra_reference_items:
        lines.append(_line(("23" if extra.amount < 0 else "22") + sender
                           + fw.pad(extra.reference, 25, "extra reference")
                           + fw.zeros(abs(extra.amount), 18, "extra amount")
                           + extra.reference_code + tail))
    lines.extend(_line("25" + fw.pad(m, 50, "message")) for m in p.messages if m)
    lines.extend(_party_lines(p))
    return lines


def _party_lines(p: BankPayment) -> Sequence[str]:
    lines = []
    if p.payer_name or p.payer_name_extra:
        lines.append(_line("26" + fw.pad(p.payer_name, 35, "payer_name")
                           + fw.pad(p.payer_name_extra, 35, "payer_name_extra")))
    if p.payer_address or p.payer_postcode:
        lines.append(_line("27" + fw.pad(p.payer_address, 35, "payer_address")
                           + fw.pad(p.payer_postcode, 9, "payer_postcode")))
    if p.payer_city or p.payer_country or p.payer_country_code:
        lines.append(_line("28" + fw.pad(p.payer_city, 35, "payer_city")
                           + fw.pad(p.payer_country, 35, "payer_country")
                           + fw.pad(p.payer_country_code, 2, "payer_country_code")))
    if p.payer_orgno:
        lines.append(_line("29" + fw.zeros(p.payer_orgno, 12, "payer_orgno")))
    return lines
