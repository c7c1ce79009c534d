"""Where the upload password comes from: the environment or an owner-only file, never the database.

The database and its backups are read by many (support staff, reporting tools), so a password
stored there is a password shared with all of them. The daemon gets it from its environment
(a systemd ``EnvironmentFile`` or credential), or from a file that only its owner can read, as
OpenSSH insists for private keys. The password's text never appears in an exception or a log line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

ENV_UPLOAD_PASSWORD = "TUI_INKASSO_UPLOAD_PASSWORD"


class CredentialError(ValueError):
    """The password file cannot be used; the message names the file and the reason."""


def upload_password(
    password_file: str | os.PathLike[str] | None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Return the upload password, or None when none is configured (key or anonymous login).

    The environment variable wins over the file: an operator can override a file for one run
    without editing settings. An empty variable counts as unset.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(ENV_UPLOAD_PASSWORD)
    if from_env:
        return from_env
    if password_file is None or str(password_file) == "":
        return None
    return read_password_file(password_file)


def read_password_file(path: str | os.PathLike[str]) -> str:
    """Read the first line of an owner-only file (mode 0600 or 0400, owned by this user)."""
    file = Path(path)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise CredentialError(f"{file}: lösenordsfilen finns inte") from None
    except OSError as exc:
        raise CredentialError(
            f"{file}: lösenordsfilen kan inte öppnas (en symbolisk länk godtas inte): "
            f"{exc.strerror}"
        ) from None
    try:
        _check_file(file, os.fstat(fd))
        raw = os.read(fd, 4097)
    finally:
        os.close(fd)
    return _first_line(file, raw)


def _check_file(file: Path, st: os.stat_result) -> None:
    """Checked on the opened descriptor, so the file cannot be swapped between check and read."""
    if not stat.S_ISREG(st.st_mode):
        raise CredentialError(f"{file}: lösenordsfilen är ingen vanlig fil")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise CredentialError(
            f"{file}: lösenordsfilen har rättigheterna {mode:04o}, så andra kan läsa den; den "
            f"måste ha 0600 eller 0400 (bara ägaren får läsa den): kör chmod 600 {file}"
        )
    uid = os.geteuid()
    if st.st_uid != uid:
        raise CredentialError(
            f"{file}: lösenordsfilen ägs av användar-id {st.st_uid}, inte av användaren som "
            f"kör tui-inkasso (id {uid}): kör chown {uid} {file}"
        )


def _first_line(file: Path, raw: bytes) -> str:
    """The password is the first line, without its line ending (editors add one)."""
    if len(raw) > 4096:
        raise CredentialError(f"{file}: lösenordsfilen är större än 4096 byte")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialError(f"{file}: lösenordsfilen är inte UTF-8-text") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise CredentialError(f"{file}: lösenordsfilen är tom (första raden är lösenordet)")
    return line
