"""Reminder and demand runs (påminnelse- och kravkörning): the run that issues the letters.

The rules are pure (``domain/dunning.py``, ``domain/interest.py``, ``formats/letter.py``); the
configuration comes from ``services/dunning_levels.py``, who gets a letter with what fee and
interest from ``services/dunning_candidates.py`` (also the preview), and where the ladder ends
from ``services/ready_for_collection.py``. This module applies them to the ledger:

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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tui_inkasso.db.bulk import execute_many, reserve_ids
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import DunningNotice, DunningRun, Owner
from tui_inkasso.domain.codes import ChargeKind, StaffRole
from tui_inkasso.domain.counts import count_of
from tui_inkasso.domain.dunning import DunningLevel
from tui_inkasso.domain.level_fees import level_kind
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.formats.letter import LetterData, LetterError, render_letters_pdf
from tui_inkasso.services import audit, dunning_recovery
from tui_inkasso.services.charges import NewCharge, record_charges
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.dunning_candidates import (
    Candidate,
    fee_charge_kind,
    find_candidates,
    owner_problems,
)
from tui_inkasso.services.dunning_letter import (
    RateTable,
    checked,
    owner_address,
    pay_to,
    with_filled_text,
)
from tui_inkasso.services.dunning_levels import (
    fee_caps,
    get_levels,
    get_reference_rates,
    letters_dir,
    level_problems,
    min_amount,
    seed_rates_if_empty,
)
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.publishing import (
    PublishError,
    StagedFile,
    crash_point,
    folder_lock,
    stage,
)
from tui_inkasso.services.selection import Selection, validate_selection
from tui_inkasso.services.transaction import is_postgres, write_transaction

_DAY = dt.timedelta(days=1)

LEVELS_REFUSED = ("Kravnivåerna är inte giltiga eller tar ut avgifter som lagen inte tillåter, så "
                  "ingen körning görs förrän de är rättade under Inställningar, Alternativ – "
                  "Påminnelse/krav (inget ändras av sig självt):")

RUN_LOCK_KEY = 727_274_203
"""PostgreSQL advisory lock key that lets one dunning run at a time recompute and write."""


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
            candidates = find_candidates(run_date, selection, levels, fee_caps(), min_amount(),
                                         get_reference_rates())
            outcome["left_out"] = [c.row.invoice_id for c in candidates if c.row.invoice_id in excluded]
            candidates = [c for c in candidates if c.row.invoice_id not in excluded]
            if not candidates:
                raise _NothingToIssue
            refused = owner_problems(candidates)
            if refused:
                raise DunningError("\n".join(refused) + "\nInget har registrerats.")
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
    candidates: Sequence[Candidate],
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


def _charges(candidate: Candidate, notice_id: int, run_id: int, run_date: dt.date) -> list[NewCharge]:
    """The fee and the interest a letter charges, as charges of the claim (zero ones left out)."""
    row = candidate.row
    charges = []
    if row.fee:
        charges.append(NewCharge(row.invoice_id, candidate.owner_id, fee_charge_kind(candidate.level),
                                 row.fee, run_date, notice_id=notice_id, run_id=run_id))
    if row.interest:
        charges.append(NewCharge(row.invoice_id, candidate.owner_id, ChargeKind.INTEREST.value, row.interest,
                                 run_date, notice_id=notice_id, run_id=run_id, period_from=row.interest_from,
                                 period_to=run_date, base=row.balance))
    return charges



def _letter(candidate: Candidate, owner: Owner, run_date: dt.date, table: RateTable) -> LetterData:
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


