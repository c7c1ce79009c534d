"""Inställningar → Alternativ → Påminnelse/krav: the levels, the dunning settings, the rates.

The levels are edited as blocks, one per level (name, days, fee in kronor, payment deadline in
days, the kind of letter: påminnelse, påminnelse utan avgift or inkassokrav, and the letter
text with its placeholders); level 1 is the reminder, every later level a demand. F6 fills in the
lawful default levels (not saved until F2). F3 adds a level after
the one with the focus, F4 removes it, F7 and F8 move it up and down (the numbers follow the
order). Below them: minimum amount, fee caps, printer and letters folder, and the table of
Riksbank reference rates as text, one row per half year ("2026-01-01  2,00").

F2 (Spara) reads everything, checks it together with ``services.dunning_levels.save_configuration``
(levels against the caps being saved) and stores all or nothing; every problem is listed at the
top and nothing changes until all are fixed. F5 throws the edits away; leaving with unsaved
edits (Esc, Ctrl+Q) asks first (:class:`~tui_inkasso.screens.edit_form.EditForm`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Select, Static, TextArea

from tui_inkasso.domain.dunning import DunningLevel, is_demand_level
from tui_inkasso.domain.interest import ReferenceRate, parse_rate_table, rate_table_text
from tui_inkasso.domain.letter_requirements import PLACEHOLDERS
from tui_inkasso.domain.level_fees import level_kind
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.money import MoneyError, format_sek, parse_amount
from tui_inkasso.screens.edit_form import EditForm
from tui_inkasso.services import dunning_levels, setting_keys, settings
from tui_inkasso.services.errors import DunningError
from tui_inkasso.widgets.db_work import db_work

_ids = itertools.count(1)

NEW_LEVEL_TEXT = "Trots påminnelse har fakturan nedan inte betalats. Betala senast det datum som anges."


class LevelForm(Vertical):
    """The fields of one level; its number and kind follow its place in the list."""

    def __init__(self, level: DunningLevel) -> None:
        self.uid = next(_ids)
        super().__init__(id=f"level-{self.uid}")
        self._level = level

    def compose(self) -> ComposeResult:
        lv = self._level
        with Horizontal():
            for name, label, value in (
                ("name", "Benämning", lv.name),
                ("days", "Dagar", str(lv.days)),
                ("fee", "Avgift (kr)", format_sek(lv.fee_ore).replace("\u00a0", "")),
                ("deadline", "Betaltid (dagar)", str(lv.deadline_days)),
            ):
                with Vertical(classes="level-field"):
                    yield Label(label)
                    yield Input(value, id=f"level-{self.uid}-{name}")
        with Horizontal(classes="level-kind"):
            yield Label("Typ av brev")
            yield Select([(kind.label, kind.value) for kind in LevelKind], allow_blank=False,
                         value=level_kind(lv).value, id=f"level-{self.uid}-kind")
        yield Label("Brevtext")
        yield TextArea(lv.letter_text, id=f"level-{self.uid}-text")

    def kind(self) -> LevelKind:
        """The kind chosen for this level."""
        value = self.query_one(f"#level-{self.uid}-kind", Select).value
        return LevelKind(value) if isinstance(value, str) else LevelKind.REMINDER_NO_FEE

    def number(self, position: int) -> None:
        """Show the level's number and kind for its place in the list."""
        self._position = position
        self.border_title = f"Nivå {position} – {self.kind().label}"

    def on_select_changed(self, event: Select.Changed) -> None:
        if getattr(self, "_position", None):
            self.number(self._position)

    def read(self, position: int) -> tuple[DunningLevel | None, list[str]]:
        """The level as typed, or the fields that cannot be read."""
        where = f"Nivå {position}"
        problems: list[str] = []

        def whole(name: str, label: str) -> int:
            text = self.query_one(f"#level-{self.uid}-{name}", Input).value.strip()
            if not text.lstrip("-").isdigit():
                problems.append(f"{where}: {label} {text!r} är inget heltal.")
                return 0
            return int(text)

        days = whole("days", "antal dagar")
        deadline = whole("deadline", "betalningstiden")
        fee_text = self.query_one(f"#level-{self.uid}-fee", Input).value
        try:
            fee = parse_amount(fee_text or "0")
        except MoneyError:
            problems.append(f"{where}: avgiften {fee_text!r} är inget belopp (t.ex. 60,00).")
            fee = 0
        name = self.query_one(f"#level-{self.uid}-name", Input).value.strip()
        text = self.query_one(f"#level-{self.uid}-text", TextArea).text
        if problems:
            return None, problems
        return DunningLevel(position, name, days, fee, deadline, text, is_demand_level(position),
                            self.kind().value), []


class DunningLevelsScreen(EditForm):
    """Alternativ – Påminnelse/krav: levels, settings and reference rates, saved all or nothing."""

    SUB_TITLE = "Alternativ – Påminnelse/krav"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="levels.save", tooltip="Kontrollera och spara allt"),
        Binding("f3", "add", "Ny nivå", id="levels.add", tooltip="Lägg till en nivå efter den markerade"),
        Binding("f4", "remove", "Ta bort", id="levels.remove", tooltip="Ta bort nivån med markören"),
        Binding("f7", "move(-1)", "Flytta upp", id="levels.up"),
        Binding("f8", "move(1)", "Flytta ner", id="levels.down"),
        Binding("f5", "reload", "Ångra", id="levels.reload", tooltip="Ångra ändringarna: läs in sparade värden igen"),
        Binding("f6", "defaults", "Standardnivåer", id="levels.defaults",
                tooltip="Fyll i de lagliga standardnivåerna (påminnelse 60 kr, inkassokrav 180 kr); sparas med F2"),
    ]

    GUARDED = {"save": dunning_levels.save_configuration}
    """The keys whose service the user's role may not call are greyed and say why."""

    class Loaded(Message):
        """The stored configuration has arrived."""

        def __init__(self, levels: list[DunningLevel], values: dict[str, str], rates: list[ReferenceRate]) -> None:
            super().__init__()
            self.levels = levels
            self.values = values
            self.rates = rates

    class Saved(Message):
        """Saving finished: ``problem`` is None when everything was stored (then ``then`` runs)."""

        def __init__(self, problem: str | None, then: Callable[[], object] | None = None) -> None:
            super().__init__()
            self.problem = problem
            self.then = then

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.saved = False
        self._saved_state: list[str] = []
        """Every field as last loaded (to tell unsaved edits)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="levels-form"):
            yield Static("Nivåerna i den ordning de skickas. Dagar räknas från förfallodagen (nivå 1) eller "
                         "föregående nivå; betalningstiden är minst 8 dagar. En påminnelse får ta "
                         "påminnelseavgift (högst 60 kr, där avtalet medger det), bara ett inkassokrav "
                         "inkassoavgift (högst 180 kr, en gång per fordran). F6 standardnivåer, F2 sparar "
                         "allt eller inget.", id="levels-intro")
            yield Static("", id="levels-problems")
            yield Static("Kravnivåer", classes="section-title")
            yield Vertical(id="levels")
            yield Static("Platshållare i brevtexten: " + ", ".join(
                f"{{{name}}} {meaning}" for name, meaning in PLACEHOLDERS.items()) + ".", id="levels-placeholders")
            yield Static("Inställningar", classes="section-title")
            keys = [setting_keys.setting_key(k) for k in dunning_levels.CONFIGURATION_KEYS]
            for row in (keys[:3], keys[3:]):
                with Horizontal(classes="setting-row"):
                    for definition in row:
                        with Vertical():
                            yield Label(definition.label)
                            yield Input(id=_field_id(definition.key), placeholder=definition.help)
            yield Static("Referensräntor (Riksbanken): ett halvår per rad, datum och procent", classes="section-title")
            yield TextArea("", id="levels-rates")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        """Show what is stored (drops unsaved edits)."""
        self._load()

    @db_work("Kravnivåer", group="levels", exclusive=True)
    def _load(self) -> None:
        levels = dunning_levels.get_levels()
        values = {k: settings.get_setting(k) for k in dunning_levels.CONFIGURATION_KEYS}
        rates = dunning_levels.get_reference_rates()
        self.post_message(self.Loaded(levels, values, rates))

    async def on_dunning_levels_screen_loaded(self, message: DunningLevelsScreen.Loaded) -> None:
        box = self.query_one("#levels", Vertical)
        await box.remove_children()
        await box.mount_all([LevelForm(level) for level in message.levels])
        self._renumber()
        for key, value in message.values.items():
            self.query_one(f"#{_field_id(key)}", Input).value = _shown(key, value)
        self.query_one("#levels-rates", TextArea).text = rate_table_text(message.rates)
        self._show_problems([])
        self._saved_state = self._state()
        forms = self._forms()
        if forms:
            forms[0].query_one(Input).focus()

    def _state(self) -> list[str]:
        """Every field's text in screen order (levels as ordered, settings, the rates)."""
        kinds = [str(form.kind().value) for form in self._forms()]
        texts = [area.text for area in self.query(TextArea)]
        return [field.value for field in self.query(Input)] + kinds + texts

    def unsaved_changes(self) -> int:
        """Fields that differ from what was loaded (a level added or removed counts its fields)."""
        now, then = self._state(), self._saved_state
        return sum(1 for a, b in itertools.zip_longest(now, then) if a != b)

    # ------------------------------------------------------------------ editing the list

    def _forms(self) -> list[LevelForm]:
        return list(self.query_one("#levels", Vertical).query_children(LevelForm))

    def _renumber(self) -> None:
        for position, form in enumerate(self._forms(), start=1):
            form.number(position)

    def _focused_form(self) -> LevelForm | None:
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, LevelForm):
            node = node.parent if isinstance(node.parent, Widget) else None
        return node

    async def action_add(self) -> None:
        """A new demand level after the focused one (or last)."""
        forms = self._forms()
        current = self._focused_form()
        previous_deadline = 10
        kind = LevelKind.REMINDER_NO_FEE
        if forms:
            last = current or forms[-1]
            if last.kind().is_collection_demand:  # no reminder may follow an inkassokrav
                kind = LevelKind.COLLECTION_DEMAND
            deadline_text = last.query_one(f"#level-{last.uid}-deadline", Input).value.strip()
            previous_deadline = int(deadline_text) if deadline_text.isdigit() else 10
        form = LevelForm(DunningLevel(len(forms) + 1, "Krav", max(previous_deadline, 10), 0, 10,
                                      NEW_LEVEL_TEXT, True, kind.value))
        box = self.query_one("#levels", Vertical)
        if current is not None:
            await box.mount(form, after=current)
        else:
            await box.mount(form)
        self._renumber()
        form.query_one(Input).focus()

    async def action_defaults(self) -> None:
        """Replace the levels on the screen with the lawful defaults (saved only with F2)."""
        box = self.query_one("#levels", Vertical)
        await box.remove_children()
        await box.mount_all([LevelForm(level) for level in dunning_levels.default_levels()])
        self._renumber()
        self._forms()[0].query_one(Input).focus()
        self.notify("Standardnivåerna är ifyllda: påminnelse 60 kr och inkassokrav 180 kr. F2 sparar.",
                    title="Standardnivåer")

    async def action_remove(self) -> None:
        """Remove the focused level."""
        current = self._focused_form()
        if current is None:
            self.notify("Flytta markören till den nivå som ska tas bort.", title="Ingen nivå vald")
            return
        forms = self._forms()
        index = forms.index(current)
        await current.remove()
        self._renumber()
        rest = self._forms()
        if rest:
            rest[min(index, len(rest) - 1)].query_one(Input).focus()

    async def action_move(self, step: int) -> None:
        """Move the focused level up (-1) or down (1)."""
        current = self._focused_form()
        if current is None:
            return
        forms = self._forms()
        index = forms.index(current)
        target = index + step
        if not 0 <= target < len(forms):
            return
        focused = self.focused
        box = self.query_one("#levels", Vertical)
        if step < 0:
            box.move_child(current, before=forms[target])
        else:
            box.move_child(current, after=forms[target])
        self._renumber()
        if focused is not None:
            focused.focus()

    # ------------------------------------------------------------------ saving

    def read(self) -> tuple[list[DunningLevel], dict[str, str], list[ReferenceRate], list[str]]:
        """Everything on the screen, with the fields that cannot be read."""
        levels: list[DunningLevel] = []
        problems: list[str] = []
        for position, form in enumerate(self._forms(), start=1):
            level, wrong = form.read(position)
            problems += wrong
            if level is not None:
                levels.append(level)
        values = {k: self.query_one(f"#{_field_id(k)}", Input).value for k in dunning_levels.CONFIGURATION_KEYS}
        rates, wrong = parse_rate_table(self.query_one("#levels-rates", TextArea).text)
        return levels, values, rates, problems + wrong

    def action_save(self) -> None:
        """Check everything; store all of it or nothing."""
        self.save()

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Check everything here, store it in a worker; ``then`` runs once it is stored."""
        levels, values, rates, problems = self.read()
        if problems:
            self._refuse(problems)
            return
        self._save(levels, values, rates, then)

    @db_work("Spara kravnivåer", group="levels-save", exclusive=True)
    def _save(self, levels: list[DunningLevel], values: dict[str, str], rates: list[ReferenceRate],
              then: Callable[[], object] | None = None) -> None:
        problem: str | None = None
        try:
            dunning_levels.save_configuration(levels, values, rates)
        except DunningError as exc:
            problem = str(exc)
        self.post_message(self.Saved(problem, then))

    def on_dunning_levels_screen_saved(self, message: DunningLevelsScreen.Saved) -> None:
        if message.problem is not None:
            self._refuse(message.problem.removeprefix("Inget sparades:\n").splitlines())
            return
        self.saved = True
        self._show_problems([])
        self._saved_state = self._state()
        self.notify("Kravnivåer, inställningar och referensräntor sparades.", title="Sparat")
        if message.then is not None:
            message.then()
            return
        self._load()

    def _refuse(self, problems: list[str]) -> None:
        self._show_problems(problems)
        self.query_one("#levels-form", VerticalScroll).scroll_home(animate=False)
        count = len(problems)
        self.notify(f"Inget sparades: {count} {'fel' if count == 1 else 'fel'} att rätta (se överst).",
                    title="Kontrollera fälten", severity="error")

    def _show_problems(self, problems: list[str]) -> None:
        self.problems = problems
        shown = self.query_one("#levels-problems", Static)
        shown.update(Text("Inget sparades:\n" + "\n".join(f"• {p}" for p in problems)) if problems else "")
        shown.display = bool(problems)  # no empty line above the levels at 80x24


def _field_id(key: str) -> str:
    return "levels-" + key.replace(".", "-").replace("_", "-")


AMOUNT_KEYS = ("dunning.min_amount", "dunning.reminder_fee_cap", "dunning.demand_fee_cap")
"""The settings beside the levels that are amounts in kronor."""


def _shown(key: str, value: str) -> str:
    """A stored amount ("60.00") as the level fields show theirs ("60,00"); the rest as stored."""
    if key not in AMOUNT_KEYS:
        return value
    try:
        return format_sek(parse_amount(value)).replace("\u00a0", "")
    except MoneyError:
        return value
