"""Terminating tenancies for unpaid rent: the run (``tui-inkasso arrears terminate``, F2 in
Reskontra → Obetald hyra).

For the chosen contracts, in ONE write transaction: each is checked again (rent still unpaid
past the limit of 12 kap. 42 §, no termination standing, not left out, nothing missing that
its letters need), its recovery amount fixed (the open rent of the overdue invoices, nothing
else: docs/rent-arrears.md, "The amount"), the termination recorded with its rents and its
letters as JSON, and the PDFs staged: one with every tenant's termination letter and notice of
recovery (form 1 or 2), one per municipality with the notices to its socialnämnd (form 3). The
PDFs get their names after the commit (``services.publishing``; ``services/arrears_files.py``
finishes what a crash leaves). Every termination is audited. A run refused for any contract
writes nothing and names every reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from tui_inkasso.db.bulk import reserve_ids
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    Contract,
    Customer,
    Invoice,
    Owner,
    Payment,
    Termination,
    TerminationFile,
    TerminationInvoice,
    TerminationRun,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.money import format_sek
from tui_inkasso.domain.municipality import municipality_key
from tui_inkasso.domain.rent_arrears import RecoveryState, premises_code
from tui_inkasso.domain.rent_notice import RENT_INVOICE_KIND, RentPremises
from tui_inkasso.fileio import make_folder, name_part
from tui_inkasso.formats.rent_arrears_docs import (
    Party,
    RentLine,
    SocialnamndNotice,
    TerminationLetter,
    letter_pages,
    render_pdf,
    render_text,
    socialnamnd_pages,
)
from tui_inkasso.services import arrears_files, audit, publishing
from tui_inkasso.services.arrears import ArrearsContract, contract_detail, contracts_by_number
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.dunning_letter import owner_address, pay_to
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.publishing import PublishError, StagedFile, crash_point
from tui_inkasso.services.socialnamnd import Board, list_boards
from tui_inkasso.services.transaction import is_postgres, write_transaction

RUN_LOCK_KEY = 727_274_215
"""PostgreSQL advisory lock key: one termination run at a time checks and records."""

KIND_LETTERS = "letters"
KIND_SOCIALNAMND = "socialnamnd"


class ArrearsRunError(UserError):
    """A run refused: every reason, and that nothing was recorded."""

    exit_code = 1


@dataclass(frozen=True)
class TerminatedContract:
    """One tenancy the run terminated."""

    termination_id: int
    contract_number: str
    customer_number: str
    customer_name: str
    premises: RentPremises
    recovery_amount: int
    municipality: str | None


@dataclass(frozen=True)
class TerminationResult:
    """What a run did: its letters' PDF, one notices' PDF per municipality, the terminations."""

    run_id: int
    date: dt.date
    letters_pdf: Path
    socialnamnd_pdfs: dict[str, Path]
    terminated: list[TerminatedContract]
    warnings: list[str] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(t.recovery_amount for t in self.terminated)

    @property
    def message(self) -> str:
        """One Swedish line for the screen and the command line."""
        count = len(self.terminated)
        text = (f"{count} hyresavtal {'uppsagt' if count == 1 else 'uppsagda'} {self.date.isoformat()}, "
                f"att betala för återvinning totalt {format_sek(self.amount)} kr. Breven: {self.letters_pdf}")
        if self.socialnamnd_pdfs:
            text += ". Meddelanden till socialnämnden: " + ", ".join(str(p) for p in self.socialnamnd_pdfs.values())
        return text + "."


@dataclass
class _Planned:
    contract: ArrearsContract
    termination_id: int
    letter: TerminationLetter
    notice: SocialnamndNotice | None


@requires(StaffRole.CLERK, "säga upp hyresavtal för obetald hyra")
def terminate(contract_numbers: Sequence[str], on: dt.date, out: Path | None = None) -> TerminationResult:
    """Terminate the named contracts on ``on``: one transaction, the PDFs after the commit."""
    numbers = list(dict.fromkeys(n.strip() for n in contract_numbers if n.strip()))
    if not numbers:
        raise ArrearsRunError("Inga hyresavtal att säga upp: markera dem först. Inget har registrerats.")
    folder = _folder(out)
    arrears_files.recover(folder)
    created = now()
    staged: list[StagedFile] = []
    with publishing.folder_lock(folder, exclusive=False, wait=True):
        try:
            with write_transaction():
                result = _run(numbers, on, folder, created, staged)
                crash_point("arrears-before-commit")
        except BaseException:
            for item in staged:
                item.discard()
            raise
        crash_point("arrears-after-commit")
        warnings = _publish(staged)
    return TerminationResult(result.run_id, result.date, result.letters_pdf, result.socialnamnd_pdfs,
                             result.terminated, warnings)


def _folder(out: Path | None) -> Path:
    folder = (Path(out) if out is not None else arrears_files.output_folder()).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise ArrearsRunError(f"{folder} är ingen mapp utan en fil; inget har registrerats.")
    try:
        make_folder(folder)
    except OSError as exc:
        raise ArrearsRunError(f"Mappen {folder} kan inte skapas: {exc.strerror or exc}; inget har registrerats.") from None
    return folder


def _run(numbers: list[str], on: dt.date, folder: Path, created: dt.datetime,
         staged: list[StagedFile]) -> TerminationResult:
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
        _lock_rent(numbers)
    ready, refused = contracts_by_number(numbers, on)
    reasons = [f"{n}: {why}" for n, why in refused.items()]
    reasons += [f"{c.contract_number}: {p}" for c in ready.values() for p in c.problems]
    if reasons:
        raise ArrearsRunError("Inga hyresavtal sades upp:\n" + "\n".join(reasons) + "\nInget har registrerats.")
    contracts = [ready[n] for n in numbers]
    boards = {municipality_key(b.municipality): b for b in list_boards() if b.registered}
    run_id = reserve_ids(TerminationRun, 1)[0]
    planned = [_plan(c, tid, on, boards)
               for c, tid in zip(contracts, reserve_ids(Termination, len(contracts)), strict=True)]
    stamp = f"{on.isoformat()}-{created:%H%M%S}"
    letters_path = _free(folder, f"uppsagningar-{stamp}.pdf")
    letters = render_pdf([letter_pages(p.letter) for p in planned], created_at=created,
                         title=f"Uppsägningar {on.isoformat()}")
    staged.append(_stage(letters_path, letters))
    by_municipality: dict[str, list[SocialnamndNotice]] = defaultdict(list)
    for p in planned:
        if p.notice is not None:
            by_municipality[p.notice.municipality].append(p.notice)
    notice_paths: dict[str, Path] = {}
    for municipality, notices in sorted(by_municipality.items()):
        path = _free(folder, f"socialnamnd-{name_part(municipality)}-{stamp}.pdf", taken=set(notice_paths.values()))
        data = render_pdf([socialnamnd_pages(n) for n in notices], created_at=created,
                          title=f"Meddelanden till socialnämnden i {municipality} kommun {on.isoformat()}")
        staged.append(_stage(path, data))
        notice_paths[municipality] = path
    _insert(run_id, planned, on, created, letters_path, notice_paths, staged)
    terminated = [TerminatedContract(p.termination_id, p.contract.contract_number, p.contract.customer_number,
                                     p.contract.customer_name, p.contract.premises, p.contract.owed,
                                     p.notice.municipality if p.notice else None) for p in planned]
    return TerminationResult(run_id, on, letters_path, notice_paths, terminated)


def _lock_rent(numbers: list[str]) -> None:
    """PostgreSQL: lock the contracts' open rent invoices (in id order) before reading them, so a
    payment being booked on them now is in the amount, and one booked later waits for the commit
    and gets a higher payment id than ``counted_through`` (``services.termination_state``)."""
    contracts = Contract.select(Contract.id).where(Contract.number.in_(numbers))
    list(tuple_rows(Invoice.select(Invoice.id).where(Invoice.contract.in_(contracts), Invoice.kind == RENT_INVOICE_KIND,
                                                     Invoice.balance > 0).order_by(Invoice.id).for_update()))


def _counted_through(invoice_ids: list[int]) -> dict[int, int]:
    """The last payment booked on each invoice: the amount includes it, later ones count towards
    the recovery."""
    if not invoice_ids:
        return {}
    return dict(tuple_rows(Payment.select(Payment.invoice, pw.fn.MAX(Payment.id)).where(Payment.invoice.in_(invoice_ids))
                           .group_by(Payment.invoice)))


def _stage(path: Path, data: bytes) -> StagedFile:
    try:
        return publishing.stage(path, arrears_files.STAGING, lambda handle: handle.write(data))
    except PublishError as exc:
        raise ArrearsRunError(f"Filen kunde inte skrivas: {exc}. Inget har registrerats.") from None


def _free(folder: Path, name: str, taken: set[Path] | None = None) -> Path:
    path = folder / name
    n = 1
    while path in (taken or set()) or path.exists() or TerminationFile.select().where(
            TerminationFile.path == str(path)).exists():
        n += 1
        path = folder / f"{Path(name).stem}_{n}{Path(name).suffix}"
    return path


@reads
def preview_text(contract_number: str, on: dt.date) -> str:
    """The letters a run on ``on`` would send for one contract, as text (nothing is recorded):
    the termination letter, the notice of recovery and, for a dwelling, the notice to
    socialnämnden; what would stop the run first, when something would."""
    contract = contract_detail(contract_number, on)
    boards = {municipality_key(b.municipality): b for b in list_boards() if b.registered}
    head = ""
    if contract.problems:
        head = ("Uppsägningen kan inte göras förrän detta är rättat:\n" + "\n".join(f"- {p}" for p in contract.problems)
                + "\n\n")
    planned = _plan(contract, 0, on, boards)
    pages = letter_pages(planned.letter) + (socialnamnd_pages(planned.notice) if planned.notice else [])
    return head + render_text(pages)


def _plan(contract: ArrearsContract, termination_id: int, on: dt.date, boards: dict[str, Board]) -> _Planned:
    owner = Owner.get_by_id(contract.owner_id)
    customer = Customer.get_by_id(contract.customer_id)
    landlord = Party(owner.name, owner.org_no, owner_address(owner), owner.phone, owner.email)
    tenant = Party(customer.name, customer.national_id,
                   tuple(x for x in (customer.address, f"{customer.postal_code} {customer.city}".strip()) if x),
                   customer.phone, customer.email)
    rents = tuple(RentLine(r.invoice_number, r.due_date, r.ocr, r.balance) for r in contract.overdue)
    dwelling = contract.premises is RentPremises.DWELLING
    letter = TerminationLetter(
        premises=premises_code(contract.premises), issued_on=on, landlord=landlord, pay_to=pay_to(owner),
        tenant=tenant, customer_number=contract.customer_number, contract_number=contract.contract_number,
        object_code=contract.object_code, object_address=contract.object_address or contract.object_code,
        rents=rents, recovery_amount_ore=contract.owed, municipality=contract.municipality if dwelling else "")
    notice = None
    board = boards.get(municipality_key(contract.municipality)) if dwelling and contract.municipality else None
    if board is not None:
        notice = SocialnamndNotice(
            municipality=board.municipality, board_address=board.address, issued_on=on, landlord=landlord,
            tenant=tenant, dwelling_address=contract.object_address or contract.object_code,
            object_code=contract.object_code, size=contract.size, monthly_rent_ore=contract.monthly_rent,
            rents=rents, recovery_amount_ore=contract.owed, terminated_on=on)
    return _Planned(contract, termination_id, letter, notice)


def _insert(run_id: int, planned: list[_Planned], on: dt.date, created: dt.datetime, letters_path: Path,
            notice_paths: dict[str, Path], staged: list[StagedFile]) -> None:
    total = sum(p.contract.owed for p in planned)
    TerminationRun.insert(id=run_id, run_date=on, created_at=created, created_by=current_user(),
                          terminations=len(planned), amount=total).execute()
    sha = {item.final: item.sha256 for item in staged}
    through = _counted_through([r.invoice_id for p in planned for r in p.contract.overdue])
    TerminationFile.insert_many(
        [{"run": run_id, "kind": KIND_LETTERS, "municipality": "", "path": str(letters_path),
          "sha256": sha[letters_path]}]
        + [{"run": run_id, "kind": KIND_SOCIALNAMND, "municipality": m, "path": str(p), "sha256": sha[p]}
           for m, p in notice_paths.items()]).execute()
    for p in planned:
        c = p.contract
        Termination.insert(
            id=p.termination_id, run=run_id, contract=c.contract_id, customer=c.customer_id, owner=c.owner_id,
            rental_object=c.object_id, premises=premises_code(c.premises), terminated_on=on, created_at=created,
            recovery_amount=c.owed, municipality=p.notice.municipality if p.notice else "",
            state=RecoveryState.WAITING_FOR_SERVICE.value, state_since=on, letter=p.letter.to_json(),
            notice=p.notice.to_json() if p.notice else None).execute()
        TerminationInvoice.insert_many([
            {"termination": p.termination_id, "invoice": r.invoice_id, "due_date": r.due_date, "amount": r.balance,
             "counted_through": through.get(r.invoice_id, 0)}
            for r in c.overdue]).execute()
    audit.record("arrears.run", "termination_run", run_id, {
        "date": on.isoformat(), "terminations": len(planned), "amount": total, "letters": str(letters_path),
        "socialnamnd": {m: str(p) for m, p in notice_paths.items()}})
    audit.record_many([
        ("arrears.terminated", "contract", p.contract.contract_number, {
            "premises": premises_code(p.contract.premises), "amount": p.contract.owed,
            "invoices": [r.invoice_number for r in p.contract.overdue],
            "municipality": p.notice.municipality if p.notice else None, "run": run_id})
        for p in planned])


def _publish(staged: list[StagedFile]) -> list[str]:
    warnings = []
    for item in staged:
        try:
            item.publish()
        except PublishError as exc:
            warnings.append(f"Filen kunde inte få sitt namn: {exc}. Uppsägningarna är registrerade; nästa "
                            "körning flyttar filen på plats.")
    return warnings
