"""Inkassoöversikt: what went to collection, what came back, and what is left, per month (issue 16).

Over a period (whole or partial months), each month:

* **sent**: the invoices handed to collection (the cases created), by collection system, with
  what was claimed on them when the case was created (``CaseInvoice``: capital, fees, interest);
* **recovered_agency**: the payments that came through the agency (method Inkasso);
* **recovered_direct**: payments the debtor made to the landlord on an invoice already in a case
  (the balance corrections the agency is told about), and ``credited``: credits on such invoices;
* **closed**: the cases closed, and how they ended (paid in full, partly, nothing recovered);
* **open_in_collection**: what was open on the invoices of the cases still open at the end of
  the month (``services.claims_as_of`` taken back to that day, here for all month ends in one
  query per kind of event).

Beside the months: the dunning letters' effect (of the invoices that got a letter of a level in
the period, how many and how much were paid before the next level or the collection case), the
cases of the in-house register by status, and the open in-house cases without an event for more
than ``reports.stalled_days`` days, to act on.

Everything is a grouped SQL query; a standard selection narrows every figure to its invoices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CaseStatus,
    CollectionCase,
    Customer,
    DunningNotice,
    Invoice,
    InvoiceCharge,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from tui_inkasso.db.rows import tuple_row, tuple_rows
from tui_inkasso.domain.codes import case_status_label
from tui_inkasso.domain.collection_systems import CODES as SYSTEM_CODES
from tui_inkasso.domain.collection_systems import SYSTEMS
from tui_inkasso.domain.dunning import is_demand_level
from tui_inkasso.domain.invoice_status import dunning_level_label
from tui_inkasso.domain.money import format_amount
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.ledger import dunning_level_names
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.stored_values import stored_datetime

MAX_MONTHS = 60
"""Five years a report: a chart and a table of more months say nothing more."""

REGISTER_SYSTEMS: tuple[str, ...] = tuple(s.code for s in SYSTEMS if s.output == "register")
"""The in-house register's systems: their cases have a status and events that staff keep."""

OUTCOMES = {"paid": "Betalt", "partly_paid": "Delvis betalt", "unpaid": "Obetalt"}
"""How a closed case ended, by what is still open on its invoices against what was claimed."""


class OverviewError(UserError):
    """A period that cannot be reported (reversed, too long)."""


@dataclass(frozen=True)
class OverviewOptions:
    """The period, the selection, and the stalled-case limit (None: the setting)."""

    date_from: dt.date
    date_to: dt.date
    selection: Selection = field(default_factory=Selection)
    stalled_days: int | None = None


@dataclass(frozen=True)
class MonthRow:
    """One month of the period (cut to the period at its ends)."""

    month: str
    """"2026-10"."""
    first: dt.date
    last: dt.date
    sent: dict[str, int]
    """Collection system code -> amount claimed on the invoices sent."""
    sent_invoices: dict[str, int]
    """Collection system code -> invoices sent."""
    cases_created: int
    recovered_agency: int
    recovered_direct: int
    credited: int
    closed: dict[str, int]
    """Outcome code (:data:`OUTCOMES`) -> cases closed."""
    open_in_collection: int
    """Open at the end of the month (on the period's last day, or today, for the last month)."""

    @property
    def sent_total(self) -> int:
        """Everything sent in the month."""
        return sum(self.sent.values())

    @property
    def sent_count(self) -> int:
        """Invoices sent in the month."""
        return sum(self.sent_invoices.values())

    @property
    def closed_count(self) -> int:
        """Cases closed in the month."""
        return sum(self.closed.values())

    @property
    def recovered(self) -> int:
        """Payments through the agency and directly to the landlord."""
        return self.recovered_agency + self.recovered_direct


@dataclass(frozen=True)
class LetterEffect:
    """The letters of one dunning level issued in the period and what they brought in."""

    level: int
    name: str
    demand: bool
    letters: int
    claimed: int
    """What the letters asked for (capital, fee and interest on each)."""
    paid_in_full: int
    paid_partly: int
    paid: int
    """What was paid before the next level or the case (at most what each letter asked for)."""

    @property
    def share_paid(self) -> float:
        """The share of the letters paid in full (0..1), for display only."""
        return self.paid_in_full / self.letters if self.letters else 0.0


@dataclass(frozen=True)
class StatusRow:
    """The in-house register's cases in one status."""

    status: str
    cases: int
    claimed: int
    open: int

    @property
    def label(self) -> str:
        """"Registrerat", ... ."""
        return case_status_label(self.status)


@dataclass(frozen=True)
class StalledCase:
    """An open in-house case without an event for too long."""

    id: int
    number: str
    status: str
    customer_number: str
    customer_name: str
    last_event: dt.datetime
    days: int
    open: int


@dataclass(frozen=True)
class CollectionOverview:
    """The overview of a period."""

    options: OverviewOptions
    months: list[MonthRow]
    effects: list[LetterEffect]
    statuses: list[StatusRow]
    stalled: list[StalledCase]
    stalled_days: int
    systems: tuple[str, ...] = SYSTEM_CODES

    def total(self, name: str) -> int:
        """A month field summed over the period (not ``open_in_collection``, which is a balance)."""
        return sum(getattr(m, name) for m in self.months)


# --------------------------------------------------------------------------- the report


def stalled_days_setting() -> int:
    """``reports.stalled_days``."""
    return int(get_setting("reports.stalled_days"))


@reads
def collection_overview(options: OverviewOptions) -> CollectionOverview:
    """The overview of ``options``' period."""
    months = month_spans(options.date_from, options.date_to)
    validate_selection(options.selection)
    selection = options.selection
    stalled_days = options.stalled_days if options.stalled_days is not None else stalled_days_setting()
    sent, sent_invoices, created = _sent(options, selection)
    agency, direct, credited = _recovered(options, selection)
    closed = _closed(options, selection)
    open_at = _open_in_collection([last for _m, _f, last in months], selection)
    rows = [
        MonthRow(code, first, last, sent.get(code, {}), sent_invoices.get(code, {}), created.get(code, 0),
                 agency.get(code, 0), direct.get(code, 0), credited.get(code, 0), closed.get(code, {}),
                 open_at[last])
        for code, first, last in months
    ]
    return CollectionOverview(options, rows, _letter_effects(options, selection), _statuses(selection),
                              _stalled(selection, stalled_days), stalled_days)


def month_spans(date_from: dt.date, date_to: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """("2026-10", first day, last day) of each month of the period, cut to the period."""
    if date_from > date_to:
        raise OverviewError(f"perioden börjar {date_from.isoformat()}, efter att den slutar {date_to.isoformat()}")
    spans = []
    first = date_from
    while first <= date_to:
        next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last = min(next_month - dt.timedelta(days=1), date_to)
        spans.append((f"{first:%Y-%m}", first, last))
        first = next_month
    if len(spans) > MAX_MONTHS:
        raise OverviewError(f"perioden är {len(spans)} månader; högst {MAX_MONTHS}")
    return spans


def default_period(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The twelve months up to ``day`` (today): from the first of the month eleven months back."""
    end = day or today()
    start = end.replace(day=1)
    for _ in range(11):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start, end


def _month(column: pw.Field) -> pw.ColumnBase:
    """"2026-10" of a date or timestamp column, the same text on SQLite and PostgreSQL.

    Not coerced: peewee would otherwise hand the text to the column's date parser, five failed
    ``strptime`` calls a row (0.15 s of CPU for the 4,500 cases closed in a year of the demo).
    """
    return pw.fn.SUBSTR(column.cast("text"), 1, 7).coerce(False)


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _selected_invoices(selection: Selection) -> pw.ModelSelect[Invoice] | None:
    """The ids of the invoices the selection takes (None: every invoice)."""
    if selection.is_empty():
        return None
    return apply_selection(Invoice.select(Invoice.id), selection)


def _sent(options: OverviewOptions, selection: Selection) -> tuple[dict[str, dict[str, int]],
                                                                    dict[str, dict[str, int]], dict[str, int]]:
    """Per month: amount and invoices sent by system, and cases created."""
    month = _month(CollectionCase.created_at)
    query = (
        CaseInvoice.select(month, CollectionCase.system,
                           pw.fn.SUM(CaseInvoice.balance + CaseInvoice.fees + CaseInvoice.interest),
                           pw.fn.COUNT(CaseInvoice.id), pw.fn.COUNT(CollectionCase.id.distinct()))
        .join(CollectionCase, on=(CaseInvoice.case == CollectionCase.id))
        .where((CollectionCase.created_at >= _start(options.date_from))
               & (CollectionCase.created_at < _start(options.date_to + dt.timedelta(days=1))))
        .group_by(month, CollectionCase.system)
    )
    selected = _selected_invoices(selection)
    if selected is not None:
        query = query.where(CaseInvoice.invoice.in_(selected))
    amounts: dict[str, dict[str, int]] = defaultdict(dict)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    cases: dict[str, int] = defaultdict(int)
    for code, system, amount, invoices, created in tuple_rows(query):
        amounts[code][system] = int(amount or 0)
        counts[code][system] = int(invoices)
        cases[code] += int(created)
    return amounts, counts, cases


def _recovered(options: OverviewOptions, selection: Selection) -> tuple[dict[str, int], dict[str, int],
                                                                         dict[str, int]]:
    """Per month: agency payments, direct payments on invoices in a case, credits on them.

    Two grouped queries, each over the few payments its partial index holds (``payment_agency``:
    method Inkasso; ``payment_on_case``: booked on an invoice in a case), never a year of the
    ledger's own payments: the conditions repeat the indexes' terms.
    """
    month = _month(Payment.pay_date)
    in_period = (Payment.pay_date >= options.date_from) & (Payment.pay_date <= options.date_to)
    credit = Payment.kind == PaymentKind.CREDIT.value
    agency = (Payment.select(month, pw.fn.SUM(Payment.amount))
              .where((Payment.method == PaymentMethod.INKASSO.value) & in_period)
              .group_by(month))
    direct = (
        Payment.select(month, pw.fn.SUM(pw.Case(None, [(~credit, Payment.amount)], 0)),
                       pw.fn.SUM(pw.Case(None, [(credit, Payment.amount)], 0)))
        .where(Payment.collection_case.is_null(False) & (Payment.method != PaymentMethod.INKASSO.value) & in_period)
        .group_by(month)
    )
    selected = _selected_invoices(selection)
    if selected is not None:
        agency = agency.where(Payment.invoice.in_(selected))
        direct = direct.where(Payment.invoice.in_(selected))
    result: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
    for code, amount in tuple_rows(agency):
        result[0][code] = int(amount or 0)
    for code, paid, credited in tuple_rows(direct):
        result[1][code], result[2][code] = int(paid or 0), int(credited or 0)
    return result


def _case_filter(selection: Selection) -> pw.ColumnBase | None:
    """Cases with at least one invoice the selection takes (None: every case)."""
    if selection.is_empty():
        return None
    return CollectionCase.id.in_(apply_selection(Invoice.select(Invoice.collection_case), selection)
                                 .where(Invoice.collection_case.is_null(False)))


def _open_on_case() -> pw.ModelSelect[Invoice]:
    """What is open now on the invoices of the outer query's case (by the partial index
    ``invoice_in_case``, for the few cases a query returns, not a sum over every case)."""
    return (Invoice.select(pw.fn.COALESCE(pw.fn.SUM(Invoice.balance + Invoice.fees + Invoice.interest), 0))
            .where(Invoice.collection_case == CollectionCase.id))


def _closed(options: OverviewOptions, selection: Selection) -> dict[str, dict[str, int]]:
    """Per month: cases closed, by outcome (what is open now on the case's invoices against
    what the case claimed: nothing left, less than claimed, or all of it)."""
    month = _month(CollectionCase.closed_at)
    claimed = CollectionCase.capital + CollectionCase.fees + CollectionCase.interest
    query = (
        CollectionCase.select(month, claimed, _open_on_case())
        .where((CollectionCase.closed_at >= _start(options.date_from))
               & (CollectionCase.closed_at < _start(options.date_to + dt.timedelta(days=1))))
    )
    condition = _case_filter(selection)
    if condition is not None:
        query = query.where(condition)
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for code, asked, left in tuple_rows(query):
        left = int(left or 0)
        kind = "paid" if left <= 0 else "partly_paid" if left < int(asked or 0) else "unpaid"
        result[code][kind] = result[code].get(kind, 0) + 1
    return result


def _open_in_collection(days: Sequence[dt.date], selection: Selection) -> dict[dt.date, int]:
    """What was open at the end of each day on the invoices of the cases open then.

    Per day: the invoices' claims now, plus what payments after the day settled of them, less
    the charges charged after the day (``services.claims_as_of``, in totals). Three grouped
    queries (invoices, payments, charges) with one sum per day, whatever the number of days.
    """
    if not days:
        return {}
    asked, days = list(days), [min(day, today()) for day in days]  # nothing is known after today

    def open_then(day: dt.date) -> pw.ColumnBase:
        cutoff = _start(day + dt.timedelta(days=1))
        return (CollectionCase.created_at < cutoff) & (
            CollectionCase.closed_at.is_null() | (CollectionCase.closed_at >= cutoff))

    # only the cases open on one of the days at least: not those closed before the first
    # (a fifth of the demo's case invoices fewer to look up payments and charges for)
    open_some_day = (CollectionCase.created_at < _start(max(days) + dt.timedelta(days=1))) & (
        CollectionCase.closed_at.is_null() | (CollectionCase.closed_at >= _start(min(days) + dt.timedelta(days=1))))

    def run(model: type[pw.Model], value: pw.ColumnBase, after: pw.Field | None) -> list[int]:
        sums = []
        for day in days:
            condition = open_then(day) if after is None else open_then(day) & (after > day)
            sums.append(pw.fn.SUM(pw.Case(None, [(condition, value)], 0)))
        query = model.select(*sums)
        if model is not Invoice:
            query = query.join(Invoice, on=(model.invoice == Invoice.id))  # type: ignore[attr-defined]  # each model but Invoice has it
        query = (query.join_from(Invoice, CollectionCase, on=(Invoice.collection_case == CollectionCase.id))
                 .where(Invoice.collection_case.is_null(False) & open_some_day))
        if after is not None:
            query = query.where(after > min(days))
        query = apply_selection(query, selection)
        row = tuple_row(query)
        return [int(v or 0) for v in row]

    now_open = run(Invoice, Invoice.balance + Invoice.fees + Invoice.interest, None)
    paid = run(Payment, Payment.invoice_amount, Payment.pay_date)
    charged = run(InvoiceCharge, InvoiceCharge.amount - InvoiceCharge.written_off, InvoiceCharge.charged_on)
    return {day: now + later_paid - later_charged
            for day, now, later_paid, later_charged in zip(asked, now_open, paid, charged, strict=True)}


# --------------------------------------------------------------------------- dunning effect


def _letter_effects(options: OverviewOptions, selection: Selection) -> list[LetterEffect]:
    """Per dunning level: the letters issued in the period and what was paid before the next step.

    A letter's window runs from its day to the next level's letter on the invoice, or to the
    day its collection case was created, or (neither yet) to today; a payment (not a credit) in
    the window counts, up to what the letter asked for.
    """
    nxt = DunningNotice.alias("next_notice")
    asked = DunningNotice.capital + DunningNotice.fee + DunningNotice.interest
    in_window = (
        (Payment.pay_date >= DunningNotice.issued_on)
        & (nxt.id.is_null() | (Payment.pay_date < nxt.issued_on))
        & (CollectionCase.id.is_null() | (Payment.pay_date < CollectionCase.created_at))
        & (Payment.kind == PaymentKind.PAYMENT.value)
    )
    # per letter, its invoice's payments in the window by the payment index on the invoice: a
    # join to the payments let PostgreSQL hash a year of them (0.4 s of the server's CPU)
    paid = (Payment.select(pw.fn.COALESCE(pw.fn.SUM(Payment.invoice_amount), 0))
            .where((Payment.invoice == DunningNotice.invoice) & in_window))
    per_letter = (
        DunningNotice.select(DunningNotice.level.alias("level"), asked.alias("asked"), paid.alias("paid"))
        .join_from(DunningNotice, nxt, pw.JOIN.LEFT_OUTER,
                   on=((nxt.invoice == DunningNotice.invoice) & (nxt.level == DunningNotice.level + 1)))
        # the invoice's case through the case's own invoice list, not the million-row invoice table
        .join_from(DunningNotice, CaseInvoice, pw.JOIN.LEFT_OUTER, on=(CaseInvoice.invoice == DunningNotice.invoice))
        .join_from(CaseInvoice, CollectionCase, pw.JOIN.LEFT_OUTER, on=(CaseInvoice.case == CollectionCase.id))
        .where((DunningNotice.issued_on >= options.date_from) & (DunningNotice.issued_on <= options.date_to))
    )
    selected = _selected_invoices(selection)
    if selected is not None:
        per_letter = per_letter.where(DunningNotice.invoice.in_(selected))
    # materialized: each letter's payments are summed once, not once per use of "paid" below
    letter = per_letter.cte("letter", materialized=True)
    paid_col, wanted = letter.c.paid, letter.c.asked
    query = (
        pw.Select([letter], [
            letter.c.level, pw.fn.COUNT(letter.c.level), pw.fn.SUM(wanted),
            pw.fn.SUM(pw.Case(None, [(paid_col >= wanted, 1)], 0)),
            pw.fn.SUM(pw.Case(None, [((paid_col > 0) & (paid_col < wanted), 1)], 0)),
            pw.fn.SUM(pw.Case(None, [(paid_col > wanted, wanted)], paid_col)),
        ])
        .with_cte(letter)
        .group_by(letter.c.level)
        .order_by(letter.c.level)
        .bind(Invoice._meta.database)
    )
    names = dunning_level_names()
    return [
        LetterEffect(int(level), dunning_level_label(int(level), names.get(int(level))), is_demand_level(int(level)),
                     int(letters), int(claimed or 0), int(full or 0), int(part or 0), int(amount or 0))
        for level, letters, claimed, full, part, amount in tuple_rows(query)
    ]


# --------------------------------------------------------------------------- the register


def _statuses(selection: Selection) -> list[StatusRow]:
    """The in-house register's cases by status: how many, claimed, open now (two grouped
    queries: the cases, and the open invoices of those cases)."""
    in_register = CollectionCase.system.in_(REGISTER_SYSTEMS)
    condition = _case_filter(selection)
    if condition is not None:
        in_register = in_register & condition
    cases = (CollectionCase.select(CollectionCase.status, pw.fn.COUNT(CollectionCase.id),
                                   pw.fn.SUM(CollectionCase.capital + CollectionCase.fees + CollectionCase.interest))
             .where(in_register).group_by(CollectionCase.status))
    open_now = (Invoice.select(CollectionCase.status, pw.fn.SUM(Invoice.balance + Invoice.fees + Invoice.interest))
                .join(CollectionCase, on=(Invoice.collection_case == CollectionCase.id))
                .where(Invoice.collection_case.is_null(False) & in_register)
                .group_by(CollectionCase.status))
    left = {status: int(amount or 0) for status, amount in tuple_rows(open_now)}
    sums = {status: (int(count), int(claimed or 0), left.get(status, 0)) for status, count, claimed in tuple_rows(cases)}
    order = [s.value for s in CaseStatus]
    return [StatusRow(status, *sums[status])
            for status in sorted(sums, key=lambda s: (order.index(s) if s in order else len(order), s))]


def _stalled(selection: Selection, days: int) -> list[StalledCase]:
    """Open in-house cases whose last event (or creation) is more than ``days`` days old."""
    last_event = (
        CaseEvent.select(CaseEvent.case.alias("case_id"), pw.fn.MAX(CaseEvent.at).alias("last_at"))
        .group_by(CaseEvent.case)
        .alias("last_event")
    )
    last = pw.fn.COALESCE(last_event.c.last_at, CollectionCase.created_at).coerce(False)  # parsed below, once
    cutoff = _start(today() - dt.timedelta(days=days))
    query = (
        CollectionCase.select(CollectionCase.id, CollectionCase.number, CollectionCase.status, Customer.number,
                              Customer.name, last, _open_on_case())
        .join(Customer, on=(CollectionCase.customer == Customer.id))
        .join_from(CollectionCase, last_event, pw.JOIN.LEFT_OUTER, on=(last_event.c.case_id == CollectionCase.id))
        .where(CollectionCase.system.in_(REGISTER_SYSTEMS)
               & (CollectionCase.status != CaseStatus.CLOSED.value)
               & (last < cutoff))
        .order_by(last, CollectionCase.number)
    )
    condition = _case_filter(selection)
    if condition is not None:
        query = query.where(condition)
    day = today()
    result = []
    # the database's own values (thousands of rows): peewee's per-column conversion of each row
    # cost more than the query; the timestamp is parsed once below, the rest are int and text
    for cid, number, status, cnum, cname, at, left in Invoice._meta.database.execute(query):
        when = stored_datetime(at)
        result.append(StalledCase(cid, number, status, cnum, cname, when, (day - when.date()).days, int(left or 0)))
    return result


# --------------------------------------------------------------------------- JSON


def overview_json(overview: CollectionOverview) -> dict[str, Any]:
    """The overview as the command line prints it; amounts are strings "1234.50"."""
    return {
        "from": overview.options.date_from.isoformat(),
        "to": overview.options.date_to.isoformat(),
        "selection": overview.options.selection.to_dict(),
        "systems": list(overview.systems),
        "months": [
            {
                "month": m.month,
                "sent": {system: format_amount(m.sent.get(system, 0)) for system in overview.systems},
                "sent_count": m.sent_count,
                "sent_invoices": {system: m.sent_invoices.get(system, 0) for system in overview.systems},
                "cases_created": m.cases_created,
                "recovered_agency": format_amount(m.recovered_agency),
                "recovered_direct": format_amount(m.recovered_direct),
                "credited": format_amount(m.credited),
                "closed": m.closed_count,
                "closed_outcomes": {code: m.closed.get(code, 0) for code in OUTCOMES},
                "open_in_collection": format_amount(m.open_in_collection),
            }
            for m in overview.months
        ],
        "letters": [
            {"level": e.level, "name": e.name, "kind": "demand" if e.demand else "reminder", "letters": e.letters,
             "claimed": format_amount(e.claimed), "paid_in_full": e.paid_in_full, "paid_partly": e.paid_partly,
             "paid": format_amount(e.paid)}
            for e in overview.effects
        ],
        "cases_by_status": [
            {"status": s.status, "cases": s.cases, "claimed": format_amount(s.claimed), "open": format_amount(s.open)}
            for s in overview.statuses
        ],
        "stalled_days": overview.stalled_days,
        "stalled_cases": [
            {"case": c.number, "status": c.status, "customer": c.customer_number, "name": c.customer_name,
             "last_event": c.last_event.date().isoformat(), "days": c.days, "open": format_amount(c.open)}
            for c in overview.stalled
        ],
    }
