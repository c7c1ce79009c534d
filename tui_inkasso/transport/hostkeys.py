"""SFTP host keys: check every connection against a known_hosts file, never trust silently.

Without this check anyone who can redirect the connection (a DNS entry, a hijacked router) would
receive the tenants' personal data and debts. So an unknown key is refused with its SHA256
fingerprint (the form ``ssh-keygen -lf`` prints, which the agency can read out over the phone),
and a changed key is refused loudly with the old and the new fingerprints. Only
``tui-inkasso trust-host URL`` (which calls :func:`trust_host`) writes the file.

The file has OpenSSH's format, so an administrator may also point the setting at an existing
``~/.ssh/known_hosts``; hashed entries are understood. Servers on another port than 22 are listed
as ``[host]:port``, as OpenSSH does.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
from pathlib import Path
from typing import NamedTuple

import paramiko
import platformdirs

from tui_inkasso.fileio import atomic_write
from tui_inkasso.transport.errors import (
    ChangedHostKeyError,
    UnknownHostKeyError,
    UploadError,
    connection_failure,
)
from tui_inkasso.transport.upload_url import UploadTarget

log = logging.getLogger(__name__)

APP_NAME = "tui-inkasso"


class HostKey(NamedTuple):
    """A server's host key as people compare it: type and ``SHA256:...`` fingerprint."""

    keytype: str
    fingerprint: str


def default_known_hosts() -> Path:
    """``known_hosts`` in the user's config directory (``~/.config/tui-inkasso`` on Linux)."""
    return platformdirs.user_config_path(APP_NAME) / "known_hosts"


def host_id(target: UploadTarget) -> str:
    """The name under which OpenSSH files this server: ``host`` or ``[host]:port``."""
    return target.host if target.port == 22 else f"[{target.host}]:{target.port}"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint: base64 of the key blob's SHA-256, without padding."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def fetch_host_key(target: UploadTarget, *, timeout: float = 30.0) -> HostKey:
    """Connect, read the host key the server presents, disconnect: nothing is trusted or sent."""
    transport = connect_transport(target, timeout=timeout)
    try:
        return _describe(transport.get_remote_server_key())
    finally:
        transport.close()


def trust_host(
    target: UploadTarget,
    known_hosts: str | os.PathLike[str] | None = None,
    *,
    expected_fingerprint: str | None = None,
    timeout: float = 30.0,
) -> HostKey:
    """Record the server's current host key in ``known_hosts``, replacing older keys for it.

    Pass ``expected_fingerprint`` (the one shown to, and confirmed by, the user) so that a key
    swapped between showing and trusting is refused instead of trusted.
    """
    _require_sftp(target)
    path = Path(known_hosts) if known_hosts is not None else default_known_hosts()
    transport = connect_transport(target, timeout=timeout)
    try:
        key = transport.get_remote_server_key()
    finally:
        transport.close()
    found = _describe(key)
    if expected_fingerprint is not None and found.fingerprint != expected_fingerprint:
        raise ChangedHostKeyError(
            f"{target.url}: servern visar nu {found.keytype} {found.fingerprint}, inte den "
            f"bekräftade {expected_fingerprint}; ingen nyckel betroddes",
            host_id=host_id(target),
            keytype=found.keytype,
            fingerprint=found.fingerprint,
            known=[],
        )
    _write_entry(path, host_id(target), key)
    log.info("trusted host key %s %s for %s in %s", *found, host_id(target), path)
    return found


def connect_transport(
    target: UploadTarget, *, timeout: float, prefer: list[str] | None = None
) -> paramiko.Transport:
    """Open the SSH transport (key exchange done, host key not yet checked, not logged in)."""
    _require_sftp(target)
    where = f"SFTP-servern {target.host}:{target.port}"
    try:
        sock = socket.create_connection((target.host, target.port), timeout=timeout)
    except OSError as exc:
        raise connection_failure(exc, where, timeout) from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    if prefer:
        _prefer_key_types(transport, prefer)
    try:
        transport.start_client(timeout=timeout)
    except (OSError, EOFError) as exc:
        transport.close()
        raise connection_failure(exc, where, timeout) from None
    except paramiko.SSHException as exc:
        transport.close()
        if "banner" in str(exc).lower():  # the server accepted but did not speak SSH in time
            raise UploadError(
                f"{where}: inget SSH-handslag inom {timeout:g} sekunder; nytt försök görs senare",
                retryable=True,
                reason="timeout",
            ) from None
        raise UploadError(
            f"{where}: SSH-handslaget misslyckades ({exc}); nytt försök görs senare",
            retryable=True,
            reason="protocol",
        ) from None
    if not transport.is_active() or not transport.initial_kex_done:
        # paramiko returns from start_client without an error when its own wait runs out.
        transport.close()
        raise UploadError(
            f"{where}: inget SSH-handslag inom {timeout:g} sekunder; nytt försök görs senare",
            retryable=True,
            reason="timeout",
        )
    return transport


def verify_host_key(
    transport: paramiko.Transport, target: UploadTarget, known_hosts: Path
) -> HostKey:
    """Raise unless the transport's server key is the one recorded for this host."""
    key = transport.get_remote_server_key()
    found = _describe(key)
    name = host_id(target)
    known = _load(known_hosts).lookup(name)
    if not known:
        raise UnknownHostKeyError(
            f"SFTP-servern {name} är okänd: den visar {found.keytype}-nyckeln "
            f"{found.fingerprint}. Ingenting skickades. Kontrollera fingeravtrycket med "
            f"inkassobolaget och kör sedan: tui-inkasso trust-host {target.url}",
            host_id=name,
            keytype=found.keytype,
            fingerprint=found.fingerprint,
        )
    if known.get(key.get_name()) == key:
        return found
    old = [_describe(k) for k in known.values()]
    old_text = ", ".join(f"{k.keytype} {k.fingerprint}" for k in old)
    raise ChangedHostKeyError(
        f"VARNING: SFTP-servern {name} har BYTT värdnyckel. Någon kan avlyssna anslutningen "
        f"(eller så har servern installerats om). Betrodd: {old_text} (i {known_hosts}); "
        f"visas nu: {found.keytype} {found.fingerprint}. Ingenting skickades. Fråga "
        f"inkassobolaget om de har bytt nyckel; kör först därefter: "
        f"tui-inkasso trust-host {target.url}",
        host_id=name,
        keytype=found.keytype,
        fingerprint=found.fingerprint,
        known=[(k.keytype, k.fingerprint) for k in old],
    )


def known_key_types(target: UploadTarget, known_hosts: Path) -> list[str]:
    """Key types on file for the host, so the key exchange asks for one of those first."""
    known = _load(known_hosts).lookup(host_id(target))
    return list(known.keys()) if known else []


def _describe(key: paramiko.PKey) -> HostKey:
    return HostKey(key.get_name(), fingerprint(key))


def _require_sftp(target: UploadTarget) -> None:
    if target.scheme != "sftp":
        raise ValueError(f"{target.url}: bara sftp://-servrar har värdnycklar")


def _load(path: Path) -> paramiko.HostKeys:
    """Read known_hosts; a missing file simply knows no host."""
    keys = paramiko.HostKeys()
    try:
        keys.load(str(path))
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UploadError(
            f"{path}: known_hosts-filen kan inte läsas: {exc.strerror}",
            retryable=False,
            reason="config",
        ) from None
    return keys


def _prefer_key_types(transport: paramiko.Transport, known_types: list[str]) -> None:
    """Ask for the host key type on file, like OpenSSH, so a server with several keys matches."""
    options = transport.get_security_options()
    wanted: list[str] = []
    for name in known_types:
        wanted += ["rsa-sha2-512", "rsa-sha2-256", name] if name == "ssh-rsa" else [name]
    available = list(options.key_types)
    first = [name for name in wanted if name in available]
    options.key_types = first + [name for name in available if name not in first]


def _write_entry(path: Path, name: str, key: paramiko.PKey) -> None:
    """Replace this host's entries (plain or hashed) with the new key, keeping all other lines."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    kept = [line for line in (_without_host(line, name) for line in lines) if line is not None]
    kept.append(f"{name} {key.get_name()} {key.get_base64()}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_write(path, overwrite=True) as handle:
        handle.write(("\n".join(kept) + "\n").encode("utf-8"))


def _without_host(line: str, name: str) -> str | None:
    """The line with ``name`` removed from its host list; None when no host is left."""
    fields = line.split()
    if not fields or line.lstrip().startswith(("#", "@")):
        return line
    hosts = fields[0].split(",")
    rest = [h for h in hosts if not _host_matches(h, name)]
    if len(rest) == len(hosts):
        return line
    if not rest:
        return None
    return line.replace(fields[0], ",".join(rest), 1)


def _host_matches(entry: str, name: str) -> bool:
    if entry.startswith("|1|"):
        return paramiko.HostKeys.hash_host(name, entry) == entry
    return entry == name
