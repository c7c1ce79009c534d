"""Resending a file the agency already has never turns its record into a failure (issue 14, item 13).

"Skicka igen" on a sent record whose local copy was moved away or changed, or whose server is
down, used to mark the record failed (or waiting, to be sent again in the background) although
the file had been delivered. The record stays sent with its date and remote name; the attempt's
reason is returned and kept on the record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.collection_data import collection_on_business_day
from tests.common import run_json
from tests.servers import FtpServer, listing, refused_port
from tests.staff import in_force
from tests.test_outbox import CONTENT, _create_with_record, _ftp_setup
from tui_inkasso.db.models import AuditEntry
from tui_inkasso.services import outbox

ftp_server = fx.ftp_server


@pytest.fixture
def sent(tmp_path: Path, sqlite_url: str, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[Path, int, Path]:
    """A balance file delivered to the FTP server: (local file, outbox id, remote folder)."""
    path = tmp_path / "out" / "saldo_20260115_0001.xml"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    remote = _ftp_setup(ftp_server, monkeypatch)
    row = _create_with_record(path)
    assert row is not None
    result = outbox.deliver_now(row)
    assert result is not None and result.status == "sent"
    return path, row.id, remote


def _assert_still_sent(outbox_id: int, before: outbox.OutboxEntry) -> None:
    entry = outbox.get_entry(outbox_id)
    assert (entry.status, entry.sent_at, entry.remote_path) == ("sent", before.sent_at, before.remote_path)
    assert entry.last_error.startswith("Skicka igen misslyckades: ")
    assert outbox.deliver_pending() == [], "nothing is sent again in the background"
    assert not AuditEntry.select().where(AuditEntry.action == "outbox.failed").exists()


def test_resending_a_sent_file_whose_local_copy_is_gone_keeps_it_sent(sent: tuple[Path, int, Path]) -> None:
    path, outbox_id, remote = sent
    before = outbox.get_entry(outbox_id)
    path.unlink()  # archived by staff after delivery
    result = outbox.resend(outbox_id)
    assert result.status == "failed" and "står kvar som skickad" in result.error
    _assert_still_sent(outbox_id, before)
    assert listing(remote) == [path.name]


def test_resending_a_sent_file_that_changed_locally_keeps_it_sent(sent: tuple[Path, int, Path]) -> None:
    path, outbox_id, _ = sent
    before = outbox.get_entry(outbox_id)
    path.write_bytes(CONTENT + b"<!-- edited -->\n")
    result = outbox.resend(outbox_id)
    assert result.status == "failed" and "har ändrats" in result.error
    _assert_still_sent(outbox_id, before)


def test_resending_a_sent_file_while_the_server_is_down_keeps_it_sent(sent: tuple[Path, int, Path]) -> None:
    _, outbox_id, _ = sent
    before = outbox.get_entry(outbox_id)
    in_force({"collection.upload_url": f"ftp://inkasso@127.0.0.1:{refused_port()}/in"})
    result = outbox.resend(outbox_id)
    assert result.status == "failed" and result.reason == "unreachable"
    _assert_still_sent(outbox_id, before)


def test_the_audit_log_names_the_published_agency_file_not_its_staged_part_file(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    collection_on_business_day(monkeypatch, tmp_path)
    in_force({"collection.upload_url": f"ftp://inkasso@127.0.0.1:{refused_port()}/in"})
    data = run_json(capsys, sqlite_url, "collect", "--system", "intrum", "--yes")
    finals = sorted(Path(f).name for f in data["files"])
    enqueued = [e.details for e in AuditEntry.select().where(AuditEntry.action == "outbox.enqueued")]
    assert len(enqueued) == len(finals) == 2
    assert all(".part" not in d and "pending" not in d for d in enqueued), enqueued
    assert sorted(name for name in finals if any(name in d for d in enqueued)) == finals
    assert sorted(Path(e.path).name for e in outbox.list_outbox(None)) == finals
