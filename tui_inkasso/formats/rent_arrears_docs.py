"""The documents of a termination for unpaid rent: the letter, the notices, the summary.

* the **termination letter** to the tenant (uppsägning, 12 kap. 42 § jordabalken) with the
  **notice of recovery** after it, worded as form 1 (dwelling) or form 2 (premises) of
  förordning (1978:314): the exact amount to pay and the period;
* the **notice to socialnämnden** (form 3) for a dwelling;
* the **summary for an eviction application** (underlag för ansökan om avhysning).

What a document says is data first (:class:`TerminationLetter`, :class:`SocialnamndNotice`,
:class:`EvictionSummary`: stored as JSON with the termination, so a reprint shows what was
sent), then a list of pages of :class:`Block` (:func:`letter_pages` ...), and only then text
(:func:`render_text`, the terminal preview) or PDF (:func:`render_pdf`). Preview and paper are
drawn from the same blocks, so they cannot say different things. Few pages are printed per
run (one tenant, one board), so the PDF is laid out with fpdf2's own ``multi_cell``.

The wording of the forms: förordning (1978:314) 1 § and 3 § prescribe the forms; the first
paragraphs of form 1 are quoted as riksdagen.se prints them, the rest says what 12 kap. 44 §
says (a notice need not repeat the form word for word, NJA 1981 s. 704). docs/rent-arrears.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_inkasso.domain.money import format_sek
from tui_inkasso.domain.rent_arrears import RECOVERY_WEEKS, premises_from_code
from tui_inkasso.domain.rent_notice import RentPremises

FORMAT_VERSION = 1
"""Version of the stored JSON; ``from_json`` refuses a version it does not know."""

TEXT_WIDTH = 78
"""Characters a line of the terminal preview holds."""

SIGN_OFF = "Med vänlig hälsning"


class DocumentError(ValueError):
    """A stored document that cannot be read back (Swedish, naming the field)."""


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class RentLine:
    """One unpaid rent: the invoice, its due date, its OCR and what was open of it."""

    invoice_number: str
    due_date: dt.date
    ocr: str
    amount_ore: int


@dataclass(frozen=True)
class Party:
    """A landlord or tenant as a document names them."""

    name: str
    national_id: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class TerminationLetter:
    """The termination letter and its notice of recovery, as sent to one tenant."""

    premises: str
    """"dwelling" or "premises" (``domain.rent_arrears.PREMISES_CODES``)."""
    issued_on: dt.date
    landlord: Party
    pay_to: str
    tenant: Party
    customer_number: str
    contract_number: str
    object_code: str
    object_address: str
    rents: tuple[RentLine, ...]
    recovery_amount_ore: int
    municipality: str = ""
    """The municipality whose socialnämnd is told (dwellings)."""
    format: int = FORMAT_VERSION

    @property
    def kind(self) -> RentPremises:
        return premises_from_code(self.premises)

    def to_json(self) -> str:
        """The stored form: sorted keys, ISO dates, öre as integers."""
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> TerminationLetter:
        """A stored letter back; DocumentError naming the field that is wrong."""
        return _load(cls, text)


@dataclass(frozen=True)
class SocialnamndNotice:
    """The notice to socialnämnden of one dwelling tenant's termination (form 3)."""

    municipality: str
    board_address: tuple[str, ...]
    issued_on: dt.date
    landlord: Party
    tenant: Party
    dwelling_address: str
    object_code: str
    size: str
    monthly_rent_ore: int
    rents: tuple[RentLine, ...]
    recovery_amount_ore: int
    terminated_on: dt.date
    format: int = FORMAT_VERSION

    def to_json(self) -> str:
        return _dump(self)

    @classmethod
    def from_json(cls, text: str) -> SocialnamndNotice:
        return _load(cls, text)


@dataclass(frozen=True)
class PaymentLine:
    """A payment on the terminated rent after the termination: when, how much, in time or not."""

    pay_date: dt.date
    amount_ore: int
    in_time: bool


@dataclass(frozen=True)
class EvictionSummary:
    """What an application for eviction to Kronofogden needs, for one terminated tenancy."""

    contract_number: str
    premises: str
    state_label: str
    landlord: Party
    tenant: Party
    object_code: str
    object_address: str
    property_designation: str
    municipality: str
    terminated_on: dt.date
    served_on: dt.date | None
    served_how: str
    socialnamnd_received_on: dt.date | None
    last_day: dt.date | None
    eviction_from: dt.date | None
    rents: tuple[RentLine, ...]
    recovery_amount_ore: int
    paid_in_time_ore: int
    payments: tuple[PaymentLine, ...]
    open_capital_ore: int
    open_fees_ore: int
    open_interest_ore: int
    made_on: dt.date
    format: int = FORMAT_VERSION


def as_plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [as_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _dump(document: Any) -> str:
    return json.dumps(as_plain(document), ensure_ascii=False, sort_keys=True)


_NESTED: dict[str, type] = {"landlord": Party, "tenant": Party}
_DATES = {"issued_on", "due_date", "terminated_on", "served_on", "socialnamnd_received_on", "last_day",
          "eviction_from", "made_on", "pay_date"}


def _read(cls: type, data: dict[str, Any], where: str) -> Any:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise DocumentError(f"{where}: fältet {f.name} saknas")
        raw = data[f.name]
        try:
            if f.name in _NESTED:
                values[f.name] = _read(_NESTED[f.name], raw, f"{where}, {f.name}")
            elif f.name == "rents":
                values[f.name] = tuple(_read(RentLine, r, f"{where}, hyra") for r in raw)
            elif f.name in _DATES:
                values[f.name] = dt.date.fromisoformat(raw) if raw is not None else None
            elif isinstance(raw, list):
                values[f.name] = tuple(raw)
            else:
                values[f.name] = raw
        except (TypeError, ValueError, AttributeError) as exc:
            raise DocumentError(f"{where}: fältet {f.name} kan inte läsas ({exc})") from None
    return cls(**values)


def _load(cls: type, text: str) -> Any:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DocumentError(f"sparat dokument: ingen JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DocumentError("sparat dokument: inget JSON-objekt")
    if data.get("format") != FORMAT_VERSION:
        raise DocumentError(f"sparat dokument: okänd version {data.get('format')!r}")
    return _read(cls, data, "sparat dokument")


# --------------------------------------------------------------------------- blocks

BlockKind = Literal["sender", "address", "meta", "title", "heading", "text", "fields", "rows", "small", "sign"]


@dataclass(frozen=True)
class Block:
    """A piece of a page. ``rows`` for fields (label, value) and tables (cells); ``aligns`` is one
    letter per table column (L or R); ``weights`` the columns' shares of the width."""

    kind: BlockKind
    text: str = ""
    lines: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    aligns: str = ""
    weights: tuple[float, ...] = field(default=())


Page = tuple[Block, ...]


def _kr(ore: int) -> str:
    return f"{format_sek(ore)} kr"


def _lines(*values: str) -> tuple[str, ...]:
    return tuple(v for v in values if v)


def _sender(landlord: Party) -> Block:
    return Block("sender", lines=_lines(landlord.name, *landlord.address,
                                        f"Org.nr {landlord.national_id}" if landlord.national_id else ""))


def _contact(landlord: Party) -> str:
    ways = _lines(f"telefon {landlord.phone}" if landlord.phone else "",
                  f"e-post {landlord.email}" if landlord.email else "")
    return f"Frågor: kontakta {landlord.name}, {' eller '.join(ways)}." if ways else ""


def _rent_rows(rents: Sequence[RentLine], *, ocr: bool = True) -> Block:
    header = ("Faktura", "Förfallodag", "OCR-nummer", "Obetalt") if ocr else ("Faktura", "Förfallodag", "Obetalt")
    body = [(r.invoice_number, r.due_date.isoformat(), r.ocr, _kr(r.amount_ore)) if ocr
            else (r.invoice_number, r.due_date.isoformat(), _kr(r.amount_ore)) for r in rents]
    total = ("Summa", "", "", _kr(sum(r.amount_ore for r in rents))) if ocr else \
        ("Summa", "", _kr(sum(r.amount_ore for r in rents)))
    return Block("rows", rows=(header, *body, total), aligns="LLLR" if ocr else "LLR",
                 weights=(1.2, 1.0, 1.6, 1.0) if ocr else (1.2, 1.0, 1.0))


def _what(premises: RentPremises) -> str:
    return "bostadslägenheten" if premises is RentPremises.DWELLING else "lokalen"


def letter_pages(letter: TerminationLetter) -> list[Page]:
    """The termination letter (page 1) and the notice of recovery, form 1 or 2 (page 2)."""
    return [_termination_page(letter), _notice_page(letter)]


def _termination_page(letter: TerminationLetter) -> Page:
    premises = letter.kind
    point = 1 if premises is RentPremises.DWELLING else 2
    grace = "en vecka" if premises is RentPremises.DWELLING else "två vardagar"
    return (
        _sender(letter.landlord),
        Block("meta", rows=(("Datum", letter.issued_on.isoformat()), ("Kundnummer", letter.customer_number),
                            ("Hyresavtal", letter.contract_number))),
        Block("address", lines=_lines(letter.tenant.name, *letter.tenant.address)),
        Block("title", "Uppsägning av hyresavtal på grund av obetald hyra"),
        Block("text", f"Hyresavtal {letter.contract_number} om {_what(premises)} {letter.object_address} "
                      f"(objekt {letter.object_code})."),
        Block("text", f"Hyran nedan har inte betalats. Ni har dröjt med betalningen mer än {grace} efter "
                      f"förfallodagen, och hyresrätten är därför förverkad (12 kap. 42 § första stycket "
                      f"{point} jordabalken)."),
        _rent_rows(letter.rents, ocr=False),
        Block("text", "Hyresvärden säger härmed upp hyresavtalet att upphöra i förtid. Avtalet upphör "
                      f"genast, och Ni ska flytta från {_what(premises)}."),
        Block("text", f"Ni kan få tillbaka hyresrätten genom att betala {_kr(letter.recovery_amount_ore)} i "
                      "tid. Hur och när står i underrättelsen på nästa sida (12 kap. 44 § jordabalken)."),
        Block("text", "Dröjsmålsränta och avgifter på den obetalda hyran är egna fordringar och ingår inte "
                      "i beloppet för att få tillbaka hyresrätten."),
        Block("text", _contact(letter.landlord)),
        Block("sign", lines=_lines(letter.landlord.name)),
    )


FORM_1_TITLE = ("Underrättelse till bostadshyresgäst om möjlighet att få tillbaka hyresrätten fastän "
                "hyran inte har betalats i tid")
FORM_2_TITLE = ("Underrättelse till lokalhyresgäst om möjlighet att få tillbaka hyresrätten fastän "
                "hyran inte har betalats i tid")
FORM_3_TITLE = ("Meddelande till socialnämnd om uppsägning av bostadshyresgäst på grund av försummad "
                "hyresbetalning")

FORM_1_INTRO: tuple[str, ...] = (
    "En hyresgäst som inte betalar hyran i tid förlorar sin hyresrätt och kan därför bli uppsagd från "
    "lägenheten. Som uppsägning räknas också stämningsansökan eller ansökan om avhysning. Enligt "
    "bestämmelser i hyreslagen kan hyresgästen dock få tillbaka hyresrätten fastän han eller hon har "
    "blivit uppsagd. Hyresgästen måste då betala hyran inom viss kortare tid.",
    "Hyresvärden måste lämna meddelande om uppsägningen till socialnämnden i den kommun där lägenheten "
    "är belägen.",
)
"""The first two paragraphs of form 1 as förordning (1978:314) prints them (riksdagen.se)."""

FORM_2_INTRO: tuple[str, ...] = (
    "En hyresgäst som inte betalar hyran i tid förlorar sin hyresrätt och kan därför bli uppsagd från "
    "lokalen. Som uppsägning räknas också stämningsansökan eller ansökan om avhysning. Enligt "
    "bestämmelser i hyreslagen kan hyresgästen dock få tillbaka hyresrätten fastän han eller hon har "
    "blivit uppsagd. Hyresgästen måste då betala hyran inom viss kortare tid.",
)

LAST_DAY_RULE = ("Infaller den sista dagen på en lördag, söndag eller annan helgdag, midsommarafton, "
                 "julafton eller nyårsafton får Ni betala nästa vardag.")

EXCUSE_RULE = ("Ni får inte heller skiljas från {what} om Ni har varit förhindrad att betala i tid på grund "
               "av sjukdom eller liknande oförutsedd omständighet och hyran har betalats så snart det var "
               "möjligt, dock senast när frågan om avhysning avgörs i första instans.")


def _notice_page(letter: TerminationLetter) -> Page:
    premises = letter.kind
    amount = _kr(letter.recovery_amount_ore)
    weeks = {3: "tre", 2: "två"}[RECOVERY_WEEKS[premises]]
    if premises is RentPremises.DWELLING:
        title, intro = FORM_1_TITLE, FORM_1_INTRO
        period = (f"Ni underrättas härmed om att Ni har möjlighet att få tillbaka hyresrätten till lägenheten "
                  f"{letter.object_address} genom att betala {amount}, den obetalda hyran nedan, inom "
                  f"{weeks} veckor från den dag då Ni har delgetts denna underrättelse. Har socialnämnden "
                  f"i {letter.municipality} kommun fått meddelandet om uppsägningen senare, räknas tiden "
                  "från den dag då nämnden fick det.")
        board = ("Ni får inte heller skiljas från lägenheten om socialnämnden inom samma tid skriftligen "
                 "har förbundit sig att betala hyran.")
        form = "formulär 1"
    else:
        title, intro = FORM_2_TITLE, FORM_2_INTRO
        period = (f"Ni underrättas härmed om att Ni har möjlighet att få tillbaka hyresrätten till lokalen "
                  f"{letter.object_address} genom att betala {amount}, den obetalda hyran nedan, inom "
                  f"{weeks} veckor från den dag då Ni har delgetts denna underrättelse.")
        board = ""
        form = "formulär 2"
    return (
        _sender(letter.landlord),
        Block("meta", rows=(("Datum", letter.issued_on.isoformat()), ("Hyresavtal", letter.contract_number))),
        Block("address", lines=_lines(letter.tenant.name, *letter.tenant.address)),
        Block("title", title),
        *(Block("text", p) for p in intro),
        Block("text", period),
        Block("text", LAST_DAY_RULE),
        _rent_rows(letter.rents),
        Block("fields", rows=(("Att betala", amount), ("Till bankgiro", letter.pay_to),
                              ("Meddelande", "OCR-numret för varje hyra ovan"))),
        *((Block("text", board),) if board else ()),
        Block("text", EXCUSE_RULE.format(what="lägenheten" if premises is RentPremises.DWELLING else "lokalen")),
        Block("text", "Betalas hyran inte i tid kan hyresvärden ansöka om avhysning hos Kronofogdemyndigheten. "
                      "Ränta och avgifter behöver inte betalas för att få tillbaka hyresrätten."),
        Block("text", _contact(letter.landlord)),
        Block("small", f"Underrättelse enligt 12 kap. 44 § jordabalken, {form} i förordningen (1978:314) om "
                       "underrättelse och meddelande enligt 12 kap. 44 § jordabalken."),
    )


def socialnamnd_pages(notice: SocialnamndNotice) -> list[Page]:
    """The notice to socialnämnden (form 3): one page."""
    amount = _kr(notice.recovery_amount_ore)
    landlord = notice.landlord
    return [(
        _sender(landlord),
        Block("meta", rows=(("Datum", notice.issued_on.isoformat()),)),
        Block("address", lines=_lines(f"Socialnämnden i {notice.municipality} kommun", *notice.board_address)),
        Block("title", FORM_3_TITLE),
        Block("text", "Hyresgästen nedan har sagts upp från sin bostadslägenhet på grund av att hyran inte har "
                      "betalats i tid (12 kap. 42 § första stycket 1 jordabalken). Detta meddelande lämnas "
                      "enligt 12 kap. 44 § jordabalken."),
        Block("heading", "Hyresgäst"),
        Block("fields", rows=(("Namn", notice.tenant.name), ("Personnummer", notice.tenant.national_id),
                              ("Telefon", notice.tenant.phone or "-"))),
        Block("heading", "Lägenheten"),
        Block("fields", rows=(("Adress", notice.dwelling_address), ("Lägenhetsnummer", notice.object_code),
                              ("Storlek", notice.size), ("Månadshyra", _kr(notice.monthly_rent_ore)))),
        Block("heading", "Obetald hyra"),
        _rent_rows(notice.rents, ocr=False),
        Block("heading", "Uppsägningen"),
        Block("fields", rows=(("Uppsagd den", notice.terminated_on.isoformat()),
                              ("Belopp för att få tillbaka hyresrätten", amount))),
        Block("text", f"Hyresgästen kan få tillbaka hyresrätten genom att betala {amount} inom tre veckor från "
                      "den dag då hyresgästen har delgetts underrättelse om detta, eller från den dag då "
                      "socialnämnden har fått detta meddelande om det är senare."),
        Block("heading", "Hyresvärd"),
        Block("fields", rows=(("Namn", landlord.name), ("Organisationsnummer", landlord.national_id),
                              ("Adress", ", ".join(landlord.address)), ("Telefon", landlord.phone or "-"),
                              ("E-post", landlord.email or "-"))),
        Block("sign", lines=_lines(landlord.name)),
        Block("small", "Meddelande enligt 12 kap. 44 § första stycket jordabalken, formulär 3 i förordningen "
                       "(1978:314) om underrättelse och meddelande enligt 12 kap. 44 § jordabalken."),
    )]


def summary_pages(summary: EvictionSummary) -> list[Page]:
    """The summary for an application for eviction: one page (two for many payments)."""
    premises = premises_from_code(summary.premises)
    point = 1 if premises is RentPremises.DWELLING else 2

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else "-"

    payments = [(p.pay_date.isoformat(), _kr(p.amount_ore), "i tid" if p.in_time else "för sent")
                for p in summary.payments] or [("-", "-", "inga betalningar")]
    events = [("Uppsagd den", summary.terminated_on.isoformat()),
              ("Delgiven den", day(summary.served_on)), ("Delgivningssätt", summary.served_how or "-")]
    if premises is RentPremises.DWELLING:
        events.append(("Socialnämnden i " + summary.municipality + " fick meddelandet",
                       day(summary.socialnamnd_received_on)))
    events += [("Sista dag att återvinna", day(summary.last_day)),
               ("Avhysning kan beslutas tidigast", day(summary.eviction_from))]
    return [(
        Block("title", "Underlag för ansökan om avhysning"),
        Block("fields", rows=(("Hyresavtal", summary.contract_number), ("Läge", summary.state_label),
                              ("Upprättat", summary.made_on.isoformat()))),
        Block("heading", "Sökande (hyresvärd)"),
        Block("fields", rows=(("Namn", summary.landlord.name), ("Organisationsnummer", summary.landlord.national_id),
                              ("Adress", ", ".join(summary.landlord.address)),
                              ("Telefon", summary.landlord.phone or "-"))),
        Block("heading", "Svarande (hyresgäst)"),
        Block("fields", rows=(("Namn", summary.tenant.name), ("Person-/orgnr", summary.tenant.national_id),
                              ("Adress", ", ".join(summary.tenant.address)))),
        Block("heading", "Lägenheten"),
        Block("fields", rows=(("Slag", "Bostadslägenhet" if premises is RentPremises.DWELLING else "Lokal"),
                              ("Adress", summary.object_address), ("Objekt", summary.object_code),
                              ("Fastighet", summary.property_designation))),
        Block("heading", "Grund"),
        Block("text", f"Hyresrätten är förverkad på grund av obetald hyra (12 kap. 42 § första stycket {point} "
                      "jordabalken) och hyresavtalet har sagts upp att upphöra i förtid. Hyran har inte "
                      "betalats inom tiden för återvinning (12 kap. 44 § jordabalken)."),
        _rent_rows(summary.rents, ocr=False),
        Block("heading", "Uppsägning och återvinning"),
        Block("fields", rows=tuple(events)),
        Block("fields", rows=(("Belopp för återvinning", _kr(summary.recovery_amount_ore)),
                              ("Betalt inom tiden", _kr(summary.paid_in_time_ore)))),
        Block("heading", "Betalningar efter uppsägningen"),
        Block("rows", rows=(("Betaldag", "Belopp", "Anmärkning"), *payments), aligns="LRL", weights=(1, 1, 2)),
        Block("heading", "Obetalt i dag"),
        Block("fields", rows=(("Hyra (kapital)", _kr(summary.open_capital_ore)),
                              ("Avgifter", _kr(summary.open_fees_ore)),
                              ("Dröjsmålsränta", _kr(summary.open_interest_ore)))),
        Block("small", "Bifoga uppsägningen med underrättelsen, bevis om delgivningen och, för en bostad, "
                       "meddelandet till socialnämnden med bevis om när nämnden fick det."),
    )]


# --------------------------------------------------------------------------- text


def render_text(pages: Iterable[Page]) -> str:
    """The pages as plain text for the terminal (the same words as the PDF)."""
    out: list[str] = []
    for number, page in enumerate(pages, 1):
        if number > 1:
            out += ["", f"{'─' * 30} sida {number} {'─' * 30}", ""]
        for block in page:
            out += _block_text(block)
    return "\n".join(out).rstrip() + "\n"


def _wrap(text: str, width: int = TEXT_WIDTH) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _block_text(block: Block) -> list[str]:
    if block.kind == "sender":
        return [*block.lines, ""]
    if block.kind == "address":
        return ["", *("    " + line for line in block.lines), ""]
    if block.kind == "sign":
        return [SIGN_OFF, *block.lines, ""]
    if block.kind == "meta" or block.kind == "fields":
        width = max((len(label) for label, _ in block.rows), default=0)
        lines = []
        for label, value in block.rows:
            wrapped = _wrap(value, max(TEXT_WIDTH - width - 2, 20))
            lines.append(f"{label.ljust(width)}  {wrapped[0]}")
            lines += [" " * (width + 2) + rest for rest in wrapped[1:]]
        return [*lines, ""]
    if block.kind == "title":
        return [*_wrap(block.text.upper()), ""]
    if block.kind == "heading":
        return [block.text, "-" * len(block.text)]
    if block.kind == "rows":
        return [*_table_text(block), ""]
    if not block.text:
        return []
    return [*_wrap(block.text), ""]


def _table_text(block: Block) -> list[str]:
    columns = len(block.rows[0])
    widths = [max(len(row[i]) for row in block.rows) for i in range(columns)]
    lines = []
    for index, row in enumerate(block.rows):
        cells = [cell.rjust(widths[i]) if block.aligns[i] == "R" else cell.ljust(widths[i])
                 for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


# --------------------------------------------------------------------------- PDF

_MARGIN = 20.0
_FONT = "helvetica"


def render_pdf(documents: Iterable[list[Page]], *, created_at: dt.datetime, title: str) -> bytes:
    """Every page of every document into one A4 PDF (core font Helvetica, Latin-1)."""
    from fpdf import FPDF

    from tui_inkasso.formats.pdf_table import latin1

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_creation_date(created_at)
    pdf.set_creator("tui-inkasso")
    pdf.set_title(latin1(title))
    for pages in documents:
        for page in pages:
            pdf.add_page()
            for block in page:
                _block_pdf(pdf, block, latin1)
    return bytes(pdf.output())


def _block_pdf(pdf: Any, block: Block, latin1: Any) -> None:
    width = pdf.w - 2 * _MARGIN
    if block.kind == "sender":
        pdf.set_xy(_MARGIN, _MARGIN)
        for index, line in enumerate(block.lines):
            pdf.set_font(_FONT, "B" if index == 0 else "", 10 if index == 0 else 9)
            pdf.cell(90, 4.6, latin1(line), new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "meta":
        y = _MARGIN
        for label, value in block.rows:
            pdf.set_xy(120, y)
            pdf.set_font(_FONT, "", 9)
            pdf.cell(30, 4.6, latin1(label))
            pdf.cell(40, 4.6, latin1(value))
            y += 4.6
    elif block.kind == "address":
        pdf.set_xy(110, 45)
        pdf.set_font(_FONT, "", 10)
        for line in block.lines:
            pdf.set_x(110)
            pdf.cell(80, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), 75))
    elif block.kind == "title":
        pdf.set_font(_FONT, "B", 13)
        pdf.multi_cell(width, 6, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif block.kind == "heading":
        pdf.ln(1)
        pdf.set_font(_FONT, "B", 10)
        pdf.cell(width, 5.5, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "fields":
        label_width = min(max(pdf.get_string_width(latin1(label)) for label, _ in block.rows) + 6, 80)
        for label, value in block.rows:
            pdf.set_font(_FONT, "", 9.5)
            pdf.cell(label_width, 5, latin1(label))
            pdf.multi_cell(width - label_width, 5, latin1(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif block.kind == "rows":
        total = sum(block.weights)
        widths = [width * w / total for w in block.weights]
        for index, row in enumerate(block.rows):
            last = index == len(block.rows) - 1 and row[0] == "Summa"
            pdf.set_font(_FONT, "B" if index == 0 or last else "", 9.5)
            for cell, cell_width, align in zip(row, widths, block.aligns, strict=True):
                pdf.cell(cell_width, 5, latin1(cell), align=align)
            pdf.ln(5)
        pdf.ln(2)
    elif block.kind == "sign":
        pdf.ln(4)
        pdf.set_font(_FONT, "", 10)
        for line in (SIGN_OFF, *block.lines):
            pdf.cell(width, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    elif block.kind == "small":
        pdf.ln(3)
        pdf.set_font(_FONT, "", 7.5)
        pdf.multi_cell(width, 3.6, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
    elif block.text:
        pdf.set_font(_FONT, "", 10)
        pdf.multi_cell(width, 5, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
