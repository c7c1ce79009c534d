"""E-mail to staff over SMTP: what a scheduled run did and what went wrong.

Mail is how a failed night run reaches a person, so a failure to mail must itself be clear
(:class:`MailError` names the server and the step, and says whether retrying can help). The
password comes from the environment (``TUI_INKASSO_SMTP_PASSWORD``), never from the settings in
the database, and is never sent in clear text: a login requires STARTTLS.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
import smtplib
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from tui_inkasso.transport.errors import TransportError

log = logging.getLogger(__name__)

ENV_SMTP_PASSWORD = "TUI_INKASSO_SMTP_PASSWORD"


class MailError(TransportError):
    """The mail was not sent (or not to everyone); the message says where and why.

    ``reason`` is one of: ``unreachable``, ``timeout``, ``tls``, ``auth``, ``refused``,
    ``config``, ``protocol``.
    """


def _password_from_env() -> str | None:
    return os.environ.get(ENV_SMTP_PASSWORD) or None


@dataclass(frozen=True)
class MailSettings:
    """The SMTP settings; ``password`` defaults to ``TUI_INKASSO_SMTP_PASSWORD`` (or none)."""

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    sender: str = ""
    password: str | None = field(default_factory=_password_from_env, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None
    """CA certificates to trust instead of the system's (an internal relay's own certificate)."""


@dataclass(frozen=True)
class Attachment:
    """A file to attach, given as bytes (paths are accepted by :func:`send_mail` too)."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


def send_mail(
    settings: MailSettings,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Iterable[Attachment | str | os.PathLike[str]] = (),
) -> None:
    """Send one UTF-8 mail to ``to``; raise :class:`MailError` unless every recipient took it."""
    recipients = _check_addresses(settings, to)
    message = build_message(settings.sender, recipients, subject, body,
                            [_attachment(a) for a in attachments])
    where = f"SMTP-servern {settings.host}:{settings.port}"
    step = "anslutningen"  # staff read it in "... vid {step}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            step = "hälsningen (EHLO)"
            smtp.ehlo()
            if settings.starttls:
                step = "starten av TLS (STARTTLS)"
                _starttls(smtp, settings, where)
            if settings.user:
                step = "inloggningen"
                _login(smtp, settings, where)
            step = "sändningen"
            refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=recipients)
    except MailError:
        raise
    except Exception as exc:
        raise _failure(exc, where, step, settings) from exc
    if refused:
        raise _partly_refused(where, refused, recipients)
    log.info("mailed %r to %s via %s", subject, ", ".join(recipients), where)


def build_message(
    sender: str, to: Sequence[str], subject: str, body: str, attachments: Sequence[Attachment]
) -> EmailMessage:
    """The message itself (UTF-8 text, encoded headers for Swedish subjects), testable alone."""
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
    except ValueError as exc:
        raise MailError(f"e-postmeddelandet kan inte skapas: {exc}", retryable=False,
                        reason="config") from None
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item.filename)
    return message


def _check_addresses(settings: MailSettings, to: Sequence[str]) -> list[str]:
    """Catch empty and malformed addresses before connecting (a header break would inject)."""
    if isinstance(to, str):
        to = [to]
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        raise MailError("ingen mottagare angiven för e-postmeddelandet", retryable=False,
                        reason="config")
    for address in [settings.sender, *recipients]:
        if not _plausible(address):
            what = "avsändaradressen" if address == settings.sender else "mottagaradressen"
            raise MailError(f"{what} {address!r} är ingen e-postadress",
                            retryable=False, reason="config")
    return recipients


def _plausible(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain) and not any(
        ch.isspace() or ch in "<>,;\"" for ch in address
    )


def _attachment(item: Attachment | str | os.PathLike[str]) -> Attachment:
    if isinstance(item, Attachment):
        return item
    path = Path(item)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailError(f"{path}: bilagan kan inte läsas: {exc.strerror}; ingenting skickades",
                        retryable=False, reason="config") from None
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(path.name, data, mime_type)


def _starttls(smtp: smtplib.SMTP, settings: MailSettings, where: str) -> None:
    if not smtp.has_extn("starttls"):
        raise MailError(
            f"{where}: servern erbjuder inte STARTTLS, och e-post skickas inte okrypterat "
            "(stäng av STARTTLS i e-postinställningarna bara för en e-postserver på den här "
            "datorn)",
            retryable=False, reason="tls")
    context = ssl.create_default_context(cafile=settings.ca_file)
    smtp.starttls(context=context)
    smtp.ehlo()


def _login(smtp: smtplib.SMTP, settings: MailSettings, where: str) -> None:
    if settings.password is None:
        raise MailError(
            f"{where}: användaren {settings.user!r} är inställd men inget lösenord: ange det "
            f"i miljövariabeln {ENV_SMTP_PASSWORD}",
            retryable=False, reason="config")
    if not settings.starttls:
        raise MailError(
            f"{where}: lösenordet för {settings.user!r} skickas inte okrypterat: "
            "slå på STARTTLS", retryable=False, reason="config")
    user, password = settings.user or "", settings.password
    if (user + password).isascii():
        smtp.login(user, password)
    else:
        _login_utf8(smtp, user, password, where)


def _login_utf8(smtp: smtplib.SMTP, user: str, password: str, where: str) -> None:
    """AUTH PLAIN in UTF-8 (RFC 4616): smtplib encodes credentials as ASCII and fails on åäö."""
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise MailError(
            f"{where}: användarnamnet eller lösenordet innehåller tecken utanför ASCII (som å, "
            "ä, ö), som bara AUTH PLAIN kan föra över, och servern erbjuder inte AUTH PLAIN",
            retryable=False, reason="auth")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _failure(exc: Exception, where: str, step: str, settings: MailSettings) -> MailError:
    """Network trouble and 4xx replies pass (retry); 5xx replies and TLS problems do not."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"{where}: serverns TLS-certifikat är inte betrott "
                         f"({exc.verify_message}); ingenting skickades", retryable=False,
                         reason="tls")
    if isinstance(exc, ssl.SSLError):
        return MailError(f"{where}: TLS misslyckades vid {step}: {exc.reason or exc}",
                         retryable=False, reason="tls")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(f"{where}: servern nekade inloggning för {settings.user!r}: "
                         f"{_reply(exc)}", retryable=False, reason="auth")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(f"{where}: servern saknar stöd för det som behövs vid {step}: {exc}",
                         retryable=False, reason="protocol")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _partly_refused(where, exc.recipients, list(exc.recipients))
    if isinstance(exc, smtplib.SMTPResponseException):
        temporary = 400 <= exc.smtp_code < 500
        return MailError(
            f"{where}: servern nekade vid {step}: {_reply(exc)}"
            + ("; nytt försök görs senare" if temporary else ""),
            retryable=temporary, reason="refused")
    return _network(exc, where, step, settings.timeout)


def _network(exc: Exception, where: str, step: str, timeout: float) -> MailError:
    if isinstance(exc, ConnectionRefusedError):
        text, reason = "anslutningen nekades (servern är nere eller porten är fel)", "unreachable"
    elif isinstance(exc, TimeoutError):
        text, reason = f"inget svar inom {timeout:g} sekunder", "timeout"
    elif isinstance(exc, socket.gaierror):
        text, reason = f"servernamnet kan inte slås upp ({exc.strerror})", "unreachable"
    elif isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, EOFError)):
        text, reason = "servern stängde anslutningen", "unreachable"
    elif isinstance(exc, OSError):
        text, reason = f"nätverksfel: {exc.strerror or exc}", "unreachable"
    else:  # not the text: an encoding error, say, could quote part of the password
        text, reason = f"oväntat fel ({type(exc).__name__})", "protocol"
    return MailError(f"{where} (vid {step}): {text}; nytt försök görs senare",
                     retryable=True, reason=reason)


def _partly_refused(
    where: str, refused: dict[str, tuple[int, bytes]], recipients: list[str]
) -> MailError:
    """Some or all recipients refused: name each with the server's reason."""
    details = "; ".join(f"{addr}: {code} {msg.decode('utf-8', 'replace')}"
                        for addr, (code, msg) in refused.items())
    others = [r for r in recipients if r not in refused]
    sent = f" (skickades till {', '.join(others)})" if others else " (skickades inte till någon)"
    temporary = all(400 <= code < 500 for code, _ in refused.values())
    return MailError(f"{where}: servern nekade mottagare{sent}: {details}",
                     retryable=temporary, reason="refused")


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}".strip()
