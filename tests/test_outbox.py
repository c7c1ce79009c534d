"""The outbox against real FTP, FTPS and SFTP servers on 127.0.0.1: recorded, sent, retried, failed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.servers import (
    FtpServer,
    SshdServer,
    TlsCert,
    listing,
    make_ssh_key,
    refused_port,
    ssh_fingerprint,
    start_sshd,
)
from tests.staff import in_force
from tui_inkasso.db.models import AuditEntry, CollectionFile, OutboxFile
from tui_inkasso.services import outbox
from tui_inkasso.services.clock import now
from tui_inkasso.services.errors import NotFound
from tui_inkasso.services.transaction import write_transaction
from tui_inkasso.transport.hostkeys import trust_host
from tui_inkasso.transport.upload_url import parse_upload_url

tls_cert = fx.tls_cert
ftp_server = fx.ftp_server
ftps_server = fx.ftps_server
sshd_server = fx.sshd_server

CONTENT = b'<?xml version="1.0" encoding="UTF-8"?>\n<Saldokorrigeringar antal="2"/>\n'


@pytest.fixture
def balance_file(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "out" / "saldo_20260115_0001.xml"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path


def _ftp_setup(server: FtpServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = fx.fresh_dir(server.root)
    in_force({"collection.upload_url": server.url(folder)})
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", server.password)
    return server.root / folder


def _sftp_setup(server: SshdServer, tmp_path: Path) -> str:
    """Trust ``server``'s host key and send to a fresh folder there with its user key; the folder."""
    folder = fx.fresh_dir(server.home)
    known = tmp_path / "known_hosts"
    trust_host(parse_upload_url(server.url()), known)
    in_force({
        "collection.upload_url": server.url(folder),
        "collection.upload_key_file": str(server.user_key),
        "collection.upload_known_hosts": str(known),
    })
    return folder


def _create_with_record(path: Path) -> OutboxFile | None:
    """What a file creator does: its own record and the delivery record in one transaction."""
    with write_transaction():
        record = CollectionFile.create(
            kind="saldofil", system="intrum", path=str(path), file_id=path.stem,
            created_at=now(), created_by="testare",
        )
        return outbox.enqueue_delivery(path, "saldofil", record.id)


def test_nothing_is_recorded_without_an_upload_url(balance_file: Path) -> None:
    assert outbox.enqueue_delivery(balance_file, "saldofil") is None
    assert OutboxFile.select().count() == 0


def test_enqueue_is_part_of_the_callers_transaction(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ftp_setup(ftp_server, monkeypatch)
    with pytest.raises(RuntimeError), write_transaction():
        CollectionFile.create(kind="saldofil", system="intrum", path=str(balance_file),
                              file_id="x", created_at=now(), created_by="t")
        outbox.enqueue_delivery(balance_file, "saldofil")
        raise RuntimeError("the creator fails after recording")
    assert OutboxFile.select().count() == 0 and CollectionFile.select().count() == 0


def test_ftp_delivery_once_then_resend_finds_it_there(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = _ftp_setup(ftp_server, monkeypatch)
    row = _create_with_record(balance_file)
    assert row is not None and row.status == "waiting" and row.size == len(CONTENT)
    result = outbox.deliver_now(row)
    assert result is not None and result.status == "sent"
    assert listing(remote) == [balance_file.name]
    assert (remote / balance_file.name).read_bytes() == CONTENT
    assert result.remote_path == f"{remote.name}/{balance_file.name}"
    assert outbox.deliver_pending() == []  # nothing is sent twice
    entry = outbox.get_entry(row.id)
    assert (entry.status, entry.status_label, entry.attempts) == ("sent", "Skickad", 1)
    assert entry.sent_at is not None and entry.collection_file_id is not None
    again = outbox.resend(row.id)
    assert again.status == "sent" and again.already_delivered
    assert listing(remote) == [balance_file.name]
    assert balance_file.exists(), "the local file is never removed"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)
               if not e.action.startswith(("user.", "approval."))]  # the upload server put in force
    assert actions == ["setting.changed", "outbox.enqueued", "outbox.sent", "outbox.resend", "outbox.sent"]


def test_ftps_delivery_with_the_agency_ca(
    balance_file: Path, ftps_server: FtpServer, tls_cert: TlsCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = _ftp_setup(ftps_server, monkeypatch)
    row = _create_with_record(balance_file)
    assert row is not None
    failed = outbox.deliver_now(row)
    assert failed is not None and failed.status == "failed" and failed.reason == "tls"
    assert "serverns TLS-certifikat är inte betrott" in outbox.get_entry(row.id).last_error
    in_force({"collection.upload_ca_file": str(tls_cert.cert)})
    assert outbox.resend(row.id).status == "sent"
    assert (remote / balance_file.name).read_bytes() == CONTENT


def test_sftp_delivery_with_key_and_known_hosts(
    balance_file: Path, sshd_server: SshdServer, tmp_path: Path
) -> None:
    folder = _sftp_setup(sshd_server, tmp_path)
    row = _create_with_record(balance_file)
    result = outbox.deliver_now(row)
    assert result is not None and result.status == "sent", result
    assert (sshd_server.home / folder / balance_file.name).read_bytes() == CONTENT


def test_server_down_backs_off_then_delivers_exactly_once(
    balance_file: Path, tmp_path: Path
) -> None:
    server = start_sshd(tmp_path / "sshd")
    try:
        folder = _sftp_setup(server, tmp_path)
        server.stop()
        row = _create_with_record(balance_file)
        assert row is not None
        t0 = now()
        first = outbox.deliver_pending(t0)
        assert [r.status for r in first] == ["waiting"]
        assert first[0].reason == "unreachable" and "anslutningen nekades" in first[0].error
        assert first[0].next_attempt_at == t0 + dt.timedelta(minutes=1)
        second = outbox.deliver_pending(t0 + dt.timedelta(minutes=1))
        assert second[0].next_attempt_at == t0 + dt.timedelta(minutes=3)  # 1, then 2 minutes
        assert outbox.deliver_pending(t0 + dt.timedelta(minutes=2)) == []  # not due yet
        entry = outbox.get_entry(row.id)
        assert (entry.status, entry.attempts) == ("waiting", 2)
        assert "anslutningen nekades" in entry.last_error
        server.start()
        done = outbox.deliver_pending(t0 + dt.timedelta(minutes=3))
        assert [r.status for r in done] == ["sent"]
        assert outbox.deliver_pending(t0 + dt.timedelta(hours=5)) == []
        assert listing(server.home / folder) == [balance_file.name]
    finally:
        server.stop()


def test_wrong_password_fails_with_the_reason(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = _ftp_setup(ftp_server, monkeypatch)
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", "fel-lösen")
    row = _create_with_record(balance_file)
    result = outbox.deliver_now(row)
    assert result is not None and (result.status, result.reason) == ("failed", "auth")
    entry = outbox.get_entry(row.id)
    assert entry.status == "failed"
    assert "servern nekade inloggning för användaren 'inkasso'" in entry.last_error
    assert "fel-lösen" not in entry.last_error
    assert outbox.deliver_pending(now() + dt.timedelta(days=1)) == []  # failed waits for a person
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", ftp_server.password)
    assert outbox.resend(row.id).status == "sent"
    assert listing(remote) == [balance_file.name]


def test_changed_host_key_fails_showing_the_new_fingerprint(
    balance_file: Path, tmp_path: Path
) -> None:
    server = start_sshd(tmp_path / "sshd")
    try:
        folder = _sftp_setup(server, tmp_path)
        new_key = make_ssh_key(tmp_path / "new_host_key")
        server.restart(host_key=new_key)
        result = outbox.deliver_now(_create_with_record(balance_file))
        assert result is not None and (result.status, result.reason) == ("failed", "host_key_changed")
        assert ssh_fingerprint(new_key) in result.error
        assert "har BYTT värdnyckel" in result.error and "trust-host" in result.error
        assert listing(server.home / folder) == []
    finally:
        server.stop()


def test_stale_sending_record_is_taken_again(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that died mid-send leaves "sending"; after the lease the file is sent."""
    remote = _ftp_setup(ftp_server, monkeypatch)
    row = _create_with_record(balance_file)
    assert row is not None
    t0 = now()
    OutboxFile.update(status="sending", attempts=1, next_attempt_at=t0 + outbox.SENDING_LEASE).where(
        OutboxFile.id == row.id
    ).execute()
    assert outbox.deliver_pending(t0) == []  # still leased to the (dead) sender
    with pytest.raises(outbox.Conflict, match="skickas just nu; vänta på resultatet"):
        outbox.resend(row.id, t0)
    results = outbox.deliver_pending(t0 + outbox.SENDING_LEASE)
    assert [r.status for r in results] == ["sent"]
    assert outbox.get_entry(row.id).attempts == 2
    assert listing(remote) == [balance_file.name]


def test_a_changed_local_file_is_not_delivered(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = _ftp_setup(ftp_server, monkeypatch)
    row = _create_with_record(balance_file)
    balance_file.write_bytes(CONTENT + b"<!-- edited -->")
    result = outbox.deliver_now(row)
    assert result is not None and result.status == "failed"
    assert f"{balance_file}: den lokala filen har ändrats sedan den lades i utkorgen" in result.error
    assert "den skickades inte" in result.error
    assert listing(remote) == []


def test_a_password_file_others_can_read_fails_with_the_reason(
    balance_file: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _ftp_setup(ftp_server, monkeypatch)
    monkeypatch.delenv("TUI_INKASSO_UPLOAD_PASSWORD")
    secret = tmp_path / "upload.pw"
    secret.write_text(ftp_server.password + "\n")
    os.chmod(secret, 0o644)
    in_force({"collection.upload_password_file": str(secret)})
    result = outbox.deliver_now(_create_with_record(balance_file))
    assert result is not None and result.status == "failed"
    assert "rättigheterna 0644" in result.error and "chmod 600" in result.error
    os.chmod(secret, 0o600)
    assert outbox.resend(result.outbox_id).status == "sent"


def test_unreachable_server_via_deliver_now_never_raises(
    balance_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_force({"collection.upload_url": f"ftp://inkasso@127.0.0.1:{refused_port()}/in"})
    result = outbox.deliver_now(_create_with_record(balance_file))
    assert result is not None and result.status == "waiting"
    assert outbox.status_counts()["waiting"] == 1
    assert [e.file_name for e in outbox.list_outbox("waiting")] == [balance_file.name]
    with pytest.raises(NotFound, match="utkorgen har ingen fil med id 999"):
        outbox.resend(999)


def test_delivery_and_back_off_on_sqlite_and_postgresql(
    any_db: str, tmp_path: Path, ftp_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "saldo_pg.xml"
    path.write_bytes(CONTENT)
    in_force({"collection.upload_url": f"ftp://inkasso@127.0.0.1:{refused_port()}/in"})
    row = _create_with_record(path)
    assert row is not None
    t0 = now()
    [waiting] = outbox.deliver_pending(t0)
    assert waiting.status == "waiting" and waiting.next_attempt_at == t0 + dt.timedelta(minutes=1)
    remote = _ftp_setup(ftp_server, monkeypatch)  # the server's right address is set meanwhile
    assert outbox.deliver_pending(t0) == []
    [sent] = outbox.deliver_pending(t0 + dt.timedelta(minutes=1))
    assert sent.status == "sent" and listing(remote) == [path.name]
    assert outbox.get_entry(row.id).target_url == ftp_server.url(remote.name)
