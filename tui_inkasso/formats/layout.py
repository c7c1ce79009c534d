"""The declarative record-layout engine behind the agencies' case files.

Intrum's and Svea's record layouts are not public, and each customer's agreement may differ in
details (client number, field widths, encoding). So the layout is data: a JSON document in
``formats/layouts/`` names the encoding, line end, fixed-width or separated records, and per
record the fields with their source, type and width. Matching an agency's specification is an
edit of that document, not of code (docs/formats/intrum.md explains every key).

The engine is strict where a silent change would cost money or misdirect a claim: a layout is
validated completely when it is loaded (unknown keys and sources, missing widths, overlapping
columns, maps that miss a value), and at render time a value that does not fit its field is
refused, never cut, unless the field is a name or address marked ``"truncate": true``.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

from tui_inkasso.domain.sfi import SfiCategory, debt_type
from tui_inkasso.formats.text import (
    UnencodableError,
    check_encoding,
    first_unencodable,
    one_line,
    transliterate,
)

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

# Position of each scope in the context tuple a record is rendered from.
_SCOPE_INDEX = {"file": 0, "creditor": 1, "case": 2, "debtor": 3, "claim": 4}
_RECORD_NUMBER = 5
_CLAIM_SEQUENCE = 6

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

Context = tuple[Any, Any, Any, Any, Any, int, int]
"""(file facts, creditor, case, debtor, claim, record number, claim sequence) for one record."""


class LayoutError(ValueError):
    """A layout document is wrong; the message names the document, the key path and the reason."""


class RecordValueError(ValueError):
    """A value does not fit its field; the message names line, record, field and value."""


class _FieldProblem(ValueError):
    """Raised inside a field formatter; the record adds where it happened."""


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
        what = self.source if self.source else "constant"
        cols = (
            f", columns {self.start}-{self.start + self.width - 1}"
            if self.width and self.start
            else ""
        )
        return f"field '{self.name}' ({what}{cols})"


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
            raise LayoutError(f"no built-in layout named {source!r} (there are: intrum, svea)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read the layout: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayoutError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    return parse_layout(document, origin=str(path))


def parse_layout(document: Any, origin: str = "<layout>") -> Layout:
    """Validate a layout document (already parsed from JSON) and compile its records."""
    if not isinstance(document, dict):
        raise LayoutError(f"{origin}: a layout must be a JSON object")
    _no_unknown_keys(document, _TOP_KEYS, origin, "layout")
    name = _required_str(document, "name", origin, "layout")
    system = _required_str(document, "system", origin, "layout")
    encoding = _required_str(document, "encoding", origin, "layout")
    try:
        canonical = check_encoding(encoding)
    except LookupError:
        raise LayoutError(f"{origin}: encoding {encoding!r} is not known to Python") from None
    kind = _choice(document, "kind", ("fixed", "separated"), None, origin, "layout")
    if kind == "fixed" and canonical.startswith("utf"):
        raise LayoutError(
            f"{origin}: encoding {encoding!r}: a fixed-width layout needs a single-byte encoding "
            "(such as iso-8859-1), because widths count characters"
        )
    line_end = document.get("line_end")
    if line_end not in LINE_ENDS:
        raise LayoutError(
            f'{origin}: line_end must be one of "\\r\\n", "\\n", "\\r", got {line_end!r}'
        )
    unencodable = _choice(
        document, "unencodable", ("transliterate", "refuse"), "refuse", origin, "layout"
    )
    separator, quote, quote_char = _separator_options(document, kind, line_end, origin)
    file_name = _required_str(document, "file_name", origin, "layout")
    opts = _Options(encoding, unencodable, kind, separator, quote, quote_char, system)
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


@dataclass(frozen=True, slots=True)
class _Options:
    encoding: str
    unencodable: str
    kind: str
    separator: str
    quote: str
    quote_char: str
    system: str


def _separator_options(
    document: dict[str, Any], kind: str, line_end: str, origin: str
) -> tuple[str, str, str]:
    """Separator, quote rule and quote character; only separated layouts have them."""
    if kind == "fixed":
        for key in ("separator", "quote", "quote_char"):
            if key in document:
                raise LayoutError(
                    f"{origin}: {key!r} is only for separated layouts (kind is fixed)"
                )
        return "", "never", ""
    separator = document.get("separator")
    if not isinstance(separator, str) or len(separator) != 1 or separator in line_end:
        raise LayoutError(
            f"{origin}: a separated layout needs a one-character separator, got {separator!r}"
        )
    quote = _choice(document, "quote", QUOTE_RULES, "minimal", origin, "layout")
    quote_char = document.get("quote_char", '"')
    if not isinstance(quote_char, str) or len(quote_char) != 1 or quote_char == separator:
        raise LayoutError(
            f"{origin}: quote_char must be one character other than the separator, got {quote_char!r}"
        )
    return separator, quote, quote_char


def _parse_records(raw: Any, opts: _Options, origin: str) -> dict[str, tuple[RecordSpec, ...]]:
    if not isinstance(raw, dict):
        raise LayoutError(
            f"{origin}: 'records' must be an object with header, case, claim, trailer"
        )
    unknown = set(raw) - set(LEVELS)
    if unknown:
        raise LayoutError(
            f"{origin}: records: unknown level {sorted(unknown)[0]!r}; the levels are {', '.join(LEVELS)}"
        )
    if not raw.get("claim"):
        raise LayoutError(f"{origin}: records.claim: a layout needs at least one claim record")
    out: dict[str, tuple[RecordSpec, ...]] = {}
    for level in LEVELS:
        items = raw.get(level, [])
        if not isinstance(items, list):
            raise LayoutError(f"{origin}: records.{level} must be a list of records")
        out[level] = tuple(
            _parse_record(item, level, opts, f"{origin}: records.{level}[{i}]")
            for i, item in enumerate(items)
        )
    return out


def _parse_record(raw: Any, level: str, opts: _Options, where: str) -> RecordSpec:
    if not isinstance(raw, dict):
        raise LayoutError(f"{where}: a record must be an object with 'name' and 'fields'")
    _no_unknown_keys(raw, _RECORD_KEYS, where, "record")
    name = _required_str(raw, "name", where, "record")
    where = f"{where} ('{name}')"
    length = raw.get("length")
    if length is not None and (opts.kind != "fixed" or not _positive_int(length)):
        raise LayoutError(
            f"{where}: 'length' is a positive whole number, and only for fixed layouts"
        )
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise LayoutError(f"{where}: 'fields' must be a non-empty list")
    specs: list[FieldSpec] = []
    position = 1
    for i, item in enumerate(raw_fields):
        spec = _parse_field(item, level, opts, f"{where}.fields[{i}]", position)
        specs.append(spec)
        position += spec.width or 0
    used = position - 1
    if length is not None and used > length:
        raise LayoutError(
            f"{where}: the fields take {used} columns but the record length is {length}"
        )
    names = [s.name for s in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise LayoutError(f"{where}: two fields are named {duplicate!r}")
    fields_ = tuple(specs)
    render = _compile_record(name, fields_, length, opts)
    return RecordSpec(name=name, level=level, fields=fields_, length=length, _render=render)


def _parse_field(raw: Any, level: str, opts: _Options, where: str, position: int) -> FieldSpec:
    if not isinstance(raw, dict):
        raise LayoutError(f"{where}: a field must be an object")
    _no_unknown_keys(raw, _FIELD_KEYS, where, "field")
    name = _required_str(raw, "name", where, "field")
    where = f"{where} ('{name}')"
    source, const = raw.get("source"), raw.get("const")
    if (source is None) == (const is None):
        raise LayoutError(f"{where}: give exactly one of 'source' and 'const'")
    kind = _check_source(source, level, where) if source is not None else "str"
    if const is not None and not isinstance(const, str):
        raise LayoutError(f"{where}: 'const' must be a string, got {const!r}")
    mapping = _check_map(raw.get("map"), source, where)
    ftype = raw.get("type") or ("text" if const is not None or mapping else _DEFAULT_TYPE.get(kind))
    if ftype not in FIELD_TYPES:
        raise LayoutError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}, got {ftype!r}")
    if const is not None or mapping is not None:
        if ftype not in ("text", "digits"):
            raise LayoutError(
                f"{where}: a constant or a mapped field must be of type text or digits"
            )
    elif kind == "bool":
        raise LayoutError(
            f'{where}: {source} is yes/no; give a \'map\' with the codes for "true" and "false"'
        )
    elif kind not in _TYPE_KINDS[ftype]:
        raise LayoutError(f"{where}: type {ftype!r} cannot show {source} (a {kind} value)")
    width = _check_width(raw, opts, where, position)
    truncate = _flag(raw, "truncate", False, where)
    if truncate and (ftype != "text" or source not in TRUNCATABLE):
        raise LayoutError(
            f"{where}: 'truncate' is allowed only on names and addresses "
            f"({', '.join(sorted(TRUNCATABLE))}); ids and amounts are never cut"
        )
    align = _choice(raw, "align", ("left", "right"), _DEFAULT_ALIGN[ftype], where, "field")
    pad = raw.get("pad", _DEFAULT_PAD[ftype])
    if not isinstance(pad, str) or len(pad) != 1 or first_unencodable(pad, opts.encoding):
        raise LayoutError(f"{where}: 'pad' must be one character of the encoding, got {pad!r}")
    date_format = _check_date_format(raw, ftype, width, where)
    amount_format = raw.get("amount_format", "ore")
    if "amount_format" in raw and ftype != "amount":
        raise LayoutError(f"{where}: 'amount_format' is only for amount fields")
    if amount_format not in AMOUNT_FORMATS:
        raise LayoutError(
            f"{where}: amount_format must be one of {', '.join(AMOUNT_FORMATS)}, got {amount_format!r}"
        )
    signed = _flag(raw, "signed", False, where)
    if "signed" in raw and ftype != "amount":
        raise LayoutError(f"{where}: 'signed' is only for amount fields")
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
        raise LayoutError(f"{where}: unknown source {source!r}; known sources: {', '.join(known)}")
    scope = source.split(".")[0]
    if scope not in _LEVEL_SCOPES[level]:
        raise LayoutError(
            f"{where}: source {source!r} is not available in a {level} record "
            f"(there: {', '.join(sorted(_LEVEL_SCOPES[level]))})"
        )
    return SOURCES[source]


def _check_map(raw: Any, source: str | None, where: str) -> dict[str, str] | None:
    if raw is None:
        return None
    if source is None:
        raise LayoutError(f"{where}: a 'map' needs a 'source'")
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise LayoutError(f"{where}: 'map' must be an object of text to text")
    expected = ENUM_VALUES.get(source)
    if expected is not None:
        missing, extra = expected - set(raw), set(raw) - expected
        if missing:
            raise LayoutError(
                f"{where}: the map lacks {', '.join(sorted(missing))} (values of {source})"
            )
        if extra:
            raise LayoutError(
                f"{where}: the map has unknown key {sorted(extra)[0]!r}; {source} is one of {', '.join(sorted(expected))}"
            )
    return dict(raw)


def _check_width(raw: dict[str, Any], opts: _Options, where: str, position: int) -> int | None:
    width = raw.get("width")
    if width is not None and not _positive_int(width):
        raise LayoutError(f"{where}: 'width' must be a positive whole number, got {width!r}")
    start = raw.get("start")
    if opts.kind == "fixed":
        if width is None:
            raise LayoutError(f"{where}: a fixed-width field needs a 'width'")
        if start is not None:
            if not _positive_int(start):
                raise LayoutError(f"{where}: 'start' must be a column number from 1, got {start!r}")
            if start < position:
                raise LayoutError(
                    f"{where}: starts at column {start} but the field before ends at column {position - 1} (overlap)"
                )
            if start > position:
                raise LayoutError(
                    f"{where}: starts at column {start} but the field before ends at column {position - 1}; declare a filler for columns {position}-{start - 1}"
                )
    elif start is not None:
        raise LayoutError(f"{where}: 'start' is only for fixed-width layouts")
    return width


def _check_date_format(raw: dict[str, Any], ftype: str, width: int | None, where: str) -> str:
    if ftype != "date":
        if "date_format" in raw:
            raise LayoutError(f"{where}: 'date_format' is only for date fields")
        return ""
    fmt = raw.get("date_format", "%Y%m%d")
    if not isinstance(fmt, str) or "%" not in fmt:
        raise LayoutError(
            f'{where}: date_format {fmt!r} has no % directive; write e.g. "%Y%m%d" or "%Y-%m-%d"'
        )
    try:
        sample = datetime(2026, 12, 31, 23, 59, 58).strftime(fmt)
    except ValueError as exc:
        raise LayoutError(f"{where}: date_format {fmt!r} is not valid: {exc}") from exc
    if width is not None and len(sample) > width:
        raise LayoutError(
            f"{where}: date_format {fmt!r} gives {len(sample)} characters ({sample}) but the width is {width}"
        )
    return fmt


def _check_constants(spec: FieldSpec, opts: _Options, where: str) -> None:
    """Constants and map values must be encodable and fit the width."""
    texts = [spec.const] if spec.const is not None else list((spec.map or {}).values())
    for text in texts:
        bad = first_unencodable(text, opts.encoding)
        if bad is not None:
            raise LayoutError(f"{where}: {text!r} has {bad!r}, which {opts.encoding} cannot write")
        if spec.width is not None and len(text) > spec.width:
            raise LayoutError(
                f"{where}: {text!r} is {len(text)} characters, the width is {spec.width}"
            )
        if spec.type == "digits" and not text.isdigit():
            raise LayoutError(f"{where}: {text!r} is not digits but the field is of type digits")


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
                f"{origin}: file_name {pattern!r}: unknown placeholder {{{name}}}; use {', '.join(sorted(_FILE_NAME_FIELDS))}"
            )
        if conversion or (spec and name != "created"):
            raise LayoutError(
                f"{origin}: file_name {pattern!r}: only {{created:...}} takes a format"
            )
    sample = _format_file_name(
        pattern, _SampleCreditor(), datetime(2026, 12, 31, 23, 59, 58), "F1", system
    )
    if not sample or sample.startswith(".") or any(c in sample for c in "/\\:\0"):
        raise LayoutError(
            f"{origin}: file_name {pattern!r} gives {sample!r}, not a plain file name"
        )


@dataclass(frozen=True)
class _SampleCreditor:
    owner_id: str = "1"
    org_no: str = "556000-0000"
    agency_customer_number: str = "12345"


def _format_file_name(
    pattern: str, creditor: Any, created: datetime, file_id: str, system: str
) -> str:
    org_digits = "".join(c for c in str(getattr(creditor, "org_no", "") or "") if c.isdigit())
    return pattern.format(
        creditor=org_digits,
        owner=str(getattr(creditor, "owner_id", "")),
        client=str(getattr(creditor, "agency_customer_number", "") or ""),
        created=created,
        file_id=file_id,
        system=system,
    )


def _no_unknown_keys(raw: dict[str, Any], allowed: frozenset[str], where: str, what: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise LayoutError(
            f"{where}: unknown {what} key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )


def _required_str(raw: dict[str, Any], key: str, where: str, what: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise LayoutError(f"{where}: the {what} needs {key!r} (text)")
    return value


def _choice(
    raw: dict[str, Any],
    key: str,
    allowed: Sequence[str],
    default: str | None,
    where: str,
    what: str,
) -> str:
    value = raw.get(key, default)
    if value not in allowed:
        raise LayoutError(
            f"{where}: {what} key {key!r} must be one of {', '.join(allowed)}, got {value!r}"
        )
    return value


def _flag(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise LayoutError(f"{where}: {key!r} must be true or false, got {value!r}")
    return value


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# --------------------------------------------------------------------------------------------
# Compiling: each field becomes getter + formatter closures, each record one function.


def _compile_record(
    name: str, specs: tuple[FieldSpec, ...], length: int | None, opts: _Options
) -> Callable[[Context], str]:
    compiled = [(spec, _getter(spec, opts), _formatter(spec, opts)) for spec in specs]
    used = sum(spec.width or 0 for spec in specs)
    filler = " " * ((length or used) - used)
    joiner = opts.separator if opts.kind == "separated" else ""

    def render(ctx: Context) -> str:
        parts: list[str] = []
        for spec, get, fmt in compiled:
            try:
                parts.append(fmt(get(ctx)))
            except _FieldProblem as exc:
                raise RecordValueError(f"{name} record, {spec.where()}: {exc}") from None
        return joiner.join(parts) + filler

    return render


def _getter(spec: FieldSpec, opts: _Options) -> Callable[[Context], Any]:
    if spec.const is not None:
        const = spec.const
        return lambda ctx: const
    source = spec.source or ""
    if source == "record.number":
        return lambda ctx: ctx[_RECORD_NUMBER]
    if source == "claim.sequence":
        return lambda ctx: ctx[_CLAIM_SEQUENCE]
    if source == "claim.debt_type":
        system = opts.system
        return lambda ctx: ctx[4].debt_type or debt_type(system, ctx[4].sfi_category)
    scope, attr = source.split(".", 1)
    index = _SCOPE_INDEX[scope]
    get = attrgetter(attr)
    return lambda ctx: get(ctx[index])


def _formatter(spec: FieldSpec, opts: _Options) -> Callable[[Any], str]:
    """value -> field text: converted, checked, cut only when allowed, padded or quoted.

    One closure per field with the checks inlined: 10,000 cases are some 400,000 field values,
    and every extra call level costs a tenth of a second.
    """
    convert = _TO_TEXT[spec.type](spec)
    if spec.map is not None:
        convert = _mapped(spec, convert)
    needs_encoding_check = spec.type == "text" and spec.map is None
    required, truncate, width = spec.required, spec.truncate, spec.width
    fixed = opts.kind == "fixed"
    blank = " " * width if fixed and width else ""
    justify = str.ljust if spec.align == "left" else str.rjust
    pad = spec.pad
    quote = _quoter(opts) if not fixed else None
    holds = "holds" if fixed else "holds at most"

    def fmt(value: Any) -> str:
        text = "" if value is None else convert(value)
        if needs_encoding_check and not text.isascii():
            text = _encodable(text, opts)
        if not text:
            if required:
                raise _FieldProblem("no value, but the field is required")
            return blank
        if width is not None and len(text) > width:
            if not truncate:
                raise _FieldProblem(
                    f"{text!r} has {len(text)} characters, the field {holds} {width}; it is never cut"
                )
            text = text[:width]
        if fixed:
            return justify(text, width, pad)
        return quote(text) if quote is not None else text

    return fmt


def _mapped(spec: FieldSpec, to_text: Callable[[Any], str]) -> Callable[[Any], str]:
    mapping = spec.map or {}

    def convert(value: Any) -> str:
        key = ("true" if value else "false") if isinstance(value, bool) else str(value)
        try:
            return to_text(mapping[key])
        except KeyError:
            raise _FieldProblem(
                f"value {key!r} is not in the field's map ({', '.join(sorted(mapping))})"
            ) from None

    return convert


def _encodable(text: str, opts: _Options) -> str:
    try:
        if opts.unencodable == "transliterate":
            return transliterate(text, opts.encoding)
        bad = first_unencodable(text, opts.encoding)
        if bad is not None:
            raise UnencodableError(bad, opts.encoding)
    except UnencodableError as exc:
        raise _FieldProblem(f"{text!r}: {exc}") from None
    return text


def _quoter(opts: _Options) -> Callable[[str], str] | None:
    """Quote a separated value per the layout's rule (None when values are never changed)."""
    q, sep, rule = opts.quote_char, opts.separator, opts.quote
    doubled = q + q
    if rule == "always":
        return lambda text: q + text.replace(q, doubled) + q

    def quote(text: str) -> str:
        if sep in text or q in text:
            if rule == "never":
                raise _FieldProblem(
                    f"{text!r} contains the separator or the quote character, and the layout never quotes"
                )
            return q + text.replace(q, doubled) + q
        return text

    return quote


def _text(spec: FieldSpec) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if type(value) is not str:
            if isinstance(value, bool | float | date):
                raise _FieldProblem(f"{value!r} is not text")
            value = str(value)
        if not value.isprintable():
            value = one_line(value)
        return value.strip()

    return convert


def _digits(spec: FieldSpec) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _FieldProblem(f"{value!r} is not a number of digits")
        text = str(value).replace(" ", "").replace("-", "")
        if not (text.isdigit() and text.isascii()) and text:
            raise _FieldProblem(
                f"{value!r} must consist of digits (spaces and hyphens are dropped)"
            )
        return text

    return convert


def _amount(spec: FieldSpec) -> Callable[[Any], str]:
    amount_format, signed = spec.amount_format, spec.signed
    zero_fill = spec.pad == "0" and spec.align == "right" and spec.width is not None
    width = spec.width or 0

    def convert(value: Any) -> str:
        if type(value) is not int:
            raise _FieldProblem(f"{value!r} is not an amount in öre (a whole number)")
        if value < 0 and not signed:
            raise _FieldProblem(f"negative amount {value} öre, and the field is not signed")
        if amount_format == "ore":
            body = str(abs(value))
        else:
            kr, ore = divmod(abs(value), 100)
            body = f"{kr},{ore:02d}" if amount_format == "decimal_comma" else f"{kr}.{ore:02d}"
        if value >= 0:
            return body
        return "-" + (body.rjust(width - 1, "0") if zero_fill else body)

    return convert


def _date(spec: FieldSpec) -> Callable[[Any], str]:
    fmt = spec.date_format
    cache: dict[date, str] = {}

    def convert(value: Any) -> str:
        text = cache.get(value) if type(value) is date else None
        if text is None:
            if not isinstance(value, date):
                raise _FieldProblem(f"{value!r} is not a date")
            text = value.strftime(fmt)
            if type(value) is date and len(cache) < 10_000:
                cache[value] = text
        return text

    return convert


def _count(spec: FieldSpec) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if type(value) is not int or value < 0:
            raise _FieldProblem(f"{value!r} is not a count (a whole number from 0)")
        return str(value)

    return convert


_TO_TEXT: dict[str, Callable[[FieldSpec], Callable[[Any], str]]] = {
    "text": _text,
    "digits": _digits,
    "amount": _amount,
    "date": _date,
    "count": _count,
}
