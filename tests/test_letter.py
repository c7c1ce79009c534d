"""Reminder and demand letters: content, stored JSON, preview and PDF agree."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import Counter
from datetime import date, datetime

import pytest

from tests.common import pdf_pages, words
from tui_inkasso.domain.dunning import LETTER_TEXT_MAX_LINES
from tui_inkasso.formats.letter import (
    LetterData,
    LetterError,
    render_letter_text,
    render_letters_pdf,
)

TEXT = ("Vi har ännu inte fått betalt för fakturan nedan, trots påminnelse. Betala det belopp som "
        "står under Att betala senast det datum som anges, så undviker du att ärendet lämnas till "
        "inkasso.\n\nOm du anser att kravet är felaktigt, hör av dig till oss.")


def letter(**changes: object) -> LetterData:
    """A demand for rent with every field set; ``changes`` override fields."""
    base = LetterData(
        owner_name="Bostads AB Exempel", owner_org_no="556677-8899",
        owner_address=("Storgatan 1", "111 22 Stockholm"), owner_phone="08-123 456 78",
        owner_email="hyra@exempel.se", bankgiro="5050-1055",
        customer_name="Anna Andersson", customer_address=("Vägen 2 lgh 1101", "123 45 Solna"),
        invoice_number="100123", kind="rent", invoice_date=date(2026, 3, 15),
        due_date=date(2026, 3, 31), ocr="10012364", level=2, level_name="Krav", is_demand=True,
        issued_on=date(2026, 5, 4), payment_deadline=date(2026, 5, 14),
        capital_ore=1_234_550, interest_ore=12_345, fee_ore=18_000, earlier_fees_ore=6_000,
        total_ore=1_234_550 + 12_345 + 18_000 + 6_000, letter_text=TEXT,
        object_address="Vägen 2, lgh 1101", forfeiture_notice=True, customer_number="K-4711",
        interest_to=date(2026, 5, 4),
    )
    return dataclasses.replace(base, **changes)


def reminder_for_direct_invoice() -> LetterData:
    return letter(kind="direct", level=1, level_name="Påminnelse", is_demand=False,
                  fee_ore=6_000, earlier_fees_ore=0, interest_ore=0,
                  total_ore=1_234_550 + 6_000, forfeiture_notice=False, customer_number="",
                  interest_to=None, letter_text="Vi har inte fått betalt.")


def page_objects(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


# --- what the letter says ----------------------------------------------------------------------


def test_a_rent_demand_shows_every_part_apart() -> None:
    text = words(render_letter_text(letter()))
    for expected in (
        "Krav avseende faktura 100123",
        "Kapitalbelopp 12 345,50 kr",
        "Dröjsmålsränta t.o.m. 2026-05-04 123,45 kr",
        "Avgifter 240,00 kr",
        "Kravavgift 180,00 kr",
        "Tidigare avgifter 60,00 kr",
        "Att betala 12 708,95 kr",
        "Betalas senast 2026-05-14",
        "Bankgiro 5050-1055",
        "OCR-nummer 10012364",
        "Förfallodatum 2026-03-31",
        "Fakturadatum 2026-03-15",
        "Kundnummer K-4711",
        "Avser Hyra",
        "Objekt Vägen 2, lgh 1101",
        "Anna Andersson Vägen 2 lgh 1101 123 45 Solna",
        "Bostads AB Exempel Storgatan 1 111 22 Stockholm Org.nr 556677-8899",
        "Om hyran inte betalas i tid kan hyresrätten vara förverkad och hyresavtalet sägas upp "
        "(12 kap. 42 § jordabalken). Betala därför senast 2026-05-14.",
        "telefon 08-123 456 78, e-post hyra@exempel.se",
        "Har du redan betalat kan du bortse från detta brev.",
        words(TEXT),
    ):
        assert expected in text, expected


def test_a_direct_invoice_reminder_has_no_forfeiture_notice() -> None:
    text = words(render_letter_text(reminder_for_direct_invoice()))
    assert "Påminnelse avseende faktura 100123" in text
    assert "Påminnelseavgift 60,00 kr" in text
    assert "Avser Direktfaktura" in text
    assert "Dröjsmålsränta t.o.m. 2026-05-04 0,00 kr" in text
    assert "jordabalken" not in text and "förverkad" not in text
    assert "Tidigare avgifter" not in text and "Kundnummer" not in text


def test_the_letter_refuses_inconsistent_amounts_and_kinds() -> None:
    with pytest.raises(LetterError, match="faktura '100123': fältet total_ore är 1 men"):
        letter(total_ore=1)
    with pytest.raises(LetterError, match="fältet kind är 'rental'"):
        letter(kind="rental")
    with pytest.raises(LetterError, match="fältet interest_ore är negativt"):
        letter(interest_ore=-1, total_ore=1_234_550 - 1 + 18_000 + 6_000)


# --- stored JSON ------------------------------------------------------------------------------


def test_json_round_trip_is_exact_and_stable() -> None:
    for original in (letter(), reminder_for_direct_invoice()):
        stored = original.to_json()
        again = LetterData.from_json(stored)
        assert again == original
        assert again.to_json() == stored
        data = json.loads(stored)
        assert data["format"] == 1
        assert list(data) == sorted(data)
        assert data["capital_ore"] == original.capital_ore


def test_json_from_an_older_row_without_optional_fields() -> None:
    data = json.loads(letter().to_json())
    del data["customer_number"], data["interest_to"]
    restored = LetterData.from_json(json.dumps(data))
    assert restored.customer_number == "" and restored.interest_to is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("ocr"), "fältet ocr saknas"),
    (lambda d: d.update(capital_ore="12345.50"), "fältet capital_ore är '12345.50'; ska vara ett heltal"),
    (lambda d: d.update(due_date="31/3/2026"), "fältet due_date är '31/3/2026'; ska vara ett datum"),
    (lambda d: d.update(format=2), "fältet format är 2; ska vara 1"),
    (lambda d: d.update(colour="red"), "okända fält colour"),
    (lambda d: d.update(is_demand="yes"), "fältet is_demand är 'yes'; ska vara true eller false"),
    (lambda d: d.update(owner_address="Storgatan 1"), "fältet owner_address .*lista med textrader"),
])
def test_json_errors_name_the_field(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(letter().to_json())
    change(data)
    with pytest.raises(LetterError, match=message):
        LetterData.from_json(json.dumps(data))


def test_json_that_is_not_json() -> None:
    with pytest.raises(LetterError, match=r"ingen JSON \(rad 1, kolumn 1"):
        LetterData.from_json("<xml/>")


# --- the PDF ----------------------------------------------------------------------------------


def test_pdf_has_one_page_per_letter() -> None:
    letters = [letter(invoice_number=str(100_000 + i)) if i % 2 else reminder_for_direct_invoice()
               for i in range(7)]
    pdf = render_letters_pdf(letters)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_objects(pdf) == 7
    assert b"/Count 7" in pdf
    pages = pdf_pages(pdf)
    assert len(pages) == 7
    assert "100001" in " ".join(pages[1]) and "Påminnelse" in pages[0]


@pytest.mark.parametrize("make", [letter, reminder_for_direct_invoice])
def test_pdf_page_says_exactly_what_the_preview_says(make) -> None:  # type: ignore[no-untyped-def]
    data = make()
    preview = Counter(w for w in render_letter_text(data).split() if w.strip("-"))
    (page,) = pdf_pages(render_letters_pdf([data]))
    printed = Counter(w for s in page for w in s.split())
    assert printed == preview


def test_a_reprint_from_the_stored_json_is_byte_identical() -> None:
    when = datetime(2026, 5, 4, 12, 0, 0)
    first = render_letters_pdf([letter()], creation_date=when)
    reprint = render_letters_pdf([LetterData.from_json(letter().to_json())], creation_date=when)
    assert first == reprint


def test_characters_the_font_lacks_are_replaced_not_fatal() -> None:
    data = letter(letter_text="Betala – tack “nu” → snart ☃", customer_name="Zoë (Ł) Ström")
    (page,) = pdf_pages(render_letters_pdf([data]))
    joined = " ".join(page)
    assert 'Betala - tack "nu" ? snart ?' in joined
    assert "Zoë (?) Ström" in joined
    assert 'Betala - tack "nu" ? snart ?' in render_letter_text(data)


def test_the_longest_allowed_letter_fits_on_one_page() -> None:
    long_text = " ".join(["Lång text med många ord"] * 200)
    lines = "\n".join(long_text[i * 80:(i + 1) * 80] for i in range(LETTER_TEXT_MAX_LINES))
    data = letter(letter_text=lines, owner_address=("c/o Förvaltning", "Storgatan 1",
                                                    "111 22 Stockholm"),
                  customer_address=("c/o Andersson", "Vägen 2 lgh 1101", "123 45 Solna"))
    pdf = render_letters_pdf([data])
    assert page_objects(pdf) == 1


def test_a_letter_too_long_for_the_page_is_an_error_naming_the_invoice() -> None:
    data = letter(letter_text="\n".join(f"Rad {i}" for i in range(40)))
    with pytest.raises(LetterError, match="faktura '100123': innehållet får inte plats"):
        render_letters_pdf([data])


def test_no_letters_is_an_error() -> None:
    with pytest.raises(LetterError, match="inga brev"):
        render_letters_pdf([])


def test_five_hundred_letters_are_quick() -> None:
    letters = [letter(invoice_number=str(200_000 + i)) for i in range(500)]
    started = time.perf_counter()
    pdf = render_letters_pdf(iter(letters))
    assert time.perf_counter() - started < 5.0  # ~0.45 s here; bench/bench_letters.py: 20 000
    assert page_objects(pdf) == 500
