"""Migrations on SQLite and PostgreSQL: a frozen version 1 upgrades to exactly the schema of a new
database, column changes run through ``playhouse.migrate`` inside the runner, and a step that
fails or breaks a foreign key leaves the database as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator, migrate

from tests.conftest import postgres_schema
from tests.schema_v1 import v1_models
from tui_inkasso.db import migrations
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.db.models import MODELS

Schema = dict[str, tuple[frozenset, frozenset, frozenset]]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, PostgreSQL schema or None) of an empty database nothing has been created in."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}", None
        close_database()
        return
    with postgres_schema("m") as (url, schema):
        try:
            yield url, schema
        finally:
            close_database()


def _build_v1(url: str) -> pw.Database:
    """A database at schema version 1, built from the frozen copies (tests/schema_v1.py)."""
    database = open_database(url, migrate=False)
    frozen = v1_models()
    with database.bind_ctx(frozen):
        database.create_tables(frozen)
    migrations.stamp_version(database, 1)
    return database


def _schema(database: pw.Database, schema: str | None) -> Schema:
    """Every table's columns (name, type, null, primary key), indexes and foreign keys."""
    found: Schema = {}
    for table in database.get_tables(schema=schema):
        columns = frozenset((c.name, c.data_type.lower(), c.null, c.primary_key)
                            for c in database.get_columns(table, schema=schema))
        indexes = frozenset((i.name, tuple(i.columns), i.unique)
                            for i in database.get_indexes(table, schema=schema))
        keys = frozenset((k.column, k.dest_table, k.dest_column)
                         for k in database.get_foreign_keys(table, schema=schema))
        found[table] = (columns, indexes, keys)
    return found


def test_version_1_upgrades_to_the_schema_of_a_new_database(empty_url: tuple[str, str | None]) -> None:
    url, schema = empty_url
    _build_v1(url)
    close_database()
    upgraded = open_database(url)
    assert migrations.current_version(upgraded) == migrations.LATEST
    migrated = _schema(upgraded, schema)
    if schema is None:  # SQLite: a cascading drop would reach tables dropped before it
        upgraded.execute_sql("PRAGMA foreign_keys = OFF")
    with upgraded.atomic():
        for table in migrated:
            upgraded.execute_sql(f'DROP TABLE "{table}" CASCADE' if schema else f'DROP TABLE "{table}"')
    upgraded.create_tables(MODELS)
    fresh = _schema(upgraded, schema)
    assert sorted(migrated) == sorted(fresh)
    differences = {t: (migrated[t], fresh[t]) for t in fresh if migrated[t] != fresh[t]}
    assert not differences, "a model changed without a migration step"


def _add_owner_note(database: pw.Database, migrator: SchemaMigrator) -> None:
    """A step as a real one is written: a new column, a rename, a NOT NULL (a table rebuild on
    SQLite), all through playhouse.migrate."""
    database.execute_sql("UPDATE owner SET bankgiro = '' WHERE bankgiro IS NULL")
    migrate(
        migrator.add_column("owner", "note", pw.TextField(default="")),
        migrator.rename_column("owner", "phone", "telephone"),
        migrator.add_not_null("owner", "bankgiro"),
    )


def _ledger_rows(database: pw.Database) -> None:
    """An owner with a property and an account pointing at it (children of a table a step rebuilds)."""
    database.execute_sql(
        "INSERT INTO owner (code, name, org_no, bankgiro, plusgiro, address, postal_code, city, phone, email) "
        "VALUES ('BAB', 'Bostads AB', '556036-0793', NULL, NULL, '', '', '', '08-1', '')")
    owner_id = int(database.execute_sql("SELECT id FROM owner").fetchone()[0])
    database.execute_sql("INSERT INTO property (code, owner_id, designation, name, area) "
                         f"VALUES ('1001', {owner_id}, 'Exempla 1:1', '', 'Norr')")
    database.execute_sql(f"INSERT INTO account (owner_id, role, number, name) VALUES ({owner_id}, 'Bank', '1930', 'Bank')")


def test_a_column_change_runs_through_playhouse_migrate(
    empty_url: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, schema = empty_url
    database = open_database(url)
    _ledger_rows(database)
    step = migrations.LATEST + 1
    monkeypatch.setitem(migrations.MIGRATIONS, step, _add_owner_note)
    monkeypatch.setattr(migrations, "LATEST", step)
    close_database()

    database = open_database(url)
    assert migrations.current_version(database) == step
    columns = {c.name: c.null for c in database.get_columns("owner", schema=schema)}
    assert columns["note"] is False and columns["bankgiro"] is False
    assert "telephone" in columns and "phone" not in columns
    row = database.execute_sql("SELECT code, bankgiro, telephone, note FROM owner").fetchone()
    assert tuple(row) == ("BAB", "", "08-1", "")
    children = database.execute_sql(
        "SELECT p.code, a.role FROM property p JOIN account a ON a.owner_id = p.owner_id "
        "JOIN owner o ON o.id = p.owner_id").fetchall()
    assert [tuple(c) for c in children] == [("1001", "Bank")], "the rebuilt table's children kept"
    assert {k.dest_table for k in database.get_foreign_keys("property", schema=schema)} == {"owner"}
    if schema is None:
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1, "enforcement back on"


def _fails_half_way(database: pw.Database, migrator: SchemaMigrator) -> None:
    migrate(migrator.add_column("owner", "note", pw.TextField(default="")))
    database.execute_sql("UPDATE owner SET name = 'ändrat'")
    raise RuntimeError("steget gick sönder")


def test_a_failing_step_leaves_the_database_as_it_was(
    empty_url: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, schema = empty_url
    database = open_database(url)
    _ledger_rows(database)
    before = migrations.current_version(database)
    monkeypatch.setitem(migrations.MIGRATIONS, before + 1, _fails_half_way)
    monkeypatch.setattr(migrations, "LATEST", before + 1)
    close_database()
    with pytest.raises(RuntimeError, match="steget gick sönder"):
        open_database(url)
    database = db.obj
    assert migrations.current_version(database) == before
    assert "note" not in {c.name for c in database.get_columns("owner", schema=schema)}
    assert database.execute_sql("SELECT name FROM owner").fetchone()[0] == "Bostads AB"


def _orphans_a_property(database: pw.Database, migrator: SchemaMigrator) -> None:
    database.execute_sql("DELETE FROM owner")


def test_a_step_that_breaks_a_foreign_key_is_refused_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    database = open_database(url)
    _ledger_rows(database)
    step = migrations.LATEST + 1
    monkeypatch.setitem(migrations.MIGRATIONS, step, _orphans_a_property)
    monkeypatch.setattr(migrations, "LATEST", step)
    close_database()
    with pytest.raises(migrations.MigrationError, match=r"schemaversion \d+ lämnar 2 rader vars främmande nyckel"):
        open_database(url)
    assert db.obj.execute_sql("SELECT COUNT(*) FROM owner").fetchone()[0] == 1
    assert migrations.current_version(db.obj) == step - 1
    close_database()


OLD_AUDIT = [
    ("setting.changed", "setting", "collection.system", "'none' -> 'svea'", "Inkassosystem: Inget – Excelfil → Svea Inkasso"),
    ("payment.booked", "payment", "7", "payment 1234.50 kr via bankgiro på faktura 2026001",
     "Betalning 1\u00a0234,50 kr via Bankgiro på faktura 2026001"),
    ("case.note", "collection_case", "IK-1", "Ringde kunden", "Ringde kunden"),
    ("case.closed", "collection_case", "IK-1", "", ""),
]


def test_version_2_audit_details_become_json_and_read_as_before(empty_url: tuple[str, str | None]) -> None:
    url, _ = empty_url
    database = _build_v1(url)
    for n, (action, kind, object_id, details, _) in enumerate(OLD_AUDIT):
        database.execute_sql(
            'INSERT INTO audit_entry ("at", "user", action, object_type, object_id, details) '
            f"VALUES ('2026-11-2{n} 10:00:00', 'testare', '{action}', '{kind}', '{object_id}', "
            f"'{details.replace(chr(39), chr(39) * 2)}')")
    close_database()
    database = open_database(url)
    from tui_inkasso.services import audit

    lines = sorted((line for line in audit.recent() if line.object_type != "staff_user"), key=lambda line: line.at)
    assert [line.readable_details for line in lines] == [shown for *_, shown in OLD_AUDIT]
    assert [json.loads(line.details) for line in lines] == [
        {"old": "none", "new": "svea"},
        {"kind": "payment", "amount": 123450, "method": "bankgiro", "invoice": "2026001"},
        {"text": "Ringde kunden"},
        {},
    ]


def test_version_10_drops_the_indexes_a_unique_index_leads_with(empty_url: tuple[str, str | None]) -> None:
    """A version-9 ledger (the five foreign-key indexes as version 1 created them) upgraded to 10
    has them no more, keeps the unique indexes that serve the same lookups, and still reads a
    voucher by owner through an index."""
    from tui_inkasso.db.migration_v10 import DROPPED

    url, schema = empty_url
    database = open_database(url)
    for name in DROPPED:
        table, column = _FOREIGN_KEY_INDEXES[name]
        database.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
    migrations.stamp_version(database, 9)
    close_database()

    upgraded = open_database(url)
    assert migrations.current_version(upgraded) == migrations.LATEST
    names = {i.name for table, _ in _FOREIGN_KEY_INDEXES.values()
             for i in upgraded.get_indexes(table, schema=schema)}
    assert not names & set(DROPPED)
    assert {"voucher_owner_id_number", "dunning_notice_invoice_id_level", "account_owner_id_role",
            "service_run_service_id_slot", "termination_invoice_termination_id_invoice_id"} <= names
    if schema is None:
        plan = " ".join(str(row[-1]) for row in upgraded.execute_sql(
            'EXPLAIN QUERY PLAN SELECT "id" FROM "voucher" WHERE "owner_id" = 1').fetchall())
        assert "voucher_owner_id_number" in plan, plan


_FOREIGN_KEY_INDEXES = {
    "voucher_owner_id": ("voucher", "owner_id"),
    "dunning_notice_invoice_id": ("dunning_notice", "invoice_id"),
    "account_owner_id": ("account", "owner_id"),
    "service_run_service_id": ("service_run", "service_id"),
    "termination_invoice_termination_id": ("termination_invoice", "termination_id"),
}


def test_version_11_indexes_a_charges_origin_keys_only_where_set(empty_url: tuple[str, str | None]) -> None:
    """A version-10 ledger (full indexes on the four origin keys) upgraded to 11 has them partial
    under the same names, and a lookup by a key still reads its index."""
    from tui_inkasso.db.migration_v11 import ORIGINS

    url, schema = empty_url
    database = open_database(url)
    for column in ORIGINS:
        database.execute_sql(f'DROP INDEX "invoice_charge_{column}"')
        database.execute_sql(f'CREATE INDEX "invoice_charge_{column}" ON "invoice_charge" ("{column}")')
    migrations.stamp_version(database, 10)
    close_database()

    upgraded = open_database(url)
    assert migrations.current_version(upgraded) == migrations.LATEST
    if schema is None:
        found = dict(upgraded.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'invoice_charge'").fetchall())
    else:
        found = dict(upgraded.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoice_charge' AND schemaname = %s",
            (schema,)).fetchall())
    for column in ORIGINS:
        definition = found[f"invoice_charge_{column}"]
        assert f"{column}" in definition and "IS NOT NULL" in definition, definition
    if schema is None:
        plan = " ".join(str(row[-1]) for row in upgraded.execute_sql(
            'EXPLAIN QUERY PLAN SELECT "id" FROM "invoice_charge" WHERE "notice_id" = ?', (1,)).fetchall())
    else:
        upgraded.execute_sql("SET enable_seqscan = off")
        plan = " ".join(str(row[0]) for row in upgraded.execute_sql(
            'EXPLAIN SELECT "id" FROM "invoice_charge" WHERE "notice_id" = %s', (1,)).fetchall())
        upgraded.execute_sql("RESET enable_seqscan")
    assert "invoice_charge_notice_id" in plan, plan
