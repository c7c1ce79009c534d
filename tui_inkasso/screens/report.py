"""What the report screens (Åldersanalys, Inkassoöversikt) share: a report made for options that
hold a standard selection, made again on F5, after a new selection and after its settings form,
and saved as an Excel file or a PDF in a worker.

A report screen keeps its options in ``options`` (a frozen dataclass with a ``selection``), makes
its report in ``_reload(options)``, and writes its file in a ``db_work`` worker that calls
:meth:`ReportScreen.write_file`; asking where, and saying what became of the file, is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual.message import Message

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.selection import SelectionScreen
from tui_inkasso.services.report_export import ExportError
from tui_inkasso.services.selection import Selection
from tui_inkasso.widgets.dialogs import PathPrompt


class ReportScreen(BaseScreen):
    """A report over a selection, with an Excel and a PDF export (module docstring)."""

    REPORT: ClassVar[str] = ""
    """The report's name, as the selection screen's title starts ("Åldersanalys")."""
    SAVE_AS: ClassVar[str] = ""
    """What the save prompt calls the report ("åldersanalysen")."""
    EXCEL_WHAT: ClassVar[str] = "Excelfil"
    """What the save prompt calls the Excel file ("Excelfil (ett blad per del)")."""
    NOT_READY: ClassVar[str] = "Rapporten är inte klar än."

    options: Any
    folder: Path | None

    class Exported(Message):
        """A file was written (or not: ``problem``)."""

        def __init__(self, path: Path | None, problem: str | None) -> None:
            super().__init__()
            self.path = path
            self.problem = problem

    def report_ready(self) -> bool:
        """Whether there is a report to save."""
        raise NotImplementedError

    def file_name(self, kind: str) -> str:
        """The file's suggested name for ``kind`` ("xlsx" or "pdf")."""
        raise NotImplementedError

    def _reload(self, options: Any) -> None:
        """Make the report again for ``options``."""
        raise NotImplementedError

    def _export(self, path: Path | None, kind: str) -> None:
        """Start the worker that writes the file to ``path`` (None: the prompt was cancelled)."""
        raise NotImplementedError

    def action_refresh(self) -> None:
        """Make the report again (after payments came in)."""
        self._reload(self.options)

    def action_edit_selection(self) -> None:
        """The standard selection; Esc keeps the one in use."""
        self.app.push_screen(SelectionScreen(f"{self.REPORT} – urval", self.options.selection), self._selected)

    def _selected(self, selection: Selection | None) -> None:
        if selection is not None:
            self._reload(replace(self.options, selection=selection))

    def edit_report_settings(self) -> None:
        """The report's limits are settings: their form, then the report again."""
        from tui_inkasso.screens.settings import ReportSettingsScreen

        self.app.push_screen(ReportSettingsScreen(), lambda _: self.action_refresh())

    def action_export(self, kind: str) -> None:
        """Ask where, then write the Excel file or the PDF in a worker."""
        if not self.report_ready():
            self.notify(self.NOT_READY, severity="warning")
            return
        folder = self.folder or Path.home()
        what = self.EXCEL_WHAT if kind == "xlsx" else "PDF"
        prompt = PathPrompt(f"Spara {self.SAVE_AS} som {what}: en mapp eller ett filnamn.",
                            folder / self.file_name(kind), title="Spara som")
        self.app.push_screen(prompt, lambda path: self._export(path, kind))

    def write_file(self, write: Callable[[], Path]) -> None:
        """In the export worker: write the file, and tell the screen where it went or why not."""
        try:
            written = write()
        except ExportError as exc:
            self.post_message(self.Exported(None, str(exc)))
            return
        self.post_message(self.Exported(written, None))

    def on_report_screen_exported(self, message: ReportScreen.Exported) -> None:
        if message.problem:
            self.notify(message.problem, title="Ingen fil sparades", severity="error")
        else:
            self.notify(str(message.path), title="Sparad")
