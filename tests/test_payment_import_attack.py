"""Attacks on the fast payment import (issue 14): a staff role that may not switch the triggers
off, the process's switch interval and collector after a failing import, and two imports of one
file at once."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import peewee as pw
import pytest

from tests.conftest import ROOT, SHARED_DOCS
from tests.payment_files import bgmax_payment, write_bgmax_file
from tests.pg_roles import drop_roles, role_url
from tests.staff import approve_pending, as_user
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.key_checks import KeyChecks
from tui_inkasso.db.models import Invoice, Payment, PaymentFile, Voucher, VoucherRow
from tui_inkasso.services import payment_import, users
from tui_inkasso.services.booking import PaymentBatch, PaymentIn
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.payment_import import import_payment_file
from tui_inkasso.services.transaction import write_transaction


@pytest.fixture
def ledger(any_db: str) -> dict[str, str]:
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()
    return {i.number: i.ocr for i in Invoice.select()}


def _file(folder: Path, ledger: dict[str, str], name: str = "bg.txt", count: int = 193) -> Path:
    """Sections of 63, 64 and 65 plain payments (unmatched OCRs and one that matches)."""
    payments, n = [], 0
    for section, size in enumerate((63, 64, 65, 1)):
        for _ in range(size):
            reference = ledger["100234"] if n == 0 else f"9{n:0{1 + n % 9}d}"
            payments.append(bgmax_payment(100 + n, reference, deposit=f"{section + 1:05d}", serial=n + 1))
            n += 1
    return write_bgmax_file(folder, name, payments[:count])


def test_a_failing_import_puts_the_switch_interval_and_the_collector_back_and_the_next_works(
    ledger: dict[str, str], any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, ledger)
    before = sys.getswitchinterval()
    assert gc.isenabled()
    payments = Payment.select().count()

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(payment_import, "summarise", broken)
        with pytest.raises(RuntimeError, match="boom"):
            import_payment_file(path)
    assert sys.getswitchinterval() == before
    assert gc.isenabled()
    assert PaymentFile.select().count() == 0 and Payment.select().count() == payments
    result = import_payment_file(path)
    assert result.summary is not None and result.summary.payments == 193
    assert Payment.select().count() == payments + 193
    assert sys.getswitchinterval() == before and gc.isenabled()


def test_two_imports_of_one_file_at_once_book_it_once(ledger: dict[str, str], any_db: str, tmp_path: Path) -> None:
    path = _file(tmp_path, ledger)
    payments = Payment.select().count()
    children = [subprocess.Popen(
        [sys.executable, "-m", "tui_inkasso.cli", "--db", any_db, "--json", "import-payments", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}) for _ in range(2)]
    outcomes = [child.communicate(timeout=120) for child in children]
    codes = sorted(child.returncode for child in children)
    assert codes == [0, 1], outcomes
    db.close()
    db.connect(reuse_if_open=True)
    assert PaymentFile.select().count() == 1
    assert Payment.select().count() == payments + 193
    assert json.loads([out for out, _err in outcomes if out.strip()][0])


@pytest.mark.parametrize("how", ["definer", "trusted", "per_row"])
def test_a_clerks_role_imports_with_the_databases_checks_and_a_bad_id_is_refused(
    how: str, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clerk's own role (no superuser): without the right to switch the triggers off, the batch
    checks of the owner's function ``bulk_insert_checked`` (``definer``; db/migration_v12.py), or
    the database's per-row checks when the role may not run it (``per_row``); ``trusted``: granted
    the right (docs/payments.md: a role trusted like the tables' owner), the batch checks of its
    own. Either way the file is booked and a bad id refused."""
    trusted = how == "trusted"
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()
    ledger = {i.number: i.ocr for i in Invoice.select()}
    path = _file(tmp_path, ledger)
    planned: list[bool] = []
    plan = KeyChecks.plan

    def spy(self: KeyChecks, cursor: object, table: str, columns: Sequence[str]) -> object:
        keys = plan(self, cursor, table, columns)
        planned.append(keys is not None)
        return keys

    monkeypatch.setattr(KeyChecks, "plan", spy)
    through: list[str] = []
    definer = KeyChecks._copy_through_definer

    def spy_definer(self: KeyChecks, cursor: object, table: str, columns: Sequence[str], data: object) -> None:
        through.append(table)
        definer(self, cursor, table, columns, data)

    monkeypatch.setattr(KeyChecks, "_copy_through_definer", spy_definer)
    role = f"t_{uuid.uuid4().hex[:10]}"
    users.add_user(role, "clerk")
    if how == "per_row":
        db.execute_sql(f'REVOKE EXECUTE ON FUNCTION bulk_insert_checked(text, text) FROM "{role}"')
    if trusted:
        db.execute_sql(f'GRANT SET ON PARAMETER session_replication_role TO "{role}"')
    url = role_url(postgres_url, role)
    try:
        close_database()
        with as_user(None):
            code = main(["--db", url, "import-payments", str(path)])
            out = capsys.readouterr()
            assert code == 0, out
            if how == "definer":
                assert {"payment", "voucher", "voucher_row"} <= set(through) and not planned
            else:
                assert planned and set(planned) == {trusted} and not through
            open_database(url, create=False)
            assert Payment.select().where(Payment.payment_file.is_null(False)).count() == 193
            assert str(db.execute_sql("SHOW session_replication_role").fetchone()[0]) == "origin"
            invoice = Invoice.get(Invoice.number == "100234")
            file_id = PaymentFile.select(pw.fn.MAX(PaymentFile.id)).scalar()
            before = (Payment.select().count(), Voucher.select().count(), VoucherRow.select().count())
            items = [PaymentIn(1000, invoice.due_date, "bankgiro", invoice.id, bank_ref=f"x:{n}",
                               payment_file_id=file_id + 1000) for n in range(80)]
            with pytest.raises(pw.IntegrityError, match="payment_payment_file_id_fkey"), write_transaction():
                batch = PaymentBatch([invoice.id], set(), len(items))
                with batch.writing():
                    batch.book(items)
            assert (Payment.select().count(), Voucher.select().count(), VoucherRow.select().count()) == before
    finally:
        close_database()
        drop_roles([role], revoke_replica=trusted)
        open_database(postgres_url, create=False)


def test_a_plain_section_to_another_owners_bankgiro_books_nothing_on_the_first_owners_invoice(
    ledger: dict[str, str], any_db: str, tmp_path: Path
) -> None:
    """Two sections of 64 plain payments each: one to the owner of invoice 100234, one to another
    owner's bankgiro, both with that invoice's OCR; only the first section's pays the invoice."""
    from tui_inkasso.db.models import Owner

    invoice = Invoice.get(Invoice.number == "100234")
    other = Owner.select().where(Owner.id != invoice.owner_id, Owner.bankgiro.is_null(False)).first()
    own = Owner.get_by_id(invoice.owner_id)
    payments = [bgmax_payment(1, ledger["100234"], receiving=giro, deposit=f"{s + 1:05d}", serial=s * 64 + n + 1)
                for s, giro in enumerate((own.bankgiro, other.bankgiro)) for n in range(64)]
    path = write_bgmax_file(tmp_path, "bg.txt", payments)
    def owed() -> int:
        row = Invoice.get_by_id(invoice.id)
        return int(row.balance + row.fees + row.interest)

    balance = owed()
    result = import_payment_file(path)
    assert result.summary is not None and result.summary.payments == 128
    booked = Payment.select().where(Payment.payment_file == result.payment_file_id)
    assert booked.where(Payment.invoice == invoice.id).count() == 64
    assert booked.where(Payment.invoice.is_null(), Payment.owner == other.id).count() == 64
    assert owed() == balance - 64


def test_a_failure_on_the_writer_thread_puts_everything_back_and_the_next_import_works(
    ledger: dict[str, str], any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invoices' update fails on the writer's thread (after every payment was handed over):
    the import books nothing, the switch interval and the collector are as before, the writer
    thread is gone, and the same file then imports in the same process."""
    import threading

    from tui_inkasso.db import bulk

    path = _file(tmp_path, ledger)
    before, payments = sys.getswitchinterval(), Payment.select().count()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("writer boom")

    with monkeypatch.context() as patch:
        patch.setattr(bulk, "_subtract_sqlite", broken)
        patch.setattr(bulk, "_subtract_postgres", broken)
        with pytest.raises(RuntimeError, match="writer boom"):
            import_payment_file(path)
    assert sys.getswitchinterval() == before and gc.isenabled()
    assert not [t for t in threading.enumerate() if t.name == "bulk-copy"]
    assert PaymentFile.select().count() == 0 and Payment.select().count() == payments
    result = import_payment_file(path)
    assert result.summary is not None and result.summary.payments == 193
    assert Payment.select().count() == payments + 193
