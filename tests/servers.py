"""Real servers on 127.0.0.1 for tests: FTP/FTPS (pyftpdlib), SFTP (OpenSSH sshd), SMTP (aiosmtpd).

Plain helpers, no pytest inside, so any test module (or a benchmark) can start what it needs;
``tests/fixtures_servers.py`` wraps them as fixtures. Every server listens on a free port and
stops cleanly, so test processes running in parallel (pytest-xdist) never collide.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import ipaddress
import logging
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refused_port() -> int:
    """A port where connecting is refused: a freshly freed one with no listener."""
    return free_port()


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel does) but never says a word: a hung server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        yield int(sock.getsockname()[1])


def wait_for_banner(port: int, prefix: bytes, timeout: float = 5.0) -> None:
    """Wait until a server on ``port`` greets with ``prefix`` (it is then really serving)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(256).startswith(prefix):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.01)
    raise RuntimeError(f"no server greeting on 127.0.0.1:{port} within {timeout} s: {last}")


def _quiet_logger(name: str) -> None:
    """Servers' chatter stays out of test output (pyftpdlib installs a stderr handler otherwise)."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.setLevel(logging.ERROR)


def listing(folder: Path) -> list[str]:
    """Sorted names in a server-side folder: what the agency would see."""
    return sorted(p.name for p in folder.iterdir())


def error_chain_text(exc: BaseException) -> str:
    """Messages and args of an error and every exception chained to it, as a log would show."""
    texts: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        texts.append("".join(traceback.format_exception_only(current)))
        texts.append(repr(current.args))
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


# --- TLS certificate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsCert:
    """A throwaway self-signed certificate; ``cert`` doubles as the CA file clients trust."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_tls_cert(directory: Path, name: str = "server") -> TlsCert:
    """Self-signed certificate for 127.0.0.1 and localhost (a SAN, so hostname checks pass)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return TlsCert(cert_path, key_path)


# --- FTP and FTPS (pyftpdlib) ------------------------------------------------------------------


@dataclass
class FtpServer:
    """A running pyftpdlib server; ``root`` is the user's home on disk."""

    port: int
    root: Path
    user: str
    password: str
    tls: bool
    cert: TlsCert | None
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stop: threading.Event = field(repr=False)
    host: str = "127.0.0.1"

    def url(self, directory: str = "") -> str:
        scheme = "ftps" if self.tls else "ftp"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{directory}"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def start_ftp_server(
    root: Path,
    *,
    user: str = "inkasso",
    password: str = "rätt-lösen-123",
    cert: TlsCert | None = None,
    **handler_overrides: Any,
) -> FtpServer:
    """FTP (or FTPS with explicit TLS required on control and data channel when ``cert``).

    ``handler_overrides`` become attributes of the handler class, e.g. ``ftp_SIZE=...`` to play
    a server that lacks a command or misreports sizes.
    """
    with warnings.catch_warnings():  # pyftpdlib still imports asyncore/asynchat on 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler
        from pyftpdlib.ioloop import IOLoop
        from pyftpdlib.servers import FTPServer

    _quiet_logger("pyftpdlib")
    root.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, str(root), perm="elradfmwMT")
    attrs: dict[str, Any] = {"authorizer": authorizer, "auth_failed_timeout": 0.01}
    base: type = FTPHandler
    if cert is not None:
        from pyftpdlib.handlers import TLS_FTPHandler

        base = TLS_FTPHandler
        attrs |= {
            "certfile": str(cert.cert),
            "keyfile": str(cert.key),
            "ssl_context": None,
            "tls_control_required": True,
            "tls_data_required": True,
        }
    attrs |= handler_overrides
    # A subclass per server: pyftpdlib keeps its settings on the handler class.
    handler = type("TestHandler", (base,), attrs)
    # An IOLoop of its own: the default is one process-wide loop, shared (and closed) by all.
    server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
    port = server.socket.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.ioloop.loop(timeout=0.05, blocking=False)
        server.close_all()

    thread = threading.Thread(target=serve, name=f"ftpd-{port}", daemon=True)
    thread.start()
    return FtpServer(port, root, user, password, cert is not None, cert, server, thread, stop)


# --- SFTP (OpenSSH sshd) -----------------------------------------------------------------------


def sshd_path() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    return next((p for p in SSHD_CANDIDATES if os.access(p, os.X_OK)), None)


def sshd_missing_reason() -> str | None:
    """Why SFTP tests cannot run here, or None when they can."""
    if sshd_path() is None:
        return "OpenSSH sshd not installed (apt-get install openssh-server; .ci/run does it)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen not installed"
    if not Path("/run/sshd").is_dir():
        if os.geteuid() != 0:
            return "sshd needs /run/sshd (its privilege-separation directory) and we are not root"
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    return None


def make_ssh_key(path: Path, keytype: str = "ed25519") -> Path:
    """A new key pair without passphrase at ``path`` (+ ``.pub``); returns the private key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".pub")):
        stale.unlink(missing_ok=True)
    bits = ["-b", "2048"] if keytype == "rsa" else []
    subprocess.run(
        ["ssh-keygen", "-q", "-t", keytype, *bits, "-N", "", "-C", "test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def ssh_fingerprint(key: Path) -> str:
    """What ``ssh-keygen -lf`` says: the independent reference for our fingerprints."""
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(key)],
        check=True, capture_output=True, text=True,
    ).stdout
    return out.split()[1]


def _openssh_version() -> tuple[int, int]:
    path = sshd_path() or "sshd"
    result = subprocess.run([path, "-V"], capture_output=True, text=True)
    match = re.search(r"OpenSSH_(\d+)\.(\d+)", result.stdout + result.stderr)
    return (int(match[1]), int(match[2])) if match else (0, 0)


@dataclass
class SshdServer:
    """A running ``sshd -D -e`` with its own config; SFTP sessions start in ``home``."""

    port: int
    workdir: Path
    home: Path
    host_key: Path
    user_key: Path
    user: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    extra_host_keys: list[Path] = field(default_factory=list)
    """Further host keys (other types), as real servers often have several."""

    def url(self, directory: str = "") -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}/{directory}"

    def log(self) -> str:
        return (self.workdir / "sshd.log").read_text(errors="replace")

    def start(self) -> None:
        config = self.workdir / "sshd_config"
        config.write_text(_sshd_config(self))
        log = (self.workdir / "sshd.log").open("ab")
        self.process = subprocess.Popen(
            [sshd_path() or "sshd", "-D", "-e", "-f", str(config)],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            wait_for_banner(self.port, b"SSH-2.0-")
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"sshd did not start:\n{self.log()}") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)
        self.process = None

    def restart(
        self, host_key: Path | None = None, extra_host_keys: list[Path] | None = None
    ) -> None:
        """Restart on the same port, e.g. with another host key (the "changed key" case)."""
        self.stop()
        if host_key is not None:
            self.host_key = host_key
        self.extra_host_keys = list(extra_host_keys or [])
        self.start()


def _sshd_config(server: SshdServer) -> str:
    lines = [
        f"Port {server.port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {server.host_key}",
        *(f"HostKey {key}" for key in server.extra_host_keys),
        f"PidFile {server.workdir / 'sshd.pid'}",
        f"AuthorizedKeysFile {server.workdir / 'authorized_keys'}",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin yes",
        "PubkeyAuthentication yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "MaxAuthTries 10",
        "LogLevel VERBOSE",
        f"Subsystem sftp internal-sftp -d {server.home}",
    ]
    if _openssh_version() >= (9, 8):
        lines.append("PerSourcePenalties no")  # repeated failures from 127.0.0.1 are the point
    return "\n".join(lines) + "\n"


def start_sshd(
    workdir: Path, *, host_key: Path | None = None, user_key: Path | None = None
) -> SshdServer:
    """sshd on a free port, a throwaway host key, key login for the current user."""
    reason = sshd_missing_reason()
    if reason:
        raise RuntimeError(f"cannot start sshd: {reason}")
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    host_key = host_key or make_ssh_key(workdir / "ssh_host_ed25519_key")
    user_key = user_key or make_ssh_key(workdir / "id_ed25519")
    shutil.copyfile(user_key.with_name(user_key.name + ".pub"), workdir / "authorized_keys")
    server = SshdServer(free_port(), workdir, home, host_key, user_key, getpass.getuser())
    server.start()
    return server


# --- SMTP (aiosmtpd) ---------------------------------------------------------------------------


@dataclass
class SmtpServer:
    """A running aiosmtpd; ``messages`` holds each accepted envelope (``.content`` is bytes)."""

    port: int
    messages: list[Any]
    cert: TlsCert | None
    _controller: Any = field(repr=False)
    host: str = "127.0.0.1"

    def stop(self) -> None:
        self._controller.stop()


class _Capture:
    """Keeps every message; refuses recipients whose address starts with "refuse"."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def start_smtp_server(
    *, cert: TlsCert | None = None, users: dict[str, str] | None = None
) -> SmtpServer:
    """Plain SMTP, or with ``cert`` STARTTLS required (and AUTH for ``users``, only after TLS)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    _quiet_logger("mail.log")  # aiosmtpd warns about its own deprecated login_data on each AUTH
    handler = _Capture()
    kwargs: dict[str, Any] = {}
    if cert is not None:
        kwargs |= {"tls_context": cert.server_context(), "require_starttls": True}
    if users is not None:
        accounts = {u.encode(): p.encode() for u, p in users.items()}

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                          auth_data: Any) -> AuthResult:
            ok = accounts.get(auth_data.login) == auth_data.password
            return AuthResult(success=ok, handled=False)

        kwargs |= {"authenticator": authenticator, "auth_require_tls": True}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return SmtpServer(controller.port, handler.messages, cert, controller)
