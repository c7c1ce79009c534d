"""Money is booked only in the books of the owner whose account received it (issue 14 item 1).

The example ledger: BAB receives on bankgiro 5805-6201, FAB on 123-4566; invoice 100234 is BAB's,
200002 FAB's. A payment on FAB's bankgiro naming BAB's invoice is unmatched, booked for FAB with
the reason; a payment to an account no owner has is recorded without a voucher and booked in no
one's books; the summary lists both. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.common import run
from tests.conftest import SHARED_DOCS
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.db.models import Invoice, Owner, Payment, Voucher
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services import unmatched_payments
from tui_inkasso.services.errors import BookingError
from tui_inkasso.services.ledger_import import import_ledger

BAB_GIRO, FAB_GIRO, NOBODY = "58056201", "1234566", "9912346"


@pytest.fixture
def example(any_db: str) -> dict[str, Invoice]:
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    return {i.number: i for i in Invoice.select()}


def _voucher_rows(payment: Payment) -> dict[str, int]:
    return {r.account: r.amount for r in Voucher.get(Voucher.payment == payment.id).rows}


def test_a_payment_on_fabs_bankgiro_naming_babs_invoice_is_unmatched_for_fab(
        example: dict[str, Invoice], tmp_path: Path) -> None:
    bab_invoice = example["100234"]
    assert bab_invoice.owner.code == "BAB"
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(50000, bab_invoice.ocr, receiving=FAB_GIRO, name="Anna Andersson")])
    plan = pi.analyse_payment_file(path)
    assert (plan.summary.matched, plan.summary.unmatched, plan.summary.other_owner) == (0, 1, 1)
    result = pi.import_payment_file(path)
    summary = result.summary
    assert summary is not None and (summary.matched, summary.unmatched, summary.other_owner) == (0, 1, 1)
    [payment] = Payment.select().where(Payment.payment_file.is_null(False))
    assert (payment.status, payment.invoice_id, payment.owner.code) == ("unmatched", None, "FAB")
    assert payment.note.endswith("faktura 100234 tillhör BAB, men betalningen kom in på FABs konto 1234566: "
                                 "bokförs som ej matchad hos FAB")
    assert Invoice.get_by_id(bab_invoice.id).balance == bab_invoice.balance, "BAB's claim untouched"
    voucher = Voucher.get(Voucher.payment == payment.id)
    assert voucher.owner.code == "FAB" and _voucher_rows(payment) == {"1930": 50000, "2420": -50000}
    assert [w for w in summary.warnings if "annan ägares faktura" in w] == [
        "1 betalning kom in på en ägares konto men angav en annan ägares faktura (rad 3): bokförda som ej "
        "matchade hos den ägare som fick pengarna; fördela dem till en faktura hos samma ägare eller "
        "betala tillbaka"]
    [row] = summary.log
    assert (row.kind, row.line, row.amount) == ("Ej matchad", 3, 50000) and "tillhör BAB" in row.note
    [listed] = unmatched_payments.unmatched_payments()
    assert listed.owner_code == "FAB" and "tillhör BAB" in listed.note
    with pytest.raises(BookingError, match="kom in till ägare FAB, faktura 100234 tillhör BAB"):
        unmatched_payments.allocate_payment(payment.id, "100234")
    unmatched_payments.allocate_payment(payment.id, "200002")
    assert Invoice.get(Invoice.number == "200002").balance < example["200002"].balance


def test_a_payment_to_an_account_no_owner_has_is_held_unbooked(example: dict[str, Invoice], tmp_path: Path) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(50000, example["100234"].ocr, receiving=NOBODY),
        bgmax_payment(20000, example["200002"].ocr, receiving=NOBODY, deposit="00002"),
        bgmax_payment(10000, "77777", receiving=NOBODY, deposit="00003"),
    ])
    result = pi.import_payment_file(path)
    summary = result.summary
    assert summary is not None
    assert (summary.matched, summary.unmatched, summary.without_owner, summary.other_owner) == (0, 3, 3, 2)
    assert Payment.select().where(Payment.payment_file.is_null(False) & Payment.owner.is_null(False)).count() == 0
    assert Voucher.select().where(Voucher.payment.is_null(False)).count() == 0, "booked in no one's books"
    assert {i.number: i.balance for i in Invoice.select()} == {n: i.balance for n, i in example.items()}
    assert any(w.startswith("3 betalningar till 9912346 saknar ägare") and "bokförs inte förrän de fördelas" in w
               for w in summary.warnings)
    notes = [p.note for p in Payment.select().where(Payment.payment_file.is_null(False)).order_by(Payment.id)]
    assert notes[0].endswith("faktura 100234 tillhör BAB, men betalningen kom in på 9912346, som ingen ägare "
                             "har: den bokförs inte förrän den fördelas")
    assert notes[2].endswith("kom in på 9912346, som ingen ägare har: bokförs inte förrän den fördelas")


def test_a_payment_naming_invoices_of_two_owners_pays_only_the_receiving_owners(
        example: dict[str, Invoice], tmp_path: Path) -> None:
    ours, theirs = example["100235"], example["200002"]
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(30000, f"{theirs.ocr} {ours.ocr}", receiving=BAB_GIRO)])
    summary = pi.import_payment_file(path).summary
    assert summary is not None and (summary.matched, summary.other_owner) == (1, 1)
    [payment] = Payment.select().where(Payment.payment_file.is_null(False))
    assert payment.invoice.number == "100235" and payment.amount == 30000
    assert Invoice.get_by_id(theirs.id).balance == theirs.balance
    assert Voucher.get(Voucher.payment == payment.id).owner.code == "BAB"
    assert [(r.kind, r.invoice) for r in summary.log] == [("Delvis matchad", "100235")]
    assert "200002 tillhör FAB" in summary.log[0].note


def test_many_payments_to_an_unknown_bankgiro_book_nothing(example: dict[str, Invoice], tmp_path: Path) -> None:
    ocrs = [i.ocr for i in example.values()]
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(100 + n, ocrs[n % len(ocrs)], receiving=NOBODY) for n in range(2000)])
    summary = pi.import_payment_file(path).summary
    assert summary is not None and (summary.matched, summary.without_owner) == (0, 2000)
    assert Voucher.select().where(Voucher.payment.is_null(False)).count() == 0
    assert {i.number: i.balance for i in Invoice.select()} == {n: i.balance for n, i in example.items()}


def test_the_command_reports_both_counts(example: dict[str, Invoice], any_db: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(50000, example["100234"].ocr, receiving=FAB_GIRO),
        bgmax_payment(20000, example["200002"].ocr, receiving=NOBODY, deposit="00002"),
    ])
    code, out, err = run(capsys, any_db, "import-payments", "--json", str(path))
    assert code == 0, err
    data = json.loads(out)
    assert (data["matched"], data["unmatched"], data["other_owner"], data["without_owner"]) == (0, 2, 2, 1)
    assert Owner.get(Owner.code == "BAB").vouchers.count() == 0
