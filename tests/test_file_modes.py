"""Files with personal data are not readable by other users of the server (issue 14, item 8).

With the default umask the database folder was 0755, ``inkasso.db`` 0644 and the agency files,
the balance XML, the Excel sheets and the daemon's log 0644. Every entry point now sets the
file-creation mask first (``fileio.share_files_with`` through ``services.file_access``): files
0600 and folders 0700, or, with ``files.group`` set, files 0640, the database 0660 and folders
2770 with that group. Each test starts from the common default umask 022.
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.balance_helpers import invoice_for, make_case, pay, second_owner
from tests.collection_data import collection_on_business_day
from tests.common import run, run_json
from tests.rate_data import store_rates
from tests.test_dunning_service import DEMAND, REMINDER, invoice
from tui_inkasso.fileio import share_files_with
from tui_inkasso.services import dunning_levels
from tui_inkasso.services.setting_keys import SettingError
from tui_inkasso.services.settings import set_setting

GROUP = "users"


@pytest.fixture(autouse=True)
def default_umask() -> Iterator[None]:
    """The umask most systems give a user (022: everything readable by all), restored after."""
    previous = os.umask(0o022)
    yield
    share_files_with(None)
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_below(folder: Path) -> dict[str, int]:
    """Relative path -> mode of every file and folder below ``folder``."""
    return {str(p.relative_to(folder)): mode(p) for p in sorted(folder.rglob("*"))}


def test_a_new_ledger_its_wal_files_and_its_folder_are_the_owners_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "inkasso.db"
    code, _, err = run(capsys, str(database), "init")
    assert code == 0, err
    assert mode(database.parent) == 0o700
    files = [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
    assert [(f.name, mode(f)) for f in files if f.exists()][0] == ("inkasso.db", 0o600)
    assert all(mode(f) == 0o600 for f in files if f.exists())


def test_a_ledger_an_older_version_left_readable_by_all_is_made_private(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    database.chmod(0o644)
    assert run(capsys, sqlite_url, "settings", "show")[0] == 0
    assert mode(database) == 0o600


@pytest.mark.parametrize("system", ["intrum", "svea", "none"])
def test_agency_files_and_the_excel_sheet_are_the_owners_only(
    system: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    collection_on_business_day(monkeypatch, tmp_path)
    data = run_json(capsys, sqlite_url, "collect", "--system", system, "--yes")
    assert data["files"] or data["file"]
    found = modes_below(tmp_path / "ut")
    assert found and set(found.values()) <= {0o600, 0o700}, found
    assert mode(tmp_path / "ut") == 0o700


def test_the_balance_file_the_sie_file_and_the_daemon_log_are_the_owners_only(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    set_setting("collection.output_dir", str(tmp_path / "ut"))
    set_setting("daemon.log_file", str(tmp_path / "logg" / "daemon.log"))
    make_case(invoice_for(amount=845000))
    fab = invoice_for(second_owner(), kind="direct", amount=50000, customer="K2001")
    make_case(fab)
    pay(fab, 9900)
    assert run_json(capsys, sqlite_url, "balance-file")["corrections"] == 1
    assert run(capsys, sqlite_url, "sie-export", "--from", "2026-11-01", "--to", "2026-11-30",
               str(tmp_path / "sie"))[0] == 0
    assert run(capsys, sqlite_url, "daemon", "--once")[0] == 0
    found = {f"{top}/{p}": m for top in ("ut", "sie", "logg") for p, m in modes_below(tmp_path / top).items()}
    found |= {top: mode(tmp_path / top) for top in ("ut", "sie", "logg")}
    assert {p.rsplit(".", 1)[-1] for p in found if "." in p} >= {"xml", "si", "log"}, found
    assert {p: oct(m) for p, m in found.items() if m & 0o077} == {}, "readable by the group or others"


def test_the_letters_and_their_folder_are_the_owners_only(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dunning_levels.save_levels([REMINDER, DEMAND])
    store_rates()
    invoice("9001")
    letters = tmp_path / "brev" / "juli"
    code, _, err = run(capsys, sqlite_url, "dunning-run", "--date", "2026-07-02", "--out", str(letters))
    assert code == 0, err
    found = modes_below(tmp_path / "brev")
    assert any(p.endswith(".pdf") for p in found), found
    assert set(found.values()) == {0o600, 0o700} and mode(tmp_path / "brev") == 0o700


def test_with_a_staff_group_files_are_the_groups_to_read_and_the_database_to_write(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gid = grp.getgrnam(GROUP).gr_gid
    collection_on_business_day(monkeypatch, tmp_path)
    set_setting("files.group", GROUP)
    data = run_json(capsys, sqlite_url, "collect", "--system", "none", "--yes")
    sheet = Path(data["file"])
    assert (mode(sheet), sheet.stat().st_gid) == (0o640, gid)
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    assert (mode(database), database.stat().st_gid) == (0o660, gid)
    assert all(not m & 0o007 for m in modes_below(tmp_path / "ut").values()), "nothing for others"


def test_the_staff_group_must_exist() -> None:
    with pytest.raises(SettingError, match="finns inte"):
        set_setting("files.group", "ingen-sadan-grupp")
