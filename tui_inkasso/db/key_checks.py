"""Foreign keys of a bulk ``COPY`` checked once per batch instead of once per row (PostgreSQL).

PostgreSQL checks a foreign key with a trigger per inserted row: a query of its own for each row
and each key (``SELECT 1 FROM ONLY ref WHERE id = $1 FOR KEY SHARE``). A payment file of 100,000
payments writes 100,000 payments (five keys), 100,000 vouchers (three) and 200,000 voucher rows
(one): about 850,000 such queries, 2.3 s of the server's 7 s for the whole import here, while
the same checks as one set-based query per key and batch take 0.06 s per 100,000 keys.

So a ``COPY`` written through :class:`KeyChecks` does exactly what the triggers would do, per
batch: for each foreign key of the table, the distinct values the rows give are looked up in the
referenced table in one statement and locked as the trigger locks them (``FOR KEY SHARE``, so no
one can delete or re-key them before the commit); a value that is not there refuses the batch
with the error PostgreSQL itself raises (an ``IntegrityError`` naming the constraint and the
key). Only then is the ``COPY`` run with ``session_replication_role = replica`` for that one
statement, so the per-row triggers are not fired a second time, and the role is set back at once.
Integrity is not weakened: the same keys are checked against the same rows under the same locks,
only set-based; the tests prove a bad id is refused (tests/test_key_checks.py).

It is used only where it is exactly equivalent, else the ``COPY`` runs as usual with the
triggers (:meth:`KeyChecks.plan` returns None):

* the role may set ``session_replication_role`` (a superuser, or granted it on PostgreSQL 15+:
  ``GRANT SET ON PARAMETER session_replication_role TO <role>``), and it is ``origin`` now; a
  staff role (issue 17) may not, and must not get that right (its own SQL session could switch
  off every foreign key): for a table a bulk run writes it copies the batch into a temporary
  table and the ledger owner's ``SECURITY DEFINER`` function ``bulk_insert_checked``
  (``db/migration_v12.py``) does the same checks there and inserts the rows without the triggers
  (when its owner may set the parameter; else the ``COPY`` keeps the triggers). Measured on
  100,000 payments as a clerk: 3.75 s of server CPU instead of 6.4 s with the per-row triggers,
  about what the superuser's path takes (3.6 s), though every row is written twice;
* every trigger that fires on an insert into the table is a foreign key's own check trigger,
  enabled as usual: replica mode would silently skip any other trigger (a user's audit trigger,
  a deferrable unique constraint's recheck), so a table with one keeps its triggers;
* each key is one integer column referring to another table, checked at once (not deferrable),
  and a key column the ``COPY`` does not name has no default (it is NULL, which no key checks).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui_inkasso.db.migration_v12 import FUNCTION, SIGNATURE, TABLES

_TRIGGERS_SQL = """
SELECT p.proname = 'RI_FKey_check_ins' AND t.tgenabled = 'O' AND c.contype = 'f' AND NOT c.condeferrable
       AND array_length(c.conkey, 1) = 1 AND c.confrelid <> c.conrelid
       AND format_type(fa.atttypid, fa.atttypmod) IN ('bigint', 'integer', 'smallint'),
       c.conname, a.attname, a.atthasdef, c.confrelid::regclass::text, fa.attname
FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint
LEFT JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
LEFT JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
WHERE t.tgrelid = %s::regclass AND (t.tgtype & 4) <> 0
ORDER BY c.conname
"""
"""Every trigger that fires on an insert into the table: whether it is a plain foreign-key check
this module can do instead (first column), and that key's column and referenced column."""


@dataclass(frozen=True)
class ForeignKey:
    """One foreign key of a table as a batch checks it: the column's place in the ``COPY``'s
    columns and what it refers to (both identifiers quoted as the catalog gives them)."""

    constraint: str
    column: str
    index: int
    table: str
    referenced: str
    referenced_table: str
    referenced_column: str

    def values(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The distinct values the rows give this key (NULL, which no key checks, left out), in
        order (the rows are locked in key order, as one statement of :func:`chunks` each)."""
        values = {row[self.index] for row in rows}
        values.discard(None)
        return sorted(values)

    def found(self, chunks: int = 1) -> str:
        """SQL: how many of the values of ``chunks`` parameter arrays the referenced table has,
        locking them as the trigger does (``FOR KEY SHARE``: no one deletes or re-keys them
        before the commit). The referenced column is unique, so the count is of distinct values."""
        one = (f"(SELECT count(*) FROM (SELECT 1 FROM ONLY {self.referenced_table} "
               f"WHERE {self.referenced_column} = ANY(%s) FOR KEY SHARE) AS found)")
        return one if chunks == 1 else "(" + " + ".join([one] * chunks) + ")"

    def refusal(self, cursor: Any, values: list[Any]) -> Exception:
        """PostgreSQL's own error for the first of ``values`` the referenced table lacks."""
        from psycopg2.errors import ForeignKeyViolation

        cursor.execute(f"SELECT {self.referenced_column} FROM ONLY {self.referenced_table} "
                       f"WHERE {self.referenced_column} = ANY(%s)", (values,))
        missing = set(values) - {row[0] for row in cursor.fetchall()}
        return ForeignKeyViolation(
            f'insert or update on table "{self.table}" violates foreign key constraint '
            f'"{self.constraint}"\nDETAIL:  Key ({self.column})=({min(missing)}) is not present in table '
            f'"{self.referenced}".')


CHECK_CHUNK = 2000
"""Values per ``= ANY`` array of a check. With more the planner reads the whole referenced table
instead of its primary key: 21,000 invoice ids of a collection run took 0.25 s by a sequential
scan of a million invoices, in chunks of 2,000 read through the key 0.02 s."""


def chunks(values: list[Any]) -> list[list[Any]]:
    """``values`` in arrays of at most :data:`CHECK_CHUNK` (one subquery of the check each)."""
    return [values[start:start + CHECK_CHUNK] for start in range(0, len(values), CHECK_CHUNK)]


_DEFINER_SQL = """
SELECT r.rolsuper, r.rolname, r.rolsuper OR (current_setting('server_version_num')::int >= 150000
       AND has_parameter_privilege(r.oid, 'session_replication_role', 'SET'))
FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
WHERE p.oid = to_regprocedure(%s) AND has_function_privilege(p.oid, 'EXECUTE')
  AND has_database_privilege(current_database(), 'TEMP')
"""
"""The schema's ``bulk_insert_checked`` (``db/migration_v12.py``) if this role may run it and make a
temporary table: whether its owner is a superuser, its name, and whether it may set the role."""


class KeyChecks:
    """The foreign keys of the tables one writer copies into, read once per table (the catalog
    does not change inside the writer's transaction: a change of it would wait for the commit).

    A role that may not set ``session_replication_role`` itself (staff, issue 17) gets the same
    set-based checks from the ledger owner's function ``bulk_insert_checked``
    (``db/migration_v12.py``): the batch is copied into a temporary table of the session, and the
    function checks its keys and inserts it without the per-row triggers."""

    def __init__(self) -> None:
        self._allowed: bool | None = None
        self._origin = False
        self._definer: tuple[bool, str] | None | bool = False
        self._keys: dict[tuple[str, tuple[str, ...]], list[ForeignKey] | None] = {}

    def through_definer(self, cursor: Any, table: str) -> bool:
        """Whether a ``COPY`` into ``table`` goes through ``bulk_insert_checked``: this role may not
        turn the triggers off itself, the function is there, this role may run it, and its owner
        may turn them off (else it would insert with the triggers, only slower than a ``COPY``)."""
        if table not in TABLES or self._may_skip_triggers(cursor):
            return False
        if self._definer is False:
            cursor.execute(_DEFINER_SQL, (SIGNATURE,))
            row = cursor.fetchone()
            self._definer = (bool(row[0]), str(row[1])) if row and row[2] and self._origin else None
        return self._definer is not None

    def _copy_through_definer(self, cursor: Any, table: str, columns: Sequence[str], data: Any) -> None:
        """The batch into a temporary table of this transaction (made on first use, dropped at the
        commit), then ``bulk_insert_checked`` checks and inserts it; the table is emptied again."""
        assert isinstance(self._definer, tuple)
        owner_is_superuser, owner = self._definer
        source = f"bulk_{table}_{zlib.crc32(chr(31).join(columns).encode()):08x}"
        names = ", ".join(_quoted(column) for column in columns)
        cursor.execute("SELECT to_regclass(%s) IS NULL", (f"pg_temp.{_quoted(source)}",))
        if cursor.fetchone()[0]:
            cursor.execute(f"CREATE TEMP TABLE {_quoted(source)} ON COMMIT DROP AS "
                           f"SELECT {names} FROM ONLY {_quoted(table)} WITH NO DATA")
            if not owner_is_superuser:
                cursor.execute(f"GRANT SELECT ON pg_temp.{_quoted(source)} TO {_quoted(owner)}")
        cursor.copy_expert(f"COPY pg_temp.{_quoted(source)} ({names}) FROM STDIN", data)
        cursor.execute(f"SELECT {FUNCTION}(%s, %s); TRUNCATE pg_temp.{_quoted(source)}", (table, source))

    def plan(self, cursor: Any, table: str, columns: Sequence[str]) -> list[ForeignKey] | None:
        """The keys to check for a ``COPY`` of ``columns`` (column names) into ``table``, or None
        when the triggers must stay (see the module's docstring)."""
        if not self._may_skip_triggers(cursor):
            return None
        key = (table, tuple(columns))
        if key not in self._keys:
            self._keys[key] = self._read(cursor, table, columns)
        return self._keys[key]

    def copy(self, cursor: Any, table: str, columns: Sequence[str], statement: str, data: Any,
             rows: Sequence[Sequence[Any]]) -> None:
        """Run ``statement`` (a ``COPY ... FROM STDIN`` of ``rows`` as ``data``) with the keys
        checked set-based first and the per-row triggers off for it; as usual when :meth:`plan`
        says so."""
        if self.through_definer(cursor, table):
            self._copy_through_definer(cursor, table, columns, data)
            return
        keys = self.plan(cursor, table, columns)
        if keys is None:
            cursor.copy_expert(statement, data)
            return
        checks = [(key, values) for key in keys if (values := key.values(rows))]
        # One round trip for the role and every key's check: a statement on the writer's thread
        # waits for the interpreter's lock after it, a few milliseconds while the loader plans.
        if checks:
            parts = [(key, chunks(values)) for key, values in checks]
            cursor.execute("SET LOCAL session_replication_role = replica; SELECT "
                           + ", ".join(key.found(len(arrays)) for key, arrays in parts),
                           [array for _key, arrays in parts for array in arrays])
            counts = cursor.fetchone()
            for (key, values), count in zip(checks, counts, strict=True):
                if count != len(values):
                    cursor.execute("SET LOCAL session_replication_role = origin")
                    raise key.refusal(cursor, values)
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.copy_expert(statement, data)
        cursor.execute("SET LOCAL session_replication_role = origin")
        # (a failed COPY aborts the transaction, which resets the role with everything else)

    def _may_skip_triggers(self, cursor: Any) -> bool:
        if self._allowed is None:
            cursor.execute("SELECT current_setting('is_superuser') = 'on', "
                           "current_setting('session_replication_role') = 'origin', "
                           "current_setting('server_version_num')::int")
            superuser, origin, version = cursor.fetchone()
            allowed = superuser
            if not allowed and version >= 150000:
                cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
                allowed = cursor.fetchone()[0]
            self._allowed = bool(allowed and origin)
            self._origin = bool(origin)
        return self._allowed

    @staticmethod
    def _read(cursor: Any, table: str, columns: Sequence[str]) -> list[ForeignKey] | None:
        cursor.execute(_TRIGGERS_SQL, (f'"{table}"',))
        keys = []
        for plain, constraint, column, has_default, referenced, referenced_column in cursor.fetchall():
            if not plain:
                return None
            if column not in columns:
                if has_default:
                    return None
                continue  # NULL in every row: nothing to check
            keys.append(ForeignKey(constraint, column, list(columns).index(column), table,
                                   referenced.strip('"'), referenced, f'"{referenced_column}"'))
        return keys


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
