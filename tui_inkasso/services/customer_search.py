"""Finding a customer as staff type (the ledger's search box, the unmatched payments' picker).

Numbers are looked up exactly or as a prefix on indexed columns (invoice number, OCR, customer
number, personnummer/organisationsnummer), never with a leading wildcard; free text is matched
against ``Customer.search_text`` (lower-case name, number and id), the one column a scan has to
read. Speed matters: it runs on every pause in typing, on a ledger of a million invoices and
about a hundred thousand customers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import peewee as pw

from tui_inkasso.db.models import (
    Customer,
    Invoice,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.identifiers import digits_only
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.transaction import is_postgres


@dataclass(frozen=True)
class CustomerHit:
    """One customer found by a search, with what they owe now."""

    id: int
    number: str
    name: str
    national_id: str
    is_company: bool
    city: str
    matched_by: str
    """What matched, in Swedish: "namn", "kundnummer", "personnummer", "OCR", "fakturanummer"."""
    invoice_number: str | None = None
    """The invoice that led to the customer, when found by an invoice's number or OCR."""
    open_invoices: int = 0
    open_balance: int = 0


_NUMERIC = re.compile(r"^[\d\s\-+]+$")


@reads
def search_customers(text: str, limit: int = 50) -> list[CustomerHit]:
    """Customers matching ``text``, the most exact matches first, at most ``limit``.

    Accepted: part of the name (every word must occur), a customer number or its beginning, a
    personnummer or organisationsnummer with or without hyphen and century (or its beginning),
    and an invoice's number or OCR reference (which finds the invoice's customer).
    """
    query = text.strip()
    if not query or limit <= 0:
        return []
    found: dict[int, tuple[str, str | None]] = {}

    def add(customer_ids: list[int], matched_by: str, invoice_number: str | None = None) -> None:
        for cid in customer_ids:
            if cid not in found and len(found) < limit:
                found[cid] = (matched_by, invoice_number)

    digits = digits_only(query) if _NUMERIC.match(query) else ""
    exact = False
    for cid, number, how in _by_invoice(query, digits):
        add([cid], how, number)
        exact = True
    if digits:
        national = _by_national_id(digits, limit)
        add(national, "personnummer")
        exact = exact or (len(digits) >= 10 and bool(national))
    numbers, exact_number = _by_customer_number(query, limit)
    add(numbers, "kundnummer")
    if not (exact or exact_number) and len(found) < limit:
        add(_by_text(query, limit), "namn")
    return _hits(found)


def _by_invoice(query: str, digits: str) -> list[tuple[int, str, str]]:
    """(customer id, invoice number, how) for an exact invoice number, or OCR when all digits."""
    numbers = {query, digits} - {""}
    condition = Invoice.number.in_(sorted(numbers))
    if digits:
        condition |= Invoice.ocr == digits
    rows = (
        Invoice.select(Invoice.customer, Invoice.number, Invoice.ocr)
        .where(condition)
        .order_by(Invoice.id)
        .limit(20)
    )
    return [(cid, number, "fakturanummer" if number in numbers else "OCR") for cid, number, _ in tuple_rows(rows)]


def _national_id_prefixes(digits: str) -> list[str]:
    """The stored forms a typed (part of a) personnummer or orgnr can begin with.

    Persons are stored as YYYYMMDD-NNNN and companies as NNNNNN-NNNN; staff type either with or
    without hyphen and century, so "8001010001", "800101-0001" and "198001010001" all find
    19800101-0001.
    """
    if len(digits) < 4:
        return []

    def hyphenate(value: str, at: int) -> str:
        return value if len(value) <= at else f"{value[:at]}-{value[at:]}"

    forms = {hyphenate(digits, 8), hyphenate(digits, 6)}
    if len(digits) <= 10:
        forms |= {hyphenate(century + digits, 8) for century in ("19", "20")}
    return sorted(f for f in forms if len(digits_only(f)) <= 12)


def _by_national_id(digits: str, limit: int) -> list[int]:
    return _prefix_ids(Customer.national_id, _national_id_prefixes(digits), limit)


def _prefix_ids(column: pw.Field, prefixes: list[str], limit: int) -> list[int]:
    """Customer ids whose ``column`` begins with one of ``prefixes``, ordered by the column.

    One query per prefix: each is an index range, while their OR makes SQLite scan the index.
    """
    found: list[tuple[str, int]] = []
    for prefix in prefixes:
        query = Customer.select(column, Customer.id).where(_any_prefix(column, [prefix])).order_by(column).limit(limit)
        found += list(tuple_rows(query))
    return list(dict.fromkeys(cid for _, cid in sorted(found)))[:limit]


def _by_customer_number(query: str, limit: int) -> tuple[list[int], bool]:
    """Customers whose number is ``query`` (then the bool is True) or begins with it."""
    forms = sorted({query, query.upper(), query.replace(" ", "")} - {""})
    exact = [cid for (cid,) in tuple_rows(Customer.select(Customer.id).where(Customer.number.in_(forms)))]
    ids = exact + [cid for cid in _prefix_ids(Customer.number, forms, limit) if cid not in exact]
    return ids, bool(exact)


def _by_text(query: str, limit: int) -> list[int]:
    """Customers whose search text holds every word of ``query``, by name.

    The table is scanned and the sorter keeps the first ``limit`` names. (There is no index on
    the name since schema version 7: walking it in order looked cheaper to SQLite's planner, but
    for a word that few customers have it read every row through the index, several times slower
    than a scan, and only this search used it; no ``NOT INDEXED`` hint is needed any more.)
    """
    terms = [t for t in query.lower().split() if t]
    if not terms:
        return []
    patterns = [f"%{_escape_like(t)}%" for t in terms]
    if not is_postgres():
        where = " AND ".join(["search_text LIKE ? ESCAPE '\\'"] * len(terms))
        sql = f'SELECT id FROM "{Customer._meta.table_name}" WHERE {where} ORDER BY name, id LIMIT ?'
        return [cid for (cid,) in Customer._meta.database.execute_sql(sql, [*patterns, limit]).fetchall()]
    condition = _contains(Customer.search_text, terms[0])
    for term in terms[1:]:
        condition &= _contains(Customer.search_text, term)
    rows = Customer.select(Customer.id).where(condition).order_by(Customer.name, Customer.id).limit(limit)
    return [cid for (cid,) in tuple_rows(rows)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: pw.Field, term: str) -> pw.ColumnBase:
    """``column LIKE '%term%'`` with the term's wildcards escaped (case-sensitive on PostgreSQL)."""
    pattern = f"%{_escape_like(term)}%"
    return pw.NodeList((column, pw.SQL("LIKE"), pattern, pw.SQL("ESCAPE '\\'")))


def _any_prefix(column: pw.Field, prefixes: list[str]) -> pw.ColumnBase:
    """``column`` begins with one of ``prefixes``, in a form that can use the column's index.

    SQLite compares text bytewise, so a range ``>= p AND < p'`` walks the index; SQLite's LIKE is
    case-insensitive and would scan instead. PostgreSQL's collation may order punctuation
    unexpectedly, so there it is an exact ``LIKE 'p%'``.
    """
    conditions: list[pw.ColumnBase] = []
    for prefix in prefixes:
        if is_postgres():
            conditions.append(pw.NodeList((column, pw.SQL("LIKE"), f"{_escape_like(prefix)}%", pw.SQL("ESCAPE '\\'"))))
        else:
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            conditions.append((column >= prefix) & (column < upper))
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _hits(found: dict[int, tuple[str, str | None]]) -> list[CustomerHit]:
    if not found:
        return []
    ids = list(found)
    customers = {
        row[0]: row
        for row in tuple_rows(Customer.select(Customer.id, Customer.number, Customer.name, Customer.national_id,
                                              Customer.is_company, Customer.city)
                              .where(Customer.id.in_(ids)))
    }
    totals = {
        cid: (count, total)
        for cid, count, total in tuple_rows(
            Invoice.select(Invoice.customer, pw.fn.COUNT(Invoice.id), pw.fn.SUM(Invoice.balance))
            .where(Invoice.customer.in_(ids) & (Invoice.balance > 0))
            .group_by(Invoice.customer))
    }
    hits = []
    for cid in ids:
        if cid not in customers:
            continue
        _, number, name, national_id, is_company, city = customers[cid]
        matched_by, invoice_number = found[cid]
        if matched_by == "personnummer" and is_company:
            matched_by = "organisationsnummer"
        count, total = totals.get(cid, (0, 0))
        hits.append(
            CustomerHit(
                cid, number, name, national_id, bool(is_company), city, matched_by, invoice_number, count, int(total or 0)
            )
        )
    return hits
