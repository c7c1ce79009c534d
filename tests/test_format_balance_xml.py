"""The balance-correction XML: streamed, validated against our XSD, refused with a line."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.collection_samples import correction
from tui_inkasso.formats.balance_xml import (
    NAMESPACE,
    BalanceFileHeader,
    BalanceXmlError,
    Correction,
    read_balance_xml,
    schema_path,
    validate_balance_xml,
    write_balance_file,
    write_balance_xml,
)

CREATED = datetime(2026, 11, 28, 3, 0, 0)


def header_for(corrections: list[Correction], **changes: object) -> BalanceFileHeader:
    header = BalanceFileHeader(
        file_id="SALDO-2026-11-28-1",
        created_at=CREATED,
        creditor_name="Bostads AB Ålgården",
        creditor_org_no="556036-0793",
        count=len(corrections),
        sum_ore=sum(c.amount_ore for c in corrections),
    )
    return replace(header, **changes)  # type: ignore[arg-type]


def sample() -> list[Correction]:
    return [
        correction(1),
        correction(2, ocr="", kind="credit", payment_method="credit"),
        correction(3, amount_ore=-1_000, payment_method="manual"),
    ]


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    corrections = sample()
    return write_balance_file(tmp_path / "saldo.xml", header_for(corrections), corrections)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def broken(path: Path, old: str, new: str, occurrence: int = 1) -> tuple[Path, int]:
    """A copy of ``path`` with the ``occurrence``-th ``old`` replaced; and that line's number."""
    text = path.read_text(encoding="utf-8")
    line = line_of(text, old, occurrence)
    lines = text.splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace(old, new)
    target = path.with_name("broken.xml")
    target.write_text("".join(lines), encoding="utf-8")
    return target, line


# ---------------------------------------------------------------- writing


def test_written_file_validates_and_reads_back_unchanged(valid_file: Path) -> None:
    corrections = sample()
    header, read = read_balance_xml(valid_file)
    assert header == header_for(corrections)
    assert read == corrections
    assert validate_balance_xml(valid_file) == header
    assert validate_balance_xml(io.BytesIO(valid_file.read_bytes())) == header


def test_written_file_matches_the_shipped_xsd_on_its_own(valid_file: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(schema_path())))
    document = etree.parse(str(valid_file))
    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == f"{{{NAMESPACE}}}BalanceCorrections"
    assert root.get("version") == "1"
    ns = {"s": NAMESPACE}
    assert root.findtext("s:Header/s:CorrectionSum", namespaces=ns) == "990.03"
    assert root.findtext("s:Correction[3]/s:Amount", namespaces=ns) == "-10.00"
    assert root.findtext("s:Correction[1]/s:Date", namespaces=ns) == "2026-04-01"
    assert (
        root.findtext("s:Correction[1]/s:Customer/s:Name", namespaces=ns) == "Åsa Öberg & Co <AB>"
    )
    assert root.find("s:Correction[2]/s:Ocr", namespaces=ns) is None
    assert root.find("s:Correction[2]/s:AgencyReference", namespaces=ns) is None
    text = valid_file.read_text(encoding="utf-8")
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n")
    assert "&amp; Co &lt;AB&gt;" in text


def test_an_empty_file_is_valid(tmp_path: Path) -> None:
    path = write_balance_file(tmp_path / "tom.xml", header_for([]), [])
    assert read_balance_xml(path) == (header_for([]), [])


def test_header_count_or_sum_that_does_not_match_is_refused_and_no_file_is_left(
    tmp_path: Path,
) -> None:
    corrections = sample()
    with pytest.raises(
        BalanceXmlError,
        match=r"filhuvudet anger 4 korrigeringar på sammanlagt 990.03, men 3 korrigeringar på sammanlagt 990.03",
    ):
        write_balance_file(tmp_path / "a.xml", header_for(corrections, count=4), corrections)
    with pytest.raises(
        BalanceXmlError,
        match=r"filhuvudet anger 3 korrigeringar på sammanlagt 990.04, men 3 korrigeringar på sammanlagt 990.03",
    ):
        write_balance_file(tmp_path / "b.xml", header_for(corrections, sum_ore=99_004), corrections)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"payment_method": "inkasso"},
            r"korrigering 2 \(id 2, faktura F1002\): betalsättet inkasso kom via inkassobolaget",
        ),
        ({"payment_method": "swish"}, r"payment_method ska vara en av"),
        (
            {"national_id": "811218-98"},
            r"national_id ska vara ÅÅÅÅMMDD-NNNN eller NNNNNN-NNNN, inte '811218-98'",
        ),
        ({"ocr": "12ab"}, r"ocr ska vara 2 till 25 siffror"),
        ({"amount_ore": 500.5}, r"amount_ore ska vara hela öre"),
        ({"kind": "refund"}, r"kind ska vara payment eller credit"),
        ({"case_number": "   "}, r"case_number är tomt"),
        ({"customer_name": "x" * 201}, r"customer_name har 201 tecken, högst 200"),
        ({"date": datetime(2026, 4, 1, 12, 0)}, r"date ska vara ett datetime.date"),
    ],
)
def test_a_bad_correction_is_refused_naming_it(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    corrections = [correction(1), correction(2, **changes)]
    path = tmp_path / "saldo.xml"
    with pytest.raises(BalanceXmlError, match=message):
        write_balance_file(path, header_for([correction(1), correction(2)]), corrections)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("field", ["case_number", "invoice_number", "customer_number"])
def test_a_character_xml_cannot_hold_is_refused_and_no_file_is_left(
    tmp_path: Path, field: str
) -> None:
    """Corrections are spelled as text: a control character (XML 1.0 has no spelling for it) is
    refused naming the correction and the field, instead of letting a broken file out."""
    corrections = [correction(1), correction(2, **{field: "F\x01002"})]
    message = rf"korrigering 2 \(id 2, .*\): {field} innehåller styrtecknet U\+0001"
    with pytest.raises(BalanceXmlError, match=message):
        write_balance_file(tmp_path / "saldo.xml", header_for(corrections), corrections)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_header_is_refused() -> None:
    with pytest.raises(BalanceXmlError, match=r"filhuvudet: creditor_org_no ska vara NNNNNN-NNNN"):
        write_balance_xml(header_for([], creditor_org_no="5560360793"), [], io.BytesIO())


def test_writing_streams_in_constant_memory() -> None:
    def corrections(count: int) -> Iterator[Correction]:
        return (correction(i) for i in range(count))

    def peak(count: int) -> int:
        header = header_for(
            [], count=count, sum_ore=sum(correction(i).amount_ore for i in range(count))
        )
        sink = _CountingSink()
        tracemalloc.start()
        try:
            write_balance_xml(header, corrections(count), sink)  # type: ignore[arg-type]
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(5_000)
    assert large < 2 * small + 500_000, (small, large)


class _CountingSink:
    """A write-only stream that keeps nothing, so only the writer's own memory is measured."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


# ---------------------------------------------------------------- validating what others wrote


@pytest.mark.parametrize(
    ("old", "new", "occurrence", "reason"),
    [
        ("<Amount>500.02</Amount>", "<Amount>500,02</Amount>", 1, r"Amount.*'500,02'"),
        (
            "<NationalId>19811218-9876</NationalId>",
            "<NationalId>19811218-98</NationalId>",
            3,
            r"NationalId.*pattern",
        ),
        ("<Kind>payment</Kind>", "<Kind>refund</Kind>", 2, r"Kind.*'refund'"),
        ("<Date>2026-04-01</Date>", "<Date>2026-04-31</Date>", 2, r"Date.*'2026-04-31'"),
        (
            "<InvoiceNumber>F1002</InvoiceNumber>",
            "<Invoice>F1002</Invoice>",
            1,
            r"Invoice'.*not expected",
        ),
        (
            "<PaymentMethod>credit</PaymentMethod>",
            "<PaymentMethod>inkasso</PaymentMethod>",
            1,
            r"PaymentMethod.*'inkasso'",
        ),
        (
            "<CorrectionCount>3</CorrectionCount>",
            "<CorrectionCount>three</CorrectionCount>",
            1,
            r"CorrectionCount",
        ),
    ],
)
def test_a_hand_broken_file_is_refused_naming_the_line(
    valid_file: Path, old: str, new: str, occurrence: int, reason: str
) -> None:
    path, line = broken(valid_file, old, new, occurrence)
    with pytest.raises(BalanceXmlError, match=rf"broken.xml: rad {line}: .*{reason}"):
        validate_balance_xml(path)
    with pytest.raises(BalanceXmlError, match=rf"rad {line}: "):
        read_balance_xml(path)


def test_an_unexpected_element_between_corrections_is_refused_with_its_line(
    valid_file: Path,
) -> None:
    path, line = broken(valid_file, "</Correction>", "</Correction>\n  <Note>paid twice</Note>", 1)
    with pytest.raises(
        BalanceXmlError,
        match=rf"rad {line + 1}: Element '{{{NAMESPACE}}}Note': This element is not expected",
    ):
        validate_balance_xml(path)


def test_a_file_that_is_not_well_formed_is_refused_with_its_line(valid_file: Path) -> None:
    path, line = broken(valid_file, "<Kind>credit</Kind>", "<Kind>credit</Knd>", 1)
    with pytest.raises(BalanceXmlError, match=rf"rad {line}: inte välformad XML"):
        validate_balance_xml(path)


def test_a_header_whose_sum_was_edited_is_refused(valid_file: Path) -> None:
    path, _ = broken(
        valid_file,
        "<CorrectionSum>990.03</CorrectionSum>",
        "<CorrectionSum>1990.03</CorrectionSum>",
    )
    header_line = line_of(path.read_text(encoding="utf-8"), "<Header")
    with pytest.raises(
        BalanceXmlError,
        match=rf"rad {header_line}: filhuvudet anger 3 korrigeringar på sammanlagt 1990.03, men filen innehåller 3 på sammanlagt 990.03",
    ):
        validate_balance_xml(path)


def test_corrections_before_the_header_are_refused(tmp_path: Path, valid_file: Path) -> None:
    text = valid_file.read_text(encoding="utf-8")
    start, end = text.index("  <Header"), text.index("</Header>") + len("</Header>\n")
    header = text[start:end]
    moved = text[:start] + text[end:].replace(
        "</BalanceCorrections>", header + "</BalanceCorrections>"
    )
    path = tmp_path / "order.xml"
    path.write_text(moved, encoding="utf-8")
    with pytest.raises(BalanceXmlError, match=rf"rad {line_of(moved, '<Correction')}: "):
        validate_balance_xml(path)


def test_a_wrong_root_or_namespace_is_refused(tmp_path: Path, valid_file: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text(
        valid_file.read_text(encoding="utf-8").replace(NAMESPACE, "urn:someone-else"),
        encoding="utf-8",
    )
    with pytest.raises(
        BalanceXmlError, match=r"other.xml: rad 2: .*No matching global declaration"
    ):
        validate_balance_xml(path)


def test_entities_are_never_expanded(tmp_path: Path, valid_file: Path) -> None:
    text = valid_file.read_text(encoding="utf-8")
    text = text.replace(
        "<BalanceCorrections",
        '<!DOCTYPE BalanceCorrections [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<BalanceCorrections',
        1,
    ).replace("<Name>Bostads AB Ålgården</Name>", "<Name>&e;</Name>")
    path = tmp_path / "xxe.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        BalanceXmlError, match=r"xxe.xml: rad 1: en DOCTYPE är inte tillåten"
    ) as caught:
        read_balance_xml(path)
    assert "root:" not in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BalanceXmlError, match=r"nothing.xml: kan inte läsa filen"):
        validate_balance_xml(tmp_path / "nothing.xml")


def test_the_writer_passes_every_byte_through_the_schema() -> None:
    from tui_inkasso.formats.balance_xml import _ValidatingSink

    out = io.BytesIO()
    sink = _ValidatingSink(out, "saldo.xml")
    sink.start(f'<BalanceCorrections xmlns="{NAMESPACE}" version="2"><Header/>'.encode())
    with pytest.raises(
        BalanceXmlError, match=r"saldo.xml: den skrivna XML-texten följer inte schemat: .*version"
    ):
        sink.close()


def _written_text(count: int) -> tuple[bytes, list[bytes]]:
    """A valid document's start and its corrections, one piece each, as the writer spells them."""
    from tui_inkasso.formats.balance_xml import _correction_xml, _document_start

    corrections = [correction(i) for i in range(1, count + 1)]
    head = _document_start(header_for(corrections))
    return head, [_correction_xml(c).encode() for c in corrections]


@pytest.mark.parametrize(("bad", "reason"), [
    (b"<Kind>refund</Kind>", "The value 'refund' is not an element of the set"),
    (b"<Kind>payment</Knd>", "Opening and ending tag mismatch"),
    (b"<Kind>payment</Kind><Extra/>", "This element is not expected"),
])
def test_the_writer_names_the_line_of_a_slip_in_a_later_piece(
    monkeypatch: pytest.MonkeyPatch, bad: bytes, reason: str
) -> None:
    """The corrections are validated a piece at a time (here every ~2 corrections) in a thread:
    a slip in the 7th correction is refused with its line in the written file."""
    from tui_inkasso.formats import balance_xml
    from tui_inkasso.formats.balance_xml import _ValidatingSink

    monkeypatch.setattr(balance_xml, "VALIDATE_BYTES", 1000)
    head, pieces = _written_text(10)
    pieces[6] = pieces[6].replace(b"<Kind>payment</Kind>", bad)
    out = io.BytesIO()
    sink = _ValidatingSink(out, "saldo.xml")
    sink.start(head)
    with pytest.raises(BalanceXmlError) as refused:
        for piece in pieces:
            sink.write(piece)
        sink.close()
    sink.cancel()
    text = (out.getvalue() + b"".join(pieces)).decode()
    assert f"rad {line_of(text, '<Kind>', 7)}: " in str(refused.value) and reason in str(refused.value)


def test_the_valid_pieces_make_a_valid_file_and_the_thread_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from tui_inkasso.formats import balance_xml

    monkeypatch.setattr(balance_xml, "VALIDATE_BYTES", 1000)
    corrections = [correction(i) for i in range(1, 40)]
    out = io.BytesIO()
    assert write_balance_xml(header_for(corrections), corrections, out) == 39
    out.seek(0)
    assert validate_balance_xml(out).count == 39

    def failing() -> Iterator[Correction]:
        yield from corrections[:20]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        write_balance_xml(header_for(corrections), failing(), io.BytesIO())
    assert not [t for t in threading.enumerate() if t.name == "balance-xml-validate"]


def test_files_are_validated_in_parallel_threads(tmp_path: Path, valid_file: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bad, _ = broken(valid_file, "<Kind>payment</Kind>", "<Kind>refund</Kind>", 1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        good = list(pool.map(lambda _: validate_balance_xml(valid_file).count, range(8)))
        errors = list(pool.map(lambda _: _error_of(bad), range(8)))
    assert good == [3] * 8
    assert all("refund" in e for e in errors)


def _error_of(path: Path) -> str:
    try:
        validate_balance_xml(path)
    except BalanceXmlError as exc:
        return str(exc)
    return ""
