"""The printed case list: a PDF table with the cases, repeated header, totals, page numbers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

from tests.collection_samples import PERSON, case, many_cases, sample_cases
from tests.common import pdf_pages
from tui_inkasso.formats.case_list_pdf import case_list_rows, render_case_list_pdf
from tui_inkasso.formats.pdf_table import PdfColumn, latin1, render_table_pdf

CREATED = datetime(2026, 11, 28, 14, 30)


def page_texts(pdf: bytes) -> list[str]:
    """The text shown on each page, one drawn string a line."""
    # cell() splits the page-count alias: "Sida 1 av " and "2" are drawn apart.
    return [re.sub(r"(Sida \d+ av )\n", r"\1", "\n".join(strings)) for strings in pdf_pages(pdf)]

def test_case_list_shows_each_case_with_customer_invoices_amount_and_debt_type() -> None:
    pdf = render_case_list_pdf(sample_cases(), "Skapade inkassoärenden", CREATED, system="intrum")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    (text,) = page_texts(pdf)
    lines = text.splitlines()
    assert lines[:2] == ["Skapade inkassoärenden", "Skapad 2026-11-28 14:30"]
    assert "2 ärenden, 3 fakturor, totalt 10\xa0844,18 kr" in lines
    assert lines[3:8] == ["Ärende", "Kund", "Fakturor", "Belopp", "Skuldtyp"]
    assert lines[8:13] == ["2026-0001", "K1001 Åsa Öberg", "F1001, F1002", "9\xa0772,84", "17"]
    assert lines[13:18] == ["2026-0002", "K2002 Pizzeria Ängen AB", "D77", "1\xa0071,34", "19"]
    assert lines[18:21] == ["2 ärenden", "3 fakturor", "10\xa0844,18"]
    assert "Sida 1 av 1" in text


def test_many_cases_run_over_pages_that_each_repeat_the_header() -> None:
    cases = many_cases(150)
    pdf = render_case_list_pdf(cases, "Skapade inkassoärenden", CREATED, system="svea")
    pages = page_texts(pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert "Ärende\nKund\nFakturor\nBelopp\nSkuldtyp" in text
        assert f"Sida {number} av {len(pages)}" in text
    shown = [line for text in pages for line in text.splitlines() if line.startswith("2026-")]
    assert shown == [c.case_number for c in cases]
    assert "150 ärenden" in pages[-1]


def test_debt_types_of_a_case_are_listed_once_each() -> None:
    rows = case_list_rows(many_cases(6)[5:], "svea")
    assert rows[0][4] == "LO"
    mixed = case_list_rows(sample_cases(), "none")
    assert mixed[0][4] == "Bostad" and mixed[1][4] == "Parkering"


def test_text_outside_latin1_is_transliterated_and_long_text_cut() -> None:
    names = [
        "Łukasz Dvořák",
        "王小明",
        "Fastighetsförvaltningsaktiebolaget i Övre Norrland med filialer",
    ]
    cases = [case(f"2026-{i:04d}", debtor=replace(PERSON, name=n)) for i, n in enumerate(names)]
    (text,) = page_texts(render_case_list_pdf(cases, "Lista", CREATED))
    assert "K1001 Lukasz Dvorák" in text
    assert "K1001 ???" in text
    cut = next(line for line in text.splitlines() if line.startswith("K1001 Fastighets"))
    assert cut.endswith("...") and len(cut) < len("K1001 " + names[2])


def test_the_same_list_gives_the_same_bytes() -> None:
    first = render_case_list_pdf(sample_cases(), "Lista", CREATED)
    assert render_case_list_pdf(sample_cases(), "Lista", CREATED) == first


def test_generic_table_refuses_rows_of_the_wrong_width() -> None:
    columns = [PdfColumn("A"), PdfColumn("B", 2, "R")]
    assert render_table_pdf("T", columns, [("x", "1")], created_at=CREATED).startswith(b"%PDF")
    with pytest.raises(ValueError, match="row 2: 1 values for 2 columns"):
        render_table_pdf("T", columns, [("x", "1"), ("y",)], created_at=CREATED)
    assert latin1("a\tb–c") == "a b-c"
