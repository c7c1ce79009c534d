"""PostgreSQL schemas for the tests, made once and emptied between tests instead of made anew.

Creating a schema's ~40 tables and their indexes is about 140 statements (1-2 s a test on a busy
two-core machine) and dropping it half a second more. A test process therefore keeps the schemas
its tests used: when a test is done, its schema is emptied (``TRUNCATE ... RESTART IDENTITY``, the
stamped ``schema_version`` kept) and handed to the next test, which finds what the migrations
make from nothing: the same tables, indexes, constraints, grants and sequences, no rows but the
schema's version. A schema is only reused when that is provably so: its catalogue (tables,
columns, defaults, indexes, constraints, triggers, functions, types, grants, default privileges,
sequences) must be what it was right after its migration, its ``schema_version`` rows and its
sequences too; otherwise (a migration test changed the tables, a role test granted something) it
is dropped, as before, and the next test gets a new one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

_CATALOGUE = """
SELECT md5(coalesce(string_agg(line, E'\\n' ORDER BY line), '')) FROM (
  SELECT 'schema ' || coalesce(n.nspacl::text, '-') AS line FROM pg_namespace n WHERE n.oid = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'class', c.relname, c.relkind, c.relowner::regrole::text, c.relacl::text,
                   c.reloptions::text, c.relrowsecurity, c.relpersistence)
    FROM pg_class c WHERE c.relnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'column', c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                   a.attnotnull, a.attidentity, a.attgenerated, a.attacl::text, a.attcollation,
                   pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = %(ns)s AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT concat_ws(' ', 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'constraint', o.conname, o.conrelid::regclass::text, pg_get_constraintdef(o.oid))
    FROM pg_constraint o WHERE o.connamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'trigger', t.tgname, t.tgrelid::regclass::text, pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'function', p.oid::regprocedure::text, md5(p.prosrc), p.proacl::text)
    FROM pg_proc p WHERE p.pronamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'type', t.typname, t.typtype) FROM pg_type t WHERE t.typnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'policy', p.polname, p.polrelid::regclass::text)
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'default acl', a.defaclrole::regrole::text, a.defaclobjtype, a.defaclacl::text)
    FROM pg_default_acl a WHERE a.defaclnamespace = %(ns)s
  UNION ALL
  SELECT concat_ws(' ', 'sequence', s.seqrelid::regclass::text, s.seqtypid, s.seqstart, s.seqincrement,
                   s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = %(ns)s
) lines
"""

_SEQUENCE_STATES = """
SELECT coalesce(string_agg(sequencename || '=' || coalesce(last_value::text, 'unused'), ' '
                           ORDER BY sequencename), '')
  FROM pg_sequences WHERE schemaname = %(name)s
"""


@dataclass
class _Fresh:
    """What a schema held right after its migration, before any test used it."""

    catalogue: str
    versions: list[tuple[Any, ...]]
    sequences: str
    values: dict[str, int | None]


def fresh_value(fresh: _Fresh, sequence: str) -> int | None:
    """The sequence's last value right after the migration (None: not used yet)."""
    return fresh.values.get(sequence)


class SchemaPool:
    """The schemas of one test process: handed out one at a time, taken back emptied."""

    def __init__(self, admin: Any) -> None:
        self._admin = admin  # psycopg2 connection, autocommit, as the server's superuser
        self._idle: list[str] = []
        self._fresh: dict[str, _Fresh] = {}

    def take(self) -> tuple[str, bool]:
        """A schema for the next test and whether it is new (still to be migrated)."""
        if self._idle:
            return self._idle.pop(), False
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE SCHEMA "{name}"')
        return name, True

    def migrated(self, name: str) -> None:
        """Remember what the migrations made in the new schema ``name``, before the test writes."""
        self._fresh[name] = self._state(name)

    def give_back(self, name: str) -> None:
        """Empty ``name`` for the next test, or drop it when it is not as its migration left it."""
        fresh = self._fresh.get(name)
        if fresh is not None and self._reset(name, fresh):
            self._idle.append(name)
            return
        self._fresh.pop(name, None)
        self._execute("SET lock_timeout = 0")
        self._execute(f'DROP SCHEMA "{name}" CASCADE')

    def close(self) -> None:
        """Drop every schema still kept (the end of the test session)."""
        for name in self._idle:
            self._execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        self._idle.clear()
        self._admin.close()

    def _reset(self, name: str, fresh: _Fresh) -> bool:
        try:
            self._empty(name, fresh)
            return not self._tables_with_rows(name) and self._state(name) == fresh
        except Exception:  # any failure (a table gone, a lock not had): not reused, dropped
            self._execute("ROLLBACK")
            return False

    def _empty(self, name: str, fresh: _Fresh) -> None:
        """Delete the rows of the tables that have any and restart the sequences a test used.

        DELETE of the few rows a test writes, not TRUNCATE: TRUNCATE makes new files for every
        table and index it names (1.5 s for all ~40 tables), and with foreign keys it must name
        nearly all. The session does not fire the foreign keys' triggers meanwhile (replica role),
        so the order of the tables does not matter; all of it in one transaction."""
        tables = self._tables_with_rows(name)
        used = [sequence for sequence, value in self._sequence_values(name).items()
                if value is not None and fresh_value(fresh, sequence) is None]
        if not tables and not used:
            return
        statements = ["BEGIN", "SET LOCAL session_replication_role = replica",
                      "SET LOCAL lock_timeout = '10s'"]  # a connection left in a transaction: give up
        statements += [f'DELETE FROM "{name}"."{table}"' for table in tables]
        statements += [f"SELECT setval('\"{name}\".\"{sequence}\"', start_value, false) "
                       f"FROM pg_sequences WHERE schemaname = '{name}' AND sequencename = '{sequence}'"
                       for sequence in used]
        self._execute(";\n".join([*statements, "COMMIT"]))

    def _state(self, name: str) -> _Fresh:
        return _Fresh(self._catalogue(name), self._versions(name), self._sequences(name),
                      self._sequence_values(name))

    def _namespace(self, name: str) -> int:
        return int(self._one("SELECT oid FROM pg_namespace WHERE nspname = %s", (name,)))

    def _catalogue(self, name: str) -> str:
        return str(self._one(_CATALOGUE, {"ns": self._namespace(name)}))

    def _sequences(self, name: str) -> str:
        return str(self._one(_SEQUENCE_STATES, {"name": name}))

    def _sequence_values(self, name: str) -> dict[str, int | None]:
        with self._admin.cursor() as cursor:
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", (name,))
            return dict(cursor.fetchall())

    def _versions(self, name: str) -> list[tuple[Any, ...]]:
        with self._admin.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{name}".schema_version ORDER BY 1')
            return [tuple(row) for row in cursor.fetchall()]

    def _tables_with_rows(self, name: str) -> list[str]:
        with self._admin.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> 'schema_version'",
                           (name,))
            tables = [table for (table,) in cursor.fetchall()]
            cursor.execute(" UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{name}\".\"{table}\")" for table in tables))
            return [table for (table,) in cursor.fetchall()]

    def _one(self, sql: str, params: Any) -> Any:
        with self._admin.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _execute(self, sql: str) -> None:
        with self._admin.cursor() as cursor:
            cursor.execute(sql)
