"""Återutskrift and kravspärr from the ledger view: the letters an invoice was sent, and blocks.

* :class:`ReprintMenu` (key ``p`` in Reskontra and on an invoice, also in the command palette):
  the reminders and demands of the invoice; Enter or ``f`` shows the highlighted one's letter in
  the terminal (:class:`LetterPreviewScreen`), ``s`` prints it: a PDF to a chosen path (default
  in the letters folder) and, when a printer is configured, to the printer through ``lp``.
* :class:`BlockFlow`: ``b`` (invoice) and ``B`` (customer) set a dunning block after asking for
  the reason, or lift the one there is after asking for confirmation.

Every service call runs in a thread worker; reprints and blocks are audit-logged by the service.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain.money import format_sek
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import dunning_blocks, dunning_levels, dunning_reprint
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog, Dialog, PrintDialog, ReasonDialog, key_line
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors


class Printed(Message):
    """A reprint finished."""

    def __init__(self, result: dunning_reprint.PrintResult) -> None:
        super().__init__()
        self.result = result


class PrintTarget(Message):
    """The default path and the printer for the print dialog have been read."""

    def __init__(self, notice_id: int, path: Path, printer: str) -> None:
        super().__init__()
        self.notice_id = notice_id
        self.path = path
        self.printer = printer


class BlockRead(Message):
    """The current dunning block of an invoice or customer has been read."""

    def __init__(self, block: dunning_blocks.BlockInfo) -> None:
        super().__init__()
        self.block = block


class BlockChanged(Message):
    """A dunning block was set or lifted."""

    def __init__(self, block: dunning_blocks.BlockInfo) -> None:
        super().__init__()
        self.block = block


class _Printer(ForwardWorkerErrors):
    """Shared by the menu and the preview: ask where, then print in a worker and tell the result."""

    last_print: dunning_reprint.PrintResult | None  # set to None by each screen's __init__

    def print_notice(self, notice_id: int) -> None:
        """Start a reprint: find the default path, then ask."""
        self._target(notice_id)

    @db_work("Återutskrift", group="reprint", exclusive=True)
    def _target(self, notice_id: int) -> None:
        path = dunning_reprint.default_reprint_path(notice_id)
        printer = dunning_levels.printer()
        self.post_message(PrintTarget(notice_id, path, printer))

    def on_print_target(self, message: PrintTarget) -> None:
        def chosen(answer: tuple[Path | None, bool] | None) -> None:
            if answer is not None:
                self._print(message.notice_id, *answer)

        self.app.push_screen(PrintDialog(message.path, message.printer, "Skriv ut påminnelse/krav"),
                             chosen)

    @db_work("Återutskrift", group="reprint", exclusive=True)
    def _print(self, notice_id: int, path: Path | None, to_printer: bool) -> None:
        result = dunning_reprint.print_notice(notice_id, path, to_printer=to_printer)
        self.post_message(Printed(result))

    def on_printed(self, message: Printed) -> None:
        self.last_print = message.result
        note = " (återskapat brev)" if message.result.rebuilt else ""
        title = "Utskrivet" if message.result.printer else "PDF sparad"
        self.notify(message.result.message + note, title=title, markup=False)


class ReprintMenu(_Printer, Dialog[None]):
    """Återutskrift of an invoice's reminders and demands: preview or print one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "preview", "Förhandsgranska", id="reprint.preview"),
        Binding("s", "print", "Skriv ut", id="reprint.print"),
        Binding("escape", "close", "Stäng", id="reprint.close"),
    ]

    class Loaded(Message):
        """The invoice's notices have arrived."""

        def __init__(self, notices: list[dunning_reprint.NoticeInfo]) -> None:
            super().__init__()
            self.notices = notices

    def __init__(self, invoice_id: int, invoice_number: str = "") -> None:
        super().__init__()
        self.invoice_id = invoice_id
        self.invoice_number = invoice_number
        self.notices: list[dunning_reprint.NoticeInfo] | None = None
        self.last_print = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(f"Återutskrift av påminnelse/krav {self.invoice_number}".strip())
            yield Static("Hämtar …", id="reprint-intro")
            yield OptionList(id="reprint-notices")
            yield Static(key_line("Enter eller f = Förhandsgranska · s = Skriv ut · Esc = Stäng"), classes="dialog-keys")

    def on_mount(self) -> None:
        self._load()

    @db_work("Påminnelser och krav", group="reprint-list", exclusive=True)
    def _load(self) -> None:
        notices = dunning_reprint.invoice_notices(self.invoice_id)
        self.post_message(self.Loaded(notices))

    def on_reprint_menu_loaded(self, message: ReprintMenu.Loaded) -> None:
        self.notices = message.notices
        options = self.query_one("#reprint-notices", OptionList)
        options.clear_options()
        if not message.notices:
            self.query_one("#reprint-intro", Static).update(
                "Fakturan har inte fått någon påminnelse eller något krav; det finns inget att skriva ut.")
            options.display = False
            return
        number = message.notices[0].invoice_number
        self.query_one("#reprint-intro", Static).update(Text(f"Faktura {number}: välj brev."))
        options.add_options([
            Option(Text(f"Nivå {n.level} {n.name:<12} {n.issued_on.isoformat()}  betalas senast "
                        f"{n.deadline.isoformat()} {format_sek(n.fee):>8} kr"
                        + ("" if n.has_letter else "  (återskapas)")), id=str(n.notice_id))
            for n in message.notices
        ])
        options.highlighted = len(message.notices) - 1
        options.focus()

    def _chosen(self) -> int | None:
        options = self.query_one("#reprint-notices", OptionList)
        option = options.highlighted_option
        return int(option.id) if option is not None and option.id else None

    @on(OptionList.OptionSelected, "#reprint-notices")
    def _selected(self) -> None:
        self.action_preview()

    def action_preview(self) -> None:
        """Show the highlighted letter in the terminal."""
        notice_id = self._chosen()
        if notice_id is not None:
            self.app.push_screen(LetterPreviewScreen(notice_id))

    def action_print(self) -> None:
        """Print the highlighted letter (asks where)."""
        notice_id = self._chosen()
        if notice_id is not None:
            self.print_notice(notice_id)

    def action_close(self) -> None:
        """Back to the ledger."""
        self.dismiss(None)


class LetterPreviewScreen(_Printer, BaseScreen):
    """Förhandsgranska: a notice's letter as it was sent, as text; ``s`` prints it."""

    SUB_TITLE = "Förhandsgranska påminnelse/krav"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "print", "Skriv ut", id="letter.print"),
    ]

    class Loaded(Message):
        """The letter's text has arrived."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, notice_id: int) -> None:
        super().__init__()
        self.notice_id = notice_id
        self.text: str | None = None
        self.last_print = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="letter-preview"):
            yield Static("Hämtar brevet …", id="letter-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#letter-preview", VerticalScroll).focus()
        self._load()

    @db_work("Förhandsgranska", group="letter", exclusive=True)
    def _load(self) -> None:
        text = dunning_reprint.preview_text(self.notice_id)
        self.post_message(self.Loaded(text))

    def on_letter_preview_screen_loaded(self, message: LetterPreviewScreen.Loaded) -> None:
        self.text = message.text
        self.query_one("#letter-text", Static).update(Text(message.text))

    def action_print(self) -> None:
        """Print this letter (asks where)."""
        self.print_notice(self.notice_id)


class BlockFlow(ForwardWorkerErrors):
    """Mixin for a screen: set or lift a dunning block on an invoice or a customer by keyboard.

    The screen calls :meth:`toggle_block`; afterwards :meth:`block_changed` is called (override
    it to reload what is shown).
    """

    def toggle_block(self, object_type: str, object_id: int) -> None:
        """Ask for a reason and block, or (when blocked) confirm and lift the block."""
        self._read_block(object_type, object_id)

    @db_work("Kravspärr", group="block", exclusive=True)
    def _read_block(self, object_type: str, object_id: int) -> None:
        block = dunning_blocks.get_block(object_type, object_id)
        self.post_message(BlockRead(block))

    def on_block_read(self, message: BlockRead) -> None:
        block = message.block
        what = "kunden" if block.object_type == "customer" else "fakturan"
        if block.reason:
            when = f" ({block.by}, {block.at:%Y-%m-%d %H:%M})" if block.at else ""
            question = f"Ta bort kravspärren på {what} {block.number}? Skäl: {block.reason}{when}"

            def lift(yes: bool | None) -> None:
                if yes:
                    self._change_block(block.object_type, block.object_id, None)

            self.app.push_screen(ConfirmDialog(question, "Ta bort kravspärr"), lift)
            return

        def set_reason(reason: str | None) -> None:
            if reason:
                self._change_block(block.object_type, block.object_id, reason)

        self.app.push_screen(
            ReasonDialog(f"Inga påminnelser eller krav till {what} {block.number}. Varför?", "Kravspärr"),
            set_reason)

    @db_work("Kravspärr", group="block", exclusive=True)
    def _change_block(self, object_type: str, object_id: int, reason: str | None) -> None:
        if object_type == "customer":
            block = (dunning_blocks.block_customer(object_id, reason) if reason
                     else dunning_blocks.unblock_customer(object_id))
        else:
            block = (dunning_blocks.block_invoice(object_id, reason) if reason
                     else dunning_blocks.unblock_invoice(object_id))
        self.post_message(BlockChanged(block))

    def on_block_changed(self, message: BlockChanged) -> None:
        block = message.block
        what = "Kunden" if block.object_type == "customer" else "Fakturan"
        text = (f"{what} {block.number} har kravspärr: {block.reason}" if block.reason
                else f"{what} {block.number} har inte längre någon kravspärr.")
        self.notify(text, title="Kravspärr")
        self.block_changed(block)

    def block_changed(self, block: dunning_blocks.BlockInfo) -> None:
        """Called after a change; screens reload what they show."""
