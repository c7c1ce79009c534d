"""Schema version 5 (issue 13): level kinds, the OCR control level, and SIE exports recorded.

* ``dunning_level_config.kind``: each level's kind (``domain.level_kinds``). A stored level gets
  the kind it was read as before: level 1 a *påminnelse* when it has a fee, a *påminnelse utan
  avgift* when it has none; every later level an *inkassokrav* (the product's old convention,
  ``domain.level_kinds.default_kind``). Nothing else is changed: a configuration that the law
  does not allow as it stands (two levels charging the collection fee, a fee above the ceiling)
  keeps its values, and every run refuses it with the reasons until staff correct it under
  Inställningar, Alternativ – Påminnelse/krav (docs/dunning.md, "Level kinds in the store").
* ``owner.ocr_control``: the OCR control of the owner's receiving bankgiro/plusgiro; every owner
  gets the strictest level (check digit and length), which is what the program checked before.
* ``sie_export`` and ``voucher.sie_export``: which export carried each voucher. The exports an
  older version made are rebuilt from the audit log (``sie.exported``: the period, the owners'
  codes and the time of the export): a voucher of such an owner dated in such a period and
  created before the export is marked as carried by it, so the first export after the upgrade
  takes only what no file has carried yet.

The models are frozen copies, as they were at version 5.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate

_KIND_SQL = (
    'UPDATE "dunning_level_config" SET "kind" = CASE '
    """WHEN "level" > 1 THEN 'collection_demand' WHEN "fee" > 0 THEN 'reminder' """
    """ELSE 'reminder_no_fee' END WHERE "kind" = ''"""
)

_PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*[–-]\s*(\d{4}-\d{2}-\d{2}):\s*(.*)$")
_OWNER_PART = re.compile(r"^\s*(\S+)\s+(\d+)\s+verifikationer\s*$")


def migrate_v5(database: pw.Database, migrator: SchemaMigrator) -> None:
    """Add the columns and the table; give stored levels their kinds; rebuild old exports."""

    class Base(pw.Model):
        if TYPE_CHECKING:
            id = pw.AutoField()  # the key peewee adds (as on db.models.BaseModel)

        class Meta:
            legacy_table_names = False

    class Owner(Base):
        class Meta:
            table_name = "owner"

    class SieExport(Base):
        owner = pw.ForeignKeyField(Owner, backref="sie_exports", index=True)
        created_at = pw.DateTimeField()
        created_by = pw.CharField(max_length=100)
        path = pw.CharField(max_length=500)
        from_date = pw.DateField(null=True)
        to_date = pw.DateField(null=True)
        vouchers = pw.IntegerField(default=0)
        again = pw.BooleanField(default=False)
        sha256 = pw.CharField(max_length=64, default="")

        class Meta:
            table_name = "sie_export"

    with database.bind_ctx([Owner, SieExport]):
        database.create_tables([SieExport])
    migrate(
        migrator.add_column("dunning_level_config", "kind",
                            pw.CharField(max_length=20, default="", constraints=[pw.SQL("DEFAULT ''")])),
        migrator.add_column("owner", "ocr_control",
                            pw.CharField(max_length=30, default="check_digit_and_length",
                                         constraints=[pw.SQL("DEFAULT 'check_digit_and_length'")])),
        migrator.add_column("voucher", "sie_export_id",
                            pw.ForeignKeyField(SieExport, null=True, field=SieExport.id, index=True)),
    )
    database.execute_sql(_KIND_SQL)
    _rebuild_exports(database)


def _rebuild_exports(database: pw.Database) -> None:
    """Turn each ``sie.exported`` audit entry into an export row and mark what it carried."""
    owners = dict(database.execute_sql('SELECT "code", "id" FROM "owner"').fetchall())
    entries = database.execute_sql(
        """SELECT "at", "user", "object_id", "details" FROM "audit_entry" """
        """WHERE "action" = 'sie.exported' ORDER BY "at" """).fetchall()
    p = database.param
    for at, user, path, details in entries:
        parsed = _parse(details)
        if parsed is None:
            continue
        start, end, codes = parsed
        for code in codes:
            owner_id = owners.get(code)
            if owner_id is None:
                continue
            cursor = database.execute_sql(
                'INSERT INTO "sie_export" ("owner_id", "created_at", "created_by", "path", "from_date", '
                f'"to_date", "vouchers", "again", "sha256") VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 0, {p}, {p})'
                + (' RETURNING "id"' if isinstance(database, pw.PostgresqlDatabase) else ""),
                (owner_id, at, user or "", str(path)[:500], start, end, False, ""))
            export_id = (cursor.fetchone()[0] if isinstance(database, pw.PostgresqlDatabase)
                         else cursor.lastrowid)
            database.execute_sql(
                f'UPDATE "voucher" SET "sie_export_id" = {p} WHERE "owner_id" = {p} AND "date" >= {p} '
                f'AND "date" <= {p} AND "created_at" <= {p} AND "sie_export_id" IS NULL',
                (export_id, owner_id, start, end, at))
            database.execute_sql(
                f'UPDATE "sie_export" SET "vouchers" = (SELECT COUNT(*) FROM "voucher" '
                f'WHERE "sie_export_id" = {p}) WHERE "id" = {p}', (export_id, export_id))


def _parse(details: str | None) -> tuple[dt.date, dt.date, list[str]] | None:
    """(from, to, owner codes) of an old export's details ("2026-12-01–2026-12-04: SBF 5
    verifikationer, KLA 2 verifikationer"), stored as words or as {"text": ...}."""
    text = details or ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        text = str(data.get("text", ""))
    match = _PERIOD.match(text.strip())
    if match is None:
        return None
    try:
        start, end = dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2))
    except ValueError:
        return None
    codes = [m.group(1) for part in match.group(3).split(",") if (m := _OWNER_PART.match(part))]
    return start, end, codes
