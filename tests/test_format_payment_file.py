"""The entry point: format detection, refusal of everything that is not BgMax or Total IN, the
error's shape, and the guarantees of the shared dataclasses. Every file under shared/fixtures is
read here, so a new fixture without an expectation makes the suite fail."""

from __future__ import annotations

import gc
import pickle
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from tui_inkasso.formats._fixed_width import scan_bytes
from tui_inkasso.formats.bgmax import read_bgmax
from tui_inkasso.formats.payment_file import (
    FIELDS,
    BankPayment,
    Party,
    PaymentFileError,
    detect_format,
    read_payment_file,
)
from tui_inkasso.formats.totalin import read_totalin

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"

# Every fixture: "bgmax" / "totalin" when it must be read, else (line, words in the reason).
EXPECTED: dict[str, object] = {
    "jacob22-accounting/BgMaxfil1.txt": "bgmax",
    "jacob22-accounting/BgMaxfil2.txt": "bgmax",
    "jacob22-accounting/BgMaxfil3.txt": "bgmax",
    "jacob22-accounting/BgMaxfil4.txt": "bgmax",
    "jacob22-accounting/BgMaxfil5.txt": "bgmax",
    "jacob22-accounting/bginbetalningar_exempelfil_1.txt": "bgmax",
    "jacob22-accounting/bginbetalningar_exempelfil_2.txt": "bgmax",
    "jacob22-accounting/bginbetalningar_exempelfil_3.txt": "bgmax",
    "jacob22-accounting/bginbetalningar_exempelfil_4.txt": "bgmax",
    "jacob22-accounting/bginbetalningar_exempelfil_5.txt": "bgmax",
    "jacob22-accounting/total_in_bas_exempelfil.txt": "totalin",
    "Zimpler-bankgiro_inbetalningar/BgMaxfil4.txt": "bgmax",
    "Zimpler-bankgiro_inbetalningar/minimal.txt": "bgmax",
    "barsoom-bankgiro_inbetalningar/BgMaxfil4.txt": "bgmax",
    "barsoom-bankgiro_inbetalningar/minimal.txt": "bgmax",
    "fabhed-bgmax-parser/"
    "bankgiroinbetalningar_exempelfil_avtal-om-ocr-kontroll_checksiffra_langd_sv.txt": "bgmax",
    "dmitry-krasilnikov-tree-sitter-bgmax/"
    "bankgiroinbetalningar_exempelfil_avtal-om-ocr-kontroll_checksiffra_langd_sv.txt": "bgmax",
    "Zimpler-bankgiro_inbetalningar/BgMaxfil4_broken.txt": (67, "TK70 anger 8 betalningsposter"),
    "barsoom-bankgiro_inbetalningar/BgMaxfil4_broken.txt": (67, "TK70 anger 8 betalningsposter"),
    "Zimpler-bankgiro_inbetalningar/isolated_deposit.txt": (1, "öppningspost TK05"),
    "Zimpler-bankgiro_inbetalningar/isolated_payment.txt": (1, "betalningspost TK20"),
    "barsoom-bankgiro_inbetalningar/not_bgmax_at_all.pdf": (1, "ingen BgMax- eller Total IN-fil"),
    "oktavilla-total-in-ruby/total_in_large.txt": (96, "post 90 anger 6 transaktioner"),
    **{
        f"jage-rbankgiro-legacy-not-bgmax/{name}": (1, "Bankgirots äldre OCR-format")
        for name in (
            "corrupt_header_09_02_27.txt", "file_format_error_09_02_27.txt",
            "invalid_bankgiro_number_09_02_27.txt", "missing_transaction_09_02_27.txt",
            "multiple_transactions_06_06_20.txt",
            "multiple_transactions_with_plusgiro_06_06_20.txt",
            "one_too_many_transactions_09_02_27.txt", "one_transaction_09_02_27.txt",
            "overpunch_transaction_with_missing_lb_flag_06_06_20.txt",
        )
    },
}


def fixture_files() -> list[str]:
    return sorted(
        str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*")
        if path.is_file() and not path.name.startswith("LICENSE")
    )


def test_every_fixture_has_an_expectation() -> None:
    assert fixture_files() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_is_read_or_refused_with_line_and_reason(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    expected = EXPECTED[name]
    if isinstance(expected, str):
        assert detect_format(data, name) == expected
        result = read_payment_file(data, name)
        assert (result.format, result.path) == (expected, name)
        assert result.payments
        return
    line, words = expected  # type: ignore[misc]
    with pytest.raises(PaymentFileError) as caught:
        read_payment_file(data, name)
    error = caught.value
    assert error.path == name and error.line == line
    assert words in error.reason
    assert str(error).startswith(f"{name}, rad {line}")


def test_legacy_bankgirot_format_gets_a_precise_reason() -> None:
    name = "jage-rbankgiro-legacy-not-bgmax/one_transaction_09_02_27.txt"
    with pytest.raises(PaymentFileError) as caught:
        detect_format((FIXTURES / name).read_bytes(), "one_transaction_09_02_27.txt")
    assert str(caught.value) == (
        "one_transaction_09_02_27.txt, rad 1: ingen BgMax- eller Total IN-fil: ser ut som "
        "Bankgirots äldre OCR-format (första posten '00…BANKGIROT'): '00909897 090227 BANKGIROT'"
    )


@pytest.mark.parametrize("data, words", [
    (b"", "filen är tom"),
    (b"\r\n \r\n", "filen är tom"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF-dokument"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binärt innehåll (byte 0x00 på offset 8)"),
    (b"01BGMAX               01" + b"\x00" * 20, "binärt innehåll"),
    (b"PK\x03\x04\x14\x00", "binärt innehåll"),
    (b"Datum;Belopp;OCR\r\n2025-03-03;100,00;123\r\n", "första raden är 'Datum;Belopp;OCR'"),
    (b"01BGMIN               01", "startposten TK01 ska börja med '01BGMAX'"),
])
def test_non_payment_files_are_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(PaymentFileError) as caught:
        read_payment_file(data, "upload.bin")
    assert words in caught.value.reason
    assert str(caught.value).startswith("upload.bin")


def test_every_byte_is_scanned_as_the_policy_says() -> None:
    """Control bytes (but TAB, LF, CR, form feed and 0x1A) are binary content; 0x80-0x9F are
    text of another code page (``c1``); everything else is plain text. Each byte alone, in the
    middle of a line of text."""
    allowed_controls = {0x09, 0x0A, 0x0C, 0x0D, 0x1A}
    for byte in range(256):
        data = b"01BGMAX " + bytes([byte]) + b" text\r\n"
        binary, c1 = scan_bytes(data)
        if byte < 0x20 and byte not in allowed_controls or byte == 0x7F:
            assert binary == (8, byte, 1), byte
        else:
            assert binary is None, byte
        assert c1 == (0x80 <= byte <= 0x9F), byte


def test_error_text_attributes_and_pickling() -> None:
    error = PaymentFileError("BgMaxfil4_broken.txt", 12, "belopp", "inte numeriskt: 'X'", (38, 55))
    assert str(error) == (
        "BgMaxfil4_broken.txt, rad 12, fält belopp (pos 38–55): inte numeriskt: 'X'")
    assert (error.path, error.line, error.field, error.reason, error.pos) == (
        "BgMaxfil4_broken.txt", 12, "belopp", "inte numeriskt: 'X'", (38, 55))
    assert isinstance(error, ValueError)
    assert str(PaymentFileError("f.txt", 3, "avibildmarkering", "fel", (70, 70))) == (
        "f.txt, rad 3, fält avibildmarkering (pos 70): fel")
    assert str(PaymentFileError("f.txt", None, None, "filen är tom")) == (
        "f.txt: filen är tom")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.pos) == (str(error), error.pos)


def test_each_reader_refuses_the_other_format() -> None:
    bgmax = (FIXTURES / "Zimpler-bankgiro_inbetalningar" / "minimal.txt").read_bytes()
    totalin = (FIXTURES / "jacob22-accounting" / "total_in_bas_exempelfil.txt").read_bytes()
    with pytest.raises(PaymentFileError, match="det är en Total IN-fil"):
        read_bgmax(totalin, "t.txt")
    with pytest.raises(PaymentFileError, match="det är en BgMax-fil"):
        read_totalin(bgmax, "b.txt")


def test_read_payments_are_ordinary_frozen_complete_bank_payments() -> None:
    """The readers build payments from drafts and columns; each must equal one built normally."""
    for name, expected in EXPECTED.items():
        if not isinstance(expected, str):
            continue
        for payment in read_payment_file((FIXTURES / name).read_bytes(), name).payments:
            assert type(payment) is BankPayment
            holder = payment.account_holder
            assert holder is None or (
                type(holder) is Party and holder == Party(**{f.name: getattr(holder, f.name)
                                                             for f in fields(Party)}))
            rebuilt = BankPayment(**{name: getattr(payment, name) for name in FIELDS})
            assert rebuilt == payment and hash(rebuilt) == hash(payment)
            assert (rebuilt.line, rebuilt.section_index) == (payment.line, payment.section_index)
            assert isinstance(payment.amount, int) and isinstance(payment.pay_date, date)
            assert payment.sender_account == "" or payment.sender_account[0] != "0"
            assert payment.is_deduction == (payment.amount < 0)
            with pytest.raises(AttributeError):
                payment.amount = 1  # type: ignore[misc]
            with pytest.raises(AttributeError):
                payment.payer_name = "x"  # type: ignore[misc]


def test_line_and_section_index_do_not_take_part_in_equality() -> None:
    one = BankPayment(amount=1, pay_date=date(2025, 1, 1), line=3, section_index=0)
    assert one == BankPayment(amount=1, pay_date=date(2025, 1, 1), line=9, section_index=4)


def test_display_name_falls_back_to_the_account_holder() -> None:
    name = "jacob22-accounting/total_in_bas_exempelfil.txt"
    payments = read_payment_file((FIXTURES / name).read_bytes(), name).payments
    assert [p.display_name for p in payments[:3]] == [
        "TESTBOLAGET AB", "FÖRETAGET AB FRISKVÅRDAVD.", "TESTFABRIKEN AB"]


def test_garbage_collection_is_back_on_after_success_and_failure() -> None:
    good = (FIXTURES / "Zimpler-bankgiro_inbetalningar" / "minimal.txt").read_bytes()
    read_payment_file(good, "m.txt")
    assert gc.isenabled()
    with pytest.raises(PaymentFileError):
        read_payment_file(good.replace(b"SEK00000001", b"SEK00000002"), "m.txt")
    assert gc.isenabled()


def test_a_payment_keeps_its_fields_through_replace_pickle_and_hash() -> None:
    """BankPayment is a tuple with a shared deposit and details underneath: every field still
    reads, copies and compares as the frozen dataclass it replaced did."""
    name = "jacob22-accounting/total_in_bas_exempelfil.txt"
    for payment in read_payment_file((FIXTURES / name).read_bytes(), name).payments:
        assert pickle.loads(pickle.dumps(payment)) == payment
        assert payment.replace() == payment and payment.replace(line=99).line == 99
        assert payment.replace(payer_name="Å").payer_name == "Å"
        assert payment.replace(amount=payment.amount + 1) != payment
        assert len({payment, payment.replace(section_index=7)}) == 1
        assert repr(payment).startswith(f"BankPayment(amount={payment.amount!r}, pay_date=")
    plain = BankPayment(amount=1, pay_date=date(2025, 1, 1))
    assert plain.details is BankPayment(amount=2, pay_date=date(2025, 1, 2)).details
    assert plain != (1,) and plain != BankPayment(amount=1, pay_date=date(2025, 1, 2))
