"""Every dialog and form fits an 80x24 terminal: its box, its words and its fields are whole (no
border or text cut at the right edge, no label cut, no sideways scrolling), with a long question and
a long path too. Tables scroll sideways by design and are left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice
from tui_inkasso.screens.cases import StatusDialog
from tui_inkasso.screens.help import HelpScreen, key_rows
from tui_inkasso.screens.reprint import ReprintMenu
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.widgets.dialogs import (
    ConfirmDialog,
    PathPrompt,
    PrintDialog,
    ReasonDialog,
    SaveChangesDialog,
)
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["small"]  # the fixture, imported for pytest

WIDTH, HEIGHT = 80, 24
LONG = ("Skapa 14 inkassoärenden av 20 022 fakturor (saldo 1 234 567,89 kr, avgifter 3 360,00 kr) och "
        "skicka filen direkt till inkassobolagets FTP-server sftp://inkasso@filer.intrum.se/inkorg?")
LONG_PATH = Path("/home/anna/Dokument/tui-inkasso/inkassoarenden/2026/november/inkassoarenden_20261128_093000.xlsx")


def dialogs(small: SmallLedger) -> list[tuple[str, object]]:
    return [
        ("confirm", lambda app: ConfirmDialog(LONG, "Skapa inkassoärenden")),
        ("reason", lambda app: ReasonDialog(LONG, "Undanta")),
        ("path", lambda app: PathPrompt("Spara listan som Excelfil:", LONG_PATH, "Exportera (Excelfil)")),
        ("print", lambda app: PrintDialog(LONG_PATH, "kontorsskrivaren-plan-3")),
        ("unsaved", lambda app: SaveChangesDialog("Alternativ – E-post/tjänster", 3)),
        ("status", lambda app: StatusDialog("registrerat")),
        ("text", lambda app: TextScreen("Körning 12 – Saldofil varje natt", LONG * 3)),
        ("help", lambda app: HelpScreen(key_rows(app.screen), "Meny")),
        ("reprint", lambda app: ReprintMenu(_invoice_id(small.invoices["demand"]), small.invoices["demand"])),
    ]


def _invoice_id(number: str) -> int:
    return Invoice.get(Invoice.number == number).id


def assert_fits(screen: Screen[object], name: str) -> None:
    for widget in screen.walk_children(with_self=False):
        if not widget.display or widget.region.width == 0:
            continue
        assert widget.region.right <= WIDTH and widget.region.x >= 0, f"{name}: {widget!r} is cut: {widget.region}"
        if isinstance(widget, ScrollableContainer | DataTable) and not isinstance(widget, Input):
            # (a text field scrolls a long path inside itself, by design)
            assert widget.max_scroll_x == 0, f"{name}: {widget!r} scrolls sideways ({widget.max_scroll_x})"


@pytest.mark.parametrize("name", ["confirm", "reason", "path", "print", "unsaved", "status", "text", "help", "reprint"])
async def test_the_dialog_fits_80_columns(small: SmallLedger, name: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        make = dict(dialogs(small))[name]
        app.push_screen(make(app))  # type: ignore[operator]
        await settle(pilot)
        assert app.screen is not app.screen_stack[0], f"{name}: the dialog is on screen"
        assert_fits(app.screen, name)


def assert_labels_whole(screen: Screen[object], name: str) -> None:
    """A label never wraps: one wider than its place is cut ("Betalningstid (da")."""
    for label in screen.query(Label):
        if label.display and label.size.width:
            wanted = label.get_content_width(screen.size, screen.size)
            wrapped = label.size.height > 1
            assert wanted <= label.size.width or wrapped, f"{name}: label {label.render()!s} is cut"


FORMS = {
    "settings": ("i",), "mail": ("m",), "payments": ("l",), "levels": ("k",), "owners": ("a", "enter"),
    "selection": ("p",), "service-wizard": ("t", "n", "enter"),
}


@pytest.mark.parametrize("name", list(FORMS))
async def test_the_form_fits_80_columns(small: SmallLedger, name: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        for key in FORMS[name]:
            await pilot.press(key)
            await settle(pilot)
        for widget in app.screen.walk_children(with_self=False):
            if widget.display and widget.region.width and not isinstance(widget, PagedTable):
                assert widget.region.right <= WIDTH, f"{name}: {widget!r} is cut: {widget.region}"
        assert_labels_whole(app.screen, name)
