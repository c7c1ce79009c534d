"""The store: connection, schema version, migrations, settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest

from tests.schema_v1 import v1_models
from tests.staff import approve_pending
from tui_inkasso.db import migrations
from tui_inkasso.db.connection import (
    DatabaseUrlError,
    LedgerMissing,
    close_database,
    database_url,
    db,
    make_database,
    open_database,
    resolve_database_url,
)
from tui_inkasso.db.models import AuditEntry, Setting
from tui_inkasso.services import settings
from tui_inkasso.services.setting_keys import SettingError


def test_fresh_database_gets_latest_schema(any_db: str) -> None:
    assert migrations.current_version(db.obj) == migrations.LATEST
    assert "invoice" in db.obj.get_tables()
    assert "outbox_file" in db.obj.get_tables()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    assert db.obj.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.obj.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.obj.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_older_database_upgrades_on_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = open_database(url, migrate=False)
    frozen = v1_models()
    with old.bind_ctx(frozen):
        old.create_tables(frozen)
    migrations.stamp_version(old, 1)
    Setting.create(key="collection.system", value="svea", changed_at="2025-01-01 00:00:00", changed_by="x")
    assert "scheduled_service" not in old.get_tables()
    close_database()

    database = open_database(url)
    assert migrations.current_version(database) == migrations.LATEST
    assert {"scheduled_service", "service_run", "outbox_file"} <= set(database.get_tables())
    assert settings.get_setting("collection.system") == "svea"
    close_database()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    database = open_database(url)
    migrations.stamp_version(database, migrations.LATEST + 1)
    close_database()
    with pytest.raises(migrations.MigrationError, match=r"databasen har schemaversion \d+, som är nyare än det här programmets \(\d+\): uppgradera tui-inkasso"):
        open_database(url)
    close_database()


def test_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_database_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("TUI_INKASSO_DB", "postgresql://u@h/d")
    assert resolve_database_url(None) == "postgresql://u@h/d"
    assert resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.delenv("TUI_INKASSO_DB")
    assert resolve_database_url(None).endswith("/tui-inkasso/inkasso.db")
    with pytest.raises(DatabaseUrlError) as refused:
        resolve_database_url("mysql://u@h/d")
    assert str(refused.value) == (
        "databasadressen har det okända protokollet 'mysql': ange en sökväg, sqlite:///SÖKVÄG "
        "eller postgresql://..."
    )


def test_a_plain_path_opens_a_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """open_database("path") without sqlite:/// is the SQLite file there (issue 13 review, item 4):
    it was taken for a PostgreSQL address. Absolute, relative and ~ paths; create=False refuses a
    missing file naming it; an unknown scheme or nothing at all is refused in words."""
    absolute = tmp_path / "a" / "inkasso.db"
    database = open_database(str(absolute))
    assert isinstance(database, pw.SqliteDatabase) and database.database == str(absolute)
    assert migrations.current_version(database) == migrations.LATEST and absolute.is_file()
    close_database()
    assert isinstance(open_database(str(absolute), create=False), pw.SqliteDatabase)  # the ledger is there
    close_database()
    monkeypatch.chdir(tmp_path)
    open_database("relativ.db")
    assert (tmp_path / "relativ.db").is_file()
    close_database()
    monkeypatch.setenv("HOME", str(tmp_path / "hem"))
    open_database("~/inkasso.db")
    assert (tmp_path / "hem" / "inkasso.db").is_file()
    close_database()
    with pytest.raises(LedgerMissing, match="saknas.db"):
        open_database(str(tmp_path / "saknas.db"), create=False)
    assert not (tmp_path / "saknas.db").exists()
    assert isinstance(make_database(str(absolute)), pw.SqliteDatabase)
    with pytest.raises(DatabaseUrlError, match="okända protokollet 'mysql'"):
        open_database("mysql://u@h/d")
    with pytest.raises(DatabaseUrlError, match="ingen databas angiven"):
        open_database(" ")
    assert database_url("postgres://u@h/d") == "postgres://u@h/d"


def test_a_postgresql_address_still_opens_postgresql(postgres_url: str) -> None:
    assert database_url(postgres_url) == postgres_url
    assert isinstance(db.obj, pw.PostgresqlDatabase)
    assert migrations.current_version(db.obj) == migrations.LATEST


def test_settings_validate_and_audit(any_db: str) -> None:
    assert settings.get_setting("collection.system") == "none"
    assert settings.set_setting("collection.agency_accounts", " 5051057 ; 991-2346") == "5051057;9912346"
    assert settings.agency_accounts() == frozenset(), "payment routing: a proposal until approved (issue 17)"
    approve_pending()
    assert settings.agency_accounts() == {"5051057", "9912346"}
    with pytest.raises(SettingError, match="fel kontrollsiffra"):
        settings.set_setting("collection.agency_accounts", "5051057;9912345")
    with pytest.raises(SettingError, match="ska vara en av"):
        settings.set_setting("collection.system", "kronofogden")
    assert settings.get_setting("collection.agency_accounts") == "5051057;9912346"
    entries = list(AuditEntry.select().where(AuditEntry.action == "setting.changed"))
    assert [(e.user, e.object_id) for e in entries] == [("granskare", "collection.agency_accounts")]


def test_settings_all_or_nothing(sqlite_url: str) -> None:
    with pytest.raises(SettingError):
        settings.set_settings({"collection.system": "svea", "collection.agency_accounts": "123"})
    assert settings.get_setting("collection.system") == "none"


def test_unique_invoice_number_enforced(any_db: str) -> None:
    from tests.factories import make_invoice

    make_invoice(number="1001")
    with pytest.raises(pw.IntegrityError):
        make_invoice(number="1001")
