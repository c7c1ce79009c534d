"""The receiving account's OCR control in matching (issue 13 review, item 3): a reference that
finds an invoice's OCR but fails the owner's level (check digit, or check digit and length, as
Bankgirot's agreement for the account checks them) is not matched; it is booked unmatched for
the owner with the reason in its note and the summary. SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_invoice, make_owner
from tests.payment_files import bgmax_payment, write_bgmax_file
from tui_inkasso.db.models import Invoice, Payment
from tui_inkasso.domain.ocr_control import OcrControl
from tui_inkasso.services import payment_import as pi

LENGTH, CHECK, NONE = OcrControl.CHECK_DIGIT_AND_LENGTH, OcrControl.CHECK_DIGIT, OcrControl.NONE


@pytest.fixture(autouse=True)
def _business_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-09-28")


def _ledger(control: OcrControl, ocr: str) -> Invoice:
    owner = make_owner("BAB", bankgiro="58056201", ocr_control=control.value)
    invoice = make_invoice(amount=50000, owner=owner)
    Invoice.update(ocr=ocr).where(Invoice.id == invoice.id).execute()
    return invoice


@pytest.mark.parametrize(("reference", "ocr", "control", "matches"), [
    ("1002674", "1002674", LENGTH, True),
    ("01002674", "1002674", LENGTH, False),  # found without its zero, but 8 digits with length digit 7
    ("01002674", "1002674", CHECK, True),  # a leading zero changes no check digit
    ("1002633", "1002633", LENGTH, False),  # right check digit, wrong length digit (issue 13, item 9)
    ("1002633", "1002633", CHECK, True),
    ("1002634", "1002634", CHECK, False),  # wrong check digit
    ("1002634", "1002634", NONE, True),  # no control: the reference is taken as given
])
def test_a_reference_is_matched_only_when_it_passes_the_owners_control(
        any_db: str, tmp_path: Path, reference: str, ocr: str, control: OcrControl, matches: bool) -> None:
    invoice = _ledger(control, ocr)
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(50000, reference)])
    summary = pi.import_payment_file(path).summary
    assert summary is not None and (summary.matched, summary.unmatched) == ((1, 0) if matches else (0, 1))
    [payment] = Payment.select()
    assert payment.invoice_id == (invoice.id if matches else None)
    assert payment.owner.code == "BAB", "booked in the receiving owner's books either way"
    assert Invoice.get_by_id(invoice.id).balance == (0 if matches else 50000)
    assert any("OCR-kontroll inte godtar" in w for w in summary.warnings) is not matches


def test_the_note_and_the_summary_say_why(any_db: str, tmp_path: Path) -> None:
    invoice = _ledger(LENGTH, "1002633")
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(50000, "1002633"),
        bgmax_payment(50000, "1002633 " + invoice.number)])
    plan = pi.analyse_payment_file(path)
    assert (plan.summary.matched, plan.summary.unmatched) == (0, 2)
    assert [w for w in plan.summary.warnings if "OCR-kontroll" in w] == [
        "2 betalningar angav en faktura med ett OCR-nummer som mottagarkontots OCR-kontroll inte godtar "
        "(rad 3, 4): de matchas inte utan bokförs som ej matchade; kontrollera referensen och fördela dem "
        "för hand"]
    pi.import_payment_file(path)
    first, second = Payment.select().order_by(Payment.id)
    assert first.status == "unmatched" and first.note == (
        "OCR 1002633 klarar inte mottagarkontots OCR-kontroll (Checksiffra och längd): matchas inte; "
        "OCR-numret '1002633' har fel längdsiffra (mottagarkontots OCR-kontroll: Checksiffra och längd)")
    # A reference meant as an OCR that the agreement refuses is not taken as an invoice number
    # either, and the invoice number beside it is not looked up: the payment waits for staff.
    assert second.status == "unmatched" and second.note.startswith(
        "OCR 1002633 klarar inte mottagarkontots OCR-kontroll (Checksiffra och längd): matchas inte; "
        f"ingen faktura med referens {invoice.number}")
