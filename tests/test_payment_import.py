"""Importing payment files on the guide's example ledger: agency payments and overpayments (2421
for BAB, a prepayment for FAB), duplicates, test files, deductions, matching, the unmatched list
and its allocation by hand; SQLite and PostgreSQL. The shared samples: test_payment_import_samples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee as pw
import pytest

from tests.conftest import SHARED_DOCS
from tests.factories import make_customer, make_invoice
from tests.payment_files import (
    AGENCY,
    CREATED,
    bgmax_payment,
    totalin_payment,
    write_bgmax_file,
    write_totalin_file,
)
from tests.staff import approve_pending
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Account,
    AuditEntry,
    CollectionCase,
    Invoice,
    Owner,
    Payment,
    PaymentFile,
    Voucher,
)
from tui_inkasso.formats.excel import read_xlsx_preview
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services import payment_refusals, payment_report, unmatched_payments
from tui_inkasso.services.errors import BookingError
from tui_inkasso.services.ledger_import import import_ledger


def _vouchers_balance() -> None:
    for voucher in Voucher.select():
        assert sum(r.amount for r in voucher.rows) == 0, f"voucher {voucher.number} does not balance"


# ------------------------------------------------------------------------------ the example ledger


@pytest.fixture
def example(any_db: str) -> dict[str, Invoice]:
    """The guide's case: owner BAB maps "Överskjutande betalning inkasso" (2421), FAB does not."""
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()  # the example's agency bankgiro: proposed by the import, approved here
    return {i.number: i for i in Invoice.select()}


def test_agency_overpayment_to_2421_for_bab_and_prepayment_for_fab(example: dict[str, Invoice], tmp_path: Path) -> None:
    bab, fab = example["100234"], example["200002"]
    assert (bab.balance, fab.balance) == (845000, 90000)
    path = write_bgmax_file(tmp_path, "inkasso.txt", [
        bgmax_payment(900000, bab.ocr, sender=AGENCY, receiving="58056201", name="Inkassobyrån"),
        bgmax_payment(100000, fab.ocr, sender=AGENCY, receiving="1234566", deposit="00002"),
        bgmax_payment(45000, example["100235"].ocr, sender="3783511", receiving="58056201", deposit="00003"),
    ])
    plan = pi.analyse_payment_file(path)
    assert plan.can_import
    # Each invoice carries the 60 kr reminder fee of its history: the payment settles it first
    # (costs, interest, capital), so the overpayment is what exceeds capital and fee.
    assert [(o.invoice, o.amount, o.account) for o in plan.summary.overpayments] == [
        ("100234", 49000, "2421"), ("200002", 4000, "2420")
    ]
    assert Payment.select().where(Payment.payment_file.is_null(False)).count() == 0, "the analysis wrote nothing"
    result = pi.import_payment_file(path)
    summary = result.summary
    assert summary is not None
    assert (summary.payments, summary.matched, summary.unmatched, summary.collection_payments) == (3, 3, 0, 2)
    assert [(o.invoice, o.amount, o.account, o.role) for o in summary.overpayments] == [
        ("100234", 49000, "2421", "Överskjutande betalning inkasso"),
        ("200002", 4000, "2420", "Förskott från kunder"),
    ]
    rows = {
        p.invoice.number: (p.method, p.invoice_amount, p.excess_amount, p.excess_role)
        for p in Payment.select().where(Payment.payment_file == result.payment_file_id)
    }
    assert rows == {
        "100234": ("inkasso", 851000, 49000, "Överskjutande betalning inkasso"),
        "200002": ("inkasso", 96000, 4000, "Förskott från kunder"),
        "100235": ("bankgiro", 45000, 0, None),
    }
    bab_voucher = Voucher.get(Voucher.text == "Inbetalning 100234")
    # The imported fee was never booked as a receivable: its income is booked as it is paid.
    assert {r.account: r.amount for r in bab_voucher.rows} == {
        "1930": 900000, "1510": -845000, "3591": -6000, "2421": -49000}
    fab_voucher = Voucher.get(Voucher.text == "Inbetalning 200002")
    assert {r.account: r.amount for r in fab_voucher.rows} == {
        "1930": 100000, "1510": -90000, "3591": -6000, "2420": -4000}
    assert Invoice.get_by_id(bab.id).balance == 0 and Invoice.get_by_id(fab.id).balance == 0
    assert [r.kind for r in summary.log] == ["Överbetalning", "Överbetalning"]
    _vouchers_balance()
    entry = AuditEntry.get(AuditEntry.action == "payments.imported")
    assert entry.user == "testare" and "3 betalningar" in entry.details


def test_agency_payment_on_a_collection_invoice_stays_out_of_corrections(
    example: dict[str, Invoice], tmp_path: Path
) -> None:
    invoice = example["100236"]
    case = CollectionCase.create(number="IN-1", system="intrum", owner=invoice.owner, customer=invoice.customer,
                                 created_at=dt.datetime(2026, 9, 20), created_by="testare")
    Invoice.update(collection_case=case).where(Invoice.id == invoice.id).execute()
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(100000, invoice.ocr, sender=AGENCY),
        bgmax_payment(20000, invoice.ocr, sender="3783511"),
    ])
    pi.import_payment_file(path)
    on_case = Payment.select().where(Payment.collection_case == case.id).order_by(Payment.id)
    assert [(p.method, p.amount) for p in on_case] == [("inkasso", 100000), ("bankgiro", 20000)]
    from tui_inkasso.services.balance_corrections import unreported_corrections

    corrections = unreported_corrections()
    assert [(c.amount, c.method) for c in corrections] == [(20000, "bankgiro")], "the agency's payment is no correction"


def test_unmatched_payment_goes_to_the_receiving_owner_then_by_hand(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(45000, "99999999", receiving="58056201", name="Okänd betalare"),
        bgmax_payment(30000, "", receiving="1234566", deposit="00002", name="Bengt Berg"),
        bgmax_payment(12000, "77777", receiving="1111111", deposit="00003"),
    ])
    result = pi.import_payment_file(path)
    assert result.summary is not None and result.summary.unmatched == 3
    assert any("saknar ägare" in w for w in result.summary.warnings)
    listed = unmatched_payments.unmatched_payments()
    assert [(u.amount, u.owner_code) for u in listed] == [(45000, "BAB"), (30000, "FAB"), (12000, None)]
    assert unmatched_payments.count_unmatched() == 3 and unmatched_payments.count_unmatched("Bengt") == 1
    first, second, third = listed
    assert {r.account: r.amount for r in Voucher.get(Voucher.payment == first.id).rows} == {"1930": 45000, "2420": -45000}
    assert not Voucher.select().where(Voucher.payment == third.id).exists(), "no owner: no voucher yet"
    with pytest.raises(BookingError, match="kom in till ägare BAB, faktura 200002 tillhör FAB"):
        unmatched_payments.allocate_payment(first.id, "200002")
    booked = unmatched_payments.allocate_payment(first.id, "100235")
    # Settled as a payment on the invoice would be: the 60 kr fee first, then 390,00 of the capital.
    assert booked.split.invoice_amount == 45000 and Invoice.get(Invoice.number == "100235").balance == 6000
    assert (booked.settlement.fees_ore, booked.settlement.capital_ore) == (6000, 39000)
    candidates = unmatched_payments.find_invoices("Bengt")
    assert {c.number for c in candidates} == {"200002", "300001"}
    assert [c.number for c in unmatched_payments.find_invoices(example["100236"].ocr)] == ["100236"]
    customer = unmatched_payments.find_customers("Bengt")[0]
    unmatched_payments.keep_as_prepayment(second.id, customer.number)
    assert Payment.get_by_id(second.id).status == "prepayment"
    unmatched_payments.allocate_payment(third.id, "100237")
    assert {r.account: r.amount for r in Voucher.get(Voucher.payment == third.id).rows} == {
        "1930": 12000, "3591": -6000, "1510": -6000}
    assert unmatched_payments.unmatched_payments() == []


def test_same_file_again_is_refused_naming_the_first(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "forsta.txt", [bgmax_payment(10000, example["100234"].ocr)])
    pi.import_payment_file(path)
    copy = tmp_path / "kopia.txt"
    copy.write_bytes(path.read_bytes())
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(copy)
    when = PaymentFile.get().imported_at.strftime("%Y-%m-%d %H:%M")
    assert str(caught.value) == f"kopia.txt: filen är redan inläst: forsta.txt den {when} av testare"
    assert Payment.select().count() == 4, "the example's 3 payments and the first import's one"


def test_same_file_id_for_the_same_receiving_account_is_refused(example: dict[str, Invoice], tmp_path: Path) -> None:
    pi.import_payment_file(write_bgmax_file(tmp_path, "a.txt", [bgmax_payment(10000, example["100234"].ocr)]))
    changed = write_bgmax_file(tmp_path, "b.txt", [bgmax_payment(20000, example["100234"].ocr)])
    with pytest.raises(payment_refusals.PaymentImportError, match=r"b.txt, rad 1, fält fil-id: en fil med samma fil-id \(\d+\) "
                       r"till mottagarkonto 58056201 är redan inläst: a.txt den .* av testare"):
        pi.import_payment_file(changed)
    other_account = write_bgmax_file(tmp_path, "c.txt", [
        bgmax_payment(20000, example["200002"].ocr, receiving="1234566")
    ])
    assert pi.import_payment_file(other_account).status == "imported", "same file id, another receiving account"


def test_a_payment_already_imported_in_another_file_is_refused(example: dict[str, Invoice], tmp_path: Path) -> None:
    first = bgmax_payment(10000, example["100234"].ocr, serial=4711, name="Anna")
    pi.import_payment_file(write_bgmax_file(tmp_path, "mars.txt", [first]))
    later = CREATED + dt.timedelta(days=1)
    again = write_bgmax_file(tmp_path, "mars-igen.txt", [bgmax_payment(5000, example["100235"].ocr), first],
                             created=later)
    with pytest.raises(payment_refusals.PaymentImportError) as caught:
        pi.import_payment_file(again)
    message = str(caught.value)
    assert message.startswith("mars-igen.txt, rad 4, fält BGC-löpnummer: 1 betalning(ar) är redan bokförda från "
                              "mars.txt den ")
    assert "rad 4 (bgmax:58056201:20260925:00001:000000004711)" in message
    assert Payment.select().count() == 4
    assert Invoice.get(Invoice.number == "100235").balance == 45000, "nothing of the refused file was booked"


def test_test_file_refused_unless_allowed(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "test.txt", [bgmax_payment(10000, example["100234"].ocr)], test=True)
    plan = pi.analyse_payment_file(path)
    assert plan.only_refused_as_test and plan.summary.is_test
    with pytest.raises(payment_refusals.PaymentImportError, match="test.txt, rad 1, fält testmarkering: en testfil"):
        pi.import_payment_file(path)
    assert PaymentFile.select().count() == 0
    assert pi.import_payment_file(path, allow_test=True).status == "imported"


def test_totalin_matches_invoice_numbers_in_free_text_and_books_deductions(
    example: dict[str, Invoice], tmp_path: Path
) -> None:
    path = write_totalin_file(tmp_path, "totalin.txt", [
        totalin_payment(90000, "FAKTURA 200002 GARAGE"),
        totalin_payment(-10000, example["200002"].ocr),
        totalin_payment(5000, "HYRA OKT"),
    ])
    result = pi.import_payment_file(path)
    summary = result.summary
    assert summary is not None
    assert (summary.matched, summary.unmatched, summary.deductions, summary.deduction_amount) == (2, 1, 1, -10000)
    payments = list(Payment.select().where(Payment.payment_file == result.payment_file_id).order_by(Payment.id))
    assert [(p.method, p.amount, p.invoice_id is not None, p.status) for p in payments] == [
        ("plusgiro", 90000, True, "booked"), ("plusgiro", -10000, True, "booked"), ("plusgiro", 5000, False, "unmatched"),
    ]
    assert "fakturanummer" in payments[0].note
    # 900,00 settled the 60 kr fee first and 840,00 of the capital; the deduction raised it again.
    assert Invoice.get(Invoice.number == "200002").balance == 16000, "the deduction raised the balance again"
    assert {r.kind for r in summary.log} == {"Avdrag", "Ej matchad"}
    assert {r.account: r.amount for r in Voucher.get(Voucher.payment == payments[1].id).rows} == {
        "1930": -10000, "1510": 10000
    }
    _vouchers_balance()


def test_a_payment_naming_two_invoices_is_split_over_them(example: dict[str, Invoice], tmp_path: Path) -> None:
    rent, parking = example["100234"], example["100235"]
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(900000, "", extras=(parking.ocr, rent.ocr, "123455"), sender="3783511"),
    ])
    result = pi.import_payment_file(path)
    parts = list(Payment.select().where(Payment.payment_file == result.payment_file_id).order_by(Payment.id))
    # Each takes its whole claim (capital and the 60 kr fee), the last one the rest.
    assert [(p.invoice.number, p.amount, p.excess_amount) for p in parts] == [("100235", 51000, 0), ("100234", 849000, 0)]
    assert parts[1].bank_ref == parts[0].bank_ref + "+2"
    assert result.summary is not None and [r.kind for r in result.summary.log] == ["Delvis matchad"]
    assert "okända referenser: 123455" in result.summary.log[0].note


def test_an_ocr_on_two_invoices_matches_neither(example: dict[str, Invoice], tmp_path: Path) -> None:
    twin = make_invoice("100299", amount=1000, owner=Owner.get(Owner.code == "BAB"), customer=make_customer("K1001"))
    Invoice.update(ocr=example["100234"].ocr).where(Invoice.id == twin.id).execute()
    result = pi.import_payment_file(write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(1000, example["100234"].ocr)]))
    assert result.summary is not None and result.summary.unmatched == 1
    assert "finns på flera fakturor" in result.summary.log[0].note


def test_dry_run_and_analysis_write_nothing(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(10000, example["100234"].ocr)])
    before = (Payment.select().count(), Voucher.select().count(), AuditEntry.select().count())
    assert pi.import_payment_file(path, dry_run=True).status == "dry_run"
    assert pi.analyse_payment_file(path).summary.matched == 1
    assert (Payment.select().count(), Voucher.select().count(), AuditEntry.select().count()) == before


def test_changed_file_after_the_summary_is_refused(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(10000, example["100234"].ocr)])
    plan = pi.analyse_payment_file(path)
    write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(99000, example["100234"].ocr)])
    with pytest.raises(payment_refusals.PaymentImportError, match="har ändrats sedan sammanställningen"):
        pi.import_payment_file(path, expected_sha256=plan.summary.sha256)


def test_missing_account_mapping_refuses_the_whole_file(example: dict[str, Invoice], tmp_path: Path) -> None:
    Account.delete().where(Account.role == "Bank").where(
        Account.owner == Owner.get(Owner.code == "FAB")
    ).execute()
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(10000, example["100234"].ocr),
        bgmax_payment(10000, example["200002"].ocr, receiving="1234566", deposit="00002"),
    ])
    with pytest.raises(payment_refusals.PaymentImportError, match='bg.txt: kunde inte bokföras, inget sparades: ägare FAB .* "Bank"'):
        pi.import_payment_file(path)
    assert PaymentFile.select().count() == 0 and Invoice.get(Invoice.number == "100234").balance == 845000


def test_several_files_each_in_its_own_transaction(example: dict[str, Invoice], tmp_path: Path) -> None:
    good = write_bgmax_file(tmp_path, "a.txt", [bgmax_payment(10000, example["100234"].ocr)])
    bad = tmp_path / "b.txt"
    bad.write_bytes(b"Datum;Belopp\r\n")
    later = write_bgmax_file(tmp_path, "c.txt", [bgmax_payment(20000, example["100236"].ocr)],
                             created=CREATED + dt.timedelta(hours=1))
    results = pi.import_payment_files([good, bad, later, good, tmp_path / "saknas.txt"])
    assert [r.status for r in results] == ["imported", "refused", "imported", "refused", "refused"]
    assert results[1].message.startswith("b.txt, rad 1, fält posttyp (pos 1–2): ingen BgMax- eller Total IN-fil")
    assert "filen är redan inläst: a.txt" in results[3].message
    assert "saknas.txt: filen kan inte läsas: den finns inte" in results[4].message
    assert PaymentFile.select().count() == 2


def test_result_log_exports_to_excel(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(900000, example["100234"].ocr, sender=AGENCY),
        bgmax_payment(1000, "okänd", name="Märta [AB]"),
    ])
    result = pi.import_payment_file(path)
    assert result.summary is not None
    target = payment_report.export_log_xlsx(result.summary, tmp_path / "logg.xlsx")
    header, rows = read_xlsx_preview(target)
    assert header[:4] == ["Typ", "Rad", "Betaldatum", "Belopp"]
    assert [(r[0], r[3], r[5]) for r in rows] == [("Överbetalning", "490,00", ""), ("Ej matchad", "10,00", "Märta [AB]")]
    with pytest.raises(OSError, match="logg.xlsx: filen finns redan"):
        payment_report.export_log_xlsx(result.summary, target)


def test_recent_imports_and_summary_json(example: dict[str, Invoice], tmp_path: Path) -> None:
    result = pi.import_payment_file(write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(12345, example["100234"].ocr)]))
    assert result.summary is not None
    data = payment_report.summary_json(result.summary)
    assert (data["payments"], data["amount"], data["matched"], data["unmatched"]) == (1, "123.45", 1, 0)
    assert data["collection_payments"] == 0 and data["overpayments"] == []
    [recent] = payment_report.recent_imports()
    assert (recent.file_name, recent.payments, recent.amount, recent.imported_by) == ("bg.txt", 1, 12345, "testare")


def test_a_large_file_refreshes_the_statistics_of_the_tables_it_changed(
    example: dict[str, Invoice], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the commit: the tables the file's booking changed by a tenth or more (on SQLite every
    table it books into). The payment table had no rows from files before; the owners none at all."""
    from tui_inkasso.db.models import Owner

    analysed: list[list[str]] = []
    monkeypatch.setattr(pi, "ANALYZE_FROM", 2)
    monkeypatch.setattr(pi, "BOOKED_TABLES", (*pi.BOOKED_TABLES, Owner))
    monkeypatch.setattr(pi, "refresh_statistics", lambda models: analysed.append([m.__name__ for m in models]))
    path = write_bgmax_file(tmp_path, "stor.txt", [
        bgmax_payment(1000, example["100234"].ocr, receiving="58056201"),
        bgmax_payment(2000, example["100235"].ocr, receiving="58056201", deposit="00002"),
    ])
    if not isinstance(db.obj, pw.SqliteDatabase):  # the ledger's import of the last second: flushed
        db.execute_sql("SELECT pg_stat_force_next_flush()")
        db.execute_sql("SELECT 1")
    pi.import_payment_file(path)
    assert len(analysed) == 1 and {"Payment", "Voucher", "VoucherRow"} <= set(analysed[0])
    assert ("Owner" in analysed[0]) == isinstance(db.obj, pw.SqliteDatabase), "an owner was not written"
