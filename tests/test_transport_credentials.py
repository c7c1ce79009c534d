"""The upload password: from the environment or an owner-only file, never echoed in errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui_inkasso.transport.credentials import (
    ENV_UPLOAD_PASSWORD,
    CredentialError,
    upload_password,
)

SECRET = "Sommar2026!åäö"


def _file(tmp_path: Path, mode: int, content: str = SECRET + "\n") -> Path:
    path = tmp_path / "upload.pw"
    path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600, "from-file\n")
    assert upload_password(path, environ={ENV_UPLOAD_PASSWORD: "from-env"}) == "from-env"


def test_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600)
    assert upload_password(path, environ={ENV_UPLOAD_PASSWORD: ""}) == SECRET


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_UPLOAD_PASSWORD, "env-pw")
    assert upload_password(None) == "env-pw"


def test_nothing_configured_means_no_password() -> None:
    assert upload_password(None, environ={}) is None
    assert upload_password("", environ={}) is None


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_owner_only_file_gives_its_first_line(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, mode, SECRET + "\r\nsecond line ignored\n")
    assert upload_password(str(path), environ={}) == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_file_readable_by_others_is_refused_with_its_mode(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, mode)
    with pytest.raises(CredentialError) as info:
        upload_password(path, environ={})
    message = str(info.value)
    assert str(path) in message
    assert f"rättigheterna {mode:04o}" in message
    assert "chmod 600" in message
    assert SECRET not in message


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_file_of_another_user_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600)
    os.chown(path, 65534, 65534)
    with pytest.raises(CredentialError, match="ägs av användar-id 65534") as info:
        upload_password(path, environ={})
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match=r"upload.pw: lösenordsfilen finns inte"):
        upload_password(tmp_path / "upload.pw", environ={})


def test_symbolic_link_is_refused(tmp_path: Path) -> None:
    real = _file(tmp_path, 0o600)
    link = tmp_path / "link.pw"
    link.symlink_to(real)
    with pytest.raises(CredentialError, match="symbolisk länk godtas inte"):
        upload_password(link, environ={})


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600, "\n")
    with pytest.raises(CredentialError, match="lösenordsfilen är tom"):
        upload_password(path, environ={})


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir(mode=0o700)
    with pytest.raises(CredentialError, match="lösenordsfilen är ingen vanlig fil"):
        upload_password(folder, environ={})
