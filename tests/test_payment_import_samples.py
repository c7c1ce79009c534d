"""Importing every shared payment sample: the good ones book (some OCRs match a ledger built for
them), the ones with a foreign-currency deposit and the unreadable ones are refused with file, line
and field, and nothing is recorded. All samples on SQLite; a BgMax and the Total IN sample also on
PostgreSQL (each sample needs a fresh database: they share one bank file id and receiving account).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import FIXTURES
from tests.factories import make_invoice, make_owner
from tui_inkasso.db.models import AuditEntry, Invoice, Payment, PaymentFile, Voucher
from tui_inkasso.formats.payment_file import PaymentFileError, read_payment_file
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services import payment_plan
from tui_inkasso.services.settings import set_setting

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
    make_owner("BAB", bankgiro="9912346", plusgiro="10181")
    set_setting("collection.agency_accounts", "378-3511")
    parsed = read_payment_file((FIXTURES / name).read_bytes(), name)
    created: set[str] = set()
    for index, payment in enumerate(parsed.payments):
        tokens = [t for ref in payment.all_references for t in _tokens(ref)]
        if index % 2 == 0 and tokens and tokens[0] not in created:
            invoice = make_invoice(amount=50000)
            Invoice.update(ocr=tokens[0]).where(Invoice.id == invoice.id).execute()
            created.add(tokens[0])
    return created, {"3783511"}


def _databases(names: list[str]) -> list[tuple[str, str]]:
    return [(name, "sqlite") for name in names] + [(name, "postgresql") for name in names if name in ON_POSTGRES]


@pytest.fixture
def ledger_db(request: pytest.FixtureRequest, db_kind: str) -> str:
    return request.getfixturevalue("sqlite_url" if db_kind == "sqlite" else "postgres_url")


@pytest.mark.parametrize(("name", "db_kind"), _databases(GOOD))
def test_every_good_sample_imports(name: str, ledger_db: str) -> None:
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
    with pytest.raises(payment_plan.PaymentImportError, match="filen är redan inläst"):
        pi.import_payment_file(path)


@pytest.mark.parametrize("name", CURRENCY)
def test_samples_with_a_foreign_currency_section_are_refused(name: str, sqlite_url: str) -> None:
    _sample_ledger(name)
    path = FIXTURES / name
    section = next(s for s in read_payment_file(path.read_bytes(), path.name).sections if s.currency != "SEK")
    with pytest.raises(payment_plan.PaymentImportError) as caught:
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
    with pytest.raises(payment_plan.PaymentImportError) as caught:
        pi.import_payment_file(path)
    error = caught.value
    assert error.path == path.name
    assert error.line is not None and error.reason
    assert str(error).startswith(f"{path.name}, rad {error.line}")
    _nothing_recorded()


def test_a_broken_sample_names_file_line_and_field(sqlite_url: str) -> None:
    path = FIXTURES / "Zimpler-bankgiro_inbetalningar" / "BgMaxfil4_broken.txt"
    with pytest.raises(payment_plan.PaymentImportError) as caught:
        pi.import_payment_file(path)
    assert str(caught.value).startswith("BgMaxfil4_broken.txt, rad 67, fält antal betalningar (pos 3–10): TK70 anger 8")


