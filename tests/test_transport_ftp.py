"""FTP and FTPS delivery against real pyftpdlib servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.servers import (
    FtpServer,
    TlsCert,
    error_chain_text,
    listing,
    refused_port,
    silent_server,
    start_ftp_server,
)
from tui_inkasso.transport.errors import UploadError
from tui_inkasso.transport.upload import part_name, upload_file
from tui_inkasso.transport.upload_url import parse_upload_url

tls_cert = fx.tls_cert
ftp_server = fx.ftp_server
ftps_server = fx.ftps_server

CONTENT = ("Inkassoärende;Hyresgäst Åsa Öberg;1234,50\r\n" * 2000).encode("utf-8")


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "intrum_20260115_0001.txt"
    path.write_bytes(CONTENT)
    return path


def _dir(server: FtpServer) -> str:
    return fx.fresh_dir(server.root)


def test_ftp_upload_arrives_under_its_final_name(ftp_server: FtpServer, case_file: Path) -> None:
    folder = _dir(ftp_server)
    target = parse_upload_url(ftp_server.url(folder))
    receipt = upload_file(case_file, target, password=ftp_server.password)
    remote = ftp_server.root / folder
    assert listing(remote) == [case_file.name]
    assert (remote / case_file.name).read_bytes() == CONTENT
    assert receipt.remote_path == f"{folder}/{case_file.name}"
    assert receipt.size == len(CONTENT)
    assert receipt.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert receipt.already_delivered is False
    assert 0 < receipt.seconds < 5


def test_second_upload_sends_nothing(ftp_server: FtpServer, case_file: Path) -> None:
    folder = _dir(ftp_server)
    target = parse_upload_url(ftp_server.url(folder))
    upload_file(case_file, target, password=ftp_server.password)
    delivered = ftp_server.root / folder / case_file.name
    before = delivered.stat()
    receipt = upload_file(case_file, target, password=ftp_server.password)
    after = delivered.stat()
    assert receipt.already_delivered is True
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert listing(ftp_server.root / folder) == [case_file.name]


def test_remote_name_can_differ_from_the_local_name(ftp_server: FtpServer, case_file: Path) -> None:
    folder = _dir(ftp_server)
    receipt = upload_file(case_file, parse_upload_url(ftp_server.url(folder)),
                          password=ftp_server.password, remote_name="NYA_ARENDEN.txt")
    assert receipt.remote_path == f"{folder}/NYA_ARENDEN.txt"
    assert listing(ftp_server.root / folder) == ["NYA_ARENDEN.txt"]


@pytest.mark.parametrize("other", [b"x" * len(CONTENT), b"an older, shorter file"])
def test_other_file_with_the_same_name_is_never_overwritten(
    ftp_server: FtpServer, case_file: Path, other: bytes
) -> None:
    folder = _dir(ftp_server)
    existing = ftp_server.root / folder / case_file.name
    existing.write_bytes(other)
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(ftp_server.url(folder)),
                    password=ftp_server.password)
    err = info.value
    assert err.retryable is False and err.reason == "remote_conflict"
    assert f"det finns redan en annan fil som heter {case_file.name}" in str(err)
    assert "den skrevs inte över och ingenting skickades" in str(err)
    assert existing.read_bytes() == other
    assert listing(ftp_server.root / folder) == [case_file.name]


def test_stale_part_file_from_an_earlier_attempt_is_replaced(
    ftp_server: FtpServer, case_file: Path
) -> None:
    folder = _dir(ftp_server)
    (ftp_server.root / folder / part_name(case_file.name)).write_bytes(b"half a fi")
    upload_file(case_file, parse_upload_url(ftp_server.url(folder)), password=ftp_server.password)
    assert listing(ftp_server.root / folder) == [case_file.name]
    assert (ftp_server.root / folder / case_file.name).read_bytes() == CONTENT


def test_wrong_password_is_not_retryable_and_never_shown(
    ftp_server: FtpServer, case_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _dir(ftp_server)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(ftp_server.url(folder)), password="Fel-Lösen-77")
    err = info.value
    assert err.retryable is False and err.reason == "auth"
    assert f"FTP-servern 127.0.0.1:{ftp_server.port}" in str(err)
    assert "servern nekade inloggning för användaren 'inkasso'" in str(err)
    assert "Fel-Lösen-77" not in error_chain_text(err)
    assert "Fel-Lösen-77" not in caplog.text
    assert listing(ftp_server.root / folder) == []


def test_server_down_is_retryable(case_file: Path) -> None:
    port = refused_port()
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(f"ftp://u@127.0.0.1:{port}/in"), password="x")
    err = info.value
    assert err.retryable is True and err.reason == "unreachable"
    assert f"FTP-servern 127.0.0.1:{port} (vid anslutningen)" in str(err)
    assert "anslutningen nekades" in str(err)
    assert str(err).endswith("; nytt försök görs senare")


def test_server_that_does_not_answer_times_out_retryable(case_file: Path) -> None:
    with silent_server() as port, pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(f"ftp://u@127.0.0.1:{port}/"),
                    password="x", timeout=0.3)
    err = info.value
    assert err.retryable is True and err.reason == "timeout"
    assert "inget svar inom 0.3 sekunder" in str(err)


def test_missing_remote_directory_is_a_refused_path(ftp_server: FtpServer, case_file: Path) -> None:
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(ftp_server.url("finns/inte")),
                    password=ftp_server.password)
    err = info.value
    assert err.retryable is False and err.reason == "remote_path"
    assert "mappen 'finns/inte' på servern finns inte eller får inte användas" in str(err)


def test_missing_local_file_fails_before_connecting(tmp_path: Path) -> None:
    target = parse_upload_url(f"ftp://u@127.0.0.1:{refused_port()}/")
    with pytest.raises(UploadError) as info:
        upload_file(tmp_path / "saknas.txt", target, password="x")
    err = info.value
    assert err.retryable is False and err.reason == "local_file"
    assert f"{tmp_path / 'saknas.txt'}: den lokala filen finns inte; ingenting skickades" == str(err)


def test_unusable_remote_name_is_refused(ftp_server: FtpServer, case_file: Path) -> None:
    with pytest.raises(UploadError, match="kan inte vara ett filnamn på servern"):
        upload_file(case_file, parse_upload_url(ftp_server.url()), password=ftp_server.password,
                    remote_name="../x.txt")


def _size_plus_one_for_part_files(self, path: str) -> None:  # type: ignore[no-untyped-def]
    """A server whose SIZE misreports part files: as if the transfer was cut short."""
    if Path(path).name.endswith(".part"):
        self.respond(f"213 {Path(path).stat().st_size + 1}")
    else:
        type(self).__mro__[1].ftp_SIZE(self, path)


def test_size_mismatch_after_sending_removes_the_part_file(
    tmp_path: Path, case_file: Path
) -> None:
    server = start_ftp_server(tmp_path / "root", ftp_SIZE=_size_plus_one_for_part_files)
    try:
        with pytest.raises(UploadError) as info:
            upload_file(case_file, parse_upload_url(server.url()), password=server.password)
    finally:
        server.stop()
    err = info.value
    assert err.retryable is True and err.reason == "remote_error"
    assert f"är {len(CONTENT) + 1} byte på servern efter sändningen" in str(err)
    assert "den ofullständiga filen togs bort" in str(err)
    assert listing(server.root) == []


def _no_size_command(self, path: str) -> None:  # type: ignore[no-untyped-def]
    self.respond("502 Command not implemented.")


def test_server_without_size_is_checked_with_mlst(tmp_path: Path, case_file: Path) -> None:
    server = start_ftp_server(tmp_path / "root", ftp_SIZE=_no_size_command)
    try:
        target = parse_upload_url(server.url())
        first = upload_file(case_file, target, password=server.password)
        second = upload_file(case_file, target, password=server.password)
    finally:
        server.stop()
    assert (first.already_delivered, second.already_delivered) == (False, True)
    assert (server.root / case_file.name).read_bytes() == CONTENT


# --- FTPS --------------------------------------------------------------------------------------


def test_ftps_upload_with_protected_data_channel(ftps_server: FtpServer, case_file: Path) -> None:
    """The server requires TLS on control and data channel, so arriving proves both."""
    folder = _dir(ftps_server)
    target = parse_upload_url(ftps_server.url(folder))
    assert ftps_server.cert is not None
    receipt = upload_file(case_file, target, password=ftps_server.password,
                          ca_file=ftps_server.cert.cert)
    again = upload_file(case_file, target, password=ftps_server.password,
                        ca_file=ftps_server.cert.cert)
    assert (ftps_server.root / folder / case_file.name).read_bytes() == CONTENT
    assert listing(ftps_server.root / folder) == [case_file.name]
    assert (receipt.already_delivered, again.already_delivered) == (False, True)


def test_ftps_untrusted_certificate_is_refused(ftps_server: FtpServer, case_file: Path) -> None:
    folder = _dir(ftps_server)
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(ftps_server.url(folder)),
                    password=ftps_server.password)
    err = info.value
    assert err.retryable is False and err.reason == "tls"
    assert "serverns TLS-certifikat är inte betrott" in str(err)
    assert "collection.upload_ca_file" in str(err)
    assert listing(ftps_server.root / folder) == []


def test_plain_ftp_to_a_tls_only_server_suggests_ftps(ftps_server: FtpServer, case_file: Path) -> None:
    folder = _dir(ftps_server)
    url = ftps_server.url(folder).replace("ftps://", "ftp://")
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(url), password=ftps_server.password)
    err = info.value
    assert err.retryable is False and err.reason == "auth"
    assert "använd då ftps://" in str(err)


def test_ftps_against_a_server_without_tls(ftp_server: FtpServer, case_file: Path,
                                           tls_cert: TlsCert) -> None:
    url = ftp_server.url().replace("ftp://", "ftps://")
    with pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(url), password=ftp_server.password,
                    ca_file=tls_cert.cert)
    err = info.value
    assert err.retryable is False and err.reason == "tls"
    assert "servern erbjuder inte explicit TLS (AUTH TLS)" in str(err)


def test_transport_imports_neither_textual_nor_peewee() -> None:
    code = (
        "import sys, tui_inkasso.transport.upload, tui_inkasso.transport.mail, "
        "tui_inkasso.transport.credentials, tui_inkasso.transport.backoff;"
        "bad = {'textual', 'peewee'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
