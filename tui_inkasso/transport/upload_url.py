"""The collection agency's upload address: ``ftp://``, ``ftps://`` or ``sftp://``.

The setting ``collection.upload_url`` is parsed here, once, into an :class:`UploadTarget`, so that
the settings screen can refuse a bad address the moment it is typed instead of the night the daemon
first tries to deliver. A password in the URL is refused: the settings live in the database, and a
password there would be readable by everyone who can read the database or its backups.

Remote directory: the URL's path is taken relative to the directory the server puts us in after
login (``ftp://host/in`` means ``in`` below the login directory). Write two slashes, or ``%2F``,
for an absolute path: ``sftp://host//srv/inkasso`` means ``/srv/inkasso``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

Scheme = Literal["ftp", "ftps", "sftp"]

DEFAULT_PORTS: dict[str, int] = {"ftp": 21, "ftps": 21, "sftp": 22}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadUrlError(ValueError):
    """The upload URL cannot be used; the message says why and how to fix it (in Swedish: staff
    read it beside the setting, on the command line and in the outbox)."""


@dataclass(frozen=True)
class UploadTarget:
    """Where files go: never holds a password (see :mod:`tui_inkasso.transport.credentials`)."""

    scheme: Scheme
    host: str
    port: int
    user: str | None
    directory: str
    """Remote directory; "" is the login directory, a leading "/" makes it absolute."""

    @property
    def url(self) -> str:
        """The canonical URL (no password), for messages, logs and `tui-inkasso trust-host`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        path = "/" + quote(self.directory, safe="/") if self.directory else ""
        return f"{self.scheme}://{user}{host}{port}{path}"

    def remote_path(self, name: str) -> str:
        """The remote path of file ``name`` in this target's directory, as shown in receipts."""
        if not self.directory:
            return name
        return f"{self.directory.rstrip('/')}/{name}"

    def __str__(self) -> str:
        return self.url


def redact_url(url: str) -> str:
    """Replace a password in ``url`` with ``***`` so the URL can appear in a message.

    Deliberately broader than URL parsing: everything between the user name's ':' and the last
    '@' goes, so even a password with an unencoded '/' or '@' never reaches a message or a log.
    """
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    userinfo, _, tail = rest.rpartition("@")
    if ":" not in userinfo:
        return url
    return f"{head}://{userinfo.split(':', 1)[0]}:***@{tail}"


def parse_upload_url(url: str) -> UploadTarget:
    """Parse and check ``collection.upload_url``; raise :class:`UploadUrlError` with the reason."""
    if not isinstance(url, str) or not url.strip():
        raise UploadUrlError("uppladdningsadressen är tom: skriv ftp://, ftps:// eller sftp://server/mapp")
    shown = redact_url(url.strip())
    if url != url.strip() or _CONTROL.search(url) or " " in url:
        raise UploadUrlError(f"uppladdningsadressen {shown!r} innehåller mellanslag eller styrtecken")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # The parser's own text may quote part of a password, so it is not passed on.
        raise UploadUrlError(
            f"uppladdningsadressen {shown!r} är felaktig: porten ska vara ett tal 1–65535 "
            "och en IPv6-adress skrivs inom [hakparenteser]"
        ) from None
    if parts.password is not None:
        raise UploadUrlError(
            f"uppladdningsadressen {shown!r} innehåller ett lösenord, och lösenord får inte "
            "sparas i inställningarna: ta bort det ur adressen och ange det i miljövariabeln "
            "TUI_INKASSO_UPLOAD_PASSWORD eller i en fil (inställningen "
            "collection.upload_password_file)"
        )
    scheme = _check_scheme(parts.scheme.lower(), shown)
    if not parts.hostname:
        raise UploadUrlError(f"uppladdningsadressen {shown!r} saknar servernamn")
    if port == 0:
        raise UploadUrlError(f"uppladdningsadressen {shown!r}: port 0 är ingen giltig port")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UploadUrlError(f"uppladdningsadressen {shown!r} får inte innehålla '?' eller '#'")
    return UploadTarget(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        user=_check_user(parts.username, shown),
        directory=_directory(parts.path, shown),
    )


def _check_scheme(scheme: str, shown: str) -> Scheme:
    """Only the three protocols we deliver with; name the usual mix-ups."""
    if scheme in ("ftp", "ftps", "sftp"):
        return scheme  # type: ignore[return-value]  # one of Scheme's three values, tested just above
    if not scheme:
        raise UploadUrlError(
            f"uppladdningsadressen {shown!r} saknar protokoll: börja med ftp://, ftps:// "
            "(explicit TLS) eller sftp://"
        )
    hint = ""
    if scheme in ("ftpes", "ftp+tls", "ftp+ssl"):
        hint = " (för FTP med explicit TLS, skriv ftps://)"
    elif scheme in ("scp", "ssh"):
        hint = " (för filöverföring över SSH, skriv sftp://)"
    raise UploadUrlError(
        f"uppladdningsadressen {shown!r} har det okända protokollet {scheme!r}{hint}: "
        "använd ftp://, ftps:// (explicit TLS) eller sftp://"
    )


def _check_user(raw: str | None, shown: str) -> str | None:
    """A user name without control characters (they would inject FTP commands)."""
    if raw is None:
        return None
    user = unquote(raw)
    if not user:
        raise UploadUrlError(f"uppladdningsadressen {shown!r} har ett tomt användarnamn före '@'")
    if _CONTROL.search(user):
        raise UploadUrlError(f"uppladdningsadressen {shown!r}: användarnamnet innehåller styrtecken")
    return user


def _directory(path: str, shown: str) -> str:
    """The remote directory from the URL path (relative unless it starts with // or %2F)."""
    relative = path[1:] if path.startswith("/") else path
    directory = unquote(relative)
    if _CONTROL.search(directory):
        raise UploadUrlError(f"uppladdningsadressen {shown!r}: sökvägen innehåller styrtecken")
    if ".." in directory.split("/"):
        raise UploadUrlError(f"uppladdningsadressen {shown!r}: sökvägen får inte innehålla '..'")
    if len(directory) > 1:
        directory = directory.rstrip("/")
    return directory
