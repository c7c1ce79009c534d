"""The declarative layout engine and the Intrum/Svea case files it renders."""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.collection_samples import (
    OTHER_CREDITOR,
    PERSON,
    case,
    claim,
    many_cases,
    sample_cases,
)
from tui_inkasso.domain.collection_systems import INTRUM_DEBT_TYPE, SVEA_DEBT_TYPE
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.case_file import (
    CaseFileError,
    case_file_name,
    render_case_file,
    write_case_file,
)
from tui_inkasso.formats.layout import (
    Layout,
    LayoutError,
    builtin_layout_path,
    load_layout,
    parse_layout,
)
from tui_inkasso.formats.output import FileWriteError

CREATED = datetime(2026, 11, 28, 14, 5, 9)


def intrum_document() -> dict[str, Any]:
    return json.loads(builtin_layout_path("intrum").read_text(encoding="utf-8"))


def svea_document() -> dict[str, Any]:
    return json.loads(builtin_layout_path("svea").read_text(encoding="utf-8"))


def field_text(layout: Layout, line: str, level: str, name: str) -> str:
    """The columns of field ``name`` in a fixed-width ``line`` of a ``level`` record."""
    spec = next(f for f in layout.records[level][0].fields if f.name == name)
    assert spec.width is not None
    return line[spec.start - 1 : spec.start - 1 + spec.width]


def svea_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";"))


def tiny_layout(**changes: Any) -> dict[str, Any]:
    """A minimal fixed layout with one claim record, to test single rules."""
    document: dict[str, Any] = {
        "name": "Test",
        "system": "intrum",
        "encoding": "iso-8859-1",
        "line_end": "\n",
        "kind": "fixed",
        "file_name": "T_{created:%Y%m%d}.txt",
        "records": {
            "claim": [
                {
                    "name": "claim",
                    "fields": [
                        {"name": "type", "const": "20", "width": 2},
                        {
                            "name": "invoice",
                            "source": "claim.invoice_number",
                            "type": "text",
                            "width": 10,
                        },
                        {
                            "name": "capital",
                            "source": "claim.capital_ore",
                            "type": "amount",
                            "width": 9,
                        },
                    ],
                }
            ]
        },
    }
    document.update(changes)
    return document


# ---------------------------------------------------------------- the built-in layouts


def test_intrum_file_is_fixed_width_latin1_with_crlf_and_records_in_order() -> None:
    layout = load_layout("intrum")
    data = render_case_file(sample_cases(), layout, created_at=CREATED, file_id="RUN-17")

    assert data.endswith(b"\r\n")
    lines = data.decode("iso-8859-1").split("\r\n")[:-1]
    assert [line[:2] for line in lines] == ["00", "10", "20", "20", "10", "20", "99"]
    assert {len(line) for line in lines} == {250}
    assert b"\n" not in data.replace(b"\r\n", b"")
    header, debtor, first = lines[0], lines[1], lines[2]
    assert field_text(layout, header, "header", "creditor_org_no") == "5560360793"
    assert field_text(layout, header, "header", "created_date") == "20261128"
    assert field_text(layout, header, "header", "created_time") == "140509"
    assert field_text(layout, header, "header", "file_id").rstrip() == "RUN-17"
    assert field_text(layout, debtor, "case", "national_id") == "198112189876"
    assert field_text(layout, debtor, "case", "debtor_kind") == "P"
    assert field_text(layout, debtor, "case", "name").rstrip() == "Åsa Öberg"
    assert field_text(layout, lines[4], "case", "debtor_kind") == "F"
    assert field_text(layout, first, "claim", "capital") == "000000850000"
    assert field_text(layout, first, "claim", "fees") == "0000006000"
    assert field_text(layout, first, "claim", "invoice_kind") == "H"
    assert field_text(layout, first, "claim", "due_date") == "20260131"
    assert field_text(layout, lines[5], "claim", "invoice_kind") == "D"


def test_intrum_trailer_counts_and_sums_match_the_claims() -> None:
    layout = load_layout("intrum")
    cases = many_cases(50)
    data = render_case_file(cases, layout, created_at=CREATED)
    lines = data.decode("iso-8859-1").split("\r\n")[:-1]
    trailer = lines[-1]
    claims = [c for k in cases for c in k.claims]

    assert int(field_text(layout, trailer, "trailer", "case_count")) == 50
    assert int(field_text(layout, trailer, "trailer", "claim_count")) == len(claims)
    assert int(field_text(layout, trailer, "trailer", "record_count")) == len(lines)
    assert int(field_text(layout, trailer, "trailer", "sum_capital")) == sum(
        c.capital_ore for c in claims
    )
    assert int(field_text(layout, trailer, "trailer", "sum_total")) == sum(
        c.total_ore for c in claims
    )
    summed = sum(
        int(field_text(layout, line, "claim", "capital")) for line in lines if line[:2] == "20"
    )
    assert summed == sum(c.capital_ore for c in claims)


def test_svea_file_is_semicolon_separated_with_decimal_comma() -> None:
    data = render_case_file(sample_cases(), "svea", created_at=CREATED)
    rows = svea_rows(data)

    assert data.endswith(b"\r\n")
    assert [r[0] for r in rows] == ["H", "K", "F", "F", "K", "F", "T"]
    assert rows[0][:5] == [
        "H",
        "556036-0793",
        "Bostads AB Ålgården",
        "40123",
        "2026-11-28T14:05:09",
    ]
    assert rows[1][3:6] == ["19811218-9876", "F", "Åsa Öberg"]
    assert rows[4][4] == "J"
    assert rows[2][3:10] == [
        "HYRA",
        "2026-01-01",
        "2026-01-31",
        "100164",
        "8500,00",
        "60,00",
        "12,34",
    ]
    assert rows[-1] == ["T", "2", "3", "10699,50", "120,00", "24,68", "10844,18"]


def test_svea_quotes_values_holding_the_separator_and_reads_back() -> None:
    debtor = replace(PERSON, name='Berg; "Bosse" & Co')
    rows = svea_rows(render_case_file([case(debtor=debtor)], "svea", created_at=CREATED))
    assert rows[1][5] == 'Berg; "Bosse" & Co'


@pytest.mark.parametrize("category", list(SfiCategory))
def test_debt_type_comes_from_the_sfi_category(category: SfiCategory) -> None:
    record = case(claims=(claim(sfi=category),))
    intrum = load_layout("intrum")
    line = (
        render_case_file([record], intrum, created_at=CREATED).decode("iso-8859-1").split("\r\n")[2]
    )
    assert field_text(intrum, line, "claim", "debt_type") == INTRUM_DEBT_TYPE[category]
    rows = svea_rows(render_case_file([record], "svea", created_at=CREATED))
    assert rows[2][10] == SVEA_DEBT_TYPE[category]


def test_a_debt_type_stored_on_the_claim_wins() -> None:
    record = case(claims=(replace(claim(sfi=SfiCategory.GARAGE), debt_type="BO"),))
    rows = svea_rows(render_case_file([record], "svea", created_at=CREATED))
    assert rows[2][10] == "BO"


def test_file_name_follows_the_pattern_and_the_file_is_written_atomically(tmp_path: Path) -> None:
    layout = load_layout("intrum")
    cases = sample_cases()
    assert case_file_name(layout, cases, CREATED) == "INTRUM_5560360793_20261128140509.txt"

    path = write_case_file(tmp_path, cases, layout, created_at=CREATED)
    assert path == tmp_path / "INTRUM_5560360793_20261128140509.txt"
    assert path.read_bytes() == render_case_file(cases, layout, created_at=CREATED)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with pytest.raises(FileWriteError, match="filen finns redan"):
        write_case_file(tmp_path, cases, layout, created_at=CREATED)


def test_a_failing_render_leaves_no_file(tmp_path: Path) -> None:
    bad = case(claims=(claim("F" + "9" * 30),))
    with pytest.raises(CaseFileError):
        write_case_file(tmp_path, [bad], "intrum", created_at=CREATED)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- refusing what does not fit


def test_an_id_longer_than_its_field_is_refused_naming_line_case_invoice_and_field() -> None:
    long_number = "F" + "1" * 25
    bad = case("2026-0042", claims=(claim("F1"), claim(long_number, case_number="2026-0042")))
    with pytest.raises(CaseFileError) as caught:
        render_case_file([bad], "intrum", created_at=CREATED)
    message = str(caught.value)
    assert "rad 4" in message
    assert "ärende 2026-0042" in message
    assert f"faktura {long_number}" in message
    assert "fält 'invoice_number'" in message
    assert "kortas aldrig" in message


def test_an_amount_too_large_for_its_width_is_refused() -> None:
    bad = case(claims=(claim(capital_ore=10**12),))
    with pytest.raises(
        CaseFileError,
        match=r"fält 'capital' \(claim.capital_ore, kolumn 88–99\): '1000000000000' har 13 tecken, fältet rymmer 12",
    ):
        render_case_file([bad], "intrum", created_at=CREATED)


def test_names_and_addresses_may_be_cut_when_the_field_says_so() -> None:
    long_name = "Anna-Karin " + "Långnamnsson " * 5
    layout = load_layout("intrum")
    data = render_case_file(
        [case(debtor=replace(PERSON, name=long_name))], layout, created_at=CREATED
    )
    line = data.decode("iso-8859-1").split("\r\n")[1]
    assert field_text(layout, line, "case", "name") == long_name[:40]


def test_a_missing_required_value_is_refused() -> None:
    with pytest.raises(CaseFileError, match=r"fält 'address'.*inget värde"):
        render_case_file([case(debtor=replace(PERSON, address=""))], "intrum", created_at=CREATED)


def test_a_float_amount_is_refused() -> None:
    bad = case(claims=(replace(claim(), capital_ore=8500.0),))
    with pytest.raises(CaseFileError, match="inget belopp i öre"):
        render_case_file([bad], "intrum", created_at=CREATED)


def test_negative_amounts_only_in_signed_fields() -> None:
    document = tiny_layout()
    bad = case(claims=(claim(capital_ore=-12_345),))
    with pytest.raises(CaseFileError, match="negativt belopp"):
        render_case_file([bad], parse_layout(document), created_at=CREATED)
    document["records"]["claim"][0]["fields"][2]["signed"] = True
    data = render_case_file([bad], parse_layout(document), created_at=CREATED)
    assert data == b"20F1001     -00012345\n"


def test_line_ends_and_the_final_line_end_follow_the_layout() -> None:
    data = render_case_file(sample_cases(), parse_layout(tiny_layout()), created_at=CREATED)
    assert data == b"20F1001     000850000\n20F1002     000120050\n20D77       000099900\n"


# ---------------------------------------------------------------- encodings


def test_letters_outside_latin1_are_transliterated_when_the_layout_says_so() -> None:
    layout = load_layout("intrum")
    debtor = replace(PERSON, name="Łukasz Dvořák – Åberg")
    data = render_case_file([case(debtor=debtor)], layout, created_at=CREATED)
    line = data.decode("iso-8859-1").split("\r\n")[1]
    assert field_text(layout, line, "case", "name").rstrip() == "Lukasz Dvorák - Åberg"
    assert "Å".encode("iso-8859-1") in data


def test_letters_outside_the_encoding_are_refused_when_the_layout_says_so() -> None:
    document = intrum_document()
    document["unencodable"] = "refuse"
    with pytest.raises(CaseFileError, match=r"U\+0141.*iso-8859-1"):
        render_case_file(
            [case(debtor=replace(PERSON, name="Łukasz"))],
            parse_layout(document),
            created_at=CREATED,
        )


def test_characters_without_any_spelling_are_refused_even_when_transliterating() -> None:
    with pytest.raises(CaseFileError, match=r"fält 'name'.*kan inte skrivas i iso-8859-1"):
        render_case_file(
            [case(debtor=replace(PERSON, name="王小明"))], "intrum", created_at=CREATED
        )


def test_line_breaks_inside_an_address_become_spaces() -> None:
    debtor = replace(PERSON, address="Storgatan 1\r\nlgh 1101")
    rows = svea_rows(render_case_file([case(debtor=debtor)], "svea", created_at=CREATED))
    assert rows[1][6] == "Storgatan 1 lgh 1101"


# ---------------------------------------------------------------- one file, one creditor


def test_cases_of_two_owners_are_refused_when_the_header_names_the_creditor() -> None:
    cases = [case("2026-0001"), case("2026-0002", creditor=OTHER_CREDITOR)]
    with pytest.raises(CaseFileError, match="en fil per ägare"):
        render_case_file(cases, "intrum", created_at=CREATED)
    assert render_case_file(cases, parse_layout(tiny_layout()), created_at=CREATED)


def test_no_cases_and_cases_without_invoices_are_refused() -> None:
    with pytest.raises(CaseFileError, match="inga ärenden"):
        render_case_file([], "intrum", created_at=CREATED)
    with pytest.raises(CaseFileError, match="ärende 2026-0001 har inga fakturor"):
        render_case_file([case(claims=())], "intrum", created_at=CREATED)


# ---------------------------------------------------------------- validating a layout on load


def _mutate(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()
CLAIM_FIELDS = ("records", "claim", 0, "fields")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            (*CLAIM_FIELDS, 8, "source"),
            "claim.capitol_ore",
            r"fields\[8\] \('capital'\): okänd källa \(source\) 'claim.capitol_ore'; kända källor: .*claim.capital_ore",
        ),
        (
            (*CLAIM_FIELDS, 3, "width"),
            _DELETE,
            r"\('invoice_number'\): ett fält med fast bredd behöver 'width'",
        ),
        (
            (*CLAIM_FIELDS, 3, "start"),
            20,
            r"börjar i kolumn 20 men fältet före slutar i kolumn 25 \(överlappar\)",
        ),
        ((*CLAIM_FIELDS, 3, "start"), 30, r"lägg in ett utfyllnadsfält för kolumn 26–29"),
        (
            (*CLAIM_FIELDS, 7, "truncate"),
            True,
            r"\('ocr'\): 'truncate' är bara tillåtet på namn och adresser",
        ),
        ((*CLAIM_FIELDS, 4, "map"), {"rent": "H"}, r"map saknar direct"),
        ((*CLAIM_FIELDS, 5, "date_format"), "YYYYMMDD", r"har inget %-direktiv"),
        ((*CLAIM_FIELDS, 5, "widht"), 8, r"okänd nyckel 'widht' i fältet"),
        ((*CLAIM_FIELDS, 8, "type"), "date", r"type 'date' kan inte visa claim.capital_ore"),
        (
            ("records", "claim", 0, "length"),
            100,
            r"fälten tar 186 kolumner men postens längd \(length\) är 100",
        ),
        (
            ("records", "header", 0, "fields", 1, "source"),
            "claim.ocr",
            r"källan 'claim.ocr' finns inte i en header-post",
        ),
        (
            ("records", "header", 0, "fields", 0, "const"),
            "000",
            r"'000' är 3 tecken, bredden \(width\) är 2",
        ),
        (("encoding",), "utf-8", r"en layout med fast bredd behöver en teckenkodning med en byte per tecken"),
        (("encoding",), "klingon", r"encoding 'klingon' är ingen teckenkodning som Python känner"),
        (("line_end",), "\r\r", r"line_end ska vara något av"),
        (("file_name",), "INTRUM_{owner_name}.txt", r"okänd platshållare \{owner_name\}"),
        (("file_name",), "../{creditor}.txt", r"inget vanligt filnamn"),
        (("records", "claim"), [], r"behöver minst en claim-post"),
        (("separator",), ";", r"'separator' gäller bara layouter med avgränsare"),
    ],
)
def test_layout_errors_name_the_place_and_the_reason(
    path: tuple[Any, ...], value: Any, expected: str
) -> None:
    with pytest.raises(LayoutError, match=expected):
        parse_layout(_mutate(intrum_document(), path, value), origin="intrum.json")


def test_a_bool_source_needs_a_map_and_svea_needs_a_separator() -> None:
    with pytest.raises(LayoutError, match=r"debtor.is_company är ja/nej; ange en 'map'"):
        parse_layout(_mutate(svea_document(), ("records", "case", 0, "fields", 4, "map"), _DELETE))
    with pytest.raises(LayoutError, match="separator på ett tecken"):
        parse_layout(_mutate(svea_document(), ("separator",), ";;"))


def test_a_layout_file_with_broken_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agency.json"
    path.write_text('{\n  "name": "X",\n  "kind": fixed\n}\n', encoding="utf-8")
    with pytest.raises(LayoutError, match=r"agency.json: rad 3, kolumn 11: ogiltig JSON"):
        load_layout(path)
    with pytest.raises(LayoutError, match="det finns ingen inbyggd layout 'lowell'"):
        load_layout("lowell")


def test_an_edited_copy_of_a_layout_changes_the_file_without_code(tmp_path: Path) -> None:
    document = svea_document()
    document["separator"] = "|"
    document["records"]["claim"][0]["fields"][3]["map"] = {"rent": "R", "direct": "D"}
    path = tmp_path / "svea-custom.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    data = render_case_file(sample_cases(), load_layout(path), created_at=CREATED)
    invoice_line = data.decode("utf-8").split("\r\n")[2]
    assert invoice_line.startswith("F|2026-0001|F1001|R|2026-01-01|")
