"""Foreign keys of a background COPY checked once per batch (PostgreSQL, db/key_checks.py): a bad
id is still refused with the constraint named and nothing written, the per-row triggers are off
for that COPY only, and a table with a trigger of its own, or a role that may not turn them off,
keeps the triggers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import peewee as pw
import pytest

from tests.factories import make_customer, make_invoice
from tui_inkasso.db import bulk
from tui_inkasso.db.connection import db
from tui_inkasso.db.key_checks import KeyChecks
from tui_inkasso.db.models import Payment, PaymentFile, Voucher, VoucherRow
from tui_inkasso.services.booking import PaymentBatch, PaymentIn
from tui_inkasso.services.transaction import write_transaction

DAY = dt.date(2026, 9, 25)
COUNT = bulk.COPY_FROM + 10


@pytest.fixture
def pg(postgres_url: str) -> Iterator[str]:
    yield postgres_url


def _payments(customer_id: int, *, invoice_id: int | None = None, file_id: int | None = None,
              start: int = 0) -> tuple[list[str], list[tuple]]:
    columns = ["kind", "method", "customer", "invoice", "payment_file", "amount", "pay_date", "registered_at",
               "registered_by", "bank_ref"]
    defaults = bulk._defaults(Payment, columns)
    rows = [("payment", "bankgiro", customer_id, invoice_id, file_id, 100, DAY, dt.datetime(2026, 9, 25), "t",
             f"ref-{start + n}", *defaults.values()) for n in range(COUNT)]
    return [*columns, *defaults], rows


def _copy(rows: list[tuple], columns: list[str]) -> None:
    writer = bulk.BulkWriter(keys_per_batch=True)
    with db.atomic(), writer.in_background():
        writer.insert(Payment, columns, rows)


def _role() -> str:
    return str(db.execute_sql("SHOW session_replication_role").fetchone()[0])


def test_the_keys_of_a_payment_copy_are_checked_per_batch(pg: str) -> None:
    customer = make_customer("K1")
    invoice = make_invoice("9001", customer=customer)
    cursor = db.cursor()
    keys = KeyChecks().plan(cursor, "payment", ["customer_id", "invoice_id", "owner_id", "payment_file_id", "amount"])
    assert keys is not None
    assert {k.constraint for k in keys} == {"payment_customer_id_fkey", "payment_invoice_id_fkey",
                                            "payment_owner_id_fkey", "payment_payment_file_id_fkey"}, \
        "collection_case is not copied and has no default: NULL, nothing to check"
    columns, rows = _payments(customer.id, invoice_id=invoice.id)
    _copy(rows, columns)
    assert Payment.select().where(Payment.invoice == invoice.id).count() == COUNT
    assert _role() == "origin"


@pytest.mark.parametrize("bad", ["customer", "invoice", "payment_file"])
def test_a_bad_id_is_refused_naming_the_constraint_and_nothing_is_written(pg: str, bad: str) -> None:
    customer = make_customer("K1")
    invoice = make_invoice("9001", customer=customer)
    columns, rows = _payments(customer.id, invoice_id=invoice.id)
    where = columns.index(bad)
    rows[COUNT // 2] = (*rows[COUNT // 2][:where], 987_654, *rows[COUNT // 2][where + 1:])
    with pytest.raises(pw.IntegrityError, match=rf'(?s)"payment_{bad}_id_fkey".*\(987654\)'):
        _copy(rows, columns)
    assert Payment.select().count() == 0
    assert _role() == "origin"


def test_the_triggers_are_off_for_the_copy_only(pg: str) -> None:
    """After a checked COPY the same transaction's other writes are checked by the database."""
    customer = make_customer("K1")
    columns, rows = _payments(customer.id)
    writer = bulk.BulkWriter(keys_per_batch=True)
    with pytest.raises(pw.IntegrityError, match="payment_customer_id_fkey"), db.atomic():
        with writer.in_background():
            writer.insert(Payment, columns, rows)
        assert _role() == "origin"
        bulk.insert(Payment, columns, [(*rows[0][:2], 987_654, *rows[0][3:9], "other", *rows[0][10:])])
    assert Payment.select().count() == 0


def test_a_table_with_a_trigger_of_its_own_keeps_its_triggers(pg: str) -> None:
    customer = make_customer("K1")
    db.execute_sql("CREATE FUNCTION count_payment() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN UPDATE customer SET name = name || '+' WHERE id = NEW.customer_id; RETURN NEW; END $$")
    db.execute_sql("CREATE TRIGGER payment_counted AFTER INSERT ON payment FOR EACH ROW EXECUTE FUNCTION count_payment()")
    assert KeyChecks().plan(db.cursor(), "payment", ["customer_id"]) is None
    columns, rows = _payments(customer.id)
    _copy(rows, columns)
    assert type(customer).get_by_id(customer.id).name.endswith("+" * COUNT), "the user's trigger fired per row"
    bad = [(*rows[0][:2], 987_654, *rows[0][3:9], f"x{n}", *rows[0][10:]) for n in range(COUNT)]
    with pytest.raises(pw.IntegrityError, match="payment_customer_id_fkey"):
        _copy(bad, columns)


def test_a_role_that_may_not_turn_triggers_off_gets_the_databases_checks(pg: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(KeyChecks, "_may_skip_triggers", lambda self, cursor: False)
    customer = make_customer("K1")
    columns, rows = _payments(customer.id)
    bad = [(*row[:2], 987_654, *row[3:]) for row in rows]
    with pytest.raises(pw.IntegrityError, match="payment_customer_id_fkey"):
        _copy(bad, columns)
    assert Payment.select().count() == 0


def test_a_payment_batch_with_a_bad_file_id_books_nothing(pg: str) -> None:
    """Through the booking itself: its payments, vouchers and voucher rows are checked per batch,
    and a payment file id that is not there refuses the whole batch."""
    invoice = make_invoice(amount=1_000_000, due_date=dt.date(2026, 1, 30))
    good_file = PaymentFile.create(file_name="f", sha256="x", format="bgmax", bank_file_id="1",
                                   imported_at=dt.datetime(2026, 9, 25), imported_by="t", payments=0, amount=0)
    for file_id, fails in ((good_file.id, False), (good_file.id + 1000, True)):
        items = [PaymentIn(1000, DAY, "bankgiro", invoice.id, bank_ref=f"bgmax:{file_id}:{n}", payment_file_id=file_id)
                 for n in range(COUNT)]
        before = (Payment.select().count(), Voucher.select().count(), VoucherRow.select().count())
        try:
            with write_transaction():
                batch = PaymentBatch([invoice.id], set(), len(items))
                with batch.writing():
                    batch.book(items)
        except pw.IntegrityError as exc:
            assert fails and "payment_payment_file_id_fkey" in str(exc)
        else:
            assert not fails
        after = (Payment.select().count(), Voucher.select().count(), VoucherRow.select().count())
        assert after == (before if fails else (before[0] + COUNT, before[1] + COUNT, before[2] + 2 * COUNT))
    assert _role() == "origin"


def test_the_refusal_is_the_batch_checks_own(pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof that the triggers really are off for a checked COPY: with the set-based check
    switched off (never in the program) a bad id would get in; so the refusals above are the
    batch check's."""
    from tui_inkasso.db import key_checks

    monkeypatch.setattr(key_checks.ForeignKey, "values", lambda self, rows: [])
    customer = make_customer("K1")
    columns, rows = _payments(customer.id)
    _copy([(*row[:2], 987_654, *row[3:]) for row in rows], columns)
    assert Payment.select().where(Payment.customer == 987_654).count() == COUNT


def test_many_values_are_checked_in_chunks_and_a_bad_one_in_a_later_chunk_is_refused(
        pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """More distinct values than a chunk: one subquery per chunk (each read through the key; a
    collection run's 21,000 invoice ids in one array read the whole invoice table)."""
    from tui_inkasso.db import key_checks

    monkeypatch.setattr(key_checks, "CHECK_CHUNK", 4)
    customers = [make_customer(f"K{n}").id for n in range(25)]
    columns, rows = _payments(customers[0])
    where = columns.index("customer")
    rows = [(*row[:where], customers[n % 25], *row[where + 1:]) for n, row in enumerate(rows)]
    _copy(rows, columns)
    assert Payment.select(Payment.customer).distinct().count() == 25
    ref = columns.index("bank_ref")
    bad = [(*row[:where], 987_654 if n == 7 else row[where], *row[where + 1:ref], f"again-{n}", *row[ref + 1:])
           for n, row in enumerate(rows)]
    with pytest.raises(pw.IntegrityError, match=r'(?s)"payment_customer_id_fkey".*\(987654\)'):
        _copy(bad, columns)
    assert Payment.select().count() == COUNT and _role() == "origin"


def test_the_rows_a_batch_refers_to_stay_locked_until_its_commit(pg: str) -> None:
    """As the per-row trigger does, the batch's check locks what its rows refer to (FOR KEY SHARE):
    another session cannot delete the customer before the commit (the payments are not visible to
    its own foreign-key check yet), and after the commit the foreign key refuses it."""
    import psycopg2
    import psycopg2.errors

    customer = make_customer("K9")
    columns, rows = _payments(customer.id)
    other = psycopg2.connect(pg)
    other.autocommit = True
    try:
        cursor = other.cursor()
        cursor.execute("SET lock_timeout = '300ms'")
        writer = bulk.BulkWriter(keys_per_batch=True)
        with db.atomic(), writer.in_background():
            writer.insert(Payment, columns, rows)
            writer.wait()
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("DELETE FROM customer WHERE id = %s", (customer.id,))
        with pytest.raises(psycopg2.errors.ForeignKeyViolation):
            cursor.execute("DELETE FROM customer WHERE id = %s", (customer.id,))
    finally:
        other.close()
    assert Payment.select().where(Payment.customer == customer.id).count() == COUNT
