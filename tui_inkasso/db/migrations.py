"""Schema versions, and the steps that bring an older database up to date.

A new database gets the current models and is stamped with the latest version. An older one runs
each step after its version, each in its own transaction, under a lock so that the app and the
daemon never migrate at once (a lock file for SQLite, an advisory lock for PostgreSQL).

How to write a step: a function ``(database, migrator)`` in :data:`MIGRATIONS` under the version it
brings the database to. New tables are created from frozen copies of their models as they were at
that version, never the live ones, so a later change to ``models.py`` cannot change what an old
step does. Column changes go through ``playhouse.migrate`` with the ``migrator`` the runner hands
in (``migrate(migrator.add_column("invoice", "x", pw.IntegerField(default=0)))``; also
``drop_column``, ``rename_column``, ``add_index``, ``add_not_null`` ...): it writes the right SQL
for SQLite and PostgreSQL, and on SQLite rebuilds a table where ``ALTER TABLE`` cannot. On SQLite
the runner turns foreign-key enforcement off around the step (a rebuild drops and renames
tables; SQLite can only change that setting outside a transaction) and checks every foreign key
before the step commits. A model change without a step fails ``tests/test_migrations.py``, which
upgrades a frozen version-1 database and compares it with a new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee as pw
from playhouse.migrate import SchemaMigrator

from tui_inkasso.db import models
from tui_inkasso.db.migration_v3 import migrate_audit_details
from tui_inkasso.db.migration_v4 import migrate_claim_model
from tui_inkasso.db.migration_v5 import migrate_v5
from tui_inkasso.db.migration_v6 import migrate_v6
from tui_inkasso.db.migration_v7 import migrate_v7
from tui_inkasso.db.migration_v8 import migrate_v8
from tui_inkasso.db.migration_v9 import migrate_v9
from tui_inkasso.db.migration_v10 import migrate_v10
from tui_inkasso.db.migration_v11 import migrate_v11
from tui_inkasso.db.migration_v12 import create_function, migrate_v12

Step = Callable[[pw.Database, SchemaMigrator], None]
"""A migration step: the database (in the step's transaction) and its ``playhouse.migrate`` migrator."""

LOCK_KEY = 727_274_101
"""PostgreSQL advisory lock key for migrations (any constant unique to this app)."""


def _v2_scheduling_and_outbox(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Version 2: scheduled services, their runs, and the outbox of files to deliver."""

    class Base(pw.Model):
        class Meta:
            legacy_table_names = False

    class CollectionFile(Base):
        class Meta:
            table_name = "collection_file"

    class ScheduledService(Base):
        name = pw.CharField(max_length=100)
        service = pw.CharField(max_length=40)
        description = pw.TextField(default="")
        enabled = pw.BooleanField(default=True)
        notify_emails = pw.TextField(default="")
        notify_success = pw.BooleanField(default=False)
        frequency = pw.CharField(max_length=10)
        weekdays = pw.CharField(max_length=20, default="")
        month_day = pw.IntegerField(null=True)
        every_hours = pw.IntegerField(null=True)
        at_time = pw.CharField(max_length=5, default="06:00")
        created_at = pw.DateTimeField()
        changed_at = pw.DateTimeField()

    class ServiceRun(Base):
        service = pw.ForeignKeyField(ScheduledService, on_delete="CASCADE", index=True)
        slot = pw.CharField(max_length=40)
        trigger = pw.CharField(max_length=20)
        started_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)
        result = pw.CharField(max_length=20)
        file = pw.CharField(max_length=500, default="")
        error = pw.TextField(default="")
        worker = pw.CharField(max_length=100, default="")

        class Meta:
            indexes = ((("service", "slot"), True),)

    class OutboxFile(Base):
        path = pw.CharField(max_length=500)
        kind = pw.CharField(max_length=20)
        target_url = pw.CharField(max_length=500)
        status = pw.CharField(max_length=20, default="waiting", index=True)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField(null=True)
        last_error = pw.TextField(default="")
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True)
        remote_path = pw.CharField(max_length=500, default="")
        sha256 = pw.CharField(max_length=64, default="")
        size = pw.BigIntegerField(default=0)
        collection_file = pw.ForeignKeyField(CollectionFile, null=True)

    frozen = [ScheduledService, ServiceRun, OutboxFile]
    with database.bind_ctx([CollectionFile, *frozen]):
        database.create_tables(frozen)


MIGRATIONS: dict[int, Step] = {
    2: _v2_scheduling_and_outbox,
    3: migrate_audit_details,
    4: migrate_claim_model,
    5: migrate_v5,
    6: migrate_v6,
    7: migrate_v7,
    8: migrate_v8,
    9: migrate_v9,
    10: migrate_v10,
    11: migrate_v11,
    12: migrate_v12,
}
"""Step N brings a database from version N-1 to N. Version 1 is the first released schema."""

LATEST = max(MIGRATIONS, default=1)


class MigrationError(RuntimeError):
    """The database is newer than this program, or a step failed."""


def current_version(database: pw.Database) -> int | None:
    """The stamped version, or None for an empty database."""
    if not database.table_exists(models.SchemaVersion._meta.table_name):
        return None
    with database.bind_ctx([models.SchemaVersion]):
        row = models.SchemaVersion.select().order_by(models.SchemaVersion.version.desc()).first()
    return row.version if row else None


def migrate(database: pw.Database, *, lock_path: Path | None = None) -> int:
    """Create or upgrade the schema; returns the version now in the database."""
    with _migration_lock(database, lock_path):
        version = current_version(database)
        if version is None:
            with database.atomic():
                database.create_tables(models.MODELS)
                if isinstance(database, pw.PostgresqlDatabase):
                    create_function(database)  # what version 12 adds besides tables
                _stamp(database, LATEST)
            return LATEST
        if version > LATEST:
            raise MigrationError(
                f"databasen har schemaversion {version}, som är nyare än det här programmets "
                f"({LATEST}): uppgradera tui-inkasso"
            )
        for step_version in range(version + 1, LATEST + 1):
            _run_step(database, step_version)
        return LATEST


def _run_step(database: pw.Database, version: int) -> None:
    """One step and its stamp in one transaction (SQLite: foreign keys checked, not enforced)."""
    migrator = SchemaMigrator.from_database(database)
    with migrator.migration_context():
        MIGRATIONS[version](database, migrator)
        if isinstance(database, pw.SqliteDatabase):
            broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                table, rowid, parent, _ = broken[0]
                raise MigrationError(
                    f"migreringen till schemaversion {version} lämnar {len(broken)} rader vars "
                    f"främmande nyckel saknar sin rad (första: {table} rad {rowid} -> {parent})"
                )
        _stamp(database, version)


def stamp_version(database: pw.Database, version: int) -> None:
    """Record ``version`` (used by migrations, and by tests that build an old schema)."""
    _stamp(database, version)


def _stamp(database: pw.Database, version: int) -> None:
    with database.bind_ctx([models.SchemaVersion]):
        models.SchemaVersion.delete().execute()
        models.SchemaVersion.create(version=version, migrated_at=dt.datetime.now())


@contextlib.contextmanager
def _migration_lock(database: pw.Database, lock_path: Path | None) -> Iterator[None]:
    if isinstance(database, pw.PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            yield
        finally:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        return
    if lock_path is None:
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
