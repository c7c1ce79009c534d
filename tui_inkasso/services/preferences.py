"""What one user chose for the app itself (not for the ledger): for now the theme.

Kept per user, in the user's configuration folder (``~/.config/tui-inkasso/utseende.json``, XDG),
not in the database: two people sharing a ledger may want different themes, and a setting of the
ledger is audited and shared. A missing or unreadable file means the defaults; the file is
written atomically, so a crash never leaves half of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tui_inkasso.fileio import FileWriteError, make_folder, write_bytes_atomic

APP_NAME = "tui-inkasso"
FILE_NAME = "utseende.json"


@dataclass(frozen=True)
class Preferences:
    """The user's choices for the app: ``light`` theme or not."""

    light: bool = False


def preferences_path() -> Path:
    """The file the choices are kept in."""
    import platformdirs  # here: the command line never needs it

    return Path(platformdirs.user_config_dir(APP_NAME)) / FILE_NAME


def load_preferences() -> Preferences:
    """The user's choices, or the defaults when none are stored (or the file cannot be read)."""
    try:
        data = json.loads(preferences_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Preferences()
    return Preferences(light=isinstance(data, dict) and data.get("theme") == "light")


def save_preferences(preferences: Preferences) -> str | None:
    """Store the choices; None when stored, else why not (in Swedish; the app goes on without)."""
    path = preferences_path()
    try:
        make_folder(path.parent)
        write_bytes_atomic(path, json.dumps({"theme": "light" if preferences.light else "dark"}).encode(),
                           overwrite=True)
    except (OSError, FileWriteError) as exc:
        return f"valet av tema kunde inte sparas i {path}: {getattr(exc, 'strerror', None) or exc}"
    return None
