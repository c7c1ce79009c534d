"""The ledger's read side: search by every key, statuses, pages, one invoice; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_customer, make_invoice
from tests.ledger_data import TODAY, SmallLedger, small, small_any
from tui_inkasso.db.models import Invoice
from tui_inkasso.domain.invoice_status import InvoiceStatus, dunning_level_label, invoice_status
from tui_inkasso.services import customer_search, invoice_detail, ledger
from tui_inkasso.services.errors import NotFound

__all__ = ["small", "small_any"]  # the fixtures, imported for pytest


def _found(text: str) -> list[tuple[str, str]]:
    return [(hit.number, hit.matched_by) for hit in customer_search.search_customers(text)]


# ------------------------------------------------------------------ search by every key


SEARCHES = [
    ("Anna", [("K1001", "namn")]),
    ("andersson", [("K1001", "namn")]),
    ("ANDERSSON anna", [("K1001", "namn")]),
    ("öberg", [("K1003", "namn")]),
    ("ÖBERG", [("K1003", "namn")]),
    ("norrbygg", [("K2001", "namn")]),
    ("K1002", [("K1002", "kundnummer")]),
    ("k1002", [("K1002", "kundnummer")]),
    ("K100", [("K1001", "kundnummer"), ("K1002", "kundnummer"), ("K1003", "kundnummer")]),
    ("19800101-0001", [("K1001", "personnummer")]),
    ("198001010001", [("K1001", "personnummer")]),
    ("800101-0001", [("K1001", "personnummer")]),
    ("8001010001", [("K1001", "personnummer")]),
    ("19800101", [("K1001", "personnummer")]),
    ("800101", [("K1001", "personnummer")]),
    ("559012-3450", [("K2001", "organisationsnummer")]),
    ("5590123450", [("K2001", "organisationsnummer")]),
    ("559012", [("K2001", "organisationsnummer")]),
    ("Zlatan", []),
    ("   ", []),
    ("%", []),
    ("_", []),
]
"""(typed text, expected (customer number, matched by)): name words in any case, customer number
exact, lower-case and as a prefix, personnummer and orgnr with or without hyphen and century or
just their beginning, no match, and LIKE wildcards that must not match everything."""


def test_search_by_name_number_and_national_id(small_any: SmallLedger) -> None:
    wrong = {text: _found(text) for text, expected in SEARCHES if _found(text) != expected}
    assert wrong == {}


def test_search_by_invoice_number_and_ocr_finds_the_invoice_customer(small_any: SmallLedger) -> None:
    number = small_any.invoices["collection"]
    ocr = Invoice.get(Invoice.number == number).ocr
    by_number = customer_search.search_customers(number)
    assert [(h.number, h.matched_by, h.invoice_number) for h in by_number][0] == ("K1001", "fakturanummer", number)
    by_ocr = customer_search.search_customers(ocr)
    assert [(h.number, h.matched_by, h.invoice_number) for h in by_ocr][0] == ("K1001", "OCR", number)
    bengt = customer_search.search_customers("2026102")
    assert bengt[0].number == "K1002"


def test_search_hits_carry_open_balance(small: SmallLedger) -> None:
    (anna,) = customer_search.search_customers("Anna Andersson")
    open_lines = [i for i in ledger.customer_invoices(small.anna) if i.balance > 0]
    assert anna.open_invoices == len(open_lines) == 7
    assert anna.open_balance == sum(i.balance for i in open_lines)
    assert anna.national_id == "19800101-0001" and anna.city == "Stockholm"


def test_search_respects_the_limit(small: SmallLedger) -> None:
    for n in range(12):
        make_customer(f"K9{n:03d}", name=f"Svensson {n:02d}", national_id=f"19700101-{n:04d}")
    hits = customer_search.search_customers("svensson", limit=5)
    assert [h.name for h in hits] == [f"Svensson {n:02d}" for n in range(5)]


# ------------------------------------------------------------------ statuses


def test_every_status_of_the_small_ledger(small_any: SmallLedger) -> None:
    lines = {line.number: line for line in ledger.customer_invoices(small_any.anna)}
    for code, number in small_any.invoices.items():
        assert lines[number].status == InvoiceStatus(code), number
    assert lines[small_any.invoices["collection"]].status_text == "Inkassomärkt"
    assert lines[small_any.invoices["collection"]].collection_case == small_any.case_number
    assert lines[small_any.invoices["demand"]].dunning_level_name == "Krav 1"
    assert lines[small_any.invoices["excluded"]].excluded is True
    assert {line.status.label for line in lines.values()} == {
        "Öppen", "Förfallen", "Delbetald", "Betald", "Påminnelse", "Krav", "Inkassomärkt", "Undantagen",
    }


def test_status_precedence_is_decided_in_one_place() -> None:
    base = {"amount": 1000, "balance": 1000, "dunning_level": 0, "collection_marked": False, "excluded": False,
            "due_date": dt.date(2026, 11, 30), "today": dt.date(2026, 11, 28)}
    assert invoice_status(**base) is InvoiceStatus.OPEN
    assert invoice_status(**{**base, "today": dt.date(2026, 12, 1)}) is InvoiceStatus.OVERDUE
    assert invoice_status(**{**base, "balance": 400}) is InvoiceStatus.PARTLY_PAID
    assert invoice_status(**{**base, "balance": 0}) is InvoiceStatus.PAID
    assert invoice_status(**{**base, "balance": -50}) is InvoiceStatus.PAID
    assert invoice_status(**{**base, "dunning_level": 1}) is InvoiceStatus.REMINDER
    assert invoice_status(**{**base, "dunning_level": 3}) is InvoiceStatus.DEMAND
    assert invoice_status(**{**base, "dunning_level": 2, "excluded": True}) is InvoiceStatus.EXCLUDED
    assert invoice_status(**{**base, "balance": 0, "excluded": True}) is InvoiceStatus.PAID
    assert invoice_status(**{**base, "balance": 0, "collection_marked": True}) is InvoiceStatus.COLLECTION
    assert dunning_level_label(0) == ""
    assert dunning_level_label(1) == "Påminnelse"
    assert dunning_level_label(3) == "Krav 2"
    assert dunning_level_label(2, "Inkassovarning") == "Inkassovarning"


def test_customer_block_marks_every_invoice(small: SmallLedger) -> None:
    (line,) = ledger.customer_invoices(small.cecilia)
    assert line.blocked is True
    data = ledger.customer_ledger(small.cecilia)
    assert data.customer.block is not None
    assert data.customer.block.reason == "Betalningsplan överenskommen"


# ------------------------------------------------------------------ the customer's ledger in pages


def test_customer_ledger_totals_and_default_order(small: SmallLedger) -> None:
    data = ledger.customer_ledger(small.anna)
    assert data.invoice_count == 8
    assert data.open_count == 7
    assert data.collection_count == 1
    assert data.open_balance == sum(i.balance for i in data.invoices if i.balance > 0)
    assert [i.due_date for i in data.invoices] == sorted((i.due_date for i in data.invoices), reverse=True)


def test_customer_invoices_pages_sort_and_filter(small_any: SmallLedger) -> None:
    by_amount = ledger.customer_invoices(small_any.anna, sort="amount", descending=False)
    assert [i.amount for i in by_amount] == sorted(i.amount for i in by_amount)
    page = ledger.customer_invoices(small_any.anna, sort="number", descending=False, offset=2, limit=3)
    assert [i.number for i in page] == ["2026003", "2026004", "2026005"]
    unpaid = ledger.customer_invoices(small_any.anna, only_open=True)
    assert small_any.invoices["paid"] not in {i.number for i in unpaid}
    assert ledger.count_customer_invoices(small_any.anna) == 8
    assert ledger.count_customer_invoices(small_any.anna, only_open=True) == len(unpaid) == 7
    with pytest.raises(ledger.LedgerError, match="fakturor kan inte sorteras på 'status'"):
        ledger.customer_invoices(small_any.anna, sort="status")
    with pytest.raises(NotFound, match="kund med id 999999 finns inte"):
        ledger.customer_ledger(999999)


# ------------------------------------------------------------------ one invoice


def test_invoice_detail_has_rows_payments_notices_case(small_any: SmallLedger) -> None:
    detail = invoice_detail.invoice_detail(small_any.invoices["collection"])
    assert [(r.line_no, r.text, r.amount) for r in detail.rows] == [(1, "Hyra lägenhet", 880000), (2, "Värme [el]", 32550)]
    assert [(p.pay_date, p.amount, p.method_label, p.reported) for p in detail.payments] == [
        (dt.date(2026, 11, 10), 100000, "Bankgiro", True),
        (dt.date(2026, 11, 20), 200000, "Inkasso", False),
    ]
    assert [(n.level, n.name, n.fee) for n in detail.notices] == [(1, "Påminnelse", 6000), (2, "Krav 1", 18000)]
    assert detail.case is not None and detail.case.number == small_any.case_number
    assert detail.case.agency_reference == "INT-77881"
    assert detail.owner_code == "BAB" and detail.object_code == "1001-1101"
    assert detail.exclusion is None and detail.invoice_block is None and detail.customer_block is None
    assert invoice_detail.invoice_detail(detail.invoice.id).invoice.number == detail.invoice.number
    assert invoice_detail.invoice_detail(detail.invoice.ocr).invoice.number == detail.invoice.number


def test_invoice_detail_exclusion_and_blocks(small: SmallLedger) -> None:
    excluded = invoice_detail.invoice_detail(small.invoices["excluded"])
    assert excluded.exclusion is not None and excluded.exclusion.reason == "Tvist om hyresnivå"
    assert excluded.invoice.status is InvoiceStatus.EXCLUDED
    blocked = invoice_detail.invoice_detail("2026201")
    assert blocked.customer_block is not None and blocked.invoice.blocked


def test_unknown_invoice_is_not_found_with_what_was_asked(small: SmallLedger) -> None:
    with pytest.raises(NotFound, match="faktura '424242' finns inte"):
        invoice_detail.invoice_detail("424242")
    with pytest.raises(NotFound, match="faktura med id 999999 finns inte"):
        invoice_detail.invoice_detail(999999)


def test_invoice_state_is_json_ready_with_amount_strings(small_any: SmallLedger) -> None:
    state = invoice_detail.invoice_state(small_any.invoices["collection"])
    assert state["number"] == "2026007"
    assert state["kind"] == "rent"
    assert state["customer"] == {"number": "K1001", "name": "Anna Andersson", "national_id": "19800101-0001"}
    assert state["amount"] == "9125.50"
    assert state["balance"] == "6125.50"
    assert state["status"] == "collection" and state["status_text"] == "Inkassomärkt"
    assert state["dunning_level"] == 2
    assert state["collection_case"]["number"] == small_any.case_number
    assert state["payments"] == [
        {"date": "2026-11-10", "amount": "1000.00", "invoice_amount": "1000.00", "capital": "1000.00",
         "fees": "0.00", "interest": "0.00", "method": "bankgiro", "kind": "payment", "reference": state["ocr"],
         "reported": True},
        {"date": "2026-11-20", "amount": "2000.00", "invoice_amount": "2000.00", "capital": "2000.00",
         "fees": "0.00", "interest": "0.00", "method": "inkasso", "kind": "payment", "reference": state["ocr"],
         "reported": False},
    ]
    # The claim's parts apart: capital, each fee its letter charged, interest (none charged here).
    assert (state["capital"], state["fees"], state["interest"], state["open_total"]) == (
        "6125.50", "240.00", "0.00", "6365.50")
    assert [(c["kind"], c["kind_text"], c["amount"], c["open"], c["origin"]) for c in state["charges"]] == [
        ("reminder_fee", "Påminnelseavgift", "60.00", "60.00", "Påminnelse 2026-06-12"),
        ("collection_fee", "Inkassoavgift", "180.00", "180.00", "Krav 1 2026-07-03"),
    ]
    open_state = invoice_detail.invoice_state(small_any.invoices["open"])
    assert open_state["collection_case"] is None and open_state["payments"] == []
    assert open_state["status"] == "open" and open_state["dunning_level"] == 0


def test_many_invoices_page_without_reading_all(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY)
    customer = make_customer("K5000", name="Stor Kund AB", national_id="556677-8899")
    first = make_invoice("3000000", customer=customer)
    rows = [
        {**{f: getattr(first, f) for f in ("kind", "invoice_date", "due_date", "amount", "balance")},
         "owner": first.owner_id, "customer": customer.id, "number": str(3000001 + n), "ocr": str(n)}
        for n in range(1999)
    ]
    Invoice.insert_many(rows).execute()
    assert ledger.count_customer_invoices(customer.id) == 2000
    page = ledger.customer_invoices(customer.id, sort="number", descending=True, offset=1990, limit=50)
    assert [i.number for i in page] == [str(3000009 - n) for n in range(10)]
