"""The standard selection step (standardurval), one screen every wizard starts with.

``SelectionScreen`` asks for owner, property, area and object type (pick any number from lists
filled by ``services.selection.selection_choices``; none picked means all), customer numbers,
rent/direct/both and a due-date range, and dismisses with a
:class:`~tui_inkasso.services.selection.Selection` (or None on Esc). The reminder run uses it;
the collection wizard and the balance-correction screens reuse it unchanged::

    def on_mount(self) -> None:
        self.app.push_screen(SelectionScreen("Inkasso – urval"), self._selected)

    # or, inside a @work coroutine of a wizard:
    selection = await self.app.push_screen_wait(SelectionScreen("Saldokorrigering – urval"))

Keyboard only: Tab moves between the fields, space ticks an entry in a list, F2 (Nästa) checks
the dates and the codes (``validate_selection``, in a thread worker) and answers; a refusal is
shown under the fields and keeps the screen open. F5 clears every field.

Keys typed while the selection is checked (F2, then at once Down and space for the list that
comes next) are kept and handed to the next screen once it has its focus, or back to the fields
when the selection is refused: they never tick an entry here after F2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Select, SelectionList, Static
from textual.worker import Worker, WorkerState

from tui_inkasso.services.errors import UserError
from tui_inkasso.services.selection import (
    Selection,
    SelectionChoices,
    selection_choices,
    validate_selection,
)
from tui_inkasso.widgets.busy_line import ShowsBusy
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.footer_keys import FooterKeys
from tui_inkasso.widgets.typeahead import KeyPress, after_bubbling, hand_over, post_keys
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors

KIND_OPTIONS = [
    ("Alla", "both"),
    ("Hyra", "rent"),
    ("Direkt", "direct"),
]
"""Short, as the tables' Typ column says it: the field is a quarter of an 80-column screen."""

LISTS = (
    ("owners", "Ägare"),
    ("areas", "Område"),
    ("properties", "Fastighet"),
    ("object_types", "Objektstyp"),
)
"""The pick lists: Selection field and Swedish label (ids are ``sel-<field>``)."""


def parse_date(text: str, label: str) -> dt.date | None:
    """A typed date (YYYY-MM-DD, or YYYYMMDD), None when empty; ValueError names the field."""
    value = text.strip()
    if not value:
        return None
    if len(value) == 8 and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{label}: {text.strip()!r} är inget datum (ÅÅÅÅ-MM-DD)") from None


class SelectionScreen(ShowsBusy, FooterKeys, ForwardWorkerErrors, Screen[Selection | None]):
    """Standardurval: pick what to include; F2 answers with the Selection, Esc with None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "next", "Nästa", id="selection.next", tooltip="Kontrollera urvalet och gå vidare"),
        Binding("f5", "clear", "Rensa urval", id="selection.clear", tooltip="Tomt urval: alla fakturor"),
        Binding("escape", "cancel", "Avbryt", id="selection.cancel"),
    ]

    class ChoicesLoaded(Message):
        """The pick lists' contents have arrived."""

        def __init__(self, choices: SelectionChoices) -> None:
            super().__init__()
            self.choices = choices

    class Checked(Message):
        """The selection was checked: ``problem`` is None when it can be used."""

        def __init__(self, selection: Selection, problem: str | None) -> None:
            super().__init__()
            self.selection = selection
            self.problem = problem

    def __init__(self, title: str = "Urval", selection: Selection | None = None,
                 *, intro: str = "") -> None:
        super().__init__()
        self.sub_title = title
        self._initial = selection or Selection()
        self._intro = intro or ("Välj vad som ska ingå. Inget valt i en lista betyder alla; flera "
                                "kundnummer skrivs med komma emellan. Tab flyttar, mellanslag väljer, "
                                "F2 går vidare.")
        self.choices: SelectionChoices | None = None
        self._held: list[KeyPress] | None = None
        """Keys typed while the selection is checked (None when it is not being checked)."""
        self._focus_before: Widget | None = None
        self._answered_to: Screen[object] | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="selection-form"):
            yield Static(self._intro, id="selection-intro")
            for pair in (LISTS[:2], LISTS[2:]):
                with Horizontal(classes="selection-row -lists"):
                    for field, label in pair:
                        with Vertical(classes="selection-field"):
                            yield Label(label)
                            yield SelectionList[str](id=f"sel-{field.replace('_', '-')}")
            with Horizontal(classes="selection-row"):
                with Vertical(classes="selection-field"):
                    yield Label("Kundnummer")
                    yield Input(", ".join(self._initial.customers), id="sel-customers",
                                placeholder="alla kunder")
                with Vertical(classes="selection-field"):
                    yield Label("Fakturatyp")
                    kind = self._initial.kinds[0] if len(self._initial.kinds) == 1 else "both"
                    yield Select(KIND_OPTIONS, allow_blank=False, value=kind, id="sel-kind")
                with Vertical(classes="selection-field"):
                    yield Label("Förfallodag från")
                    yield Input(_iso(self._initial.due_from), id="sel-due-from", placeholder="ÅÅÅÅ-MM-DD")
                with Vertical(classes="selection-field"):
                    yield Label("Förfallodag till")
                    yield Input(_iso(self._initial.due_to), id="sel-due-to", placeholder="ÅÅÅÅ-MM-DD")
            yield Static("", id="selection-error")
            yield Static("", id="selection-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sel-owners", SelectionList).focus()
        self._load_choices()

    @db_work("Urvalslistor", group="selection", exclusive=True)
    def _load_choices(self) -> None:
        choices = selection_choices()
        self.post_message(self.ChoicesLoaded(choices))

    def on_selection_screen_choices_loaded(self, message: SelectionScreen.ChoicesLoaded) -> None:
        self.choices = message.choices
        for field, _label in LISTS:
            picked = set(getattr(self._initial, field))
            widget = self.query_one(f"#sel-{field.replace('_', '-')}", SelectionList)
            widget.clear_options()
            widget.add_options([(Content(c.label), c.value, c.value in picked)
                                for c in getattr(message.choices, field)])
            if widget.option_count:
                widget.highlighted = 0
        self._show_summary()

    # ------------------------------------------------------------------ reading the form

    def selection(self) -> Selection:
        """The Selection the fields describe; ValueError names a field that cannot be read."""
        picked = {field: tuple(self.query_one(f"#sel-{field.replace('_', '-')}", SelectionList).selected)
                  for field, _label in LISTS}
        customers = tuple(dict.fromkeys(
            part.strip() for part in self.query_one("#sel-customers", Input).value.replace(";", ",").split(",")
            if part.strip()))
        kind = self.query_one("#sel-kind", Select).value
        due_from = parse_date(self.query_one("#sel-due-from", Input).value, "Förfallodag från")
        due_to = parse_date(self.query_one("#sel-due-to", Input).value, "Förfallodag till")
        return Selection(
            owners=picked["owners"], properties=picked["properties"], areas=picked["areas"],
            object_types=picked["object_types"], customers=customers,
            kinds=() if kind == "both" else (str(kind),), due_from=due_from, due_to=due_to,
        )

    def _show_summary(self) -> None:
        try:
            text = f"Urval: {self.selection().describe()}"
        except ValueError:
            return
        self.query_one("#selection-summary", Static).update(Text(text))

    @on(SelectionList.SelectedChanged)
    @on(Select.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#selection-error", Static).update("")
        self._show_summary()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_next()

    # ------------------------------------------------------------------ actions

    def action_next(self) -> None:
        """Read and check the selection; answer with it when it is right.

        While it is checked no field has the focus, so every key typed meanwhile reaches the
        screen and is kept (``on_key``) for the screen that comes next.
        """
        if self._held is not None:
            return
        try:
            selection = self.selection()
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._held = []
        self._focus_before = self.focused
        self.set_focus(None)
        self._check(selection)

    def on_key(self, event: events.Key) -> None:
        """Keep the keys typed while the selection is checked, and those still queued here when
        the screen has answered (read while the check ran: bubbled on to the app they were lost,
        "F2 /Ulla" typed at once left the wizard's filter empty)."""
        if self._held is not None:
            event.stop()
            event.prevent_default()
            self._held.append((event.key, event.character))
        elif self._answered_to is not None:  # after the hand-over: on behind it, one by one
            event.stop()
            event.prevent_default()
            self._pass_below(self._answered_to, partial(hand_over, self._answered_to, [(event.key, event.character)]))

    @staticmethod
    def _pass_below(below: Screen[object], callback: Callable[[], object]) -> None:
        """The answer reaches the screen below through its call_next queue, where it moves its
        focus (on the app's queue): the keys follow both, in the order they were typed."""
        below.call_next(after_bubbling, below, callback)

    def _hand_over_below(self) -> None:
        held = self._stop_holding()
        if held and self._answered_to is not None:
            hand_over(self._answered_to, held)

    def _stop_holding(self) -> list[KeyPress]:
        held, self._held = self._held or [], None
        return held

    def _back_to_the_fields(self) -> None:
        """The selection was not accepted: the focus and the keys typed meanwhile go back to the fields."""
        held = self._stop_holding()
        if self._focus_before is not None and self._focus_before.is_attached:
            self.set_focus(self._focus_before)
        post_keys(self, held)

    @db_work("Kontroll av urvalet", group="selection-check", exclusive=True)
    def _check(self, selection: Selection) -> None:
        problem: str | None = None
        try:
            validate_selection(selection)
        except UserError as exc:
            problem = str(exc)
        self.post_message(self.Checked(selection, problem))

    def on_selection_screen_checked(self, message: SelectionScreen.Checked) -> None:
        if message.problem is not None:
            self._back_to_the_fields()
            self._refuse(message.problem)
            return
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        self.dismiss(message.selection)
        if below is None:
            self._stop_holding()
        else:  # the keys typed until the screen below has the answer are for it
            self._answered_to = below
            self._pass_below(below, self._hand_over_below)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A check that failed (the app shows why) gives the fields back."""
        if event.state == WorkerState.ERROR and event.worker.group == "selection-check":
            self._back_to_the_fields()

    def _refuse(self, problem: str) -> None:
        self.query_one("#selection-error", Static).update(Text(f"Kontrollera urvalet: {problem}"))
        self.notify(problem, title="Urvalet kan inte användas", severity="error")

    def action_clear(self) -> None:
        """Empty every field: all invoices."""
        for field, _label in LISTS:
            self.query_one(f"#sel-{field.replace('_', '-')}", SelectionList).deselect_all()
        for name in ("customers", "due-from", "due-to"):
            self.query_one(f"#sel-{name}", Input).value = ""
        self.query_one("#sel-kind", Select).value = "both"

    def action_cancel(self) -> None:
        """Leave without a selection."""
        self.dismiss(None)


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
