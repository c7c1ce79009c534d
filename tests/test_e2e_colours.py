"""End to end, in colour: every table shows which row is the current one, in a real terminal.

The SVG snapshots did not show that PagedTable drew plain rows in the terminal's default colours
(no cursor, no zebra), nor that NO_COLOR=1 crashed every screen with a table. So the real
``tui-inkasso`` runs in tmux on the demo ledger (plus two balance files, one waiting in the
outbox, and two scheduled services), the test opens every screen with a table by keyboard and
reads the colours with ``tmux capture-pane -e``: the current row looks different from the rows
next to it, and after Down the next row looks that way and the first no longer does. On every
screen Ctrl+T then switches theme and the same holds (the screens take dark and light in turns,
so each is seen in both), and no letter, digit or panel border is drawn in its background's
colour (in the light theme a panel without the focus had lost its border and title). The same
walk runs with NO_COLOR=1 (Textual then draws in shades of grey): nothing crashes and the current
row is still told apart. And a crash ends the app with a non-zero status and a traceback without
local variables (they held the rows of the table on screen).
"""

from __future__ import annotations

import getpass
import importlib.util
import io
import json
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import closing, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.common import wait_for
from tests.terminal import APP, Style, Terminal, app_env, needs_tmux, plain, styled_lines
from tui_inkasso.cli import main
from tui_inkasso.db.connection import close_database
from tui_inkasso.services import clock

pytestmark = needs_tmux

TODAY = "2026-12-06"
MENU = "Reskontra (kundsök)  [r]"
"""On the main menu only (the ledger's title says Reskontra (kundsök) too)."""
WIDTH, HEIGHT = 120, 40


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger, two balance files (BAN's waiting in the outbox: its FTP server is a
    closed port, set by one administrator and approved by another), two scheduled services;
    built once for the module."""
    folder = tmp_path_factory.mktemp("demo")
    path, out = folder / "demo.db", folder / "ut"
    out.mkdir()

    def cli(*argv: str) -> str:
        printed = io.StringIO()
        with redirect_stdout(printed):
            assert main(["--db", str(path), *argv]) == 0, argv
        return printed.getvalue()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUI_INKASSO_TODAY", TODAY)
        patch.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
        patch.setenv("XDG_CONFIG_HOME", str(folder / "xdg-config"))
        patch.setenv("XDG_DOCUMENTS_DIR", str(folder / "dokument"))
        patch.setattr(clock, "_test_user", "testare")
        cli("demo")
        users = importlib.util.find_spec("tui_inkasso.cli.users_cmd") is not None
        if users:  # the app in the terminal runs as this process's account (if not a user yet)
            with redirect_stdout(io.StringIO()):
                main(["--db", str(path), "users", "add", getpass.getuser(), "--role", "admin"])
        cli("balance-file", "--owner", "HGS", "--out", str(out))
        cli("settings", "set", "collection.upload_url", "ftp://127.0.0.1:1/in")
        if not json.loads(cli("settings", "show", "--json"))["settings"]["collection.upload_url"]:
            # proposed only: another administrator approves it (four eyes on payment paths)
            pending = json.loads(cli("approvals", "list", "--json"))["approvals"]
            patch.setattr(clock, "_test_user", getpass.getuser())
            for proposal in pending:
                if proposal["key"] == "collection.upload_url":
                    cli("approvals", "approve", str(proposal["id"]))
            patch.setattr(clock, "_test_user", "testare")
        cli("balance-file", "--owner", "BAN", "--out", str(out))
        cli("services", "add", "--name", "Saldofil varje natt", "--every", "day", "--at", "02:00")
        cli("services", "add", "--name", "Saldofil på måndagar", "--every", "week", "--weekday", "mon")
        close_database()
    return path


@pytest.fixture
def demo_db(demo_ledger: Path, tmp_path: Path) -> Path:
    """A copy of the module's demo ledger for one test (SQLite's backup: the copy holds what
    the write-ahead log still held)."""
    copy = tmp_path / "demo.db"
    with closing(sqlite3.connect(demo_ledger)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    return copy


@dataclass(frozen=True)
class Table:
    """Where a screen's focused table is: its data rows match ``row`` (the first one is the
    current row when the screen opens), below the line that holds ``below``."""

    name: str
    row: str
    below: str = ""


def rows_of(term: Terminal, table: Table) -> list[tuple[str, Style]]:
    """(text, style) of the table's data rows on screen, the style taken where the match starts
    (a plain cell, not one with its own colour)."""
    lines = styled_lines(term.styled_screen())
    pattern = re.compile(table.row)
    found: list[tuple[str, Style]] = []
    started = not table.below
    for line in lines:
        text = plain(line).replace("\u00a0", " ")
        if not started:
            started = table.below in text
            continue
        match = pattern.search(text)
        if match:
            found.append((text.strip(), line[match.start(1) if match.groups() else match.start()][1]))
    return found


def check_current_row(term: Terminal, table: Table) -> None:
    """The first row looks unlike the next two (the second has the other zebra stripe, the
    third the first row's own); after Down the second row looks unlike its neighbours and the
    row after the next, and the first row looks like the third again."""
    def first_current(rows: list[tuple[str, Style]]) -> bool:
        looks = [style for _text, style in rows]
        return len(looks) >= 2 and looks[0] not in looks[1:3]

    before = wait_for_style(term, table, first_current, "the first row is not told apart from the next ones")
    term.keys("Down")

    def second_current(rows: list[tuple[str, Style]]) -> bool:
        looks = [style for _text, style in rows]
        if len(before) == 2:  # the first row loses its look, the second gets another one
            return len(looks) == 2 and looks[0] != before[0][1] and looks[1] not in (before[1][1], looks[0])
        return len(looks) >= 3 and looks[1] not in (looks[0], *looks[2:4]) and looks[0] == looks[2]

    wait_for_style(term, table, second_current, "the highlight did not move with Down")


def check_single_row(term: Terminal, table: Table) -> None:
    """A table of one row: the row looks unlike the empty line of the table under it."""
    def differs(lines: list[list[tuple[str, Style]]]) -> bool:
        pattern = re.compile(table.row)
        for number, line in enumerate(lines[:-1]):
            match = pattern.search(plain(line).replace("\u00a0", " "))
            if match:
                column, below = match.start(1), lines[number + 1]
                empty: Style = below[column][1] if column < len(below) else ("default", "default", False, False)
                return line[column][1] != empty
        return False

    wait_for(f"{table.name}: its one row to look unlike an empty line",
             lambda: differs(styled_lines(term.styled_screen())), timeout=10)


READABLE = re.compile(r"[\w╭╮╰╯─│…]")
"""Letters, digits and a panel's border: what must never be drawn in its background's colour."""


def check_legible(term: Terminal, name: str) -> None:
    """No letter, digit or panel border on screen has its background's colour (in the light
    theme a panel's border and title without the focus were colour 231 on 231)."""
    for y, line in enumerate(styled_lines(term.styled_screen())):
        for x, (char, (fg, bg, _bold, _reverse)) in enumerate(line):
            if fg == bg != "default" and READABLE.match(char):
                raise AssertionError(f"{name}: {char!r} at line {y}, column {x} is drawn in its background's "
                                     f"colour ({fg}): {plain(line)!r}")


def in_both_themes(term: Terminal, table: Table, check: Callable[[Terminal, Table], None] = check_current_row) -> None:
    """``check`` and legibility in the theme in use, then Ctrl+T (the other theme: dark and
    light take turns, so every screen is seen in both) and the same again from the first row."""
    check(term, table)
    check_legible(term, table.name)
    other_theme(term, table, from_the_first_row=check is check_current_row)
    check(term, table)
    check_legible(term, table.name)


def other_theme(term: Terminal, table: Table, *, from_the_first_row: bool) -> None:
    """Ctrl+T, and Home when the check starts from the first row, each waited for until the
    terminal shows it: a two-row table read before Home took effect (the highlight still on the
    second row) looked like one whose first row is current."""
    before = term.styled_screen()
    term.keys("C-t")
    wait_for(f"{table.name}: Ctrl+T to redraw the screen", lambda: term.styled_screen() != before, timeout=10)
    if from_the_first_row:
        on_second = rows_of(term, table)
        term.keys("Home")
        wait_for_style(term, table, lambda rows: rows != on_second, "Home did not move the highlight")


def wait_for_style(term: Terminal, table: Table, ready: Callable[[list[tuple[str, Style]]], bool], problem: str,
                   timeout: float = 10.0) -> list[tuple[str, Style]]:
    """The table's rows once ``ready`` holds for them (the screen redraws after a key)."""
    deadline = time.monotonic() + timeout
    rows = rows_of(term, table)
    while time.monotonic() < deadline:
        if ready(rows):
            return rows
        time.sleep(0.1)
        rows = rows_of(term, table)
    raise AssertionError(f"{table.name}: {problem}: " + "\n".join(f"{style} {text}" for text, style in rows[:4]))


def back_to_menu(term: Terminal, timeout: float = 10.0) -> None:
    """Esc until the main menu is on screen (one Esc a screen), and a moment for its focus."""
    deadline = time.monotonic() + timeout
    while MENU not in term.screen() and time.monotonic() < deadline:
        term.keys("Escape")
        # up to 0.3 s for the screen to close before the next Esc; done as soon as the menu shows
        settled = time.monotonic() + 0.3
        while time.monotonic() < settled and MENU not in term.screen():
            time.sleep(0.05)
    term.wait_for(MENU)
    time.sleep(0.2)


def walk_every_table(term: Terminal) -> None:
    """Open every screen with a table by keyboard and check its current row."""
    term.wait_for("Reskontra", "Inställningar", "Verktyg")
    # Reskontra: the customers found, then a customer's invoices
    term.keys("r")
    term.type("an")
    term.wait_for("Kunder: de 50 första av fler träffar")
    term.keys("Enter")
    in_both_themes(term, Table("Kunder", r"│ (K\d{6}) "))
    term.keys("Enter")
    term.wait_for("Fakturor – ")
    in_both_themes(term, Table("Fakturor", r"│ (\d{8}) ", below="Fakturor – "))
    # Påminnelse/krav: the run list
    back_to_menu(term)
    term.keys("p")
    term.wait_for("Påminnelse/krav – urval")
    term.keys("F2")
    term.wait_for("Fakturor som får nästa kravnivå")
    in_both_themes(term, Table("Påminnelse/krav", r"│\s+(\d{8})\s+K\d{6}"))
    # Saldokorrigering: the payments and credits of step two
    back_to_menu(term)
    term.keys("s")
    term.wait_for("Saldokorrigering – urval")
    term.keys("F2")
    term.wait_for("Betalningar och krediteringar", "Ej rapporterad")
    in_both_themes(term, Table("Saldokorrigering", r"│\s+(\d{4}-\d{2}-\d{2})\s+\d{8}"))
    # Saldofiler
    back_to_menu(term)
    term.keys("f")
    term.wait_for("2 saldofiler")
    in_both_themes(term, Table("Saldofiler", r"│ (\d{4}-\d{2}-\d{2} \d{2}:\d{2})"))
    # Inkasso: the two tables of the wizard
    back_to_menu(term)
    term.keys("n")
    term.wait_for("Inkasso – urval")
    term.keys("F2")
    term.wait_for("Fakturor till inkasso", "Undantagna fakturor", "Avbetalningsplan")
    in_both_themes(term, Table("Fakturor till inkasso", r"│ .  (\d{8}) ", below="Fakturor till inkasso"))
    term.keys("Tab")
    in_both_themes(term, Table("Undantagna fakturor", r"│ .  (\d{8}) ", below="Undantagna fakturor"))
    # Inkassoärenden, then a case's invoices
    back_to_menu(term)
    term.keys("e")
    term.wait_for("Alla inkassoärenden (")
    in_both_themes(term, Table("Inkassoärenden", r"│ (IK\S+) "))
    # Ej matchade betalningar (one payment in the demo ledger)
    back_to_menu(term)
    term.keys("b")
    term.wait_for("Ej matchade betalningar")
    term.keys("e")
    term.wait_for("Ej matchade betalningar (1)", "4711081547")
    in_both_themes(term, Table("Ej matchade betalningar", r"│ (\d{4}-\d{2}-\d{2}) "), check_single_row)
    # Granskningslogg
    back_to_menu(term)
    term.keys("g")
    term.wait_for("Senaste ")
    in_both_themes(term, Table("Granskningslogg", r"│ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) "))
    # Schemalagda tjänster
    back_to_menu(term)
    term.keys("t")
    term.wait_for("Saldofil varje natt", "Saldofil på måndagar")
    in_both_themes(term, Table("Schemalagda tjänster", r"(Saldofil (?:varje|på))[^·]*$"))
    # Utkorg (BAN's file waits for its server)
    back_to_menu(term)
    term.keys("u")
    term.wait_for("saldo-BAN-")
    in_both_themes(term, Table("Utkorg", r"(saldo-BAN-)"), check_single_row)
    back_to_menu(term)
    term.keys("C-q")
    assert term.wait_closed(), "Ctrl+Q ends the app"


def test_every_table_shows_its_current_row_in_a_real_terminal(demo_db: Path, tmp_path: Path) -> None:
    term = Terminal([APP, "--db", str(demo_db)], app_env(tmp_path, TODAY), tmp_path, WIDTH, HEIGHT)
    try:
        walk_every_table(term)
    finally:
        term.close()


def test_every_table_works_and_shows_its_current_row_with_no_color(demo_db: Path, tmp_path: Path) -> None:
    term = Terminal([APP, "--db", str(demo_db)], app_env(tmp_path, TODAY, NO_COLOR="1"), tmp_path, WIDTH, HEIGHT)
    try:
        walk_every_table(term)
    finally:
        term.close()


CRASH = '''
import os, sys
from tui_inkasso.cli import main
from tui_inkasso.screens.menu import MenuScreen

def on_mount(self):
    customer = os.environ["CUSTOMER"]  # data, as a screen's locals hold it
    raise RuntimeError("testkrasch")

MenuScreen.on_mount = on_mount
sys.exit(main(sys.argv[1:]))
'''


def test_a_crash_exits_non_zero_without_printing_local_variables(demo_db: Path, tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    status, err = tmp_path / "status", tmp_path / "stderr"
    command = ["sh", "-c", '"$0" "$1" --db "$2" 2>"$3"; echo $? >"$4"',
               sys.executable, str(script), str(demo_db), str(err), str(status)]
    env = app_env(tmp_path, TODAY, CUSTOMER="Hemliga Hilda 19121212-1212")
    term = Terminal(command, env, tmp_path, WIDTH, HEIGHT)
    try:
        assert term.wait_closed(timeout=20), "the app ended after the crash"
    finally:
        term.close()
    assert status.read_text().strip() == "1", "a crash is a failure for the shell"
    traceback = err.read_text()
    assert "RuntimeError" in traceback and "testkrasch" in traceback
    assert "Hemliga Hilda" not in traceback and "19121212" not in traceback, "no local variables printed"
