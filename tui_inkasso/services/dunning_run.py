"""Reminder and demand runs (påminnelse- och kravkörning): who gets a letter, the run, and when an
invoice is ready for collection.

The rules are pure (``domain/dunning.py``, ``domain/interest.py``, ``formats/letter.py``); the
configuration comes from ``services/dunning_levels.py``. This module applies them to the ledger:

* **Candidates** for a run are found in SQL first (balance at least the minimum amount, no
  collection case, no block on the invoice or its customer, the next level's days passed), so a
  million-invoice ledger answers in well under a second; only those rows go through
  :func:`~tui_inkasso.domain.dunning.next_level_due` in Python. Exclusion from collection does
  not stop reminders: it keeps an invoice away from the agency, while a *block* stops letters.
* **Interest** (räntelagen 6 §) is computed on the invoice's current balance from the day after
  the last day interest was charged for (the previous letter's date), or from the day after the
  due date moved to the next bank day (a payment on that day would have been on time), up to and
  including the run date. The current balance is used for the whole period: a debtor who paid
  part late is charged a little less, never more.
* **Charges** (issue 13, the claim model): the fee and the interest a letter charges become
  charges of the claim (``services/charges.py``) and are booked in the run's transaction, one
  voucher per owner: the receivables against fee income and interest income.
* **A run** recomputes everything inside one write transaction, records every notice (with the
  letter as sent, JSON), moves each invoice's dunning state and fees, and publishes the run's PDF
  the way every recorded file is published (``services/publishing.py``): staged under a pending
  name in the letters folder's hidden ``.brev-pending``, written and fsynced inside the
  transaction, the record naming that pending file, renamed after the commit, then the record
  finished. A crash at any step loses nothing: ``services/dunning_recovery.py`` (at the next run
  and the next start of the app, the daemon or any command) publishes committed letters or writes
  them again from the notices, and removes the letters of a run that never committed. A PDF that
  cannot be written rolls the whole run back.
* **Ready for collection** is where the ladder ends: every configured level issued and the last
  letter's deadline passed (:func:`ready_for_collection_query`, the collection wizard's rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import peewee as pw

from tui_inkasso.db.bulk import execute_many, reserve_ids
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Contract,
    Customer,
    DunningNotice,
    DunningRun,
    Invoice,
    InvoiceCharge,
    ObjectType,
    Owner,
    RentalObject,
)
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.codes import ChargeKind, StaffRole
from tui_inkasso.domain.counts import count_of
from tui_inkasso.domain.deadlines import lawful_deadline
from tui_inkasso.domain.dunning import (
    DunningLevel,
    FeeCaps,
    next_level_due,
)
from tui_inkasso.domain.fee_ceilings import FeeKind
from tui_inkasso.domain.identifiers import format_bankgiro, format_plusgiro
from tui_inkasso.domain.interest import InterestError, LateInterest, ReferenceRate
from tui_inkasso.domain.level_fees import letter_fee, level_kind
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.formats.letter import LetterData, LetterError, render_letters_pdf
from tui_inkasso.services import audit, dunning_recovery
from tui_inkasso.services.charges import NewCharge, account_problems, record_charges
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.dunning_letter import (
    RateTable,
    checked,
    refuse_missing_rates,
    rent_notice_config,
    rent_premises,
    with_filled_text,
)
from tui_inkasso.services.dunning_levels import (
    fee_caps,
    get_levels,
    get_reference_rates,
    letters_dir,
    level_problems,
    max_level,
    min_amount,
    seed_rates_if_empty,
)
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.publishing import (
    PublishError,
    StagedFile,
    crash_point,
    folder_lock,
    stage,
)
from tui_inkasso.services.selection import Selection, apply_selection, validate_selection
from tui_inkasso.services.stored_values import StoredDates
from tui_inkasso.services.transaction import is_postgres, write_transaction

_DAY = dt.timedelta(days=1)

LEVELS_REFUSED = ("Kravnivåerna är inte giltiga eller tar ut avgifter som lagen inte tillåter, så "
                  "ingen körning görs förrän de är rättade under Inställningar, Alternativ – "
                  "Påminnelse/krav (inget ändras av sig självt):")

RUN_LOCK_KEY = 727_274_203
"""PostgreSQL advisory lock key that lets one dunning run at a time recompute and write."""

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
    """The interest this letter charges (since the last charge)."""
    earlier_fees: int
    total: int
    """What the letter asks for: balance + all open interest + this fee + earlier fees."""
    deadline: dt.date
    earlier_interest: int = 0
    """Interest charged before and still open (the letter shows it with the new interest)."""
    interest_from: dt.date | None = None
    """The day after which this letter's interest runs."""


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
    moved_due: dt.date
    """The due date moved to a bank day: late interest runs from the day after it."""
    rent_premises: str
    """"bostad", "lokal" or "": the rent sentence the letter carries (``dunning.rent_notice``)."""


_COLUMNS = (
    Invoice.id, Invoice.number, Invoice.kind, Invoice.invoice_date, Invoice.due_date, Invoice.ocr,
    Invoice.balance, Invoice.fees, Invoice.interest, Invoice.interest_to, Invoice.dunning_level,
    Invoice.dunning_date, Invoice.owner,
    Customer.number, Customer.name, Customer.address, Customer.postal_code, Customer.city,
    Contract.reminder_fee_allowed, RentalObject.address, RentalObject.code, ObjectType.sfi,
)


def _charged(kind: ChargeKind) -> pw.Node:
    """True when the invoice already carries a fee of ``kind`` (any letter, any level)."""
    return pw.fn.EXISTS(InvoiceCharge.select(pw.SQL("1")).where(
        (InvoiceCharge.invoice == Invoice.id) & (InvoiceCharge.kind == kind.value)))


def _candidate_query(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                     minimum: int) -> pw.ModelSelect:
    """The cheap filter in SQL: everything a candidate must be, short of the bank-day rules.

    Each level's condition is necessary for :func:`next_level_due` (moving a due date to a bank
    day only makes it later), so nothing due is lost; the Python pass decides exactly.
    """
    first = levels[0]
    level_column = Invoice.dunning_level
    timing = (level_column == 0) & (Invoice.due_date <= run_date - dt.timedelta(days=first.days))
    for previous, level in zip(levels, levels[1:], strict=False):
        timing |= (
            (level_column == previous.level)
            & (Invoice.dunning_date <= run_date - dt.timedelta(days=level.days))
            & (Invoice.dunning_deadline.is_null() | (Invoice.dunning_deadline < run_date))
        )
    blocked_customers = Customer.select(Customer.id).where(Customer.dunning_blocked_reason.is_null(False))
    query = (
        Invoice.select(*_COLUMNS, _charged(ChargeKind.REMINDER_FEE), _charged(ChargeKind.COLLECTION_FEE))
        .join(Customer, on=(Invoice.customer == Customer.id))
        .join_from(Invoice, Contract, pw.JOIN.LEFT_OUTER, on=(Invoice.contract == Contract.id))
        .join_from(Invoice, RentalObject, pw.JOIN.LEFT_OUTER, on=(Invoice.rental_object == RentalObject.id))
        .join_from(RentalObject, ObjectType, pw.JOIN.LEFT_OUTER, on=(RentalObject.object_type == ObjectType.id))
        .where(
            Invoice.balance >= max(minimum, 1),
            Invoice.collection_case.is_null(),
            Invoice.dunning_blocked_reason.is_null(),
            Invoice.customer.not_in(blocked_customers),
            timing,
        )
    )
    return apply_selection(query, selection)


def _candidates(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel],
                caps: FeeCaps, minimum: int, rates: Sequence[ReferenceRate]) -> list[_Candidate]:
    """The invoices that get their next level on ``run_date``, with fee and interest.

    Read through the raw cursor: peewee's per-column conversion of 30,000 rows costs more than
    the scan of a million.
    """
    result: list[_Candidate] = []
    dates = StoredDates()
    late_interest = LateInterest(rates)
    table = RateTable(rates)
    missing: set[dt.date] = set()
    rent_config = rent_notice_config()
    deadlines = {level.level: lawful_deadline(run_date, level.deadline_days) for level in levels}
    fees_by = {(level.level, allowed, reminder_charged, collection_charged): letter_fee(
                   level, caps, run_date, reminder_fee_allowed=allowed, reminder_fee_charged=reminder_charged,
                   collection_fee_charged=collection_charged)
               for level in levels for allowed in (True, False) for reminder_charged in (True, False)
               for collection_charged in (True, False)}
    sql, params = _candidate_query(run_date, selection, levels, minimum).sql()
    for values in db.execute_sql(sql, params):
        (iid, number, kind, inv_date, due, ocr, balance, fees, open_interest, interest_to, current, issued_on,
         owner_id, cust_no, cust_name, address, postal, city, fee_allowed, obj_address, obj_code, sfi,
         reminder_charged, collection_charged) = values
        due = dates[due]
        issued = [(current, dates[issued_on])] if current else []
        level = next_level_due(due, issued, levels, run_date)
        if level is None:
            continue
        fee = fees_by[level.level, bool(fee_allowed), bool(reminder_charged), bool(collection_charged)]
        moved_due = next_bank_day(due)
        missing.update(table.missing(moved_due + _DAY, run_date))
        start = dates[interest_to] if interest_to else moved_due
        try:
            interest = late_interest(balance, start, run_date)
        except InterestError as exc:
            raise DunningError(f"Faktura {number}: {exc}") from None
        row = PreviewRow(
            invoice_id=iid, invoice_number=number, customer_number=cust_no, customer_name=cust_name,
            kind=kind, due_date=due, level=level.level, level_name=level.name, balance=balance,
            fee=fee, interest=interest, earlier_fees=fees,
            total=balance + interest + open_interest + fee + fees, deadline=deadlines[level.level],
            earlier_interest=open_interest, interest_from=start,
        )
        result.append(_Candidate(
            row, owner_id, dates[inv_date], ocr,
            tuple(x for x in (address, f"{postal} {city}".strip()) if x),
            obj_address or obj_code or "", level, moved_due, rent_premises(kind, sfi, rent_config),
        ))
    refuse_missing_rates(missing)
    # Sorted here, not in SQL: an ORDER BY makes SQLite walk an index instead of one scan.
    result.sort(key=lambda c: (c.owner_id, c.row.customer_number, c.row.due_date, c.row.invoice_number))
    return result


def _fee_charge_kind(level: DunningLevel) -> str:
    """The charge kind of a level's fee, by the level's kind: a collection fee only on an
    inkassokrav, a reminder fee on a påminnelse (``domain.level_kinds``)."""
    fee_kind = level_kind(level).fee_kind
    return (ChargeKind.COLLECTION_FEE if fee_kind is FeeKind.COLLECTION else ChargeKind.REMINDER_FEE).value


def _blank(column: pw.Field) -> pw.Expression:
    """True where a text column of the owner is empty."""
    return column.is_null() | (column == "")


def _owner_problems(candidates: Sequence[_Candidate]) -> list[str]:
    """Owners whose letters could not say where to pay or how to reach the creditor (so the
    preview says what the run's letter check would refuse, once per owner), or whose fees and
    interest could not be booked (an account role without an account)."""
    owner_ids = {c.owner_id for c in candidates}
    if not owner_ids:
        return []
    missing = Owner.select(Owner.code, Owner.name).where(
        Owner.id.in_(owner_ids), Owner.bankgiro.is_null() | (Owner.bankgiro == ""),
        Owner.plusgiro.is_null() | (Owner.plusgiro == ""))
    problems = [f"Ägaren {code} ({name}) saknar bankgiro och plusgiro; breven kan inte säga vart "
                f"man betalar." for code, name in missing.tuples()]
    unreachable = Owner.select(Owner.code, Owner.name).where(
        Owner.id.in_(owner_ids), *(_blank(column) for column in (
            Owner.phone, Owner.email, Owner.address, Owner.postal_code, Owner.city)))
    problems += [f"Ägaren {code} ({name}) saknar telefon, e-post och adress; breven kan inte säga hur "
                 f"borgenären nås (inkassolagen 5 §); lägg in dem under Inställningar, Ägare och konton "
                 f"(eller med reskontrafilen: owners: phone, email, address)."
                 for code, name in unreachable.tuples()]
    charged = {(c.owner_id, kind) for c in candidates for kind, amount in (
        (_fee_charge_kind(c.level), c.row.fee), (ChargeKind.INTEREST.value, c.row.interest)) if amount}
    return problems + account_problems(charged)


@reads
def preview_run(run_date: dt.date, selection: Selection | None = None) -> RunPreview:
    """What a run on ``run_date`` over ``selection`` would issue; writes nothing.

    An invalid level configuration is reported in ``problems`` (with no rows), as is an owner
    without bankgiro or plusgiro; :func:`run_dunning` refuses in both cases.
    """
    selection = selection or Selection()
    validate_selection(selection)
    levels = get_levels()
    problems = level_problems(levels, on_date=run_date)
    if problems:
        return RunPreview(run_date, selection, [], problems)
    try:
        candidates = _candidates(run_date, selection, levels, fee_caps(), min_amount(), get_reference_rates())
    except DunningError as exc:
        return RunPreview(run_date, selection, [], [str(exc)])
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
    warning: str = ""
    """Set when the letters are recorded but their PDF could not get its name (it waits under its
    pending name, ``pdf_path``, for the next run or start)."""

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
        text = (f"{count_of(self.count, 'påminnelse/krav', 'påminnelser/krav')} skapade {self.run_date.isoformat()}, avgifter "
                f"{format_kronor(self.fees)}; breven finns i {self.pdf_path}.")
        return f"{text} {self.warning}" if self.warning else text


class _NothingToIssue(Exception):
    """Raised inside the run's transaction when no invoice gets a letter: nothing is recorded."""


def run_pdf_name(run_date: dt.date, at: dt.datetime) -> str:
    """The file name of a run's letters: date and time, so runs never overwrite each other."""
    return f"paminnelser-krav-{run_date.isoformat()}-{at:%H%M%S}.pdf"


def free_path(folder: Path, name: str) -> Path:
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


@requires(StaffRole.CLERK, "skapa påminnelser och krav")
def run_dunning(
    run_date: dt.date,
    selection: Selection | None = None,
    leave_out: Iterable[int] = frozenset(),
    out_dir: Path | None = None,
) -> RunResult:
    """Issue the next level to every due invoice: one transaction, one PDF, audited.

    Everything is recomputed here (a preview may be stale). ``leave_out`` are invoice ids kept
    out of this run only. The PDF (in ``out_dir``, default :func:`letters_dir`) is staged and
    written inside the transaction and gets its name after the commit (module docstring); when
    it cannot be written the run rolls back and nothing is recorded. A second run on the same
    date finds nothing new to issue.
    """
    selection = selection or Selection()
    validate_selection(selection)
    levels = get_levels()
    problems = level_problems(levels, on_date=run_date)
    if problems:
        raise DunningError(LEVELS_REFUSED + "\n" + "\n".join(problems))
    folder = (Path(out_dir) if out_dir is not None else letters_dir()).expanduser().absolute()
    _prepare_folder(folder)
    dunning_recovery.recover([folder])
    started = now()
    final = free_path(folder, run_pdf_name(run_date, started))
    try:
        with folder_lock(folder, exclusive=False, wait=True):
            staged = stage(final, dunning_recovery.STAGING)
            crash_point("dunning-staged")
            try:
                outcome = _issue(run_date, selection, levels, set(leave_out), staged, started)
            except BaseException:
                staged.discard()
                raise
            crash_point("dunning-after-commit")
            if outcome.get("run_id") is None:
                staged.discard()
                return RunResult(run_date, None, [], None, outcome.get("left_out", []))
            return _publish(run_date, outcome, staged)
    except PublishError as exc:
        raise DunningError(f"Breven kunde inte skrivas: {exc}; inget har registrerats.") from None
    except LetterError as exc:
        raise DunningError(f"Ett brev kunde inte skapas: {exc}; inget har registrerats.") from None


def _issue(run_date: dt.date, selection: Selection, levels: Sequence[DunningLevel], excluded: set[int],
           staged: StagedFile, started: dt.datetime) -> dict[str, Any]:
    """The run's transaction: candidates, notices, charges, the PDF written to its pending name."""
    outcome: dict[str, Any] = {}
    try:
        with write_transaction():
            if is_postgres():
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
            seed_rates_if_empty()
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
                run_date, selection, candidates, staged, started, outcome["left_out"])
            staged.write(lambda handle: _write_pdf(handle, pdf), sequential=True)
            crash_point("dunning-before-commit")
    except _NothingToIssue:
        outcome.pop("run_id", None)
    return outcome


def _write_pdf(handle: BinaryIO, pdf: bytes) -> None:
    """The run's PDF to its pending file in two halves, so the crash tests can end the process with
    half a file of letters on disk (``dunning-during-write``), the partial PDF issue 14 item 6
    found left behind."""
    half = len(pdf) // 2
    handle.write(pdf[:half])
    if half:
        handle.flush()
        crash_point("dunning-during-write")
    handle.write(pdf[half:])


def _publish(run_date: dt.date, outcome: dict[str, Any], staged: StagedFile) -> RunResult:
    """After the commit: the PDF gets its name and the record names it. A failure here loses
    nothing (the letters are recorded and staged; recovery finishes them) and is said so."""
    run_id = outcome["run_id"]
    result = RunResult(run_date, run_id, outcome["notices"], staged.final, outcome["left_out"])
    try:
        staged.publish()
        crash_point("dunning-after-publish")
        dunning_recovery.finish_record(run_id, staged.pending, staged.final)
    except PublishError as exc:
        return RunResult(run_date, run_id, outcome["notices"], staged.pending, outcome["left_out"],
                         warning=f"{exc}. Breven är registrerade och ligger kvar i {staged.pending}; de "
                         "får sitt namn vid nästa körning eller start.")
    return result


def _record_run(
    run_date: dt.date,
    selection: Selection,
    candidates: Sequence[_Candidate],
    staged: StagedFile,
    started: dt.datetime,
    left_out: Sequence[int],
) -> tuple[list[IssuedNotice], int, bytes]:
    """Write the run, its notices and the invoices' new state; return them and the PDF bytes."""
    run_id = reserve_ids(DunningRun, 1)[0]
    notice_ids = reserve_ids(DunningNotice, len(candidates))
    owners = {o.id: o for o in Owner.select().where(Owner.id.in_({c.owner_id for c in candidates}))}
    table = RateTable(get_reference_rates())
    letters = [_letter(c, owners[c.owner_id], run_date, table) for c in candidates]
    checked([(letter, c.level.deadline_days) for letter, c in zip(letters, candidates, strict=True)])
    fees = sum(c.row.fee for c in candidates)
    DunningRun.insert(id=run_id, run_date=run_date, created_at=started, created_by=current_user(),
                      notices=len(candidates), fees=fees, pdf_path=str(staged.pending)).execute()
    # The driver's executemany: peewee's SQL building for 20,000 rows costs seconds.
    issued_on = run_date.isoformat()
    execute_many(
        'INSERT INTO "dunning_notice" ("id", "invoice_id", "run_id", "level", "name", "issued_on", '
        '"deadline", "capital", "fee", "interest", "letter") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [(nid, c.row.invoice_id, run_id, c.row.level, c.row.level_name, issued_on,
          c.row.deadline.isoformat(), c.row.balance, c.row.fee, c.row.interest + c.row.earlier_interest,
          letter.to_json())
         for nid, c, letter in zip(notice_ids, candidates, letters, strict=True)],
    )
    record_charges([charge for nid, c in zip(notice_ids, candidates, strict=True)
                    for charge in _charges(c, nid, run_id, run_date)],
                   voucher_date=run_date, source="dunning_run",
                   voucher_text=f"Påminnelse- och kravavgifter och ränta, körning {issued_on}")
    execute_many(
        "UPDATE invoice SET dunning_level = ?, dunning_date = ?, dunning_deadline = ?, "
        "fees = fees + ?, interest = interest + ?, interest_to = COALESCE(?, interest_to) WHERE id = ?",
        [(c.row.level, issued_on, c.row.deadline.isoformat(), c.row.fee, c.row.interest,
          issued_on if c.row.interest else None, c.row.invoice_id)
         for c in candidates],
    )
    audit.record("dunning.run", "dunning_run", run_id, {
        "date": run_date.isoformat(), "letters": len(candidates), "fees": fees,
        "selection": selection.describe(), "left_out": len(left_out), "file": str(staged.final)})
    audit.record_many([
        ("dunning.notice", "invoice", c.row.invoice_number, {
            "name": c.row.level_name, "level": c.row.level, "fee": c.row.fee, "interest": c.row.interest,
            "run": run_id})
        for c in candidates
    ])
    pdf = render_letters_pdf(letters, creation_date=started)
    notices = [
        IssuedNotice(nid, c.row.invoice_id, c.row.invoice_number, c.row.level, c.row.level_name,
                     c.row.fee, c.row.interest, c.row.total, c.row.deadline)
        for nid, c in zip(notice_ids, candidates, strict=True)
    ]
    return notices, run_id, pdf


def _charges(candidate: _Candidate, notice_id: int, run_id: int, run_date: dt.date) -> list[NewCharge]:
    """The fee and the interest a letter charges, as charges of the claim (zero ones left out)."""
    row = candidate.row
    charges = []
    if row.fee:
        charges.append(NewCharge(row.invoice_id, candidate.owner_id, _fee_charge_kind(candidate.level),
                                 row.fee, run_date, notice_id=notice_id, run_id=run_id))
    if row.interest:
        charges.append(NewCharge(row.invoice_id, candidate.owner_id, ChargeKind.INTEREST.value, row.interest,
                                 run_date, notice_id=notice_id, run_id=run_id, period_from=row.interest_from,
                                 period_to=run_date, base=row.balance))
    return charges


def pay_to(owner: Owner) -> str:
    """The owner's bankgiro as printed (plusgiro, marked, when there is no bankgiro)."""
    if owner.bankgiro:
        return format_bankgiro(owner.bankgiro)
    return f"PG {format_plusgiro(owner.plusgiro)}" if owner.plusgiro else ""


def owner_address(owner: Owner) -> tuple[str, ...]:
    """The owner's postal address as the letter prints it, empty lines left out."""
    return tuple(x for x in (owner.address, f"{owner.postal_code} {owner.city}".strip()) if x)


def _letter(candidate: _Candidate, owner: Owner, run_date: dt.date, table: RateTable) -> LetterData:
    """The letter of one notice: the level's kind, the interest with its rates and days, the rent
    sentence by the object's category, the level text with its placeholders filled."""
    row, level = candidate.row, candidate.level
    letter = LetterData(
        owner_name=owner.name, owner_org_no=owner.org_no, owner_address=owner_address(owner),
        owner_phone=owner.phone, owner_email=owner.email, bankgiro=pay_to(owner),
        customer_name=row.customer_name, customer_address=candidate.customer_address,
        invoice_number=row.invoice_number, kind=row.kind, invoice_date=candidate.invoice_date,
        due_date=row.due_date, ocr=candidate.ocr, level=level.level, level_name=level.name,
        is_demand=level.is_demand, issued_on=run_date, payment_deadline=row.deadline,
        capital_ore=row.balance, interest_ore=row.interest + row.earlier_interest, fee_ore=row.fee,
        earlier_fees_ore=row.earlier_fees, total_ore=row.total, letter_text=level.letter_text,
        object_address=candidate.object_address, forfeiture_notice=False,
        customer_number=row.customer_number, interest_to=run_date,
        level_kind=level_kind(level).value, interest_from=candidate.moved_due + _DAY,
        interest_rates=table.periods(candidate.moved_due, run_date),
        rent_premises=candidate.rent_premises,
    )
    return with_filled_text(letter, level.deadline_days)


# --------------------------------------------------------------------------- ready for collection


def ready_for_collection_query(today: dt.date, selection: Selection | None = None) -> pw.ModelSelect:
    """Invoices that may go to collection on ``today``: THE rule the collection wizard uses.

    A balance, every configured level issued, the last letter's payment deadline passed, not
    collection-marked, not excluded (domain.md, "Ready for collection"). With no levels
    configured nothing is ready. Served by the partial index ``invoice_ready`` (the invoices with
    a balance, in no case and not excluded, by level and deadline): its condition is written
    here term for term, so SQLite's planner sees that the index covers the query.
    """
    top = max_level()
    query = Invoice.select()
    if top == 0:
        return query.where(pw.SQL("1 = 0"))
    query = query.where(
        Invoice.dunning_level >= top,
        Invoice.dunning_deadline < today,
        Invoice.balance > 0,
        Invoice.collection_case.is_null(),
        Invoice.excluded_at.is_null(),
    )
    return apply_selection(query, selection) if selection is not None else query


def is_invoice_ready(invoice_id: int, today: dt.date) -> bool:
    """True when the invoice ``invoice_id`` may go to collection on ``today``."""
    return ready_for_collection_query(today).where(Invoice.id == invoice_id).exists()

