"""PostgreSQL: ``bulk_insert_checked`` (schema version 12, db/migration_v12.py) gives a staff role
the bulk runs' set-based key checks without the right to switch foreign keys off itself.

A clerk's payment import goes through it; a bad id is refused with the constraint named and
nothing written; a reader cannot call it (no EXECUTE), nor insert through it when granted EXECUTE
(the caller's own INSERT right is checked); a table the bulk runs do not write, a source that is
not a plain temporary table of the session and quoted names are refused or kept quoted. The
migration makes it on a PostgreSQL schema and does nothing on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
from psycopg2 import errors

from tests.factories import make_customer, make_invoice
from tests.payment_files import bgmax_payment, write_bgmax_file
from tests.pg_roles import role_session, role_url, url_schema
from tests.staff import as_user
from tui_inkasso.db import bulk, migrations
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.key_checks import KeyChecks
from tui_inkasso.db.migration_v12 import FUNCTION, SIGNATURE, migrate_v12
from tui_inkasso.db.models import Invoice, Payment, Voucher, VoucherRow
from tui_inkasso.services import users

DAY = dt.date(2026, 9, 25)
COUNT = bulk.COPY_FROM + 10


def _payments(customer_id: int, invoice_id: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = ["kind", "method", "customer", "invoice", "amount", "pay_date", "registered_at", "registered_by",
               "bank_ref"]
    defaults = bulk._defaults(Payment, columns)
    rows = [("payment", "bankgiro", customer_id, invoice_id, 100, DAY, dt.datetime(2026, 9, 25), "t",
             f"ref-{n}", *defaults.values()) for n in range(COUNT)]
    return [*columns, *defaults], rows


def _as_clerk(url: str, new_role: Callable[[], str]) -> str:
    """Reconnect as a new clerk (Handläggare) made as ``users add`` makes one."""
    clerk = new_role()
    users.add_user(clerk, "clerk")
    close_database()
    open_database(role_url(url, clerk), create=False)
    return clerk


@pytest.fixture
def definer_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables whose batches went through the function."""
    calls: list[str] = []
    original = KeyChecks._copy_through_definer

    def spy(self: KeyChecks, cursor: Any, table: str, columns: Any, data: Any) -> None:
        calls.append(table)
        original(self, cursor, table, columns, data)

    monkeypatch.setattr(KeyChecks, "_copy_through_definer", spy)
    return calls


def test_a_clerk_imports_a_payment_file_through_the_function(postgres_url: str, new_role: Callable[[], str],
                                                            definer_calls: list[str], tmp_path: Path) -> None:
    from tui_inkasso.services.payment_import import import_payment_file

    invoice = make_invoice("9001", amount=1_000_000)
    ocr = Invoice.get_by_id(invoice.id).ocr
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(100 + n, ocr) for n in range(COUNT)])
    _as_clerk(postgres_url, new_role)
    with as_user(None):
        assert KeyChecks().through_definer(db.cursor(), "payment")
        import_payment_file(path)
    assert {"payment", "voucher", "voucher_row"} <= set(definer_calls)
    assert Payment.select().where(Payment.invoice == invoice.id).count() == COUNT
    assert Voucher.select().count() >= COUNT and VoucherRow.select().count() >= 2 * COUNT
    assert Invoice.get_by_id(invoice.id).balance == 1_000_000 - sum(100 + n for n in range(COUNT))
    assert db.execute_sql("SHOW session_replication_role").fetchone()[0] == "origin"


@pytest.mark.parametrize("bad", ["customer", "invoice"])
def test_a_clerks_bad_id_is_refused_naming_the_constraint_and_nothing_is_written(
        postgres_url: str, new_role: Callable[[], str], definer_calls: list[str], bad: str) -> None:
    customer = make_customer("K1")
    invoice = make_invoice("9001", customer=customer)
    _as_clerk(postgres_url, new_role)
    columns, rows = _payments(customer.id, invoice.id)
    where = columns.index(bad)
    rows[COUNT // 2] = (*rows[COUNT // 2][:where], 987_654, *rows[COUNT // 2][where + 1:])
    writer = bulk.BulkWriter(keys_per_batch=True)
    with pytest.raises(pw.IntegrityError, match=rf'(?s)"payment_{bad}_id_fkey".*\(987654\)'), \
            db.atomic(), writer.in_background():
        writer.insert(Payment, columns, rows)
    assert definer_calls == ["payment"]
    assert Payment.select().count() == 0
    writer = bulk.BulkWriter(keys_per_batch=True)
    with db.atomic(), writer.in_background():
        writer.insert(Payment, *_payments(customer.id, invoice.id))
    assert Payment.select().count() == COUNT
    assert db.execute_sql("SHOW session_replication_role").fetchone()[0] == "origin"


def _staged(cursor: Any, name: str = "staged") -> str:
    """A temporary table of payment rows (one customer id that exists) named ``name``."""
    quoted = '"' + name.replace('"', '""') + '"'
    cursor.execute(f'CREATE TEMP TABLE {quoted} AS SELECT kind, method, customer_id, amount, pay_date, '
                   'registered_at, registered_by, bank_ref, invoice_amount, excess_amount, reference, sender_account, '
                   'payer_name, status, note FROM payment WITH NO DATA')
    cursor.execute(f'INSERT INTO {quoted} VALUES (\'payment\', \'bankgiro\', (SELECT min(id) FROM customer), 100, '
                   "'2026-09-25', '2026-09-25', 't', 'x', 0, 0, '', '', '', 'booked', '')")
    return name


def test_a_reader_cannot_call_it_nor_insert_through_it(postgres_url: str, new_role: Callable[[], str]) -> None:
    make_customer("K1")
    reader = new_role()
    users.add_user(reader, "reader")
    session = role_session(postgres_url, reader)
    try:
        with pytest.raises(errors.InsufficientPrivilege), session.cursor() as cursor:
            cursor.execute(f"SELECT {FUNCTION}('payment', %s)", (_staged(cursor),))
        session.rollback()
        db.execute_sql(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO \"{reader}\"")  # by mistake
        db.commit()
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table payment"), \
                session.cursor() as cursor:
            cursor.execute(f"SELECT {FUNCTION}('payment', %s)", (_staged(cursor),))
        session.rollback()
    finally:
        session.close()
    assert Payment.select().count() == 0


def test_other_tables_other_sources_and_quoted_names_are_refused(postgres_url: str,
                                                                  new_role: Callable[[], str]) -> None:
    make_customer("K1")
    clerk = new_role()
    users.add_user(clerk, "clerk")
    session = role_session(postgres_url, clerk)
    refusals = [
        ("customer", "staged", errors.InsufficientPrivilege, "not written by a bulk run"),
        (None, "staged", errors.InsufficientPrivilege, "not written by a bulk run"),
        ('payment"; DROP TABLE payment; --', "staged", errors.InsufficientPrivilege, "not written by a bulk run"),
        ("payment", "payment", errors.InsufficientPrivilege, "not a plain temporary table"),
        ("payment", 'staged"; DROP TABLE payment; --', errors.InsufficientPrivilege, "not a plain temporary table"),
        ("payment", "staged_view", errors.InsufficientPrivilege, "not a plain temporary table"),
        ("payment", "staged_text", errors.DatatypeMismatch, "customer_id"),
    ]
    try:
        for table, source, error, message in refusals:
            with pytest.raises(error, match=message), session.cursor() as cursor:
                _staged(cursor)
                cursor.execute("CREATE TEMP VIEW staged_view AS SELECT * FROM staged")
                cursor.execute("CREATE TEMP TABLE staged_text AS SELECT kind, customer_id::text AS customer_id "
                               "FROM staged")
                cursor.execute(f"SELECT {FUNCTION}(%s, %s)", (table, source))
            session.rollback()
        with session.cursor() as cursor:  # a quoted name is a name: it works as one
            cursor.execute(f"SELECT {FUNCTION}('payment', %s)", (_staged(cursor, 'we"ird; name'),))
            assert cursor.fetchone() == (1,)
        session.commit()
    finally:
        session.close()
    assert Payment.select().count() == 1
    assert db.execute_sql("SELECT to_regclass('payment') IS NOT NULL").fetchone() == (True,)


def test_the_migration_makes_it_on_postgresql_and_nothing_on_sqlite(postgres_url: str, tmp_path: Path) -> None:
    db.execute_sql(f"DROP FUNCTION {SIGNATURE}")
    migrations.stamp_version(db.obj, 11)
    db.commit()
    close_database()
    upgraded = open_database(postgres_url)
    assert migrations.current_version(upgraded) == migrations.LATEST
    owner, definer, config, public = upgraded.execute_sql(
        "SELECT pg_get_userbyid(proowner), prosecdef, proconfig, has_function_privilege('public', oid, 'EXECUTE') "
        "FROM pg_proc WHERE oid = to_regprocedure(%s)", (SIGNATURE,)).fetchone()
    assert owner == upgraded.execute_sql("SELECT current_user").fetchone()[0] and definer and not public
    assert config == [f'search_path="{url_schema(postgres_url)}", pg_temp'] or \
        config == [f"search_path={url_schema(postgres_url)}, pg_temp"]
    close_database()

    sqlite = pw.SqliteDatabase(str(tmp_path / "x.db"))
    migrate_v12(sqlite, None)  # type: ignore[arg-type]  # the step touches nothing on SQLite
    assert sqlite.get_tables() == []
