"""Creating collection cases (Meny → Reskontra → Inkasso, "Skapa inkassoärende"): the run itself.

ONE write transaction marks the invoices (an UPDATE that only touches invoices without case and
exclusion, its row count compared), creates one case per (customer, owner), the claimed amounts
per invoice (payments booked before this moment are in the balance; the fees and interest still
open on the invoice, and the interest since the last charge up to today, which the handover
charges and books like a letter's: ``services/charges.py``), events, the file records and the
audit entries, and stages the system's
files (``services.collection_files``: published after the commit; a crash can leave neither
cases without a file nor a file without cases). Two people running the wizard at once: the
second is told exactly which invoices were taken (:class:`InvoicesTaken`), and nothing of theirs
is written.

What it claims (the invoices read under the lock, the cases planned, the handover interest) is
``services/collection_claims.py``; a case as the file formats take it, ``services/case_records.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from tui_inkasso.db.bulk import PAGE, BulkWriter, Later, insert_dicts, stored_text
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import (
    CaseEvent,
    CaseInvoice,
    CaseStatus,
    CollectionCase,
    CollectionFile,
    Invoice,
    InvoiceCharge,
    OutboxFile,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import ChargeKind, StaffRole
from tui_inkasso.domain.collection_systems import CollectionSystemSpec, system_label, system_spec
from tui_inkasso.domain.counts import format_count
from tui_inkasso.domain.money import format_sek
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.case_file import CaseRecord
from tui_inkasso.formats.layout import Layout
from tui_inkasso.services import audit, collection_files, outbox
from tui_inkasso.services.case_records import case_record, creditor_of
from tui_inkasso.services.charges import CHARGE_COLUMNS, NewCharge, account_problems, book_charges
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.collection_claims import (
    HandoverInterest,
    PlannedCase,
    describe_taken,
    plan_cases,
    read_claimed,
)
from tui_inkasso.services.collection_errors import CollectionError, InvoicesTaken
from tui_inkasso.services.collection_files import Destination, PlannedFile
from tui_inkasso.services.collection_recovery import FILE_KIND, recover
from tui_inkasso.services.dunning_levels import get_reference_rates
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.publishing import crash_point
from tui_inkasso.services.selection import Selection, validate_selection
from tui_inkasso.services.settings import collection_system
from tui_inkasso.services.transaction import is_postgres, write_transaction

RUN_LOCK_KEY = 727_274_204
"""PostgreSQL advisory lock key: one collection run at a time numbers cases and marks invoices."""


def count(n: int, one: str, many: str) -> str:
    """"1 faktura", "6 358 fakturor": a number (thousands grouped) with its noun in Swedish."""
    return f"{format_count(n)} {one if n == 1 else many}"


@dataclass(frozen=True)
class CreatedClaim:
    """An invoice put in a case, with what was claimed."""

    invoice_id: int
    number: str
    kind: str
    due_date: dt.date
    balance: int
    fees: int
    interest: int
    debt_type: str
    """The agency's code (Intrum 17..., Svea BO...) or, in-house and Excel, the SFI category's name."""

    @property
    def total(self) -> int:
        return self.balance + self.fees + self.interest


@dataclass(frozen=True)
class CreatedCase:
    """A case the run created."""

    case_id: int
    number: str
    system: str
    owner_code: str
    owner_name: str
    customer_number: str
    customer_name: str
    claims: tuple[CreatedClaim, ...]
    file: Path | None

    @property
    def total(self) -> int:
        return sum(c.total for c in self.claims)

    @property
    def debt_types(self) -> str:
        return ", ".join(dict.fromkeys(c.debt_type for c in self.claims))


@dataclass(frozen=True)
class CaseRunResult:
    """What :func:`create_cases` did."""

    system: str
    created_at: dt.datetime
    cases: list[CreatedCase]
    records: list[CaseRecord]
    """The cases as the formats take them (for the result list, its Excel export and PDF)."""
    files: list[Path]
    outbox_ids: list[int] = field(default_factory=list)
    deliveries: list[outbox.DeliveryResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def file(self) -> Path | None:
        """The file written (the first, when there is one per owner)."""
        return self.files[0] if self.files else None

    @property
    def invoice_count(self) -> int:
        return sum(len(c.claims) for c in self.cases)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cases)

    @property
    def message(self) -> str:
        """One Swedish line for the screen and the CLI."""
        text = (f"{count(len(self.cases), 'inkassoärende', 'inkassoärenden')} med "
                f"{count(self.invoice_count, 'faktura', 'fakturor')} skapade "
                f"({system_label(self.system)}), totalt {format_sek(self.total)} kr.")
        if self.files:
            text += " Fil: " + ", ".join(str(f) for f in self.files)
        return text



@requires(StaffRole.CLERK, "skapa inkassoärenden")
def create_cases(
    today: dt.date,
    selection: Selection | None,
    invoice_ids: Sequence[int],
    system: str | None = None,
    *,
    out: Path | None = None,
    deliver: bool = True,
) -> CaseRunResult:
    """Put ``invoice_ids`` in collection cases: one transaction, then the file, then the upload.

    ``system`` defaults to the setting ``collection.system``. ``out`` is where the file goes:
    an existing folder, or the file's own name (Excel; an agency file only when all cases have
    one owner); default ``collection.output_dir``. Every invoice must still be ready for
    collection within ``selection``; when some are not (taken by someone else meanwhile,
    excluded, paid) :class:`InvoicesTaken` names them and nothing is written.
    """
    selection = selection or Selection()
    validate_selection(selection)
    spec = _system(system)
    ids = list(dict.fromkeys(int(i) for i in invoice_ids))
    if not ids:
        raise CollectionError("Inga fakturor att skapa inkassoärenden av: den övre listan är tom.")
    created = now()
    where = collection_files.destination(spec, out)
    if where is not None:
        recover(where[0])
    layout = collection_files.layout_of(spec)
    planned: list[PlannedFile] = []
    with collection_files.folder_held(where):
        try:
            with write_transaction():
                result = _create(today, selection, ids, spec, created, where, layout, planned)
                crash_point("collection-before-commit")
        except BaseException:
            collection_files.discard(planned)
            raise
        crash_point("collection-after-commit")
        warnings = [*result.warnings, *collection_files.publish(planned)]
        crash_point("collection-after-publish")
    deliveries = _deliver(result.outbox_ids) if deliver else []
    return CaseRunResult(result.system, result.created_at, result.cases, result.records, result.files,
                         result.outbox_ids, deliveries, warnings)


def _create(
    today: dt.date,
    selection: Selection,
    ids: list[int],
    spec: CollectionSystemSpec,
    created: dt.datetime,
    where: Destination | None,
    layout: Layout | None,
    planned: list[PlannedFile],
) -> CaseRunResult:
    """The transaction's body: lock, read, plan, book the interest's vouchers, then the rows on
    the run's writer thread (``BulkWriter.in_background``: cases, the mark, their invoices,
    events, charges, audit) while this thread renders and stages the files; then the mark's
    count is checked, the files' SHA-256 recorded and the uploads enqueued."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
        _lock_invoice_rows(ids)
    claimed = read_claimed(today, selection, ids)
    missing = [i for i in ids if i not in claimed]
    if missing:
        raise InvoicesTaken(describe_taken(missing, today, selection))
    cases = plan_cases(spec, claimed, created)
    interest = HandoverInterest(today, get_reference_rates())
    for case in cases:
        for claim in case.claims:
            claim.interest_from, claim.new_interest = interest.of(
                claim.balance, claim.due_date, claim.interest_to, claim.number)
    problems = account_problems({(c.owner_id, ChargeKind.INTEREST.value)
                                 for case in cases for c in case.claims if c.new_interest})
    if problems:
        raise CollectionError("\n".join(problems) + "\nInget har registrerats.")
    planned.extend(collection_files.plan_files(spec, cases, created, where, layout))
    charge_rows = _book_interest(cases, today)
    _insert_files(spec, planned, created)
    _audit_run(spec, cases, planned, selection)
    by_file = {id(c): plan.final for plan in planned for c in plan.cases}
    writer = BulkWriter(keys_per_batch=True)
    with writer.in_background():
        _insert_cases(writer, spec, cases, planned, created)
        marked = _mark_invoices(writer, cases, created, today)
        _insert_claims(writer, spec, cases)
        # The records built, the files rendered and written here while the database stores the
        # rows above (the marking UPDATE is most of its work): Python and the server overlap.
        creditors = {owner.id: creditor_of(owner) for owner in {case.owner.id: case.owner for case in cases}.values()}
        records = [case_record(case, spec, creditors[case.owner.id]) for case in cases]
        collection_files.add_records(planned, cases, records)
        for plan in planned:
            plan.staged = collection_files.stage(spec, plan, created, layout)
        crash_point("collection-staged")
        shown = _shown_debt_types(spec)
        created_cases = [_created_case(case, spec, by_file.get(id(case)), shown) for case in cases]
        _insert_events(writer, spec, cases, planned, created)
        writer.insert(InvoiceCharge, CHARGE_COLUMNS, charge_rows)
        _audit_cases(writer, cases)
    _check_marked(marked.value, created, today, selection)
    collection_files.record_digests(planned)
    outbox_ids = collection_files.enqueue(spec, planned)
    return CaseRunResult(spec.code, created, created_cases, records, [p.final for p in planned], outbox_ids)


def _system(system: str | None) -> CollectionSystemSpec:
    if system is None:
        return collection_system()
    try:
        return system_spec(system)
    except ValueError as exc:
        raise CollectionError(str(exc)) from None


def _lock_invoice_rows(ids: list[int]) -> None:
    """PostgreSQL: lock the invoices (in id order) so a payment booked now waits for our commit
    and then counts as a correction; one booked before is in the balance we read.

    ``= ANY(array)`` of :data:`PAGE` ids a statement, not a peewee ``IN`` list of 500: small
    enough for the planner to take the primary key (all 20,000 at once, it read the whole
    invoice table), large enough for few round trips."""
    for chunk in pw.chunked(sorted(ids), PAGE):
        db.execute_sql('SELECT "id" FROM "invoice" WHERE "id" = ANY(%s) ORDER BY "id" FOR UPDATE',
                       (chunk,)).fetchall()


def _book_interest(cases: list[PlannedCase], today: dt.date) -> list[tuple[Any, ...]]:
    """Book the interest the handover adds (one voucher per owner, written now); the charges'
    rows (``charges.CHARGE_COLUMNS``) for the writer, after the cases they name. The invoices'
    ``interest`` and ``interest_to`` follow in :func:`_mark_invoices`' one UPDATE."""
    charges = [NewCharge(c.invoice_id, c.owner_id, ChargeKind.INTEREST.value, c.new_interest, today,
                         case_id=case.case_id, period_from=c.interest_from, period_to=today, base=c.balance)
               for case in cases for c in case.claims if c.new_interest]
    _ids, rows = book_charges(charges, voucher_date=today, source="collection_run",
                              voucher_text=f"Dröjsmålsränta vid överlämning till inkasso {today.isoformat()}")
    return rows


def _insert_files(spec: CollectionSystemSpec, planned: list[PlannedFile], created: dt.datetime) -> None:
    """The file records, before the cases that name them; their SHA-256 follows once the files
    are staged (``collection_files.record_digests``), in the same transaction."""
    user = current_user()
    insert_dicts(CollectionFile, [
        {"id": p.collection_file_id, "kind": FILE_KIND, "system": spec.code, "path": str(p.final), "file_id": p.file_id,
         "created_at": created, "created_by": user, "records": len(p.cases),
         "amount": collection_files.amount(p), "sha256": ""}
        for p in planned
    ])


def _file_of(planned: list[PlannedFile]) -> dict[int, int]:
    """case id -> the id of its file's record."""
    return {case.case_id: plan.collection_file_id for plan in planned for case in plan.cases}


_CASE_COLUMNS = ("id", "number", "system", "owner", "customer", "status", "created_at", "created_by", "file",
                 "agency_reference", "capital", "fees", "interest", "closed_at")


def _insert_cases(writer: BulkWriter, spec: CollectionSystemSpec, cases: list[PlannedCase],
                  planned: list[PlannedFile], created: dt.datetime) -> None:
    """The cases, through the run's writer (tuples in column order: peewee's SQL building for
    30,000 rows of insert_many costs seconds, and dicts a tenth of a second more)."""
    user, at, status = current_user(), stored_text(created), CaseStatus.REGISTERED.value
    file_of = _file_of(planned)
    writer.insert(CollectionCase, _CASE_COLUMNS, [
        (c.case_id, c.number, spec.code, c.owner.id, c.customer.id, status, at, user, file_of.get(c.case_id), "",
         sum(x.balance for x in c.claims), sum(x.fees for x in c.claims), sum(x.interest for x in c.claims), None)
        for c in cases
    ])


def _insert_claims(writer: BulkWriter, spec: CollectionSystemSpec, cases: list[PlannedCase]) -> None:
    """Each case's invoices with what it claims of each."""
    writer.insert(CaseInvoice, ("case", "invoice", "balance", "fees", "interest", "debt_type"), [
        (c.case_id, x.invoice_id, x.balance, x.fees, x.interest, spec.debt_type(x.sfi))
        for c in cases for x in c.claims
    ])


def _insert_events(writer: BulkWriter, spec: CollectionSystemSpec, cases: list[PlannedCase],
                   planned: list[PlannedFile], created: dt.datetime) -> None:
    """Each case's "registered" event, naming its file."""
    user, at = current_user(), stored_text(created)
    file_of = _file_of(planned)
    file_names = {p.collection_file_id: p.final.name for p in planned}
    writer.insert(CaseEvent, ("case", "at", "user", "kind", "text"), [
        (c.case_id, at, user, "created", _created_text(spec, c, file_names.get(file_of.get(c.case_id, 0))))
        for c in cases
    ])


def _created_text(spec: CollectionSystemSpec, case: PlannedCase, file_name: str | None) -> str:
    total = sum(x.balance + x.fees + x.interest for x in case.claims)
    text = (f"Ärende registrerat ({spec.label}): {count(len(case.claims), 'faktura', 'fakturor')}, "
            f"{format_sek(total)} kr")
    return text + (f", fil {file_name}" if file_name else "")


def _mark_invoices(writer: BulkWriter, cases: list[PlannedCase], created: dt.datetime,
                   today: dt.date) -> Later[list[tuple[list[int], int]]]:
    """Collection-mark the invoices, only those still without case and exclusion, and count them;
    the same UPDATE adds the handover's interest (``interest``, ``interest_to`` up to today).
    Handed to the run's writer as one job (it runs while Python renders the files); for each
    chunk its ids and the rows it changed, for :func:`_check_marked`.

    One row version per invoice: on PostgreSQL every invoice update rewrites its ~11 index
    entries, so a separate interest update cost a 10,000-case run a second and a half of the
    server's CPU. An invoice is never in two cases: the CaseInvoice rows written (their unique
    invoice column) are the database's own guarantee; this guard tells who came first.
    """
    rows = sorted((x.invoice_id, c.case_id, x.new_interest, today.isoformat() if x.new_interest else None)
                  for c in cases for x in c.claims)
    mark = _mark_postgres if is_postgres() else _mark_sqlite
    marked_at = _marked_at(created)

    def job(cursor: Any) -> list[tuple[list[int], int]]:
        return [([row[0] for row in chunk], mark(cursor, chunk, marked_at)) for chunk in pw.chunked(rows, PAGE)]

    return writer.later(job)


def _marked_at(created: dt.datetime) -> str:
    """The run's time as the mark stores it, made once: as sqlite3's adapter stores it (a
    parameter), or a timestamp literal in the SQL on PostgreSQL (psycopg2's adapter; no cursor:
    the writer's thread may be using the connection)."""
    if not is_postgres():
        return created.isoformat(" ")
    from psycopg2.extensions import adapt

    return str(adapt(created).getquoted().decode())


def _check_marked(counts: list[tuple[list[int], int]], created: dt.datetime, today: dt.date,
                  selection: Selection) -> None:
    """:class:`InvoicesTaken` naming the invoices of the first chunk the mark did not change all of."""
    for ids, changed in counts:
        if changed != len(ids):
            marked = {r[0] for r in tuple_rows(Invoice.select(Invoice.id).where(
                Invoice.id.in_(ids), Invoice.collection_marked_at == created))}
            raise InvoicesTaken(describe_taken([i for i in ids if i not in marked], today, selection))


_MARK_GUARD = '"invoice"."collection_case_id" IS NULL AND "invoice"."excluded_at" IS NULL'


def _mark_sqlite(cursor: Any, rows: list[tuple[int, int, int, str | None]], marked_at: str) -> int:
    """SQLite: one statement run per invoice (no round trips in-process); the rows it changed."""
    return int(cursor.executemany(
        'UPDATE "invoice" SET "collection_case_id" = ?, "collection_marked_at" = ?, '
        '"interest" = "interest" + ?, "interest_to" = COALESCE(?, "interest_to") '
        f'WHERE "id" = ? AND {_MARK_GUARD}',
        [(case_id, marked_at, interest, interest_to, invoice_id)
         for invoice_id, case_id, interest, interest_to in rows],
    ).rowcount)


_UNHINTED = ("customer_id", "contract_id", "rental_object_id")
"""Columns the PostgreSQL mark assigns to themselves (see :func:`_mark_postgres`)."""


def _mark_postgres(cursor: Any, rows: list[tuple[int, int, int, str | None]], marked_at: str) -> int:
    """PostgreSQL: one ``UPDATE ... FROM (VALUES ...)`` for the chunk; the rows it changed.

    The mark changes indexed columns, so every invoice gets new entries in all its indexes. For an
    index whose columns the UPDATE does not name, PostgreSQL (14 and later) tries a "bottom-up
    deletion" when the leaf page is full: it visits the heap blocks of the page's duplicates to
    find dead versions to remove. On the low-cardinality foreign-key indexes (customer, contract,
    rental object: 20-40 invoices a key, each in another heap block) the invoices the dunning run
    updated before leave full pages, and those passes cost a 10,000-case run about 0.85 s of the
    server's 1.2 s for this UPDATE. Naming the three columns (``customer_id = customer_id``)
    withdraws that hint for their indexes only: the values stay, no foreign key is checked again
    (unchanged keys), the row gets the same index entries, and a full page is split instead
    (about 1 MB more per index per 10,000 cases until VACUUM reuses it). The unique indexes keep
    the hint: there a pass finds the old version in one heap block. SQLite updates every index
    naming an assigned column, so :func:`_mark_sqlite` does not do this.
    """
    same = ", ".join(f'"{column}" = "invoice"."{column}"' for column in _UNHINTED)
    cursor.execute(
        f'UPDATE "invoice" SET "collection_case_id" = v.case_id, "collection_marked_at" = {marked_at}, '
        '"interest" = "invoice"."interest" + v.interest, '
        f'"interest_to" = COALESCE(v.interest_to, "invoice"."interest_to"), {same} '
        f'FROM (VALUES {_values_sql(rows)}) AS v(id, case_id, interest, interest_to) '
        f'WHERE "invoice"."id" = v.id AND {_MARK_GUARD}')
    return int(cursor.rowcount)


def _values_sql(rows: list[tuple[int, int, int, str | None]]) -> str:
    """The mark's rows as the text of a ``VALUES`` list. Every value is a whole number (the
    ``d`` format refuses anything else) or a day the run made (checked as an ISO date), so the
    text is built here: a tenth of the CPU of psycopg2's ``mogrify`` of each row (50 ms a 10,000-case run, on
    the writer's thread, which then holds the interpreter less while this thread renders)."""
    days: dict[str | None, str] = {None: "NULL::date"}
    for _id, _case, _interest, day in rows:
        if day is not None and day not in days:
            days[day] = f"'{dt.date.fromisoformat(day).isoformat()}'::date"
    return ",".join([f"({invoice_id:d},{case_id:d},{interest:d},{days[day]})"
                     for invoice_id, case_id, interest, day in rows])


def _audit_run(spec: CollectionSystemSpec, cases: list[PlannedCase], planned: list[PlannedFile],
               selection: Selection) -> None:
    """The run's own audit entry (before its cases' entries, as they are read)."""
    invoices = sum(len(c.claims) for c in cases)
    total = sum(x.balance + x.fees + x.interest for c in cases for x in c.claims)
    files = ", ".join(str(p.final) for p in planned) or "ingen fil"
    audit.record("collection.run", "collection_run", cases[0].number if cases else "", {
        "cases": len(cases), "invoices": invoices, "amount": total, "system": spec.code,
        "selection": selection.describe(), "files": files})


def _audit_cases(writer: BulkWriter, cases: list[PlannedCase]) -> None:
    """An audit entry per case, through the run's writer."""
    audit.record_many([
        ("case.created", "collection_case", c.number, {
            "customer": c.customer.number, "customer_name": c.customer.name, "owner": c.owner.code,
            "claims": [[x.number, x.balance] for x in c.claims]})
        for c in cases
    ], writer)


def _created_case(case: PlannedCase, spec: CollectionSystemSpec, file: Path | None,
                  shown: dict[SfiCategory, str]) -> CreatedCase:
    """The case as the run reports it; ``shown`` is each SFI category's debt type as staff read
    it (:func:`_shown_debt_types`)."""
    claims = tuple(
        CreatedClaim(x.invoice_id, x.number, x.kind, x.due_date, x.balance, x.fees, x.interest, shown[x.sfi])
        for x in case.claims
    )
    return CreatedCase(case.case_id, case.number, spec.code, case.owner.code, case.owner.name,
                       case.customer.number, case.customer.name, claims, file)


def _shown_debt_types(spec: CollectionSystemSpec) -> dict[SfiCategory, str]:
    """Each category's debt type as the result shows it, worked out once a run (not once a claim)."""
    return {category: spec.shown_debt_type(spec.debt_type(category)) for category in SfiCategory}


def _deliver(outbox_ids: list[int]) -> list[outbox.DeliveryResult]:
    """Send the new files right away ("skickas direkt vid skapande"); a failure stays in the outbox."""
    results = []
    for outbox_id in outbox_ids:
        row = OutboxFile.get_or_none(OutboxFile.id == outbox_id)
        result = outbox.deliver_now(row)
        if result is not None:
            results.append(result)
    return results
