"""Total IN reader and writer against Nordea's sample file, oktavilla's bad-totals file and
hand-made broken variants (shared/docs/formats/bank-files.md §2)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tui_inkasso.formats.payment_file import (
    BankPayment,
    ForeignAmount,
    Party,
    PaymentFile,
    PaymentFileError,
)
from tui_inkasso.formats.totalin import read_totalin, write_totalin

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
SAMPLE_PATH = FIXTURES / "jacob22-accounting" / "total_in_bas_exempelfil.txt"
LARGE_PATH = FIXTURES / "oktavilla-total-in-ruby" / "total_in_large.txt"
SAMPLE = SAMPLE_PATH.read_bytes()


def read(data: bytes = SAMPLE, name: str = "total_in_bas_exempelfil.txt") -> PaymentFile:
    return read_totalin(data, name)


def refused(data: bytes) -> PaymentFileError:
    with pytest.raises(PaymentFileError) as caught:
        read_totalin(data, "variant.txt")
    return caught.value


def lines_of(data: bytes = SAMPLE) -> list[bytes]:
    return data.split(b"\r\n")


def joined(lines: list[bytes]) -> bytes:
    return b"\r\n".join(lines)


def by_line(result: PaymentFile, line: int) -> BankPayment:
    return next(p for p in result.payments if p.line == line)


def test_sample_gives_nine_transactions_in_two_account_sections() -> None:
    result = read()
    assert result.format == "totalin"
    assert (result.file_id, result.sender_id, result.delivery_number) == (
        "TI222222-20111025041330123456-01", "TI222222", 1)
    assert result.created_at == datetime(2011, 10, 25, 4, 13, 30, 123456)
    assert not result.is_test
    assert result.line_count == 61
    assert [(s.receiving_account, s.count, s.amount, s.deposit_serial) for s in result.sections] == [
        ("10181", 6, 1919000, "20111024001"), ("9690017", 3, 954434, "20111024001")]
    assert (result.payment_count, result.deduction_count) == (8, 1)
    assert result.total_amount == 1919000 + 954434 == sum(p.amount for p in result.payments)
    assert {p.pay_date for p in result.payments} == {date(2011, 10, 24)}
    assert result.warnings == ()


def test_payment_with_extra_references_messages_sender_account_and_holder() -> None:
    payment = by_line(read(), 3)
    assert payment == BankPayment(
        amount=302550, pay_date=date(2011, 10, 24), reference="38952344444",
        extra_references=("38952345678", "38952145778"),
        messages=("FAKTURANR:38952344444", "INTERN REF:  9780858", "FAKTURANR:38952345678",
                  "38952145778ABC"),
        sender_account="1234567", sender_origin_code="1", payer_orgno="9999999999",
        account_holder=Party(name="TESTBOLAGET AB", address="GATAN 12", postcode="12345",
                             city="TESTSTAD"),
        bank_serial="22222333334444451", currency="SEK", receiving_account="10181",
        deposit_serial="20111024001",
    )
    assert payment.display_name == "TESTBOLAGET AB"
    assert payment.all_references == ("38952344444", "38952345678", "38952145778")


def test_all_zero_reference_is_no_reference_and_sender_name_comes_from_record_50() -> None:
    payment = by_line(read(), 11)
    assert payment.reference == ""
    assert payment.sender_account == "99999999"
    assert payment.sender_origin_code is None
    assert payment.payer_name == "FÖRETAGET AB FRISKVÅRDAVD."
    assert payment.messages == ("TACK FÖR LÅNET",)


def test_sender_locality_record_52_and_reported_bankgiro() -> None:
    payment = by_line(read(), 18)
    assert (payment.payer_name, payment.payer_address, payment.payer_postcode,
            payment.payer_city) == ("TESTFABRIKEN AB", "GATAN 22", "11111", "TESTVIKEN")
    assert (payment.sender_account, payment.sender_origin_code) == ("98765433", "2")
    assert payment.reported_bankgiro == "34523455"
    assert payment.account_holder == Party(name="NORDEA BANK AB", postcode="10571",
                                           city="STOCKHOLM")


def test_international_payment_record_70() -> None:
    payment = by_line(read(), 28)
    assert payment.amount == 880000
    assert payment.foreign == ForeignAmount(amount=100000, currency="EUR", exchange_rate=88000)
    assert payment.foreign.amount * payment.foreign.exchange_rate // 10000 == payment.amount


def test_deduction_is_negative() -> None:
    payment = by_line(read(), 32)
    assert (payment.amount, payment.is_deduction, payment.deduction_code) == (-52550, True, None)
    assert payment.reference == "987654123"
    assert payment.messages == ("FAKTURA NR: 987654123 ABC", "KUNDNR: 123", "ÅTERBETALNING")


def test_large_file_with_wrong_totals_is_refused_at_its_first_wrong_section() -> None:
    with pytest.raises(PaymentFileError) as caught:
        read_totalin(LARGE_PATH.read_bytes(), "total_in_large.txt")
    error = caught.value
    assert (error.line, error.field, error.pos) == (96, "antal transaktioner", (3, 10))
    assert str(error) == (
        "total_in_large.txt, rad 96, fält antal transaktioner (pos 3–10): post 90 anger 6 "
        "transaktioner, kontoavsnittet från rad 40 har 9 (20 + 25)"
    )


def test_non_numeric_amount_is_refused() -> None:
    lines = lines_of()
    lines[2] = lines[2][:40] + b"X" + lines[2][41:]
    error = refused(joined(lines))
    assert (error.line, error.field, error.pos) == (3, "belopp", (38, 52))


def test_wrong_section_sum_is_refused() -> None:
    error = refused(SAMPLE.replace(b"90000000060000000000191900020111024001",
                                   b"90000000060000000000191900120111024001"))
    assert (error.line, error.field, error.pos) == (39, "belopp", (11, 27))
    assert "19\u00a0190,01" in error.reason and "19\u00a0190,00" in error.reason


def test_wrong_line_count_in_the_end_record_is_refused() -> None:
    error = refused(SAMPLE.replace(b"99000000000000061", b"99000000000000062"))
    assert (error.line, error.field) == (61, "antal rader")


def test_missing_end_record_is_refused() -> None:
    error = refused(joined(lines_of()[:60]))
    assert error.line == 60 and "slutpost 99" in error.reason


def test_payment_before_the_account_record_is_refused() -> None:
    lines = lines_of()
    lines[1], lines[2] = lines[2], lines[1]
    error = refused(joined(lines))
    assert (error.line, error.field) == (2, "posttyp")
    assert "utanför ett kontoavsnitt" in error.reason


def test_sender_records_keep_their_order() -> None:
    lines = lines_of()
    lines[6], lines[7] = lines[7], lines[6]  # 61 before 60
    error = refused(joined(lines))
    assert error.line == 8 and "i fel ordning" in error.reason


def test_extra_record_without_transaction_is_refused() -> None:
    lines = lines_of()
    lines.insert(2, lines[6])  # a record 60 right after record 10
    error = refused(joined(lines))
    assert error.line == 3 and "utan transaktion" in error.reason


def test_test_file_and_file_type_are_read_from_record_00() -> None:
    test_file = read(SAMPLE.replace(b"TL1TOTALIN  ", b"TL1TOTALIN-T"))
    assert test_file.is_test
    assert refused(SAMPLE.replace(b"TL1TOTALIN", b"TL2TOTALIN")).field == "filtyp"


def test_lf_only_gives_the_same_payments() -> None:
    assert read(SAMPLE.replace(b"\r\n", b"\n")).payments == read().payments


def test_writer_output_reads_back_identically() -> None:
    original = read()
    data = write_totalin(original.payments, created_at=original.created_at,
                         customer_id="TI222222", delivery_number=1)
    again = read(data)
    assert again.payments == original.payments
    assert again.file_id == original.file_id
    assert [(s.count, s.amount) for s in again.sections] == [
        (s.count, s.amount) for s in original.sections]
    assert all(len(line) == 80 for line in data.split(b"\r\n")[:-1])


def test_writer_marks_test_files_and_refuses_bgmax_only_fields() -> None:
    payment = BankPayment(amount=100, pay_date=date(2025, 3, 3), reference="123",
                          sender_account="58056201", bank_serial="1", receiving_account="10181")
    result = read(write_totalin([payment], created_at=datetime(2025, 3, 3), is_test=True))
    assert result.is_test
    assert result.payments[0].bank_serial == "00000000000000001"
    with pytest.raises(ValueError, match="BgMax-only"):
        write_totalin([payment.replace(channel="1")], created_at=datetime(2025, 3, 3))
    with pytest.raises(ValueError, match="longer than 35"):
        write_totalin([payment.replace(reference="9" * 36)], created_at=datetime(2025, 3, 3))


# -- a transaction or an account section that stands twice (issue 14, item 2) --------------------

def _transaction(serial: str, amount: int = 110000, reference: str | None = "20260925001") -> BankPayment:
    return BankPayment(amount=amount, pay_date=date(2026, 9, 25), reference="100234",
                       sender_account="3783511", bank_serial=serial, receiving_account="1234566",
                       deposit_serial=reference)


CREATED_2026 = datetime(2026, 9, 25, 18, 0)


def test_a_transaction_written_twice_with_agreeing_totals_is_refused_naming_both_lines() -> None:
    twice = _transaction("00000000000000016")
    error = refused(write_totalin([_transaction("00000000000000015"), twice, twice], created_at=CREATED_2026))
    # 00, 10, [20 60] = 3-4, [20 60] = 5-6, [20 60] = 7-8, 90, 99
    assert (error.line, error.field, error.pos) == (7, "löpnummer", (53, 69))
    assert "rad 5" in error.reason and "00000000000000016" in error.reason


def test_a_repeated_account_section_is_refused_naming_both_sections() -> None:
    first = [_transaction("00000000000000001"), _transaction("00000000000000002", 5000)]
    other = [_transaction("00000000000000003", reference="20260925002")]
    error = refused(write_totalin([*first, *other, *first], created_at=CREATED_2026))
    # 00, [10 20 60 20 60 90] = 2-7, [10 20 60 90] = 8-11, [10 20 60 20 60 90] = 12-17, 99
    assert (error.line, error.field, error.pos) == (17, "referens", (28, 38))
    assert "rad 12–17" in error.reason and "rad 2–7" in error.reason


def test_a_repeated_section_without_statement_reference_is_refused_by_its_transactions() -> None:
    first = [_transaction("00000000000000001", reference=None)]
    other = [_transaction("00000000000000003", reference="20260925002")]
    error = refused(write_totalin([*first, *other, *first], created_at=CREATED_2026))
    # 00, [10 20 60 90] = 2-5, [10 20 60 90] = 6-9, [10 20 60 90] = 10-13, 99
    assert (error.line, error.field) == (11, "löpnummer")
    assert "rad 3" in error.reason


@pytest.mark.parametrize("amount", [0, 999_999_999_999_999])
def test_a_transaction_of_0_ore_or_above_the_largest_amount_is_refused_with_line_and_field(amount: int) -> None:
    error = refused(write_totalin([_transaction("00000000000000001", amount)], created_at=CREATED_2026))
    assert (error.line, error.field, error.pos) == (3, "belopp", (38, 52))


@pytest.mark.parametrize(("written", "reason"), [
    (b"19000101", "1900-01-01 ligger mer än ett år före filens datum 2011-10-25"),
    (b"99991231", "9999-12-31 ligger efter filens datum 2011-10-25"),
])
def test_an_absurd_posting_date_is_refused_with_line_and_field(written: bytes, reason: str) -> None:
    lines = lines_of()
    lines[1] = lines[1][:41] + written + lines[1][49:]
    error = refused(joined(lines))
    assert (error.line, error.field, error.pos, error.reason) == (2, "bokföringsdag", (42, 49), reason)
