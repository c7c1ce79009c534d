"""Snapshots at 80x24, the usual size of an SSH window: the dunning run list (with its main key in
the footer and its totals whole), the settings form (fields, help and the dropdown's arrow whole),
the question before the letters are made, F1 help, and an owner's accounts. Read the SVGs after
an update: nothing may be cut at the right edge."""

from __future__ import annotations

import pytest

from tests.dunning_app_helpers import small
from tests.ledger_data import SmallLedger
from tests.tui_helpers import steps
from tui_inkasso.app import InkassoApp

SIZE = (80, 24)

__all__ = ["small"]  # the fixture, imported for pytest


@pytest.fixture(autouse=True)
def _documents_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default output folder the settings form shows, the same on every machine."""
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", "/home/anna/Dokument")


def test_dunning_run_list(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("p", "f2", "down", "space"))


def test_dunning_create_question(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("p", "f2", "f2"))


def test_settings_form(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("i"))


def test_help(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("f1"))


def test_owner_accounts(small: SmallLedger, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("a", "enter"))
