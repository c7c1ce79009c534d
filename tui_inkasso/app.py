"""The terminal app: the main menu and everything it opens.

The CLI opens the database before it starts the app (``tui-inkasso`` without a command), so the
app's main thread already has a connection; screens run slow service calls in thread workers,
which open their own (``services.threads.thread_connection``).

Shared here, once for every screen:

* one handler for failed workers, which shows the error as a notification (Textual only tells
  the node that started a worker, so screens and widgets forward failures as ``WorkerFailed``);
* a command palette (Ctrl+P) that lists every menu entry and every action of the screen in use;
* a dark and a light theme, toggled with Ctrl+T and remembered for the user
  (``services.preferences``; the chosen one is in place before ``App.__init__`` builds the CSS
  variables: set afterwards, it made Textual parse and apply all CSS a second time as the app
  started, about 15 ms);
* a help screen (F1 or ?) that lists the keys of the screen in use;
* keys typed while the menu opens a screen wait for that screen's focus (``KeyGate``);
* recovery at start (``services.startup``): files of balance-file and collection runs that
  crashed between their commit and their rename are finished in a thread worker once the menu's
  first frame is on screen, so the menu never waits for it; what it did is shown as
  notifications, and a failure is shown and logged, never fatal.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.terminal_theme import TerminalTheme
from rich.text import Text
from textual import log, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import Initialize, Reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from tui_inkasso.screens.menu import MENU_ENTRIES, MenuEntry, MenuScreen
from tui_inkasso.widgets import (
    no_break_wrap,  # noqa: F401 - amounts never wrap at their no-break spaces
    swedish_textual,  # noqa: F401 - Textual's own words, in Swedish
)
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.terminal_safe import ControlCharacters
from tui_inkasso.widgets.typeahead import KeyGate
from tui_inkasso.widgets.worker_errors import WorkerFailed

if TYPE_CHECKING:
    from tui_inkasso.services.startup import StartupNote

DARK_THEME = Theme(
    name="inkasso-dark",
    primary="#4C9AFF",
    secondary="#7FB069",
    accent="#FFB454",
    warning="#FFB454",
    error="#FF6B6B",
    success="#7FB069",
    foreground="#E4E7EB",
    background="#12161C",
    surface="#1A2029",
    panel="#253040",
    dark=True,
    variables={"panel-border": "#475163"},
)
"""The default theme: calm on a dark terminal."""

LIGHT_THEME = Theme(
    name="inkasso-light",
    primary="#0B5CAD",
    secondary="#2E7D32",
    accent="#9A5B00",
    warning="#9A5B00",
    error="#C62828",
    success="#2E7D32",
    foreground="#1B1F24",
    background="#F4F4F1",
    surface="#FFFFFF",
    panel="#DCE3EA",
    dark=False,
    variables={
        "panel-border": "#8694A3",
        "border-blurred": "#AEB8C2",
        "scrollbar": "#6B8CB3",
        "scrollbar-hover": "#4F7AAE",
    },
)
"""For bright rooms and projectors.

``panel-border`` is the border of a panel without the focus (app.tcss): Textual's lightened
panel colour, which the dark theme used, is white in this theme, and a white border and its
title vanished on the white and near-white background (a 256-colour terminal draws both as
colour 231). ``border-blurred`` outlines an input field without the focus: Textual's,
a shade off the background, drew no outline at all (colour 255 on 255); the scroll bar's thumb, Textual's pale blue, was barely told from its track."""

NO_COLOR_ON_DARK = TerminalTheme((18, 22, 28), (228, 231, 235), [(205, 205, 205)] * 8, [(235, 235, 235)] * 8)
NO_COLOR_ON_LIGHT = TerminalTheme((244, 244, 241), (27, 31, 36), [(60, 60, 60)] * 8, [(30, 30, 30)] * 8)
"""With NO_COLOR, what the terminal's named colours (a cell's "bold red", "yellow") are before
Textual turns every colour into a grey: light greys on the dark theme, dark ones on the light.
Textual's own (Monokai's red, a grey of 59 once monochrome) drew "Adress saknas" in Socialnämnder
as grey 237 on 236; the bold and the words still say what the colour said."""

THEMES = {theme.name: theme for theme in (DARK_THEME, LIGHT_THEME)}
"""Our themes by name, beside Textual's own."""


class InkassoCommands(Provider):
    """Every menu entry, and every action the screen in use has a key for."""

    def _commands(self) -> Iterator[tuple[str, str, object]]:
        from tui_inkasso.screens.help import screen_bindings

        app = self.app
        assert isinstance(app, InkassoApp)
        for entry in MENU_ENTRIES:
            yield f"{entry.group}: {entry.label}", entry.description, partial(app.open_entry, entry)
        seen: set[tuple[int, str]] = set()
        for node, binding in screen_bindings(self.screen):
            if binding.action.startswith("open_entry(") or binding.action.endswith("command_palette"):
                continue
            if (id(node), binding.action) in seen:
                continue
            seen.add((id(node), binding.action))
            title = f"{binding.description} ({app.get_key_display(binding)})"
            yield title, binding.tooltip or "", partial(app.run_action, binding.action, node)

    async def discover(self) -> Hits:
        """All commands, before anything is typed."""
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text or None)  # type: ignore[arg-type]  # a partial: callable

    async def search(self, query: str) -> Hits:
        """Commands whose title matches what was typed; when none does, a line that says so in
        Swedish (Textual's own would say "No matches found")."""
        matcher = self.matcher(query)
        found = False
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(title), command, text=title,  # type: ignore[arg-type]  # as above
                          help=help_text or None)
        if not found and query.strip():
            words = f"Ingen funktion matchar '{query.strip()}'"
            yield Hit(1e-9, Text(words, style="italic"), lambda: None, text=words)


class RecoveryNotes(Message):
    """What recovery at start did, for the notifications."""

    def __init__(self, notes: list[StartupNote]) -> None:
        super().__init__()
        self.notes = notes


class InkassoApp(KeyGate, App[None]):
    """tui-inkasso: the menu, the ledger, the settings and the tools, by keyboard."""

    TITLE = "tui-inkasso"
    SUB_TITLE = "Inkasso"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = {InkassoCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Hjälp", id="app.help"),
        Binding("question_mark", "help", "Hjälp", show=False, id="app.help_question"),
        Binding("ctrl+t", "toggle_theme", "Mörkt/ljust", id="app.theme",
                tooltip="Växla mellan mörkt och ljust tema"),
        Binding("ctrl+p", "command_palette", "Kommandon", show=False, priority=True, id="app.palette",
                tooltip="Sök bland alla funktioner"),
        Binding("ctrl+q", "quit", "Avsluta", priority=True, id="app.quit"),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    theme: Reactive[str] = Reactive(Initialize(lambda app: app.start_theme))  # type: ignore[attr-defined]  # app: us
    """The theme in use: ours from the start, so ``App.__init__`` builds the CSS variables from it."""

    def __init__(self, *, light: bool | None = None) -> None:
        if light is None:
            from tui_inkasso.services.preferences import load_preferences

            light = load_preferences().light
        self.start_theme = LIGHT_THEME.name if light else DARK_THEME.name
        super().__init__()
        if self.no_color:
            self.ansi_theme_dark, self.ansi_theme_light = NO_COLOR_ON_DARK, NO_COLOR_ON_LIGHT
        # Every line drawn loses its control characters (a name holding ESC [ 2 J would clear
        # the screen of whoever looks at it); see widgets/terminal_safe.py.
        self._filters.insert(0, ControlCharacters())
        from tui_inkasso.services.ledger_location import short_description

        # The header names the open ledger ("tui-inkasso · inkasso.db — Meny"): staff with a test
        # copy, another company's ledger or PostgreSQL always see which one they work in.
        ledger = short_description()
        self.title = f"{self.TITLE} · {ledger}" if ledger else self.TITLE

    @property
    def available_themes(self) -> dict[str, Theme]:
        """Textual's themes and ours (known before ``App.__init__`` reads the theme)."""
        return {**super().available_themes, **THEMES}

    def get_default_screen(self) -> Screen[None]:
        """The main menu is the bottom of the screen stack: Esc never leaves it."""
        return MenuScreen()

    # ------------------------------------------------------------------ start-up work

    def on_ready(self) -> None:
        """The menu's first frame is on screen: now the start-up work that must not delay it.

        The command line turns the garbage collector off for the start (``cli._run_app``);
        from here on the app creates and drops objects as it works, so it is turned back on.
        """
        gc.enable()
        self.recover_at_start()

    @db_work("Kontroll efter avbrott", group="startup", exclusive=True)
    def recover_at_start(self) -> None:
        """Finish files of runs that crashed (``services.startup``); report what was done."""
        from tui_inkasso.services.startup import recover_at_start

        notes = recover_at_start()
        if notes:
            self.post_message(RecoveryNotes(list(notes)))

    def on_recovery_notes(self, message: RecoveryNotes) -> None:
        """One notification per file recovery finished, or could not finish."""
        for note in message.notes:
            self.notify(note.text, title=note.title, severity=note.severity, timeout=20)

    # ------------------------------------------------------------------ actions

    def open_entry(self, entry: MenuEntry) -> None:
        """Open a menu entry's screen from anywhere (the command palette)."""
        self.push_screen(entry.screen())

    def action_quit(self) -> None:  # type: ignore[override]  # Textual awaits the action only when it is a coroutine
        """Ctrl+Q: quit, but a form with unsaved edits asks first (save, quit without, or stay)."""
        from tui_inkasso.screens.edit_form import EditForm
        from tui_inkasso.widgets.dialogs import SaveChangesDialog

        if isinstance(self.screen, SaveChangesDialog):
            return
        for screen in reversed(self.screen_stack):
            if isinstance(screen, EditForm) and screen.unsaved_changes():
                screen.ask_to_save(self.exit)
                return
        self.exit()

    def action_help_quit(self) -> None:
        """Ctrl+C copies in a text field and quits nothing: say how to quit (Textual says it in English)."""
        self.notify("Tryck Ctrl+Q för att avsluta programmet.", title="Vill du avsluta?")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification as plain text: messages carry data (a payer's name, a service
        called "a[/]b", an agency "[Intrum]", a server's error) that must never be read as markup.
        Screens call this through ``self.notify``, which passes ``markup=True`` by default, so it
        is ignored here."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme; the next start opens with it."""
        self.theme = LIGHT_THEME.name if self.theme == DARK_THEME.name else DARK_THEME.name
        self.remember_theme(self.theme == LIGHT_THEME.name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preferences", name="Spara tema")
    def remember_theme(self, light: bool) -> None:
        """Store the choice (a small file, written off the UI thread); a failure is only said."""
        from tui_inkasso.services.preferences import Preferences, save_preferences

        problem = save_preferences(Preferences(light=light))
        if problem:
            self.call_from_thread(self.notify, problem, title="Temat sparades inte", severity="warning",
                                  markup=False)

    def action_help(self) -> None:
        """Show the keys of the screen in use (the help screen is imported when first asked for)."""
        from tui_inkasso.screens.help import HelpScreen, key_rows

        if isinstance(self.screen, HelpScreen | CommandPalette):
            return
        title = self.screen.sub_title or self.screen.title or "Meny"
        self.push_screen(HelpScreen(key_rows(self.screen), str(title)))

    def action_command_palette(self) -> None:
        """The command palette, with a Swedish prompt."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder="Sök funktion…", id="--command-palette"))

    # ------------------------------------------------------------------ errors

    def _fatal_error(self) -> None:
        """An unhandled exception ends the app: the traceback without local variables.

        Textual prints tracebacks with every frame's locals, which on this app's screens are
        table rows, customers' names and personnummer, on a terminal that may be shared or
        logged. Textual has no public setting for it, so this overrides its private method (same
        steps, ``show_locals=False``); the exit status is non-zero (``App.return_code`` is 1,
        the command line passes it on).
        """
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """A screen's or widget's worker failed."""
        self.show_worker_error(message.worker)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One of the app's own workers failed."""
        if event.state == WorkerState.ERROR:
            self.show_worker_error(event.worker)

    def show_worker_error(self, worker: Worker[object]) -> None:
        """The one place that tells the user a background task failed, and why."""
        from tui_inkasso.services.errors import UserError

        error = worker.error
        if isinstance(error, UserError):
            self.notify(str(error), title="Kunde inte utföras", severity="error", timeout=10, markup=False)
            return
        log.error(f"worker {worker.name!r} failed", error)
        what = worker.name or "En bakgrundsuppgift"
        self.notify(
            f"{what} misslyckades: {error_in_words(error)}",
            title="Oväntat fel",
            severity="error",
            timeout=15,
            markup=False,
        )


def error_in_words(error: BaseException | None) -> str:
    """An unexpected error inside a Swedish sentence: the operating system's or the database's
    reason with the file it concerns, else the exception's type and text (for whoever debugs it)."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return f"{reason} ({error.filename})" if error.filename else reason
    text = str(error)
    if "database is locked" in text:
        return "databasen är upptagen av en annan process (låst); försök igen om en stund"
    return f"{type(error).__name__}: {text}"
