"""E-mail addresses as staff type them into settings and scheduled services.

Deliberately a plausibility check, not RFC 5322: what matters is that a typo ("anna.example.se",
"anna@exempel") is caught when the address is saved, not at 03:00 when a failed night run should
have been reported, and that nothing that could break a mail header (spaces, line breaks, ``<>``,
commas) is ever stored.
"""

from __future__ import annotations

import re

_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-\u00c0-\u024f]+$")
_LABEL = re.compile(r"^[A-Za-z0-9\u00c0-\u024f]([A-Za-z0-9\-\u00c0-\u024f]*[A-Za-z0-9\u00c0-\u024f])?$")


class EmailAddressError(ValueError):
    """Not an e-mail address; the message (Swedish, shown as it is) quotes it and says what is wrong."""


def normalize_email(text: str) -> str:
    """The address without surrounding spaces, or :class:`EmailAddressError` with the reason."""
    address = str(text).strip()
    if not address:
        raise EmailAddressError("e-postadressen är tom")
    if any(ch.isspace() or ch in "<>,;\"()[]\\" for ch in address):
        raise EmailAddressError(f"{address!r} är ingen e-postadress (mellanslag och <>,;\"() är inte tillåtna)")
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise EmailAddressError(f"{address!r} är ingen e-postadress (inget namn före @)")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise EmailAddressError(f"{address!r} är ingen e-postadress (delen före @ är ogiltig)")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise EmailAddressError(
            f"{address!r} är ingen e-postadress (domänen efter @ ska se ut som exempel.se)"
        )
    if len(address) > 254:
        raise EmailAddressError(f"{address!r} är längre än 254 tecken")
    return address


def split_emails(text: str) -> tuple[str, ...]:
    """Addresses separated by commas, semicolons, spaces or new lines; each checked, duplicates dropped."""
    parts = [p for p in re.split(r"[,;\s]+", str(text)) if p]
    return tuple(dict.fromkeys(normalize_email(p) for p in parts))
