"""Meddelande om saldokorrigeringar: the balance-correction XML for the collection agency.

The file lists payments and credits on collection-marked invoices that the agency has not been
told of (docs/formats/saldokorrigeringar.md). It is written streaming (lxml spells the header,
each correction is escaped text) and validated against our XSD (``schemas/saldokorrigeringar.xsd``) while it is written, so
100,000 corrections take constant memory and an invalid file never gets its final name.

Validation streams too. lxml's streaming validation (a parser with ``schema=``) is fast but
reports an error only at the end of the document and without a line number (measured, lxml 6).
So the fast pass decides; when it fails, a second pass finds the line: it validates the root and
header as a shell document, then each correction on its own against the same type (the parsed
nodes keep their source lines). For this schema, a header followed by independent corrections,
both passes give the same verdict.

Messages are Swedish and name the file and line (or the correction and its field, by the
attribute name of :class:`Correction`); libxml2's own schema messages are passed on as they are.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, BinaryIO

from lxml import etree

from tui_inkasso.domain.money import format_amount, parse_amount
from tui_inkasso.formats.output import Target, open_target, target_name
from tui_inkasso.formats.text import one_line

NAMESPACE = "urn:tui-inkasso:saldokorrigering:1"
FORMAT_VERSION = "1"
KINDS = ("payment", "credit")
PAYMENT_METHODS = ("bankgiro", "plusgiro", "autogiro", "cash", "credit", "manual")
BATCH = 500
_READ_CHUNK = 1 << 16


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


ROOT, HEADER, CORRECTION = _q("BalanceCorrections"), _q("Header"), _q("Correction")


class BalanceXmlError(ValueError):
    """A balance file or correction is wrong; the message names the file, line and reason."""


@dataclass(frozen=True, slots=True)
class Correction:
    """A payment or credit the agency must be told of (never one with payment method inkasso)."""

    correction_id: str
    """Our id of the correction (the payment's id), so the agency can refer back to it."""
    case_number: str
    customer_number: str
    customer_name: str
    national_id: str
    """Personnummer YYYYMMDD-NNNN or organisationsnummer NNNNNN-NNNN."""
    invoice_number: str
    ocr: str
    """The invoice's OCR reference; empty when it has none (the element is then left out)."""
    kind: str
    """"payment" or "credit"."""
    date: dt.date
    amount_ore: int
    payment_method: str
    """bankgiro, plusgiro, autogiro, cash, credit or manual."""
    agency_reference: str = ""
    """The agency's own case reference, when it has sent one back."""


@dataclass(frozen=True, slots=True)
class BalanceFileHeader:
    """The file's header; count and sum are known before the corrections are streamed."""

    file_id: str
    created_at: dt.datetime
    creditor_name: str
    creditor_org_no: str
    count: int
    sum_ore: int


def schema_path() -> Path:
    """The XSD shipped with the program."""
    return Path(str(resources.files("tui_inkasso.formats") / "schemas" / "saldokorrigeringar.xsd"))


_PER_THREAD = threading.local()


def schema() -> etree.XMLSchema:
    """The compiled XSD, one per thread: a validator keeps its error log, so a screen's worker
    and another thread must not share one."""
    compiled = getattr(_PER_THREAD, "schema", None)
    if compiled is None:
        compiled = _PER_THREAD.schema = etree.XMLSchema(etree.parse(str(schema_path())))
    return compiled


def part_schema() -> etree.XMLSchema:
    """The same XSD with Header and Correction also declared as global elements (per thread).

    Derived in memory, never shipped: it lets one correction be validated against exactly the
    type the full schema gives it, keeping the correction's source lines in the errors.
    """
    compiled = getattr(_PER_THREAD, "part_schema", None)
    if compiled is None:
        document = etree.parse(str(schema_path()))
        xs = "{http://www.w3.org/2001/XMLSchema}"
        for name, type_name in (("Header", "HeaderType"), ("Correction", "CorrectionType")):
            etree.SubElement(document.getroot(), f"{xs}element", name=name, type=type_name)
        compiled = _PER_THREAD.part_schema = etree.XMLSchema(document)
    return compiled


# --------------------------------------------------------------------------------------------
# Writing


def write_balance_xml(
    header: BalanceFileHeader,
    corrections: Iterable[Correction],
    handle: BinaryIO,
    name: str | None = None,
) -> int:
    """Stream the file to ``handle``, validating it against the XSD on the way.

    Raises BalanceXmlError for a correction that breaks the format (naming the correction), for
    output the XSD refuses, and at the end when the corrections written do not add up to
    ``header.count`` and ``header.sum_ore``. After an error ``handle`` holds a partial file:
    write to a temporary file (``write_balance_file`` does) and throw it away. Returns the number
    of corrections written. ``name`` is the file's name in messages (default: the handle's).

    The corrections are spelled as text (escaped), not built as lxml elements: building and
    serialising 100,000 elements cost about a second and a half of the five the whole file may
    take; the validation parses every byte anyway, so nothing is checked less.
    """
    name = name or target_name(handle)
    _check_header(header, name)
    sink = _ValidatingSink(handle, name)
    try:
        count = _write_body(header, corrections, sink)
    except BaseException:
        sink.cancel()
        raise
    sink.close()
    return count


def _write_body(header: BalanceFileHeader, corrections: Iterable[Correction], sink: _ValidatingSink) -> int:
    """The document up to its end tag; the count and sum checked against the header."""
    sink.start(_document_start(header))
    count = total = 0
    batch: list[str] = []
    for correction in corrections:
        count += 1
        _check_correction(correction, count)
        batch.append(_correction_xml(correction))
        total += correction.amount_ore
        if len(batch) == BATCH:
            sink.write("".join(batch).encode())
            batch.clear()
    if batch:
        sink.write("".join(batch).encode())
    if count != header.count or total != header.sum_ore:
        raise BalanceXmlError(
            f"{sink.name}: filhuvudet anger {header.count} korrigeringar på sammanlagt "
            f"{format_amount(header.sum_ore)}, men {count} korrigeringar på sammanlagt "
            f"{format_amount(total)} skrevs; filen är inte giltig"
        )
    return count


def write_balance_file(
    path: str | os.PathLike[str], header: BalanceFileHeader, corrections: Iterable[Correction]
) -> Path:
    """Write the file under a temporary name, validated, and only then rename it to ``path``."""
    with open_target(path) as handle:
        write_balance_xml(header, corrections, handle, os.fspath(path))
    return Path(path)


_DOCUMENT_END = "</BalanceCorrections>\n"
_END_BYTES = _DOCUMENT_END.encode()


def _document_start(header: BalanceFileHeader) -> bytes:
    """Declaration, root start tag and the header, indented as the corrections are."""
    root = etree.Element(ROOT, nsmap={None: NAMESPACE}, attrib={"version": FORMAT_VERSION})
    element = etree.SubElement(root, HEADER)
    etree.SubElement(element, _q("FileId")).text = header.file_id
    etree.SubElement(element, _q("CreatedAt")).text = header.created_at.replace(
        microsecond=0
    ).isoformat()
    creditor = etree.SubElement(element, _q("Creditor"))
    etree.SubElement(creditor, _q("Name")).text = one_line(header.creditor_name)
    etree.SubElement(creditor, _q("OrganisationNumber")).text = header.creditor_org_no
    etree.SubElement(element, _q("CorrectionCount")).text = str(header.count)
    etree.SubElement(element, _q("CorrectionSum")).text = format_amount(header.sum_ore)
    etree.indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    opened = text[: text.rindex("</BalanceCorrections>")]  # keep the root open for the rest
    return f"<?xml version='1.0' encoding='UTF-8'?>\n{opened}".encode()


def _check_header(header: BalanceFileHeader, name: str) -> None:
    """The header's values, checked with the same limits as the XSD, naming the file and the field."""
    problem = None
    if not isinstance(header.created_at, dt.datetime) or header.created_at.tzinfo is not None:
        problem = (
            f"created_at ska vara en lokal tidpunkt utan tidszon, inte {header.created_at!r}"
        )
    elif type(header.count) is not int or header.count < 0:
        problem = f"count ska vara ett heltal från 0, inte {header.count!r}"
    elif type(header.sum_ore) is not int or abs(header.sum_ore) >= _MAX_ORE:
        problem = f"sum_ore ska vara hela öre under 10^17, inte {header.sum_ore!r}"
    elif not _ORG_NO.fullmatch(str(header.creditor_org_no)):
        problem = (f"creditor_org_no ska vara NNNNNN-NNNN, inte {header.creditor_org_no!r} "
                   "(borgenärens organisationsnummer)")
    else:
        problem = _token_problem("file_id", header.file_id, 100) or _token_problem(
            "creditor_name", header.creditor_name, 200
        )
    if problem:
        raise BalanceXmlError(f"{name}: filhuvudet: {problem}")


_ORG_NO = re.compile(r"[0-9]{6}-[0-9]{4}")
_NATIONAL_ID = re.compile(r"[0-9]{8}-[0-9]{4}|[0-9]{6}-[0-9]{4}")
_OCR = re.compile(r"[0-9]{2,25}")
_MAX_ORE = 10**17


def _token_problem(name: str, value: object, limit: int) -> str | None:
    """xs:token with minLength 1 and maxLength ``limit``, as the XSD counts it."""
    if not isinstance(value, str):
        return f"{name} ska vara text, inte {value!r}"
    if 0 < len(value) <= limit and not value.isspace():
        return None  # collapsing whitespace can only shorten it
    collapsed = " ".join(one_line(value).split())
    if not collapsed:
        return f"{name} är tomt"
    if len(collapsed) > limit:
        return f"{name} har {len(collapsed)} tecken, högst {limit} är tillåtna: {value!r}"
    return None


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _escaped(text: str) -> str:
    """Text content as XML spells it (quotes need no escaping outside attributes)."""
    if "&" in text or "<" in text or ">" in text:
        return text.translate(_ESCAPES)
    return text


def _correction_xml(c: Correction) -> str:
    """One checked correction as indented XML text; an empty OCR or agency reference leaves
    its element out, as the XSD allows. Characters XML cannot hold make the validator refuse."""
    reference = (
        f"    <AgencyReference>{_escaped(c.agency_reference)}</AgencyReference>\n"
        if c.agency_reference
        else ""
    )
    ocr = f"    <Ocr>{c.ocr}</Ocr>\n" if c.ocr else ""
    return (
        "  <Correction>\n"
        f"    <CorrectionId>{_escaped(str(c.correction_id))}</CorrectionId>\n"
        f"    <CaseNumber>{_escaped(c.case_number)}</CaseNumber>\n"
        f"{reference}"
        "    <Customer>\n"
        f"      <CustomerNumber>{_escaped(c.customer_number)}</CustomerNumber>\n"
        f"      <Name>{_escaped(one_line(c.customer_name))}</Name>\n"
        f"      <NationalId>{c.national_id}</NationalId>\n"
        "    </Customer>\n"
        f"    <InvoiceNumber>{_escaped(c.invoice_number)}</InvoiceNumber>\n"
        f"{ocr}"
        f"    <Kind>{c.kind}</Kind>\n"
        f"    <Date>{c.date.isoformat()}</Date>\n"
        f"    <Amount>{format_amount(c.amount_ore)}</Amount>\n"
        f"    <PaymentMethod>{c.payment_method}</PaymentMethod>\n"
        "  </Correction>\n"
    )


def _check_correction(c: Correction, number: int) -> None:
    """The correction's values, checked with the XSD's limits, so that an error names the
    correction (the XSD would only name a line of a file nobody has seen yet)."""
    try:  # the common case in one expression, without calls or messages
        ocr, reference = c.ocr, c.agency_reference
        fine = (
            type(c.amount_ore) is int
            and -_MAX_ORE < c.amount_ore < _MAX_ORE
            and c.kind in KINDS
            and c.payment_method in PAYMENT_METHODS
            and type(c.date) is dt.date
            and _NATIONAL_ID.fullmatch(c.national_id) is not None
            and (not ocr or _OCR.fullmatch(ocr) is not None)
            and 0 < len(c.correction_id) <= 50
            and 0 < len(c.case_number) <= 40
            and (not reference or len(reference) <= 100)
            and 0 < len(c.customer_number) <= 40
            and 0 < len(c.customer_name) <= 200
            and 0 < len(c.invoice_number) <= 40
            and (
                c.correction_id + c.case_number + c.customer_number + c.invoice_number + reference
            ).isprintable()
            and not (
                c.correction_id.isspace()
                or c.case_number.isspace()
                or c.customer_number.isspace()
                or c.customer_name.isspace()
                or c.invoice_number.isspace()
                or (reference and reference.isspace())
            )
        )
    except (TypeError, AttributeError):
        fine = False
    if fine:
        return
    problem = None
    if type(c.amount_ore) is not int or abs(c.amount_ore) >= _MAX_ORE:
        problem = f"amount_ore ska vara hela öre under 10^17, inte {c.amount_ore!r}"
    elif c.kind not in KINDS:
        problem = f"kind ska vara payment eller credit, inte {c.kind!r}"
    elif c.payment_method == "inkasso":
        problem = "betalsättet inkasso kom via inkassobolaget och är aldrig en saldokorrigering"
    elif c.payment_method not in PAYMENT_METHODS:
        problem = (
            f"payment_method ska vara en av {', '.join(PAYMENT_METHODS)}, inte {c.payment_method!r}"
        )
    elif type(c.date) is not dt.date:
        problem = f"date ska vara ett datetime.date, inte {c.date!r}"
    elif not isinstance(c.national_id, str) or not _NATIONAL_ID.fullmatch(c.national_id):
        problem = f"national_id ska vara ÅÅÅÅMMDD-NNNN eller NNNNNN-NNNN, inte {c.national_id!r}"
    elif c.ocr and (not isinstance(c.ocr, str) or not _OCR.fullmatch(c.ocr)):
        problem = f"ocr ska vara 2 till 25 siffror, inte {c.ocr!r}"
    else:
        problem = (
            _token_problem("correction_id", str(c.correction_id), 50)
            or _token_problem("case_number", c.case_number, 40)
            or (
                _token_problem("agency_reference", c.agency_reference, 100)
                if c.agency_reference
                else None
            )
            or _token_problem("customer_number", c.customer_number, 40)
            or _token_problem("customer_name", c.customer_name, 200)
            or _token_problem("invoice_number", c.invoice_number, 40)
        )
    problem = problem or _unwritable_problem(c)
    if problem:
        raise BalanceXmlError(
            f"korrigering {number} (id {c.correction_id}, faktura {c.invoice_number}): {problem}"
        )


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _unwritable_problem(c: Correction) -> str | None:
    """A character XML 1.0 cannot hold, in a field written as it is (the name is made one line)."""
    fields = {
        "correction_id": str(c.correction_id),
        "case_number": c.case_number,
        "agency_reference": c.agency_reference,
        "customer_number": c.customer_number,
        "customer_name": one_line(c.customer_name),
        "invoice_number": c.invoice_number,
    }
    for name, value in fields.items():
        bad = _NOT_IN_XML.search(value)
        if bad:
            return f"{name} innehåller styrtecknet U+{ord(bad.group()):04X}, som XML inte kan innehålla"
    return None


class _ValidatingSink:
    """A write-only binary sink for the writer: passes the document on, and every byte of it
    through the XSD (:class:`_SchemaOnlyValidator`). :meth:`start` takes the document's start
    (declaration, root start tag, header), :meth:`write` whole corrections, :meth:`close` ends
    the document and gives the schema's verdict."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self._handle = handle
        self.name = name
        self._validator = _SchemaOnlyValidator()  # the writer counts what it writes itself

    def start(self, head: bytes) -> None:
        self._validator.start(head)
        self._handle.write(head)

    def write(self, data: bytes) -> int:
        try:
            self._validator.feed(data)
        except _SchemaFailure as failure:
            raise self._refused(failure) from None
        return self._handle.write(data)

    def close(self) -> None:
        """End of document: the schema's verdict (the writer must call this or :meth:`cancel`)."""
        self._handle.write(_END_BYTES)
        try:
            self._validator.close()
        except _SchemaFailure as failure:
            raise self._refused(failure) from None

    def cancel(self) -> None:
        """The document will not be finished: stop the validating thread."""
        self._validator.cancel()

    def _refused(self, failure: _SchemaFailure) -> BalanceXmlError:
        return BalanceXmlError(f"{self.name}: den skrivna XML-texten följer inte schemat: {failure}")


# --------------------------------------------------------------------------------------------
# Validating and reading


def validate_balance_xml(source: Target) -> BalanceFileHeader:
    """Validate a balance file (path or binary handle) against the XSD; return its header.

    Also checks what the XSD cannot: that the header's count and sum match the corrections.
    Raises BalanceXmlError naming the file, the line and the reason. Constant memory.
    """
    return _validate(source, None)


def read_balance_xml(path: str | os.PathLike[str]) -> tuple[BalanceFileHeader, list[Correction]]:
    """The header and corrections of a balance file, validated (for the history screen)."""
    corrections: list[Correction] = []
    header = _validate(path, lambda element: corrections.append(_correction_from(element)))
    return header, corrections


def _validate(
    source: Target, on_correction: Callable[[etree._Element], None] | None
) -> BalanceFileHeader:
    name = target_name(source)
    rewind = _rewinder(source)
    fast = _FastValidator(name, on_correction)
    try:
        for chunk in _chunks(source):
            fast.feed(chunk)
        return fast.close()
    except _SchemaFailure as failure:
        if rewind is None:
            raise BalanceXmlError(f"{name}: rad ?: {failure}") from None
        rewind()
        locate = _LocatingValidator(name)
        for chunk in _chunks(source):
            locate.feed(chunk)
        locate.close()
        raise BalanceXmlError(f"{name}: rad ?: {failure}") from None


def _rewinder(source: Target) -> Callable[[], None] | None:
    """How to read ``source`` again for the locating pass (None for a one-way stream)."""
    if isinstance(source, str | os.PathLike):
        return lambda: None
    if source.seekable():
        start = source.tell()

        def rewind() -> None:
            source.seek(start)

        return rewind
    return None


def _chunks(source: Target) -> Iterator[bytes]:
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                yield from iter(lambda: handle.read(_READ_CHUNK), b"")
        except OSError as exc:
            raise BalanceXmlError(
                f"{os.fspath(source)}: kan inte läsa filen: {exc.strerror or exc}"
            ) from exc
    else:
        yield from iter(lambda: source.read(_READ_CHUNK), b"")


class _SchemaFailure(Exception):
    """The fast pass found the document invalid but cannot say where."""


def _pull_parser(
    events: tuple[str, ...] = ("end",), tag: object = (HEADER, CORRECTION), **options: object
) -> etree.XMLPullParser:
    """A parser that never loads a DTD, expands an entity or touches the network."""
    return etree.XMLPullParser(
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        **options,
    )


class _Tally:
    """Counts and sums corrections and compares them with the header at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.header: BalanceFileHeader | None = None
        self.header_line = 0
        self.count = 0
        self.sum = 0

    def check_promises(self) -> BalanceFileHeader:
        header = self.header
        if header is None:
            raise self.error(None, "filen har inget Header-element")
        if header.count != self.count or header.sum_ore != self.sum:
            raise self.error(
                self.header_line,
                f"filhuvudet anger {header.count} korrigeringar på sammanlagt "
                f"{format_amount(header.sum_ore)}, men filen innehåller {self.count} på sammanlagt "
                f"{format_amount(self.sum)}",
            )
        return header

    def check_no_doctype(self, root: etree._Element) -> None:
        """A balance file never has a DOCTYPE; refusing it keeps entities out altogether."""
        info = root.getroottree().docinfo
        if info.doctype or info.internalDTD is not None:
            raise self.error(1, "en DOCTYPE är inte tillåten i en saldofil")

    def validate(
        self, checker: etree.XMLSchema, element: etree._Element, fallback_line: int | None
    ) -> None:
        """Validate ``element`` (a shell or a correction); BalanceXmlError with the line if not."""
        try:
            valid = checker.validate(element)
        except etree.XMLSchemaValidateError as exc:
            raise self.error(fallback_line, f"kan inte valideras: {exc}") from None
        if not valid:
            error = checker.error_log[0]
            raise self.error(error.line or fallback_line, error.message)

    def syntax_error(self, exc: etree.XMLSyntaxError) -> BalanceXmlError:
        line = exc.lineno or (exc.error_log[0].line if len(exc.error_log) else 0)
        return self.error(line, f"inte välformad XML: {exc.msg}")

    def error(self, line: int | None, reason: str) -> BalanceXmlError:
        return BalanceXmlError(f"{self.name}: rad {line or '?'}: {reason}")


VALIDATE_BYTES = 1 << 18
"""About how many bytes of corrections the writer's validating thread checks as one document."""


class _SchemaOnlyValidator:
    """The writer's check of its own bytes, every byte once, in a thread of its own.

    The document is a header followed by independent corrections (no identity constraints), and
    the writer hands over whole corrections; so it is valid exactly when its start completed by
    the end tag is valid, and so is each run of corrections between that same start and end tag
    (each such piece well-formed, so their concatenation is too). Each piece is parsed and
    validated by libxml2 in one call that lets go of the interpreter: the validation (three
    quarters of a second for 100,000 corrections) runs on another core while the writer spells
    the next corrections, instead of taking turns with it as the streaming parser did (which
    needs the interpreter for every element). A failure names the line in the written file and is
    raised at the writer's next call; :meth:`close` waits for the verdict.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[bytes, int] | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failure: str | None = None
        self._head = b""
        self._head_lines = 0
        self._lines = 0
        self._pending: list[bytes] = []
        self._pending_size = 0

    def start(self, head: bytes) -> None:
        """The document's start (declaration, root start tag, header); checked completed by the
        end tag."""
        self._head = head
        self._head_lines = self._lines = head.count(b"\n")
        self._submit(head + _END_BYTES, 0)

    def feed(self, data: bytes) -> None:
        """Whole corrections, in the order written."""
        self._raise()
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= VALIDATE_BYTES:
            self._flush()

    def close(self) -> None:
        """Wait for the verdict on everything fed."""
        self._flush()
        self._stop()
        self._raise()

    def cancel(self) -> None:
        """Stop the thread without a verdict (the document is given up)."""
        self._pending.clear()
        self._failure = self._failure or "avbruten"
        self._stop()

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        self._submit(self._head + data + _END_BYTES, self._lines - self._head_lines)
        self._lines += data.count(b"\n")

    def _submit(self, document: bytes, line_offset: int) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="balance-xml-validate", daemon=True)
            self._thread.start()
        self._jobs.put((document, line_offset))

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._failure is not None:
            raise _SchemaFailure(self._failure)

    def _run(self) -> None:
        parser = etree.XMLParser(schema=schema(), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False)
        while (job := self._jobs.get()) is not None:
            if self._failure is None:
                document, line_offset = job
                try:
                    etree.fromstring(document, parser)
                except etree.XMLSyntaxError as exc:
                    self._failure = _located(document, line_offset, exc)
                except Exception as exc:  # reported as the verdict; the thread must go on draining
                    self._failure = f"kan inte valideras: {exc}"

def _located(document: bytes, line_offset: int, exc: etree.XMLSyntaxError) -> str:
    """The failure of a piece as "rad N: reason", N the line in the written file.

    The validating parser's own error cannot be used as it is: for a character XML cannot hold
    it names the LAST bad line of the piece, as "line <line in the piece>: b'<reason>'". So the
    (small) piece is parsed again without the schema, whose error is the first slip and its
    line; a piece that is well-formed is validated as a tree, whose nodes know their lines."""
    try:
        tree = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True,
                                                          load_dtd=False))
    except etree.XMLSyntaxError as syntax:
        line = syntax.position[0] if syntax.position else syntax.lineno
        reason = _PIECE_PLACE.sub("", syntax.msg or "")
        return f"rad {line + line_offset if line else '?'}: {reason}"
    checker = schema()
    if checker.validate(tree):
        return _PIECE_PLACE.sub("", exc.msg or "")
    error = checker.error_log[0]
    return f"rad {error.line + line_offset if error.line else '?'}: {error.message}"


_PIECE_PLACE = re.compile(r"^line \d+: |, line \d+, column \d+$")
"""libxml2's place in the piece, which is not the place in the file."""


class _FastValidator(_Tally):
    """libxml2 validates while it parses; Python only tallies and clears finished corrections."""

    def __init__(
        self, name: str, on_correction: Callable[[etree._Element], None] | None = None
    ) -> None:
        super().__init__(name)
        self._parser = _pull_parser(schema=schema())
        self._on_correction = on_correction
        self._unreadable = False
        self._seen_root = False

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(data)
        except etree.XMLSyntaxError as exc:
            raise self._failure(exc) from None
        self._drain()

    def close(self) -> BalanceFileHeader:
        try:
            root = self._parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._failure(exc) from None
        self._drain()
        self.check_no_doctype(root)
        if self._unreadable:
            raise _SchemaFailure("ett värde kan inte läsas fast schemat godtog det")
        return self.check_promises()

    def _count_in(self, element: etree._Element) -> None:
        """Tally a finished Header or Correction (and hand a correction to the reader)."""
        if element.tag == HEADER:
            if self.header is None:
                self.header = _header_from(element)
                self.header_line = element.sourceline or 0
            return
        self.count += 1
        self.sum += _amount_ore(element.findtext(_AMOUNT_PATH) or "")
        if self._on_correction is not None:
            self._on_correction(element)

    def _failure(self, exc: etree.XMLSyntaxError) -> Exception:
        if exc.lineno:  # well-formedness errors come with their line
            return self.syntax_error(exc)
        return _SchemaFailure(exc.msg)

    def _drain(self) -> None:
        for _event, element in self._parser.read_events():
            if not self._seen_root:
                self._seen_root = True
                self.check_no_doctype(element)
            try:
                self._count_in(element)
            except ValueError:
                self._unreadable = True  # invalid; the schema's verdict at the end says why
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]


class _LocatingValidator(_Tally):
    """The second pass: validates piece by piece to name the line of the first error.

    The schema's root is a ``version`` attribute and the sequence (Header, Correction*), and a
    correction's validity does not depend on another. So the document is valid exactly when
    (1) a shell of the root with its attributes and the header is valid against the XSD, and
    (2) the root holds nothing but that header followed by corrections, each valid against its
    type (``part_schema()``). The parsed nodes keep their source lines, so errors name them.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._parser = _pull_parser()
        self._root: etree._Element | None = None
        self._last: etree._Element | None = None

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(data)
        except etree.XMLSyntaxError as exc:
            raise self.syntax_error(exc) from None
        self._drain()

    def close(self) -> None:
        try:
            root = self._parser.close()
        except etree.XMLSyntaxError as exc:
            raise self.syntax_error(exc) from None
        self._drain()
        if self._root is None:
            self._root = root
            self.check_no_doctype(root)
            self._check_root_text()
        if self._root.tag != ROOT:
            self._validate_shell(None)  # the XSD names the wrong root
        self._check_unexpected(None)
        if self.header is None:
            self._validate_shell(None)

    def _drain(self) -> None:
        for _event, element in self._parser.read_events():
            if self._root is None:
                self._root = _top(element)
                self.check_no_doctype(self._root)
                self._check_root_text()
            if element.getparent() is not self._root:
                continue  # misplaced: reported with the unexpected root child that holds it
            self._check_unexpected(element)
            if (element.tail or "").strip():
                raise self.error(
                    element.sourceline, f"text efter elementet {_local(element.tag)}"
                )
            if element.tag == HEADER:
                self._take_header(element)
            else:
                self._take_correction(element)
            self._last = element
            root = self._root
            while root[0] is not element:
                del root[0]

    def _check_root_text(self) -> None:
        assert self._root is not None
        if (self._root.text or "").strip():
            raise self.error(self._root.sourceline, "text direkt i rotelementet")

    def _check_unexpected(self, upto: etree._Element | None) -> None:
        """Root children between the last handled element and ``upto`` are not in the schema."""
        assert self._root is not None
        started = self._last is None
        for child in self._root:
            if child is upto:
                return
            if not started:
                started = child is self._last
                continue
            if isinstance(child.tag, str):
                expected = "Header" if self.header is None else "Correction"
                raise self.error(
                    child.sourceline,
                    f"Element '{child.tag}': This element is not expected. Expected is ( {_q(expected)} ).",
                )

    def _take_header(self, element: etree._Element) -> None:
        if self.header is not None:
            raise self.error(
                element.sourceline, f"ett andra Header-element (det första står på rad {self.header_line})"
            )
        self._validate_shell(element)
        self.header = _header_from(element)
        self.header_line = element.sourceline or 0

    def _validate_shell(self, header: etree._Element | None) -> None:
        root = self._root
        assert root is not None
        shell = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
        if header is not None:
            shell.append(copy.deepcopy(header))
        self.validate(schema(), shell, root.sourceline)

    def _take_correction(self, element: etree._Element) -> None:
        if self.header is None:
            raise self.error(
                element.sourceline,
                "ett Correction-element före Header; filen ska börja med sitt Header-element",
            )
        self.validate(part_schema(), element, element.sourceline)
        element.clear(keep_tail=True)


_AMOUNT_PATH = _q("Amount")


def _amount_ore(text: str) -> int:
    """Öre from the XSD's amount form "-1234.50" (fast path), else the general parser."""
    kr, point, ore = text.strip().partition(".")
    if point and len(ore) == 2 and ore.isdigit() and kr.lstrip("-").isdigit():
        return int(kr + ore)
    return parse_amount(text.strip())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _top(element: etree._Element) -> etree._Element:
    while (parent := element.getparent()) is not None:
        element = parent
    return element


def _text(element: etree._Element, *path: str) -> str:
    return element.findtext("/".join(_q(p) for p in path)) or ""


def _header_from(element: etree._Element) -> BalanceFileHeader:
    return BalanceFileHeader(
        file_id=_text(element, "FileId").strip(),
        created_at=dt.datetime.fromisoformat(_text(element, "CreatedAt").strip()),
        creditor_name=_text(element, "Creditor", "Name").strip(),
        creditor_org_no=_text(element, "Creditor", "OrganisationNumber"),
        count=int(_text(element, "CorrectionCount")),
        sum_ore=parse_amount(_text(element, "CorrectionSum").strip()),
    )


def _correction_from(element: etree._Element) -> Correction:
    return Correction(
        correction_id=_text(element, "CorrectionId").strip(),
        case_number=_text(element, "CaseNumber").strip(),
        agency_reference=_text(element, "AgencyReference").strip(),
        customer_number=_text(element, "Customer", "CustomerNumber").strip(),
        customer_name=_text(element, "Customer", "Name").strip(),
        national_id=_text(element, "Customer", "NationalId"),
        invoice_number=_text(element, "InvoiceNumber").strip(),
        ocr=_text(element, "Ocr"),
        kind=_text(element, "Kind"),
        date=dt.date.fromisoformat(_text(element, "Date").strip()),
        amount_ore=parse_amount(_text(element, "Amount").strip()),
        payment_method=_text(element, "PaymentMethod"),
    )
