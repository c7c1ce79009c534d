"""BgMax reader and writer against Bankgirot's sample files and hand-made broken variants.

The samples are read in place from shared/fixtures (never copied). Expected figures come from
reading the files by eye and from shared/docs/formats/bank-files.md (§1.5 worked decode, §1.6
invariants, §1.7 quirks).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tui_inkasso.formats.bgmax import read_bgmax, write_bgmax
from tui_inkasso.formats.payment_file import (
    BankPayment,
    ExtraReference,
    PaymentFile,
    PaymentFileError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
JACOB = FIXTURES / "jacob22-accounting"
ZIMPLER = FIXTURES / "Zimpler-bankgiro_inbetalningar"
BARSOOM = FIXTURES / "barsoom-bankgiro_inbetalningar"
FABHED = FIXTURES / "fabhed-bgmax-parser" / (
    "bankgiroinbetalningar_exempelfil_avtal-om-ocr-kontroll_checksiffra_langd_sv.txt"
)
TREE_SITTER = FIXTURES / "dmitry-krasilnikov-tree-sitter-bgmax" / FABHED.name

# file -> (payments incl. deductions, deductions, [(section count, section amount öre)])
GOOD_FILES = {
    JACOB / "BgMaxfil1.txt": (5, 0, [(5, 85000)]),
    JACOB / "BgMaxfil2.txt": (6, 0, [(2, 150000), (4, 210000)]),
    JACOB / "BgMaxfil3.txt": (9, 1, [(3, 190000), (4, 800000), (2, 400000)]),
    JACOB / "BgMaxfil4.txt": (9, 0, [(2, 370000), (1, 200000), (4, 290000), (2, 400000)]),
    JACOB / "BgMaxfil5.txt": (6, 0, [(6, 353300)]),
    JACOB / "bginbetalningar_exempelfil_1.txt": (7, 0, [(2, 370000), (1, 200000), (4, 290000)]),
    JACOB / "bginbetalningar_exempelfil_2.txt": (6, 0, [(6, 353300)]),
    JACOB / "bginbetalningar_exempelfil_3.txt": (9, 1, [(3, 190000), (4, 800000), (2, 400000)]),
    JACOB / "bginbetalningar_exempelfil_4.txt": (6, 0, [(2, 150000), (4, 210000)]),
    JACOB / "bginbetalningar_exempelfil_5.txt": (5, 0, [(5, 85000)]),
    ZIMPLER / "BgMaxfil4.txt": (9, 0, [(2, 370000), (1, 200000), (4, 290000), (2, 400000)]),
    ZIMPLER / "minimal.txt": (1, 0, [(1, 110000)]),
    BARSOOM / "BgMaxfil4.txt": (9, 0, [(2, 370000), (1, 200000), (4, 290000), (2, 400000)]),
    BARSOOM / "minimal.txt": (1, 0, [(1, 110000)]),
    FABHED: (7, 1, [(3, 190000), (4, 800000)]),
    TREE_SITTER: (7, 1, [(3, 190000), (4, 800000)]),
}

MINIMAL = (ZIMPLER / "minimal.txt").read_bytes()


def read(path: Path) -> PaymentFile:
    return read_bgmax(path.read_bytes(), path.name)


def lines_of(data: bytes) -> list[bytes]:
    return data.split(b"\r\n")


def refused(data: bytes, name: str = "variant.txt") -> PaymentFileError:
    with pytest.raises(PaymentFileError) as caught:
        read_bgmax(data, name)
    return caught.value


@pytest.mark.parametrize("path", list(GOOD_FILES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_good_sample_gives_its_payments_and_agrees_with_its_totals(path: Path) -> None:
    count, deductions, sections = GOOD_FILES[path]
    result = read(path)
    assert result.format == "bgmax"
    assert not result.is_test
    assert len(result.payments) == count
    assert sum(p.is_deduction for p in result.payments) == deductions
    assert [(s.count, s.amount) for s in result.sections] == sections
    assert result.total_amount == sum(amount for _, amount in sections)
    assert result.total_amount == sum(p.amount for p in result.payments)
    for section in result.sections:
        mine = [p for p in result.payments if p.section_index == section.index]
        assert sum(p.amount for p in mine) == section.amount
        assert {p.pay_date for p in mine} == {section.pay_date}
        assert all(section.first_line < p.line < section.last_line for p in mine)


def test_file_identity_comes_from_the_start_record() -> None:
    result = read(JACOB / "BgMaxfil1.txt")
    assert result.file_id == "20040525173035010331"
    assert result.created_at == datetime(2004, 5, 25, 17, 30, 35, 10331)
    assert result.encoding == "iso-8859-1"
    assert result.line_count == 28
    assert result.path == "BgMaxfil1.txt"


def test_worked_decode_of_the_deduction_in_bank_files_1_5() -> None:
    result = read(FABHED)
    deduction = next(p for p in result.payments if p.is_deduction)
    assert deduction == BankPayment(
        amount=-50000, pay_date=date(2004, 5, 25), reference="89853", reference_code="3",
        sender_account="3783511", payer_name="Kalles Plåt AB", payer_address="Storgatan 2",
        payer_postcode="12345", payer_city="Storåker", payer_orgno="5500001234",
        bank_serial="000230000111", channel="2", image=False, deduction_code="0",
        currency="SEK", receiving_account="9912346", receiving_bank_account="5841000001009823",
        deposit_serial="00074", is_deduction=True,
    )
    assert deduction.line == 8
    section = result.sections[0]
    assert (section.receiving_bank_account, section.pay_date, section.deposit_serial) == (
        "5841000001009823", date(2004, 5, 25), "00074")
    assert (section.amount, section.count, section.payment_count, section.deduction_count) == (
        190000, 3, 2, 1)
    assert section.amount == 100000 + 140000 - 50000


def test_a_payment_with_message_name_address_and_organisation_number() -> None:
    first = read(JACOB / "BgMaxfil1.txt").payments[0]
    assert first == BankPayment(
        amount=10000, pay_date=date(2004, 5, 25), reference="65598", reference_code="3",
        sender_account="3783511", messages=("Här är betalning från mig till dig",),
        payer_name="Kalles Plåt AB", payer_address="Storgatan 2", payer_postcode="12345",
        payer_city="Storåker", payer_orgno="5500001234", bank_serial="000000000001",
        channel="2", currency="SEK", receiving_account="9912346",
        receiving_bank_account="5841000001009823", deposit_serial="00005",
    )
    assert first.line == 3


def test_unknown_sender_and_missing_reference_read_as_empty() -> None:
    last = read(JACOB / "BgMaxfil1.txt").payments[-1]
    assert (last.sender_account, last.reference, last.reference_code) == ("", "", "1")
    assert (last.amount, last.channel, last.image) == (15000, "3", True)


def test_stray_blank_in_the_sender_bankgiro_is_read_as_its_digits() -> None:
    quirky = read(JACOB / "bginbetalningar_exempelfil_4.txt")
    payment = quirky.payments[1]
    assert payment.line == 10
    assert (payment.sender_account, payment.reference, payment.amount) == (
        "9701233", "524967", 80000)
    assert any("avsändarbankgiro" in w and "rad 10" in w for w in quirky.warnings)
    # BgMaxfil2 is the same file with the sender field written correctly ("0009701233").
    assert quirky.payments == read(JACOB / "BgMaxfil2.txt").payments

    other = read(JACOB / "bginbetalningar_exempelfil_2.txt")
    payment = next(p for p in other.payments if p.line == 20)
    assert payment.sender_account == "9701233"
    assert payment.extra_references == ("246462", "3861275")


def test_extra_references_keep_their_amounts_and_tk23_is_negative() -> None:
    payment = next(p for p in read(JACOB / "BgMaxfil5.txt").payments if p.line == 12)
    assert payment.amount == 70000
    assert payment.extra_reference_items == (
        ExtraReference("34850", 40000, "2"),
        ExtraReference("47852", -20000, "2"),
        ExtraReference("583161", 50000, "2"),
    )
    assert [e.line for e in payment.extra_reference_items] == [13, 14, 15]
    assert payment.amount == sum(e.amount for e in payment.extra_reference_items)
    assert payment.all_references == ("34850", "47852", "583161")


def test_sections_keep_currency_and_payee_plusgiro() -> None:
    result = read(JACOB / "BgMaxfil2.txt")
    assert [s.currency for s in result.sections] == ["EUR", "SEK"]
    assert result.currencies == ("EUR", "SEK")
    assert result.sections[1].receiving_plusgiro == "8156086"
    assert {p.currency for p in result.payments if p.section_index == 0} == {"EUR"}


def test_tabs_are_expanded_as_the_haskell_parser_does() -> None:
    with_tabs = read(FABHED)
    payment = next(p for p in with_tabs.payments if p.line == 13)
    assert payment.extra_references == ("657866", "658765", "657767", "657965")
    assert any("TAB" in w and "rad 17" in w for w in with_tabs.warnings)
    assert any("kortare än 80" in w for w in with_tabs.warnings)
    # The tree-sitter copy is the same file re-encoded to UTF-8 with LF and the TABs replaced
    # by blanks: it must give exactly the same payments.
    utf8 = read(TREE_SITTER)
    assert utf8.encoding == "utf-8"
    assert utf8.payments == with_tabs.payments
    assert utf8.payments[0].payer_name == "Kalles Plåt AB"


def test_short_and_long_lines_and_the_13_character_tk29_are_tolerated() -> None:
    result = read(JACOB / "bginbetalningar_exempelfil_1.txt")
    olles = next(p for p in result.payments if p.line == 13)
    assert olles.payer_orgno == "550000432"
    assert any("längre än 80" in w and "rad 6" in w for w in result.warnings)


def test_bad_fixture_with_wrong_end_record_is_refused_with_line_and_field() -> None:
    for folder in (ZIMPLER, BARSOOM):
        error = refused((folder / "BgMaxfil4_broken.txt").read_bytes(), "BgMaxfil4_broken.txt")
        assert (error.line, error.field, error.pos) == (67, "antal betalningar", (3, 10))
        assert str(error) == (
            "BgMaxfil4_broken.txt, rad 67, fält antal betalningar (pos 3–10): "
            "TK70 anger 8 betalningsposter (TK20), filen har 9"
        )


@pytest.mark.parametrize("name, first", [("isolated_deposit.txt", "TK05"),
                                         ("isolated_payment.txt", "TK20")])
def test_fragments_without_start_and_end_record_are_refused(name: str, first: str) -> None:
    error = refused((ZIMPLER / name).read_bytes(), name)
    assert (error.line, error.field) == (1, "posttyp")
    assert first in error.reason and "TK01" in error.reason


def test_non_numeric_amount_names_line_field_and_value() -> None:
    lines = lines_of(MINIMAL)
    lines[2] = lines[2][:37] + b"000000000001A00000" + lines[2][55:]
    error = refused(b"\r\n".join(lines), "minimal.txt")
    assert str(error) == (
        "minimal.txt, rad 3, fält belopp (pos 38–55): inte numeriskt: '000000000001A00000'"
    )


def test_non_numeric_serial_and_sender_are_refused() -> None:
    lines = lines_of(MINIMAL)
    lines[2] = lines[2][:60] + b"X" + lines[2][61:]
    assert (refused(b"\r\n".join(lines)).field) == "BGC-löpnummer"
    lines = lines_of(MINIMAL)
    lines[2] = b"2000970X2333" + lines[2][12:]
    error = refused(b"\r\n".join(lines))
    assert (error.line, error.field, error.pos) == (3, "avsändarbankgiro", (3, 12))


def test_wrong_deposit_sum_is_refused() -> None:
    data = MINIMAL.replace(b"000000000000110000SEK", b"000000000000110001SEK")
    error = refused(data)
    assert (error.line, error.field, error.pos) == (4, "belopp", (51, 68))
    assert "1\u00a0100,01" in error.reason and "1\u00a0100,00" in error.reason


def test_wrong_deposit_count_is_refused() -> None:
    data = MINIMAL.replace(b"SEK00000001", b"SEK00000002")
    error = refused(data)
    assert (error.line, error.field) == (4, "antal betalningar")


def test_deposit_currency_must_match_the_opening_record() -> None:
    error = refused(MINIMAL.replace(b"110000SEK", b"110000EUR"))
    assert (error.line, error.field) == (4, "valuta")


def test_impossible_payment_date_is_refused() -> None:
    error = refused(MINIMAL.replace(b"20040525000", b"20041340000"))
    assert (error.line, error.field) == (4, "betalningsdag")


def test_payment_before_the_opening_record_is_refused() -> None:
    lines = lines_of(MINIMAL)
    lines[1], lines[2] = lines[2], lines[1]
    error = refused(b"\r\n".join(lines))
    assert (error.line, error.field) == (2, "posttyp")
    assert "TK20" in error.reason and "TK05" in error.reason


def test_missing_end_record_is_refused() -> None:
    lines = lines_of(MINIMAL)
    error = refused(b"\r\n".join(lines[:4]) + b"\r\n")
    assert error.line == 4
    assert "TK70" in error.reason


def test_missing_deposit_record_is_refused() -> None:
    lines = lines_of(MINIMAL)
    error = refused(b"\r\n".join(lines[:3] + lines[4:]))
    assert error.line == 4 and "TK15" in error.reason


def test_end_record_counts_are_checked_field_by_field() -> None:
    data = MINIMAL.replace(b"7000000001000000000000000000000001", b"7000000001000000000000000000000002")
    error = refused(data)
    assert (error.line, error.field, error.pos) == (5, "antal insättningar", (27, 34))


def test_records_after_a_payment_must_keep_their_order() -> None:
    lines = lines_of((JACOB / "BgMaxfil1.txt").read_bytes())
    lines[4], lines[6] = lines[6], lines[4]  # 20, 25, 28, 27, 26: TK27 after TK28
    error = refused(b"\r\n".join(lines))
    assert error.line == 6 and "TK27" in error.reason and "i fel ordning" in error.reason
    assert "betalning på rad 3" in error.reason
    lines = lines_of((JACOB / "BgMaxfil1.txt").read_bytes())
    lines.insert(5, lines[4])  # a second TK26
    assert "i fel ordning" in refused(b"\r\n".join(lines)).reason


def test_extra_reference_without_payment_is_refused() -> None:
    lines = lines_of((JACOB / "BgMaxfil2.txt").read_bytes())
    lines.insert(2, lines[23])  # a TK22 right after TK05
    error = refused(b"\r\n".join(lines))
    assert error.line == 3 and "utan betalning" in error.reason


def test_empty_line_between_records_is_refused_but_trailing_ones_are_not() -> None:
    lines = lines_of(MINIMAL)
    error = refused(b"\r\n".join([*lines[:2], b"", *lines[2:]]))
    assert error.line == 3 and "tom rad" in error.reason
    assert len(read_bgmax(MINIMAL + b"\r\n\r\n   \r\n", "x").payments) == 1


def test_text_beyond_column_80_is_refused() -> None:
    lines = lines_of(MINIMAL)
    lines[2] = lines[2].ljust(80) + b"  X"
    error = refused(b"\r\n".join(lines))
    assert error.line == 3 and "efter position 80" in error.reason


def test_record_after_the_end_record_is_refused() -> None:
    lines = lines_of(MINIMAL)
    error = refused(b"\r\n".join([*lines[:5], lines[2]]))
    assert error.line == 6 and "efter slutpost TK70" in error.reason


def test_unknown_record_types_are_ignored_as_the_manual_says() -> None:
    lines = lines_of(MINIMAL)
    result = read_bgmax(b"\r\n".join([*lines[:3], b"99 something new".ljust(80), *lines[3:]]), "x")
    assert len(result.payments) == 1
    assert any("okänd typ" in w and "rad 4" in w for w in result.warnings)
    error = refused(b"\r\n".join([*lines[:3], b"X9 not a record".ljust(80), *lines[3:]]))
    assert error.line == 4 and error.field == "posttyp"


def test_test_marker_and_version_are_read_from_the_start_record() -> None:
    test_file = read_bgmax(MINIMAL.replace(b"010331P", b"010331T"), "x")
    assert test_file.is_test
    assert refused(MINIMAL.replace(b"010331P", b"010331X")).field == "testmarkering"
    assert refused(MINIMAL.replace(b"BGMAX               01", b"BGMAX               02")).field \
        == "version"


def test_lf_only_and_missing_final_newline_read_the_same() -> None:
    crlf = read(JACOB / "BgMaxfil3.txt")
    lf = read_bgmax((JACOB / "BgMaxfil3.txt").read_bytes().replace(b"\r\n", b"\n"), "x")
    assert lf.payments == crlf.payments
    assert read_bgmax(MINIMAL.rstrip(b"\r\n"), "x").payments == read_bgmax(MINIMAL, "x").payments


# -- writer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(GOOD_FILES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_writer_output_reads_back_identically(path: Path) -> None:
    original = read(path)
    data = write_bgmax(original.payments, created_at=original.created_at)
    again = read_bgmax(data, "written.txt")
    assert again.payments == original.payments
    assert [(s.count, s.amount, s.pay_date) for s in again.sections] == [
        (s.count, s.amount, s.pay_date) for s in original.sections]
    assert again.file_id == original.file_id
    assert again.warnings == ()
    assert all(len(line) == 80 for line in data.split(b"\r\n")[:-1])
    assert data.endswith(b"\r\n")


def test_writer_builds_sections_and_test_marker() -> None:
    payments = [
        BankPayment(amount=12345, pay_date=date(2025, 3, 3), reference="4001234567890",
                    reference_code="2", sender_account="58056201", bank_serial="000000000001",
                    channel="1", receiving_account="9912346", deposit_serial="00001",
                    receiving_bank_account="5841000001009823", payer_name="Inkasso AB"),
        BankPayment(amount=-500, pay_date=date(2025, 3, 3), reference="x", reference_code="3",
                    is_deduction=True, deduction_code="0", bank_serial="000000000002",
                    channel="2", receiving_account="9912346", deposit_serial="00001",
                    receiving_bank_account="5841000001009823"),
        BankPayment(amount=100, pay_date=date(2025, 3, 4), reference_code="0",
                    bank_serial="000000000003", channel="3", receiving_account="9912346",
                    deposit_serial="00002", receiving_bank_account="5841000001009823"),
    ]
    result = read_bgmax(write_bgmax(payments, created_at=datetime(2025, 3, 4, 8, 0), is_test=True),
                        "x")
    assert result.is_test
    assert list(result.payments) == payments
    assert [(s.count, s.amount) for s in result.sections] == [(2, 11845), (1, 100)]


def test_writer_refuses_what_bgmax_cannot_hold() -> None:
    base = BankPayment(amount=100, pay_date=date(2025, 3, 3), receiving_account="9912346")
    with pytest.raises(ValueError, match="longer than 25"):
        write_bgmax([base.replace(reference="1" * 26)], created_at=datetime(2025, 3, 3))
    with pytest.raises(ValueError, match="Total IN-only"):
        write_bgmax([base.replace(reported_bankgiro="1234")], created_at=datetime(2025, 3, 3))
    with pytest.raises(ValueError, match="section amount"):
        write_bgmax([base.replace(amount=-100, is_deduction=True)],
                    created_at=datetime(2025, 3, 3))
    with pytest.raises(ValueError, match="extra_reference_items"):
        write_bgmax([base.replace(extra_references=("1",))], created_at=datetime(2025, 3, 3))


def test_ten_thousand_payments_round_trip() -> None:
    payments = [
        BankPayment(amount=100 + i, pay_date=date(2025, 1, 1 + i // 1000),
                    reference=str(10_000_000 + i), reference_code="2",
                    sender_account=str(1_000_000 + i % 97), bank_serial=f"{i:012d}", channel="1",
                    receiving_account="9912346", deposit_serial=f"{i // 1000:05d}",
                    payer_name=f"Betalare {i}")
        for i in range(10_000)
    ]
    result = read_bgmax(write_bgmax(payments, created_at=datetime(2025, 1, 11)), "big.txt")
    assert list(result.payments) == payments
    assert len(result.sections) == 10
    assert result.total_amount == sum(p.amount for p in payments)


# -- a payment or a deposit that stands twice (issue 14, item 2) ---------------------------------

def _ocr_payment(serial: str, amount: int = 110000, deposit: str = "00001") -> BankPayment:
    return BankPayment(
        amount=amount, pay_date=date(2026, 9, 25), reference="100234", reference_code="2",
        sender_account="3783511", bank_serial=serial, channel="1", receiving_account="1234566",
        receiving_bank_account="5841000001009823", deposit_serial=deposit,
    )


CREATED_2026 = datetime(2026, 9, 25, 18, 0)


def test_a_payment_line_written_twice_with_agreeing_totals_is_refused_naming_both_lines() -> None:
    twice = _ocr_payment("000000000016")
    data = write_bgmax([_ocr_payment("000000000015"), twice, twice], created_at=CREATED_2026)
    error = refused(data)
    assert (error.line, error.field, error.pos) == (5, "BGC-löpnummer", (58, 69))
    assert "rad 4" in error.reason and "000000000016" in error.reason
    assert "två gånger" in error.reason


def test_the_same_payment_in_a_renumbered_deposit_is_refused_too() -> None:
    payment = _ocr_payment("000000000016")
    data = write_bgmax([payment, payment.replace(deposit_serial="00002")], created_at=CREATED_2026)
    error = refused(data)
    assert (error.line, error.field) == (6, "BGC-löpnummer")
    assert "rad 3" in error.reason


def test_a_repeated_deposit_section_is_refused_naming_both_sections() -> None:
    first = [_ocr_payment("000000000001"), _ocr_payment("000000000002", 5000)]
    other = [_ocr_payment("000000000003", deposit="00002")]
    data = write_bgmax([*first, *other, *first], created_at=CREATED_2026)
    error = refused(data)
    # 01, [05 20 20 15] = 2-5, [05 20 15] = 6-8, [05 20 20 15] = 9-12
    assert (error.line, error.field, error.pos) == (12, "insättningsnummer", (46, 50))
    assert "rad 9–12" in error.reason and "rad 2–5" in error.reason and "00001" in error.reason


def test_two_different_payments_sharing_a_bgc_serial_stay_accepted_as_in_bankgirots_sample() -> None:
    data = write_bgmax([_ocr_payment("000000000016"), _ocr_payment("000000000016", 5000)],
                       created_at=CREATED_2026)
    assert [p.amount for p in read_bgmax(data, "x.txt").payments] == [110000, 5000]


# -- amounts of 0 öre and near the field's maximum (issue 14, item 3) ----------------------------

@pytest.mark.parametrize("amount", [0, 100_000_000_000, 999_999_999_999_999_998])
def test_a_payment_of_0_ore_or_above_the_largest_amount_is_refused_with_line_and_field(amount: int) -> None:
    data = write_bgmax([_ocr_payment("000000000001", 1), _ocr_payment("000000000002", amount)],
                       created_at=CREATED_2026)
    error = refused(data)
    assert (error.line, error.field, error.pos) == (4, "belopp", (38, 55))
    assert ("0 kr" if amount == 0 else "999\u00a0999\u00a0999,99 kr") in error.reason


def test_the_largest_amount_is_read() -> None:
    data = write_bgmax([_ocr_payment("000000000001", 99_999_999_999)], created_at=CREATED_2026)
    assert read_bgmax(data, "x.txt").payments[0].amount == 99_999_999_999


def test_an_extra_reference_above_the_largest_amount_is_refused() -> None:
    payment = _ocr_payment("000000000001").replace(
        extra_reference_items=(ExtraReference("100234", 10**17, "2"),), extra_references=("100234",))
    error = refused(write_bgmax([payment], created_at=CREATED_2026))
    assert (error.line, error.field, error.pos) == (4, "belopp", (38, 55))


# -- absurd deposit dates (issue 14, item 3; the rule is domain/date_sanity.py) ------------------

@pytest.mark.parametrize(("written", "reason"), [
    (b"10100324", "1010-03-24 ligger mer än ett år före filens datum 2004-05-25"),
    (b"19000101", "1900-01-01 ligger mer än ett år före filens datum 2004-05-25"),
    (b"99991231", "9999-12-31 ligger efter filens datum 2004-05-25"),
    (b"20040526", "2004-05-26 ligger efter filens datum 2004-05-25"),
])
def test_a_deposit_date_long_before_or_after_the_file_is_refused_with_line_and_field(
    written: bytes, reason: str
) -> None:
    # notima/bankgiro-api's public sample BGMAX_Sample1.txt has the deposit date 10100324
    error = refused(MINIMAL.replace(b"20040525000", written + b"000"))
    assert (error.line, error.field, error.pos, error.reason) == (4, "betalningsdag", (38, 45), reason)


def test_a_deposit_date_up_to_a_year_before_the_file_is_read() -> None:
    result = read_bgmax(MINIMAL.replace(b"20040525000", b"20030525000"), "x.txt")
    assert result.payments[0].pay_date == date(2003, 5, 25)


# -- control characters in names (issue 14, item 10) ---------------------------------------------

def _named(name: str) -> bytes:
    payment = _ocr_payment("000000000001").replace(payer_name=name)
    return write_bgmax([payment], created_at=CREATED_2026)


def _payer_name(data: bytes) -> tuple[str, tuple[str, ...]]:
    result = read_bgmax(data, "x.txt")
    return result.payments[0].payer_name, result.warnings


def test_a_cp437_file_reads_swedish_letters_and_never_yields_the_8_bit_csi() -> None:
    # byte 0x9B is CSI (an escape sequence) read as ISO-8859-1; in CP437 (PC8) it is '¢'
    data = _named("Åsa Öberg ¢[2J").decode("latin-1").encode("cp437")
    assert b"\x9b[2J" in data
    name, warnings = _payer_name(data)
    assert name == "Åsa Öberg ¢[2J"
    assert any("CP437" in w for w in warnings)


def test_c1_bytes_beside_iso_8859_1_letters_are_read_as_windows_1252() -> None:
    data = _named("Åsa #Öberg").replace(b"#", b"\x9b")
    name, warnings = _payer_name(data)
    assert name == "Åsa \u203aÖberg" and not any("\x80" <= c <= "\x9f" for c in name)
    assert any("Windows-1252" in w for w in warnings)


def test_control_and_bidi_characters_in_a_utf8_file_become_blanks_in_place() -> None:
    data = _named("Anna_Svensson_x").decode("latin-1").replace("_", "\u009b", 1).replace(
        "_", "\u202e", 1).encode("utf-8")
    name, warnings = _payer_name(data)
    assert name == "Anna Svensson x"
    assert any("2 styrtecken" in w for w in warnings)


def test_an_escape_byte_in_a_name_refuses_the_file() -> None:
    error = refused(_named("Anna #c Svensson").replace(b"#", b"\x1b"))
    assert error.line == 4 and "0x1b" in error.reason
