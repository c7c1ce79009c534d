"""Mail to staff through a real aiosmtpd server on 127.0.0.1 (plain, and STARTTLS with AUTH)."""

from __future__ import annotations

import email
import email.policy
import logging
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.servers import SmtpServer, error_chain_text, refused_port
from tui_inkasso.transport.mail import (
    ENV_SMTP_PASSWORD,
    Attachment,
    MailError,
    MailSettings,
    send_mail,
)

tls_cert = fx.tls_cert
smtp_server = fx.smtp_server
smtp_tls_server = fx.smtp_tls_server

SUBJECT = "Schemalagd tjänst ”skapa saldofil” misslyckades – 2 fel"
BODY = "Körningen 2026-01-15 02:00 avbröts:\n- FTP-servern svarade inte\n- Öre saknas på rad 7\n"


def _plain(server: SmtpServer) -> MailSettings:
    return MailSettings(host=server.host, port=server.port, starttls=False,
                        sender="tui-inkasso@bolaget.se", password=None)


def _tls(
    server: SmtpServer, password: str = fx.SMTP_PASSWORD, user: str = fx.SMTP_USER
) -> MailSettings:
    assert server.cert is not None
    return MailSettings(host=server.host, port=server.port, starttls=True, user=user,
                        sender="tui-inkasso@bolaget.se", password=password,
                        ca_file=str(server.cert.cert))


def _received(server: SmtpServer) -> EmailMessage:
    message = email.message_from_bytes(server.messages[-1].content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_swedish_subject_body_and_attachments_arrive_intact(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    report = tmp_path / "saldofil_2026-01-15.xml"
    report.write_bytes("<saldo>Åsa</saldo>".encode())
    count = len(smtp_server.messages)
    send_mail(_plain(smtp_server), ["ekonomi@bolaget.se", "kalle@bolaget.se"], SUBJECT, BODY,
              attachments=[report, Attachment("fel.txt", b"rad 7", "text/plain")])
    assert len(smtp_server.messages) == count + 1
    envelope = smtp_server.messages[-1]
    assert envelope.mail_from == "tui-inkasso@bolaget.se"
    assert envelope.rcpt_tos == ["ekonomi@bolaget.se", "kalle@bolaget.se"]
    message = _received(smtp_server)
    assert message["Subject"] == SUBJECT
    assert message["To"] == "ekonomi@bolaget.se, kalle@bolaget.se"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert parts["saldofil_2026-01-15.xml"].get_content_type() == "application/xml"
    assert parts["saldofil_2026-01-15.xml"].get_payload(decode=True) == report.read_bytes()
    assert parts["fel.txt"].get_payload(decode=True) == b"rad 7"


@pytest.mark.parametrize(
    ("user", "password"),
    [(fx.SMTP_USER, fx.SMTP_PASSWORD), (fx.SMTP_ASCII_USER, fx.SMTP_ASCII_PASSWORD)],
    ids=["utf8-password", "ascii-password"],
)
def test_starttls_and_login(smtp_tls_server: SmtpServer, user: str, password: str) -> None:
    count = len(smtp_tls_server.messages)
    send_mail(_tls(smtp_tls_server, password, user), ["ekonomi@bolaget.se"], SUBJECT, BODY)
    assert len(smtp_tls_server.messages) == count + 1
    assert _received(smtp_tls_server)["Subject"] == SUBJECT


@pytest.mark.parametrize("wrong", ["Fel-Lösen-99", "Wrong-Ascii-99"])
def test_wrong_password_is_not_retryable_and_never_shown(
    smtp_tls_server: SmtpServer, caplog: pytest.LogCaptureFixture, wrong: str
) -> None:
    caplog.set_level(logging.DEBUG)
    count = len(smtp_tls_server.messages)
    with pytest.raises(MailError) as info:
        send_mail(_tls(smtp_tls_server, wrong), ["ekonomi@bolaget.se"], SUBJECT, BODY)
    err = info.value
    assert err.retryable is False and err.reason == "auth"
    assert f"SMTP-servern 127.0.0.1:{smtp_tls_server.port}" in str(err)
    assert f"servern nekade inloggning för '{fx.SMTP_USER}'" in str(err)
    assert wrong not in error_chain_text(err)
    assert wrong not in caplog.text
    assert len(smtp_tls_server.messages) == count


def test_untrusted_certificate_is_refused(smtp_tls_server: SmtpServer) -> None:
    settings = MailSettings(host=smtp_tls_server.host, port=smtp_tls_server.port,
                            user=fx.SMTP_USER, sender="a@bolaget.se", password=fx.SMTP_PASSWORD)
    with pytest.raises(MailError, match="serverns TLS-certifikat är inte betrott") as info:
        send_mail(settings, ["ekonomi@bolaget.se"], SUBJECT, BODY)
    assert info.value.reason == "tls" and info.value.retryable is False


def test_starttls_required_but_not_offered(smtp_server: SmtpServer) -> None:
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port, starttls=True,
                            sender="a@bolaget.se", password=None)
    with pytest.raises(MailError, match="servern erbjuder inte STARTTLS, och e-post skickas inte okrypterat"):
        send_mail(settings, ["ekonomi@bolaget.se"], SUBJECT, BODY)


def test_password_is_never_sent_without_tls(smtp_server: SmtpServer) -> None:
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port, starttls=False,
                            user="robot", sender="a@bolaget.se", password="x")
    with pytest.raises(MailError, match="lösenordet för 'robot' skickas inte okrypterat"):
        send_mail(settings, ["ekonomi@bolaget.se"], SUBJECT, BODY)


def test_server_down_is_retryable() -> None:
    port = refused_port()
    settings = MailSettings(host="127.0.0.1", port=port, starttls=False, sender="a@bolaget.se",
                            password=None)
    with pytest.raises(MailError) as info:
        send_mail(settings, ["ekonomi@bolaget.se"], SUBJECT, BODY)
    err = info.value
    assert err.retryable is True and err.reason == "unreachable"
    assert f"SMTP-servern 127.0.0.1:{port} (vid anslutningen): anslutningen nekades" in str(err)


def test_refused_recipient_is_named_and_the_others_still_get_it(smtp_server: SmtpServer) -> None:
    count = len(smtp_server.messages)
    with pytest.raises(MailError) as info:
        send_mail(_plain(smtp_server), ["refuse.me@bolaget.se", "ekonomi@bolaget.se"],
                  SUBJECT, BODY)
    err = info.value
    assert err.retryable is False and err.reason == "refused"
    assert "refuse.me@bolaget.se: 550" in str(err)
    assert "(skickades till ekonomi@bolaget.se)" in str(err)
    assert smtp_server.messages[-1].rcpt_tos == ["ekonomi@bolaget.se"]
    assert len(smtp_server.messages) == count + 1


def test_all_recipients_refused(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match=r"\(skickades inte till någon\): refuse.a@bolaget.se: 550"):
        send_mail(_plain(smtp_server), ["refuse.a@bolaget.se"], SUBJECT, BODY)


@pytest.mark.parametrize(
    ("to", "sender", "fragment"),
    [
        ([], "a@bolaget.se", "ingen mottagare angiven"),
        (["inte-en-adress"], "a@bolaget.se", "mottagaradressen 'inte-en-adress' är ingen e-postadress"),
        (["x@bolaget.se\nBcc: y@evil.se"], "a@bolaget.se", "är ingen e-postadress"),
        (["x@bolaget.se"], "", "avsändaradressen '' är ingen e-postadress"),
    ],
)
def test_bad_addresses_are_refused_before_connecting(
    to: list[str], sender: str, fragment: str
) -> None:
    settings = MailSettings(host="127.0.0.1", port=refused_port(), starttls=False, sender=sender,
                            password=None)
    with pytest.raises(MailError, match=fragment) as info:
        send_mail(settings, to, SUBJECT, BODY)
    assert info.value.reason == "config"


def test_missing_attachment_is_refused_before_connecting(tmp_path: Path) -> None:
    settings = MailSettings(host="127.0.0.1", port=refused_port(), starttls=False,
                            sender="a@bolaget.se", password=None)
    with pytest.raises(MailError, match="saknas.xml: bilagan kan inte läsas"):
        send_mail(settings, ["x@bolaget.se"], SUBJECT, BODY, [tmp_path / "saknas.xml"])


def test_subject_with_a_line_break_is_refused(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError, match="e-postmeddelandet kan inte skapas"):
        send_mail(_plain(smtp_server), ["x@bolaget.se"], "Rad ett\nBcc: y@evil.se", BODY)


def test_password_comes_from_the_environment_and_is_not_in_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_SMTP_PASSWORD, "miljö-lösen")
    settings = MailSettings(host="smtp.bolaget.se", user="robot", sender="a@bolaget.se")
    assert settings.password == "miljö-lösen"
    assert "miljö-lösen" not in repr(settings)
    monkeypatch.delenv(ENV_SMTP_PASSWORD)
    assert MailSettings(host="smtp.bolaget.se").password is None


def test_user_without_password_says_which_variable(monkeypatch: pytest.MonkeyPatch,
                                                   smtp_tls_server: SmtpServer) -> None:
    monkeypatch.delenv(ENV_SMTP_PASSWORD, raising=False)
    assert smtp_tls_server.cert is not None
    settings = MailSettings(host=smtp_tls_server.host, port=smtp_tls_server.port,
                            user=fx.SMTP_USER, sender="a@bolaget.se",
                            ca_file=str(smtp_tls_server.cert.cert))
    with pytest.raises(MailError, match=f"inget lösenord: ange det i miljövariabeln {ENV_SMTP_PASSWORD}"):
        send_mail(settings, ["x@bolaget.se"], SUBJECT, BODY)
