"""Data is shown as text, never read as markup, and never reaches the terminal as control codes.

Names, payer names, reasons, notes, service names, server errors and file paths come from other
systems and from staff. Textual reads a plain ``str`` as markup in a border title, a Static, a
Label, an option or a notification: a customer called "Anna Svensson [/b]" raised MarkupError
(the app crashed) in the title of the customer's invoices, and "[Intrum]" vanished. The ledger
here holds such names (and control characters, stored before the input rule cleaned them) in
every text column staff see; the real app opens every screen that shows them, by keyboard, and
each screen must draw them literally and without an escape character.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.collection_app_helpers import ledger
from tests.collection_data import CollectionLedger
from tests.test_app_no_color import keys, to_menu
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import (
    ArrearsExclusion,
    CaseEvent,
    Customer,
    DunningLevelConfig,
    Invoice,
    InvoiceRow,
    OutboxFile,
    Owner,
    Payment,
    Property,
    RentalObject,
    ScheduledService,
    ServiceRun,
    Socialnamnd,
)
from tui_inkasso.screens.cases import CaseScreen
from tui_inkasso.screens.collection import CollectionScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen
from tui_inkasso.screens.menu import MENU_ENTRIES, MenuScreen
from tui_inkasso.screens.selection import SelectionScreen

__all__ = ["ledger"]  # the fixture, imported for pytest

MARKUP = "[/b] [Intrum] a[/]b [link=x]y[/link] [bold red]"
"""Markup a name may hold by accident: a closing tag with no opening one raises MarkupError."""

CONTROLS = "\x1b[2J\x1b[31m\x07\x9b"
"""Escape sequences and control characters (clear the screen, red, bell, the 8-bit CSI)."""

NAME = f"Anna Svensson {MARKUP}"


def hostile(text: str) -> str:
    return f"{text} {MARKUP}{CONTROLS}"


def poison_ledger(tmp_path: Path) -> None:
    """Every text column staff see gets markup and control characters (written past the services,
    as text stored before the input rule would be)."""
    Customer.update(name=Customer.name.concat(f" {MARKUP}{CONTROLS}"),
                    address=hostile("Storgatan 1")).execute()
    Customer.update(name=f"{NAME}{CONTROLS}").where(Customer.number == "K1001").execute()
    Owner.update(name=hostile("Fastighets AB"), address=hostile("Box 1")).execute()
    Property.update(name=hostile("Kvarteret")).execute()
    RentalObject.update(address=hostile("Lgh 1101")).execute()
    InvoiceRow.update(text=hostile("Hyra")).execute()
    Invoice.update(excluded_reason=hostile("Tvist"), dunning_blocked_reason=hostile("Spärr")).where(
        Invoice.excluded_reason.is_null(False)).execute()
    DunningLevelConfig.update(name=DunningLevelConfig.name.concat(f" {MARKUP}")).execute()
    CaseEvent.update(text=hostile("Kunden ringde")).execute()
    Payment.update(payer_name=hostile("Betalare"), note=hostile("Notering")).execute()
    ArrearsExclusion.update(reason=hostile("Avbetalning")).execute()
    Socialnamnd.update(address=hostile("Socialtjänsten")).execute()
    service = ScheduledService.create(
        name=hostile("Nattlig [inkasso]"), service="saldofil", description=hostile("Beskrivning"),
        notify_emails="", frequency="day", weekdays="", at_time="06:00", enabled=True,
        created_at=dt.datetime(2026, 11, 1), changed_at=dt.datetime(2026, 11, 1))
    ServiceRun.create(service=service, slot="2026-11-01T06:00", trigger="schedule",
                      started_at=dt.datetime(2026, 11, 1, 6), finished_at=dt.datetime(2026, 11, 1, 6, 1),
                      result="failed", file=str(tmp_path / "[b]ut" / "[b][Intrum]fil.xml"), error=hostile("550 [denied]"))
    OutboxFile.create(path=str(tmp_path / "[b]ut" / "[b][Intrum]fil.xml"), kind="collection",
                      target_url="ftp://[::1]/in", status="failed", last_error=hostile("550 [/b] nekad"),
                      created_at=dt.datetime(2026, 11, 1), next_attempt_at=dt.datetime(2026, 11, 1))


def screen_text(pilot: Pilot[None]) -> str:
    """What the screen shows now, as the terminal would get it (segment text, styles left out)."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def step(pilot: Pilot[None], *pressed: str, text: str = "") -> str:
    """Keys as a user presses them; then the screen must hold no control character."""
    await keys(pilot, *pressed, text=text)
    shown = screen_text(pilot)
    bad = sorted({repr(c) for c in shown if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0})
    if bad:
        for line in shown.split("\n"):
            if any((ord(c) < 32) or 0x7F <= ord(c) < 0xA0 for c in line):
                print(repr(line))
    assert not bad, f"control characters {bad} reach the terminal on {pilot.app.screen!r} after {pressed}"
    return shown


async def test_markup_and_control_characters_in_data_are_shown_as_text(
        ledger: CollectionLedger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    poison_ledger(tmp_path)
    app = InkassoApp()
    async with app.run_test(size=(160, 45)) as pilot:
        for entry in MENU_ENTRIES:
            await step(pilot, entry.key)
            if isinstance(app.screen, SelectionScreen):
                await step(pilot, "f2")
            assert not isinstance(app.screen, MenuScreen), f"{entry.label} opened"
            await step(pilot, "down", "enter")
            await step(pilot, "escape")
            await to_menu(pilot)
        # the customer search, the customer's invoices (the title names the customer), one invoice
        await step(pilot, "r", text="anna")
        shown = await step(pilot, "enter")
        assert "Anna Svensson [/b] [Intrum] a[/]b" in shown, shown
        await step(pilot, "enter", "down", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        await to_menu(pilot)
        # the wizard, its Undanta dialog (names invoice and customer) and an excluded invoice's detail
        await step(pilot, "n")
        await step(pilot, "f2")
        assert isinstance(app.screen, CollectionScreen)
        shown = await step(pilot, "u")
        assert "[/b] [Intrum] a[/]b" in shown, shown
        await step(pilot, "escape")
        shown = await step(pilot, "tab", "enter")
        assert isinstance(app.screen, InvoiceDetailScreen)
        assert "Tvist [/b] [Intrum]" in shown, shown
        await to_menu(pilot)
        # a case: its card and notes
        await step(pilot, "e")
        await step(pilot, "enter")
        assert isinstance(app.screen, CaseScreen)
        shown = await step(pilot, "tab", "down")
        assert "Kunden ringde [/b] [Intrum]" in shown, shown
        await to_menu(pilot)
        # a scheduled service named with brackets, its runs (the title names it) and a failed run
        shown = await step(pilot, "t")
        assert "Nattlig [inkasso] [/b]" in shown, shown
        shown = await step(pilot, "enter")
        assert "Nattlig [inkasso] [/b]" in shown, shown
        shown = await step(pilot, "enter")
        assert "550 [denied] [/b]" in shown, shown
        await to_menu(pilot)
        # the outbox: a file whose path and server error hold brackets
        shown = await step(pilot, "u")
        assert "[b][Intrum]fil.xml" in shown, shown
        shown = await step(pilot, "enter")
        assert "[b][Intrum]fil.xml" in shown and "550 [/b] nekad" in shown, shown
        await to_menu(pilot)
