"""PostgreSQL roles in tests: a staff member's own database role (issue 17), the program's URL
and a hand-written SQL session as that role in the test's schema, and dropping the roles a test
made (roles belong to the whole server, so a test must not leave one behind)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import psycopg2

from tests.conftest import PG_URL


def url_schema(url: str) -> str:
    """The schema a test's PostgreSQL URL points at (its ``search_path`` option)."""
    return url.rsplit("search_path%3D", 1)[1] if "search_path%3D" in url else url.rsplit("search_path=", 1)[1]


def role_url(test_url: str, role: str) -> str:
    """The URL the program uses to connect as ``role`` to the ledger of ``test_url``."""
    base = PG_URL.replace("://root@", f"://{role}@", 1)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-c search_path={url_schema(test_url)}')}"


def role_session(test_url: str, role: str) -> psycopg2.extensions.connection:
    """A hand-written SQL session of ``role`` in the test's schema (what psql would be)."""
    base = PG_URL.replace("://root@", f"://{role}@", 1)
    return psycopg2.connect(base, options=f"-c search_path={url_schema(test_url)}")


def drop_roles(roles: Iterable[str], *, revoke_replica: bool = False) -> None:
    """Drop ``roles`` that exist, with what they own and were granted; ``revoke_replica`` first
    takes back ``SET`` on ``session_replication_role`` (granted by the tests of db/key_checks)."""
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for role in roles:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if not cursor.fetchone():
                    continue
                if revoke_replica:
                    cursor.execute(f'REVOKE SET ON PARAMETER session_replication_role FROM "{role}"')
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')
    finally:
        admin.close()
