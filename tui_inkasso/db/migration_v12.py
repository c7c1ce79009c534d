"""Schema version 12 (PostgreSQL): ``bulk_insert_checked``, the set-based foreign-key checks of a
bulk run for staff roles that may not switch the per-row checks off themselves.

A bulk run (a payment file's booking, a collection run, a balance file's recording) checks the
foreign keys of its ``COPY`` once per batch and turns the per-row triggers off for it
(``db/key_checks.py``), which needs the right to set ``session_replication_role``. Staff connect
as their own roles (issue 17) and must not get that right: with it a hand-written SQL session
could switch off every foreign fk. This function, owned by the ledger's owner (the role that
ran the migration) and run with its rights (``SECURITY DEFINER``), does that one thing for them:
the caller copies a batch into a temporary table of its session, and the function

* refuses a table the bulk runs do not write (:data:`TABLES`), a caller without ``INSERT`` on the
  table (``session_user``: a definer function runs as its owner, so without this check a reader
  could insert through it), and a source that is not a plain table of the session's own
  temporary schema with exactly the target's column types (no view, no row security, no cast: no
  code of the caller's runs with the owner's rights);
* checks each foreign key of the table set-based, locking the referenced rows ``FOR KEY SHARE``
  as the per-row trigger does, and refuses a missing key with PostgreSQL's own error
  (``foreign_key_violation`` naming the constraint and the key);
* inserts the rows with ``INSERT ... SELECT``, the per-row triggers off for that one statement
  when the owner may set the parameter and every insert trigger of the table is such a plain key
  check, else with the triggers (as a plain ``INSERT`` would).

Identifiers are quoted with ``format('%I')``, the search path is pinned (the ledger's schema,
``pg_temp`` last), ``EXECUTE`` is revoked from ``PUBLIC``; ``services/database_roles.py`` grants it
to clerks and administrators. On SQLite the step does nothing.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

FUNCTION = "bulk_insert_checked"
"""The function's name (in the ledger's schema; called ``bulk_insert_checked(table, source)``)."""

SIGNATURE = f"{FUNCTION}(text, text)"

TABLES = ("payment", "voucher", "voucher_row", "invoice_charge", "collection_case", "case_invoice",
          "case_event", "reported_correction")
"""The tables the bulk runs write through ``KeyChecks`` (booking, collection run, balance file)."""

_BODY = r"""
DECLARE
    target regclass;
    source_oid oid;
    names text;
    wrong text;
    fk record;
    hits bigint;
    wanted bigint;
    missing text;
    skip boolean;
    inserted bigint;
BEGIN
    IF NOT coalesce(target_table = ANY(%(tables)s::text[]), false) THEN
        RAISE EXCEPTION 'table %% is not written by a bulk run', target_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    target := format('%%I.%%I', %(schema)s, target_table)::regclass;
    IF NOT has_table_privilege(session_user, target, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied for table %%', target_table USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT c.oid INTO source_oid FROM pg_catalog.pg_class c
     WHERE c.relname = source_table AND c.relnamespace = pg_catalog.pg_my_temp_schema()
       AND c.relkind = 'r' AND NOT c.relrowsecurity AND NOT c.relforcerowsecurity;
    IF source_oid IS NULL THEN
        RAISE EXCEPTION 'source %% is not a plain temporary table of this session', source_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT string_agg(format('%%I', s.attname), ', ' ORDER BY s.attnum),
           string_agg(CASE WHEN t.attname IS NULL OR t.atttypid <> s.atttypid THEN s.attname END, ', ')
      INTO names, wrong
      FROM pg_catalog.pg_attribute s
      LEFT JOIN pg_catalog.pg_attribute t
        ON t.attrelid = target AND t.attname = s.attname AND t.attnum > 0 AND NOT t.attisdropped
     WHERE s.attrelid = source_oid AND s.attnum > 0 AND NOT s.attisdropped;
    IF names IS NULL OR wrong IS NOT NULL THEN
        RAISE EXCEPTION 'source %% does not have the columns of %%: %%', source_table, target_table,
            coalesce(wrong, 'none') USING ERRCODE = 'datatype_mismatch';
    END IF;
    -- The per-row triggers may be left out only when every insert trigger is a plain key check
    -- done here (one integer column, another table, not deferred, enabled as usual).
    skip := pg_catalog.current_setting('session_replication_role') = 'origin'
        AND (SELECT %(may_set)s FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
        AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_trigger g
              JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
              LEFT JOIN pg_catalog.pg_constraint k ON k.oid = g.tgconstraint
             WHERE g.tgrelid = target AND (g.tgtype & 4) <> 0
               AND NOT (p.proname = 'RI_FKey_check_ins' AND g.tgenabled = 'O' AND k.contype = 'f'
                        AND NOT k.condeferrable AND pg_catalog.array_length(k.conkey, 1) = 1
                        AND k.confrelid <> k.conrelid));
    FOR fk IN
        SELECT k.conname, a.attname AS col, k.confrelid::regclass AS referenced, fa.attname AS refcol,
               k.confrelid::regclass::text AS refname
          FROM pg_catalog.pg_constraint k
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
          JOIN pg_catalog.pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
          JOIN pg_catalog.pg_attribute s ON s.attrelid = source_oid AND s.attname = a.attname
                                        AND s.attnum > 0 AND NOT s.attisdropped
         WHERE k.conrelid = target AND k.contype = 'f' AND pg_catalog.array_length(k.conkey, 1) = 1
           AND k.confrelid <> k.conrelid AND NOT k.condeferrable
         ORDER BY k.conname
    LOOP
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM ONLY %%s r WHERE r.%%I = ANY(ARRAY('
                       '(SELECT DISTINCT s.%%I FROM ONLY pg_temp.%%I s))) '
                       'FOR KEY SHARE OF r) f',
                       fk.referenced, fk.refcol, fk.col, source_table) INTO hits;
        EXECUTE format('SELECT count(DISTINCT s.%%I) FROM ONLY pg_temp.%%I s', fk.col, source_table)
            INTO wanted;
        IF hits <> wanted THEN
            EXECUTE format('SELECT min(s.%%I)::text FROM ONLY pg_temp.%%I s WHERE s.%%I IS NOT NULL '
                           'AND NOT EXISTS (SELECT 1 FROM ONLY %%s r WHERE r.%%I = s.%%I)',
                           fk.col, source_table, fk.col, fk.referenced, fk.refcol, fk.col) INTO missing;
            RAISE EXCEPTION 'insert or update on table "%%" violates foreign key constraint "%%"',
                    target_table, fk.conname
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = fk.conname, TABLE = target_table,
                      SCHEMA = %(schema)s,
                      DETAIL = format('Key (%%s)=(%%s) is not present in table "%%s".',
                                      fk.col, missing, fk.refname);
        END IF;
    END LOOP;
    -- (self-referring or deferred keys, left out above, keep their triggers: skip is false then)
    IF skip THEN
        PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
    END IF;
    EXECUTE format('INSERT INTO %%s (%%s) SELECT %%s FROM ONLY pg_temp.%%I', target, names, names, source_table);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF skip THEN
        PERFORM pg_catalog.set_config('session_replication_role', 'origin', true);
    END IF;
    -- (an error aborts the transaction or its savepoint, which resets the role with it)
    RETURN inserted;
END
"""


def _literal(database: pw.Database, value: object) -> str:
    """``value`` as an SQL literal, quoted by the driver."""
    cursor = database.cursor()
    return str(cursor.mogrify("%s", (value,)).decode())


def create_function(database: pw.Database) -> None:
    """Create (or replace) the function in the current schema, owned by the role running this,
    ``EXECUTE`` revoked from ``PUBLIC``. PostgreSQL only."""
    schema = str(database.execute_sql("SELECT current_schema()").fetchone()[0])
    quoted = '"' + schema.replace('"', '""') + '"'
    version = int(database.execute_sql("SHOW server_version_num").fetchone()[0])
    may_set = "r.rolsuper" + (" OR pg_catalog.has_parameter_privilege(r.oid, 'session_replication_role', 'SET')"
                              if version >= 150000 else "")
    body = _BODY % {"tables": _literal(database, list(TABLES)), "schema": _literal(database, schema),
                    "may_set": may_set}
    database.execute_sql(
        f"CREATE OR REPLACE FUNCTION {quoted}.{FUNCTION}(target_table text, source_table text) RETURNS bigint "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {quoted}, pg_temp AS %s", (body,))
    database.execute_sql(f"REVOKE ALL ON FUNCTION {quoted}.{SIGNATURE} FROM PUBLIC")


def migrate_v12(database: pw.Database, migrator: SchemaMigrator) -> None:
    """The function on PostgreSQL; nothing on SQLite."""
    if isinstance(database, pw.PostgresqlDatabase):
        create_function(database)
