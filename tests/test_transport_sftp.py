"""SFTP delivery and host-key trust against a real OpenSSH sshd on 127.0.0.1."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import paramiko
import pytest

from tests import fixtures_servers as fx
from tests.servers import (
    SshdServer,
    error_chain_text,
    listing,
    make_ssh_key,
    refused_port,
    silent_server,
    ssh_fingerprint,
)
from tui_inkasso.transport.errors import ChangedHostKeyError, UnknownHostKeyError, UploadError
from tui_inkasso.transport.hostkeys import (
    default_known_hosts,
    fetch_host_key,
    host_id,
    trust_host,
)
from tui_inkasso.transport.upload import part_name, upload_file
from tui_inkasso.transport.upload_url import UploadTarget, parse_upload_url

sshd_server = fx.sshd_server

CONTENT = ("Inkassoärende;Hyresgäst Åsa Öberg;1234,50\r\n" * 2000).encode("utf-8")


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "svea_20260115_0001.txt"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def known_hosts(tmp_path: Path, sshd_server: SshdServer) -> Path:
    """A known_hosts that trusts the test server (through the public API)."""
    path = tmp_path / "config" / "known_hosts"
    trust_host(parse_upload_url(sshd_server.url()), path)
    return path


def _target(server: SshdServer) -> tuple[UploadTarget, Path]:
    folder = fx.fresh_dir(server.home)
    return parse_upload_url(server.url(folder)), server.home / folder


def test_key_login_upload_arrives_under_its_final_name(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    target, remote = _target(sshd_server)
    receipt = upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                          known_hosts=known_hosts)
    assert listing(remote) == [case_file.name]
    assert (remote / case_file.name).read_bytes() == CONTENT
    assert receipt.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert receipt.size == len(CONTENT) and receipt.already_delivered is False
    assert receipt.remote_path == f"{target.directory}/{case_file.name}"


def test_second_upload_sends_nothing(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    target, remote = _target(sshd_server)
    upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                known_hosts=known_hosts)
    before = (remote / case_file.name).stat()
    receipt = upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                          known_hosts=known_hosts)
    after = (remote / case_file.name).stat()
    assert receipt.already_delivered is True
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_absolute_remote_directory(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    remote = sshd_server.home / fx.fresh_dir(sshd_server.home)
    target = parse_upload_url(sshd_server.url("/" + str(remote).lstrip("/")))
    assert target.directory == str(remote)
    upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                known_hosts=known_hosts)
    assert listing(remote) == [case_file.name]


def test_other_file_with_the_same_name_is_never_overwritten(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    target, remote = _target(sshd_server)
    (remote / case_file.name).write_bytes(b"y" * len(CONTENT))
    with pytest.raises(UploadError) as info:
        upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                    known_hosts=known_hosts)
    err = info.value
    assert err.retryable is False and err.reason == "remote_conflict"
    assert "samma storlek men annat innehåll" in str(err)
    assert (remote / case_file.name).read_bytes() == b"y" * len(CONTENT)
    assert listing(remote) == [case_file.name]


def test_stale_part_file_is_replaced(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    target, remote = _target(sshd_server)
    (remote / part_name(case_file.name)).write_bytes(b"partial")
    upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                known_hosts=known_hosts)
    assert listing(remote) == [case_file.name]
    assert (remote / case_file.name).read_bytes() == CONTENT


def test_wrong_password_is_not_retryable_and_never_shown(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    target, remote = _target(sshd_server)
    with pytest.raises(UploadError) as info:
        upload_file(case_file, target, password="Fel-Lösen-88", known_hosts=known_hosts)
    err = info.value
    assert err.retryable is False and err.reason == "auth"
    assert f"inloggningen nekades: lösenordet godtogs inte för användaren '{sshd_server.user}'" \
        in str(err)
    assert "Fel-Lösen-88" not in error_chain_text(err)
    assert "Fel-Lösen-88" not in caplog.text
    assert listing(remote) == []


def test_key_the_server_does_not_know_is_refused(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path, tmp_path: Path
) -> None:
    stranger = make_ssh_key(tmp_path / "keys" / "id_stranger")
    target, remote = _target(sshd_server)
    with pytest.raises(UploadError) as info:
        upload_file(case_file, target, password=None, key_file=stranger, known_hosts=known_hosts)
    assert info.value.reason == "auth" and info.value.retryable is False
    assert "nyckeln godtogs inte" in str(info.value)
    assert listing(remote) == []


def test_key_file_readable_by_others_is_refused(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path, tmp_path: Path
) -> None:
    key = make_ssh_key(tmp_path / "keys" / "id_open")
    key.chmod(0o644)
    with pytest.raises(UploadError, match="rättigheterna 0644, så andra kan läsa den") as info:
        upload_file(case_file, _target(sshd_server)[0], password=None, key_file=key,
                    known_hosts=known_hosts)
    assert info.value.reason == "config"


def test_missing_remote_directory_is_a_refused_path(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path
) -> None:
    target = parse_upload_url(sshd_server.url("finns/inte"))
    with pytest.raises(UploadError) as info:
        upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                    known_hosts=known_hosts)
    err = info.value
    assert err.retryable is False and err.reason == "remote_path"
    assert "mappen 'finns/inte' på servern finns inte eller får inte användas" in str(err)


def test_server_down_is_retryable(case_file: Path, tmp_path: Path) -> None:
    port = refused_port()
    target = parse_upload_url(f"sftp://u@127.0.0.1:{port}/in")
    with pytest.raises(UploadError) as info:
        upload_file(case_file, target, password="x", known_hosts=tmp_path / "kh")
    err = info.value
    assert err.retryable is True and err.reason == "unreachable"
    assert f"SFTP-servern 127.0.0.1:{port}: anslutningen nekades" in str(err)


def test_server_that_does_not_speak_ssh_times_out_retryable(case_file: Path, tmp_path: Path) -> None:
    with silent_server() as port, pytest.raises(UploadError) as info:
        upload_file(case_file, parse_upload_url(f"sftp://u@127.0.0.1:{port}/"), password="x",
                    known_hosts=tmp_path / "kh", timeout=0.3)
    err = info.value
    assert err.retryable is True and err.reason == "timeout"
    assert f"SFTP-servern 127.0.0.1:{port}: inget SSH-handslag inom 0.3 sekunder" in str(err)


def test_missing_local_file(sshd_server: SshdServer, known_hosts: Path, tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="den lokala filen finns inte") as info:
        upload_file(tmp_path / "saknas.txt", _target(sshd_server)[0], password=None,
                    key_file=sshd_server.user_key, known_hosts=known_hosts)
    assert info.value.retryable is False


# --- host keys ---------------------------------------------------------------------------------


def test_fingerprint_matches_ssh_keygen(sshd_server: SshdServer) -> None:
    key = fetch_host_key(parse_upload_url(sshd_server.url()))
    assert key.keytype == "ssh-ed25519"
    assert key.fingerprint == ssh_fingerprint(sshd_server.host_key)


def test_unknown_host_is_refused_with_fingerprint_and_command(
    sshd_server: SshdServer, case_file: Path, tmp_path: Path
) -> None:
    target, remote = _target(sshd_server)
    with pytest.raises(UnknownHostKeyError) as info:
        upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                    known_hosts=tmp_path / "empty_known_hosts")
    err = info.value
    assert err.retryable is False and err.reason == "host_key_unknown"
    assert ssh_fingerprint(sshd_server.host_key) in str(err)
    assert f"tui-inkasso trust-host {target.url}" in str(err)
    assert f"SFTP-servern {host_id(target)} är okänd" in str(err)
    assert "Ingenting skickades" in str(err)
    assert listing(remote) == []
    assert not (tmp_path / "empty_known_hosts").exists(), "never added automatically"


def test_changed_host_key_is_refused_showing_both_fingerprints(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path, tmp_path: Path
) -> None:
    original = sshd_server.host_key
    impostor = make_ssh_key(tmp_path / "keys" / "impostor_host_key")
    target, remote = _target(sshd_server)
    sshd_server.restart(host_key=impostor)
    try:
        with pytest.raises(ChangedHostKeyError) as info:
            upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                        known_hosts=known_hosts)
        after = known_hosts.read_text()
    finally:
        sshd_server.restart(host_key=original)
    err = info.value
    message = str(err)
    assert err.retryable is False and err.reason == "host_key_changed"
    assert "har BYTT värdnyckel" in message and "avlyssna" in message
    assert ssh_fingerprint(original) in message
    assert ssh_fingerprint(impostor) in message
    assert err.known == [("ssh-ed25519", ssh_fingerprint(original))]
    assert f"tui-inkasso trust-host {target.url}" in message
    assert listing(remote) == []
    assert ssh_fingerprint(impostor) not in after


@pytest.fixture(scope="module")
def rsa_host_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ssh_key(tmp_path_factory.mktemp("rsa") / "ssh_host_rsa_key", "rsa")


def test_key_of_another_type_counts_as_changed(
    sshd_server: SshdServer, known_hosts: Path, case_file: Path, rsa_host_key: Path
) -> None:
    original = sshd_server.host_key
    sshd_server.restart(host_key=rsa_host_key)
    try:
        with pytest.raises(ChangedHostKeyError) as info:
            upload_file(case_file, _target(sshd_server)[0], password=None,
                        key_file=sshd_server.user_key, known_hosts=known_hosts)
    finally:
        sshd_server.restart(host_key=original)
    assert info.value.keytype == "ssh-rsa"
    assert info.value.fingerprint == ssh_fingerprint(rsa_host_key)


def test_server_with_several_keys_is_asked_for_the_trusted_type(
    sshd_server: SshdServer, case_file: Path, tmp_path: Path, rsa_host_key: Path
) -> None:
    """Only the RSA key is trusted; the server also has ed25519, which paramiko would prefer."""
    original = sshd_server.host_key
    target, remote = _target(sshd_server)
    public = rsa_host_key.with_name(rsa_host_key.name + ".pub").read_text().split()
    path = tmp_path / "known_hosts"
    path.write_text(f"{host_id(target)} {public[0]} {public[1]}\n")
    sshd_server.restart(host_key=original, extra_host_keys=[rsa_host_key])
    try:
        upload_file(case_file, target, password=None, key_file=sshd_server.user_key,
                    known_hosts=path)
    finally:
        sshd_server.restart(host_key=original)
    assert listing(remote) == [case_file.name]


def test_trust_host_replaces_only_this_hosts_entry(
    sshd_server: SshdServer, tmp_path: Path
) -> None:
    target = parse_upload_url(sshd_server.url())
    name = host_id(target)
    other = make_ssh_key(tmp_path / "keys" / "other")
    other_line = "other.example.se " + " ".join(
        other.with_name("other.pub").read_text().split()[:2])
    stale = paramiko.Ed25519Key.from_path(make_ssh_key(tmp_path / "keys" / "stale"))
    hashed = paramiko.HostKeys.hash_host(name)
    path = tmp_path / "known_hosts"
    path.write_text(
        "# kept comment\n"
        f"{other_line}\n"
        f"{hashed} ssh-ed25519 {stale.get_base64()}\n"
        f"{name},alias.example.se ssh-ed25519 {stale.get_base64()}\n"
    )
    found = trust_host(target, path)
    lines = path.read_text().splitlines()
    assert found.fingerprint == ssh_fingerprint(sshd_server.host_key)
    assert lines[0] == "# kept comment"
    assert lines[1] == other_line
    assert lines[2] == f"alias.example.se ssh-ed25519 {stale.get_base64()}"
    assert lines[3].startswith(f"{name} ssh-ed25519 ")
    assert len(lines) == 4
    assert (path.stat().st_mode & 0o777) == 0o600


def test_hashed_known_hosts_entry_is_honoured(
    sshd_server: SshdServer, case_file: Path, tmp_path: Path
) -> None:
    target, remote = _target(sshd_server)
    public = sshd_server.host_key.with_name(sshd_server.host_key.name + ".pub").read_text().split()
    path = tmp_path / "known_hosts"
    path.write_text(f"{paramiko.HostKeys.hash_host(host_id(target))} {public[0]} {public[1]}\n")
    upload_file(case_file, target, password=None, key_file=sshd_server.user_key, known_hosts=path)
    assert listing(remote) == [case_file.name]


def test_trust_host_refuses_a_key_other_than_the_confirmed_one(
    sshd_server: SshdServer, tmp_path: Path
) -> None:
    path = tmp_path / "known_hosts"
    with pytest.raises(ChangedHostKeyError, match="ingen nyckel betroddes"):
        trust_host(parse_upload_url(sshd_server.url()), path,
                   expected_fingerprint="SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert not path.exists()


def test_trust_host_needs_an_sftp_url(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bara sftp://-servrar har värdnycklar"):
        trust_host(parse_upload_url("ftp://h.se"), tmp_path / "kh")


def test_trust_host_when_the_server_is_down(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="anslutningen nekades") as info:
        trust_host(parse_upload_url(f"sftp://127.0.0.1:{refused_port()}"), tmp_path / "kh")
    assert info.value.retryable is True


def test_default_known_hosts_lives_in_the_config_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_known_hosts() == tmp_path / "tui-inkasso" / "known_hosts"
