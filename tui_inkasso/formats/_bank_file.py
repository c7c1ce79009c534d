"""What the BgMax and Total IN modules share beyond the fixed-width helpers of ``_fixed_width``.

Both files are a start record, sections (BgMax TK05…TK15, Total IN 10…90) of payments, each
payment followed by its records in a fixed order, and an end record. :class:`RecordReader` holds
the state of one pass and the checks that differ between the formats only in names (a record
before the start or after the end, a section left open, a record outside a section or out of
order, a truncated file, a payment or a section that stands twice in the file), with the wording
of each format's own records. The record handlers stay in the format modules: they are the hot loop
and each reads its own positions.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice
from operator import attrgetter, lt
from typing import ClassVar, NoReturn

from tui_inkasso.domain.date_sanity import payment_date_problem
from tui_inkasso.domain.money import MAX_AMOUNT, format_sek
from tui_inkasso.domain.safe_text import blank_controls
from tui_inkasso.formats import _fixed_width as fw
from tui_inkasso.formats.payment_file import (
    BankPayment,
    PaymentDraft,
    PaymentFile,
    PaymentFileError,
    PaymentSection,
    detect,
    refuse_binary,
)
from tui_inkasso.gc_pause import gc_paused

RECORD_TYPE = "posttyp"
"""The label of the record type field (pos 1-2) in messages."""


class Section:
    """An open section: where it began, its payments so far, their counts and net amount."""

    __slots__ = ("first_line", "payments", "n_payments", "n_deductions", "total")

    def __init__(self, line: int) -> None:
        self.first_line = line
        self.payments: list[PaymentDraft] = []
        self.n_payments = self.n_deductions = self.total = 0


class RecordReader:
    """One pass over a bank file: the state and the frame checks both formats share.

    ``handlers`` holds only the start record's handler until the start record has been read
    (the subclass then adds the rest) and is emptied by the end record, so "the first record must
    be the start record" and "nothing after the end record" cost nothing per line: records
    without a handler go to :meth:`other`. The class attributes name the records in messages,
    which are Swedish (the staff read them); the names are indefinite ("startpost TK01") so they
    fit every sentence below.
    """

    FORMAT: ClassVar[str]
    NAMES: ClassVar[dict[str, str]]
    """Record type -> its name in messages ("insättningspost TK15")."""
    START: ClassVar[str]
    END: ClassVar[str]
    """Record types of the start and the end record."""
    SECTION_END: ClassVar[str]
    """What the record that closes a section is called: "insättningspost TK15", "kontoslutpost 90"."""
    SECTION: ClassVar[str]
    """A section, in the definite form: "avsnittet", "kontoavsnittet"."""
    OUTSIDE: ClassVar[str]
    """The end of the message for a payment record outside a section."""
    ITEM: ClassVar[str]
    """What a payment is called: "betalning", "transaktion"."""
    FOLLOWS: ClassVar[str]
    """The records a payment's detail records must follow."""
    ORDER: ClassVar[str]
    """The order of the detail records, for the message when it is broken."""
    SERIAL: ClassVar[tuple[str, tuple[int, int]]]
    """The payment record's bank serial: its label and position ("BGC-löpnummer", (58, 69))."""
    DEPOSIT: ClassVar[tuple[str, tuple[int, int]]]
    """The section end record's serial of the deposit: label and position."""

    def __init__(self, path: str, quirks: fw.Quirks) -> None:
        self.path = path
        self.quirks = quirks
        self.created_at: datetime | None = None
        self.file_id = ""
        self.sender_id = ""
        self.delivery_number: int | None = None
        self.is_test = False
        self.section: Section | None = None
        self.current: PaymentDraft | None = None
        self.rank = 0  # how far the records after the current payment have come
        self.payments: list[BankPayment] = []
        self.sections: list[PaymentSection] = []
        self.end_line = 0
        self.handlers: dict[str, fw.Handler] = {self.START: self._start}
        self._deposits: dict[tuple[object, ...], PaymentSection] = {}
        self.unscanned: bytes | None = None
        """The file's bytes while some of them are not yet checked for binary content (an ASCII
        BgMax file that ``payment_file`` left to its reader: see :meth:`scan_from`)."""
        self.rising_serials = 0
        """How many of the first payments have strictly rising bank serials (so all different),
        as :meth:`note_serials` found; ``_last_serial`` is the last of them."""
        self._last_serial = ""

    def _start(self, line: str, number: int) -> None:
        raise NotImplementedError

    def feed(self, text: str) -> int:
        """Read every line of ``text`` (see :func:`fw.feed_lines`); return the last line's number.

        A format may read the common case faster (BgMax) as long as it ends up the same.
        """
        self.scan_from(0)
        return fw.feed_lines(text, self.quirks, self.handlers, self.other)

    def scan_from(self, pos: int) -> None:
        """Check the bytes from ``pos`` on for binary content, if :attr:`unscanned`, and refuse
        the file as ``payment_file.detect`` would (the first such byte of the whole file named)
        when one is there. The bytes before ``pos`` must have been checked by the caller, and
        ``pos`` is an offset in the text and the bytes alike (the file is ASCII)."""
        data = self.unscanned
        if data is None:
            return
        self.unscanned = None
        if not fw.is_clean(data[pos:] if pos else data):
            refuse_binary(data, self.path)

    def name(self, rec: str) -> str:
        """The record's name for messages ("betalningspost TK20"), or ``post '42'``."""
        return self.NAMES.get(rec, f"post {rec!r}")

    def found(self, rec: str) -> str:
        """How a wrong first record is shown after "inte"."""
        return self.name(rec)

    def other(self, line: str, number: int) -> None:
        """A record without a handler: before the start, after the end, unknown or no record."""
        rec = line[:2]
        if self.end_line:
            raise fw.RecordError(RECORD_TYPE, (1, 2), f"post {rec!r} efter {self.NAMES[self.END]}")
        if self.created_at is None:
            raise fw.RecordError(
                RECORD_TYPE, (1, 2),
                f"första posten ska vara {self.NAMES[self.START]}, inte {self.found(rec)}",
            )
        if not (rec.isdigit() and rec.isascii()):
            raise fw.RecordError(RECORD_TYPE, (1, 2), f"ingen giltig posttyp: {rec!r}")
        self.quirks.add("unknown", number)

    def check_started_once(self) -> None:
        """A second start record is refused."""
        if self.created_at is not None:
            raise fw.RecordError(RECORD_TYPE, (1, 2), f"en andra {self.NAMES[self.START]}")

    def check_no_open_section(self, rec: str) -> None:
        """A section start or the end record while a section is still open is refused."""
        if self.section is not None:
            raise fw.RecordError(
                RECORD_TYPE, (1, 2),
                f"{self.NAMES[rec]}, men {self.SECTION} från rad {self.section.first_line} har "
                f"ingen {self.SECTION_END}",
            )

    def outside(self, rec: str) -> NoReturn:
        """Raise for a payment or section-end record outside a section."""
        raise fw.RecordError(RECORD_TYPE, (1, 2), f"{self.name(rec)} {self.OUTSIDE}")

    def misplaced(self, rec: str) -> NoReturn:
        """Raise for a detail record without a payment or out of the format's order."""
        if self.current is None:
            raise fw.RecordError(
                RECORD_TYPE, (1, 2),
                f"{self.name(rec)} utan {self.ITEM}: den ska följa {self.FOLLOWS}",
            )
        raise fw.RecordError(
            RECORD_TYPE, (1, 2),
            f"{self.name(rec)} i fel ordning för {self.ITEM} på rad {self.current.line} "
            f"(ordningen är {self.ORDER})",
        )

    def check_repeated_section(self, key: tuple[object, ...], section: PaymentSection, what: str) -> None:
        """Refuse a section that repeats an earlier one: same ``key`` (receiving account, date,
        deposit serial...), described by ``what`` in the message.

        A bank numbers its deposits; the same deposit twice in one file is a file put together by
        hand (or an attack) and would book every payment in it twice. Sections without a serial
        (a blank Total IN statement reference) are left to :meth:`check_repeated_payments`.
        """
        first = self._deposits.setdefault(key, section)
        if first is not section:
            field, pos = self.DEPOSIT
            raise fw.LineProblem(
                section.last_line, field, pos,
                f"{self.SECTION} på rad {section.first_line}–{section.last_line} upprepar "
                f"{self.SECTION} på rad {first.first_line}–{first.last_line} ({what}): filen har "
                "samma insättning två gånger och läses inte in",
            )

    def check_repeated_payments(self) -> None:
        """Refuse a payment that repeats an earlier one of the file: the same bank serial, amount,
        reference, sender and receiving account.

        Bankgirot's own sample gives two different payments of one deposit the same BGC serial,
        so a shared serial alone is allowed; only a payment the bank could not tell from the
        earlier one is a repeated line. The common case, every serial different, is one set of
        the serials built at C speed (a dictionary lookup per payment in Python cost a sixth of
        the reading time); only a file with a shared serial is compared payment by payment.
        """
        payments = self.payments
        if self.rising_serials == len(payments) or len(set(map(_BANK_SERIAL, payments))) == len(payments):
            return
        seen: dict[str, list[BankPayment]] = {}
        for p in payments:
            earlier = seen.setdefault(p.bank_serial, [])
            for other in earlier:
                if _same_payment(other, p):
                    field, pos = self.SERIAL
                    raise fw.LineProblem(
                        p.line, field, pos,
                        f"{self.ITEM}en upprepar {self.ITEM}en på rad {other.line} (samma {field} "
                        f"{p.bank_serial}, belopp, referens, avsändare och mottagare): filen har "
                        f"samma {self.ITEM} två gånger och läses inte in",
                    )
            earlier.append(p)

    def note_serials(self, serials: list[str]) -> None:
        """Before the payments with ``serials`` (equal-width digit strings, in file order) are
        appended to :attr:`payments`: keep :attr:`rising_serials` up to date.

        A bank numbers its payments in order, so serials that rise from payment to payment are
        the common case, and they prove every serial different at one comparison a payment (in
        C) where the set of all serials costs a hash and an insertion each.
        """
        if serials and self.rising_serials == len(self.payments) and self._last_serial < serials[0] \
                and all(map(lt, serials, islice(serials, 1, None))):
            self.rising_serials += len(serials)
            self._last_serial = serials[-1]

    def section_date(self, line: str, start: int, end: int, field: str) -> date:
        """A section's payment (posting) date: a real date, not after the file's creation date
        and at most a year before it (domain/date_sanity.py, shared with the ledger import).

        Bankgirot's public samples hold dates such as 1010-03-24; 1900-01-01 or 9999-12-31
        would otherwise be booked and exported as they are.
        """
        value = fw.yyyymmdd(line, start, end, field)
        assert self.created_at is not None  # a section record has a handler only after the start
        problem = payment_date_problem(value, self.created_at.date())
        if problem is not None:
            raise fw.RecordError(field, (start, end), problem)
        return value

    def end(self, number: int) -> None:
        """The end record was read: nothing may follow."""
        self.end_line = number
        self.handlers.clear()

    def finish(self, encoding: str, last_line: int) -> PaymentFile:
        """Check that the file was complete and return it."""
        if self.section is not None:
            raise PaymentFileError(
                self.path, self.section.first_line, None,
                f"filen slutar inne i {self.SECTION} som börjar här: ingen {self.SECTION_END}",
            )
        if not self.end_line:
            raise PaymentFileError(
                self.path, last_line, None,
                f"filen slutar utan {self.NAMES[self.END]} (ofullständig fil?)",
            )
        self.check_repeated_payments()
        assert self.created_at is not None
        return PaymentFile(
            format=self.FORMAT, file_id=self.file_id, created_at=self.created_at,
            is_test=self.is_test, payments=tuple(self.payments), sections=tuple(self.sections),
            total_amount=sum(s.amount for s in self.sections), path=self.path,
            sender_id=self.sender_id, delivery_number=self.delivery_number, encoding=encoding,
            line_count=self.end_line, warnings=self.quirks.messages(),
        )


def refuse_amount(amount: int, pos: tuple[int, int]) -> NoReturn:
    """Raise for a payment amount of 0 öre or above :data:`MAX_AMOUNT` (the caller's fast check
    ``0 < amount <= MAX_AMOUNT`` failed)."""
    if amount == 0:
        raise fw.RecordError("belopp", pos, "beloppet är 0 kr: en betalning utan belopp bokförs inte")
    raise fw.RecordError(
        "belopp", pos,
        f"beloppet {format_sek(amount)} kr är större än det högsta en betalning kan vara "
        f"({format_sek(MAX_AMOUNT)} kr)",
    )


def check_extra_amount(amount: int, pos: tuple[int, int]) -> int:
    """An extra reference's amount (0 is usual: the reference only names an invoice); above
    :data:`MAX_AMOUNT` it is refused like a payment's."""
    if amount > MAX_AMOUNT:
        refuse_amount(amount, pos)
    return amount


_BANK_SERIAL = attrgetter("bank_serial")


def _same_payment(a: BankPayment, b: BankPayment) -> bool:
    """Whether two payments with the same bank serial are the same payment written twice."""
    return (a.amount == b.amount and a.reference == b.reference
            and a.sender_account == b.sender_account and a.is_deduction == b.is_deduction
            and a.receiving_account == b.receiving_account
            and a.receiving_plusgiro == b.receiving_plusgiro and a.currency == b.currency)


_ENCODING_NOTES = {
    "utf-8": "filen är UTF-8, inte ISO-8859-1 som bankerna skriver (omkodad?)",
    "cp437": "filen är skriven i teckentabellen CP437 (PC8), inte ISO-8859-1 som bankerna "
             "skriver: den har lästs som CP437",
    "windows-1252": "filen har tecken som bara finns i Windows-1252 (byte 0x80–0x9F), inte "
                    "ISO-8859-1 som bankerna skriver: den har lästs som Windows-1252",
}


def read_checked(
    reader_class: type[RecordReader], data: bytes, path: str, *, check_format: bool,
    c1: bool | None, not_this: str, scanned: bool = True,
) -> PaymentFile:
    """``read_bgmax`` and ``read_totalin``: detect the format (unless the caller has), refuse
    the other one with ``not_this``, and read. ``scanned=False``: the caller's detection left
    the binary check of the (ASCII) bytes to the reader."""
    if check_format:
        file_format, c1 = detect(data, path)
        scanned = True
        if file_format != reader_class.FORMAT:
            raise PaymentFileError(path, 1, None, not_this)
    return read_records(reader_class, data, path, c1=c1, scanned=scanned)


def read_records(
    reader_class: type[RecordReader], data: bytes, path: str, *, c1: bool | None = None,
    scanned: bool = True,
) -> PaymentFile:
    """Decode ``data``, feed its lines to a fresh ``reader_class`` and return the checked file.

    A problem on a line becomes a PaymentFileError naming the file, the line and the field.
    ``scanned=False`` (an ASCII file not yet checked for binary content): the reader checks
    it as it reads (:meth:`RecordReader.scan_from`), and a problem found before all of it was
    checked gives way to the binary content's refusal, as when the detection scans first.
    """
    text, encoding = fw.decode_text(data, c1=c1)
    quirks = fw.Quirks()
    if encoding in _ENCODING_NOTES:
        quirks.notes.append(_ENCODING_NOTES[encoding])
    if encoding == "utf-8" or "\x0c" in text or "\x1a" in text:
        if not scanned:  # the text will differ from the bytes: check the bytes now, at once
            refuse_binary(data, path)
            scanned = True
        text, blanked = blank_controls(text.rstrip("\x1a"))
        if blanked:
            quirks.notes.append(
                f"{blanked} styrtecken (sidbrytning, styrkoder, riktningstecken) har ersatts med "
                "blanksteg"
            )
    if not scanned and encoding != "ascii":
        refuse_binary(data, path)  # only ASCII text has the offsets of its bytes
        scanned = True
    reader = reader_class(path, quirks)
    if not scanned:
        reader.unscanned = data
    try:
        with gc_paused(keep=True):  # the payments live on: see gc_paused
            last = reader.feed(text)
            return reader.finish(encoding, last)
    except fw.LineProblem as exc:
        if reader.unscanned is not None:
            refuse_binary(data, path)
        raise PaymentFileError(path, exc.line, exc.field, exc.reason, exc.pos) from None


# -- writers ---------------------------------------------------------------------------------


def check_deduction_sign(p: BankPayment) -> None:
    """A writer refuses a deduction with a positive amount, or a payment with a negative one."""
    if p.is_deduction != (p.amount < 0) and p.amount != 0:
        raise ValueError(f"payment {p.reference!r}: a deduction needs a negative amount")
