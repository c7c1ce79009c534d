"""Reminder and demand runs (påminnelse- och kravkörning), their letters, blocks and reprints.

The rules are pure (``domain/dunning.py``, ``domain/interest.py``, ``formats/letter.py``); this
module applies them to the ledger:

* **Levels** live in ``DunningLevelConfig``. Level 1 is the reminder (påminnelse), every later
  level a demand (krav): the same convention as ``domain/invoice_status.py`` and the ledger
  import, so a level's kind is its position and needs no column of its own.
* **Candidates** for a run are found in SQL first (balance at least the minimum amount, no
  collection case, no block on the invoice or its customer, the next level's days passed), so a
  million-invoice ledger answers in well under a second; only those rows go through
  :func:`~tui_inkasso.domain.dunning.next_level_due` in Python. Exclusion from collection does
  not stop reminders: it keeps an invoice away from the agency, while a *block* stops letters.
* **Interest** (räntelagen 6 §) is computed on the invoice's current balance from the day after
  the due date, the due date first moved to the next bank day (a payment on that day would have
  been on time), up to and including the run date. The current balance is used for the whole
  period: a debtor who paid part late is charged a little less, never more.
* **A run** recomputes everything inside one write transaction, records every notice (with the
  letter as sent, JSON), moves each invoice's dunning state and fees, writes the run's PDF to a
  temporary name and only renames it after the commit. A PDF that cannot be written rolls the
  whole run back.
* **Reprint** renders the stored letter again, so it shows exactly what was sent.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Contract,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    DunningRun,
    Invoice,
    Owner,
    RentalObject,
)
from tui_inkasso.db.models import ReferenceRate as ReferenceRateRow
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.dunning import (
    DunningLevel,
    FeeCaps,
    capped_fee,
    next_level_due,
    payment_deadline,
    validate_levels,
)
from tui_inkasso.domain.identifiers import format_bankgiro, format_plusgiro
from tui_inkasso.domain.interest import (
    InterestError,
    ReferenceRate,
    default_reference_rates,
    format_rate_bp,
    late_interest,
    validate_rates,
)
from tui_inkasso.domain.money import format_amount, format_sek, parse_amount
from tui_inkasso.fileio import FileWriteError, atomic_write
from tui_inkasso.formats.letter import (
    LetterData,
    LetterError,
    render_letter_text,
    render_letters_pdf,
)
from tui_inkasso.services import audit
from tui_inkasso.services.bulk import execute_many, insert_rows, reserve_ids
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.settings import (
    SettingError,
    get_setting,
    output_dir,
    set_settings,
    setting_key,
    validate_setting,
)
from tui_inkasso.services.transaction import is_postgres, write_transaction

RUN_LOCK_KEY = 727_274_203
"""PostgreSQL advisory lock key that lets one dunning run at a time recompute and write."""

LP_TIMEOUT = 30
"""Seconds ``lp`` may take to hand a file to the print system."""

LETTERS_SUBDIR = "brev"
"""Where run PDFs go when ``dunning.letters_dir`` is empty: a folder in the collection output dir."""


class DunningError(UserError):
    """A run, a level configuration, a block or a reprint that cannot be done; says why."""

    exit_code = 1


class PrintError(DunningError):
    """The letter could not be handed to the printer (no printer set, ``lp`` missing or failing)."""


# --------------------------------------------------------------------------- settings


def min_amount() -> int:
    """``dunning.min_amount`` in öre: a balance below it gets no reminder."""
    return parse_amount(get_setting("dunning.min_amount"))


def fee_caps() -> FeeCaps:
    """The reminder and demand fee caps from the settings (lag (1981:739) 4 §)."""
    return FeeCaps(
        reminder_ore=parse_amount(get_setting("dunning.reminder_fee_cap")),
        demand_ore=parse_amount(get_setting("dunning.demand_fee_cap")),
    )


def printer() -> str:
    """The ``lp`` destination for reprints, or "" when none is set."""
    return get_setting("dunning.printer").strip()


def letters_dir() -> Path:
    """The folder for run PDFs and reprints: ``dunning.letters_dir``, or the collection folder's
    ``brev``. Not created here: the run creates it, so an unusable path fails the run cleanly."""
    configured = get_setting("dunning.letters_dir").strip()
    if configured:
        return Path(configured).expanduser().absolute()
    return (output_dir() / LETTERS_SUBDIR).absolute()


# --------------------------------------------------------------------------- levels


def _level_from_row(row: DunningLevelConfig) -> DunningLevel:
    return DunningLevel(
        level=row.level,
        name=row.name,
        days=row.days,
        fee_ore=row.fee,
        deadline_days=row.deadline_days,
        letter_text=row.letter_text or "",
        is_demand=row.level > 1,
    )


def get_levels() -> list[DunningLevel]:
    """The configured levels in order (level 1 the reminder, later ones demands)."""
    return [_level_from_row(r) for r in DunningLevelConfig.select().order_by(DunningLevelConfig.level)]


def level_problems(levels: Sequence[DunningLevel], caps: FeeCaps | None = None) -> list[str]:
    """Everything wrong with ``levels`` (Swedish, one line each); fees against ``caps`` if given.

    Saving checks the caps; a run does not: it cuts each fee to the cap in force
    (:func:`~tui_inkasso.domain.dunning.capped_fee`), so a lowered cap never stops the runs.
    """
    problems = validate_levels(levels, caps)
    for level in levels:
        if level.is_demand != (level.level > 1):
            kind = "ett krav" if level.level > 1 else "en påminnelse"
            problems.append(f"Nivå {level.level} ({level.name or 'utan namn'}): ska vara {kind}; "
                            f"nivå 1 är påminnelsen och senare nivåer är krav.")
    return problems


def save_levels(levels: Sequence[DunningLevel]) -> list[DunningLevel]:
    """Replace the configured levels with ``levels``, all or nothing, audited.

    Refused with every problem listed when :func:`level_problems` finds any: a run with a
    broken configuration would send letters the law does not allow.
    """
    problems = level_problems(levels, fee_caps())
    if problems:
        raise DunningError("Kravnivåerna sparades inte:\n" + "\n".join(problems))
    old = get_levels()
    if list(levels) == old:
        return old
    with write_transaction():
        DunningLevelConfig.delete().execute()
        insert_rows(DunningLevelConfig, [
            {"level": lv.level, "name": lv.name.strip(), "days": lv.days, "fee": lv.fee_ore,
             "deadline_days": lv.deadline_days, "letter_text": lv.letter_text}
            for lv in levels
        ])
        audit.record("dunning.levels", "dunning_levels", "all",
                     f"{_describe_levels(old)} -> {_describe_levels(levels)}")
    return get_levels()


def _describe_levels(levels: Iterable[DunningLevel]) -> str:
    parts = [f"{lv.level} {lv.name} {lv.days}d avg {format_amount(lv.fee_ore)} "
             f"bet.tid {lv.deadline_days}d" for lv in levels]
    return "; ".join(parts) or "inga"


# --------------------------------------------------------------------------- reference rates


def get_reference_rates() -> list[ReferenceRate]:
    """The table of Riksbank reference rates, oldest first.

    An empty table reads as :func:`default_reference_rates`; the defaults are written to the
    table by the first run (and by :func:`save_reference_rates`), so the rates a run used are
    always the ones stored.
    """
    rows = ReferenceRateRow.select().order_by(ReferenceRateRow.valid_from)
    stored = [ReferenceRate(_date(r.valid_from), r.rate_bp) for r in rows]
    return stored or default_reference_rates()


def save_reference_rates(rates: Sequence[ReferenceRate]) -> list[ReferenceRate]:
    """Replace the table of reference rates, all or nothing, audited."""
    rates = sorted(rates)
    problems = validate_rates(rates)
    if not rates:
        problems.append("Minst en referensränta behövs för att räkna dröjsmålsränta.")
    if problems:
        raise DunningError("Referensräntorna sparades inte:\n" + "\n".join(problems))
    old = get_reference_rates()
    if rates == old and ReferenceRateRow.select().exists():
        return old
    with write_transaction():
        ReferenceRateRow.delete().execute()
        insert_rows(ReferenceRateRow, [{"valid_from": r.valid_from, "rate_bp": r.rate_bp} for r in rates])
        audit.record("dunning.reference_rates", "reference_rate", "all",
                     f"{_describe_rates(old)} -> {_describe_rates(rates)}")
    return get_reference_rates()


def _describe_rates(rates: Iterable[ReferenceRate]) -> str:
    return "; ".join(f"{r.valid_from.isoformat()} {format_rate_bp(r.rate_bp)}" for r in rates)


def _seed_rates_if_empty() -> None:
    """Store the default table on first use (inside the caller's transaction)."""
    if ReferenceRateRow.select().exists():
        return
    rates = default_reference_rates()
    insert_rows(ReferenceRateRow, [{"valid_from": r.valid_from, "rate_bp": r.rate_bp} for r in rates])
    audit.record("dunning.reference_rates", "reference_rate", "all",
                 f"standardtabellen sparad: {_describe_rates(rates)}")


CONFIGURATION_KEYS = ("dunning.min_amount", "dunning.reminder_fee_cap", "dunning.demand_fee_cap",
                      "dunning.printer", "dunning.letters_dir")
"""The settings edited beside the levels (Inställningar → Alternativ → Påminnelse/krav)."""


def save_configuration(levels: Sequence[DunningLevel], values: dict[str, str],
                       rates: Sequence[ReferenceRate]) -> None:
    """Levels, the dunning settings and the reference rates, checked together, saved together.

    Every problem is collected first (the levels are checked against the caps being saved), so
    the settings screen can list them all; nothing is stored unless all are right.
    """
    problems: list[str] = []
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        try:
            cleaned[key] = validate_setting(key, value)
        except SettingError as exc:
            problems.append(f"{setting_key(key).label}: {str(exc).removeprefix(key + ': ')}")
    caps = fee_caps()
    if "dunning.reminder_fee_cap" in cleaned and "dunning.demand_fee_cap" in cleaned:
        caps = FeeCaps(parse_amount(cleaned["dunning.reminder_fee_cap"]),
                       parse_amount(cleaned["dunning.demand_fee_cap"]))
    problems += level_problems(levels, caps)
    problems += validate_rates(rates)
    if not rates:
        problems.append("Minst en referensränta behövs för att räkna dröjsmålsränta.")
    if problems:
        raise DunningError("Inget sparades:\n" + "\n".join(problems))
    with write_transaction():
        set_settings(cleaned)
        save_levels(levels)
        save_reference_rates(rates)


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class BlockInfo:
    """A dunning block (kravspärr): on what, why, by whom, when."""

    object_type: str
    object_id: int
    number: str
    reason: str | None
    by: str | None
    at: dt.datetime | None


def _clean_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise DunningError("En kravspärr behöver ett skäl (fältet reason är tomt).")
    if len(text) > 200:
        raise DunningError(f"Skälet är {len(text)} tecken; högst 200.")
    return text


def block_customer(customer_id: int, reason: str) -> BlockInfo:
    """Stop reminders and demands to a customer (all their invoices), with who and why."""
    return _set_block(Customer, customer_id, _clean_reason(reason))


def unblock_customer(customer_id: int) -> BlockInfo:
    """Lift a customer's dunning block."""
    return _set_block(Customer, customer_id, None)


def block_invoice(invoice_id: int, reason: str) -> BlockInfo:
    """Stop reminders and demands for one invoice, with who and why."""
    return _set_block(Invoice, invoice_id, _clean_reason(reason))


def unblock_invoice(invoice_id: int) -> BlockInfo:
    """Lift an invoice's dunning block."""
    return _set_block(Invoice, invoice_id, None)


def _set_block(model: type[Customer] | type[Invoice], object_id: int, reason: str | None) -> BlockInfo:
    kind = "customer" if model is Customer else "invoice"
    label = "kund" if model is Customer else "faktura"
    with write_transaction():
        row = model.get_or_none(model.id == object_id)
        if row is None:
            raise NotFound(f"{label} med id {object_id} finns inte")
        old = row.dunning_blocked_reason
        if reason is None and old is None:
            raise DunningError(f"{label.capitalize()} {row.number} har ingen kravspärr att ta bort.")
        by, at = (current_user(), now()) if reason is not None else (None, None)
        model.update(dunning_blocked_reason=reason, dunning_blocked_by=by, dunning_blocked_at=at).where(
            model.id == object_id).execute()
        action = "dunning.blocked" if reason is not None else "dunning.unblocked"
        details = reason if old is None else f"{old!r} -> {reason!r}"
        audit.record(action, kind, row.number, details or "")
    return BlockInfo(kind, object_id, row.number, reason, by, at)


def get_block(object_type: str, object_id: int) -> BlockInfo:
    """The dunning block of a customer or an invoice (``reason`` None when there is none)."""
    model: type[Customer] | type[Invoice] = Customer if object_type == "customer" else Invoice
    row = model.get_or_none(model.id == object_id)
    if row is None:
        raise NotFound(f"{'kund' if model is Customer else 'faktura'} med id {object_id} finns inte")
    return BlockInfo(object_type, object_id, row.number, row.dunning_blocked_reason, row.dunning_blocked_by,
                     row.dunning_blocked_at)


def customer_id_by_number(number: str) -> int:
    """A customer's id from their customer number (NotFound names it)."""
    found = Customer.select(Customer.id).where(Customer.number == number.strip()).scalar()
    if found is None:
        raise NotFound(f"kund {number.strip()!r} finns inte")
    return int(found)


# --------------------------------------------------------------------------- candidates


@dataclass(slots=True)
class PreviewRow:
    """An invoice that gets its next level in a run, with what the letter will claim."""

    invoice_id: int
    invoice_number: str
    customer_number: str
    customer_name: str
    kind: str
    due_date: dt.date
    level: int
    level_name: str
    balance: int
    fee: int
    interest: int
    earlier_fees: int
    total: int
    """What the letter asks for: balance + interest + this fee + earlier fees."""
    deadline: dt.date


@dataclass(frozen=True)
class RunPreview:
    """What a run on ``run_date`` would issue, with counts and sums."""

    run_date: dt.date
    selection: Selection
    rows: list[PreviewRow]
    problems: list[str] = field(default_factory=list)
    """Why a run would be refused (invalid levels, an owner without bankgiro); empty when fine."""

    @property
    def count(self) -> int:
        """Notices the run would issue."""
        return len(self.rows)

    @property
    def balance(self) -> int:
        """Sum of the capital claimed."""
        return sum(r.balance for r in self.rows)

    @property
    def fees(self) -> int:
        """Sum of the fees this run charges."""
        return sum(r.fee for r in self.rows)

    @property
    def interest(self) -> int:
        """Sum of the late-payment interest shown on the letters."""
        return sum(r.interest for r in self.rows)

    @property
    def total(self) -> int:
        """Sum of what the letters ask for."""
        return sum(r.total for r in self.rows)

    def per_level(self) -> dict[int, int]:
        """Notices per level number."""
        counts: dict[int, int] = {}
        for row in self.rows:
            counts[row.level] = counts.get(row.level, 0) + 1
        return dict(sorted(counts.items()))


@dataclass(slots=True)
class _Candidate:
    """One invoice as read for a run: the preview row plus what its letter needs."""

    row: PreviewRow
    owner_id: int
    invoice_date: dt.date
    ocr: str
    customer_address: tuple[str, ...]
    object_address: str
    level: DunningLevel


_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.invoice_date, Invoice.due_date, Invoice.ocr,
    Invoice.balance, Invoice.fees, Invoice.dunning_level, Invoice.dunning_date, Invoice.owner,
    Customer.number, Customer.name, Customer.address, Customer.postal_code, Customer.city,
    Contract.reminder_fee_allowed, RentalObject.address, RentalObject.code,
)


def _unindexed(column: pw.Field) -> pw.ColumnBase:
    """``column`` in a form SQLite's planner will not pick an index for (unary plus).

    Without ANALYZE statistics SQLite takes ``collection_case IS NULL`` for a selective index
    look-up, though it matches nearly every invoice: a million index probes instead of one scan
    (1.2 s against 0.3 s on the demo ledger). PostgreSQL plans from its statistics.
    """
    if is_postgres():
        return column
    return pw.NodeList((pw.SQL("+"), column), glue="")


def _candidate_query(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                     minimum: int) -> pw.ModelSelect:
    """The cheap filter in SQL: everything a candidate must be, short of the bank-day rules.

    Each level's condition is necessary for :func:`next_level_due` (moving a due date to a bank
    day only makes it later), so nothing due is lost; the Python pass decides exactly.
    """
    first = levels[0]
    level_column = _unindexed(Invoice.dunning_level)
    timing = (level_column == 0) & (Invoice.due_date <= run_date - dt.timedelta(days=first.days))
    for previous, level in zip(levels, levels[1:], strict=False):
        timing |= (
            (level_column == previous.level)
            & (Invoice.dunning_date <= run_date - dt.timedelta(days=level.days))
            & (Invoice.dunning_deadline.is_null() | (Invoice.dunning_deadline < run_date))
        )
    blocked_customers = Customer.select(Customer.id).where(Customer.dunning_blocked_reason.is_null(False))
    query = (
        Invoice.select(*_COLUMNS)
        .join(Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Contract, pw.JOIN.LEFT_OUTER, on=(Invoice.contract == Contract.id))
        .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
        .where(
            Invoice.balance >= max(minimum, 1),
            _unindexed(Invoice.collection_case).is_null(),
            Invoice.dunning_blocked_reason.is_null(),
            Invoice.customer.not_in(blocked_customers),
            timing,
        )
    )
    return apply_selection(query, selection)


def _date(value: Any) -> dt.date:
    """A DateField read through ``.tuples()`` on SQLite can still be text."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


class _InterestTable:
    """Late-payment interest for many invoices, the rate arithmetic done once per period.

    :func:`~tui_inkasso.domain.interest.late_interest` is ``capital × S`` rounded half-up over
    ``10 000 × 365``, where ``S`` (the sum of days × rate in basis points) depends only on the
    period. Asked for a capital of exactly ``10 000 × 365`` it returns ``S`` itself, so ``S`` is
    taken from the domain function once per (from, to) and each invoice costs one division:
    the same integers, the same rounding, without repeating the half-year walk 20,000 times.
    """

    DENOMINATOR = 10_000 * 365

    def __init__(self, rates: Sequence[ReferenceRate]) -> None:
        self._rates = rates
        self._sums: dict[tuple[dt.date, dt.date], int] = {}

    def interest(self, capital: int, from_date: dt.date, to_date: dt.date) -> int:
        """``late_interest(capital, from_date, to_date, rates)``."""
        if capital <= 0:
            return 0
        key = (from_date, to_date)
        total = self._sums.get(key)
        if total is None:
            total = self._sums[key] = late_interest(self.DENOMINATOR, from_date, to_date, self._rates)
        return (2 * capital * total + self.DENOMINATOR) // (2 * self.DENOMINATOR)


class _Dates(dict[Any, dt.date]):
    """Dates as read from the cursor (ISO text on SQLite), each parsed once."""

    def __missing__(self, key: Any) -> dt.date:
        value = _date(key)
        self[key] = value
        return value


def _candidates(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                caps: FeeCaps, minimum: int, rates: Sequence[ReferenceRate]) -> list[_Candidate]:
    """The invoices that get their next level on ``run_date``, with fee and interest.

    Read through the raw cursor: peewee's per-column conversion of 30,000 rows costs more than
    the scan of a million.
    """
    result: list[_Candidate] = []
    dates = _Dates()
    interest_table = _InterestTable(rates)
    deadlines = {level.level: payment_deadline(run_date, level) for level in levels}
    fees_by = {(level.level, allowed): capped_fee(level, caps, allowed)
               for level in levels for allowed in (True, False)}
    sql, params = _candidate_query(run_date, selection, levels, minimum).sql()
    for values in db.execute_sql(sql, params):
        (iid, number, kind, inv_date, due, ocr, balance, fees, current, issued_on, owner_id,
         cust_no, cust_name, address, postal, city, fee_allowed, obj_address, obj_code) = values
        due = dates[due]
        issued = [(current, dates[issued_on])] if current else []
        level = next_level_due(due, issued, levels, run_date)
        if level is None:
            continue
        fee = fees_by[level.level, bool(fee_allowed)]
        try:
            interest = interest_table.interest(balance, next_bank_day(due), run_date)
        except InterestError as exc:
            raise DunningError(f"Faktura {number}: {exc}") from None
        row = PreviewRow(
            invoice_id=iid, invoice_number=number, customer_number=cust_no, customer_name=cust_name,
            kind=kind, due_date=due, level=level.level, level_name=level.name, balance=balance,
            fee=fee, interest=interest, earlier_fees=fees, total=balance + interest + fee + fees,
            deadline=deadlines[level.level],
        )
        result.append(_Candidate(
            row, owner_id, dates[inv_date], ocr,
            tuple(x for x in (address, f"{postal} {city}".strip()) if x),
            obj_address or obj_code or "", level,
        ))
    # Sorted here, not in SQL: an ORDER BY makes SQLite walk an index instead of one scan.
    result.sort(key=lambda c: (c.owner_id, c.row.customer_number, c.row.due_date, c.row.invoice_number))
    return result


def _owner_problems(candidates: Sequence[_Candidate]) -> list[str]:
    """Owners whose letters could not say where to pay."""
    owner_ids = {c.owner_id for c in candidates}
    if not owner_ids:
        return []
    missing = Owner.select(Owner.code, Owner.name).where(
        Owner.id.in_(owner_ids), Owner.bankgiro.is_null() | (Owner.bankgiro == ""),
        Owner.plusgiro.is_null() | (Owner.plusgiro == ""))
    return [f"Ägaren {code} ({name}) saknar bankgiro och plusgiro; breven kan inte säga vart "
            f"man betalar." for code, name in missing.tuples()]


def preview_run(run_date: dt.date, selection: Selection | None = None) -> RunPreview:
    """What a run on ``run_date`` over ``selection`` would issue; writes nothing.

    An invalid level configuration is reported in ``problems`` (with no rows), as is an owner
    without bankgiro or plusgiro; :func:`run_dunning` refuses in both cases.
    """
    selection = selection or Selection()
    validate_selection(selection)
    levels = get_levels()
    problems = level_problems(levels)
    if problems:
        return RunPreview(run_date, selection, [], problems)
    candidates = _candidates(run_date, selection, levels, fee_caps(), min_amount(), get_reference_rates())
    return RunPreview(run_date, selection, [c.row for c in candidates], _owner_problems(candidates))


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class IssuedNotice:
    """A notice a run recorded."""

    notice_id: int
    invoice_id: int
    invoice_number: str
    level: int
    level_name: str
    fee: int
    interest: int
    total: int
    deadline: dt.date


@dataclass(frozen=True)
class RunResult:
    """What a run did. ``run_id`` and ``pdf_path`` are None when there was nothing to issue."""

    run_date: dt.date
    run_id: int | None
    notices: list[IssuedNotice]
    pdf_path: Path | None
    left_out: list[int]
    """Invoice ids that were due but left out of this run at the user's request."""

    @property
    def count(self) -> int:
        """Notices issued."""
        return len(self.notices)

    @property
    def fees(self) -> int:
        """Fees charged by this run."""
        return sum(n.fee for n in self.notices)

    @property
    def interest(self) -> int:
        """Interest shown on this run's letters."""
        return sum(n.interest for n in self.notices)

    @property
    def total(self) -> int:
        """Sum of what the letters ask for."""
        return sum(n.total for n in self.notices)

    @property
    def message(self) -> str:
        """One Swedish line for the user."""
        if not self.notices:
            return f"Inget att skicka {self.run_date.isoformat()}: inga fakturor har nästa kravnivå."
        return (f"{self.count} påminnelser/krav skapade {self.run_date.isoformat()}, avgifter "
                f"{format_sek(self.fees)} kr; breven finns i {self.pdf_path}.")


class _NothingToIssue(Exception):
    """Raised inside the PDF's atomic write so that its temporary file is removed."""


def run_pdf_name(run_date: dt.date, at: dt.datetime) -> str:
    """The file name of a run's letters: date and time, so runs never overwrite each other."""
    return f"paminnelser-krav-{run_date.isoformat()}-{at:%H%M%S}.pdf"


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or with "-2", "-3" ... before the suffix when taken."""
    path = folder / name
    counter = 2
    while path.exists():
        path = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return path


def _prepare_folder(folder: Path) -> None:
    """Create the letters folder, or say clearly why it cannot be used (nothing is recorded)."""
    if folder.exists() and not folder.is_dir():
        raise DunningError(f"Mappen för breven {folder} är ingen mapp utan en fil; "
                           f"inget har registrerats.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DunningError(f"Mappen för breven {folder} kan inte skapas: {exc.strerror or exc}; "
                           f"inget har registrerats.") from None


def run_dunning(
    run_date: dt.date,
    selection: Selection | None = None,
    leave_out: Iterable[int] = frozenset(),
    out_dir: Path | None = None,
) -> RunResult:
    """Issue the next level to every due invoice: one transaction, one PDF, audited.

    Everything is recomputed here (a preview may be stale). ``leave_out`` are invoice ids kept
    out of this run only. The PDF is written to a temporary name in ``out_dir`` (default
    :func:`letters_dir`) while the transaction is open and renamed after the commit; when it
    cannot be written the run rolls back and nothing is recorded. A second run on the same date
    finds nothing new to issue.
    """
    selection = selection or Selection()
    validate_selection(selection)
    levels = get_levels()
    problems = level_problems(levels)
    if problems:
        raise DunningError("Kravnivåerna är inte giltiga; rätta dem under Inställningar → "
                           "Påminnelse/krav:\n" + "\n".join(problems))
    excluded = set(leave_out)
    folder = (Path(out_dir) if out_dir is not None else letters_dir()).expanduser().absolute()
    _prepare_folder(folder)
    started = now()
    pdf_path = _free_path(folder, run_pdf_name(run_date, started))
    outcome: dict[str, Any] = {}
    try:
        with atomic_write(pdf_path) as handle, write_transaction():
            if is_postgres():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
            _seed_rates_if_empty()
            candidates = _candidates(run_date, selection, levels, fee_caps(), min_amount(),
                                     get_reference_rates())
            outcome["left_out"] = [c.row.invoice_id for c in candidates if c.row.invoice_id in excluded]
            candidates = [c for c in candidates if c.row.invoice_id not in excluded]
            if not candidates:
                raise _NothingToIssue
            owner_problems = _owner_problems(candidates)
            if owner_problems:
                raise DunningError("\n".join(owner_problems) + "\nInget har registrerats.")
            outcome["notices"], outcome["run_id"], pdf = _record_run(
                run_date, selection, candidates, pdf_path, started, outcome["left_out"])
            handle.write(pdf)
            handle.flush()
            os.fsync(handle.fileno())
    except _NothingToIssue:
        return RunResult(run_date, None, [], None, outcome.get("left_out", []))
    except FileWriteError as exc:
        raise DunningError(f"Breven kunde inte skrivas: {exc}; inget har registrerats.") from None
    except LetterError as exc:
        raise DunningError(f"Ett brev kunde inte skapas: {exc}; inget har registrerats.") from None
    return RunResult(run_date, outcome["run_id"], outcome["notices"], pdf_path, outcome["left_out"])


def _record_run(
    run_date: dt.date,
    selection: Selection,
    candidates: Sequence[_Candidate],
    pdf_path: Path,
    started: dt.datetime,
    left_out: Sequence[int],
) -> tuple[list[IssuedNotice], int, bytes]:
    """Write the run, its notices and the invoices' new state; return them and the PDF bytes."""
    run_id = reserve_ids(DunningRun, 1)[0]
    notice_ids = reserve_ids(DunningNotice, len(candidates))
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({c.owner_id for c in candidates}))}
    letters = [_letter(c, owners[c.owner_id], run_date) for c in candidates]
    fees = sum(c.row.fee for c in candidates)
    DunningRun.insert(id=run_id, run_date=run_date, created_at=started, created_by=current_user(),
                      notices=len(candidates), fees=fees, pdf_path=str(pdf_path)).execute()
    # The driver's executemany: peewee's SQL building for 20,000 rows costs seconds.
    issued_on = run_date.isoformat()
    execute_many(
        'INSERT INTO "dunning_notice" ("id", "invoice_id", "run_id", "level", "name", "issued_on", '
        '"deadline", "capital", "fee", "interest", "letter") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [(nid, c.row.invoice_id, run_id, c.row.level, c.row.level_name, issued_on,
          c.row.deadline.isoformat(), c.row.balance, c.row.fee, c.row.interest, letter.to_json())
         for nid, c, letter in zip(notice_ids, candidates, letters, strict=True)],
    )
    execute_many(
        "UPDATE invoice SET dunning_level = ?, dunning_date = ?, dunning_deadline = ?, "
        "fees = fees + ? WHERE id = ?",
        [(c.row.level, run_date.isoformat(), c.row.deadline.isoformat(), c.row.fee, c.row.invoice_id)
         for c in candidates],
    )
    audit.record("dunning.run", "dunning_run", run_id, (
        f"{run_date.isoformat()}: {len(candidates)} brev, avgifter {format_amount(fees)}, "
        f"urval: {selection.describe()}, utelämnade: {len(left_out)}, fil: {pdf_path}"))
    audit.record_many([
        ("dunning.notice", "invoice", c.row.invoice_number,
         f"{c.row.level_name} (nivå {c.row.level}), avgift {format_amount(c.row.fee)}, "
         f"ränta {format_amount(c.row.interest)}, körning {run_id}")
        for c in candidates
    ])
    pdf = render_letters_pdf(letters, creation_date=started)
    notices = [
        IssuedNotice(nid, c.row.invoice_id, c.row.invoice_number, c.row.level, c.row.level_name,
                     c.row.fee, c.row.interest, c.row.total, c.row.deadline)
        for nid, c in zip(notice_ids, candidates, strict=True)
    ]
    return notices, run_id, pdf


def _pay_to(owner: Owner) -> str:
    """The owner's bankgiro as printed (plusgiro, marked, when there is no bankgiro)."""
    if owner.bankgiro:
        return format_bankgiro(owner.bankgiro)
    return f"PG {format_plusgiro(owner.plusgiro)}" if owner.plusgiro else ""


def _owner_address(owner: Owner) -> tuple[str, ...]:
    return tuple(x for x in (owner.address, f"{owner.postal_code} {owner.city}".strip()) if x)


def _letter(candidate: _Candidate, owner: Owner, run_date: dt.date) -> LetterData:
    row, level = candidate.row, candidate.level
    return LetterData(
        owner_name=owner.name, owner_org_no=owner.org_no, owner_address=_owner_address(owner),
        owner_phone=owner.phone, owner_email=owner.email, bankgiro=_pay_to(owner),
        customer_name=row.customer_name, customer_address=candidate.customer_address,
        invoice_number=row.invoice_number, kind=row.kind, invoice_date=candidate.invoice_date,
        due_date=row.due_date, ocr=candidate.ocr, level=level.level, level_name=level.name,
        is_demand=level.is_demand, issued_on=run_date, payment_deadline=row.deadline,
        capital_ore=row.balance, interest_ore=row.interest, fee_ore=row.fee,
        earlier_fees_ore=row.earlier_fees, total_ore=row.total, letter_text=level.letter_text,
        object_address=candidate.object_address, forfeiture_notice=row.kind == "rent",
        customer_number=row.customer_number, interest_to=run_date,
    )


# --------------------------------------------------------------------------- ready for collection


def max_level() -> int:
    """The highest configured level (0 when none is configured)."""
    return DunningLevelConfig.select(pw.fn.MAX(DunningLevelConfig.level)).scalar() or 0


def ready_for_collection_query(today: dt.date, selection: Selection | None = None) -> pw.ModelSelect:
    """Invoices that may go to collection on ``today``: THE rule the collection wizard uses.

    A balance, every configured level issued, the last letter's payment deadline passed, not
    collection-marked, not excluded (domain.md, "Ready for collection"). With no levels
    configured nothing is ready. Served by the (dunning_level, dunning_deadline) index.
    """
    top = max_level()
    query = Invoice.select()
    if top == 0:
        return query.where(pw.SQL("1 = 0"))
    query = query.where(
        Invoice.dunning_level >= top,
        Invoice.dunning_deadline < today,
        Invoice.balance > 0,
        _unindexed(Invoice.collection_case).is_null(),
        Invoice.excluded_at.is_null(),
    )
    return apply_selection(query, selection) if selection is not None else query


def is_invoice_ready(invoice_id: int, today: dt.date) -> bool:
    """True when the invoice ``invoice_id`` may go to collection on ``today``."""
    return ready_for_collection_query(today).where(Invoice.id == invoice_id).exists()


# --------------------------------------------------------------------------- reprint


@dataclass(frozen=True)
class NoticeInfo:
    """A notice issued for an invoice, as the reprint menu lists it."""

    notice_id: int
    invoice_id: int
    invoice_number: str
    level: int
    name: str
    issued_on: dt.date
    deadline: dt.date
    fee: int
    has_letter: bool
    """False for a notice recorded without its letter (imported): a reprint rebuilds it."""


@dataclass(frozen=True)
class StoredLetter:
    """A notice's letter for a reprint; ``rebuilt`` when it was not stored and was rebuilt."""

    notice_id: int
    letter: LetterData
    rebuilt: bool


REBUILT_NOTE = ("OBS: brevet sparades inte när kravet skickades (importerat krav). Det är återskapat "
                "ur kravets belopp och datum och dagens ägar- och kunduppgifter.")


def invoice_notices(invoice_id: int) -> list[NoticeInfo]:
    """The reminders and demands issued for an invoice, lowest level first."""
    number = Invoice.select(Invoice.number).where(Invoice.id == invoice_id).scalar()
    if number is None:
        raise NotFound(f"faktura med id {invoice_id} finns inte")
    query = (DunningNotice.select(DunningNotice.id, DunningNotice.level, DunningNotice.name,
                                  DunningNotice.issued_on, DunningNotice.deadline, DunningNotice.fee,
                                  DunningNotice.letter.is_null(False))
             .where(DunningNotice.invoice == invoice_id).order_by(DunningNotice.level))
    return [NoticeInfo(nid, invoice_id, number, level, name, _date(issued), _date(deadline), fee,
                       bool(has))
            for nid, level, name, issued, deadline, fee, has in query.tuples()]


def find_notice(invoice_ref: str, level: int | None = None) -> NoticeInfo:
    """A notice by invoice number (or OCR) and level; the highest level when ``level`` is None."""
    from tui_inkasso.services.ledger import find_invoice

    invoice = find_invoice(str(invoice_ref))
    notices = invoice_notices(invoice.id)
    if not notices:
        raise NotFound(f"faktura {invoice.number} har ingen påminnelse eller inget krav att skriva ut")
    if level is None:
        return notices[-1]
    for notice in notices:
        if notice.level == level:
            return notice
    have = ", ".join(str(n.level) for n in notices)
    raise NotFound(f"faktura {invoice.number} har ingen kravnivå {level} (utskickade nivåer: {have})")


def stored_letter(notice_id: int) -> StoredLetter:
    """The letter of a notice: as stored when sent, or rebuilt (and said so) when not stored."""
    notice = DunningNotice.get_or_none(DunningNotice.id == notice_id)
    if notice is None:
        raise NotFound(f"krav med id {notice_id} finns inte")
    if notice.letter:
        try:
            return StoredLetter(notice_id, LetterData.from_json(notice.letter), False)
        except LetterError as exc:
            raise DunningError(f"Det sparade brevet för krav {notice_id} kan inte läsas: {exc}") from None
    return StoredLetter(notice_id, _rebuild_letter(notice), True)


def notice_letter(notice_id: int) -> LetterData:
    """The letter of a notice as sent (see :func:`stored_letter` for imported notices)."""
    return stored_letter(notice_id).letter


def _rebuild_letter(notice: DunningNotice) -> LetterData:
    """A letter from a notice recorded without one (imported): its amounts and dates, today's
    owner and customer details, the configured level text."""
    invoice = Invoice.get_by_id(notice.invoice_id)
    owner = Owner.get_by_id(invoice.owner_id)
    customer = Customer.get_by_id(invoice.customer_id)
    obj = RentalObject.get_or_none(RentalObject.id == invoice.rental_object_id)
    config = DunningLevelConfig.get_or_none(DunningLevelConfig.level == notice.level)
    earlier = DunningNotice.select(pw.fn.COALESCE(pw.fn.SUM(DunningNotice.fee), 0)).where(
        DunningNotice.invoice == invoice.id, DunningNotice.level < notice.level).scalar() or 0
    issued = _date(notice.issued_on)
    return LetterData(
        owner_name=owner.name, owner_org_no=owner.org_no, owner_address=_owner_address(owner),
        owner_phone=owner.phone, owner_email=owner.email, bankgiro=_pay_to(owner),
        customer_name=customer.name,
        customer_address=tuple(x for x in (customer.address,
                                           f"{customer.postal_code} {customer.city}".strip()) if x),
        invoice_number=invoice.number, kind=invoice.kind, invoice_date=_date(invoice.invoice_date),
        due_date=_date(invoice.due_date), ocr=invoice.ocr, level=notice.level, level_name=notice.name,
        is_demand=notice.level > 1, issued_on=issued, payment_deadline=_date(notice.deadline),
        capital_ore=notice.capital, interest_ore=notice.interest, fee_ore=notice.fee,
        earlier_fees_ore=earlier,
        total_ore=notice.capital + notice.interest + notice.fee + earlier,
        letter_text=config.letter_text if config is not None else "",
        object_address=(obj.address or obj.code) if obj is not None else "",
        forfeiture_notice=invoice.kind == "rent", customer_number=customer.number,
        interest_to=issued,
    )


def preview_text(notice_id: int) -> str:
    """The letter as terminal text, exactly as the PDF prints it (a note first when rebuilt)."""
    stored = stored_letter(notice_id)
    text = render_letter_text(stored.letter)
    return f"{REBUILT_NOTE}\n\n{text}" if stored.rebuilt else text


def notice_pdf(notice_id: int) -> bytes:
    """One notice's letter as a one-page PDF, byte for byte the same at every reprint."""
    letter = notice_letter(notice_id)
    return render_letters_pdf([letter], creation_date=dt.datetime.combine(letter.issued_on, dt.time()))


@dataclass(frozen=True)
class PrintResult:
    """What a reprint did: the PDF written (or None) and the printer it went to (or None)."""

    notice_id: int
    path: Path | None
    printer: str | None
    rebuilt: bool

    @property
    def message(self) -> str:
        """One Swedish line for the user."""
        parts = []
        if self.path is not None:
            parts.append(f"PDF sparad: {self.path}")
        if self.printer:
            parts.append(f"skickad till skrivaren {self.printer}")
        return "; ".join(parts) or "Inget skrevs ut."


def default_reprint_path(notice_id: int) -> Path:
    """A free file name for a reprint in :func:`letters_dir`."""
    notice = DunningNotice.get_or_none(DunningNotice.id == notice_id)
    if notice is None:
        raise NotFound(f"krav med id {notice_id} finns inte")
    number = Invoice.select(Invoice.number).where(Invoice.id == notice.invoice_id).scalar()
    return _free_path(letters_dir(), f"aterutskrift-{number}-niva{notice.level}.pdf")


def print_notice(notice_id: int, path: Path | None, *, to_printer: bool) -> PrintResult:
    """Reprint a notice's stored letter: a PDF to ``path`` and/or to the printer via ``lp``.

    The PDF is written atomically and never over an existing file. With ``to_printer`` the
    letter goes to ``dunning.printer`` through ``lp -d PRINTER FILE``; a missing printer
    setting, a missing ``lp`` or its failure is a :class:`PrintError` with ``lp``'s own words
    (a PDF asked for is still written first). Every reprint is in the audit log.
    """
    if path is None and not to_printer:
        raise DunningError("Ange en fil för PDF:en eller välj att skriva ut på skrivaren.")
    stored = stored_letter(notice_id)
    pdf = notice_pdf(notice_id)
    written: Path | None = None
    if path is not None:
        written = Path(path).expanduser()
        if written.exists():
            raise DunningError(f"Filen {written} finns redan; välj ett annat namn.")
        _prepare_folder_for_file(written)
        try:
            with atomic_write(written) as handle:
                handle.write(pdf)
        except FileWriteError as exc:
            raise DunningError(f"PDF:en kunde inte sparas: {exc}") from None
    destination: str | None = None
    error: PrintError | None = None
    if to_printer:
        try:
            destination = _send_to_printer(pdf, written, stored.letter.invoice_number)
        except PrintError as exc:
            error = exc
    result = PrintResult(notice_id, written, destination, stored.rebuilt)
    if written is not None or destination is not None:
        with write_transaction():
            audit.record("dunning.reprint", "invoice", stored.letter.invoice_number,
                         f"{stored.letter.level_name} (nivå {stored.letter.level}) "
                         f"{stored.letter.issued_on.isoformat()}: {result.message}"
                         + (" (återskapat brev)" if stored.rebuilt else ""))
    if error is not None:
        saved = f" PDF:en sparades i {written}." if written is not None else ""
        raise PrintError(f"{error}{saved}")
    return result


def _prepare_folder_for_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DunningError(f"Mappen {path.parent} kan inte skapas: {exc.strerror or exc}") from None


def _send_to_printer(pdf: bytes, written: Path | None, invoice_number: str) -> str:
    """Hand the PDF to ``lp``; returns the destination, or raises PrintError with lp's words."""
    destination = printer()
    if not destination:
        raise PrintError("Ingen skrivare är inställd (dunning.printer under Inställningar → "
                         "Påminnelse/krav); brevet skrevs inte ut.")
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("Kommandot lp finns inte på den här datorn (installera CUPS-klienten, "
                         "paketet cups-client); brevet skrevs inte ut.")
    with tempfile.TemporaryDirectory(prefix="tui-inkasso-print-") as folder:
        file = written or Path(folder) / f"aterutskrift-{invoice_number}.pdf"
        if written is None:
            file.write_bytes(pdf)
        try:
            done = subprocess.run([lp, "-d", destination, str(file)], capture_output=True, text=True,
                                  timeout=LP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PrintError(f"lp svarade inte inom {LP_TIMEOUT} s (skrivare {destination}); "
                             f"brevet skrevs kanske inte ut.") from None
        except OSError as exc:
            raise PrintError(f"lp kunde inte startas: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip() or "inget meddelande"
        raise PrintError(f"Utskriften till {destination} misslyckades (lp avslutade med kod "
                         f"{done.returncode}): {said}")
    return destination
