"""The audit log: everything a user did that changes money, a case or a setting.

Services call :func:`record` inside their own transaction, so the entry exists exactly when the
change does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tui_inkasso.db.models import AuditEntry
from tui_inkasso.services.clock import current_user, now


def record(action: str, object_type: str, object_id: object, details: str = "") -> None:
    """Write one audit entry as the current OS user, now."""
    AuditEntry.create(
        at=now(),
        user=current_user(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )


def record_many(entries: list[tuple[str, str, object, str]]) -> None:
    """Write many audit entries at once (bulk runs).

    Through the driver's executemany: peewee's SQL building for 20,000 rows of insert_many
    costs seconds, the statement itself milliseconds.
    """
    from tui_inkasso.services.bulk import execute_many

    at, user = now(), current_user()
    execute_many(
        'INSERT INTO "audit_entry" ("at", "user", "action", "object_type", "object_id", "details") '
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(at, user, a, t, str(i), d) for a, t, i, d in entries],
    )


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as shown to users."""

    at: dt.datetime
    user: str
    action: str
    object_type: str
    object_id: str
    details: str


def recent(limit: int = 100, object_type: str | None = None, object_id: str | None = None) -> list[AuditLine]:
    """The latest entries, newest first, optionally for one object."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return [AuditLine(e.at, e.user, e.action, e.object_type, e.object_id, e.details) for e in query]
