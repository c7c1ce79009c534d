"""Every dialog and form fits an 80x24 terminal: its box, its words and its fields are whole (no
border or text cut at the right edge, no label cut, no sideways scrolling), with a long question and
a long path too. Tables scroll sideways by design and are left out."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from textual.containers import ScrollableContainer
from textual.errors import NoWidget
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, OptionList

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice
from tui_inkasso.screens.audit import UserChoice
from tui_inkasso.screens.cases import PaymentDialog, StatusDialog
from tui_inkasso.screens.help import HelpScreen, key_rows
from tui_inkasso.screens.reprint import ReprintMenu
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.screens.socialnamnd import BoardDialog
from tui_inkasso.screens.terminations import DateDialog
from tui_inkasso.screens.users import UserDialog
from tui_inkasso.services.case_register import CaseInvoiceLine
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
        ("date", lambda app: DateDialog(LONG, "Delgiven", dt.date(2026, 12, 6), methods=True)),
        ("board", lambda app: BoardDialog(None, "Sundbybergs kommun")),
        ("payment", lambda app: PaymentDialog([CaseInvoiceLine(
            1, "10016955", "hyra", dt.date(2026, 9, 30), 123456789, 6000, 4321, "hyra", 123456789)],
            dt.date(2026, 12, 6))),
        ("user", lambda app: UserDialog(login="Anna Lindqvist", error=(  # the service's own words
            "'Anna Lindqvist' är inget användarnamn: små bokstäver a–z, siffror, _ . och -, först en bokstav, "
            "högst 63 tecken"))),
        ("audit-user", lambda app: UserChoice([f"handlaggare{n:02d}" for n in range(30)], None)),
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


@pytest.mark.parametrize("name", ["confirm", "reason", "path", "print", "unsaved", "status", "text", "help", "reprint",
                                  "date", "board", "payment"])
async def test_the_dialog_fits_80_columns(small: SmallLedger, name: str) -> None:
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        make = dict(dialogs(small))[name]
        app.push_screen(make(app))  # type: ignore[operator]
        await settle(pilot)
        assert app.screen is not app.screen_stack[0], f"{name}: the dialog is on screen"
        assert_fits(app.screen, name)


def assert_shown(screen: Screen[object], widget: Widget, name: str) -> None:
    """Every row of ``widget`` is on screen: not clipped by the dialog's box (capped at 90% of the
    height) nor by the terminal's last row."""
    try:
        geometry = screen.find_widget(widget)
    except NoWidget:
        raise AssertionError(f"{name}: {widget!r} is not on screen") from None
    visible = geometry.region.intersection(geometry.clip).intersection(screen.region)
    assert geometry.region.height and visible == geometry.region, (
        f"{name}: {widget!r} shows {visible.height} of its {geometry.region.height} rows at {geometry.region}")


KEYED = ["confirm", "reason", "path", "print", "unsaved", "status", "reprint", "date", "board", "payment", "user",
         "audit-user"]


@pytest.mark.parametrize("name", KEYED)
async def test_the_key_line_is_on_screen_at_80x24(small: SmallLedger, name: str) -> None:
    """A dialog's key line is never below the box: at 80x24 the payment dialog's error and key
    line were cut off. A form shows them with an error too (F2 on an empty form)."""
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        app.push_screen(dict(dialogs(small))[name](app))  # type: ignore[operator]
        await settle(pilot)
        if name in ("payment", "board"):
            await pilot.press("f2")
            await settle(pilot)
        for shown in app.screen.query(".dialog-keys, .dialog-error"):
            if shown.display and (shown.has_class("dialog-keys") or str(shown.render())):
                assert_shown(app.screen, shown, name)


async def test_the_date_dialog_shows_all_six_methods_when_they_have_the_focus(small: SmallLedger) -> None:
    """Enter in the date moves to the methods: all six stay visible (a focus border took two rows
    and hid two of them) and so does the key line."""
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        app.push_screen(dict(dialogs(small))["date"](app))  # type: ignore[operator]
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        methods = app.screen.query_one("#date-methods", OptionList)
        assert app.focused is methods
        assert methods.option_count == 6
        assert methods.max_scroll_y == 0 and methods.scrollable_content_region.height >= 6, (
            f"{methods.scrollable_content_region.height} of 6 methods shown")
        assert_shown(app.screen, methods, "date")
        [keys] = app.screen.query(".dialog-keys")
        assert_shown(app.screen, keys, "date")


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
    "service-weekdays": ("t", "n", "enter", "x", "f2", "f2", "down", "enter"),
    "balance-range": ("s", "f2"), "dunning-run": ("p", "f2"),
    "service-month": ("t", "n", "enter", "x", "f2", "f2", "down", "down", "enter"),
    "service-hours": ("t", "n", "enter", "x", "f2", "f2", "down", "down", "down", "enter"),
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


KEY_LINE = re.compile(r"^(?:[^·=]+ = [A-ZÅÄÖ][^·=]*)(?: · [^·=]+ = [A-ZÅÄÖ][^·=]*)*$")


@pytest.mark.parametrize("name", [
    "confirm", "reason", "path", "print", "unsaved", "status", "date", "board", "payment"])
async def test_every_dialog_names_its_keys_one_way(small: SmallLedger, name: str) -> None:
    """One convention: a question takes "j eller Enter = Ja · n eller Esc = Nej"; a form "Enter
    eller F2 = <what it does> · Esc = Avbryt", each what capitalised; and F2 does what Enter does."""
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        app.push_screen(dict(dialogs(small))[name](app))  # type: ignore[operator]
        await settle(pilot)
        [shown] = [str(w.render()) for w in app.screen.query(".dialog-keys")]
        assert all(" " not in part for part in shown.split(" · ")), f"{name}: wraps only between keys: {shown!r}"
        keys = shown.replace("\u00a0", " ")
        assert KEY_LINE.match(keys), f"{name}: {keys!r}"
        if name == "confirm":
            assert keys == "j eller Enter = Ja · n eller Esc = Nej"
        elif name != "unsaved":
            assert "Esc = Avbryt" in keys and "F2 = " in keys, f"{name}: {keys!r}"


async def test_f2_saves_a_reason_as_enter_does(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await settle(pilot)
        answers: list[str | None] = []
        app.push_screen(ReasonDialog("Varför?", "Undanta"), answers.append)
        await settle(pilot)
        await pilot.press(*"Bestridd", "f2")
        await settle(pilot)
        assert answers == ["Bestridd"]


async def test_reading_a_file_says_so_in_the_key_line(small: SmallLedger) -> None:
    """Socialnämnder's i asks for a file to read: Enter reads it ("Spara" said it saved one)."""
    app = InkassoApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, PathPrompt)
        [shown] = [str(w.render()).replace("\u00a0", " ") for w in app.screen.query(".dialog-keys")]
        assert shown == "Enter eller F2 = Läs in · Esc = Avbryt", shown
