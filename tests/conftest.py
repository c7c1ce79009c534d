"""Shared fixtures: a real SQLite file, a real PostgreSQL schema, and where snapshots live.

PostgreSQL is the server on 127.0.0.1:5432 (trust auth, user root, database ``test``) or the URL in
``TUI_INKASSO_TEST_PG``. Each test gets a fresh schema (one emptied after an earlier test when it is
provably as its migration left it: tests/pg_schemas.py); where no server
answers, PostgreSQL tests are skipped with the reason (``-rs`` prints it).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pwd
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import pytest_textual_snapshot

from tests.pg_schemas import SchemaPool
from tui_inkasso.db.connection import close_database, db, open_database
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.services import clock, permissions

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_ROOT = ROOT / "snapshots"
FIXTURES = ROOT.parent / "shared" / "fixtures"
SHARED_DOCS = ROOT.parent / "shared" / "docs"
PG_URL = os.environ.get("TUI_INKASSO_TEST_PG", "postgresql://root@127.0.0.1:5432/test")


GC_THRESHOLDS = (50_000, 20, 20)
"""The cyclic garbage collector's thresholds in the test processes (Python's are 700, 10, 10)."""


def pytest_configure(config: pytest.Config) -> None:
    """Collect cyclic garbage less often: a Textual app allocates millions of small objects, and
    with Python's thresholds the collector costs a quarter of a TUI test's CPU time (measured on
    tests/test_app_markup.py: 34 s -> 26 s). Reference counting still frees all other garbage at
    once; only the collector's rounds are rarer. The program itself keeps Python's defaults."""
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported and collected so far lives until the end: move it out of the
    collector's way (gc.freeze), so its rounds look only at what the tests make."""
    gc.collect()
    gc.freeze()


class _SnapshotsInTopFolder(pytest_textual_snapshot.SVGImageExtension):
    """SVG snapshots go to ``snapshots/<test module>/`` at the top of the project."""

    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[no-untyped-def]
        return str(SNAPSHOT_ROOT / test_location.basename)


pytest_textual_snapshot.SVGImageExtension = _SnapshotsInTopFolder


@pytest.fixture(autouse=True, scope="session")
def _test_identity() -> Iterator[None]:
    """Every test runs as "testare", also the module-scoped fixtures that build a ledger before
    the per-test fixture below runs (the first user of a ledger becomes its administrator)."""
    clock._test_user = "testare"
    # Subprocesses of the real program run as this machine's login (SQLite) and the URL's role
    # (PostgreSQL): administrators too of every ledger the tests build.
    permissions._test_first_admins = (pwd.getpwuid(os.getuid()).pw_name, urlparse(PG_URL).username or "")
    yield
    clock._test_user = None
    permissions._test_first_admins = ()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real database, settings or password variables."""
    monkeypatch.delenv("TUI_INKASSO_DB", raising=False)
    monkeypatch.delenv("TUI_INKASSO_UPLOAD_PASSWORD", raising=False)
    monkeypatch.setattr(clock, "_test_user", "testare")  # the name the audit log records in tests
    monkeypatch.setattr(permissions, "_ceiling", StaffRole.ADMIN)  # a daemon run in-process limits it
    permissions.forget_sessions()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "dokument"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the migrations made from nothing, once per test process: a copy of it is
    what a test's own migration would write (about 2 ms instead of 150-200 ms for ~40 tables and
    their indexes). Closed, so the WAL is checkpointed into the file and the copy is complete."""
    path = tmp_path_factory.mktemp("sqlite-template") / "inkasso.db"
    open_database(f"sqlite:///{path}")
    close_database()
    assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was not checkpointed"
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    """A fresh SQLite database file, migrated and bound to the models (a copy of the migrated
    template; ``open_database`` still runs the migration check on it, as the program does)."""
    path = tmp_path / "inkasso.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    open_database(url)
    permissions.session_role()  # its first user, the administrator, as the program's start makes it
    yield url
    close_database()


_pg_problem: str | None = None
_pg_checked = False


def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            import psycopg2

            psycopg2.connect(PG_URL, connect_timeout=3).close()
        except Exception as exc:  # any failure means: skip, and say why
            _pg_problem = f"PostgreSQL at {PG_URL} does not answer: {str(exc).strip()}"
    return _pg_problem


@contextlib.contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[tuple[str, str]]:
    """A fresh, empty schema on the real PostgreSQL server (the test is skipped when the server
    does not answer): its URL and its name. Dropped afterwards."""
    problem = _postgres_problem()
    if problem:
        pytest.skip(problem)
    import psycopg2

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-c search_path={schema}')}", schema
    finally:
        admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[SchemaPool]:
    """This test process's PostgreSQL schemas, emptied between tests (tests/pg_schemas.py)."""
    problem = _postgres_problem()
    if problem:
        pytest.skip(problem)
    import psycopg2

    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    pool = SchemaPool(admin)
    yield pool
    pool.close()


@pytest.fixture
def postgres_url(_pg_schemas: SchemaPool) -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server, migrated and bound; afterwards dropped, or
    emptied for the next test when it is still what its migration made (tests/pg_schemas.py)."""
    schema, new = _pg_schemas.take()
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options={quote(f'-c search_path={schema}')}"
    try:
        open_database(url)
        if new:
            _pg_schemas.migrated(schema)
        permissions.session_role()
        yield url
    finally:
        close_database()
        _pg_schemas.give_back(schema)


@pytest.fixture
def new_role(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Unique PostgreSQL role names for this test; every role made with one is dropped afterwards
    (tests/pg_roles.py)."""
    from tests.pg_roles import drop_roles  # (pg_roles imports this module)

    made: list[str] = []

    def name() -> str:
        made.append(f"t_{uuid.uuid4().hex[:10]}")
        return made[-1]

    yield name
    close_database()
    drop_roles(made)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> str:
    """Run the test on SQLite and again on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def database(sqlite_url: str):  # type: ignore[no-untyped-def]
    """The bound peewee database (SQLite) for tests that need the object."""
    return db.obj
