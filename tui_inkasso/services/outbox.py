"""The outbox: every file that must reach the agency's server is recorded, then sent, then marked.

The guide says the collection file "skickas direkt vid skapande" when an FTP server is set. A
network is not a transaction, so delivery is split in two:

1. The creator of a file writes it (atomically) and, in the SAME write transaction as its own
   record, calls :func:`enqueue_delivery`. The file and its delivery record exist together or not
   at all.
2. Right after the commit the creator calls :func:`deliver_now` (or :func:`deliver_pending` with
   ``only_ids``); the daemon calls :func:`deliver_pending` every few seconds for the rest. A
   failure there never undoes the file: the record stays "waiting" (retried with back-off) or
   becomes "failed" with the reason, and staff resend it from the Utkorg screen.

Never lost: the local file is never deleted and the record outlives crashes; a record left in
"sending" by a process that died is taken again once its lease (:data:`SENDING_LEASE`) runs out.
Never sent twice: a record is claimed with a compare-and-set update (one process wins), a sent
record is never picked up again except by an explicit resend, and ``upload_file`` itself skips a
file that is already on the server with the same content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from peewee import ColumnBase, fn

from tui_inkasso.db.connection import db
from tui_inkasso.db.models import OutboxFile
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.fileio import file_digest
from tui_inkasso.services import audit
from tui_inkasso.services.clock import now as clock_now
from tui_inkasso.services.errors import Conflict, NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.settings import get_setting
from tui_inkasso.services.transaction import write_transaction
from tui_inkasso.transport.backoff import next_retry_delay
from tui_inkasso.transport.credentials import CredentialError, upload_password
from tui_inkasso.transport.errors import UploadError
from tui_inkasso.transport.upload_url import UploadTarget, parse_upload_url, redact_url

log = logging.getLogger(__name__)

SENDING_LEASE = dt.timedelta(minutes=15)
"""How long a claimed record belongs to the process sending it; after that it is retried."""

UPLOAD_TIMEOUT = 30.0
"""Seconds per network operation before a server counts as not answering."""


class OutboxStatus(StrEnum):
    """Where a file is on its way to the agency."""

    WAITING = "waiting"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


STATUS_LABELS: dict[str, str] = {
    OutboxStatus.WAITING: "Väntar",
    OutboxStatus.SENDING: "Skickas",
    OutboxStatus.SENT: "Skickad",
    OutboxStatus.FAILED: "Misslyckad",
}
"""What staff read for each status."""


def status_label(status: str) -> str:
    """The Swedish label of a stored delivery status (an unknown one as it is)."""
    return STATUS_LABELS.get(status, status)

KIND_LABELS = {
    "saldofil": "Saldofil (saldokorrigeringar)",
    "cases": "Inkassofil (ärenden)",
}
"""What staff read for the kind of file a record holds (the stored kind is what the services that
queue files name them: ``balance_corrections.FILE_KIND``, the collection run's "cases")."""


class DeliveryConfigError(UserError):
    """The delivery settings cannot be used (no URL, a bad password file): a person must act."""

    exit_code = 1


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox record as screens and the CLI show it."""

    id: int
    path: str
    file_name: str
    kind: str
    """The stored kind ("saldofil", "cases"): for the CLI's --json and for code."""
    target_url: str
    status: str
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    remote_path: str
    size: int
    sha256: str
    collection_file_id: int | None
    local_exists: bool

    @property
    def kind_label(self) -> str:
        """The kind of file in Swedish ("Saldofil (saldokorrigeringar)"); an unknown kind as stored."""
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did to one record."""

    outbox_id: int
    path: str
    status: str
    """``sent``, ``waiting`` (will retry at ``next_attempt_at``) or ``failed`` (needs a person).
    A resend of a file delivered before that does not go through is ``failed`` here while the
    record stays ``sent``: the agency has the file (the error says so)."""
    remote_path: str = ""
    error: str = ""
    reason: str = ""
    """The transport's stable reason code (``unreachable``, ``auth``, ``host_key_changed`` ...)."""
    already_delivered: bool = False
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None


@dataclass(frozen=True)
class _DeliveryConfig:
    target: UploadTarget
    password: str | None
    key_file: str | None
    known_hosts: Path
    ca_file: str | None


# --------------------------------------------------------------------------- recording


def enqueue_delivery(
    path: Path, kind: str, collection_file_id: int | None = None, *, final: Path | None = None
) -> OutboxFile | None:
    """Record ``path`` for delivery when ``collection.upload_url`` is set; None when it is not.

    Call it inside the caller's write transaction (it opens its own only when there is none), so
    the file's record and its delivery record are committed together. A file staged under a
    temporary name (``.inkasso-pending/NAME.xxxx.part``) is measured at ``path`` and recorded, and
    named in the audit log, as ``final``: the name it is published under after the commit.
    """
    url = get_setting("collection.upload_url")
    if not url:
        return None
    size, digest = _measure(Path(path).resolve())
    file = Path(final if final is not None else path).resolve()
    if db.in_transaction():
        return _create(file, kind, url, size, digest, collection_file_id)
    with write_transaction():
        return _create(file, kind, url, size, digest, collection_file_id)


def _create(
    file: Path, kind: str, url: str, size: int, digest: str, collection_file_id: int | None
) -> OutboxFile:
    at = clock_now()
    row = OutboxFile.create(
        path=str(file), kind=kind, target_url=url, status=OutboxStatus.WAITING.value,
        attempts=0, next_attempt_at=at, created_at=at, size=size, sha256=digest,
        collection_file=collection_file_id,
    )
    audit.record("outbox.enqueued", "outbox_file", row.id, {"file": file.name, "target": redact_url(url)})
    return row


def _measure(file: Path) -> tuple[int, str]:
    """Size and SHA-256 of the local file; a file that is not there cannot be recorded."""
    try:
        digest, size = file_digest(file)
    except OSError as exc:
        raise UserError(f"{file}: filen kan inte läggas i utkorgen: {exc.strerror or exc}") from None
    return size, digest


# --------------------------------------------------------------------------- delivering


def deliver_now(row: OutboxFile | None) -> DeliveryResult | None:
    """Send one just-recorded file right after its creator's commit; never raises.

    For creators of files ("skickas direkt vid skapande"): whatever happens, their file stands,
    and the outcome is in the outbox for the screen and the daemon.
    """
    if row is None:
        return None
    try:
        results = deliver_pending(only_ids=[row.id])
    except Exception:  # the file is created and recorded; the daemon will try again
        log.exception("delivery of outbox record %s failed; it stays in the outbox", row.id)
        return None
    return results[0] if results else None


@requires(StaffRole.CLERK, "skicka filer i utkorgen")
def deliver_pending(
    now: dt.datetime | None = None, *, only_ids: Iterable[int] | None = None, sent_before: bool = False
) -> list[DeliveryResult]:
    """Send every due record (waiting and due, or a stale "sending"), one at a time, oldest first.

    ``sent_before``: the records were delivered already (a resend); a failed attempt leaves them
    sent instead of failed or waiting.
    """
    at = now or clock_now()
    ids = _due_ids(at, only_ids)
    if not ids:
        return []
    try:
        config: _DeliveryConfig | DeliveryConfigError = _config()
    except DeliveryConfigError as exc:
        config = exc
    results: list[DeliveryResult] = []
    for outbox_id in ids:
        row = _claim(outbox_id, at)
        if row is None:
            continue  # another process took it meanwhile
        results.append(_attempt(row, config, at, sent_before))
    return results


def _due_ids(at: dt.datetime, only_ids: Iterable[int] | None) -> list[int]:
    query = (
        OutboxFile.select(OutboxFile.id)
        .where(_due(at))
        .order_by(OutboxFile.created_at, OutboxFile.id)
    )
    if only_ids is not None:
        wanted = list(only_ids)
        if not wanted:
            return []
        query = query.where(OutboxFile.id.in_(wanted))
    return [row.id for row in query]


def _due(at: dt.datetime) -> ColumnBase:
    """Waiting and due, or sending with an expired lease (its process died mid-send)."""
    status = OutboxFile.status.in_([OutboxStatus.WAITING.value, OutboxStatus.SENDING.value])
    return status & (OutboxFile.next_attempt_at.is_null() | (OutboxFile.next_attempt_at <= at))


def _claim(outbox_id: int, at: dt.datetime) -> OutboxFile | None:
    """Compare-and-set to "sending" with a lease; None when another process got there first."""
    with write_transaction():
        row = OutboxFile.get_or_none(OutboxFile.id == outbox_id)
        if row is None:
            return None
        stale = row.status == OutboxStatus.SENDING.value
        claimed = (
            OutboxFile.update(
                status=OutboxStatus.SENDING.value,
                next_attempt_at=at + SENDING_LEASE,
                attempts=OutboxFile.attempts + 1,
            )
            .where((OutboxFile.id == outbox_id) & _due(at))
            .execute()
        )
    if not claimed:
        return None
    if stale:
        log.warning("outbox %s (%s): an earlier send did not finish; trying again", outbox_id, row.path)
    return OutboxFile.get_by_id(outbox_id)


def _config() -> _DeliveryConfig:
    """The upload settings now (a fixed URL or password file applies to waiting files too)."""
    url = get_setting("collection.upload_url")
    if not url:
        raise DeliveryConfigError(
            "ingen FTP-server är inställd (collection.upload_url är tom), så ingenting kan "
            "skickas; ställ in den och skicka sedan igen"
        )
    try:
        target = parse_upload_url(url)
        password = upload_password(get_setting("collection.upload_password_file") or None)
    except (ValueError, CredentialError) as exc:
        raise DeliveryConfigError(str(exc)) from None
    return _DeliveryConfig(
        target=target,
        password=password,
        key_file=get_setting("collection.upload_key_file") or None,
        known_hosts=known_hosts_path(),
        ca_file=get_setting("collection.upload_ca_file") or None,
    )


def known_hosts_path() -> Path:
    """The known_hosts file SFTP delivery checks: the setting, or the app's own file."""
    from tui_inkasso.transport.hostkeys import default_known_hosts  # paramiko: 0.5 s to import

    known = get_setting("collection.upload_known_hosts")
    return Path(known).expanduser() if known else default_known_hosts()


# --------------------------------------------------------------------------- host keys


@dataclass(frozen=True)
class ServerKey:
    """An SFTP server's host key as staff compare it with the one the agency gave them."""

    host: str
    """The name OpenSSH files the server under: ``host`` or ``[host]:port``."""
    keytype: str
    fingerprint: str
    """``SHA256:...``, as ``ssh-keygen -lf`` shows it."""
    known_hosts: Path


class HostKeyError(UserError):
    """The server's key could not be read or stored (server down, key changed meanwhile)."""

    exit_code = 1


@requires(StaffRole.ADMIN, "hämta SFTP-servrars nycklar")
def show_host_key(url: str) -> ServerKey:
    """Read the key the SFTP server at ``url`` presents; nothing is trusted or written.

    The first half of trusting a server: a person compares the fingerprint before
    :func:`trust_host_key` stores it.
    """
    from tui_inkasso.transport.hostkeys import fetch_host_key, host_id

    target = _sftp_target(url)
    known = known_hosts_path()
    try:
        key = fetch_host_key(target)
    except UploadError as exc:
        raise HostKeyError(exc.message) from None
    return ServerKey(host_id(target), key.keytype, key.fingerprint, known)


@requires(StaffRole.ADMIN, "godkänna SFTP-servrars nycklar")
def trust_host_key(url: str, fingerprint: str) -> ServerKey:
    """Store the key of the SFTP server at ``url`` in known_hosts, if it is still ``fingerprint``.

    The fingerprint is the one a person confirmed, so a key swapped between showing and storing
    is refused rather than trusted.
    """
    from tui_inkasso.transport.hostkeys import host_id, trust_host

    target = _sftp_target(url)
    known = known_hosts_path()
    try:
        key = trust_host(target, known, expected_fingerprint=fingerprint)
    except UploadError as exc:
        raise HostKeyError(exc.message) from None
    return ServerKey(host_id(target), key.keytype, key.fingerprint, known)


def _sftp_target(url: str) -> UploadTarget:
    """The parsed ``sftp://`` URL; other schemes have no host key to trust."""
    try:
        target = parse_upload_url(url)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if target.scheme != "sftp":
        raise UserError(f"{target.url}: bara sftp://-servrar har värdnycklar att lita på")
    return target


def _attempt(
    row: OutboxFile, config: _DeliveryConfig | DeliveryConfigError, at: dt.datetime,
    sent_before: bool = False,
) -> DeliveryResult:
    """One try for one claimed record; its outcome is written in a small transaction of its own."""
    from tui_inkasso.transport.upload import upload_file  # only when there is something to send

    path = Path(row.path)
    try:
        if isinstance(config, DeliveryConfigError):
            raise config
        _check_unchanged(path, row.sha256)
        receipt = upload_file(
            path, config.target, password=config.password, key_file=config.key_file,
            known_hosts=config.known_hosts, ca_file=config.ca_file, timeout=UPLOAD_TIMEOUT,
        )
    except UploadError as exc:
        if sent_before:
            return _still_sent(row, exc.message, exc.reason)
        if exc.retryable:
            return _retry_later(row, exc.message, exc.reason, at)
        return _fail(row, exc.message, exc.reason)
    except UserError as exc:
        if sent_before:
            return _still_sent(row, str(exc), "config")
        return _fail(row, str(exc), "config")
    except Exception as exc:  # a bug or an unforeseen library error: keep the file, try again
        log.exception("outbox %s: unexpected error while sending %s", row.id, path)
        message = f"oväntat fel: {type(exc).__name__}: {exc}"
        if sent_before:
            return _still_sent(row, message, "protocol")
        return _retry_later(row, message, "protocol", at)
    return _sent(row, receipt.remote_path, receipt.already_delivered, config.target.url, at)


def _check_unchanged(path: Path, recorded: str) -> None:
    """The file sent must be the file recorded: an edited file is not silently delivered."""
    if not recorded or not path.exists():
        return  # a missing file is reported by upload_file (reason local_file)
    _, digest = _measure(path)
    if digest != recorded:
        raise UploadError(
            f"{path}: den lokala filen har ändrats sedan den lades i utkorgen "
            f"(SHA-256 {digest[:12]}…, då {recorded[:12]}…); den skickades inte. "
            "Skapa filen igen.",
            retryable=False, reason="local_file",
        )


def _sent(
    row: OutboxFile, remote_path: str, already: bool, url: str, at: dt.datetime
) -> DeliveryResult:
    with write_transaction():
        OutboxFile.update(
            status=OutboxStatus.SENT.value, sent_at=at, remote_path=remote_path,
            last_error="", next_attempt_at=None, target_url=url,
        ).where(OutboxFile.id == row.id).execute()
        note = " (fanns redan på servern)" if already else ""
        audit.record("outbox.sent", "outbox_file", row.id,
                     {"file": Path(row.path).name, "remote": remote_path, "already_there": already})
    log.info("outbox %s: %s delivered as %s%s", row.id, row.path, remote_path, note)
    return DeliveryResult(row.id, row.path, OutboxStatus.SENT.value, remote_path=remote_path,
                          already_delivered=already, attempts=row.attempts)


def _retry_later(row: OutboxFile, message: str, reason: str, at: dt.datetime) -> DeliveryResult:
    retry_at = at + next_retry_delay(row.attempts)
    with write_transaction():
        OutboxFile.update(
            status=OutboxStatus.WAITING.value, next_attempt_at=retry_at, last_error=message,
        ).where(OutboxFile.id == row.id).execute()
    log.warning("outbox %s: %s not delivered (attempt %d), next attempt %s: %s",
                row.id, row.path, row.attempts, retry_at.isoformat(sep=" "), message)
    return DeliveryResult(row.id, row.path, OutboxStatus.WAITING.value, error=message,
                          reason=reason, attempts=row.attempts, next_attempt_at=retry_at)


def _still_sent(row: OutboxFile, message: str, reason: str) -> DeliveryResult:
    """A resend of a file delivered before did not go through (the local copy was moved or
    changed, the server is down): the agency has the file, so the record stays sent with its
    date and remote name; the attempt's reason is kept and returned."""
    with write_transaction():
        OutboxFile.update(
            status=OutboxStatus.SENT.value, next_attempt_at=None,
            last_error=f"Skicka igen misslyckades: {message}",
        ).where(OutboxFile.id == row.id).execute()
    when = f" {row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else ""
    log.warning("outbox %s: resending %s failed, it stays sent: %s", row.id, row.path, message)
    return DeliveryResult(
        row.id, row.path, OutboxStatus.FAILED.value, remote_path=row.remote_path,
        error=f"{message} Filen skickades{when} som {row.remote_path} och står kvar som skickad.",
        reason=reason, attempts=row.attempts,
    )


def _fail(row: OutboxFile, message: str, reason: str) -> DeliveryResult:
    with write_transaction():
        OutboxFile.update(
            status=OutboxStatus.FAILED.value, next_attempt_at=None, last_error=message,
        ).where(OutboxFile.id == row.id).execute()
        audit.record("outbox.failed", "outbox_file", row.id, message[:500])
    log.error("outbox %s: %s cannot be delivered until someone acts: %s", row.id, row.path, message)
    return DeliveryResult(row.id, row.path, OutboxStatus.FAILED.value, error=message,
                          reason=reason, attempts=row.attempts)


# --------------------------------------------------------------------------- staff actions


@requires(StaffRole.CLERK, "skicka filer i utkorgen")
def resend(outbox_id: int, now: dt.datetime | None = None) -> DeliveryResult:
    """Staff's "Skicka igen": queue the record at once and send it now.

    Allowed for waiting, failed and sent records (a sent file is found on the server and not sent
    again); refused while another process is sending it.
    """
    at = now or clock_now()
    with write_transaction():
        row = OutboxFile.get_or_none(OutboxFile.id == outbox_id)
        if row is None:
            raise NotFound(f"utkorgen har ingen fil med id {outbox_id}")
        if row.status == OutboxStatus.SENDING.value and row.next_attempt_at and row.next_attempt_at > at:
            raise Conflict(
                f"filen {outbox_id} i utkorgen ({Path(row.path).name}) skickas just nu; "
                "vänta på resultatet"
            )
        OutboxFile.update(status=OutboxStatus.WAITING.value, next_attempt_at=at).where(
            OutboxFile.id == outbox_id
        ).execute()
        was = status_label(row.status).lower()
        audit.record("outbox.resend", "outbox_file", outbox_id, f"{Path(row.path).name} (var {was})")
    results = deliver_pending(at, only_ids=[outbox_id], sent_before=row.status == OutboxStatus.SENT.value)
    if not results:
        raise Conflict(f"filen {outbox_id} i utkorgen togs av en annan process; se utkorgen")
    return results[0]


# --------------------------------------------------------------------------- reading


@reads
def list_outbox(status: str | None = None, limit: int = 500) -> list[OutboxEntry]:
    """The newest records first, optionally of one status."""
    query = OutboxFile.select().order_by(OutboxFile.created_at.desc(), OutboxFile.id.desc()).limit(limit)
    if status:
        if status not in {s.value for s in OutboxStatus}:
            raise UserError(f"okänd status {status!r} i utkorgen; använd waiting, sending, sent eller failed")
        query = query.where(OutboxFile.status == status)
    return [_entry(row) for row in query]


def get_entry(outbox_id: int) -> OutboxEntry:
    """One record, or :class:`NotFound`."""
    row = OutboxFile.get_or_none(OutboxFile.id == outbox_id)
    if row is None:
        raise NotFound(f"utkorgen har ingen fil med id {outbox_id}")
    return _entry(row)


@reads
def status_counts() -> dict[str, int]:
    """How many records per status (for a one-line summary)."""
    counts = {s.value: 0 for s in OutboxStatus}
    query = OutboxFile.select(OutboxFile.status, fn.COUNT(OutboxFile.id).alias("n")).group_by(
        OutboxFile.status
    )
    for status, n in tuple_rows(query):
        counts[status] = n
    return counts


def _entry(row: OutboxFile) -> OutboxEntry:
    path = Path(row.path)
    return OutboxEntry(
        id=row.id, path=row.path, file_name=path.name, kind=row.kind,
        target_url=redact_url(row.target_url), status=row.status,
        status_label=status_label(row.status),
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        created_at=row.created_at, sent_at=row.sent_at, remote_path=row.remote_path,
        size=row.size, sha256=row.sha256, collection_file_id=row.collection_file_id,
        local_exists=path.exists(),
    )
