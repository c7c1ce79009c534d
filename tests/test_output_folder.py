"""Files go where staff expect: the output folder is a whole path (by default ``tui-inkasso`` in
the user's documents folder), shown as such, created when the first file is written, and a
folder that cannot be written is refused when it is set, not when a run fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.collection_data import DAY, CollectionLedger, ledger
from tests.common import run
from tui_inkasso.db.models import Setting
from tui_inkasso.services import collection_export, collection_run, settings
from tui_inkasso.services.collection_recovery import output_folder
from tui_inkasso.services.setting_keys import SettingError

__all__ = ["ledger"]  # the fixture, imported for pytest


def test_the_default_is_a_whole_path_in_the_documents_folder(sqlite_url: str, tmp_path: Path) -> None:
    expected = tmp_path / "dokument" / "tui-inkasso"
    assert settings.get_setting("collection.output_dir") == str(expected)
    assert settings.all_settings()["collection.output_dir"] == str(expected)
    assert not expected.exists(), "nothing is created until a file is written"
    assert settings.output_dir() == expected and expected.is_dir()


def test_a_relative_folder_is_taken_from_the_documents_folder_not_the_start_directory(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert settings.set_setting("collection.output_dir", "inkasso-filer") == str(tmp_path / "dokument" / "inkasso-filer")
    assert settings.set_setting("collection.output_dir", "~/filer/../ut") == str(Path.home() / "ut")
    assert settings.set_setting("dunning.letters_dir", "") == "", "empty: the letters follow the output folder"
    assert settings.set_setting("dunning.letters_dir", "brev") == str(tmp_path / "dokument" / "brev")


def test_a_folder_that_cannot_be_made_is_refused_when_set(sqlite_url: str, tmp_path: Path) -> None:
    blocker = tmp_path / "en-fil"
    blocker.write_text("x")
    with pytest.raises(SettingError, match=f"{blocker} är en fil, inte en mapp"):
        settings.set_setting("collection.output_dir", str(blocker))
    with pytest.raises(SettingError, match=f"mappen {blocker}/ut kan inte skapas: {blocker} är en fil"):
        settings.set_setting("collection.output_dir", str(blocker / "ut"))
    with pytest.raises(SettingError, match="en mapp måste anges \\(standard: .*/dokument/tui-inkasso\\)"):
        settings.set_setting("collection.output_dir", "  ")
    assert not Setting.select().where(Setting.key == "collection.output_dir").exists()


def test_the_command_line_stores_the_whole_path(sqlite_url: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, sqlite_url, "settings", "set", "collection.output_dir", "inkasso-filer")
    assert code == 0, err
    assert settings.get_setting("collection.output_dir") == str(tmp_path / "dokument" / "inkasso-filer")


def test_the_case_list_goes_into_the_default_folder_made_on_demand(ledger: CollectionLedger, tmp_path: Path) -> None:
    Setting.delete().where(Setting.key == "collection.output_dir").execute()
    folder = output_folder()
    assert folder == tmp_path / "dokument" / "tui-inkasso" and not folder.exists()
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "svea")
    written = collection_export.case_list_export(result, folder / "lista.xlsx", "xlsx")
    assert written == folder / "lista.xlsx" and written.is_file()
