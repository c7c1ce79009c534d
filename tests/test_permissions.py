"""Every service entry point says what it needs, and is called as every role (issue 17).

An entry point is a service function that the screens, the widgets, the command line, the app or
the daemon import (found by reading their source, so a new one is found without being listed
here). Each must be decorated (``services.permissions.reads`` / ``requires``) unless it is in
:data:`NO_LEDGER_DATA` (helpers that read and write nothing of the ledger: labels, parsing, the
clock, files of the user's own). Then each is called as a reader, a clerk, an administrator, an
administrator under the daemon's ceiling, and someone who is not a user, with arguments that make
its body fail at once: the call must be refused with ``PermissionRefused`` exactly when the role
may not do it, and never refused when it may (which also catches a reader's entry point that
writes: its write transaction is refused).
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.staff import add_staff, as_user
from tui_inkasso.domain.codes import StaffRole, role_covers
from tui_inkasso.services import permissions
from tui_inkasso.services.permissions import PermissionRefused, permission_of

PACKAGE = Path(__file__).resolve().parent.parent / "tui_inkasso"

CALLERS = [*sorted((PACKAGE / "screens").glob("*.py")), *sorted((PACKAGE / "widgets").glob("*.py")),
           *sorted((PACKAGE / "cli").glob("*.py")), PACKAGE / "daemon.py", PACKAGE / "app.py"]
"""Where the app, the command line and the daemon call services from."""

NO_LEDGER_DATA: dict[str, str] = {
    "aging_report.aging_json": "the report the caller holds, as JSON",
    "balance_corrections.corrections_text": "a count in words",
    "clock.current_user": "who runs the program (the permissions ask it)",
    "clock.now": "the time",
    "clock.today": "the date",
    "collection_candidates.warm_up": "loads the bank-day calendar",
    "collection_export.excel_preview": "reads an Excel file the user names",
    "collection_export.result_list_rows": "the run result the caller holds, as rows",
    "collection_overview.default_period": "dates",
    "collection_overview.month_spans": "dates",
    "collection_overview.overview_json": "the overview the caller holds, as JSON",
    "dunning_levels.default_levels": "the lawful default levels (constants)",
    "eviction_summary.summary_data": "the summary the caller holds, as JSON",
    "eviction_summary.summary_text": "the summary the caller holds, as text",
    "file_access.apply_group_setting": "file modes of the ledger's files (before the user is known)",
    "file_access.restrict_new_files": "the process's umask",
    "ledger_import.counts_as_dict": "the result the caller holds, as JSON",
    "ledger_location.full_description": "the URL the process opened",
    "ledger_location.short_description": "the URL the process opened",
    "owner_accounts.check_owner_accounts": "checks typed values against the owner the caller holds",
    "payment_report.summary_json": "the summary the caller holds, as JSON",
    "permissions.forget_sessions": "the permission check itself",
    "permissions.limit_to": "the permission check itself (the daemon's ceiling)",
    "permissions.refusal": "the permission check itself (screens grey keys)",
    "permissions.require": "the permission check itself",
    "permissions.session_role": "the permission check itself (every start asks it first)",
    "preferences.load_preferences": "the user's own preferences file",
    "preferences.save_preferences": "the user's own preferences file",
    "scheduled.rule_from_fields": "parses typed fields",
    "scheduled_jobs.service_label": "a label",
    "scheduled_runs.worker_id": "host and process id",
    "setting_keys.setting_key": "a setting's definition (constants)",
    "setting_keys.validate_setting": "checks a typed value",
    "threads.thread_connection": "a connection for a worker thread",
    "users.check_login": "checks a typed login",
}
"""Service functions the callers use that touch no ledger data, with the reason."""


def _imported_services(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every service attribute ``path`` imports or reaches through a module."""
    tree = ast.parse(path.read_text())
    found: set[tuple[str, str]] = set()
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tui_inkasso.services":
                modules.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
            elif node.module.startswith("tui_inkasso.services."):
                found.update((node.module, a.name) for a in node.names)
        elif isinstance(node, ast.Import):
            modules.update({a.asname or a.name: a.name for a in node.names if a.name.startswith("tui_inkasso.services.")})
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            found.add((modules[node.value.id], node.attr))
    return found


def entry_points() -> dict[str, Callable[..., Any]]:
    """Every service function a caller uses, by "module.name"."""
    found: dict[str, Callable[..., Any]] = {}
    for path in CALLERS:
        for module_name, name in _imported_services(path):
            module = importlib.import_module(module_name)
            value = getattr(module, name, None)
            if inspect.isfunction(value) and value.__module__ == module_name:
                found[f"{module_name.rsplit('.', 1)[1]}.{name}"] = value
    return dict(sorted(found.items()))


ENTRY_POINTS = entry_points()
CHECKED = {name: fn for name, fn in ENTRY_POINTS.items() if name not in NO_LEDGER_DATA}


def test_every_entry_point_says_what_it_needs() -> None:
    assert len(ENTRY_POINTS) > 150, "the callers' imports were not found"
    missing = [name for name, fn in CHECKED.items() if permission_of(fn) is None]
    assert not missing, ("entry points without @reads or @requires (services/permissions.py), or add them to "
                         f"NO_LEDGER_DATA with the reason: {missing}")
    stale = sorted(set(NO_LEDGER_DATA) - set(ENTRY_POINTS))
    assert not stale, f"NO_LEDGER_DATA lists what no caller uses any more: {stale}"
    decorated = [name for name in NO_LEDGER_DATA if permission_of(ENTRY_POINTS[name]) is not None]
    assert not decorated, f"checked, so not to be listed in NO_LEDGER_DATA: {decorated}"


def test_the_writers_need_a_clerk_or_an_administrator() -> None:
    """Spot checks of the table the decorators make (the issue's roles)."""
    needs = {name: permission_of(fn).role for name, fn in CHECKED.items()}  # type: ignore[union-attr]
    for name in ("dunning_run.run_dunning", "collection_run.create_cases", "payment_import.import_payment_file",
                 "balance_file_run.create_balance_file", "case_register.close_case", "arrears_run.terminate",
                 "unmatched_payments.allocate_payment", "scheduled_runs.run_now"):
        assert needs[name] == StaffRole.CLERK, name
    for name in ("settings.save_settings", "owner_accounts.save_owner_accounts", "dunning_levels.save_configuration",
                 "scheduled.create_service", "users.add_user", "users.remove_user", "approvals.approve",
                 "ledger_import.import_ledger"):
        assert needs[name] == StaffRole.ADMIN, name
    for name in ("customer_search.search_customers", "report_export.export_aging", "collection_export.case_list_export",
                 "audit.recent", "approvals.list_approvals", "users.list_users"):
        assert needs[name] == StaffRole.READER, name


class Probe:
    """An argument no service can use: the body fails at its first use, after the check."""

    def __repr__(self) -> str:
        return "<probe>"


def _call_with_probes(function: Callable[..., Any]) -> BaseException | None:
    """Call with a probe for every parameter; the exception it raised, if any."""
    positional, keywords = [], {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind == parameter.KEYWORD_ONLY:
            keywords[parameter.name] = Probe()
        else:
            positional.append(Probe())
    try:
        function(*positional, **keywords)
    except Exception as exc:  # any failure but a refusal is the probe's doing
        return exc
    return None


ROLES = {
    "reader": ("lasare", StaffRole.READER, None),
    "clerk": ("handlaggare", StaffRole.CLERK, None),
    "admin": ("testare", StaffRole.ADMIN, None),
    "daemon": ("testare", StaffRole.ADMIN, StaffRole.CLERK),
    "stranger": ("okand", None, None),
}
"""Who calls: login, role in the ledger (None: not a user), the process's ceiling."""


@pytest.mark.parametrize("who", list(ROLES))
def test_every_entry_point_as_every_role(any_db: str, who: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    login, role, ceiling = ROLES[who]
    add_staff("lasare", StaffRole.READER)
    add_staff("handlaggare", StaffRole.CLERK)
    monkeypatch.chdir(tmp_path)  # a probe that ends as a file name lands here
    if ceiling is not None:
        monkeypatch.setattr(permissions, "_ceiling", ceiling)
    in_force = StaffRole(min([role, ceiling], key=list(StaffRole).index)) if role and ceiling else role
    wrong = []
    with as_user(login):
        for name, function in CHECKED.items():
            needed = permission_of(function).role  # type: ignore[union-attr]
            error = _call_with_probes(function)
            refused = isinstance(error, PermissionRefused)
            allowed = in_force is not None and role_covers(in_force, needed)
            if refused == allowed:
                wrong.append(f"{name} (needs {needed.value}): {'refused' if refused else 'allowed'}"
                             + (f": {error}" if refused else ""))
            if refused and in_force is None:
                assert f"{login} är inte användare" in str(error)
            elif refused and ceiling is not None:
                assert str(error).startswith("tjänsten arbetar som Handläggare och får inte "), str(error)
            elif refused:
                assert str(error).startswith(f"{login} är "), str(error)
    assert not wrong, "\n".join(wrong)


def test_a_ledger_claimed_meanwhile_by_the_same_login_lets_it_in(any_db: str) -> None:
    """Two runs of one user at once on a ledger without users (two ``tui-inkasso`` commands
    started together): both find no row for the login, one makes it the administrator first; the
    other, finding users now, must find itself among them, not be refused as a stranger."""
    import datetime as dt

    from tui_inkasso.db.models import StaffUser

    login = "samtidig"
    StaffUser.delete().execute()
    StaffUser.create(login=login, role=StaffRole.ADMIN.value, added_at=dt.datetime(2026, 11, 28, 9, 0),
                     added_by=login)  # the other process's commit, after this one's lookup
    row = permissions._claim_empty_ledger(login)
    assert row is not None and row.login == login and row.role == StaffRole.ADMIN.value
    assert permissions._claim_empty_ledger("någon-annan") is None
