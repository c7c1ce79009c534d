"""Deliver one file to the collection agency by FTP, FTPS (explicit TLS) or SFTP.

The agency's systems pick up whatever appears in the directory, so a half-written file must never
carry the final name: the file goes up as ``.NAME.part``, its size on the server is checked, and
only then is it renamed. Delivery is idempotent: when a file of the same name is already there
with the same content, an earlier attempt got through (perhaps the answer was lost) and nothing
is sent again; one with other content is never overwritten. Every failure is an
:class:`UploadError` that says what went wrong on which server and whether trying again later can
help (``retryable``), so the outbox can back off or call a person.
"""

from __future__ import annotations

import ftplib
import getpass
import hashlib
import logging
import os
import re
import socket
import ssl
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import paramiko

from tui_inkasso.fileio import file_digest
from tui_inkasso.transport.errors import UploadError, connection_failure
from tui_inkasso.transport.hostkeys import (
    connect_transport,
    default_known_hosts,
    known_key_types,
    verify_host_key,
)
from tui_inkasso.transport.upload_url import UploadTarget

__all__ = ["UploadError", "UploadReceipt", "part_name", "upload_file"]

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
# After these the connection is gone or hung: removing the part file would only wait for a
# second timeout. The part name is overwritten by the next attempt anyway.
_DEAD_CONNECTION = (TimeoutError, ConnectionError, EOFError, ssl.SSLError, paramiko.SSHException)

# What a session is doing, as staff read it in "... vid {step}" and "servern nekade {step}".
STEP_CONNECT = "anslutningen"
STEP_AUTH_TLS = "starten av TLS (AUTH TLS)"
STEP_LOGIN = "inloggningen"
STEP_PROT_P = "skyddet av datakanalen (PROT P)"
STEP_OPEN_SFTP = "starten av SFTP"
STEP_CHDIR = "bytet till mappen"
"""Followed by the directory; failures in this step name the remote directory."""


@dataclass(frozen=True)
class UploadReceipt:
    """What was delivered, for the outbox record and the user's log."""

    remote_path: str
    size: int
    """Bytes of the file (on the server now, whether sent now or earlier)."""
    sha256: str
    seconds: float
    already_delivered: bool = False
    """True when an identical file was already on the server, so nothing was sent this time."""


@dataclass(frozen=True)
class _LocalFile:
    path: Path
    size: int
    sha256: str


def part_name(name: str) -> str:
    """The temporary remote name: hidden (leading dot) so pick-up jobs ignore it."""
    return f".{name}.part"


def upload_file(
    local_path: str | os.PathLike[str],
    target: UploadTarget,
    *,
    password: str | None,
    key_file: str | os.PathLike[str] | None = None,
    known_hosts: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    remote_name: str | None = None,
    ca_file: str | os.PathLike[str] | None = None,
) -> UploadReceipt:
    """Deliver ``local_path`` into ``target``'s directory under ``remote_name`` (default: its name).

    ``password`` logs in (FTP, SFTP) or unlocks ``key_file`` (SFTP). ``known_hosts`` defaults to
    the file in the user's config directory. ``ca_file`` replaces the system's certificate
    authorities for FTPS (an agency with its own or a self-signed certificate).
    """
    local = _read_local(Path(local_path))
    name = _check_name(remote_name if remote_name is not None else local.path.name)
    started = time.monotonic()
    if target.scheme == "sftp":
        kh = Path(known_hosts) if known_hosts is not None else default_known_hosts()
        already = _sftp_upload(local, name, target, password, key_file, kh, timeout)
    else:
        already = _ftp_upload(local, name, target, password, timeout, ca_file)
    receipt = UploadReceipt(
        remote_path=target.remote_path(name),
        size=local.size,
        sha256=local.sha256,
        seconds=round(time.monotonic() - started, 3),
        already_delivered=already,
    )
    log.info(
        "%s %s to %s as %s (%d bytes, %.2f s)",
        "found already delivered" if already else "delivered",
        local.path,
        target.url,
        receipt.remote_path,
        receipt.size,
        receipt.seconds,
    )
    return receipt


def _read_local(path: Path) -> _LocalFile:
    """Hash the file first: a missing local file fails before any connection is made."""
    try:
        digest, size = file_digest(path)
    except FileNotFoundError:
        raise UploadError(
            f"{path}: den lokala filen finns inte; ingenting skickades",
            retryable=False,
            reason="local_file",
        ) from None
    except OSError as exc:
        raise UploadError(
            f"{path}: den lokala filen kan inte läsas: {exc.strerror}; ingenting skickades",
            retryable=False,
            reason="local_file",
        ) from None
    return _LocalFile(path, size, digest)


def _check_name(name: str) -> str:
    if not name or name in (".", "..") or _BAD_NAME.search(name):
        raise UploadError(
            f"{name!r} kan inte vara ett filnamn på servern (tomt, en sökväg eller styrtecken)",
            retryable=False,
            reason="local_file",
        )
    return name


# --- the protocol-neutral delivery steps -------------------------------------------------------


class _Session(Protocol):
    """What delivery needs from a logged-in FTP or SFTP connection, inside the target directory."""

    where: str
    step: str

    def size(self, name: str) -> int | None: ...
    def sha256(self, name: str) -> str | None: ...
    def put(self, path: Path, name: str) -> None: ...
    def rename(self, old: str, new: str) -> None: ...
    def delete(self, name: str) -> None: ...


def _deliver(session: _Session, local: _LocalFile, name: str) -> bool:
    """Send under the part name, check the size, rename. Returns True if it was already there."""
    session.step = f"kontrollen om {name} redan finns"
    if _already_there(session, local, name):
        return True
    part = part_name(name)
    try:
        session.step = f"sändningen av {part}"
        session.put(local.path, part)
        session.step = f"kontrollen av storleken på {part}"
        size = session.size(part)
        if size != local.size:
            raise UploadError(
                f"{session.where}: {part} är {size} byte på servern efter sändningen, men filen "
                f"är {local.size} byte; den ofullständiga filen togs bort, nytt försök görs senare",
                retryable=True,
                reason="remote_error",
            )
        session.step = f"kontrollen om {name} redan finns"
        if _already_there(session, local, name):
            session.delete(part)
            return True
        session.step = f"namnbytet från {part} till {name}"
        session.rename(part, name)
    except BaseException as exc:
        if not isinstance(exc, _DEAD_CONNECTION):
            _quietly(session.delete, part)
        raise
    return False


def _already_there(session: _Session, local: _LocalFile, name: str) -> bool:
    """Same size and content: delivered before. Other content: refuse, never overwrite."""
    size = session.size(name)
    if size is None:
        return False
    if size == local.size:
        remote = session.sha256(name)
        if remote is None:
            log.warning("%s: %s has the same size but cannot be read back; taken as delivered",
                        session.where, name)
            return True
        if remote == local.sha256:
            return True
        detail = "samma storlek men annat innehåll"
    else:
        detail = f"{size} byte, vår är {local.size} byte"
    raise UploadError(
        f"{session.where}: det finns redan en annan fil som heter {name} ({detail}); den skrevs "
        "inte över och ingenting skickades. Fråga inkassobolaget om filen är deras eller en "
        "gammal leverans",
        retryable=False,
        reason="remote_conflict",
    )


def _quietly(action: Callable[[str], None], name: str) -> None:
    """Best-effort clean-up after a failure; the original error is the one that matters."""
    try:
        action(name)
    except Exception as exc:  # clean-up must not hide the real error
        log.debug("clean-up failed: %s", exc)


# --- FTP and FTPS ------------------------------------------------------------------------------


class _ReusingFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS session.

    vsftpd, FileZilla Server and ProFTPD (common at agencies) refuse data connections that do not
    (``522 SSL connection failed: session reuse required``); ftplib does not do it by itself.
    """

    def ntransfercmd(self, cmd: str, rest: int | str | None = None) -> tuple[socket.socket, int | None]:
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:  # type: ignore[attr-defined]  # FTP_TLS's private flag (PROT P), not in typeshed
            session = getattr(self.sock, "session", None)
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=session)
        return conn, size


class _FtpSession:
    def __init__(self, ftp: ftplib.FTP, where: str) -> None:
        self.ftp = ftp
        self.where = where
        self.step = STEP_CONNECT

    def size(self, name: str) -> int | None:
        try:
            return self.ftp.size(name)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return None
            return self._mlst_size(name, exc)

    def _mlst_size(self, name: str, size_error: ftplib.error_perm) -> int | None:
        """Servers without SIZE (RFC 3659) may still have MLST; without both we cannot verify."""
        try:
            reply = self.ftp.sendcmd(f"MLST {name}")
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return None
            raise UploadError(
                f"{self.where}: servern har varken SIZE ({size_error}) eller MLST ({exc}), "
                "så en skickad fil kan inte kontrolleras",
                retryable=False,
                reason="protocol",
            ) from None
        match = re.search(r"(?i)size=(\d+);", reply)
        if match is None:
            raise UploadError(f"{self.where}: MLST gav ingen storlek för {name}: {reply!r}",
                              retryable=False, reason="protocol")
        return int(match[1])

    def sha256(self, name: str) -> str | None:
        digest = hashlib.sha256()
        try:
            self.ftp.retrbinary(f"RETR {name}", digest.update, blocksize=CHUNK)
        except ftplib.error_perm:
            return None
        return digest.hexdigest()

    def put(self, path: Path, name: str) -> None:
        with path.open("rb") as handle:
            self.ftp.storbinary(f"STOR {name}", handle, blocksize=CHUNK)

    def rename(self, old: str, new: str) -> None:
        self.ftp.rename(old, new)

    def delete(self, name: str) -> None:
        self.ftp.delete(name)


def _ftp_upload(
    local: _LocalFile,
    name: str,
    target: UploadTarget,
    password: str | None,
    timeout: float,
    ca_file: str | os.PathLike[str] | None,
) -> bool:
    tls = target.scheme == "ftps"
    where = f"{'FTPS' if tls else 'FTP'}-servern {target.host}:{target.port}"
    ftp: ftplib.FTP
    if tls:
        context = ssl.create_default_context(cafile=None if ca_file is None else str(ca_file))
        ftp = _ReusingFTP_TLS(context=context, timeout=timeout)
    else:
        ftp = ftplib.FTP(timeout=timeout)
    session = _FtpSession(ftp, where)
    try:
        ftp.connect(target.host, target.port, timeout=timeout)
        if isinstance(ftp, ftplib.FTP_TLS):
            session.step = STEP_AUTH_TLS
            ftp.auth()
        session.step = STEP_LOGIN
        ftp.login(target.user or "anonymous", password or "")
        if isinstance(ftp, ftplib.FTP_TLS):
            session.step = STEP_PROT_P
            ftp.prot_p()
        if target.directory:
            session.step = f"{STEP_CHDIR} {target.directory}"
            ftp.cwd(target.directory)
        ftp.voidcmd("TYPE I")
        return _deliver(session, local, name)
    except UploadError:
        raise
    except Exception as exc:
        raise _ftp_failure(exc, session, target, timeout) from exc
    finally:
        _close_ftp(ftp)


def _ftp_failure(
    exc: Exception, session: _FtpSession, target: UploadTarget, timeout: float
) -> UploadError:
    """Classify: 4xx replies and network trouble pass (retry); 5xx replies and TLS do not."""
    where, step = session.where, session.step
    if isinstance(exc, ssl.SSLCertVerificationError):
        return UploadError(
            f"{where}: serverns TLS-certifikat är inte betrott ({exc.verify_message}); "
            "ingenting skickades. Har inkassobolaget ett eget certifikat, ange dess CA-fil "
            "(inställningen collection.upload_ca_file)",
            retryable=False,
            reason="tls",
        )
    if isinstance(exc, ssl.SSLError):
        return UploadError(f"{where}: TLS misslyckades vid {step}: {exc.reason or exc}",
                           retryable=False, reason="tls")
    if isinstance(exc, (OSError, EOFError)):
        return connection_failure(exc, f"{where} (vid {step})", timeout)
    reply = str(exc).strip()
    if isinstance(exc, ftplib.error_temp):
        return UploadError(f"{where}: tillfälligt fel från servern vid {step}: {reply}; "
                           "nytt försök görs senare",
                           retryable=True, reason="remote_error")
    if isinstance(exc, ftplib.error_perm):
        return _ftp_refusal(where, step, reply, target)
    return UploadError(f"{where}: oväntat svar vid {step}: {reply}",
                       retryable=True, reason="protocol")


def _ftp_refusal(where: str, step: str, reply: str, target: UploadTarget) -> UploadError:
    """A 5xx reply: permanent until someone changes the settings or the server."""
    if step == STEP_LOGIN:
        user = target.user or "anonymous"
        hint = " (kräver servern TLS? använd då ftps://)" if "TLS" in reply else ""
        return UploadError(
            f"{where}: servern nekade inloggning för användaren {user!r}: {reply}{hint}",
            retryable=False, reason="auth")
    if step == STEP_AUTH_TLS:
        return UploadError(
            f"{where}: servern erbjuder inte explicit TLS (AUTH TLS): {reply}; ingenting "
            "skickades", retryable=False, reason="tls")
    if step.startswith(STEP_CHDIR):
        return _missing_directory(where, target, reply)
    return UploadError(f"{where}: servern nekade {step}: {reply}",
                       retryable=False, reason="remote_path")


def _missing_directory(where: str, target: UploadTarget, reply: str) -> UploadError:
    return UploadError(
        f"{where}: mappen {target.directory!r} på servern finns inte eller får inte användas: "
        f"{reply}", retryable=False, reason="remote_path")


def _close_ftp(ftp: ftplib.FTP) -> None:
    if ftp.sock is None:
        return
    try:
        ftp.quit()
    except Exception:  # the connection is going away anyway
        ftp.close()


# --- SFTP --------------------------------------------------------------------------------------


class _SftpSession:
    def __init__(self, sftp: paramiko.SFTPClient, where: str) -> None:
        self.sftp = sftp
        self.where = where
        self.step = STEP_OPEN_SFTP

    def size(self, name: str) -> int | None:
        try:
            return self.sftp.stat(name).st_size
        except FileNotFoundError:
            return None

    def sha256(self, name: str) -> str | None:
        digest = hashlib.sha256()
        try:
            with self.sftp.open(name, "rb") as handle:
                handle.prefetch()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        except PermissionError:
            return None
        return digest.hexdigest()

    def put(self, path: Path, name: str) -> None:
        with path.open("rb") as handle:
            self._write(handle, name)

    def _write(self, handle: BinaryIO, name: str) -> None:
        with self.sftp.open(name, "wb") as remote:
            remote.set_pipelined(True)
            while chunk := handle.read(CHUNK):
                remote.write(chunk)

    def rename(self, old: str, new: str) -> None:
        """Plain SFTP rename fails when ``new`` exists, so a racing file is never replaced."""
        self.sftp.rename(old, new)

    def delete(self, name: str) -> None:
        self.sftp.remove(name)


def _sftp_upload(
    local: _LocalFile,
    name: str,
    target: UploadTarget,
    password: str | None,
    key_file: str | os.PathLike[str] | None,
    known_hosts: Path,
    timeout: float,
) -> bool:
    where = f"SFTP-servern {target.host}:{target.port}"
    key = _load_key(Path(key_file), password) if key_file is not None else None
    if key is None and password is None:
        raise UploadError(f"{where}: varken en nyckelfil eller ett lösenord är inställt",
                          retryable=False, reason="config")
    transport = connect_transport(target, timeout=timeout,
                                  prefer=known_key_types(target, known_hosts))
    session: _SftpSession | None = None
    try:
        verify_host_key(transport, target, known_hosts)
        _authenticate(transport, target, where, key, password, timeout)
        sftp = paramiko.SFTPClient.from_transport(transport)
        if sftp is None:
            raise UploadError(f"{where}: servern tillåter inte SFTP (delsystemet nekades)",
                              retryable=False, reason="protocol")
        sftp.get_channel().settimeout(timeout)
        session = _SftpSession(sftp, where)
        if target.directory:
            session.step = f"{STEP_CHDIR} {target.directory}"
            sftp.chdir(target.directory)
        return _deliver(session, local, name)
    except UploadError:
        raise
    except Exception as exc:
        raise _sftp_failure(exc, where, session.step if session else STEP_OPEN_SFTP,
                            target, timeout) from exc
    finally:
        transport.close()


def _authenticate(
    transport: paramiko.Transport,
    target: UploadTarget,
    where: str,
    key: paramiko.PKey | None,
    password: str | None,
    timeout: float,
) -> None:
    """Key first (when configured), then the password; a refusal is never retried by itself."""
    user = target.user or getpass.getuser()
    try:
        if key is not None:
            try:
                transport.auth_publickey(user, key)
                return
            except paramiko.AuthenticationException:
                if password is None:
                    raise
        transport.auth_password(user, password or "")
    except paramiko.BadAuthenticationType as exc:
        raise UploadError(
            f"{where}: servern tar inte emot det här sättet att logga in för användaren "
            f"{user!r} (den tillåter: {', '.join(exc.allowed_types)})",
            retryable=False, reason="auth") from None
    except paramiko.AuthenticationException:
        what = "nyckeln och lösenordet" if key is not None and password is not None else (
            "nyckeln" if key is not None else "lösenordet")
        raise UploadError(f"{where}: inloggningen nekades: {what} godtogs inte för användaren "
                          f"{user!r}",
                          retryable=False, reason="auth") from None
    except (OSError, EOFError, paramiko.SSHException) as exc:
        raise connection_failure(exc, f"{where} (vid {STEP_LOGIN})", timeout) from None


def _load_key(path: Path, passphrase: str | None) -> paramiko.PKey:
    """A private key must be owner-only, as OpenSSH demands; the password may unlock it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UploadError(f"{path}: SSH-nyckelfilen finns inte", retryable=False,
                          reason="config") from None
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise UploadError(
            f"{path}: SSH-nyckelfilen har rättigheterna {mode:04o}, så andra kan läsa den; den "
            f"måste ha 0600 eller 0400: kör chmod 600 {path}", retryable=False, reason="config")
    try:
        return paramiko.PKey.from_path(path, passphrase)
    except paramiko.PasswordRequiredException:
        raise UploadError(
            f"{path}: SSH-nyckeln är skyddad med en lösenfras; ange den i miljövariabeln "
            "TUI_INKASSO_UPLOAD_PASSWORD", retryable=False, reason="config") from None
    except (paramiko.SSHException, ValueError, OSError) as exc:
        raise UploadError(f"{path}: SSH-nyckeln kan inte läsas: {type(exc).__name__}",
                          retryable=False, reason="config") from None


def _sftp_failure(
    exc: Exception, where: str, step: str, target: UploadTarget, timeout: float
) -> UploadError:
    """Timeouts and lost connections pass (retry); the server's own refusals do not."""
    if isinstance(exc, (TimeoutError, EOFError, ConnectionError, paramiko.SSHException)):
        return connection_failure(exc, f"{where} (vid {step})", timeout)
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc) or "fel utan beskrivning"
        if step.startswith(STEP_CHDIR):
            return _missing_directory(where, target, text)
        return UploadError(f"{where}: servern nekade {step}: {text}",
                           retryable=False, reason="remote_path")
    return UploadError(f"{where}: oväntat fel vid {step}: {type(exc).__name__}: {exc}",
                       retryable=True, reason="protocol")
