"""Small modal questions, by keyboard: yes or no, a reason, a path, a file (and whether to print).

Each is a :class:`Dialog` (a ``ModalScreen[T]`` with the app's one dialog look) that dismisses
with its answer (None when the user pressed Esc), so a screen asks with
``push_screen(ConfirmDialog(...), callback)`` or, inside a worker, ``await push_screen_wait(...)``.
There is one of each, used by every screen, so the keys are the same everywhere: a yes/no
question (:class:`ConfirmDialog`) takes j or Enter for yes and n or Esc for no; a path
(:class:`PathPrompt`) is answered with Enter or F2 and Esc cancels. A screen's own dialog (a
form of its fields) subclasses :class:`Dialog` too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message_pump import NoActiveAppError
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Checkbox, Input, Label, Static

from tui_inkasso.domain.counts import count_of


def hold_keys(dialog: ModalScreen[Any]) -> None:
    """A dialog is opening: the keys typed right after the key that opened it are for the dialog
    (its field, its j/n), not for the table beneath, where a name's letters are commands. The
    app keeps them until the dialog has the focus (``KeyGate``)."""
    try:
        app = dialog.app
    except NoActiveAppError:
        return
    hold = getattr(app, "hold_keys_until_focus", None)
    if callable(hold):
        hold()


def _keys_ready(screen: ModalScreen[Any]) -> None:
    """A dialog without a field takes the kept keys as soon as it is on screen."""
    ready = getattr(screen.app, "keys_ready", None)
    if callable(ready):
        ready()


CONFIRM_KEYS = "j eller Enter = Ja · n eller Esc = Nej"
"""The key line of every yes/no question in the app."""


def key_line(text: str) -> Text:
    """A dialog's keys ("Enter eller F2 = Spara · Esc = Avbryt") as text that wraps only between
    its parts: at 80 columns the status dialog's line broke as "Esc =" / "Avbryt"."""
    return Text(" · ".join(part.replace(" ", "\u00a0") for part in text.split(" · ")))


class Dialog(ModalScreen[ScreenResultType]):
    """The base of every dialog of the app: a box in the middle of the screen (its one
    ``Vertical``) over the dimmed screen beneath.

    Its look is one rule in ``app.tcss`` (the ``Dialog`` section), matched by this type, so every
    subclass has it; a dialog's own rule beneath it (``UserChoice > Vertical { width: 48; }``)
    changes what differs. The box's parts take the classes ``dialog-question``,
    ``dialog-error`` and ``dialog-keys`` (the key line, :func:`key_line`).
    """


class ConfirmDialog(Dialog[bool]):
    """The app's one yes/no question: j or Enter answers yes, n or Esc no, in every dialog.

    The binding ids are the same wherever a question is asked (``confirm.yes`` is j,
    ``confirm.yes_enter`` Enter, ``confirm.no`` n, ``confirm.no_escape`` Esc), so a keymap or a
    test that answers one question answers them all. The question says what the answer does:
    name the objects it applies to ("14 fakturor: 10016754, 10016755, …"), not just "Säker?".
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "answer(True)", "Ja", id="confirm.yes"),
        Binding("enter", "answer(True)", "Ja", show=False, id="confirm.yes_enter"),
        Binding("n", "answer(False)", "Nej", id="confirm.no"),
        Binding("escape", "answer(False)", "Nej", show=False, id="confirm.no_escape"),
    ]

    def __init__(self, question: str | Text, title: str = "Bekräfta") -> None:
        super().__init__()
        self._question = question if isinstance(question, Text) else Text(question)
        self.question = self._question.plain
        """The question as plain text."""
        self._title = title
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Static(self._question, classes="dialog-question")
            yield Static(key_line(CONFIRM_KEYS), classes="dialog-keys")

    def on_mount(self) -> None:
        _keys_ready(self)

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class ReasonDialog(Dialog[str | None]):
    """Asks for a reason (a dunning block's "why"); Enter with text answers, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="reason.cancel"),
        Binding("f2", "save", "Spara", id="reason.save"),
    ]

    def __init__(self, question: str | Text, title: str = "Skäl", placeholder: str = "Skäl") -> None:
        super().__init__()
        self._question = question if isinstance(question, Text) else Text(question)
        self.question = self._question.plain
        """The question as plain text."""
        self._title = title
        self._placeholder = placeholder
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Static(self._question, classes="dialog-question", id="reason-question")
            yield Input(placeholder=self._placeholder, id="reason", max_length=200)
            yield Static("", id="reason-error", classes="dialog-error")
            yield Static(key_line("Enter eller F2 = Spara · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def update_question(self, question: str | Text) -> None:
        """Word the question anew (the dialog opens at once; what it names may come from a worker)."""
        self._question = question if isinstance(question, Text) else Text(question)
        self.question = self._question.plain
        if self.is_attached:
            self.query_one("#reason-question", Static).update(self._question)

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        self._answer(event.value)

    def action_save(self) -> None:
        """F2 saves as Enter does: every form dialog takes both (the app's one convention)."""
        self._answer(self.query_one("#reason", Input).value)

    def _answer(self, value: str) -> None:
        text = " ".join(value.split())
        if not text:
            self.query_one("#reason-error", Static).update("Skriv ett skäl (det syns i reskontran och loggen).")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


PathCheck = Callable[[Path], str | None]
"""Checks a path typed in a :class:`PathPrompt`: None when it will do, else why not (in Swedish)."""


class PathPrompt(Dialog[Path | None]):
    """The app's one question for a path (a folder or a file name), one proposed.

    Enter or F2 answers, Esc cancels, in every path question of the app (binding ids
    ``path.save`` and ``path.cancel``; the field's id is ``path``). ``action`` names what Enter
    does ("Spara", "Skriv"); ``check`` (a service's rule, e.g. "the folder can be written")
    refuses a path with its reason under the field instead of closing. What a folder means (the
    file keeps its own name) is the caller's business.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="path.save"),
        Binding("escape", "cancel", "Avbryt", id="path.cancel"),
    ]

    def __init__(
        self,
        question: str | Text,
        default: Path | str,
        title: str = "Spara som",
        *,
        action: str = "Spara",
        empty: str = "Ange en mapp eller ett filnamn.",
        check: PathCheck | None = None,
    ) -> None:
        super().__init__()
        self._question = question if isinstance(question, Text) else Text(question)
        self._default = str(default)
        self._title = title
        self._action = action
        self._empty = empty
        self._check = check
        hold_keys(self)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Static(self._question, classes="dialog-question")
            yield Input(self._default, id="path")
            yield Static("", id="path-error", classes="dialog-error")
            yield Static(key_line(f"Enter eller F2 = {self._action} · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Answer with the path typed (after ``check``, when given)."""
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self._refuse(self._empty)
            return
        path = Path(text).expanduser()
        problem = self._check(path) if self._check is not None else None
        if problem:
            self._refuse(problem)
            return
        self.dismiss(path)

    def _refuse(self, reason: str) -> None:
        self.query_one("#path-error", Static).update(Text(reason))

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class PrintDialog(Dialog[tuple[Path | None, bool] | None]):
    """Where to save a PDF, and whether to send it to the printer too.

    Answers ``(path or None, to_printer)``; an empty path with the printer box ticked prints
    without saving a file. The printer box is only offered when a printer is configured.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="print.cancel"),
        Binding("f2", "done", "Skriv ut", id="print.done"),
    ]

    def __init__(self, default_path: Path, printer: str, title: str = "Skriv ut") -> None:
        super().__init__()
        self._default = default_path
        self._printer = printer
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Label("Spara PDF som (tomt = ingen fil):")
            yield Input(str(self._default), id="print-path")
            if self._printer:
                yield Checkbox(f"Skriv även ut på skrivaren {self._printer}", value=True, id="print-printer")
            else:
                yield Static(Text("Ingen skrivare är inställd (Inställningar → Påminnelse/krav); bara PDF."),
                             classes="dialog-keys")
            yield Static("", id="print-error", classes="dialog-error")
            yield Static(key_line("Enter eller F2 = Skriv ut · Esc = Avbryt"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#print-path", Input).focus()

    @on(Input.Submitted, "#print-path")
    def _submitted(self) -> None:
        self.action_done()

    def action_done(self) -> None:
        """Answer with the path and the printer choice."""
        text = self.query_one("#print-path", Input).value.strip()
        boxes = self.query("#print-printer")
        to_printer = bool(boxes) and boxes.first(Checkbox).value
        if not text and not to_printer:
            self.query_one("#print-error", Static).update("Ange en fil eller välj skrivaren.")
            return
        self.dismiss((Path(text).expanduser() if text else None, to_printer))

    def action_cancel(self) -> None:
        """Close without printing."""
        self.dismiss(None)


class SaveChangesDialog(Dialog[bool | None]):
    """Leaving a form with unsaved edits: j or Enter saves them (then leaves), n leaves without
    saving, Esc stays on the form.

    The app's yes/no keys (:class:`ConfirmDialog`), with one difference: Esc is "stay", not "no",
    because Esc is also how the form was being left, and a second Esc must never throw edits
    away. Answers True (save), False (do not save) or None (stay).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "answer(True)", "Spara", id="unsaved.save"),
        Binding("enter", "answer(True)", "Spara", show=False, id="unsaved.save_enter"),
        Binding("n", "answer(False)", "Spara inte", id="unsaved.discard"),
        Binding("escape", "stay", "Stanna kvar", id="unsaved.stay"),
    ]

    def __init__(self, what: str, count: int) -> None:
        super().__init__()
        self._what = what
        self._count = count

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Osparade ändringar"
            changes = count_of(self._count, 'ändring som inte är sparad', 'ändringar som inte är sparade')
            yield Static(Text(f"{self._what} har {changes}. Spara innan du går?"),
                         classes="dialog-question")
            yield Static(key_line("j eller Enter = Spara · n = Spara inte · Esc = Stanna kvar"), classes="dialog-keys")

    def action_answer(self, save: bool) -> None:
        """Close with the answer: save, or leave without saving."""
        self.dismiss(save)

    def action_stay(self) -> None:
        """Back to the form, edits kept."""
        self.dismiss(None)
