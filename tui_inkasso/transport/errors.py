"""Errors of the transport layer, shared by upload, host-key and mail code.

Every error carries ``retryable``: the outbox and the daemon must know whether to try again later
(server down, timeout) or to stop and tell a person (wrong password, unknown host key, a file that
is already on the server with other content). The message is what staff read (in Swedish, naming
the server or file); ``reason`` is a short stable code for code that must decide on the kind of
failure without parsing the message.
"""

from __future__ import annotations


class TransportError(Exception):
    """Base class: a message that says what failed and where, plus what to do about it."""

    def __init__(self, message: str, *, retryable: bool, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.reason = reason


class UploadError(TransportError):
    """A file could not be delivered; nothing was left under the final remote name.

    ``reason`` is one of: ``unreachable``, ``timeout``, ``auth``, ``tls``, ``host_key_unknown``,
    ``host_key_changed``, ``remote_path``, ``remote_conflict``, ``remote_error``, ``local_file``,
    ``protocol``, ``config``.
    """


class UnknownHostKeyError(UploadError):
    """The SFTP server's host key is not in known_hosts; a person must check and trust it."""

    def __init__(self, message: str, *, host_id: str, keytype: str, fingerprint: str) -> None:
        super().__init__(message, retryable=False, reason="host_key_unknown")
        self.host_id = host_id
        self.keytype = keytype
        self.fingerprint = fingerprint


class ChangedHostKeyError(UploadError):
    """The SFTP server shows another key than the trusted one: possibly an attack."""

    def __init__(
        self,
        message: str,
        *,
        host_id: str,
        keytype: str,
        fingerprint: str,
        known: list[tuple[str, str]],
    ) -> None:
        super().__init__(message, retryable=False, reason="host_key_changed")
        self.host_id = host_id
        self.keytype = keytype
        self.fingerprint = fingerprint
        self.known = known


def connection_failure(exc: BaseException, where: str, timeout: float) -> UploadError:
    """Turn a socket-level failure into a retryable :class:`UploadError` that names the server.

    All of these are conditions that may pass (server down, network gone, name service hiccup),
    so the outbox retries them with back-off.
    """
    if isinstance(exc, ConnectionRefusedError):
        text, reason = "anslutningen nekades (servern är nere eller porten är fel)", "unreachable"
    elif isinstance(exc, TimeoutError):
        text, reason = f"inget svar inom {timeout:g} sekunder", "timeout"
    elif isinstance(exc, OSError) and exc.__class__.__name__ == "gaierror":
        text, reason = f"servernamnet kan inte slås upp ({exc.strerror or exc})", "unreachable"
    elif isinstance(exc, (ConnectionResetError, BrokenPipeError, EOFError)):
        text, reason = "servern stängde anslutningen", "unreachable"
    elif isinstance(exc, OSError):
        text, reason = f"nätverksfel: {exc.strerror or exc}", "unreachable"
    else:
        text, reason = f"{type(exc).__name__}: {exc}", "unreachable"
    return UploadError(f"{where}: {text}; nytt försök görs senare", retryable=True, reason=reason)
