"""PostgreSQL: each user's database role gets what their role in the ledger needs, no more
(issue 17), so a hand-written SQL session (psql) cannot do what the app would refuse.

On PostgreSQL every staff member connects as their own role, and the ledger's user is the
session's role (``clock.current_user``). ``users add`` creates the role when it does not exist
(``LOGIN``, no password: the database administrator decides how it logs in, ``pg_hba.conf``)
and grants, in the ledger's schema:

* Läsare: ``USAGE`` on the schema and ``SELECT`` on every table, nothing else: a reader's own
  SQL session cannot insert, change or delete a row.
* Handläggare: also ``INSERT``, ``UPDATE``, ``DELETE`` on the tables the runs write, and the
  sequences; not on the administrator's tables (:data:`ADMIN_TABLES`: settings, users,
  proposals, dunning levels, reference rates, scheduled services, socialnämnder, the schema
  version, owners' accounts), and of ``owner`` only the columns that are not payment routing
  (so a clerk's session cannot change a bankgiro; the runs lock owner rows for voucher numbers,
  which needs an update right on some column), and ``EXECUTE`` on ``bulk_insert_checked``, the
  owner's function that checks a bulk run's foreign keys set-based (``db/migration_v12.py``:
  it inserts only into the runs' tables, and only what the caller may insert itself).
* Administratör: every right on every table and sequence, with the right to grant them, and
  ``CREATEROLE`` to add users. A schema change (an upgrade of tui-inkasso) still needs the
  tables' owner, normally the role that created the ledger.

Default privileges give tables created later by the same administrator the same reads and
writes. ``users set-role`` grants again from scratch (after an upgrade that added tables, setting
each role again brings them in line). ``users remove`` revokes the grants in this schema but
keeps the role: roles belong to the whole server, and another database may use it.

Names are checked by ``services.users.check_login`` and always written quoted.
"""

from __future__ import annotations

from tui_inkasso.db.connection import db
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services.errors import UserError

ADMIN_TABLES = ("setting", "staff_user", "proposal", "dunning_level_config", "reference_rate",
                "scheduled_service", "socialnamnd", "schema_version", "account", "owner")
"""Tables only an administrator's session may write (``owner``: see :data:`OWNER_CLERK_COLUMNS`)."""

OWNER_CLERK_COLUMNS = ("name", "address", "postal_code", "city", "phone", "email")
"""The owner columns a clerk's session may update: not the giro numbers or the OCR control."""


class DatabaseRoleError(UserError):
    """The server refused to create or grant a role; the message has its reason."""

    exit_code = 1


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema() -> str:
    return str(db.execute_sql("SELECT current_schema()").fetchone()[0])


def role_exists(login: str) -> bool:
    """Whether the server has a role named ``login``."""
    return db.execute_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() is not None


def unrestricted(login: str) -> bool:
    """Whether the server cannot restrict ``login``: a superuser, or the owner of the ledger's
    tables (an owner may always take its rights back)."""
    row = db.execute_sql(
        "SELECT r.rolsuper OR r.oid = (SELECT relowner FROM pg_class WHERE oid = to_regclass('schema_version')) "
        "FROM pg_roles r WHERE r.rolname = %s", (login,)).fetchone()
    return bool(row and row[0])


def _tables() -> list[str]:
    """The ledger's tables as the schema has them (named one by one: ``ALL TABLES IN SCHEMA``
    scans the whole catalogue, which on a server with much churn takes a second a statement)."""
    from tui_inkasso.db.models import MODELS

    names = [model._meta.table_name for model in MODELS]
    found = db.execute_sql("SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(quote_ident(t)) IS NOT NULL",
                           (names,)).fetchall()
    return [row[0] for row in found]


def _sequences(tables: list[str]) -> list[str]:
    """The serial sequences of ``tables`` (schema-qualified, quoted as the server writes them)."""
    import peewee as pw

    from tui_inkasso.db.models import MODELS

    serial = [m._meta.table_name for m in MODELS
              if m._meta.table_name in tables and isinstance(m._meta.primary_key, pw.AutoField)]
    rows = db.execute_sql("SELECT pg_get_serial_sequence(quote_ident(t), 'id') FROM unnest(%s::text[]) t",
                          (serial,)).fetchall()
    return [row[0] for row in rows if row[0]]


def grant(login: str, role: StaffRole) -> list[str]:
    """Create ``login``'s role if missing and give it exactly what ``role`` needs in this schema
    (inside the caller's transaction); what was done that the administrator should know."""
    created = not role_exists(login)
    if not created and unrestricted(login):
        return [f"databasrollen {login} är superanvändare eller äger reskontrans tabeller: servern kan "
                "inte begränsa den, bara programmet gör det"]
    who, schema = _quoted(login), _quoted(_schema())
    tables = _tables()
    every, sequences = _listed(schema, tables), ", ".join(_sequences(tables))
    clerks = _listed(schema, [t for t in tables if t not in ADMIN_TABLES])
    statements = [f"CREATE ROLE {who} LOGIN"] if created else []
    statements += _revoke_statements(who, schema, every, sequences)
    function = _bulk_function(schema)
    if function:
        statements.append(f"REVOKE ALL ON FUNCTION {function} FROM {who}")
    statements += [f"GRANT USAGE ON SCHEMA {schema} TO {who}",
                   f"GRANT SELECT ON {every} TO {who}",
                   f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {who}"]
    if role == StaffRole.CLERK:
        statements += [
            f"GRANT INSERT, UPDATE, DELETE ON {clerks} TO {who}",
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE {sequences} TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT INSERT, UPDATE, DELETE ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {who}",
            *([f"GRANT EXECUTE ON FUNCTION {function} TO {who}"] if function else []),
            f"GRANT UPDATE ({', '.join(_quoted(c) for c in OWNER_CLERK_COLUMNS)}) ON {schema}.\"owner\" TO {who}",
        ]
    elif role == StaffRole.ADMIN:
        statements += [
            f"GRANT ALL ON {every} TO {who} WITH GRANT OPTION",
            f"GRANT ALL ON SEQUENCE {sequences} TO {who} WITH GRANT OPTION",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON SEQUENCES TO {who}",
            f"ALTER ROLE {who} CREATEROLE",
            *([f"GRANT EXECUTE ON FUNCTION {function} TO {who} WITH GRANT OPTION"] if function else []),
        ]
    if role != StaffRole.ADMIN and not created:
        statements.append(f"ALTER ROLE {who} NOCREATEROLE")
    _run(statements, login)
    if created:
        return [f"databasrollen {login} skapades (LOGIN, utan lösenord): ge den ett lösenord eller en "
                "annan inloggning på servern (pg_hba.conf) innan den används"]
    return []


def revoke(login: str) -> None:
    """Take every right in this schema from ``login``'s role (the role itself stays)."""
    if not role_exists(login) or unrestricted(login):
        return
    schema, tables = _quoted(_schema()), _tables()
    function = _bulk_function(schema)
    _run(([f"REVOKE ALL ON FUNCTION {function} FROM {_quoted(login)}"] if function else [])
         + _revoke_statements(_quoted(login), schema, _listed(schema, tables), ", ".join(_sequences(tables))), login)


def _bulk_function(schema: str) -> str | None:
    """The schema's ``bulk_insert_checked`` (``db/migration_v12.py``), qualified, if it is there:
    the bulk runs' set-based key checks for a role that may not turn the per-row triggers off.
    Clerks and administrators may run it (it inserts only what their own rights allow)."""
    from tui_inkasso.db.migration_v12 import SIGNATURE

    function = f"{schema}.{SIGNATURE}"
    found = db.execute_sql("SELECT to_regprocedure(%s) IS NOT NULL", (function,)).fetchone()
    return function if found and found[0] else None


def _listed(schema: str, tables: list[str]) -> str:
    return ", ".join(f"{schema}.{_quoted(table)}" for table in tables)


def _revoke_statements(who: str, schema: str, tables: str, sequences: str) -> list[str]:
    return [
        f"REVOKE ALL ON {tables} FROM {who}",
        f"REVOKE ALL ON SEQUENCE {sequences} FROM {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {who}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {who}",
    ]


def _run(statements: list[str], login: str) -> None:
    import peewee as pw

    try:
        for statement in statements:
            db.execute_sql(statement)
    except pw.DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseRoleError(f"databasrollen {login} kunde inte ges sina rättigheter: {reason} "
                                "(en administratörs roll behöver CREATEROLE och rätt att dela ut "
                                "rättigheter på tabellerna)") from None
