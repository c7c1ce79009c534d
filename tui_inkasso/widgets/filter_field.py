"""The one filter field of the app's table screens: ``/`` opens it, typing narrows the table.

The rule for typing on a table screen (docs/development.md, "Typing on a table screen"):

* on a table, letters are commands (``s`` sorts, ``u`` Undanta, ...), as in ``less``;
* a name or a number is typed in the screen's filter field, which ``/`` opens from
  the table it filters; the footer shows "/ Filtrera" on every table that has one;
* a letter that is no command on the table does not vanish: the screen says how to filter.

:class:`FilterField` does the rest in one place, for every screen: it waits until typing pauses
(``delay``) before it filters, so a name typed quickly is one query and no key is lost; Enter
filters at once and goes back to the table (the keys typed after Enter follow it, see
``MoveOnInput``); Esc goes back to the table and keeps the filter. The tables it serves are
named by their selectors; by default it calls their ``set_filter``. A field whose text means
something else (a customer search) passes ``apply=False``, handles :class:`FilterField.Settled`
(typing paused, or Enter) and gives its first table the rows for the text each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from tui_inkasso.widgets.typeahead import MoveOnInput

if TYPE_CHECKING:
    from tui_inkasso.widgets.paged_table import PagedTable

FILTER_DELAY = 0.2
"""Seconds of quiet typing before the filter is applied (each key restarts the wait)."""


class FilterField(MoveOnInput):
    """A one-line text field that filters the tables it serves as you type (see the module)."""

    DEFAULT_CSS = """
    FilterField, FilterField.-textual-compact {
        padding: 0 1; margin: 0 1;
        background: $boost;
        &:focus { background: $primary 25%; }
        & > .input--placeholder { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Till tabellen", id="filter.leave",
                tooltip="Tillbaka till tabellen; filtret står kvar"),
    ]

    class Settled(Message):
        """Typing paused (or Enter was pressed): ``text`` is what to filter or search by now."""

        def __init__(self, field: FilterField, text: str) -> None:
            super().__init__()
            self.field = field
            self.text = text

        @property
        def control(self) -> FilterField:
            return self.field

    def __init__(
        self,
        placeholder: str,
        *,
        tables: Sequence[str] = (),
        apply: bool = True,
        delay: float = FILTER_DELAY,
        value: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        # compact: one line, no border, focused or not (Input's focus border left a one-line
        # field no room for its text)
        super().__init__(value, placeholder=placeholder, id=id, classes=classes, select_on_focus=False, compact=True)
        self.tables = tuple(tables)
        """Selectors of the tables this field serves: ``/`` on them opens it, Enter and Esc go back."""
        self.apply = apply
        self.delay = delay
        self._timer: Timer | None = None
        self._back_to: str | None = None
        self._applied = value.strip()

    @property
    def pending(self) -> bool:
        """True while typed text waits for the pause before it is applied."""
        return self._timer is not None

    @property
    def text(self) -> str:
        """The filter text (without surrounding spaces)."""
        return self.value.strip()

    def open_from(self, table: PagedTable) -> None:
        """``/`` on ``table``: take the focus; Enter and Esc return to that table."""
        self._back_to = f"#{table.id}" if table.id else None
        self.focus()
        if self.apply:
            self.cursor_position = len(self.value)
        else:
            self.select_all()  # a search: what is typed next is a new search

    def serves(self, table: PagedTable) -> bool:
        """True when ``table`` is one of the tables this field filters."""
        return any(table.id and selector == f"#{table.id}" for selector in self.tables)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.delay, self.flush)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter: filter now and go to the table. A field that does not filter itself (a search)
        goes to its first table, which waits for the rows the screen fetches for the text (and
        keeps the keys typed after Enter for them): the screen answers every ``Settled`` with
        the table's new rows."""
        if event.input is not self:
            return
        if self.apply:
            self.flush(force=True)
            self._return()
            return
        results = self._served()[:1]
        for table in results:
            table.expect_rows()
        self.flush(force=True)
        for table in results:
            table.focus()

    def flush(self, force: bool = False) -> None:
        """Apply the text now (what the pause would do); ``force`` even when it has not changed."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self.text
        if text == self._applied and not force:
            return
        self._applied = text
        if self.apply:
            for table in self._served():
                table.set_filter(text)
        self.post_message(self.Settled(self, text))

    def _served(self) -> list[PagedTable]:
        from tui_inkasso.widgets.paged_table import PagedTable

        found: list[PagedTable] = []
        for selector in self.tables:
            found.extend(self.screen.query(selector).results(PagedTable))
        return found

    def _return(self) -> None:
        selectors = [s for s in (self._back_to, *self.tables) if s]
        for selector in selectors:
            for widget in self.screen.query(selector):
                if widget.display:
                    widget.focus()
                    return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc goes back to the table a filter serves (a search's Esc is the screen's: back)."""
        if action == "leave":
            return bool(self.tables) and self.apply
        return True

    def action_leave(self) -> None:
        """Back to the table; the text typed is applied and stays."""
        self.flush()
        self._return()
