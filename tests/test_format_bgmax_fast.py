"""BgMax's fast path for plain sections (TK05, TK20 only, TK15) against the exact line reader.

The fast path must be invisible: every file gives the same payments (line and section index
included), sections and warnings, and every bad file the same error (file, line, field,
position, reason), whether a section is read fast or line by line. Each file is read twice, the
fast path on and off (``_Reader.fast_path``), and the two outcomes compared.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tui_inkasso.formats import bgmax
from tui_inkasso.formats.bgmax import read_bgmax, write_bgmax
from tui_inkasso.formats.payment_file import (
    BankPayment,
    PaymentFile,
    PaymentFileError,
    detect,
    read_payment_file,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
CREATED = dt.datetime(2026, 3, 31, 17, 30, 35, 10331)
PAY_DATE = dt.date(2026, 3, 3)

Outcome = tuple[object, ...]


def _plain(count: int, *, per_section: int = 4, start: int = 0) -> list[BankPayment]:
    """Plain OCR payments (one TK20 each), ``per_section`` to a deposit."""
    return [
        BankPayment(
            amount=450000 + i * 7, pay_date=PAY_DATE + dt.timedelta(days=i // per_section % 20),
            reference=f"{1000 + i}5", reference_code="2",
            sender_account=str(3783511 + i) if i % 3 else "", bank_serial=f"{i:012d}",
            channel="1", image=i % 5 == 0, receiving_account="9912346",
            receiving_bank_account="5841000001009823",
            deposit_serial=f"{(start + i) // per_section:05d}",
        )
        for i in range(start, start + count)
    ]


def _with_name(p: BankPayment) -> BankPayment:
    """The payment with a TK26 name record (its section is then not plain)."""
    return p.replace(payer_name="Å")


PLAIN = write_bgmax(_plain(12), created_at=CREATED)


def _outcome(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """Everything a caller can see of reading ``data``: the file's fields with each payment's
    line and section index, or the refusal."""
    monkeypatch.setattr(bgmax._Reader, "fast_path", fast)
    try:
        result = read_bgmax(data, "fil.txt")
    except PaymentFileError as exc:
        return ("error", str(exc), exc.line, exc.field, exc.pos)
    return ("read", result, [(p.line, p.section_index) for p in result.payments],
            [type(p) for p in result.payments])


def _same_both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    fast = _outcome(data, True, monkeypatch)
    assert fast == _outcome(data, False, monkeypatch)
    return fast


def _count_fast_sections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the line count of every section the fast path reads."""
    read: list[int] = []
    original = bgmax._Reader._fast_section

    def spy(self: bgmax._Reader, text: str, pos: int, first: int, eol: str) -> int:
        lines = original(self, text, pos, first, eol)
        if lines:
            read.append(lines)
        return lines

    monkeypatch.setattr(bgmax._Reader, "_fast_section", spy)
    return read


def _bgmax_fixtures() -> list[Path]:
    return [p for p in sorted(FIXTURES.rglob("*.txt")) if p.read_bytes().lstrip().startswith(b"01")]


@pytest.mark.parametrize("path", _bgmax_fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_reads_the_same_fast_and_exact(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_both_ways(path.read_bytes(), monkeypatch)


def test_a_large_plain_file_is_read_fast_and_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    payments = _plain(3000, per_section=1000)
    data = write_bgmax(payments, created_at=CREATED)
    fast_sections = _count_fast_sections(monkeypatch)
    outcome = _same_both_ways(data, monkeypatch)
    assert fast_sections == [1002, 1002, 1002]
    assert outcome[0] == "read" and list(outcome[1].payments) == payments  # type: ignore[union-attr]


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_plain_sections_around_one_that_is_not(eol: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections after the first that is not plain are read line by line; all the same."""
    payments = _plain(4) + [_with_name(p) for p in _plain(4, start=4)] + _plain(4, start=8)
    data = write_bgmax(payments, created_at=CREATED).replace(b"\r\n", eol)
    fast_sections = _count_fast_sections(monkeypatch)
    outcome = _same_both_ways(data, monkeypatch)
    assert fast_sections == [6]
    assert outcome[0] == "read" and list(outcome[1].payments) == payments  # type: ignore[union-attr]


def _edit(line: int, change: Callable[[str], str], data: bytes = PLAIN) -> bytes:
    """``data`` with its 1-based ``line`` changed."""
    lines = data.decode("latin-1").split("\r\n")
    lines[line - 1] = change(lines[line - 1])
    return "\r\n".join(lines).encode("latin-1")


def _at(start: int, value: str) -> Callable[[str], str]:
    """Put ``value`` at the 1-based position ``start``."""
    return lambda line: line[: start - 1] + value + line[start - 1 + len(value) :]


# Line 1 is TK01, lines 2-7 the first section (TK05, four TK20, TK15), 8-13 the second, ...
BROKEN = {
    "letter in the amount": (_edit(9, _at(50, "A")), 9, "belopp"),
    "zero amount": (_edit(10, _at(38, "0" * 18)), 10, "belopp"),
    "letter in the BGC serial": (_edit(11, _at(60, "x")), 11, "BGC-löpnummer"),
    "letter in the sender": (_edit(4, _at(5, "Z")), 4, "avsändarbankgiro"),
    "unknown record type": (_edit(10, _at(1, "99")), 13, "antal betalningar"),
    "TK25 before any TK20": (_edit(3, lambda line: "25" + " " * 78), 3, "posttyp"),
    "TK15 count": (_edit(13, _at(72, "00000005")), 13, "antal betalningar"),
    "TK15 amount": (_edit(13, _at(51, "0" * 17 + "1")), 13, "belopp"),
    "TK15 date": (_edit(7, _at(38, "20261399")), 7, "betalningsdag"),
    "TK15 currency": (_edit(7, _at(69, "EUR")), 7, "valuta"),
    "TK05 currency": (_edit(8, _at(23, "sek")), 8, "valuta"),
    "TK05 plusgiro": (_edit(2, _at(13, "12 4")), 2, "mottagarplusgiro"),
    "empty line inside": (_edit(9, lambda line: ""), 9, None),
    "text after pos 80": (_edit(5, lambda line: line + "X"), 5, None),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_bad_line_in_a_plain_section_gives_the_exact_error(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, line, field = BROKEN[case]
    outcome = _same_both_ways(data, monkeypatch)
    assert outcome[0] == "error" and outcome[2] == line and outcome[3] == field, outcome


def test_a_repeated_plain_section_gives_the_exact_error(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = PLAIN.decode("latin-1").split("\r\n")
    data = "\r\n".join(lines[:7] + lines[1:7] + lines[7:]).encode("latin-1")
    outcome = _same_both_ways(data, monkeypatch)
    assert outcome[0] == "error" and outcome[2] == 13, outcome


QUIRKS = {
    "sender with blanks": _edit(9, _at(3, "00 9701233")),
    "short line": _edit(9, lambda line: line.rstrip()),
    "TAB": _edit(9, lambda line: line[:70] + "\t"),
    "blank beyond pos 80": _edit(9, lambda line: line + "  "),
    "Latin-1 reference": _edit(9, _at(13, "Hyra lgh 12 Åsa")),
    "blank lines at the end": PLAIN + b"\r\n\r\n",
    "no line end at the end": PLAIN.rstrip(b"\r\n"),
    "lone CR in a reference": _edit(9, _at(30, "\r")),
    "LF line ends": PLAIN.replace(b"\r\n", b"\n"),
    "mixed line ends": PLAIN.replace(b"\r\n", b"\n", 5),
    "Ctrl-Z at the end": PLAIN + b"\x1a",
    "LF after a plain section": PLAIN.replace(b"\r\n", b"\n", 8),
    "TAB in the TK05": _edit(8, lambda line: "05\t" + line[3:]),
    "TAB in the TK15": _edit(13, lambda line: line[:79] + "\t"),
    "TAB in the TK01": _edit(1, lambda line: line[:79] + "\t"),
    "CR before a line end": _edit(9, lambda line: line[:79] + "\r"),
    "Windows-1252 euro sign in a reference": _edit(9, _at(13, "\x80 Åsa")),
    "CP437 letter in a reference": _edit(9, _at(13, "\x8f")),
}


@pytest.mark.parametrize("case", QUIRKS)
def test_tolerated_quirks_read_the_same(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_both_ways(QUIRKS[case], monkeypatch)


def _serials(serials: list[str]) -> bytes:
    """A plain file (two payments a section) with these BGC serials."""
    payments = _plain(len(serials), per_section=2)
    return write_bgmax([p.replace(bank_serial=s) for p, s in zip(payments, serials, strict=True)],
                       created_at=CREATED)


ODD = {
    "amount above the largest": _edit(9, _at(38, "1")),
    "LF inside a payment record": _edit(9, _at(20, "\n")),
    "LF at the end of a payment record": _edit(10, lambda line: line[:79] + "\n"),
    "CR inside a record of an LF file": _edit(9, _at(30, "\r")).replace(b"\r\n", b"\n"),
    "CR ending a record of an LF file": _edit(9, lambda line: line[:79] + "\r").replace(b"\r\n", b"\n"),
    "serials falling": _serials(["000000000009", "000000000008", "000000000007", "000000000006"]),
    "a serial shared by two payments of one deposit": _serials(
        ["000000000001", "000000000001", "000000000002", "000000000003"]),
    "a serial shared across deposits": _serials(
        ["000000000001", "000000000002", "000000000002", "000000000003"]),
    "one payment in two deposits": write_bgmax(
        [*(p := _plain(4, per_section=2))[:2],
         p[1].replace(deposit_serial=p[2].deposit_serial, pay_date=p[2].pay_date), p[3]],
        created_at=CREATED),
    "an Arabic-Indic digit in a UTF-8 file": _edit(9, _at(50, "Å")).decode("latin-1")
    .replace("Å", "\u0663").encode("utf-8"),
}


@pytest.mark.parametrize("case", ODD)
def test_odd_plain_sections_read_or_fail_the_same(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Line ends inside records, CRs, amounts too large and serials that do not rise (the fast
    path proves serials different by their rising; otherwise the exact set check runs)."""
    _same_both_ways(ODD[case], monkeypatch)


def test_rising_serials_spare_the_set_of_serials_and_others_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bgmax._Reader, "fast_path", True)
    rising = read_bgmax(_serials(["000000000001", "000000000002", "000000000005", "000000000009"]), "f")
    assert [p.bank_serial for p in rising.payments] == ["000000000001", "000000000002",
                                                         "000000000005", "000000000009"]
    error = None
    try:
        read_bgmax(ODD["one payment in two deposits"], "f")
    except PaymentFileError as exc:
        error = exc
    assert error is not None and error.line == 7 and error.field == "BGC-löpnummer"


MUTANT_BYTES = b"0123456789 AZaz\r\n\t\x0c\x1a\x85\xa0\xc5-+_.\x00"


def test_random_one_byte_changes_read_or_fail_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """400 copies of a plain file (LF and CRLF), each with one byte replaced, inserted or deleted
    at random (a fixed seed): the fast path must give exactly what the exact reader gives."""
    rng = random.Random(14)
    for base in (PLAIN, PLAIN.replace(b"\r\n", b"\n")):
        for _ in range(200):
            at, byte = rng.randrange(len(base)), MUTANT_BYTES[rng.randrange(len(MUTANT_BYTES))]
            change = rng.choice(("replace", "insert", "delete"))
            tail = base[at + 1 :] if change != "insert" else base[at:]
            data = base[:at] + (b"" if change == "delete" else bytes([byte])) + tail
            _same_both_ways(data, monkeypatch)


def _section_of(references: list[str], senders: list[str], start: int = 0) -> list[BankPayment]:
    """One deposit (four payments) with these references and sender bankgiros."""
    return [p.replace(reference=r, sender_account=s)
            for p, r, s in zip(_plain(4, start=start), references, senders, strict=True)]


SHAPES = {
    # references: the same length (one slice each), or not (sliced and stripped)
    "references of one length": (["12345", "67890", "1 3 5", "ABCDE"], ["3783511"] * 4),
    "references of two lengths": (["12345", "678901", "12345", "1"], ["3783511"] * 4),
    "a shorter first reference": (["1234", "56789", "12345", "12345"], ["3783511"] * 4),
    "a reference with a blank inside": (["12 45", "67 90", "123 5", "12345"], ["3783511"] * 4),
    "no references": (["", "", "", ""], ["3783511"] * 4),
    "one reference missing": (["12345", "", "12345", "12345"], ["3783511"] * 4),
    "25-character references": (["1234567890123456789012345"] * 4, ["3783511"] * 4),
    # senders: the same number of leading zeros (one slice each), none at all, or mixed
    "no senders": (["12345"] * 4, ["", "", "", ""]),
    "ten-digit senders": (["12345"] * 4, ["1234567890", "9876543210", "1000000000", "5"]),
    "senders of one length": (["12345"] * 4, ["3783511", "5050505", "1000000", "9999999"]),
    "senders of two lengths": (["12345"] * 4, ["3783511", "50505050", "1000000", "9999999"]),
    "a sender with a zero after the others' zeros": (
        ["12345"] * 4, ["3783511", "378351", "1000000", "9999999"]),
    "a sender missing": (["12345"] * 4, ["3783511", "", "1000000", "9999999"]),
}


@pytest.mark.parametrize("case", SHAPES)
def test_every_shape_of_reference_and_sender_columns_reads_fast_and_the_same(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References and senders of one length are single slices of the block; others are
    stripped one by one. Both give what the exact reader gives, and the section is read fast."""
    references, senders = SHAPES[case]
    payments = _section_of(references, senders) + _plain(4, start=4)
    data = write_bgmax(payments, created_at=CREATED)
    fast_sections = _count_fast_sections(monkeypatch)
    outcome = _same_both_ways(data, monkeypatch)
    assert fast_sections == [6, 6]
    assert outcome[0] == "read" and list(outcome[1].payments) == payments  # type: ignore[union-attr]


UNIFORM = write_bgmax(_section_of(["12345"] * 4, ["3783511", "5050505", "1000000", "9999999"])
                      + _section_of(["678901"] * 4, [""] * 4, start=4)
                      + _section_of(["1 3 5"] * 4, ["1234567890"] * 4, start=8), created_at=CREATED)
"""Three plain sections whose references and senders each have one length (single slices)."""


def test_random_one_byte_changes_of_even_columns_read_or_fail_the_same(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, for references and senders all of one length: a changed byte in them (a blank,
    a zero, a line end, a non-breaking space) must give what the exact reader gives."""
    rng = random.Random(1414)
    for base in (UNIFORM, UNIFORM.replace(b"\r\n", b"\n")):
        for _ in range(200):
            line = rng.randrange(2, 13)
            at = base.index(b"\n", 0) + 1
            for _skip in range(line - 2):
                at = base.index(b"\n", at) + 1
            at += rng.randrange(2, 37)  # in the sender or the reference
            byte = MUTANT_BYTES[rng.randrange(len(MUTANT_BYTES))]
            _same_both_ways(base[:at] + bytes([byte]) + base[at + 1 :], monkeypatch)


LARGE = write_bgmax(_plain(140, per_section=70), created_at=CREATED)
"""Two plain sections of 70 records: a struct's 64 records at a time, then 6 one by one."""


def test_random_one_byte_changes_of_large_sections_read_or_fail_the_same(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed byte anywhere in a section of more records than one struct unpacks (in the
    first 64 or in the 6 after them) gives what the exact reader gives; the sections are read
    fast as long as nothing is changed."""
    fast_sections = _count_fast_sections(monkeypatch)
    _same_both_ways(LARGE, monkeypatch)
    assert fast_sections == [72, 72]
    rng = random.Random(1415)
    for base in (LARGE, LARGE.replace(b"\r\n", b"\n")):
        for _ in range(150):
            at, byte = rng.randrange(len(base)), MUTANT_BYTES[rng.randrange(len(MUTANT_BYTES))]
            _same_both_ways(base[:at] + bytes([byte]) + base[at + 1 :], monkeypatch)


CONTROL_BYTES = b"\x00\x01\x08\x0b\x0c\x0e\x1a\x1b\x1f\x7f\x85\x9b\xa0 0A\r\n\t"


def _read_outcome(read: Callable[[bytes], PaymentFile], data: bytes) -> Outcome:
    try:
        result = read(data)
    except PaymentFileError as exc:
        return ("error", str(exc), exc.line, exc.field, exc.pos)
    return ("read", result, [(p.line, p.section_index) for p in result.payments])


def _scanned_first(data: bytes) -> PaymentFile:
    """Reading as before the reader checked the bytes itself: detection scans them first."""
    _format, c1 = detect(data, "fil.txt")
    return read_bgmax(data, "fil.txt", check_format=False, c1=c1)


def test_binary_content_is_refused_the_same_when_the_reader_checks_it(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """``read_payment_file`` leaves the binary check of an ASCII BgMax file to the reader (the
    plain sections' bytes are checked as they are read, the rest scanned). A control byte
    anywhere (in a reference, a reserved column, a digit, a TK01/05/15/70 record; a small, a
    large and an even-column file; LF and CRLF) must give exactly what detecting first gives:
    the refusal naming the first such byte, else the same file or the same error."""
    rng = random.Random(1416)
    for base in (PLAIN, LARGE, UNIFORM):
        for eol_base in (base, base.replace(b"\r\n", b"\n")):
            for _ in range(80):
                at = rng.randrange(len(eol_base))
                byte = CONTROL_BYTES[rng.randrange(len(CONTROL_BYTES))]
                data = eol_base[:at] + bytes([byte]) + eol_base[at + 1 :]
                monkeypatch.setattr(bgmax._Reader, "fast_path", True)
                deferred = _read_outcome(lambda d: read_payment_file(d, "fil.txt"), data)
                monkeypatch.setattr(bgmax._Reader, "fast_path", False)
                assert deferred == _read_outcome(_scanned_first, data), (at, byte)


@pytest.mark.parametrize("line, column", [(1, 50), (2, 40), (3, 20), (3, 75), (3, 1), (7, 80),
                                          (15, 5), (-1, 30), (-1, 79)])
def test_a_control_byte_in_any_record_is_refused_as_binary(
    line: int, column: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NUL in the TK01, a TK05, a reference, a reserved column, a record type, a TK15, the
    second section's and the last line is binary content, refused before anything else (the
    plain sections are read fast)."""
    monkeypatch.setattr(bgmax._Reader, "fast_path", True)
    lines = PLAIN.split(b"\r\n")
    number = line if line > 0 else len(lines) - 1
    lines[number - 1] = lines[number - 1][: column - 1] + b"\x00" + lines[number - 1][column:]
    data = b"\r\n".join(lines)
    with pytest.raises(PaymentFileError) as caught:
        read_payment_file(data, "fil.txt")
    assert caught.value.line == number and "binärt innehåll (byte 0x00" in caught.value.reason
