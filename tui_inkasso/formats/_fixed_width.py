"""Shared machinery for the 80-column bank files (BgMax, Total IN).

Both formats are lines of fixed-width records. This module turns bytes into normalised 80-column
lines (tolerant of what real files do: ISO-8859-1 or UTF-8, CRLF or LF, TABs, short lines, trailing
blanks, empty lines at the end), feeds them to a reader's record handlers (:func:`feed_lines`) and
offers field readers that are strict where it matters (a numeric field must be ASCII digits).
Field readers raise :class:`RecordError`, which knows the field but not the line; ``feed_lines``
adds the line (:class:`LineProblem`) and the format reader the file, so the helpers stay small
and fast. Writers use :func:`pad` and :func:`zeros`, which refuse to cut a value.

Positions in the signatures are 1-based and inclusive, as in the bank manuals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from tui_inkasso.gc_pause import gc_paused

RECORD_WIDTH = 80
TAB_WIDTH = 6
"""A TAB counts as six columns: the Haskell ``bgmax`` parser does so for Bankgirot's own example
file, whose TK22 line with two TABs then lines up with every other parser's positions."""

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")
_CONTROL_BYTES = bytes(range(0x09)) + b"\x0b" + bytes(range(0x0E, 0x1A)) \
    + bytes(range(0x1B, 0x20)) + b"\x7f"
_UTF8_BOM = "\ufeff"
_C1_BYTES = bytes(range(0x80, 0xA0))
_SUSPECT = bytes((byte ^ 0x40) if byte in _CONTROL_BYTES + _C1_BYTES else byte for byte in range(256))
"""A ``bytes.translate`` table that changes exactly the control bytes and 0x80-0x9F: a file
without them translates to itself."""
_UPPER_HALF_BYTES = bytes(range(0xA0, 0x100))


class RecordError(ValueError):
    """A field of one record is wrong; the caller adds the file and the line."""

    def __init__(self, field: str | None, pos: tuple[int, int] | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.pos = pos
        self.reason = reason


class Quirks:
    """Counts the irregularities we tolerated, so the import can show them without flooding.

    Each kind keeps a count and the first line it was seen on; :meth:`messages` turns that into
    one Swedish sentence per kind (singular or plural noun by the count).
    """

    _TEXT = {
        # kind: (one, several, the rest of the sentence); the count comes first
        "tab": ("rad", "rader", "med TAB-tecken (varje TAB räknas som {w} kolumner)"),
        "short": ("rad", "rader", "kortare än 80 tecken har fyllts ut med blanksteg"),
        "long": ("rad", "rader", "längre än 80 tecken: blankstegen efter position 80 har ignorerats"),
        "sender_blank": (
            "avsändarbankgiro", "avsändarbankgiron", "med lösa blanksteg har lästs som bara siffror",
        ),
        "unknown": ("post", "poster", "av okänd typ har ignorerats"),
        "orgno_blank": (
            "organisationsnummer", "organisationsnummer",
            "med lösa blanksteg har lästs som bara siffror",
        ),
    }

    def __init__(self) -> None:
        self.seen: dict[str, list[int]] = {}
        self.notes: list[str] = []

    def add(self, kind: str, line: int) -> None:
        """Count one occurrence of ``kind`` on ``line``."""
        entry = self.seen.get(kind)
        if entry is None:
            self.seen[kind] = [1, line]
        else:
            entry[0] += 1

    def messages(self) -> tuple[str, ...]:
        """One readable sentence per kind of irregularity, plus the free notes."""
        out = list(self.notes)
        for kind, (count, first) in self.seen.items():
            one, several, rest = self._TEXT.get(kind, (kind, kind, ""))
            text = f"{one if count == 1 else several} {rest.format(w=TAB_WIDTH)}".rstrip()
            out.append(f"{count} {text} (första på rad {first})")
        return tuple(out)


def decode_text(data: bytes, *, c1: bool | None = None) -> tuple[str, str]:
    """Decode a bank file: ISO-8859-1 as the banks write it, UTF-8 when someone re-encoded it.

    Bytes that are pure ASCII, or that do not decode as UTF-8, are ISO-8859-1 (every byte is a
    character there, so decoding never fails) unless they hold bytes 0x80-0x9F: those are
    control characters in ISO-8859-1, never text (0x9B is the 8-bit escape-sequence introducer
    CSI), so such a file was written in another code page. With no byte from 0xA0 up it is
    CP437 (PC8, DOS), where å ä ö Å Ä Ö é are exactly 0x80-0x9F; otherwise Windows-1252 (its
    five undefined bytes become U+FFFD). A UTF-8 byte-order mark is dropped. Callers have
    refused binary content before (see :func:`find_binary`); control characters a UTF-8 file
    may still carry are blanked by the reader (``domain.safe_text.blank_controls``).

    ``c1`` is whether ``data`` holds such bytes, when :func:`scan_bytes` has told already (one
    pass over a large file saved); None looks.
    """
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if c1 is None:
            c1 = len(data.translate(None, _C1_BYTES)) != len(data)
        if not c1:
            return data.decode("latin-1"), "iso-8859-1"
        if len(data.translate(None, _UPPER_HALF_BYTES)) == len(data):
            return data.decode("cp437"), "cp437"
        return data.decode("cp1252", errors="replace"), "windows-1252"
    return text.removeprefix(_UTF8_BOM), "utf-8"


def find_binary(data: bytes) -> tuple[int, int, int] | None:
    """Return (offset, byte, line) of the first control byte no text bank file holds, or None.

    TAB, LF, CR, form feed and the DOS end-of-file mark (0x1A) are allowed.
    """
    return scan_bytes(data)[0]


def scan_bytes(data: bytes) -> tuple[tuple[int, int, int] | None, bool]:
    """(:func:`find_binary`'s answer, whether ``data`` holds bytes 0x80-0x9F) in one pass.

    The common case (neither) is one C-speed ``translate`` through a table, compared with the
    bytes (CPython hands back the same object when nothing changed, so the comparison is free;
    a fifth faster than deleting the suspect bytes and comparing lengths); the regex only
    locates a control byte for the message, and the second pass runs only when the first found
    something.
    """
    if is_clean(data):
        return None, False
    c1 = len(data.translate(None, _C1_BYTES)) != len(data)
    match = _CONTROL.search(data)
    if match is None:
        return None, c1
    offset = match.start()
    return (offset, data[offset], data.count(b"\n", 0, offset) + 1), c1


def is_clean(data: bytes) -> bool:
    """Whether ``data`` holds neither a control byte :func:`find_binary` refuses nor 0x80-0x9F
    (one ``translate``, as :func:`scan_bytes` begins)."""
    return data.translate(_SUSPECT) == data


def split_lines(text: str) -> list[str]:
    """The file's lines without their CR LF / LF ends (only LF separates lines: U+0085 and the
    other characters ``str.splitlines`` breaks on are ordinary Latin-1 text here)."""
    text = text.rstrip("\x1a")
    lines = text.split("\r\n")
    if len(lines) - 1 == text.count("\n"):
        return lines  # CRLF throughout (or a single line)
    return text.replace("\r\n", "\n").split("\n")


Handler = Callable[[str, int], None]


def feed_lines(
    text: str, quirks: Quirks, handlers: dict[str, Handler], other: Handler, first: int = 1
) -> int:
    """Call ``handlers[record type](line, number)`` for every record; return the last number.

    ``first`` is the number of the first line of ``text``: a reader that has read the lines
    before itself (BgMax's fast path) hands over the rest of the file at a line boundary.

    Lines are normalised first (TABs, short lines, blanks beyond column 80, counted in
    ``quirks``). Records without a handler go to ``other``. Empty lines are allowed only at the
    end. Every problem is raised as :class:`LineProblem` with the line number. ``handlers`` may
    be changed by the handlers while the file is read (a reader enables its record types after
    the start record). The cyclic garbage collector is paused meanwhile: the readers create
    hundreds of thousands of objects that all stay alive, and the collector's repeated scans of
    them cost a sixth of the reading time for nothing.
    """
    tabs = "\t" in text
    lines = split_lines(text)
    number = 0
    with gc_paused():
        try:
            for number, line in enumerate(lines, first):
                if len(line) != RECORD_WIDTH or (tabs and "\t" in line):
                    line = _normalise(line, number, quirks)
                handler = handlers.get(line[:2])
                if handler is None:
                    if not line.strip():
                        _only_blank_lines_follow(lines, number - first + 1, number)
                        return number - 1
                    handler = other
                handler(line, number)
        except RecordError as exc:
            raise LineProblem(number, exc.field, exc.pos, exc.reason) from None
    return number


def _only_blank_lines_follow(lines: list[str], after: int, blank: int) -> None:
    """Empty lines may end a file; an empty line (number ``blank``, ``lines[after - 1]``) with
    records after it is refused."""
    if any(line.strip() for line in lines[after:]):
        raise LineProblem(blank, None, None, "tom rad mellan poster")


class LineProblem(ValueError):
    """Something wrong on one line: its number, the field (or None) and the reason."""

    def __init__(
        self, line: int, field: str | None, pos: tuple[int, int] | None, reason: str
    ) -> None:
        super().__init__(reason)
        self.line = line
        self.field = field
        self.pos = pos
        self.reason = reason


def _normalise(line: str, number: int, quirks: Quirks) -> str:
    """Expand TABs, pad short lines and drop blanks beyond column 80 (slow path, rare).

    Returns "" for an empty line."""
    line = line.rstrip("\r")
    if "\t" in line:
        line = line.replace("\t", " " * TAB_WIDTH)
        quirks.add("tab", number)
    if not line.strip():
        return ""
    if len(line) < RECORD_WIDTH:
        quirks.add("short", number)
        return line.ljust(RECORD_WIDTH)
    if len(line) > RECORD_WIDTH:
        extra = line[RECORD_WIDTH:]
        if extra.strip():
            raise LineProblem(
                number, None, (81, len(line)), f"text efter position 80: {extra.strip()[:20]!r}"
            )
        quirks.add("long", number)
        return line[:RECORD_WIDTH]
    return line


def num(line: str, start: int, end: int, field: str) -> int:
    """A numeric field (type N) as an int; anything but ASCII digits is an error."""
    value = line[start - 1 : end]
    if value.isdigit() and value.isascii():
        return int(value)
    raise RecordError(field, (start, end), f"inte numeriskt: {value!r}")


def digits(line: str, start: int, end: int, field: str) -> str:
    """A numeric identifier kept as its digit string (serial numbers keep their zeros)."""
    value = line[start - 1 : end]
    if value.isdigit() and value.isascii():
        return value
    raise RecordError(field, (start, end), f"inte numeriskt: {value!r}")


def optional_digits(line: str, start: int, end: int, field: str) -> str:
    """A numeric field that may be blank: its digits without blanks, "" when blank."""
    value = line[start - 1 : end].strip()
    if not value or (value.isdigit() and value.isascii()):
        return value
    raise RecordError(field, (start, end), f"inte numeriskt: {line[start - 1 : end]!r}")


def text(line: str, start: int, end: int) -> str:
    """An alphanumeric field, stripped on both sides (alignment differs between banks)."""
    return line[start - 1 : end].strip()


def currency(line: str, start: int, end: int, field: str = "valuta") -> str:
    """A three-letter currency code such as SEK."""
    value = line[start - 1 : end]
    if len(value) == 3 and value.isalpha() and value.isascii() and value.isupper():
        return value
    raise RecordError(field, (start, end), f"ingen valutakod: {value!r}")


def yyyymmdd(line: str, start: int, end: int, field: str) -> date:
    """A date written YYYYMMDD."""
    value = line[start - 1 : end]
    if value.isdigit() and value.isascii():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            pass
    raise RecordError(field, (start, end), f"inget giltigt datum (ÅÅÅÅMMDD): {value!r}")


def timestamp(line: str, start: int, end: int, field: str) -> datetime:
    """A 20-digit timestamp YYYYMMDDHHMMSS + microseconds (BgMax TK01, Total IN 00)."""
    value = line[start - 1 : end]
    if value.isdigit() and value.isascii() and len(value) == 20:
        try:
            return datetime(
                int(value[:4]), int(value[4:6]), int(value[6:8]),
                int(value[8:10]), int(value[10:12]), int(value[12:14]), int(value[14:20]),
            )
        except ValueError:
            pass
    raise RecordError(
        field, (start, end), f"ingen giltig tidsstämpel (ÅÅÅÅMMDDTTMMSS + 6 siffror): {value!r}"
    )


def pad(value: str, width: int, field: str) -> str:
    """A text field for a writer: left-aligned, blank-padded to ``width``; too long is an error."""
    if len(value) > width:
        raise ValueError(f"{field} is longer than {width} characters: {value!r}")
    return value.ljust(width)


def zeros(value: int | str, width: int, field: str) -> str:
    """A numeric field for a writer: zero-filled to ``width`` ("" is 0); negative or too long is
    an error, never a cut."""
    text_value = str(value) or "0"
    if not text_value.isdigit() or len(text_value) > width:
        raise ValueError(f"{field} does not fit {width} digits: {value!r}")
    return text_value.zfill(width)


def record_writer(what: str) -> Callable[[str], str]:
    """A writer's ``line(text)``: ``text`` blank-padded to 80 columns; longer is an error.

    ``what`` names the format in the error ("BgMax record longer than 80 characters").
    """

    def line(text: str) -> str:
        if len(text) > RECORD_WIDTH:
            raise ValueError(f"{what} record longer than 80 characters: {text!r}")
        return text.ljust(RECORD_WIDTH)

    return line


def stamp(at: datetime) -> str:
    """The 20-digit timestamp :func:`timestamp` reads: YYYYMMDDHHMMSS + microseconds."""
    return at.strftime("%Y%m%d%H%M%S") + f"{at.microsecond:06d}"


def encode_records(lines: list[str]) -> bytes:
    """A writer's records as the banks send them: ISO-8859-1, CR LF after every record."""
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")
