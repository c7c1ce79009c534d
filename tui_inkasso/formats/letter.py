"""Reminder and demand letters: the stored data, the terminal preview and the PDF.

A letter is built once from :class:`LetterData`, which the service stores as JSON with each
dunning notice. A reprint renders that JSON again, so it shows exactly what was sent, even when
the owner's address or the level's text has changed since.

The preview (:func:`render_letter_text`) and the PDF (:func:`render_letters_pdf`) are drawn
from the same list of strings (:func:`_content`), so they cannot say different things.

Speed: a run prints some 20 000 letters into one PDF. Measured here with fpdf2 2.8.9, a page
of some 45 strings takes 4.8 ms through ``cell()`` and 1.6 ms through ``text()``: 95 s and
32 s for a run. So each page's strings are written as one PDF text object through fpdf2's
page buffer (``_out``; the one private call, covered by the tests that read the PDF back,
and the reason pyproject.toml pins fpdf2 exactly),
in the PDF core fonts (Helvetica, Latin-1: nothing to parse or embed per page), and wrapping
and string widths are cached. fpdf2 still builds the document, the page tree, the font
resources and the zlib compression (0.1 ms a page, and a file five times smaller).
About 0.9 ms of CPU a page: 20 000 letters in some 18 s (``bench/bench_letters.py``).
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from tui_inkasso.domain.dunning import LETTER_CHAR_SUBSTITUTES, wrap_letter_text
from tui_inkasso.domain.interest import format_rate_bp
from tui_inkasso.domain.letter_requirements import objection_sentence
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.money import format_sek
from tui_inkasso.domain.rent_notice import RentPremises, rent_sentence

FORMAT_VERSION = 1
"""Version of the stored JSON; :meth:`LetterData.from_json` refuses versions it does not know."""

KINDS = ("rent", "direct")

FORFEITURE_NOTICE = (
    "Om hyran inte betalas i tid kan hyresrätten vara förverkad och hyresavtalet sägas upp "
    "(12 kap. 42 § jordabalken). Betala därför senast {deadline}. Kontakta oss om du inte "
    "kan betala i tid."
)
INTEREST_NOTICE = (
    "Dröjsmålsränta enligt räntelagen (referensräntan + 8 procentenheter) är beräknad till och "
    "med {date} och löper vidare tills betalning sker."
)
PAID_NOTICE = "Har du redan betalat kan du bortse från detta brev."

LATE_INTEREST_NOTICE = ("Dröjsmålsränta enligt räntelagen 6 § (referensräntan + 8 procentenheter) "
                        "löper vidare på kapitalbeloppet tills betalning sker.")
"""The interest line of a letter that names its kind (the rate, days and capital stand in the
amounts above it, inkassolagen 5 §)."""

NOTICE_WIDTH = 88
TEXT_PREVIEW_WIDTH = 88

_DATE_FIELDS = frozenset({"invoice_date", "due_date", "issued_on", "payment_deadline",
                          "interest_to", "interest_from"})
_TUPLE_FIELDS = frozenset({"owner_address", "customer_address"})
_INT_FIELDS = frozenset({"level", "capital_ore", "interest_ore", "fee_ore", "earlier_fees_ore",
                         "total_ore"})
_BOOL_FIELDS = frozenset({"is_demand", "forfeiture_notice"})


class LetterError(ValueError):
    """A letter that cannot be built or read; the message (Swedish) names the invoice and the
    field (as the stored JSON calls it)."""


@dataclass(frozen=True, slots=True)
class LetterData:
    """Everything one reminder or demand letter shows, frozen at the moment it was issued.

    Amounts are öre: ``fee_ore`` is this level's fee, ``earlier_fees_ore`` the fees of earlier
    letters still unpaid, and ``total_ore`` must be capital + interest + both fees.
    ``forfeiture_notice`` prints the jordabalken 12 kap. 42 § notice (set it for rent).
    ``interest_to`` is the last day the interest is computed for (``issued_on`` when None).
    """

    owner_name: str
    owner_org_no: str
    owner_address: tuple[str, ...]
    owner_phone: str
    owner_email: str
    bankgiro: str
    customer_name: str
    customer_address: tuple[str, ...]
    invoice_number: str
    kind: str
    invoice_date: date
    due_date: date
    ocr: str
    level: int
    level_name: str
    is_demand: bool
    issued_on: date
    payment_deadline: date
    capital_ore: int
    interest_ore: int
    fee_ore: int
    earlier_fees_ore: int
    total_ore: int
    letter_text: str
    object_address: str
    forfeiture_notice: bool
    customer_number: str = ""
    interest_to: date | None = None
    level_kind: str = ""
    """The level's ``domain.level_kinds.LevelKind`` code; "" in letters stored before levels had
    kinds (they print as they were sent)."""
    interest_from: date | None = None
    """The first day of late interest (the day after the due date, moved to a bank day)."""
    interest_rates: tuple[tuple[date, date, int], ...] = ()
    """The late-interest rate over the interest days: (first day, last day, rate in basis
    points) per period with one rate (``domain.reference_rates.rate_periods``)."""
    rent_premises: str = ""
    """"bostad" or "lokal": the rent sentence of 12 kap. 42 § jordabalken for that kind of
    premises (``domain.rent_notice``); "" for none."""

    def __post_init__(self) -> None:
        where = f"brevet för faktura {self.invoice_number!r}"
        if self.kind not in KINDS:
            raise LetterError(f"{where}: fältet kind är {self.kind!r}; ska vara rent eller direct")
        if self.level_kind and self.level_kind not in {k.value for k in LevelKind}:
            raise LetterError(f"{where}: fältet level_kind är {self.level_kind!r}")
        if self.rent_premises and self.rent_premises not in {p.value for p in RentPremises}:
            raise LetterError(f"{where}: fältet rent_premises är {self.rent_premises!r}; ska vara "
                              f"bostad eller lokal")
        for name in ("capital_ore", "interest_ore", "fee_ore", "earlier_fees_ore"):
            if getattr(self, name) < 0:
                raise LetterError(f"{where}: fältet {name} är negativt ({getattr(self, name)})")
        parts = self.capital_ore + self.interest_ore + self.fee_ore + self.earlier_fees_ore
        if self.total_ore != parts:
            raise LetterError(f"{where}: fältet total_ore är {self.total_ore} men kapital, "
                              f"ränta och avgifter blir sammanlagt {parts}")

    def to_json(self) -> str:
        """Stable JSON (sorted keys, ISO dates, öre as integers) to store with the notice."""
        data: dict[str, Any] = {"format": FORMAT_VERSION}
        for key in _FIELD_NAMES:
            value = getattr(self, key)
            if key in _NEW_FIELDS and not value:
                continue  # a letter without them reads exactly as before they existed
            if key == "interest_rates":
                value = [[first.isoformat(), last.isoformat(), rate] for first, last, rate in value]
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[key] = value
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LetterData:
        """Read what :meth:`to_json` wrote; any missing, unknown or mistyped field is an error."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LetterError(f"sparat brev: ingen JSON (rad {exc.lineno}, kolumn {exc.colno}: "
                              f"{exc.msg})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise LetterError(f"sparat brev: fältet format är {found!r}; "
                              f"ska vara {FORMAT_VERSION}")
        unknown = sorted(set(data) - set(_FIELD_NAMES) - {"format"})
        if unknown:
            raise LetterError(f"sparat brev: okända fält {', '.join(unknown)}")
        values = {}
        for name in _FIELD_NAMES:
            if name not in data:
                if name in _OPTIONAL_FIELDS:
                    continue
                raise LetterError(f"sparat brev: fältet {name} saknas")
            values[name] = _read_field(name, data[name])
        return cls(**values)


_FIELD_NAMES = tuple(f.name for f in fields(LetterData))
_NEW_FIELDS = frozenset({"level_kind", "interest_from", "interest_rates", "rent_premises"})
"""Fields added with the level kinds (issue 13); left out of the JSON when empty."""
_OPTIONAL_FIELDS = frozenset({"customer_number", "interest_to"}) | _NEW_FIELDS


def _read_rates(value: Any) -> tuple[tuple[date, date, int], ...]:
    where = "sparat brev: fältet interest_rates"
    try:
        return tuple((date.fromisoformat(a), date.fromisoformat(b), int(r)) for a, b, r in value
                     if isinstance(r, int) and not isinstance(r, bool))
    except (TypeError, ValueError):
        raise LetterError(f"{where} är {value!r}; ska vara en lista med [från, till, "
                          f"räntesats i punkter]") from None


def _read_field(name: str, value: Any) -> Any:
    """One JSON value back to its Python type, refusing what does not fit."""
    where = f"sparat brev: fältet {name}"
    if name == "interest_rates":
        rates = _read_rates(value)
        if len(rates) != len(value):
            raise LetterError(f"{where} är {value!r}; räntesatsen ska vara ett heltal")
        return rates
    if name in _DATE_FIELDS:
        if value is None and name in ("interest_to", "interest_from"):
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise LetterError(f"{where} är {value!r}; ska vara ett datum ÅÅÅÅ-MM-DD") from None
    if name in _TUPLE_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LetterError(f"{where} är {value!r}; ska vara en lista med textrader")
        return tuple(value)
    if name in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise LetterError(f"{where} är {value!r}; ska vara true eller false")
        return value
    if name in _INT_FIELDS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise LetterError(f"{where} är {value!r}; ska vara ett heltal")
        return value
    if not isinstance(value, str):
        raise LetterError(f"{where} är {value!r}; ska vara text")
    return value


# --- the content both renderings share ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """One amount row: ``style`` is "row", "sub" (an indented detail) or "total"."""

    label: str
    value: str
    style: str = "row"


@dataclass(frozen=True, slots=True)
class _Content:
    """The strings of one letter, grouped as the page shows them."""

    sender: list[str]
    title: str
    meta: list[tuple[str, str]]
    recipient: list[str]
    heading: str
    body: list[str]
    amounts: list[_Row]
    payment: list[tuple[str, str]]
    notices: list[tuple[str, ...]]
    footer: list[str]


_PRINTABLE_TABLE = {
    **{code: "?" for code in (*range(0x20), *range(0x7F, 0xA0))},
    **{ord(ch): text for ch, text in LETTER_CHAR_SUBSTITUTES.items()},
}


_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e\xa0-\xff]")


def _printable(text: str) -> str:
    """Text the Latin-1 core fonts can print; anything else becomes "?" (never a crash)."""
    if _NOT_PRINTABLE.search(text) is None:
        return text
    text = text.translate(_PRINTABLE_TABLE)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return "".join(ch if ord(ch) <= 0xFF else "?" for ch in text)
    return text


def _sek(ore: int) -> str:
    return f"{format_sek(ore)} kr"


def _content(letter: LetterData) -> _Content:
    """Decide every string of the letter once, for the preview and the PDF alike."""
    p = _printable
    rent = letter.kind == "rent"
    meta = [("Datum", letter.issued_on.isoformat())]
    if letter.customer_number:
        meta.append(("Kundnummer", p(letter.customer_number)))
    meta += [
        ("Fakturanummer", p(letter.invoice_number)),
        ("Fakturadatum", letter.invoice_date.isoformat()),
        ("Förfallodatum", letter.due_date.isoformat()),
        ("Avser", "Hyra" if rent else "Direktfaktura"),
    ]
    if letter.object_address:
        meta.append(("Objekt", p(letter.object_address)))
    return _Content(
        sender=[p(letter.owner_name), *(p(line) for line in letter.owner_address if line),
                f"Org.nr {p(letter.owner_org_no)}"],
        title=p(letter.level_name),
        meta=meta,
        recipient=[p(letter.customer_name), *(p(line) for line in letter.customer_address if line)],
        heading=f"{p(letter.level_name)} avseende faktura {p(letter.invoice_number)}",
        body=[p(line) for line in wrap_letter_text(letter.letter_text)],
        amounts=_amount_rows(letter),
        payment=[
            ("Att betala", _sek(letter.total_ore)),
            ("Betalas senast", letter.payment_deadline.isoformat()),
            ("Bankgiro", p(letter.bankgiro)),
            ("OCR-nummer", p(letter.ocr)),
        ],
        notices=[_wrap(text) for text in _notice_texts(letter)],
        footer=[
            " · ".join(x for x in (p(letter.owner_name), f"Org.nr {p(letter.owner_org_no)}",
                                   f"Bankgiro {p(letter.bankgiro)}") if x),
            " · ".join(p(x) for x in (*letter.owner_address, letter.owner_phone,
                                      letter.owner_email) if x),
        ],
    )


def fee_label(letter: LetterData) -> str:
    """The name of this letter's own fee: by its level's kind, or as letters without one said."""
    if letter.level_kind:
        return "Inkassoavgift" if letter.level_kind == LevelKind.COLLECTION_DEMAND else "Påminnelseavgift"
    return "Kravavgift" if letter.is_demand else "Påminnelseavgift"


def _amount_rows(letter: LetterData) -> list[_Row]:
    interest_to = (letter.interest_to or letter.issued_on).isoformat()
    interest_label = (f"Dröjsmålsränta {letter.interest_from.isoformat()} t.o.m. {interest_to}"
                      if letter.interest_from else f"Dröjsmålsränta t.o.m. {interest_to}")
    rows = [
        _Row("Kapitalbelopp", _sek(letter.capital_ore)),
        _Row(interest_label, _sek(letter.interest_ore)),
    ]
    rows += [_Row(f"{format_rate_bp(rate)} {first.isoformat()} - {last.isoformat()} på "
                  f"{_sek(letter.capital_ore)}", "", "sub")
             for first, last, rate in letter.interest_rates]
    rows.append(_Row("Avgifter", _sek(letter.fee_ore + letter.earlier_fees_ore)))
    if letter.fee_ore or not letter.level_kind:
        rows.append(_Row(fee_label(letter), _sek(letter.fee_ore), "sub"))
    if letter.earlier_fees_ore:
        rows.append(_Row("Tidigare avgifter", _sek(letter.earlier_fees_ore), "sub"))
    rows.append(_Row("Att betala", _sek(letter.total_ore), "total"))
    return rows


def _notice_texts(letter: LetterData) -> list[str]:
    if not letter.level_kind:
        return _old_notice_texts(letter)
    deadline = letter.payment_deadline.isoformat()
    pay = f"Betala {_sek(letter.total_ore)} senast {deadline}."
    if letter.level_kind == LevelKind.COLLECTION_DEMAND:
        pay += " " + objection_sentence(letter.payment_deadline)
    texts = [pay, LATE_INTEREST_NOTICE]
    if letter.rent_premises:
        texts.append(rent_sentence(RentPremises(letter.rent_premises)))
    texts.append(f"{PAID_NOTICE} {_contact(letter)}")
    return [_printable(t) for t in texts]


def _contact(letter: LetterData) -> str:
    contact = [f"telefon {letter.owner_phone}" if letter.owner_phone else "",
               f"e-post {letter.owner_email}" if letter.owner_email else ""]
    contact_text = ", ".join(c for c in contact if c)
    return f"Har du frågor, kontakta {letter.owner_name}" + (f", {contact_text}." if contact_text else ".")


def _old_notice_texts(letter: LetterData) -> list[str]:
    """The notices of a letter stored before levels had kinds, word for word as it was sent."""
    texts = [INTEREST_NOTICE.format(date=(letter.interest_to or letter.issued_on).isoformat())]
    if letter.forfeiture_notice:
        texts.append(FORFEITURE_NOTICE.format(deadline=letter.payment_deadline.isoformat()))
    texts.append(PAID_NOTICE)
    texts.append(_contact(letter))
    return [_printable(t) for t in texts]


@functools.lru_cache(maxsize=1024)
def _wrap(text: str) -> tuple[str, ...]:
    """Cached: the notices repeat across a run (same dates, same owner)."""
    return tuple(textwrap.wrap(text, width=NOTICE_WIDTH, break_on_hyphens=False) or [""])


# --- the terminal preview ---------------------------------------------------------------------


def render_letter_text(letter: LetterData) -> str:
    """The letter as plain text for the reprint preview: the same strings as the PDF page."""
    c = _content(letter)
    lines = [*c.sender, "", c.title, *(f"{k:<16}{v}" for k, v in c.meta), "",
             *c.recipient, "", c.heading, "", *c.body, ""]
    for row in c.amounts:
        label = f"  {row.label}" if row.style == "sub" else row.label
        if row.style == "total":
            lines.append("-" * TEXT_PREVIEW_WIDTH)
        lines.append(f"{label:<{TEXT_PREVIEW_WIDTH - 20}}{row.value:>20}")
    lines.append("")
    lines += [f"{k:<16}{v}" for k, v in c.payment]
    for notice in c.notices:
        lines += ["", *notice]
    lines += ["", "-" * TEXT_PREVIEW_WIDTH, *c.footer]
    return "\n".join(lines) + "\n"


# --- the PDF ----------------------------------------------------------------------------------

_LEFT = 20.0
_RIGHT = 190.0
_COLUMN = 115.0
_BOTTOM = 276.0
_AMOUNT_RIGHT = 150.0
_A4_HEIGHT = 297.0
_PT_PER_MM = 72 / 25.4

_Text = tuple[float, float, str, bool, float]
"""One string on the page: x and baseline y in mm (left edge), text, bold, size in pt."""


@functools.lru_cache(maxsize=1)
def _char_widths() -> dict[bool, list[int]]:
    """Helvetica and Helvetica-Bold advance widths (1/1000 em) per Latin-1 code, from fpdf2."""
    from fpdf import FPDF
    from fpdf.fonts import CoreFont

    probe = FPDF()
    widths: dict[bool, list[int]] = {}
    for bold in (True, False):
        probe.set_font("helvetica", "B" if bold else "", 10)
        font = probe.current_font
        assert isinstance(font, CoreFont)
        widths[bold] = [font.cw.get(chr(code), 600) for code in range(256)]
    return widths


def _width_mm(text: str, bold: bool, size: float) -> float:
    """Width of ``text`` (Latin-1, see :func:`_printable`) in mm."""
    units = sum(map(_char_widths()[bold].__getitem__, text.encode("latin-1")))
    return units * size / 1000 / _PT_PER_MM


@functools.lru_cache(maxsize=4096)
def _fit_size(text: str, bold: bool, size: float, room: float) -> float:
    """``size``, or smaller when ``text`` would be wider than ``room`` mm (never overflow).

    Cached: level texts, notices, owners and dates repeat on thousands of letters in a run.
    """
    width = _width_mm(text, bold, size)
    return size if width <= room else max(5.0, size * room / width)


def _fit(x: float, y: float, text: str, size: float, bold: bool = False,
         limit: float = _RIGHT) -> _Text:
    return (x, y, text, bold, _fit_size(text, bold, size, limit - x))


def _right(x_right: float, y: float, text: str, size: float, bold: bool = False) -> _Text:
    return (x_right - _width_mm(text, bold, size), y, text, bold, size)


class _LetterPdf:
    """An fpdf2 document with one call per page that writes all of the page's strings at once.

    It holds the document rather than subclassing it, so that fpdf2 (about 0.4 s to import, with
    fontTools) is imported on the first render and not with this module: the dunning and
    collection services load :class:`LetterData` and the text preview on every start.
    """

    def __init__(self) -> None:
        from fpdf import FPDF

        self.doc = FPDF(orientation="portrait", unit="mm", format="A4")
        self.doc.set_auto_page_break(False)
        self.doc.set_compression(True)
        self.doc.set_creator("tui-inkasso")
        self.doc.set_title("Påminnelser och krav")
        self._font_ids: dict[bool, int] = {}
        for bold in (True, False):
            self.doc.set_font("helvetica", "B" if bold else "", 10)
            assert self.doc.current_font is not None
            self._font_ids[bold] = self.doc.current_font.i

    def draw_page(self, texts: list[_Text], rules: list[tuple[float, float, float, float]],
                  box: tuple[float, float, float, float]) -> None:
        """A new page with ``texts``, straight ``rules`` and a framed ``box``."""
        doc = self.doc
        doc.add_page()
        rest = list(texts)
        for bold in (True, False):
            first = next((t for t in rest if t[3] is bold), None)
            if first is not None:
                # Through the public API once per font, so that fpdf2 lists the font in the
                # page's resources; all other strings go into the one text object below.
                rest.remove(first)
                doc.set_font("helvetica", "B" if bold else "", first[4])
                doc.text(first[0], first[1], first[2])
        ops = ["BT"]
        append = ops.append
        font_ids = self._font_ids
        current: tuple[bool, float] | None = None
        for x, y, text, bold, size in rest:
            if current != (bold, size):
                append(f"/F{font_ids[bold]} {size:.2f} Tf")
                current = (bold, size)
            if "(" in text or ")" in text or "\\" in text:
                text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            append(f"1 0 0 1 {x * _PT_PER_MM:.2f} {(_A4_HEIGHT - y) * _PT_PER_MM:.2f} Tm "
                   f"({text}) Tj")
        append("ET")
        doc._out("\n".join(ops))
        doc.set_line_width(0.2)
        for x1, y1, x2, y2 in rules:
            doc.line(x1, y1, x2, y2)
        doc.rect(*box)


def _page(pdf: _LetterPdf, letter: LetterData) -> None:
    """Lay one letter out on one A4 page, top to bottom."""
    texts, rules, box = _layout(letter)
    pdf.draw_page(texts, rules, box)


def fit_problem(letter: LetterData) -> str | None:
    """Why ``letter`` does not fit its page, or None (the layout without drawing it)."""
    try:
        _layout(letter)
    except LetterError as exc:
        return str(exc)
    return None


def _layout(letter: LetterData) -> tuple[list[_Text], list[tuple[float, float, float, float]],
                                         tuple[float, float, float, float]]:
    """Every string, rule and the payment box of one page; LetterError when it does not fit."""
    c = _content(letter)
    texts: list[_Text] = []
    add = texts.append
    y = 20.0
    for i, line in enumerate(c.sender):
        add(_fit(_LEFT, y, line, 11.0 if i == 0 else 9.0, i == 0, _COLUMN - 5))
        y += 5.0 if i == 0 else 4.2
    add(_fit(_COLUMN, 21.0, c.title, 16.0, True))
    y = 29.0
    for label, value in c.meta:
        add((_COLUMN, y, label, False, 9.0))
        add(_fit(_COLUMN + 28, y, value, 9.0))
        y += 4.3
    y = max(y + 4.0, 62.0)
    for i, line in enumerate(c.recipient):
        add(_fit(_COLUMN, y, line, 11.0, i == 0))
        y += 5.0
    y = max(y + 6.0, 92.0)
    add(_fit(_LEFT, y, c.heading, 12.0, True))
    y += 7.0
    for line in c.body:
        if line:
            add(_fit(_LEFT, y, line, 10.0))
        y += 4.8
    y += 4.0
    rules = [(_LEFT, 280.0, _RIGHT, 280.0)]
    for row in c.amounts:
        sub, total = row.style == "sub", row.style == "total"
        if total:
            rules.append((_LEFT, y - 4.0, _AMOUNT_RIGHT, y - 4.0))
        size = 9.0 if sub else 10.0
        add((_LEFT + 5 if sub else _LEFT, y, row.label, total, size))
        add(_right(_AMOUNT_RIGHT, y, row.value, size, total))
        y += 5.2
    y += 2.0
    box = (_LEFT, y, _RIGHT - _LEFT, 6.0 * len(c.payment) + 3.0)
    y += 6.0
    for label, value in c.payment:
        add((_LEFT + 5, y, label, True, 10.0))
        add(_fit(_LEFT + 45, y, value, 10.0, label == "Att betala"))
        y += 6.0
    y += 5.0
    step = 3.9 if letter.level_kind else 4.1
    for notice in c.notices:
        for line in notice:
            add(_fit(_LEFT, y, line, 9.0))
            y += step
        y += 1.5
    if y - 5.6 > _BOTTOM:
        raise LetterError(f"brevet för faktura {letter.invoice_number!r}: innehållet får inte "
                          f"plats på en sida (fältet letter_text har {len(c.body)} rader)")
    for i, line in enumerate(c.footer):
        add(_fit(_LEFT, 284.0 + 4.0 * i, line, 8.0))
    return texts, rules, box


def render_letters_pdf(letters: Iterable[LetterData], *,
                       creation_date: datetime | None = None) -> bytes:
    """One PDF with one A4 page per letter, in the order given (a run, or a single reprint).

    ``creation_date`` fixes the PDF's date (for byte-identical output); default is now.
    """
    pdf = _LetterPdf()
    if creation_date is not None:
        pdf.doc.set_creation_date(creation_date)
    count = 0
    for letter in letters:
        _page(pdf, letter)
        count += 1
    if count == 0:
        raise LetterError("inga brev att skriva ut: PDF-filen skulle inte få några sidor")
    return bytes(pdf.doc.output())
