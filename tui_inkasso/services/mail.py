"""Mail to staff with the SMTP settings from the database (``mail.*``).

The transport layer knows how to talk SMTP; this use case knows where the settings live, so the
daemon, the CLI and the screens mail the same way. The SMTP password is never a setting: it comes
from ``TUI_INKASSO_SMTP_PASSWORD`` (see ``transport.mail``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tui_inkasso.services.errors import UserError
from tui_inkasso.services.settings import get_setting
from tui_inkasso.transport.mail import MailSettings, send_mail


class MailNotConfigured(UserError):
    """``mail.host`` or ``mail.sender`` is empty, so nothing can be mailed."""

    exit_code = 1


def mail_settings() -> MailSettings | None:
    """The SMTP settings, or None when no mail server is set."""
    host = get_setting("mail.host")
    if not host:
        return None
    return MailSettings(
        host=host,
        port=int(get_setting("mail.port")),
        starttls=get_setting("mail.starttls") == "ja",
        user=get_setting("mail.user") or None,
        sender=get_setting("mail.sender"),
    )


def send_notification(to: Sequence[str], subject: str, body: str) -> None:
    """Send one mail; :class:`MailNotConfigured` or ``MailError`` say why it did not go."""
    settings = mail_settings()
    if settings is None:
        raise MailNotConfigured(
            "ingen e-postserver är inställd: tui-inkasso settings set mail.host SERVER "
            "(och mail.sender)"
        )
    if not settings.sender:
        raise MailNotConfigured(
            "ingen avsändaradress är inställd: tui-inkasso settings set mail.sender ADRESS"
        )
    send_mail(settings, list(to), subject, body)
