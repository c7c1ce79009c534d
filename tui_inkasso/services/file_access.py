"""Who may read the files the program writes: their owner, or also the staff group the settings name.

The database, the agency files, the balance XML, the Excel sheets, the letters, the SIE files and
the daemon's log hold personnummer, and the staff share one server over SSH. Every entry point
(the app, every command, the daemon: ``cli.main``) calls :func:`restrict_new_files` before it
writes anything and :func:`apply_group_setting` once the ledger is open:

* without ``files.group`` everything is the owner's only: files 0600, folders 0700;
* with ``files.group`` set to a Unix group (README, "Dela filerna med en grupp"), the group may
  read the files (0640) and write the database (0660) and the folders (2770). Staff run the
  program as themselves, so the group needs that much: SQLite opens a database only with write
  access to it, its ``-wal`` and ``-shm`` files and their folder, and one person's run writes
  into the folders another created. Other users get nothing either way.

The rule itself (the process's umask, the modes, the group on what we create) is
``fileio.share_files_with``; this module knows the setting and the database's files.
"""

from __future__ import annotations

import grp
import logging
import os
from pathlib import Path

from tui_inkasso.db.connection import default_database_path, sqlite_path
from tui_inkasso.fileio import restrict, share_files_with

GROUP_SETTING = "files.group"

log = logging.getLogger(__name__)


def restrict_new_files() -> None:
    """Before anything is written: the owner's only (the group is known once the ledger is open)."""
    share_files_with(None)


def group_problem(name: str) -> str | None:
    """Why ``name`` cannot be the staff group, or None (also for "": no group)."""
    if not name:
        return None
    try:
        gid = grp.getgrnam(name).gr_gid
    except KeyError:
        return f"gruppen {name!r} finns inte på den här datorn (skapa den med groupadd, se README)"
    if os.geteuid() != 0 and gid not in os.getgroups() and gid != os.getegid():
        return (f"du är inte medlem i gruppen {name!r} och kan inte ge filerna den; lägg till dig "
                f"med usermod -aG {name} och logga in igen")
    return None


def apply_group_setting(url: str) -> int | None:
    """Share new files with the group ``files.group`` names (if any) and bring the SQLite
    database, its ``-wal``/``-shm`` files and, in the default location, its folder into line.

    A group that has disappeared, or that this user is not in, keeps the files private and is
    logged (the program must still start); returns the group id used, or None.
    """
    from tui_inkasso.services.settings import get_setting  # the ledger is open by now

    name = get_setting(GROUP_SETTING).strip()
    problem = group_problem(name)
    if problem is not None:
        log.warning("files stay private to their owner: %s", problem)
    gid = grp.getgrnam(name).gr_gid if name and problem is None else None
    share_files_with(gid)
    database = sqlite_path(url)
    if database is not None:
        _restrict_database(database)
    return gid


def _restrict_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            restrict(file, "database")
    if path.parent == default_database_path().parent:  # our own data folder, not one the admin chose
        restrict(path.parent, "folder")

