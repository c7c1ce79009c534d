"""Importing every shared payment sample: the good ones book (some OCRs match a ledger built for
them), the ones with a foreign-currency deposit and the unreadable ones are refused with file, line
and field, and nothing is recorded. All samples on SQLite; a BgMax and the Total IN sample also on
PostgreSQL (each sample needs a fresh database: they share one bank file id and receiving account).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.common import run
from tests.conftest import FIXTURES
from tests.factories import make_invoice, make_owner
from tests.staff import in_force
from tui_inkasso.db.models import AuditEntry, Invoice, Payment, PaymentFile, Voucher
from tui_inkasso.formats.payment_file import PaymentFileError, read_payment_file
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services import payment_refusals

ON_POSTGRES = (
    "fabhed-bgmax-parser/bankgiroinbetalningar_exempelfil_avtal-om-ocr-kontroll_checksiffra_langd_sv.txt",
    "jacob22-accounting/total_in_bas_exempelfil.txt",
)


def _fixtures() -> dict[str, str]:
    """Every sample file -> "good", "currency" (has a non-SEK section) or "bad" (not readable)."""
    kinds = {}
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name.startswith("LICENSE"):
            continue
        name = str(path.relative_to(FIXTURES))
        try:
            parsed = read_payment_file(path.read_bytes(), path.name)
        except PaymentFileError:
            kinds[name] = "bad"
            continue
        kinds[name] = "good" if parsed.currencies == ("SEK",) else "currency"
    return kinds


FIXTURE_KINDS = _fixtures()
GOOD = [n for n, k in FIXTURE_KINDS.items() if k == "good"]
CURRENCY = [n for n, k in FIXTURE_KINDS.items() if k == "currency"]
BAD = [n for n, k in FIXTURE_KINDS.items() if k == "bad"]


def _nothing_recorded() -> None:
    assert PaymentFile.select().count() == 0
    assert Payment.select().count() == 0
    assert Voucher.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "payments.imported").count() == 0


def _vouchers_balance() -> None:
    for voucher in Voucher.select():
        assert sum(r.amount for r in voucher.rows) == 0, f"voucher {voucher.number} does not balance"


def _tokens(reference: str) -> list[str]:
    return [t for t in re.split(r"[\s,;]+", reference) if t]


OWNER_ACCOUNTS = {"9912346", "10181"}
"""The bankgiro and plusgiro of the samples' owner: the receiving accounts of nearly every sample."""


def _sample_ledger(name: str) -> tuple[set[str], set[str]]:
    """An owner receiving on the samples' accounts and invoices for every other payment's first
    reference; returns (OCRs created, agency accounts)."""
    # The samples of Bankgirot's OCR-control agreement ("checksiffra_langd") have references that
    # pass it; the others' references are any digits, as on an account without OCR control.
    control = "check_digit_and_length" if "checksiffra_langd" in name else "none"
    make_owner("BAB", bankgiro="9912346", plusgiro="10181", ocr_control=control)
    in_force({"collection.agency_accounts": "378-3511"})
    parsed = read_payment_file((FIXTURES / name).read_bytes(), name)
    created: set[str] = set()
    for index, payment in enumerate(parsed.payments):
        tokens = [t for ref in payment.all_references for t in _tokens(ref)]
        if index % 2 == 0 and tokens and tokens[0] not in created:
            invoice = make_invoice(amount=50000)
            Invoice.update(ocr=tokens[0]).where(Invoice.id == invoice.id).execute()
            created.add(tokens[0])
    return created, {"3783511"}


def _on_the_files_day(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Read the sample on the day it was written: the samples date from 2004-2011, and a bank
    file more than ten years old is refused today (test_a_sample_read_years_later_is_refused)."""
    created = read_payment_file((FIXTURES / name).read_bytes(), name).created_at
    monkeypatch.setenv("TUI_INKASSO_TODAY", created.date().isoformat())


def _databases(names: list[str]) -> list[tuple[str, str]]:
    return [(name, "sqlite") for name in names] + [(name, "postgresql") for name in names if name in ON_POSTGRES]


@pytest.fixture
def ledger_db(request: pytest.FixtureRequest, db_kind: str) -> str:
    return request.getfixturevalue("sqlite_url" if db_kind == "sqlite" else "postgres_url")


@pytest.mark.parametrize(("name", "db_kind"), _databases(GOOD))
def test_every_good_sample_imports(name: str, ledger_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _on_the_files_day(monkeypatch, name)
    ocrs, agency = _sample_ledger(name)
    path = FIXTURES / name
    parsed = read_payment_file(path.read_bytes(), path.name)
    result = pi.import_payment_file(path)
    summary = result.summary
    assert result.status == "imported" and summary is not None
    # Money is matched only in the books of the owner whose account received it (issue 14 item 1):
    # the Total IN sample's payments to 969-0017, which no owner has, stay unmatched and unbooked.
    expected_matched = sum(
        1 for p in parsed.payments
        if {t for r in p.all_references for t in _tokens(r)} & ocrs and p.receiving_account in OWNER_ACCOUNTS
    )
    assert (summary.payments, summary.amount) == (len(parsed.payments), parsed.total_amount)
    assert summary.matched == expected_matched and summary.matched > 0
    assert summary.unmatched == len(parsed.payments) - expected_matched
    assert summary.collection_payments == sum(1 for p in parsed.payments if p.sender_account in agency)
    assert summary.deductions == sum(1 for p in parsed.payments if p.amount < 0)
    assert sum(p.amount for p in Payment.select()) == parsed.total_amount
    methods = {p.method for p in Payment.select()}
    assert methods <= {"bankgiro" if parsed.format == "bgmax" else "plusgiro", "inkasso"}
    assert Payment.select().where(Payment.method == "inkasso").count() >= summary.collection_payments
    assert PaymentFile.get().payments == len(parsed.payments)
    assert Payment.select().where(Payment.status == "unmatched").count() == summary.unmatched
    assert len({p.bank_ref for p in Payment.select()}) == Payment.select().count()
    _vouchers_balance()
    with pytest.raises(payment_refusals.PaymentImportError, match="filen är redan inläst"):
        pi.import_payment_file(path)


@pytest.mark.parametrize("name", CURRENCY)
def test_samples_with_a_foreign_currency_section_are_refused(name: str, sqlite_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _on_the_files_day(monkeypatch, name)
    _sample_ledger(name)
    path = FIXTURES / name
    section = next(s for s in read_payment_file(path.read_bytes(), path.name).sections if s.currency != "SEK")
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (path.name, section.first_line, "valuta")
    assert f"är i {section.currency}; bara betalningar i SEK" in str(error)
    _nothing_recorded()
    plan = pi.analyse_payment_file(path)
    assert not plan.can_import and plan.refusals[0].kind == "currency"


@pytest.mark.parametrize("name", BAD)
def test_bad_samples_are_refused_with_line_and_nothing_recorded(name: str, sqlite_url: str) -> None:
    make_owner("BAB", bankgiro="9912346")
    path = FIXTURES / name
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(path)
    error = caught.value
    assert error.path == path.name
    assert error.line is not None and error.reason
    assert str(error).startswith(f"{path.name}, rad {error.line}")
    _nothing_recorded()


def test_a_broken_sample_names_file_line_and_field(sqlite_url: str) -> None:
    path = FIXTURES / "Zimpler-bankgiro_inbetalningar" / "BgMaxfil4_broken.txt"
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(path)
    assert str(caught.value).startswith("BgMaxfil4_broken.txt, rad 67, fält antal betalningar (pos 3–10): TK70 anger 8")




NOTIMA_SAMPLE = "".join(line.ljust(80) + "\n" for line in (
    "01BGMAX               0120100324134159218586P",
    "050002407617          SEK",
    "200051602332100252            1000014000000000003708700314910400258350",
    "26EXEMPELFÖRETAGET AB                BOX 1",
    "27                                   90122",
    "28UMEÅ",
    "29005565554762",
    "15000000000000000000061810007371111111010032400025000000000003708700SEK00000001",
    "050002407617          SEK",
    "200000000000                  1002633000000000001437500214910403699200",
    "26EXEMPELBOLAGET AB,",
    "27EXEMPELVÄGEN 1                     136 48",
    "28HANINGE",
    "15000000000000000000061810007371111111010032400026000000000001437500SEK00000001",
    "7000000002000000000000000000000002",
)).encode("latin-1")
"""The records of notima/bankgiro-api's public sample test/samplefiles/BGMAX_Sample1.txt (names
and addresses replaced): written 2010-03-24, its deposits dated ``10100324``, which an earlier
version booked as 1010-03-24 and exported to SIE in year 1010 (issue 13, item 7)."""


def test_the_notima_sample_is_refused_at_its_deposit_date(any_db: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    make_owner("BAB", bankgiro="2407617")
    invoice = make_invoice(amount=1_437_500)
    Invoice.update(ocr="1002633").where(Invoice.id == invoice.id).execute()
    path = tmp_path / "BGMAX_Sample1.txt"
    path.write_bytes(NOTIMA_SAMPLE)
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(path)
    error = caught.value
    assert (error.path, error.line, error.field) == ("BGMAX_Sample1.txt", 8, "betalningsdag (pos 38–45)")
    assert str(error) == ("BGMAX_Sample1.txt, rad 8, fält betalningsdag (pos 38–45): 1010-03-24 ligger mer än "
                          "ett år före filens datum 2010-03-24")
    _nothing_recorded()
    assert Invoice.get_by_id(invoice.id).balance == 1_437_500
    code, _, err = run(capsys, any_db, "import-payments", str(path))
    assert code != 0 and "rad 8, fält betalningsdag (pos 38–45): 1010-03-24" in err
    _nothing_recorded()


def test_a_sample_read_years_later_is_refused(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bankgirot's sample of 2004-05-25 read on 2026-12-06: the file's own date is refused at its
    timestamp, before any payment is matched (issue 13 review, item 2)."""
    name = "jacob22-accounting/BgMaxfil1.txt"
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-12-06")
    _sample_ledger(name)
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(FIXTURES / name)
    assert str(caught.value) == ("BgMaxfil1.txt, rad 1, fält tidsstämpel (pos 25–44): filens datum 2004-05-25 "
                                 "ligger mer än 10 år före dagens datum 2026-12-06")
    _nothing_recorded()
