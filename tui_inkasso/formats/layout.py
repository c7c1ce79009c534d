"""The declarative record layouts behind the agencies' case files: the schema and its loader.

Intrum's and Svea's record layouts are not public, and each customer's agreement may differ in
details (client number, field widths, encoding). So the layout is data: a JSON document in
``formats/layouts/`` names the encoding, line end, fixed-width or separated records, and per
record the fields with their source, type and width. Matching an agency's specification is an
edit of that document, not of code (docs/formats/intrum.md explains every key).

This module is the schema: what a layout document may say, read and validated completely when
it is loaded (unknown keys and sources, missing widths, overlapping columns, maps that miss a
value), because a silent change would cost money or misdirect a claim. Each validated record is
handed to :mod:`tui_inkasso.formats.layout_renderer`, which compiles it into the function that
renders its lines and refuses a value that does not fit its field.

Messages are Swedish (they reach the staff through the collection run); the layout's own keys
and values ('width', 'source', claim.capital_ore) are quoted as they are written in the JSON.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.fileio import name_part
from tui_inkasso.formats.layout_renderer import Context, RenderOptions, compile_record
from tui_inkasso.formats.text import check_encoding, first_unencodable

Level = Literal["header", "case", "claim", "trailer"]
LEVELS: tuple[Level, ...] = ("header", "case", "claim", "trailer")
FIELD_TYPES = ("text", "digits", "amount", "date", "count")
AMOUNT_FORMATS = ("ore", "decimal_comma", "decimal_point")
QUOTE_RULES = ("minimal", "always", "never")
LINE_ENDS = ("\r\n", "\n", "\r")

# Every source a field may name, with the kind of value it yields.
SOURCES: dict[str, str] = {
    "file.created": "datetime",
    "file.file_id": "str",
    "file.count_cases": "int",
    "file.count_claims": "int",
    "file.count_records": "int",
    "file.sum_capital_ore": "ore",
    "file.sum_fees_ore": "ore",
    "file.sum_interest_ore": "ore",
    "file.sum_total_ore": "ore",
    "record.number": "int",
    "creditor.owner_id": "str",
    "creditor.name": "str",
    "creditor.org_no": "str",
    "creditor.bankgiro": "str",
    "creditor.address": "str",
    "creditor.postal_code": "str",
    "creditor.city": "str",
    "creditor.agency_customer_number": "str",
    "case.case_number": "str",
    "case.count_claims": "int",
    "case.sum_capital_ore": "ore",
    "case.sum_fees_ore": "ore",
    "case.sum_interest_ore": "ore",
    "case.sum_total_ore": "ore",
    "debtor.customer_number": "str",
    "debtor.name": "str",
    "debtor.national_id": "str",
    "debtor.is_company": "bool",
    "debtor.address": "str",
    "debtor.postal_code": "str",
    "debtor.city": "str",
    "debtor.email": "str",
    "claim.sequence": "int",
    "claim.invoice_number": "str",
    "claim.kind": "str",
    "claim.invoice_date": "date",
    "claim.due_date": "date",
    "claim.ocr": "str",
    "claim.capital_ore": "ore",
    "claim.fees_ore": "ore",
    "claim.interest_ore": "ore",
    "claim.total_ore": "ore",
    "claim.debt_type": "str",
    "claim.object_id": "str",
    "claim.object_address": "str",
    "claim.sfi_category": "str",
    "claim.last_dunning_level": "int",
    "claim.last_dunning_date": "date",
}

# Sources whose text may be shortened to fit (names and addresses); ids and money never are.
TRUNCATABLE = frozenset(
    {
        "creditor.name",
        "creditor.address",
        "creditor.city",
        "debtor.name",
        "debtor.address",
        "debtor.city",
        "claim.object_address",
    }
)

# Sources with a closed set of values: a map on them must cover exactly these keys.
ENUM_VALUES: dict[str, frozenset[str]] = {
    "debtor.is_company": frozenset({"true", "false"}),
    "claim.kind": frozenset({"rent", "direct"}),
    "claim.sfi_category": frozenset(c.value for c in SfiCategory),
}

_LEVEL_SCOPES: dict[str, frozenset[str]] = {
    "header": frozenset({"file", "creditor", "record"}),
    "case": frozenset({"file", "creditor", "record", "case", "debtor"}),
    "claim": frozenset({"file", "creditor", "record", "case", "debtor", "claim"}),
    "trailer": frozenset({"file", "creditor", "record"}),
}

_TYPE_KINDS: dict[str, frozenset[str]] = {
    "text": frozenset({"str", "int"}),
    "digits": frozenset({"str", "int"}),
    "amount": frozenset({"ore"}),
    "date": frozenset({"date", "datetime"}),
    "count": frozenset({"int"}),
}
_DEFAULT_TYPE = {"str": "text", "int": "count", "ore": "amount", "date": "date", "datetime": "date"}
_DEFAULT_ALIGN = {
    "text": "left",
    "digits": "right",
    "amount": "right",
    "date": "left",
    "count": "right",
}
_DEFAULT_PAD = {"text": " ", "digits": "0", "amount": "0", "date": " ", "count": "0"}

_TOP_KEYS = frozenset(
    {
        "name",
        "system",
        "note",
        "version",
        "encoding",
        "unencodable",
        "line_end",
        "kind",
        "separator",
        "quote",
        "quote_char",
        "file_name",
        "records",
    }
)
_RECORD_KEYS = frozenset({"name", "note", "length", "fields"})
_FIELD_KEYS = frozenset(
    {
        "name",
        "note",
        "source",
        "const",
        "type",
        "width",
        "start",
        "align",
        "pad",
        "date_format",
        "amount_format",
        "truncate",
        "required",
        "signed",
        "map",
    }
)
_FILE_NAME_FIELDS = frozenset({"creditor", "owner", "client", "created", "file_id", "system"})


class LayoutError(ValueError):
    """A layout document is wrong; the message names the document, the key path and the reason."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record, as validated from the layout document."""

    name: str
    source: str | None
    const: str | None
    type: str
    width: int | None
    start: int
    align: str
    pad: str
    date_format: str
    amount_format: str
    truncate: bool
    required: bool
    signed: bool
    map: Mapping[str, str] | None

    def where(self) -> str:
        """Field name, source and columns, as error messages show them."""
        what = self.source if self.source else "konstant"
        cols = (
            f", kolumn {self.start}–{self.start + self.width - 1}"
            if self.width and self.start
            else ""
        )
        return f"fält '{self.name}' ({what}{cols})"


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """One record (line) type of a level, with its fields and its compiled formatters."""

    name: str
    level: str
    fields: tuple[FieldSpec, ...]
    length: int | None
    _render: Callable[[Context], str] = field(repr=False, compare=False)

    def render(self, ctx: Context) -> str:
        """The record's text (without line end) for the values in ``ctx``."""
        return self._render(ctx)


@dataclass(frozen=True, slots=True)
class Layout:
    """A loaded, validated layout; ``records`` maps each level to its record types in order."""

    name: str
    system: str
    origin: str
    encoding: str
    unencodable: str
    line_end: str
    kind: str
    separator: str
    quote: str
    quote_char: str
    file_name_pattern: str
    records: Mapping[str, tuple[RecordSpec, ...]]
    note: str = ""

    @property
    def file_level_uses_creditor(self) -> bool:
        """True when the header, trailer or file name names the creditor (one owner per file)."""
        pattern_fields = {f for _, f, _, _ in string.Formatter().parse(self.file_name_pattern) if f}
        if pattern_fields & {"creditor", "owner", "client"}:
            return True
        return any(
            spec.source and spec.source.startswith("creditor.")
            for level in ("header", "trailer")
            for record in self.records[level]
            for spec in record.fields
        )

    def file_name(self, creditor: Any, created: datetime, file_id: str = "") -> str:
        """The file name for a file of ``creditor``'s cases created at ``created``."""
        return _format_file_name(self.file_name_pattern, creditor, created, file_id, self.system)

    def join_lines(self, lines: Sequence[str]) -> bytes:
        """The records as one encoded document, each line ended (the last one too)."""
        if not lines:
            return b""
        end = self.line_end
        return (end.join(lines) + end).encode(self.encoding)


# --------------------------------------------------------------------------------------------
# Loading


def builtin_layout_path(name: str) -> Path:
    """The path of a layout shipped with the program ("intrum", "svea")."""
    return Path(str(resources.files("tui_inkasso.formats") / "layouts" / f"{name}.json"))


def load_layout(source: str | Path) -> Layout:
    """Load and validate a layout: a built-in name ("intrum", "svea") or a path to a JSON file."""
    path = Path(source)
    if not path.suffix and path.name == str(source):
        path = builtin_layout_path(str(source))
        if not path.exists():
            raise LayoutError(f"det finns ingen inbyggd layout {source!r} (det finns: intrum, svea)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(f"{path}: kan inte läsa layouten: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayoutError(
            f"{path}: rad {exc.lineno}, kolumn {exc.colno}: ogiltig JSON: {exc.msg}"
        ) from exc
    return parse_layout(document, origin=str(path))


def parse_layout(document: Any, origin: str = "<layout>") -> Layout:
    """Validate a layout document (already parsed from JSON) and compile its records."""
    if not isinstance(document, dict):
        raise LayoutError(f"{origin}: en layout ska vara ett JSON-objekt")
    _no_unknown_keys(document, _TOP_KEYS, origin, "layouten")
    name = _required_str(document, "name", origin, "layouten")
    system = _required_str(document, "system", origin, "layouten")
    encoding = _required_str(document, "encoding", origin, "layouten")
    try:
        canonical = check_encoding(encoding)
    except LookupError:
        raise LayoutError(f"{origin}: encoding {encoding!r} är ingen teckenkodning som Python känner") from None
    kind = _choice(document, "kind", ("fixed", "separated"), None, origin)
    if kind == "fixed" and canonical.startswith("utf"):
        raise LayoutError(
            f"{origin}: encoding {encoding!r}: en layout med fast bredd behöver en teckenkodning "
            "med en byte per tecken (som iso-8859-1), eftersom bredderna räknar tecken"
        )
    line_end = document.get("line_end")
    if line_end not in LINE_ENDS:
        raise LayoutError(
            f'{origin}: line_end ska vara något av "\\r\\n", "\\n", "\\r", inte {line_end!r}'
        )
    unencodable = _choice(document, "unencodable", ("transliterate", "refuse"), "refuse", origin)
    separator, quote, quote_char = _separator_options(document, kind, line_end, origin)
    file_name = _required_str(document, "file_name", origin, "layouten")
    opts = RenderOptions(encoding, unencodable, kind, separator, quote, quote_char, system)
    records = _parse_records(document.get("records"), opts, origin)
    _check_file_name(file_name, system, origin)
    note = document.get("note", "")
    return Layout(
        name=name,
        system=system,
        origin=origin,
        encoding=encoding,
        unencodable=unencodable,
        line_end=line_end,
        kind=kind,
        separator=separator,
        quote=quote,
        quote_char=quote_char,
        file_name_pattern=file_name,
        records=records,
        note=note if isinstance(note, str) else "",
    )


def _separator_options(
    document: dict[str, Any], kind: str, line_end: str, origin: str
) -> tuple[str, str, str]:
    """Separator, quote rule and quote character; only separated layouts have them."""
    if kind == "fixed":
        for key in ("separator", "quote", "quote_char"):
            if key in document:
                raise LayoutError(
                    f"{origin}: {key!r} gäller bara layouter med avgränsare (kind är fixed)"
                )
        return "", "never", ""
    separator = document.get("separator")
    if not isinstance(separator, str) or len(separator) != 1 or separator in line_end:
        raise LayoutError(
            f"{origin}: en layout med avgränsare behöver en separator på ett tecken, inte {separator!r}"
        )
    quote = _choice(document, "quote", QUOTE_RULES, "minimal", origin)
    quote_char = document.get("quote_char", '"')
    if not isinstance(quote_char, str) or len(quote_char) != 1 or quote_char == separator:
        raise LayoutError(
            f"{origin}: quote_char ska vara ett tecken som inte är separatorn, inte {quote_char!r}"
        )
    return separator, quote, quote_char


def _parse_records(raw: Any, opts: RenderOptions, origin: str) -> dict[str, tuple[RecordSpec, ...]]:
    if not isinstance(raw, dict):
        raise LayoutError(
            f"{origin}: 'records' ska vara ett objekt med header, case, claim, trailer"
        )
    unknown = set(raw) - set(LEVELS)
    if unknown:
        raise LayoutError(
            f"{origin}: records: okänd nivå {sorted(unknown)[0]!r}; nivåerna är {', '.join(LEVELS)}"
        )
    if not raw.get("claim"):
        raise LayoutError(f"{origin}: records.claim: en layout behöver minst en claim-post")
    out: dict[str, tuple[RecordSpec, ...]] = {}
    for level in LEVELS:
        items = raw.get(level, [])
        if not isinstance(items, list):
            raise LayoutError(f"{origin}: records.{level} ska vara en lista med poster")
        out[level] = tuple(
            _parse_record(item, level, opts, f"{origin}: records.{level}[{i}]")
            for i, item in enumerate(items)
        )
    return out


def _parse_record(raw: Any, level: str, opts: RenderOptions, where: str) -> RecordSpec:
    if not isinstance(raw, dict):
        raise LayoutError(f"{where}: en post ska vara ett objekt med 'name' och 'fields'")
    _no_unknown_keys(raw, _RECORD_KEYS, where, "posten")
    name = _required_str(raw, "name", where, "posten")
    where = f"{where} ('{name}')"
    length = raw.get("length")
    if length is not None and (opts.kind != "fixed" or not _positive_int(length)):
        raise LayoutError(
            f"{where}: 'length' ska vara ett positivt heltal, och finns bara i layouter med fast bredd"
        )
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise LayoutError(f"{where}: 'fields' ska vara en lista som inte är tom")
    specs: list[FieldSpec] = []
    position = 1
    for i, item in enumerate(raw_fields):
        spec = _parse_field(item, level, opts, f"{where}.fields[{i}]", position)
        specs.append(spec)
        position += spec.width or 0
    used = position - 1
    if length is not None and used > length:
        raise LayoutError(
            f"{where}: fälten tar {used} kolumner men postens längd (length) är {length}"
        )
    names = [s.name for s in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise LayoutError(f"{where}: två fält heter {duplicate!r}")
    fields_ = tuple(specs)
    render = compile_record(name, fields_, length, opts)
    return RecordSpec(name=name, level=level, fields=fields_, length=length, _render=render)


def _parse_field(raw: Any, level: str, opts: RenderOptions, where: str, position: int) -> FieldSpec:
    if not isinstance(raw, dict):
        raise LayoutError(f"{where}: ett fält ska vara ett objekt")
    _no_unknown_keys(raw, _FIELD_KEYS, where, "fältet")
    name = _required_str(raw, "name", where, "fältet")
    where = f"{where} ('{name}')"
    source, const = raw.get("source"), raw.get("const")
    if (source is None) == (const is None):
        raise LayoutError(f"{where}: ange exakt en av 'source' och 'const'")
    kind = _check_source(source, level, where) if source is not None else "str"
    if const is not None and not isinstance(const, str):
        raise LayoutError(f"{where}: 'const' ska vara en text, inte {const!r}")
    mapping = _check_map(raw.get("map"), source, where)
    ftype = raw.get("type") or ("text" if const is not None or mapping else _DEFAULT_TYPE.get(kind))
    if ftype not in FIELD_TYPES:
        raise LayoutError(f"{where}: type ska vara en av {', '.join(FIELD_TYPES)}, inte {ftype!r}")
    if const is not None or mapping is not None:
        if ftype not in ("text", "digits"):
            raise LayoutError(
                f"{where}: ett fält med const eller map ska ha type text eller digits"
            )
    elif kind == "bool":
        raise LayoutError(
            f'{where}: {source} är ja/nej; ange en \'map\' med koderna för "true" och "false"'
        )
    elif kind not in _TYPE_KINDS[ftype]:
        raise LayoutError(f"{where}: type {ftype!r} kan inte visa {source} (ett värde av typen {kind})")
    width = _check_width(raw, opts, where, position)
    truncate = _flag(raw, "truncate", False, where)
    if truncate and (ftype != "text" or source not in TRUNCATABLE):
        raise LayoutError(
            f"{where}: 'truncate' är bara tillåtet på namn och adresser "
            f"({', '.join(sorted(TRUNCATABLE))}); nummer och belopp kortas aldrig"
        )
    align = _choice(raw, "align", ("left", "right"), _DEFAULT_ALIGN[ftype], where)
    pad = raw.get("pad", _DEFAULT_PAD[ftype])
    if not isinstance(pad, str) or len(pad) != 1 or first_unencodable(pad, opts.encoding):
        raise LayoutError(f"{where}: 'pad' ska vara ett tecken i teckenkodningen, inte {pad!r}")
    date_format = _check_date_format(raw, ftype, width, where)
    amount_format = raw.get("amount_format", "ore")
    if "amount_format" in raw and ftype != "amount":
        raise LayoutError(f"{where}: 'amount_format' gäller bara fält av typen amount")
    if amount_format not in AMOUNT_FORMATS:
        raise LayoutError(
            f"{where}: amount_format ska vara en av {', '.join(AMOUNT_FORMATS)}, inte {amount_format!r}"
        )
    signed = _flag(raw, "signed", False, where)
    if "signed" in raw and ftype != "amount":
        raise LayoutError(f"{where}: 'signed' gäller bara fält av typen amount")
    spec = FieldSpec(
        name=name,
        source=source,
        const=const,
        type=ftype,
        width=width,
        start=position if opts.kind == "fixed" else 0,
        align=align,
        pad=pad,
        date_format=date_format,
        amount_format=amount_format,
        truncate=truncate,
        required=_flag(raw, "required", True, where),
        signed=signed,
        map=mapping,
    )
    _check_constants(spec, opts, where)
    return spec


def _check_source(source: Any, level: str, where: str) -> str:
    """The kind of value ``source`` yields; LayoutError for unknown sources or wrong levels."""
    if not isinstance(source, str) or source not in SOURCES:
        scope = str(source).split(".")[0] if isinstance(source, str) else ""
        known = sorted(s for s in SOURCES if s.startswith(scope + ".")) or sorted(SOURCES)
        raise LayoutError(f"{where}: okänd källa (source) {source!r}; kända källor: {', '.join(known)}")
    scope = source.split(".")[0]
    if scope not in _LEVEL_SCOPES[level]:
        raise LayoutError(
            f"{where}: källan {source!r} finns inte i en {level}-post "
            f"(där finns: {', '.join(sorted(_LEVEL_SCOPES[level]))})"
        )
    return SOURCES[source]


def _check_map(raw: Any, source: str | None, where: str) -> dict[str, str] | None:
    if raw is None:
        return None
    if source is None:
        raise LayoutError(f"{where}: en 'map' behöver en 'source'")
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise LayoutError(f"{where}: 'map' ska vara ett objekt från text till text")
    expected = ENUM_VALUES.get(source)
    if expected is not None:
        missing, extra = expected - set(raw), set(raw) - expected
        if missing:
            raise LayoutError(
                f"{where}: map saknar {', '.join(sorted(missing))} (värden för {source})"
            )
        if extra:
            raise LayoutError(
                f"{where}: map har den okända nyckeln {sorted(extra)[0]!r}; {source} är en av {', '.join(sorted(expected))}"
            )
    return dict(raw)


def _check_width(raw: dict[str, Any], opts: RenderOptions, where: str, position: int) -> int | None:
    width = raw.get("width")
    if width is not None and not _positive_int(width):
        raise LayoutError(f"{where}: 'width' ska vara ett positivt heltal, inte {width!r}")
    start = raw.get("start")
    if opts.kind == "fixed":
        if width is None:
            raise LayoutError(f"{where}: ett fält med fast bredd behöver 'width'")
        if start is not None:
            if not _positive_int(start):
                raise LayoutError(f"{where}: 'start' ska vara ett kolumnnummer från 1, inte {start!r}")
            if start < position:
                raise LayoutError(
                    f"{where}: börjar i kolumn {start} men fältet före slutar i kolumn {position - 1} (överlappar)"
                )
            if start > position:
                raise LayoutError(
                    f"{where}: börjar i kolumn {start} men fältet före slutar i kolumn {position - 1}; lägg in ett utfyllnadsfält för kolumn {position}–{start - 1}"
                )
    elif start is not None:
        raise LayoutError(f"{where}: 'start' gäller bara layouter med fast bredd")
    return width


def _check_date_format(raw: dict[str, Any], ftype: str, width: int | None, where: str) -> str:
    if ftype != "date":
        if "date_format" in raw:
            raise LayoutError(f"{where}: 'date_format' gäller bara fält av typen date")
        return ""
    fmt = raw.get("date_format", "%Y%m%d")
    if not isinstance(fmt, str) or "%" not in fmt:
        raise LayoutError(
            f'{where}: date_format {fmt!r} har inget %-direktiv; skriv t.ex. "%Y%m%d" eller "%Y-%m-%d"'
        )
    try:
        sample = datetime(2026, 12, 31, 23, 59, 58).strftime(fmt)
    except ValueError as exc:
        raise LayoutError(f"{where}: date_format {fmt!r} är ogiltigt: {exc}") from exc
    if width is not None and len(sample) > width:
        raise LayoutError(
            f"{where}: date_format {fmt!r} ger {len(sample)} tecken ({sample}) men bredden (width) är {width}"
        )
    return fmt


def _check_constants(spec: FieldSpec, opts: RenderOptions, where: str) -> None:
    """Constants and map values must be encodable and fit the width."""
    texts = [spec.const] if spec.const is not None else list((spec.map or {}).values())
    for text in texts:
        bad = first_unencodable(text, opts.encoding)
        if bad is not None:
            raise LayoutError(f"{where}: {text!r} innehåller {bad!r}, som {opts.encoding} inte kan skriva")
        if spec.width is not None and len(text) > spec.width:
            raise LayoutError(
                f"{where}: {text!r} är {len(text)} tecken, bredden (width) är {spec.width}"
            )
        if spec.type == "digits" and not text.isdigit():
            raise LayoutError(f"{where}: {text!r} är inte bara siffror, men fältet har type digits")


def _check_file_name(pattern: str, system: str, origin: str) -> None:
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise LayoutError(f"{origin}: file_name {pattern!r}: {exc}") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in _FILE_NAME_FIELDS:
            raise LayoutError(
                f"{origin}: file_name {pattern!r}: okänd platshållare {{{name}}}; använd {', '.join(sorted(_FILE_NAME_FIELDS))}"
            )
        if conversion or (spec and name != "created"):
            raise LayoutError(
                f"{origin}: file_name {pattern!r}: bara {{created:...}} kan ha ett format"
            )
    sample = _format_file_name(
        pattern, _SampleCreditor(), datetime(2026, 12, 31, 23, 59, 58), "F1", system
    )
    if not sample or sample.startswith(".") or any(c in sample for c in "/\\:\0"):
        raise LayoutError(
            f"{origin}: file_name {pattern!r} ger {sample!r}, inget vanligt filnamn"
        )


@dataclass(frozen=True)
class _SampleCreditor:
    owner_id: str = "1"
    org_no: str = "556000-0000"
    agency_customer_number: str = "12345"


def _format_file_name(
    pattern: str, creditor: Any, created: datetime, file_id: str, system: str
) -> str:
    """The pattern (checked when the layout was loaded) filled in; every value that comes from
    data is a plain name part (fileio.name_part), so no customer number or file id can add a
    folder or climb out of one."""
    org_digits = "".join(c for c in str(getattr(creditor, "org_no", "") or "") if c.isdigit())
    client = str(getattr(creditor, "agency_customer_number", "") or "")
    return pattern.format(
        creditor=org_digits,
        owner=name_part(getattr(creditor, "owner_id", "")),
        client=name_part(client) if client else "",
        created=created,
        file_id=name_part(file_id) if file_id else "",
        system=system,
    )


def _no_unknown_keys(raw: dict[str, Any], allowed: frozenset[str], where: str, what: str) -> None:
    """``what`` is the object in the definite form the message needs: "layouten", "fältet"."""
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise LayoutError(
            f"{where}: okänd nyckel {unknown[0]!r} i {what}; tillåtna: {', '.join(sorted(allowed))}"
        )


def _required_str(raw: dict[str, Any], key: str, where: str, what: str) -> str:
    """``what`` as in :func:`_no_unknown_keys`."""
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise LayoutError(f"{where}: {what} behöver {key!r} (text)")
    return value


def _choice(
    raw: dict[str, Any], key: str, allowed: Sequence[str], default: str | None, where: str
) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        raise LayoutError(
            f"{where}: {key!r} ska vara en av {', '.join(allowed)}, inte {value!r}"
        )
    return value


def _flag(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise LayoutError(f"{where}: {key!r} ska vara true eller false, inte {value!r}")
    return value


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
