"""pytest fixtures for the real test servers in ``tests/servers.py``.

Not a plugin and not in conftest.py: a test module that needs a server binds the fixture to a
module-level name, which pytest then finds::

    from tests import fixtures_servers as fx

    ftp_server = fx.ftp_server

Servers are module-scoped (started once per test module, in well under a second); tests keep
apart by using a fresh remote directory each (``fresh_dir``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import (
    FtpServer,
    SmtpServer,
    SshdServer,
    TlsCert,
    make_tls_cert,
    sshd_missing_reason,
    start_ftp_server,
    start_smtp_server,
    start_sshd,
)

SMTP_USER = "robot@example.se"
SMTP_PASSWORD = "smtp-lösen-åäö"
SMTP_ASCII_USER = "ascii@example.se"
SMTP_ASCII_PASSWORD = "plain-ascii-pw"

_counter = itertools.count()


def fresh_dir(root: Path) -> str:
    """Create and return a new, empty directory name below a server's root."""
    name = f"t{next(_counter)}"
    (root / name).mkdir()
    return name


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    return make_tls_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def ftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FtpServer]:
    server = start_ftp_server(tmp_path_factory.mktemp("ftp-root"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ftps_server(tmp_path_factory: pytest.TempPathFactory, tls_cert: TlsCert) -> Iterator[FtpServer]:
    server = start_ftp_server(tmp_path_factory.mktemp("ftps-root"), cert=tls_cert)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    reason = sshd_missing_reason()
    if reason:
        pytest.skip(f"SFTP tests skipped: {reason}")
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    server = start_smtp_server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp_tls_server(tls_cert: TlsCert) -> Iterator[SmtpServer]:
    """STARTTLS required, AUTH only after TLS; users SMTP_USER (non-ASCII password), SMTP_ASCII_USER."""
    users = {SMTP_USER: SMTP_PASSWORD, SMTP_ASCII_USER: SMTP_ASCII_PASSWORD}
    server = start_smtp_server(cert=tls_cert, users=users)
    yield server
    server.stop()
