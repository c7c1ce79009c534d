"""The case register and the result list on SQLite and PostgreSQL: payments before a case are
claimed and never corrections, payments after are; status, notes, payments, closing; exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.collection_data import DAY, CollectionLedger, ledger, marked
from tui_inkasso.db.models import AuditEntry, Invoice, Payment, PaymentMethod
from tui_inkasso.services import case_register, collection_errors, collection_export, collection_run
from tui_inkasso.services.booking import PaymentIn, book_one

__all__ = ["ledger"]  # the fixture, imported for pytest


# --------------------------------------------------------------------------- payments and the register


def test_payments_before_the_case_are_claimed_after_it_are_corrections(ledger: CollectionLedger) -> None:
    early = Payment.get(Payment.invoice == ledger.id("3007"))
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    anna = next(c for c in result.cases if c.customer_number == "K1001")
    late = book_one(PaymentIn(amount=100_000, pay_date=DAY, method=PaymentMethod.BANKGIRO.value,
                              invoice_id=ledger.id("3007")))
    agency = book_one(PaymentIn(amount=50_000, pay_date=DAY, method=PaymentMethod.INKASSO.value,
                                invoice_id=ledger.id("3001")))
    assert Payment.get_by_id(early.id).collection_case is None
    assert Payment.get_by_id(late.payment_id).collection_case.id == anna.case_id
    detail = case_register.case_detail(anna.case_id)
    lines = {p.payment_id: p for p in detail.payments}
    assert (lines[early.id].after_case, lines[early.id].is_correction) == (False, False)
    assert (lines[late.payment_id].after_case, lines[late.payment_id].is_correction) == (True, True)
    assert (lines[agency.payment_id].after_case, lines[agency.payment_id].is_correction) == (True, False)
    # A payment settles the claim's fees and interest first, then the capital (issue 13).
    claims = {c.number: c for c in anna.claims}
    left = {number: claims[number].balance - (paid - claims[number].fees - claims[number].interest)
            for number, paid in (("3007", 100_000), ("3001", 50_000))}
    assert left == {"3007": 477_810, "3001": 832_659}
    claimed = {i.number: (i.claimed_balance, i.current_balance) for i in detail.invoices}
    assert claimed["3007"] == (545_000, left["3007"]) and claimed["3001"] == (845_000, left["3001"])
    assert detail.summary.balance == left["3007"] + left["3001"] + 95_000
    assert detail.paid_since == 150_000


def test_case_register_status_notes_payment_and_close(ledger: CollectionLedger) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "inhouse")
    case = result.cases[0]
    case_register.set_case_status(case.case_id, "inkassokrav skickat", "Krav skickat per post")
    with pytest.raises(case_register.CaseError, match="har redan status inkassokrav skickat"):
        case_register.set_case_status(case.case_id, "inkassokrav skickat")
    with pytest.raises(case_register.CaseError, match="okänd status 'betald'"):
        case_register.set_case_status(case.case_id, "betald")
    case_register.add_case_note(case.case_id, "Ringde kunden, lovar betala fredag")
    whole = next(c for c in case.claims if c.number == "3002").total  # capital, fees and interest
    booked = case_register.register_case_payment(case.case_id, ledger.id("3002"), whole, DAY, "bankgiro")
    paid = Invoice.get_by_id(ledger.id("3002"))
    assert booked.collection_case_id == case.case_id and (paid.balance, paid.fees, paid.interest) == (0, 0, 0)
    with pytest.raises(case_register.CaseError, match="hör inte till ärende"):
        case_register.register_case_payment(case.case_id, ledger.id("3003"), 100, DAY)
    with pytest.raises(case_register.CaseError, match="större än noll"):
        case_register.register_case_payment(case.case_id, ledger.id("3001"), 0, DAY)
    closed = case_register.close_case(case.case_id, "Överenskommelse")
    assert closed.status == "avslutat" and closed.closed_at is not None
    assert marked("3001") is not None, "a closed case keeps its invoices collection-marked"
    with pytest.raises(case_register.CaseError, match="är avslutat"):
        case_register.register_case_payment(case.case_id, ledger.id("3001"), 100, DAY)
    reopened = case_register.set_case_status(case.case_id, "avbetalningsplan")
    assert reopened.closed_at is None
    kinds = [e.kind for e in case_register.case_detail(case.case_id).events]
    assert kinds == ["created", "status", "note", "payment", "closed", "status"]
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.object_id == case.number)
               .order_by(AuditEntry.id)]
    assert actions == ["collection.run", "case.created", "case.status", "case.note", "case.payment_registered",
                       "case.closed", "case.status"]
    every = case_register.list_cases(case_register.CaseFilter(system="inhouse"), sort="number", descending=False)
    assert [s.number for s in every][:2] == ["IK-2026-000001", case.number]
    assert case_register.count_cases(case_register.CaseFilter(text="norrbygg")) == 2
    assert case_register.count_cases(case_register.CaseFilter(status="avbetalningsplan")) == 1
    assert case_register.count_cases(case_register.CaseFilter(open_only=True)) == 6
    assert case_register.find_case(case.number).id == case.case_id


def test_result_list_exports_to_excel_and_pdf(ledger: CollectionLedger, tmp_path: Path) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "svea")
    sheet_path = collection_export.case_list_export(result, tmp_path / "lista", "xlsx")
    assert sheet_path == tmp_path / "lista.xlsx"
    rows = list(load_workbook(sheet_path).active.iter_rows(values_only=True))
    assert rows[0] == ("Ärende", "Kundnr", "Kund", "Fakturor", "Belopp", "Skuldtyp", "Ägare")
    assert rows[1][0] == "SVEA-2026-000001" and rows[1][3] == "3001, 3002, 3007" and rows[1][5] == "BO, PA"
    pdf = collection_export.case_list_export([c.case_id for c in result.cases], tmp_path, "pdf")
    assert pdf.parent == tmp_path and pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(collection_errors.CollectionError, match="Listan kunde inte sparas"):
        collection_export.case_list_export(result, sheet_path, "xlsx")
