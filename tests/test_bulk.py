"""The bulk writer on both stores: COPY keeps every value as it is, the fast UPDATE paths do what
one statement a row did, a loader's indexes and foreign keys come back exactly, a failed
background COPY is raised and nothing queued runs after it; planner statistics per table."""

from __future__ import annotations

import datetime as dt

import peewee as pw
import pytest

from tests.factories import make_customer, make_invoice
from tui_inkasso.db import bulk
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import AuditEntry, Customer, Invoice, Payment
from tui_inkasso.db.statistics import refresh_statistics

AWKWARD = ["tab\there", "line\nbreak", "carriage\rreturn", "back\\slash \\N", "", "ÅÄÖ åäö €", "\\.", "null"]


def _audit_rows(count: int) -> list[tuple]:
    at = dt.datetime(2026, 11, 28, 9, 30, 15, 123456)
    return [(at + dt.timedelta(seconds=n), "testare", "test.bulk", "invoice", AWKWARD[n % len(AWKWARD)],
             "" if n % 3 else f'{{"n": {n}, "text": "{AWKWARD[n % 4]!r}"}}')
            for n in range(count)]


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM, 5 * bulk.COPY_FROM + 7])
def test_every_value_comes_back_as_written(any_db: str, count: int) -> None:
    rows = _audit_rows(count)
    with db.atomic():
        bulk.insert(AuditEntry, ["at", "user", "action", "object_type", "object_id", "details"], rows)
    stored = list(AuditEntry.select(AuditEntry.at, AuditEntry.user, AuditEntry.action, AuditEntry.object_type,
                                    AuditEntry.object_id, AuditEntry.details)
                  .where(AuditEntry.action == "test.bulk").order_by(AuditEntry.id).tuples())
    assert stored == rows


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM])
def test_nulls_dates_and_booleans_come_back(any_db: str, count: int) -> None:
    customer = make_customer("K1")
    columns = ["kind", "method", "customer", "amount", "pay_date", "registered_at", "registered_by", "bank_ref",
               "note"]
    rows = [("payment", "bankgiro", customer.id, -n, dt.date(2026, 1, 1 + n % 28), dt.datetime(2026, 1, 1, 8, n % 60),
             "t", None if n % 2 else f"ref-{n}", AWKWARD[n % len(AWKWARD)]) for n in range(count)]
    with db.atomic():
        bulk.insert_dicts(Payment, [dict(zip(columns, row, strict=True)) for row in rows])
    got = list(Payment.select(*[getattr(Payment, c) for c in columns]).order_by(Payment.id).tuples())
    assert [(*row[:2], *row[3:]) for row in got] == [(*row[:2], *row[3:]) for row in rows]


def _invoices(count: int) -> list[Invoice]:
    customer = make_customer("K1")
    return [make_invoice(f"{9000 + n}", customer=customer, amount=100_000) for n in range(count)]


@pytest.mark.parametrize("count", [5, 60])
def test_an_update_by_id_of_whole_numbers_updates_each_row_once(any_db: str, count: int) -> None:
    invoices = _invoices(count)
    with db.atomic():
        bulk.execute_many('UPDATE "invoice" SET "balance" = "balance" - ?, "fees" = "fees" + ? WHERE "id" = ?',
                          [(n, 2 * n, inv.id) for n, inv in enumerate(invoices)])
    got = {i.id: (i.balance, i.fees) for i in Invoice.select()}
    assert got == {inv.id: (100_000 - n, 2 * n) for n, inv in enumerate(invoices)}


def test_a_repeated_id_is_updated_as_often_as_it_is_given(any_db: str) -> None:
    invoices = _invoices(30)
    params = [(1, inv.id) for inv in invoices] * 2
    with db.atomic():
        bulk.execute_many('UPDATE "invoice" SET "balance" = "balance" - ? WHERE "id" = ?', params)
    assert {i.balance for i in Invoice.select()} == {100_000 - 2}


def test_dates_texts_and_nulls_go_through_a_prepared_statement(any_db: str) -> None:
    invoices = _invoices(40)
    day = dt.date(2026, 12, 10)
    with db.atomic():
        bulk.execute_many(
            'UPDATE "invoice" SET "dunning_date" = ?, "excluded_reason" = ?, "interest_to" = COALESCE(?, "interest_to") '
            'WHERE "id" = ?',
            [(day.isoformat(), AWKWARD[n % len(AWKWARD)], None, inv.id) for n, inv in enumerate(invoices)])
        bulk.execute_many('UPDATE "invoice" SET "fees" = ? WHERE "id" = ? AND "fees" = 0',
                          [(7, inv.id) for inv in invoices])
    rows = list(Invoice.select().order_by(Invoice.id))
    assert [(i.dunning_date, i.excluded_reason, i.interest_to, i.fees) for i in rows] == [
        (day, AWKWARD[n % len(AWKWARD)], None, 7) for n in range(40)]


def test_a_failing_statement_leaves_the_connection_usable(any_db: str) -> None:
    invoices = _invoices(25)
    with pytest.raises(pw.IntegrityError), db.atomic():
        bulk.execute_many('UPDATE "invoice" SET "number" = ? WHERE "id" = ?',
                          [("same", inv.id) for inv in invoices])
    with db.atomic():
        bulk.execute_many('UPDATE "invoice" SET "number" = ? WHERE "id" = ?',
                          [(f"N{inv.id}", inv.id) for inv in invoices])
    assert Invoice.select().where(Invoice.number.startswith("N")).count() == 25


def _schema() -> tuple[set, set]:
    database = db.obj
    indexes = {(i.name, tuple(i.columns), i.unique) for t in ("invoice", "payment")
               for i in database.get_indexes(t)}
    keys = {(t, k.column, k.dest_table) for t in ("invoice", "payment") for k in database.get_foreign_keys(t)}
    return indexes, keys


def test_a_loader_gets_its_indexes_and_foreign_keys_back_exactly(any_db: str) -> None:
    before = _schema()
    writer = bulk.BulkWriter()
    with db.atomic():
        statements = writer.drop_indexes([Invoice, Payment])
        indexes, keys = _schema()
        assert {i[0] for i in indexes} <= {"invoice_pkey", "payment_pkey"}, "only the primary keys stay"
        if not writer.sqlite:
            assert keys == set(), "PostgreSQL's foreign keys are dropped for the load"
        writer.create_indexes(statements)
    assert _schema() == before


def test_a_failed_background_copy_is_raised_and_nothing_queued_runs(any_db: str) -> None:
    customer = make_customer("K1")
    invoice = make_invoice("9001", customer=customer)
    writer = bulk.BulkWriter()
    columns = ["kind", "method", "customer", "amount", "pay_date", "registered_at", "registered_by", "bank_ref"]
    defaults = bulk._defaults(Payment, columns)
    columns += list(defaults)
    good = [("payment", "bankgiro", customer.id, 100, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), "t",
             f"ref-{n}", *defaults.values()) for n in range(bulk.COPY_FROM)]
    with pytest.raises(pw.IntegrityError), db.atomic(), writer.in_background():
        writer.insert(Payment, columns, good)
        writer.insert(Payment, columns, good)  # the same bank refs again: the unique index refuses
        writer.insert(Payment, columns, [(*row[:7], f"later-{n}", *row[8:]) for n, row in enumerate(good)])
        writer.update_many('UPDATE "invoice" SET "fees" = ? WHERE "id" = ?', [(1, invoice.id)])
    assert Payment.select().count() == 0, "rolled back, and nothing ran after the rollback"
    assert Invoice.get_by_id(invoice.id).fees == 0


def test_statistics_are_refreshed_for_the_tables_named(any_db: str) -> None:
    _invoices(3)
    refresh_statistics([Invoice, Payment])
    if isinstance(db.obj, pw.SqliteDatabase):
        assert db.execute_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'invoice'").fetchone()[0] > 0
    else:
        analysed = db.execute_sql(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'invoice' "
            "AND schemaname = current_schema()").fetchone()
        assert analysed == (True,)


def test_a_background_batch_is_written_on_a_thread_of_its_own_from_a_copy_of_the_rows(
    any_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite too the rows go in on the writer's thread (the loader plans the next batch
    meanwhile); the loader may clear its buffer at once (the demo's flush does)."""
    import threading

    customer = make_customer("K1")
    threads: set[str] = set()
    real = bulk._insert_sqlite

    def recording(*args: object) -> None:
        threads.add(threading.current_thread().name)
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk, "_insert_sqlite", recording)
    writer = bulk.BulkWriter()
    columns = ["kind", "method", "customer", "amount", "pay_date", "registered_at", "registered_by", "bank_ref"]
    defaults = bulk._defaults(Payment, columns)
    buffer = [("payment", "bankgiro", customer.id, 100, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), "t",
               f"ref-{n}", *defaults.values()) for n in range(500)]
    with db.atomic(), writer.in_background():
        for _ in range(3):
            writer.insert(Payment, [*columns, *defaults], buffer)
            buffer[:] = [(*row[:7], f"{row[7]}+", *row[8:]) for row in buffer]
    assert Payment.select().count() == 1500
    if writer.sqlite:
        assert threads == {"bulk-copy"}


def test_reserved_ids_are_fresh_and_the_table_goes_on_after_them(any_db: str) -> None:
    customer = make_customer("K1")
    first = Payment.create(kind="payment", method="bankgiro", customer=customer, amount=1,
                           pay_date=dt.date(2026, 1, 1), registered_at=dt.datetime(2026, 1, 1), registered_by="t")
    with db.atomic():
        ids = bulk.reserve_ids(Payment, 1000)
    assert len(set(ids)) == 1000 and min(ids) > first.id
    if not bulk.is_sqlite():  # SQLite takes MAX(id) under the write lock; the sequence moved on
        later = Payment.create(kind="payment", method="bankgiro", customer=customer, amount=1,
                               pay_date=dt.date(2026, 1, 1), registered_at=dt.datetime(2026, 1, 1), registered_by="t")
        assert later.id > max(ids)


def test_a_background_writer_hands_the_interpreter_over_quickly_and_puts_the_interval_back(
    any_db: str
) -> None:
    """While rows are written in the background the switch interval is short (the writer thread
    waits for the interpreter twice a statement); nested writers keep it short until the last one
    ends, which restores what was set before, also after an error."""
    import sys

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    try:
        outer, inner = bulk.BulkWriter(), bulk.BulkWriter()
        with db.atomic(), outer.in_background():
            assert sys.getswitchinterval() == pytest.approx(bulk.SWITCH_INTERVAL)
            with inner.in_background():
                assert sys.getswitchinterval() == pytest.approx(bulk.SWITCH_INTERVAL)
            assert sys.getswitchinterval() == pytest.approx(bulk.SWITCH_INTERVAL)
        assert sys.getswitchinterval() == pytest.approx(0.004)
        with pytest.raises(RuntimeError), db.atomic(), outer.in_background():
            raise RuntimeError("planning failed")
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        sys.setswitchinterval(before)


def test_a_job_handed_to_the_writer_runs_after_the_rows_before_it_and_gives_its_result(any_db: str) -> None:
    """``later``: on the writer's thread in the background, in order with the COPYs (it sees
    the rows handed over before it), its result read after the wait; at once outside."""
    import threading

    customer = make_customer("K1")
    writer = bulk.BulkWriter()
    columns = ["kind", "method", "customer", "amount", "pay_date", "registered_at", "registered_by", "bank_ref"]
    defaults = bulk._defaults(Payment, columns)
    rows = [("payment", "bankgiro", customer.id, 100, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), "t",
             f"ref-{n}", *defaults.values()) for n in range(bulk.COPY_FROM)]

    def count(cursor: object) -> tuple[int, str]:
        cursor.execute('SELECT count(*) FROM "payment"')  # type: ignore[attr-defined]
        return cursor.fetchone()[0], threading.current_thread().name  # type: ignore[attr-defined]

    with db.atomic(), writer.in_background():
        writer.insert(Payment, [*columns, *defaults], rows)
        seen = writer.later(count)
        writer.insert(Payment, [*columns, *defaults], [(*r[:7], f"{r[7]}+", *r[8:]) for r in rows])
        writer.wait()
        assert seen.value == (bulk.COPY_FROM, "bulk-copy")
    assert writer.later(count).value == (2 * bulk.COPY_FROM, threading.current_thread().name)


def test_a_failed_job_is_raised_as_the_driver_error_and_nothing_after_it_runs(any_db: str) -> None:
    customer = make_customer("K1")
    writer = bulk.BulkWriter()
    ran = []
    with pytest.raises(pw.DatabaseError, match="no_such_table"), db.atomic(), writer.in_background():
        writer.later(lambda cursor: cursor.execute('SELECT * FROM "no_such_table"'))
        writer.later(lambda cursor: ran.append(cursor))
        writer.wait()
    assert ran == [] and Customer.get_by_id(customer.id).number == "K1"


def test_stale_tables_are_those_a_transaction_changed_by_a_tenth(any_db: str) -> None:
    from tui_inkasso.db.statistics import stale_tables

    invoices = _invoices(100)
    refresh_statistics([Invoice, Payment, Customer])
    every = [Invoice, Payment, Customer]
    if not bulk.is_sqlite():  # the session's counts of the last second, not yet flushed, count too
        db.execute_sql("SELECT pg_stat_force_next_flush()")
        db.execute_sql("SELECT 1")
    with db.atomic():
        bulk.execute_many('UPDATE "invoice" SET "fees" = ? WHERE "id" = ?', [(1, i.id) for i in invoices[:5]])
        assert stale_tables(every) == (every if bulk.is_sqlite() else []), \
            "5 of 100 invoices: not yet (SQLite keeps no counts: every table)"
        bulk.execute_many('UPDATE "invoice" SET "fees" = ? WHERE "id" = ?', [(2, i.id) for i in invoices[5:10]])
        Payment.create(kind="payment", method="bankgiro", customer=invoices[0].customer_id, amount=1,
                       pay_date=dt.date(2026, 1, 1), registered_at=dt.datetime(2026, 1, 1), registered_by="t")
        stale = stale_tables(every)
    assert stale == (every if bulk.is_sqlite() else [Invoice, Payment]), \
        "10 of 100 invoices, a payment where the statistics counted none; no customer written"


@pytest.mark.parametrize("count", [0, 1, 4, 5, 11])
def test_rows_are_cut_into_parts_in_order_none_lost(count: int) -> None:
    rows = [(n,) for n in range(count)]
    parts = bulk._parts(rows, 5)
    assert [row for part in parts for row in part] == rows
    assert all(0 < len(part) <= 5 for part in parts)


@pytest.mark.parametrize("count", [5, 403])
@pytest.mark.parametrize("background", [False, True])
def test_subtract_takes_the_amounts_off_each_row_by_id(any_db: str, count: int, background: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer's subtract (in the background on SQLite: UPDATE ... FROM (VALUES ...), statements of
    ROWS_PER_STATEMENT rows and the rest) leaves each row as the one-row UPDATE would."""
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 400)
    invoices = _invoices(count)
    rows = [(n, n % 7, -n, inv.id) for n, inv in enumerate(invoices)]
    writer = bulk.BulkWriter()
    with db.atomic():
        if background:
            with writer.in_background():
                writer.subtract(Invoice, ["balance", "fees", "interest"], rows)
        else:
            writer.subtract(Invoice, ["balance", "fees", "interest"], rows)
    got = {i.id: (i.balance, i.fees, i.interest) for i in Invoice.select()}
    assert got == {inv.id: (100_000 - n, -(n % 7), n) for n, inv in enumerate(invoices)}


def test_subtract_in_the_background_refuses_an_id_given_twice(sqlite_url: str) -> None:
    """UPDATE ... FROM updates a row once however often the values name it: a repeated id would
    lose an amount, so it is an error (the callers sum per id first)."""
    invoice = _invoices(1)[0]
    writer = bulk.BulkWriter()
    with pytest.raises(ValueError, match="twice"), db.atomic(), writer.in_background():
        writer.subtract(Invoice, ["balance"], [(1, invoice.id), (2, invoice.id)])
    assert Invoice.get_by_id(invoice.id).balance == 100_000
