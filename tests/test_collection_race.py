"""Two people creating cases at once (two threads with their own connections, on a SQLite file
and on PostgreSQL), and the upload of the agency file to a real FTP server through the outbox.
Two processes and crashes are in test_collection_processes.py."""

from __future__ import annotations

import threading

import pytest

from tests import fixtures_servers as fx
from tests.collection_data import (
    DAY,
    READY,
    CollectionLedger,
    assert_no_invoice_in_two_cases,
    ledger,
)
from tests.servers import FtpServer
from tests.staff import in_force
from tui_inkasso.db.connection import db
from tui_inkasso.db.models import CollectionCase, CollectionFile, OutboxFile
from tui_inkasso.services import collection_errors, collection_exclusion, collection_run

ftp_server = fx.ftp_server

__all__ = ["ledger"]  # the fixture, imported for pytest


def _race(jobs: list[list[int]], system: str) -> list[object]:
    """Run create_cases for each job in its own thread (own connection), started together."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def work(index: int, ids: list[int]) -> None:
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            results[index] = collection_run.create_cases(DAY, None, ids, system)
        except Exception as exc:  # the loser's Conflict is the result under test
            results[index] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=work, args=(i, ids)) for i, ids in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_sessions_racing_exactly_one_wins_the_other_is_told_which(ledger: CollectionLedger) -> None:
    first = [ledger.id(n) for n in ("3001", "3002", "3003")]
    second = [ledger.id(n) for n in ("3003", "3004")]
    results = _race([first, second], "intrum")
    won = [r for r in results if isinstance(r, collection_run.CaseRunResult)]
    lost = [r for r in results if isinstance(r, collection_errors.InvoicesTaken)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].numbers == ["3003"] and "3003 (i ärende INT-2026-" in str(lost[0])
    assert_no_invoice_in_two_cases()
    assert CollectionFile.select().count() == 1, "the loser wrote no file and no record"
    loser_ids = first if results[1] is won[0] else second
    again = collection_run.create_cases(DAY, None, [i for i in loser_ids if i not in lost[0].invoice_ids], "intrum")
    assert sorted(x.number for c in again.cases for x in c.claims) == sorted(
        {"3001", "3002", "3004"} - {x.number for c in won[0].cases for x in c.claims})
    assert_no_invoice_in_two_cases()


def test_the_same_list_twice_at_once_makes_one_set_of_cases(ledger: CollectionLedger) -> None:
    results = _race([ledger.ready_ids(), ledger.ready_ids()], "inhouse")
    lost = [r for r in results if isinstance(r, collection_errors.InvoicesTaken)]
    assert len(lost) == 1 and sorted(lost[0].numbers) == READY
    assert CollectionCase.select().where(CollectionCase.system == "inhouse").count() == 1 + 5
    assert_no_invoice_in_two_cases()


def test_the_file_is_uploaded_through_the_outbox_right_after_the_commit(
    ledger: CollectionLedger, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fx.fresh_dir(ftp_server.root)
    in_force({"collection.upload_url": ftp_server.url(folder)})
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", ftp_server.password)
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    assert [d.status for d in result.deliveries] == ["sent", "sent"]
    for path in result.files:
        assert (ftp_server.root / folder / path.name).read_bytes() == path.read_bytes()
        row = OutboxFile.get(OutboxFile.path == str(path.resolve()))
        assert row.status == "sent" and row.collection_file.path == str(path)
    collection_exclusion.include([ledger.id("3008")])
    sheet = collection_run.create_cases(DAY, None, [ledger.id("3008")], "none")
    assert sheet.outbox_ids == [] and OutboxFile.select().count() == 2, "an Excel sheet is not uploaded"


def test_without_an_upload_url_nothing_is_queued(ledger: CollectionLedger) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "svea")
    assert result.outbox_ids == [] and result.deliveries == [] and OutboxFile.select().count() == 0
