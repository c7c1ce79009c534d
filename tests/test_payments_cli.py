"""`tui-inkasso import-payments`, `unmatched`: JSON, several files, exit codes and stderr; and a
process killed with SIGKILL in the middle of booking leaves nothing behind (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.common import run
from tests.conftest import ROOT, SHARED_DOCS
from tests.payment_files import AGENCY, bgmax_payment, write_bgmax_file
from tests.staff import approve_pending
from tui_inkasso.cli import main
from tui_inkasso.db.models import AuditEntry, Invoice, Payment, PaymentFile, Voucher
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.payment_import import import_payment_file


@pytest.fixture
def ledger(any_db: str) -> dict[str, str]:
    """The example ledger; returns invoice number -> OCR."""
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()  # the example's agency bankgiro: proposed by the import, approved here
    return {i.number: i.ocr for i in Invoice.select()}


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, dict, str]:
    code, out, err = run(capsys, db_url, *args)
    return code, json.loads(out) if "--json" in args else {}, err


def test_import_payments_json(ledger: dict[str, str], any_db: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(900000, ledger["100234"], sender=AGENCY),
        bgmax_payment(100000, ledger["200002"], sender=AGENCY, receiving="1234566", deposit="00002"),
        bgmax_payment(1000, "okänd", deposit="00003"),
    ])
    code, data, err = _run(capsys, any_db, "import-payments", "--json", str(path))
    assert code == 0 and err == ""
    assert (data["payments"], data["amount"], data["matched"], data["unmatched"]) == (3, "10010.00", 2, 1)
    assert data["collection_payments"] == 2
    # Each invoice's 60 kr reminder fee is settled first: only what exceeds the whole claim is over.
    assert [{k: o[k] for k in ("invoice", "amount", "account")} for o in data["overpayments"]] == [
        {"invoice": "100234", "amount": "490.00", "account": "2421"},
        {"invoice": "200002", "amount": "40.00", "account": "2420"},
    ]
    [entry] = data["files"]
    assert entry["status"] == "imported" and entry["payment_file_id"] == PaymentFile.get().id
    assert [row["kind"] for row in entry["log"]] == ["Överbetalning", "Överbetalning", "Ej matchad"]


def test_several_files_one_refused(ledger: dict[str, str], any_db: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = write_bgmax_file(tmp_path, "a.txt", [bgmax_payment(10000, ledger["100234"])])
    lines = good.read_bytes().split(b"\r\n")
    lines[2] = lines[2][:45] + b"A" + lines[2][46:]
    broken = tmp_path / "b.txt"
    broken.write_bytes(b"\r\n".join(lines))
    code, data, err = _run(capsys, any_db, "import-payments", "--json", str(good), str(broken), str(good))
    assert code == 1
    assert [f["status"] for f in data["files"]] == ["imported", "refused", "refused"]
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("tui-inkasso import-payments: b.txt, rad 3, fält belopp (pos 38–55): inte numeriskt")
    assert lines[1].startswith("tui-inkasso import-payments: a.txt: filen är redan inläst: a.txt den ")
    assert (data["payments"], data["files_imported"], data["files_refused"]) == (1, 1, 2)
    assert PaymentFile.select().count() == 1


def test_dry_run_then_import_then_refused(ledger: dict[str, str], any_db: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(900000, ledger["100234"], sender=AGENCY)])
    code, data, _ = _run(capsys, any_db, "import-payments", "--dry-run", "--json", str(path))
    assert code == 0 and data["dry_run"] and data["files"][0]["status"] == "dry_run"
    assert data["overpayments"][0]["account"] == "2421"
    assert PaymentFile.select().count() == 0 and Payment.select().count() == 3, "only the example's payments"
    assert main(["--db", any_db, "import-payments", str(path)]) == 0
    assert "bg.txt: BgMax, bokförd" in capsys.readouterr().out
    assert main(["--db", any_db, "import-payments", str(path)]) == 1
    captured = capsys.readouterr()
    assert "AVVISAD" in captured.out and "bg.txt: filen är redan inläst: bg.txt den " in captured.err


def test_text_summary(ledger: dict[str, str], any_db: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(900000, ledger["100234"], sender=AGENCY)])
    assert main(["--db", any_db, "import-payments", str(path)]) == 0
    out = capsys.readouterr().out
    assert "bg.txt: BgMax, bokförd" in out
    assert "överbetalning faktura 100234: 490,00 kr till 2421 (Överskjutande betalning inkasso)" in out  # after the 60 kr fee


def test_unmatched_commands(ledger: dict[str, str], any_db: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import_payment_file(write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(45000, "12345", name="Okänd"), bgmax_payment(2000, "", name="Anna A", deposit="00002"),
    ]))
    code, data, _ = _run(capsys, any_db, "unmatched", "list", "--json")
    assert code == 0 and data["count"] == 2 and data["amount"] == "470.00"
    first, second = (p["id"] for p in data["payments"])
    code, data, _ = _run(capsys, any_db, "unmatched", "--json", "list", "--search", "Anna")
    assert [p["id"] for p in data["payments"]] == [second]
    code, data, _ = _run(capsys, any_db, "unmatched", "allocate", str(first), "100235", "--json")
    assert code == 0 and (data["invoice"], data["invoice_amount"], data["excess_amount"]) == ("100235", "450.00", "0.00")
    code, data, _ = _run(capsys, any_db, "unmatched", "prepay", str(second), "K1001", "--json")
    assert code == 0 and data["status"] == "prepayment"
    code, _, err = _run(capsys, any_db, "unmatched", "prepay", str(second), "K1001")
    assert code == 1 and "är inte en ej matchad betalning" in err
    code, _, err = _run(capsys, any_db, "unmatched", "allocate", "999999", "100235")
    assert code == 2 and "betalning 999999 finns inte" in err
    assert main(["--db", any_db, "unmatched"]) == 0
    assert "0 ej matchade betalningar" in capsys.readouterr().out


# ------------------------------------------------------------------------------ killed mid-import


def test_killed_during_booking_leaves_nothing_and_a_reimport_works(
    ledger: dict[str, str], any_db: str, tmp_path: Path
) -> None:
    """SIGKILL after the first 5,000 payments are booked (inside the transaction): nothing stays."""
    payments = [bgmax_payment(1000 + i % 500, f"9{i:08d}", deposit=f"{i // 1000:05d}", serial=i + 1)
                for i in range(12000)]
    path = write_bgmax_file(tmp_path, "stor.txt", payments)
    before = (Payment.select().count(), Voucher.select().count(), AuditEntry.select().count())
    child = subprocess.Popen(
        [sys.executable, "-m", "tui_inkasso.cli", "--db", any_db, "import-payments", "--progress", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stderr is not None
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline:
        seen = child.stderr.readline()
        if "bokfört 5000/12000" in seen or not seen:
            break
    assert "bokfört 5000/12000" in seen, f"no progress from the child: {seen!r}"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert PaymentFile.select().count() == 0
    assert (Payment.select().count(), Voucher.select().count(), AuditEntry.select().count()) == before
    result = import_payment_file(path)
    assert result.summary is not None and result.summary.payments == 12000
    assert Payment.select().where(Payment.payment_file == result.payment_file_id).count() == 12000
