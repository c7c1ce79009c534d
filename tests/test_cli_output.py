"""What the command line prints when things go wrong around it (issue 14, items 10 and 13).

* ``collect ... | head``: a reader that stops reading after the commit must not turn a finished
  run into a BrokenPipeError traceback and exit 1;
* ``services run`` while another run (the daemon) holds the database: one line, no traceback;
  a failing job: its error once, no traceback from the logger;
* data is never printed raw: a customer name holding escape sequences is shown escaped, in text
  and in JSON.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collection_data import collection_on_business_day
from tests.common import run
from tests.ledger_data import SmallLedger, small
from tui_inkasso.daemon import configure_logging
from tui_inkasso.db import connection
from tui_inkasso.db.models import CollectionCase, Customer, Invoice, Setting
from tui_inkasso.services import scheduled, settings
from tui_inkasso.services.scheduled import ServiceSpec

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["small"]  # the fixture, imported for pytest


def test_collect_into_a_closed_pipe_commits_and_exits_0_without_a_traceback(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    collection_on_business_day(monkeypatch, tmp_path)
    before = CollectionCase.select().count()
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has already exited: every write to stdout fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tui_inkasso.cli", "--db", sqlite_url, "collect", "--system", "intrum",
             "--yes"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120, check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert CollectionCase.select().count() == before + 5, "the run was committed before the output"


@pytest.fixture
def service(sqlite_url: str, tmp_path: Path) -> int:
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    return scheduled.create_service(ServiceSpec(name="Saldofil", service="saldofil")).id


def test_services_run_while_another_run_holds_the_database_says_so_in_one_line(
    service: int, sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(connection.SQLITE_PRAGMAS, "busy_timeout", 200)  # 10 s in production
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the daemon's balance run, writing
    try:
        code, out, err = run(capsys, sqlite_url, "services", "run", str(service))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out) == (1, "")
    assert err == ("tui-inkasso services: databasen är upptagen av en annan körning (till exempel tjänsten "
                   "tui-inkasso daemon) och blev inte ledig i tid: services avbröts; försök igen om en stund\n")


def test_a_failing_service_run_prints_its_error_once_and_no_traceback(
    service: int, sqlite_url: str, tmp_path: Path
) -> None:
    (tmp_path / "en-fil").write_text("")
    # stored as an earlier version allowed it (the settings screen refuses it now)
    Setting.update(value=str(tmp_path / "en-fil" / "ut")).where(Setting.key == "collection.output_dir").execute()
    done = subprocess.run(  # a process of its own: pytest's log capture would hide the logger's output
        [sys.executable, "-m", "tui_inkasso.cli", "--db", sqlite_url, "services", "run", str(service)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 1 and "Misslyckades" in done.stdout and "en-fil" in done.stdout
    assert "Traceback" not in done.stderr and "File \"" not in done.stderr, done.stderr


def test_a_name_with_escape_sequences_is_printed_escaped(
    small: SmallLedger, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Customer.update(name="Anna\x1b[2J\x1b]0;x\x07 Svensson\x9b31m").where(Customer.id == small.anna).execute()
    number = Invoice.get(Invoice.customer == small.anna).number
    code, out, _ = run(capsys, sqlite_url, "invoice", number)
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Anna\\x1b[2J\\x1b]0;x\\x07 Svensson\\x9b31m" in out
    code, out, _ = run(capsys, sqlite_url, "invoice", number, "--json")
    assert code == 0 and not any(c in out for c in "\x1b\x07\x9b")
    assert json.loads(out)["customer"]["name"] == "Anna\x1b[2J\x1b]0;x\x07 Svensson\x9b31m"



def test_the_daemon_log_shows_control_characters_escaped() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        configure_logging(None, stream)
        logging.getLogger("tui_inkasso.test").warning("betalare %s", "Anna\x1b]0;x\x07\x9b2J")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert "Anna\\x1b]0;x\\x07\\x9b2J" in stream.getvalue() and "\x1b" not in stream.getvalue()
