"""Textual's list widgets with Swedish key descriptions (shown in the footer and the help)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class KeyList(OptionList, inherit_bindings=False):
    """An OptionList whose keys are described in Swedish; Enter opens the highlighted option."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Öppna", id="list.select"),
        Binding("up", "cursor_up", "Föregående", show=False, id="list.up"),
        Binding("down", "cursor_down", "Nästa", show=False, id="list.down"),
        Binding("home", "first", "Första", show=False, id="list.first"),
        Binding("end", "last", "Sista", show=False, id="list.last"),
        Binding("pageup", "page_up", "Föregående sida", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Nästa sida", show=False, id="list.page_down"),
    ]


class ChoiceList(KeyList, inherit_bindings=False):
    """A KeyList for picking one value in a form or a wizard step: Enter reads "Välj", not "Öppna"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Välj", id="list.choose"),
        *(b for b in KeyList.BINDINGS if not (isinstance(b, Binding) and b.key == "enter")),
    ]
