"""Small modal questions, by keyboard: yes or no, a reason, a path, a file (and whether to print).

Each is a ``ModalScreen[T]`` that dismisses with its answer (None when the user pressed Esc),
so a screen asks with ``push_screen(Dialog(...), callback)`` or, inside a worker,
``await push_screen_wait(...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 84; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2;
}}
{name} .dialog-question {{ margin-bottom: 1; }}
{name} .dialog-keys {{ color: $text-muted; margin-top: 1; }}
{name} .dialog-error {{ color: $error; text-style: bold; }}
"""


class ConfirmDialog(ModalScreen[bool]):
    """A question answered with Enter or j (yes), Esc or n (no)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", "Ja", id="confirm.yes"),
        Binding("j", "answer(True)", "Ja", show=False, id="confirm.yes_j"),
        Binding("escape", "answer(False)", "Nej", id="confirm.no"),
        Binding("n", "answer(False)", "Nej", show=False, id="confirm.no_n"),
    ]

    def __init__(self, question: str, title: str = "Bekräfta") -> None:
        super().__init__()
        self._question = question
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(Text(self._question), classes="dialog-question")
            yield Static("Enter eller j = Ja · Esc eller n = Nej", classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class ReasonDialog(ModalScreen[str | None]):
    """Asks for a reason (a dunning block's "why"); Enter with text answers, Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ReasonDialog")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Avbryt", id="reason.cancel"),
    ]

    def __init__(self, question: str, title: str = "Skäl", placeholder: str = "Skäl") -> None:
        super().__init__()
        self._question = question
        self._title = title
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(Text(self._question), classes="dialog-question")
            yield Input(placeholder=self._placeholder, id="reason", max_length=200)
            yield Static("", id="reason-error", classes="dialog-error")
            yield Static("Enter = Spara · Esc = Avbryt", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        if not text:
            self.query_one("#reason-error", Static).update("Skriv ett skäl (det syns i reskontran och loggen).")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class PathQuestion(ModalScreen[Path | None]):
    """Asks for a path (a folder or a file name), one proposed; Enter answers, Esc cancels.

    The screens word it in a subclass: ``FIELD`` is the Input's id, ``KEYS`` the key line,
    ``EMPTY`` what Enter on an empty field says, ``DEFAULT_TITLE`` the border title. What a
    folder means (the file keeps its own name) is the caller's business. A binding to
    ``save`` answers too (F2 where a screen offers it).
    """

    FIELD: ClassVar[str] = "path"
    KEYS: ClassVar[str] = "Enter = Spara · Esc = Avbryt"
    EMPTY: ClassVar[str] = "Ange en mapp eller ett filnamn."
    DEFAULT_TITLE: ClassVar[str] = "Spara som"

    def __init__(self, question: str, default: Path, title: str | None = None) -> None:
        super().__init__()
        self._question = question
        self._default = default
        self._title = title or self.DEFAULT_TITLE

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield self.question_widget(Text(self._question))
            yield Input(str(self._default), id=self.FIELD)
            yield Static("", id=f"{self.FIELD}-error", classes="dialog-error")
            yield Static(self.KEYS, classes="dialog-keys")

    def question_widget(self, question: Text) -> Static:
        """The question above the field."""
        return Static(question, classes="dialog-question")

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELD}", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Answer with the path typed."""
        text = self.query_one(f"#{self.FIELD}", Input).value.strip()
        if not text:
            self.query_one(f"#{self.FIELD}-error", Static).update(self.EMPTY)
            return
        self.dismiss(Path(text).expanduser())

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class PrintDialog(ModalScreen[tuple[Path | None, bool] | None]):
    """Where to save a PDF, and whether to send it to the printer too.

    Answers ``(path or None, to_printer)``; an empty path with the printer box ticked prints
    without saving a file. The printer box is only offered when a printer is configured.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="PrintDialog")

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
            box.border_title = self._title
            yield Label("Spara PDF som (tomt = ingen fil):")
            yield Input(str(self._default), id="print-path")
            if self._printer:
                yield Checkbox(f"Skriv även ut på skrivaren {self._printer}", value=True, id="print-printer")
            else:
                yield Static("Ingen skrivare är inställd (Inställningar → Påminnelse/krav); bara PDF.",
                             classes="dialog-keys")
            yield Static("", id="print-error", classes="dialog-error")
            yield Static("Enter eller F2 = Skriv ut · Esc = Avbryt", classes="dialog-keys")

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
