"""Which ledger is open, and no ledger by mistake: the app and every command but ``init`` and
``demo`` refuse a database that holds no ledger (a mistyped --db or TUI_INKASSO_DB), naming it,
and create nothing (no file, no folder, no tables); ``init`` creates an empty ledger on purpose,
``demo`` a demo ledger (in a folder it creates); the header's words name the file, or the
PostgreSQL database and its host."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
import pytest

from tests.common import run
from tui_inkasso.db.connection import (
    LedgerMissing,
    close_database,
    describe_database,
    open_database,
)
from tui_inkasso.db.migrations import current_version
from tui_inkasso.services import ledger_location


def test_the_app_and_the_commands_refuse_a_missing_ledger_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "no-such-folder" / "inkasso.db"
    for argv in ([], ["settings", "show"], ["import-ledger", "x.json"], ["daemon", "--once"], ["cases"]):
        code, out, err = run(capsys, str(typo), *argv)
        assert code == 1 and out == "", argv
        assert f"databasfilen {typo} finns inte" in err and "tui-inkasso init" in err, argv
        assert err.count("\n") == 1, f"one line: {err!r}"
    monkeypatch.setenv("TUI_INKASSO_DB", str(typo))
    from tui_inkasso.cli import main

    assert main(["settings", "show"]) == 1
    assert "finns inte" in capsys.readouterr().err
    assert not typo.parent.exists(), "no folder is created for a mistyped path"


def test_init_creates_an_empty_ledger_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ny" / "mapp" / "bolag.db"
    code, out, err = run(capsys, str(path), "init", "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == {"created": True, "database": str(path), "administrator": "testare"}
    close_database()
    assert path.is_file()
    code, out, _ = run(capsys, str(path), "init")
    assert code == 0 and out.strip() == f"Det finns redan en reskontra i {path}; inget ändrat."
    code, out, _ = run(capsys, str(path), "settings", "get", "collection.system")
    assert code == 0 and out.strip() == "none"
    close_database()


def test_demo_creates_its_ledger_in_a_new_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data" / "inkasso.db"
    code, _, err = run(capsys, str(path), "demo", "--if-missing", "--invoices", "600", "--json")
    assert code == 0, err
    assert path.is_file()
    close_database()


def test_an_empty_file_holds_no_ledger(tmp_path: Path) -> None:
    empty = tmp_path / "tom.db"
    empty.touch()
    with pytest.raises(LedgerMissing, match="har ingen reskontra"):
        open_database(f"sqlite:///{empty}", create=False)
    assert empty.stat().st_size == 0, "nothing written into it"


def test_a_postgresql_database_without_a_ledger_is_refused_until_init(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    close_database()
    schema = f"t_empty_{Path(postgres_url).name[-6:]}".replace("=", "_").replace("%", "_")
    admin = psycopg2.connect(postgres_url.split("?")[0])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE SCHEMA "{schema}"')
    url = f"{postgres_url.split('?')[0]}?options=-c%20search_path%3D{schema}"
    try:
        code, _, err = run(capsys, url, "settings", "show")
        assert code == 1 and "databasen test på 127.0.0.1 har ingen reskontra" in err
        code, out, _ = run(capsys, url, "init", "--json")
        assert code == 0 and json.loads(out) == {"created": True, "database": "test på 127.0.0.1",
                                                 "administrator": "testare"}
        assert current_version(ledger_location_database()) is not None
        close_database()
        assert run(capsys, url, "settings", "show")[0] == 0
    finally:
        close_database()
        admin.cursor().execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
        open_database(postgres_url)  # the fixture drops its own schema through a bound connection


def ledger_location_database():  # type: ignore[no-untyped-def]
    from tui_inkasso.db.connection import db

    return db.obj


def test_the_header_words_name_the_ledger(sqlite_url: str) -> None:
    assert ledger_location.short_description() == "inkasso.db"
    assert ledger_location.full_description().endswith("/inkasso.db")
    assert describe_database("sqlite:////srv/data/bolag.db") == "bolag.db"
    assert describe_database("postgresql://kalle:hemligt@db.example.se/inkasso") == "inkasso på db.example.se"
    assert describe_database("postgresql://db.example.se:5433/inkasso") == "inkasso på db.example.se:5433"


def test_postgresql_header_words(postgres_url: str) -> None:
    assert ledger_location.short_description() == "test på 127.0.0.1"
