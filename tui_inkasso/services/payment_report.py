"""What a payment file holds and what its import did: the summary, the log, JSON, Excel, the list.

The summary (:class:`ImportSummary`) is built by :func:`summarise` from a plan
(``services.payment_plan``), from the simulated splits for the analysis staff see before
anything is booked, or from what the booking did after the import. The log lists every payment
that needs a hand or a look: unmatched, partly matched, deductions, overpayments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_inkasso.db.models import AccountRole, PaymentFile, PaymentMethod
from tui_inkasso.domain.money import format_amount
from tui_inkasso.formats.excel import Column, write_table_xlsx
from tui_inkasso.formats.payment_file import BGMAX, TOTALIN
from tui_inkasso.services.booking import Booked
from tui_inkasso.services.payment_matching import PlannedPayment
from tui_inkasso.services.payment_plan import PreparedFile
from tui_inkasso.services.permissions import reads

_INKASSO = PaymentMethod.INKASSO.value
_PREPAYMENT_ROLE = AccountRole.PREPAYMENTS.value

FORMAT_LABELS = {BGMAX: "BgMax", TOTALIN: "Total IN"}


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class SectionSummary:
    """One deposit (BgMax) or account block (Total IN) of the file."""

    receiving_account: str
    currency: str
    pay_date: dt.date
    deposit_serial: str | None
    payments: int
    amount: int
    first_line: int


@dataclass(frozen=True)
class Overpayment:
    """The part of a payment above its invoice's balance, and where it went."""

    invoice: str
    amount: int
    account: str
    role: str
    line: int
    from_agency: bool
    payment_id: int | None = None

    @property
    def to_collection_account(self) -> bool:
        """True when the excess went to "Överskjutande betalning inkasso"."""
        return self.role == AccountRole.COLLECTION_OVERPAYMENT.value


@dataclass(frozen=True)
class LogRow:
    """A payment in the result log that needs a hand or a look (unmatched, overpaid, deduction)."""

    kind: str
    """In Swedish: "Ej matchad", "Överbetalning", "Avdrag", "Delvis matchad"."""
    line: int
    pay_date: dt.date
    amount: int
    reference: str
    payer: str
    sender_account: str
    method: str
    invoice: str
    note: str
    payment_id: int | None = None


@dataclass(frozen=True)
class ImportSummary:
    """What a file holds and what booking it does (or did)."""

    file_name: str
    format: str
    file_id: str
    sha256: str
    is_test: bool
    created_at: dt.datetime
    sections: tuple[SectionSummary, ...]
    payments: int
    amount: int
    matched: int
    matched_amount: int
    unmatched: int
    unmatched_amount: int
    collection_payments: int
    collection_amount: int
    deductions: int
    deduction_amount: int
    overpayments: tuple[Overpayment, ...]
    warnings: tuple[str, ...]
    log: tuple[LogRow, ...]
    other_owner: int = 0
    """Payments whose reference named another owner's invoice than the receiving owner's: that
    invoice was not matched (the money is booked, unmatched, for the owner that received it)."""
    without_owner: int = 0
    """Payments to an account no owner has: recorded without a voucher until allocated."""

    @property
    def format_label(self) -> str:
        """"BgMax" or "Total IN"."""
        return FORMAT_LABELS.get(self.format, self.format)


# ------------------------------------------------------------------------------------ summary


def summarise(name: str, prepared: PreparedFile, *, booked: list[list[Booked]] | None) -> ImportSummary:
    """Counts and the log, from the simulated splits (analysis) or from what booking did."""
    bank_file, planned, context = prepared.bank_file, prepared.planned, prepared.context
    numbers = {inv.id: inv.number for inv in context.invoices.values()}
    matched = unmatched = agency = deductions = 0
    matched_amount = unmatched_amount = agency_amount = deduction_amount = 0
    overpayments: list[Overpayment] = []
    log: list[LogRow] = []
    for n, item in enumerate(planned):
        p = item.payment
        results = booked[n] if booked is not None else None
        is_matched = item.parts[0].invoice_id is not None
        if is_matched:
            matched += 1
            matched_amount += p.amount
        else:
            unmatched += 1
            unmatched_amount += p.amount
        if item.method == _INKASSO:
            agency += 1
            agency_amount += p.amount
        if p.amount < 0:
            deductions += 1
            deduction_amount += p.amount
        first_id = results[0].payment_id if results else None
        mine: list[Overpayment] = []
        for k, part in enumerate(item.parts):
            split = results[k].split if results else part.split
            if split is None or not split.excess_amount or part.invoice_id is None:
                continue
            role = split.excess_role or _PREPAYMENT_ROLE
            if results:
                owner_id, number = results[k].owner_id, results[k].invoice_number
            else:
                owner_id, number = context.invoices[part.invoice_id].owner_id, numbers.get(part.invoice_id)
            account = context.accounts.get(owner_id or 0, {}).get(role, "")
            mine.append(Overpayment(
                number or "", split.excess_amount, account, role, p.line,
                item.method == _INKASSO, results[k].payment_id if results else None,
            ))
        overpayments.extend(mine)
        log.extend(_log_rows(item, mine, first_id))
    sections = tuple(
        SectionSummary(s.receiving_account, s.currency, s.pay_date, s.deposit_serial, s.count, s.amount, s.first_line)
        for s in bank_file.sections
    )
    return ImportSummary(
        name, bank_file.format, bank_file.file_id, prepared.sha256, bank_file.is_test, bank_file.created_at, sections,
        len(planned), bank_file.total_amount, matched, matched_amount, unmatched, unmatched_amount, agency,
        agency_amount, deductions, deduction_amount, tuple(overpayments), tuple(prepared.warnings), tuple(log),
        other_owner=sum(1 for item in planned if item.foreign),
        without_owner=sum(1 for item in planned if item.owner_id is None),
    )


def _log_rows(item: PlannedPayment, overpayments: list[Overpayment], payment_id: int | None) -> list[LogRow]:
    p = item.payment
    invoice = ", ".join(item.invoice_numbers)

    def row(kind: str, note: str, amount: int | None = None) -> LogRow:
        return LogRow(kind, p.line, p.pay_date, p.amount if amount is None else amount, p.reference or
                      ", ".join(p.extra_references), p.display_name, p.sender_account, item.method, invoice,
                      note, payment_id)

    rows = []
    if item.parts[0].invoice_id is None:
        rows.append(row("Ej matchad", item.note))
    elif item.foreign or "okända referenser" in item.note:
        rows.append(row("Delvis matchad", item.note))
    if p.amount < 0:
        rows.append(row("Avdrag", f"avdragskod {p.deduction_code or '-'}" + (f"; {item.note}" if item.note else "")))
    for over in overpayments:
        where = "överskjutande betalning inkasso" if over.to_collection_account else "förskott"
        rows.append(row("Överbetalning", f"till {over.account} ({where}), faktura {over.invoice}", over.amount))
    return rows


# ------------------------------------------------------------------------------------ JSON and Excel


def summary_json(summary: ImportSummary) -> dict[str, Any]:
    """The summary for ``--json``: amounts as "1234.50" strings."""
    return {
        "file": summary.file_name,
        "format": summary.format,
        "file_id": summary.file_id,
        "sha256": summary.sha256,
        "is_test": summary.is_test,
        "deposits": len(summary.sections),
        "payments": summary.payments,
        "amount": format_amount(summary.amount),
        "matched": summary.matched,
        "matched_amount": format_amount(summary.matched_amount),
        "unmatched": summary.unmatched,
        "unmatched_amount": format_amount(summary.unmatched_amount),
        "collection_payments": summary.collection_payments,
        "collection_amount": format_amount(summary.collection_amount),
        "deductions": summary.deductions,
        "deduction_amount": format_amount(summary.deduction_amount),
        "other_owner": summary.other_owner,
        "without_owner": summary.without_owner,
        "overpayments": [
            {"invoice": o.invoice, "amount": format_amount(o.amount), "account": o.account, "role": o.role,
             "line": o.line, "from_agency": o.from_agency}
            for o in summary.overpayments
        ],
        "warnings": list(summary.warnings),
        "log": [
            {"kind": r.kind, "line": r.line, "date": r.pay_date, "amount": format_amount(r.amount),
             "reference": r.reference, "payer": r.payer, "sender_account": r.sender_account,
             "method": r.method, "invoice": r.invoice, "note": r.note, "payment_id": r.payment_id}
            for r in summary.log
        ],
    }


LOG_COLUMNS: tuple[Column, ...] = (
    Column("Typ"),
    Column("Rad", "int"),
    Column("Betaldatum", "date"),
    Column("Belopp", "amount_ore"),
    Column("Referens"),
    Column("Betalare"),
    Column("Avsändarkonto"),
    Column("Betalsätt"),
    Column("Faktura"),
    Column("Kommentar"),
    Column("Betalning (id)", "int"),
)


@reads
def export_log_xlsx(summary: ImportSummary, target: str | Path) -> Path:
    """The result log as an Excel sheet (written atomically; an existing file is not replaced)."""
    rows = [
        (r.kind, r.line, r.pay_date, r.amount, r.reference, r.payer, r.sender_account, r.method, r.invoice,
         r.note, r.payment_id)
        for r in summary.log
    ]
    path = Path(target).expanduser()
    write_table_xlsx(f"Betalfil {summary.file_name}"[:31], LOG_COLUMNS, rows, path)
    return path


# ------------------------------------------------------------------------------------ files imported


@dataclass(frozen=True)
class ImportedFile:
    """A payment file already imported: when, by whom, how much."""

    id: int
    file_name: str
    format: str
    bank_file_id: str
    imported_at: dt.datetime
    imported_by: str
    payments: int
    amount: int

    @property
    def format_label(self) -> str:
        """"BgMax" or "Total IN"."""
        return FORMAT_LABELS.get(self.format, self.format)


@reads
def recent_imports(limit: int = 20) -> list[ImportedFile]:
    """The latest imported files, newest first."""
    query = PaymentFile.select().order_by(PaymentFile.imported_at.desc(), PaymentFile.id.desc()).limit(limit)
    return [
        ImportedFile(f.id, f.file_name, f.format, f.bank_file_id, f.imported_at, f.imported_by, f.payments, f.amount)
        for f in query
    ]
