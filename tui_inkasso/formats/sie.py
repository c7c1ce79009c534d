"""SIE 4, type 4I: vouchers for an owner's accounting system (an import file, no balances).

SIE ("Standard Import Export", SIE-Gruppen, format version 4B) is the Swedish exchange format for
bookkeeping. A 4I file carries vouchers only (``#VER`` with its ``#TRANS`` rows) plus the header
the receiving program needs: ``#FLAGGA 0`` (not yet read), ``#PROGRAM``, ``#FORMAT PC8``,
``#GEN``, ``#SIETYP 4``, ``#ORGNR``, ``#FNAMN``, ``#KPTYP`` and ``#KONTO`` for every account used.

``#KPTYP`` (the chart of accounts' type) is optional in SIE 4B, and a file without it is read as
the old BAS95 chart; some accounting programs warn when it is missing (Lön Light's notes on its
SIE export: "frivillig att ha med i filen, men finns med då vissa redovisningsprogram varnar om
den saknas", with the value EUBAS97 for a chart based on BAS 2013 and later). The accounts here
are the owners' BAS accounts (1510, 1930, 2420, 3591, 8313 ...), so the file says ``EUBAS97``.

What the standard asks and this writer does:

* the character set is "PC8", IBM code page 437: å ä ö Å Ä Ö é ü exist in it; a character that
  does not is replaced (by its letter without accent when it has one, else ``?``) and reported
  in :attr:`SieStats.replaced`, so the caller can say which;
* lines end with CR LF; fields are separated by a blank; a text field is written in quotes,
  with ``"`` and ``\\`` escaped by a backslash (SIE 4B, 5.7), control characters become blanks;
* amounts have a point as decimal separator and two decimals, negative for credit
  (``-1234.50``); dates are ``yyyymmdd``; an object list (here always empty) is ``{}``;
* every voucher must balance: an unbalanced one is refused before anything is written.

Pure: rows in, bytes out (to a binary handle), no database.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from tui_inkasso.domain.money import format_amount

ENCODING = "cp437"
CHART_TYPE = "EUBAS97"
"""``#KPTYP``: the BAS chart (EU-adapted, 1997 and later) the owners' account numbers follow."""
CRLF = "\r\n"


class SieError(ValueError):
    """A voucher or header that cannot be written (the message names the voucher)."""


@dataclass(frozen=True, slots=True)
class SieTransaction:
    """A voucher row: account number and amount in öre (debit positive, credit negative)."""

    account: str
    amount: int


@dataclass(frozen=True, slots=True)
class SieVoucher:
    """A voucher (verifikation): series, number, date, text and its balanced rows."""

    series: str
    number: int
    date: dt.date
    text: str
    rows: tuple[SieTransaction, ...]


@dataclass(frozen=True)
class SieHeader:
    """Who wrote the file, for which company, with which accounts."""

    program: str
    version: str
    generated_on: dt.date
    generated_by: str
    org_no: str
    company_name: str
    accounts: tuple[tuple[str, str], ...]
    """(number, name) of every account the vouchers use, in number order."""


@dataclass
class SieStats:
    """What was written: vouchers, rows, and the characters that had to be replaced."""

    vouchers: int = 0
    transactions: int = 0
    replaced: dict[str, str] = field(default_factory=dict)
    """Each character outside CP437 -> what was written instead."""


def quote(text: str) -> str:
    """A SIE text field: in quotes, quote and backslash escaped, control characters as blanks."""
    clean = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_pc8(text: str, replaced: dict[str, str] | None = None) -> bytes:
    """``text`` in CP437; characters it lacks become their unaccented letter or ``?``."""
    try:
        return text.encode(ENCODING)
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            substitute = _substitute(ch)
            if replaced is not None:
                replaced[ch] = substitute
            out.append(substitute)
    return "".join(out).encode(ENCODING)


def _substitute(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    try:
        base.encode(ENCODING)
    except UnicodeEncodeError:
        return "?"
    return base or "?"


def header_lines(header: SieHeader) -> list[str]:
    """The lines before the first voucher."""
    lines = [
        "#FLAGGA 0",
        f"#PROGRAM {quote(header.program)} {quote(header.version)}",
        "#FORMAT PC8",
        f"#GEN {header.generated_on:%Y%m%d} {quote(header.generated_by)}",
        "#SIETYP 4",
        f"#ORGNR {header.org_no}",
        f"#FNAMN {quote(header.company_name)}",
        f"#KPTYP {CHART_TYPE}",
    ]
    lines += [f"#KONTO {number} {quote(name)}" for number, name in header.accounts]
    return lines


def voucher_lines(voucher: SieVoucher) -> list[str]:
    """``#VER`` and its block of ``#TRANS`` rows; refused when it does not balance."""
    total = sum(row.amount for row in voucher.rows)
    if total != 0:
        raise SieError(
            f"verifikation {voucher.series}{voucher.number} ({voucher.date}) balanserar inte: "
            f"differens {format_amount(total)}"
        )
    if not voucher.rows:
        raise SieError(f"verifikation {voucher.series}{voucher.number} ({voucher.date}) saknar rader")
    lines = [f"#VER {quote(voucher.series)} {voucher.number} {voucher.date:%Y%m%d} {quote(voucher.text)}", "{"]
    lines += [f"   #TRANS {row.account} {{}} {format_amount(row.amount)}" for row in voucher.rows]
    lines.append("}")
    return lines


def write_sie(handle: BinaryIO, header: SieHeader, vouchers: Iterable[SieVoucher]) -> SieStats:
    """Write a 4I file to ``handle`` (streamed: vouchers may come from a database cursor)."""
    stats = SieStats()
    handle.write(encode_pc8(CRLF.join(header_lines(header)) + CRLF, stats.replaced))
    for voucher in vouchers:
        lines = voucher_lines(voucher)
        handle.write(encode_pc8(CRLF.join(lines) + CRLF, stats.replaced))
        stats.vouchers += 1
        stats.transactions += len(voucher.rows)
    return stats
