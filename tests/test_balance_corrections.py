"""Balance corrections: what is one, each reported exactly once, the files, history, on SQLite and
PostgreSQL. Crash safety and a full disk are in test_balance_crash.py, the screens elsewhere."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest

from tests.balance_helpers import (
    case_by_collection_run,
    file_payment_ids,
    invoice_for,
    make_case,
    pay,
    second_owner,
)
from tui_inkasso.db.models import (
    AuditEntry,
    BalanceReport,
    ChargeSettlement,
    CollectionCase,
    CollectionFile,
    Customer,
    InvoiceCharge,
    Payment,
    ReportedCorrection,
    Voucher,
)
from tui_inkasso.formats.balance_xml import read_balance_xml, validate_balance_xml
from tui_inkasso.services import balance_corrections as bc
from tui_inkasso.services import balance_file_run as brun
from tui_inkasso.services import balance_files as bf
from tui_inkasso.services import balance_history as bh
from tui_inkasso.services import balance_recording, publishing, scheduled, scheduled_runs
from tui_inkasso.services import balance_recovery as brec
from tui_inkasso.services.balance_corrections import CorrectionStatus
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.selection import Selection, SelectionError
from tui_inkasso.services.settings import set_setting
from tui_inkasso.services.threads import thread_connection

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def _output_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inkasso-filer"
    folder.mkdir()
    set_setting("collection.output_dir", str(folder))
    return folder


@pytest.fixture
def out(sqlite_url: str, tmp_path: Path) -> Path:
    """The output folder (collection.output_dir) on a fresh SQLite database."""
    return _output_folder(tmp_path)


@pytest.fixture
def ledger(out: Path) -> dict[str, int]:
    """A rent and a direct invoice in one case, with money of every sort; name -> payment id."""
    return _ledger()


@pytest.fixture
def any_ledger(any_db: str, tmp_path: Path) -> dict[str, int]:
    """The same on SQLite and on PostgreSQL (for what depends on the database's SQL)."""
    _output_folder(tmp_path)
    return _ledger()


def _ledger() -> dict[str, int]:
    rent = invoice_for(amount=845000)
    direct = invoice_for(kind="direct", amount=125000)
    ids = {"before": pay(rent, 100000, dt.date(2026, 9, 1))}
    make_case(rent, direct, agency_reference="INT-77881")
    ids["rent_payment"] = pay(rent, 200000, dt.date(2026, 11, 10))
    ids["direct_credit"] = pay(direct, 25000, dt.date(2026, 11, 12), kind="credit", method="credit")
    ids["agency"] = pay(rent, 300000, dt.date(2026, 11, 14), method="inkasso")
    ids["direct_cash"] = pay(direct, 50000, dt.date(2026, 10, 5), method="cash")
    return ids


def _status(rows: list[bc.CorrectionRow]) -> dict[int, CorrectionStatus]:
    return {r.payment_id: r.status for r in rows}


def _folder_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- what is a correction


def test_what_is_and_is_not_a_correction(any_ledger: dict[str, int]) -> None:
    ledger = any_ledger
    rows = bc.corrections_in_range(None, *YEAR)
    assert _status(rows) == {
        ledger["before"]: CorrectionStatus.BEFORE_CASE,
        ledger["rent_payment"]: CorrectionStatus.UNREPORTED,
        ledger["direct_credit"]: CorrectionStatus.UNREPORTED,
        ledger["agency"]: CorrectionStatus.AGENCY,
        ledger["direct_cash"]: CorrectionStatus.UNREPORTED,
    }
    corrections = {ledger["rent_payment"], ledger["direct_credit"], ledger["direct_cash"]}
    assert {r.payment_id for r in rows if r.is_correction} == corrections
    assert {r.payment_id for r in bc.unreported_corrections()} == corrections
    assert bc.unreported_totals() == bc.Totals(3, 275000)
    summary = bc.range_summary(None, *YEAR)
    assert summary.rows == 5 and summary.of(CorrectionStatus.UNREPORTED) == bc.Totals(3, 275000)
    assert summary.of(CorrectionStatus.AGENCY) == bc.Totals(1, 300000)


def test_a_case_made_by_the_collection_run(out: Path) -> None:
    """End to end with the real collection run: before the case part of the claim, after it a
    correction, reported once."""
    invoice = invoice_for()
    before = pay(invoice, 1000, dt.date(2026, 9, 1))
    case_id = case_by_collection_run(invoice)
    after = pay(invoice, 2000, dt.date(2026, 11, 20))
    assert _status(bc.corrections_in_range(None, *YEAR)) == {
        before: CorrectionStatus.BEFORE_CASE, after: CorrectionStatus.UNREPORTED}
    result = brun.create_balance_file()
    [correction] = read_balance_xml(result.file)[1]
    assert int(correction.correction_id) == after
    assert correction.case_number == CollectionCase.get_by_id(case_id).number


def test_the_step_two_range_and_invoice_kind(ledger: dict[str, int]) -> None:
    november = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert {r.payment_id for r in bc.corrections_in_range(None, *november)} == {
        ledger["rent_payment"], ledger["direct_credit"], ledger["agency"]}
    direct = bc.corrections_in_range(None, *YEAR, ["direct"])
    assert {r.payment_id for r in direct} == {ledger["direct_credit"], ledger["direct_cash"]}
    assert {r.invoice_kind for r in direct} == {"direct"}
    assert len(bc.corrections_in_range(None, *YEAR, ["rent", "direct"])) == 5
    assert bc.count_in_range(None, *YEAR, ["both"]) == 5
    by_amount = bc.corrections_in_range(None, *YEAR, sort="amount", descending=True, limit=2)
    assert [r.amount for r in by_amount] == [300000, 200000]
    with pytest.raises(UserError, match="efter datum till"):
        bc.corrections_in_range(None, YEAR[1], YEAR[0])


def test_file_holds_each_correction_once_with_the_right_header(
    any_ledger: dict[str, int], tmp_path: Path
) -> None:
    ledger, out = any_ledger, tmp_path / "inkasso-filer"
    result = brun.create_balance_file()
    assert result.file is not None and result.file.parent == out.resolve()
    assert result.corrections == 3 and result.amount == 275000
    header, corrections = read_balance_xml(result.file)
    assert (header.count, header.sum_ore) == (3, 275000)
    assert header.file_id == result.files[0].file_id and header.creditor_org_no == "556677-8899"
    assert {int(c.correction_id) for c in corrections} == {
        ledger["rent_payment"], ledger["direct_credit"], ledger["direct_cash"]}
    credit = next(c for c in corrections if c.kind == "credit")
    assert (credit.payment_method, credit.amount_ore, credit.agency_reference) == ("credit", 25000, "INT-77881")
    assert validate_balance_xml(result.file) == header
    record = CollectionFile.get(CollectionFile.file_id == header.file_id)
    assert record.path == str(result.file) and record.sha256 == publishing.sha256_of(result.file)
    assert (record.kind, record.records, record.amount) == ("saldofil", 3, 275000)
    assert _folder_files(out) == [result.file.name], "no temporary file is left"
    rows = _status(bc.corrections_in_range(None, *YEAR))
    assert rows[ledger["rent_payment"]] == CorrectionStatus.REPORTED
    reported = next(r for r in bc.corrections_in_range(None, *YEAR) if r.reported)
    assert reported.file_id == header.file_id and reported.file_path == str(result.file)
    assert AuditEntry.select().where(AuditEntry.action == "balance_file.created").count() == 1


def test_each_correction_is_reported_exactly_once_across_runs(any_ledger: dict[str, int]) -> None:
    ledger = any_ledger
    first = brun.create_balance_file()
    assert set(file_payment_ids(first.file)) == {
        ledger["rent_payment"], ledger["direct_credit"], ledger["direct_cash"]}
    assert brun.create_balance_file().file is None, "the second run finds nothing new"
    rent = invoice_for(amount=50000, customer="K1009")
    make_case(rent)
    late = pay(rent, 12345, dt.date(2026, 11, 27))
    third = brun.create_balance_file()
    assert file_payment_ids(third.file) == [late]
    assert len(set(file_payment_ids(first.file)) & {late}) == 0
    assert ReportedCorrection.select().count() == 4
    assert bc.unreported_corrections() == []


def test_nothing_to_report_makes_no_file(out: Path) -> None:
    rent = invoice_for()
    pay(rent, 1000, dt.date(2026, 9, 1))
    make_case(rent)
    pay(rent, 2000, method="inkasso")
    result = brun.create_balance_file()
    assert (result.file, result.corrections, result.amount, result.files) == (None, 0, 0, ())
    assert result.message == "Inga saldokorrigeringar att rapportera"
    assert _folder_files(out) == [] and BalanceReport.select().count() == 0


# ---------------------------------------------------------------- selection, owners, names


def test_selection_narrows_and_the_rest_waits(ledger: dict[str, int]) -> None:
    rent_only = Selection(kinds=("rent",))
    assert {r.payment_id for r in bc.unreported_corrections(rent_only)} == {ledger["rent_payment"]}
    result = brun.create_balance_file(selection=rent_only)
    assert file_payment_ids(result.file) == [ledger["rent_payment"]]
    assert {r.payment_id for r in bc.unreported_corrections()} == {
        ledger["direct_credit"], ledger["direct_cash"]}
    with pytest.raises(SelectionError, match="okänd ägare: NOPE"):
        brun.create_balance_file(selection=Selection(owners=("NOPE",)))


def test_one_file_per_owner(ledger: dict[str, int], out: Path) -> None:
    other = invoice_for(second_owner(), customer="K2001")
    make_case(other)
    theirs = pay(other, 77700)
    result = brun.create_balance_file()
    assert [f.owner_code for f in result.files] == ["BAB", "FAB"]
    assert result.corrections == 4 and result.amount == 275000 + 77700
    fab = result.files[1]
    header, corrections = read_balance_xml(fab.path)
    assert header.creditor_name == "Fastighets AB Norr" and header.creditor_org_no == "556012-3456"
    assert [int(c.correction_id) for c in corrections] == [theirs]
    assert len(set(result.report_ids)) == 2
    assert {f.path.name for f in result.files} == set(_folder_files(out))
    only_fab = Selection(owners=("FAB",))
    assert bc.unreported_totals(only_fab) == bc.Totals(0, 0)


def test_out_is_a_folder_or_a_file_name(ledger: dict[str, int], tmp_path: Path) -> None:
    elsewhere = tmp_path / "annan"
    elsewhere.mkdir()
    with pytest.raises(UserError, match="finns inte"):
        brun.create_balance_file(tmp_path / "saknas" / "x.xml")
    named = brun.create_balance_file(elsewhere / "till-intrum.xml", selection=Selection(kinds=("rent",)))
    assert named.file == (elsewhere / "till-intrum.xml").resolve()
    with pytest.raises(UserError, match="finns redan"):
        brun.create_balance_file(elsewhere / "till-intrum.xml")
    in_folder = brun.create_balance_file(elsewhere)
    assert in_folder.file is not None and in_folder.file.parent == elsewhere.resolve()
    assert in_folder.file.name.startswith("saldo-BAB-")


def test_a_name_taken_on_disk_gets_a_suffix(ledger: dict[str, int], out: Path) -> None:
    stamp = brun.now()
    (out / f"saldo-BAB-{stamp:%Y%m%d-%H%M%S}.xml").write_text("someone else's")
    (out / f"saldo-BAB-{stamp + dt.timedelta(seconds=1):%Y%m%d-%H%M%S}.xml").write_text("and again")
    result = brun.create_balance_file()
    assert result.file is not None and result.file.name.endswith("-2.xml")
    assert result.files[0].file_id.endswith("-2")


def test_a_correction_the_format_refuses_is_named_and_nothing_recorded(
    ledger: dict[str, int], out: Path
) -> None:
    Customer.update(national_id="okänt").execute()
    with pytest.raises(bf.BalanceFileError, match=r"national_id ska vara .*ingenting sparades"):
        brun.create_balance_file()
    assert _folder_files(out) == [] and ReportedCorrection.select().count() == 0


def test_a_name_the_schema_refuses_names_the_file_and_its_line_once(
    any_ledger: dict[str, int], tmp_path: Path
) -> None:
    """A character XML cannot hold in a customer's name (U+FFFE) passes the writer's own check and
    is refused by the schema's thread: the message names the file and the line in it, once
    (not also the line in the validated piece, nor libxml2's bytes), and nothing is left."""
    folder = tmp_path / "inkasso-filer"
    Customer.update(name="Kund \ufffe").execute()
    with pytest.raises(bf.BalanceFileError) as refused:
        brun.create_balance_file()
    message = str(refused.value)
    assert _folder_files(folder) == [] and ReportedCorrection.select().count() == 0
    assert BalanceReport.select().count() == 0
    Customer.update(name="Kund ok").execute()
    written = brun.create_balance_file()
    assert written.file is not None
    line = written.file.read_text(encoding="utf-8").split("\n").index("      <Name>Kund ok</Name>") + 1
    assert re.fullmatch(
        rf"fastighetsägare BAB \(Bostads AB Exempel\): {re.escape(str(folder.resolve()))}/saldo-BAB-\d{{8}}-\d{{6}}\.xml: den skrivna XML-texten följer inte schemat: rad {line}: "
        r"PCDATA invalid Char value 65534; ingen fil skapades och ingenting sparades", message
    ), message


# ---------------------------------------------------------------- a concurrent run


@pytest.mark.parametrize("block", [2, 5000])
def test_a_concurrent_run_that_lost_reports_the_winner(
    any_ledger: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Run A is writing its file; run B (another thread and connection) reports everything first.

    On PostgreSQL A stores its rows while it writes (``services.balance_recording``): with blocks
    of 2 ids its second block meets B's rows while A is still writing; with 5,000 its only block
    is stored after the file is written. Either way A records nothing and removes its file. (B
    starts before A has stored any id: had A stored one, B would wait on it for A's commit, and
    A, waiting here for B, would never commit.)
    """
    out = tmp_path / "inkasso-filer"
    winner: list[brun.BalanceFileResult] = []
    started: list[bool] = []
    real_crash_point = publishing.crash_point
    monkeypatch.setattr(balance_recording, "BLOCK", block)

    def other_run_first(step: str) -> None:
        if step == "during-write" and not started:
            started.append(True)
            def run_b() -> None:
                with thread_connection():
                    winner.append(brun.create_balance_file())

            worker = threading.Thread(target=run_b)
            worker.start()
            worker.join()
        real_crash_point(step)

    monkeypatch.setattr(publishing, "crash_point", other_run_first)
    with pytest.raises(Conflict) as refused:
        brun.create_balance_file()
    [won] = winner
    assert won.corrections == 3
    assert f"redan rapporterad i fil {won.files[0].file_id}" in str(refused.value)
    assert _folder_files(out) == [won.file.name], "the loser removed its temporary file"
    assert ReportedCorrection.select().count() == 3 and BalanceReport.select().count() == 1
    assert CollectionFile.select().count() == 1


def test_a_payment_deleted_while_the_file_is_written_is_named_not_called_a_clash(
    any_ledger: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correction's payment deleted (another connection) while the file is written: the
    foreign key refuses the recording, and the message names that payment and says nothing was
    recorded, instead of blaming another run that made a file with the same id."""
    out = tmp_path / "inkasso-filer"
    gone = any_ledger["rent_payment"]
    real_crash_point = publishing.crash_point

    def delete_it(step: str) -> None:
        if step == "during-write":
            def delete() -> None:
                with thread_connection():
                    Voucher.update(payment=None).where(Voucher.payment == gone).execute()
                    InvoiceCharge.update(payment=None).where(InvoiceCharge.payment == gone).execute()
                    ChargeSettlement.delete().where(ChargeSettlement.payment == gone).execute()
                    Payment.delete().where(Payment.id == gone).execute()

            worker = threading.Thread(target=delete)
            worker.start()
            worker.join()
        real_crash_point(step)

    monkeypatch.setattr(publishing, "crash_point", delete_it)
    with pytest.raises(Conflict) as refused:
        brun.create_balance_file()
    message = str(refused.value)
    assert message.startswith(f"saldokorrigering {gone} finns inte längre: betalningen togs bort"), message
    assert "ingenting sparades" in message and "samtidigt" not in message
    assert _folder_files(out) == []
    assert ReportedCorrection.select().count() == 0 and CollectionFile.select().count() == 0
    monkeypatch.setattr(publishing, "crash_point", real_crash_point)
    assert brun.create_balance_file().corrections == 2, "the run after it reports the others"


_REAL_WRITTEN = balance_recording.Recorder.written


def _written_with_a_missing_payment(self: balance_recording.Recorder, item: balance_recording.RunFile,
                                    sha: str) -> None:
    """``Recorder.written`` that first adds a payment id no payment has to the file's ids."""
    item.remember(10**9)
    _REAL_WRITTEN(self, item, sha)


def test_a_payment_id_that_does_not_exist_is_refused_with_the_keys_checked_per_block(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the foreign keys of the reported corrections are checked per block
    (db/key_checks.py) instead of by the per-row triggers: an id no payment has is still refused,
    by the same check, and nothing is recorded."""
    import peewee as pw

    from tui_inkasso.db.key_checks import KeyChecks

    out = _output_folder(tmp_path)
    _ledger()
    copies: list[str] = []
    real_copy = KeyChecks.copy

    def copy(self: KeyChecks, cursor: object, table: str, *args: object) -> None:
        copies.append(table)
        real_copy(self, cursor, table, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyChecks, "copy", copy)
    monkeypatch.setattr(balance_recording.Recorder, "written", _written_with_a_missing_payment)
    with pytest.raises(Conflict) as refused:
        brun.create_balance_file()
    assert copies == ["reported_correction"]
    from tui_inkasso.db.connection import db

    assert KeyChecks().plan(db.cursor(), "reported_correction", ["report_id", "payment_id"]), \
        "the keys were checked per block here, not by the triggers"
    assert isinstance(refused.value.__cause__, pw.IntegrityError)
    assert "reported_correction_payment_id_fkey" in str(refused.value.__cause__)
    assert str(refused.value).startswith(f"saldokorrigering {10**9} finns inte längre"), str(refused.value)
    assert "samtidigt" not in str(refused.value), "not said as a clash with another run"
    assert _folder_files(out) == []
    assert ReportedCorrection.select().count() == 0 and CollectionFile.select().count() == 0
    monkeypatch.setattr(balance_recording.Recorder, "written", _REAL_WRITTEN)
    assert brun.create_balance_file().corrections == 3, "the run after it reports them all"


def test_a_new_files_rows_are_all_computed_before_any_is_recorded_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    """The run records corrections while it writes (services/balance_recording.py), so the
    stream's query must be done with ``reported_correction`` before the first row reaches the
    writer: planned with that table analysed empty (the planner then scans it once per probe, and
    each scan would visit every row the recording inserted since), the plan still begins with a
    sort, which reads every row first. The order is the index's, as before."""
    from tui_inkasso.db.connection import db
    from tui_inkasso.db.models import Invoice, Payment
    from tui_inkasso.db.statistics import refresh_statistics

    _output_folder(tmp_path)
    _ledger()
    refresh_statistics([Payment, Invoice, Customer, CollectionCase, ReportedCorrection])
    base = brun._stream_base().where(bc.is_correction() & bc.not_reported())
    sql, params = bc.correction_query(base, whole_first=True).sql()
    with db.atomic():
        plan = [row[0] for row in db.execute_sql(f"EXPLAIN DECLARE c NO SCROLL CURSOR FOR {sql}", params)]
    assert plan[0].startswith("Sort "), plan
    with bf.read_snapshot():
        assert list(bf.stream_tuples(bc.correction_query(base, whole_first=True))) == list(
            bf.stream_tuples(bc.correction_query(base)))


# ---------------------------------------------------------------- history


def test_streamed_rows_come_in_order_piece_by_piece(
    any_ledger: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """stream_tuples reads 2 rows a piece here (the next piece fetched ahead on PostgreSQL): the
    same rows as one plain read, and a stream left half-way closes its cursor."""
    from tui_inkasso.db.models import Payment

    monkeypatch.setattr(bf, "FETCH_ROWS", 2)
    query = Payment.select(Payment.id, Payment.amount).order_by(Payment.id)
    with bf.read_snapshot():
        assert list(bf.stream_tuples(query)) == [(p.id, p.amount) for p in query]
        stream = bf.stream_tuples(query)
        first = next(stream)
        stream.close()
        assert first == (min(any_ledger.values()), 100000)
        assert len(list(bf.stream_tuples(query))) == len(any_ledger)


def test_a_run_that_fails_half_way_leaves_no_stream_behind(
    any_ledger: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run refused in the middle of a file (here its second correction) closes its stream
    then, not when its error is garbage: the error is kept (a screen's worker keeps it), no
    fetching thread stays alive, and dropping the error later inside another transaction
    does not close a cursor there (on PostgreSQL a failed CLOSE would abort that transaction)."""
    import gc

    monkeypatch.setattr(bf, "FETCH_ROWS", 1)
    Customer.update(national_id="okänt").execute()
    kept: list[BaseException] = []
    try:
        brun.create_balance_file()
    except bf.BalanceFileError as exc:
        kept.append(exc)
    assert kept and ReportedCorrection.select().count() == 0
    assert not [t.name for t in threading.enumerate() if t.name.startswith("balance-")]
    from tui_inkasso.db.connection import db

    with db.atomic():
        AuditEntry.create(at=dt.datetime(2026, 11, 28, 9, 0), user="test", action="test",
                          object_type="t", object_id="1", details="kept")
        kept.clear()
        gc.collect()
    assert AuditEntry.select().where(AuditEntry.details == "kept").count() == 1


def test_history_detail_and_rewrite_gives_the_same_bytes(any_ledger: dict[str, int], tmp_path: Path) -> None:
    result = brun.create_balance_file()
    [summary] = bh.balance_reports()
    assert (summary.report_id, summary.corrections, summary.amount) == (result.report_ids[0], 3, 275000)
    assert summary.file_exists and not summary.pending and summary.delivery_label == "Ej skickad"
    detail = bh.report_detail(summary.report_id)
    assert {r.payment_id for r in detail.corrections} == set(file_payment_ids(result.file))
    assert all(r.reported and r.file_id == summary.file_id for r in detail.corrections)
    copy_folder = tmp_path / "kopia"
    copy_folder.mkdir()
    again = bh.rewrite_report(summary.report_id, copy_folder)
    assert again.path == copy_folder.resolve() / result.file.name and again.identical
    assert again.path.read_bytes() == result.file.read_bytes()
    with pytest.raises(bf.BalanceFileError, match="filen finns redan"):
        bh.rewrite_report(summary.report_id, copy_folder)
    Customer.update(name="Anna Omgift").execute()
    changed = bh.rewrite_report(summary.report_id, tmp_path / "andrad.xml")
    assert not changed.identical and read_balance_xml(changed.path)[0].file_id == summary.file_id
    assert AuditEntry.select().where(AuditEntry.action == "balance_file.rewritten").count() == 2
    with pytest.raises(NotFound):
        bh.report_detail(9999)


def test_the_scheduled_service_makes_the_file(ledger: dict[str, int], out: Path) -> None:
    service = scheduled.create_service(scheduled.ServiceSpec(name="Saldofil varje natt", service="saldofil",
                                                             frequency="daily", at_time="03:00"))
    run = scheduled_runs.run_now(service.id)
    assert run.result == "ok", run.error
    [report] = bh.balance_reports()
    assert run.file == report.path and "3 saldokorrigeringar" in run.summary


# ---------------------------------------------------------------- recovery in process


def test_recovery_leaves_a_live_runs_folder_alone(out: Path) -> None:
    stray = out / f".saldo-BAB-20261128-030000.xml{bf.TEMP_SUFFIX}"
    stray.write_text("half a file")
    with publishing.folder_lock(out, exclusive=False, wait=True):
        assert brec.recover_balance_files() == []
        assert stray.exists(), "a run holds the folder: its temporary file may be in use"
    [removed] = brec.recover_balance_files()
    assert (removed.action, removed.path) == ("removed", str(stray)) and not stray.exists()


def test_a_record_left_on_its_temporary_name_is_finished_or_regenerated(
    ledger: dict[str, int], out: Path
) -> None:
    result = brun.create_balance_file()
    original = result.file.read_bytes()
    record = CollectionFile.get_by_id(result.files[0].collection_file_id)
    temp = bf.temp_path(result.file)
    result.file.rename(temp)  # as if the process died after its commit, before the rename
    CollectionFile.update(path=str(temp)).where(CollectionFile.id == record.id).execute()
    assert bh.balance_reports()[0].pending
    [renamed] = brec.recover_balance_files()
    assert renamed.action == "renamed" and result.file.read_bytes() == original
    assert CollectionFile.get_by_id(record.id).path == str(result.file)
    result.file.unlink()  # and now as if the temporary file had been lost too
    CollectionFile.update(path=str(temp)).where(CollectionFile.id == record.id).execute()
    [regenerated] = brec.recover_balance_files()
    assert (regenerated.action, regenerated.detail) == ("regenerated", "")
    assert result.file.read_bytes() == original
    assert brec.recover_balance_files() == []


def test_a_clerks_own_role_records_a_balance_file_through_the_owners_function(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's own PostgreSQL role may not switch the per-row checks off: its reported
    corrections are checked per block by ``bulk_insert_checked`` (db/migration_v12.py) and
    recorded, and an id no payment has is refused as for the superuser."""
    import uuid

    import peewee as pw

    from tests.pg_roles import drop_roles, role_url
    from tests.staff import as_user
    from tui_inkasso.db.connection import close_database, open_database
    from tui_inkasso.db.key_checks import KeyChecks
    from tui_inkasso.services import users

    out = _output_folder(tmp_path)
    _ledger()
    role = f"t_{uuid.uuid4().hex[:10]}"
    users.add_user(role, "clerk")
    url = role_url(postgres_url, role)
    through: list[str] = []
    real_through = KeyChecks._copy_through_definer

    def spy(self: KeyChecks, cursor: object, table: str, *args: object) -> None:
        through.append(table)
        real_through(self, cursor, table, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyChecks, "_copy_through_definer", spy)
    try:
        close_database()
        open_database(url, create=False)
        with as_user(None):
            monkeypatch.setattr(balance_recording.Recorder, "written", _written_with_a_missing_payment)
            with pytest.raises(Conflict) as refused:
                brun.create_balance_file()
            assert isinstance(refused.value.__cause__, pw.IntegrityError)
            assert "reported_correction_payment_id_fkey" in str(refused.value.__cause__)
            assert _folder_files(out) == [] and ReportedCorrection.select().count() == 0
            monkeypatch.setattr(balance_recording.Recorder, "written", _REAL_WRITTEN)
            assert brun.create_balance_file().corrections == 3
        assert through == ["reported_correction", "reported_correction"]
        assert ReportedCorrection.select().count() == 3
    finally:
        close_database()
        drop_roles([role])
        open_database(postgres_url, create=False)


def test_a_connection_lost_mid_run_is_said_in_swedish_and_nothing_is_recorded(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recording thread's connection ended by the server (pg_terminate_backend) while the
    file is written: the command says in Swedish that the connection to the database broke
    (not psycopg2's "connection already closed"); nothing is recorded and no file is left."""
    import psycopg2

    from tests.common import run
    from tests.conftest import PG_URL
    from tui_inkasso.db.connection import db, open_database

    folder = _output_folder(tmp_path)
    _ledger()
    insert = balance_recording._insert_reported

    def cut_off(report_id: int, ids: list[int], keys: object = None) -> None:
        admin = psycopg2.connect(PG_URL)
        admin.autocommit = True
        try:
            admin.cursor().execute("SELECT pg_terminate_backend(%s)", (db.connection().get_backend_pid(),))
        finally:
            admin.close()
        insert(report_id, ids, keys)  # type: ignore[arg-type]

    monkeypatch.setattr(balance_recording, "_insert_reported", cut_off)
    code, out, err = run(capsys, postgres_url, "balance-file", "--out", str(folder))
    assert (code, out) == (1, "")
    assert err.startswith("tui-inkasso balance-file: förbindelsen med databasen bröts"), err
    assert "connection already closed" not in err and "Traceback" not in err
    open_database(postgres_url)
    assert ReportedCorrection.select().count() == 0 and BalanceReport.select().count() == 0
    assert _folder_files(folder) == []
