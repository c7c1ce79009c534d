"""Keys typed ahead of the screen, kept and handed on in order (people type ahead over SSH).

Textual gives a key to the widget that has the focus when the key is read. When a screen moves
the focus only after a load (a worker, a check), keys typed meanwhile went to the old widget or
were lost. The app's rule instead: the focus moves at once, and a widget that is not ready for
the keys yet (a table whose rows are on their way, a screen that is checking its fields) keeps
them and hands them on when it is. These helpers do the handing on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App

    _AppBase = App[Any]
else:
    _AppBase = object

KeyPress = tuple[str, str | None]
"""A key as Textual names it, and the character it types (None for keys like Down)."""


def after_bubbling(node: DOMNode, callback: Callable[[], object]) -> None:
    """Run ``callback`` once what ``node`` has posted so far has bubbled up to its screen and been
    handled there, and what the handlers asked of the app is done (``focus()`` is carried out by
    the app later): every node handles its queue in order, so a callback passed from node to node
    behind the messages, up to the app, arrives after them."""
    path = [node, *node.ancestors]

    def hop(index: int) -> None:
        if index == len(path):
            callback()
        else:
            path[index].call_later(hop, index + 1)

    hop(0)


def after_handled(node: DOMNode, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the key ``node`` is handling now has run its binding (at the app, after
    bubbling up) and the message that binding posted (a row opened, a field submitted) has been
    handled in turn: :func:`after_bubbling` twice."""
    after_bubbling(node, partial(after_bubbling, node, callback))


def post_keys(node: DOMNode, keys: Sequence[KeyPress]) -> None:
    """Send keys to the app as if typed now: it hands them to the focused widget and runs bindings."""
    for key, character in keys:
        node.app.post_message(events.Key(key, character))


def hand_over(node: DOMNode, keys: Sequence[KeyPress]) -> None:
    """Give keys typed ahead to the widget that has the focus now; one that keeps keys until it
    is ready (a table, ``type_ahead``) gets them directly, in order."""
    target = node.app.focused
    keep = getattr(target, "type_ahead", None)
    if callable(keep):
        keep(keys)
    else:
        post_keys(node, keys)


def pass_on_strayed(widget: Widget, event: events.Key) -> bool:
    """Give a key that reached ``widget`` after the focus moved on to where the focus is now;
    True when it did so (the caller then leaves the key alone).

    The app gives each key to the widget focused when it reads the key, and the widget handles it
    later, from its own queue. In a burst the focus can move in between: "Enter Enter r Down
    Enter" on the ledger, where the last Enter was read while the customer list had the focus and
    handled by the list only after the list had handed "r" and Down to the invoices. Textual then
    runs the binding of the widget focused by then on the key, past that widget's own key
    handling: the invoices' Enter on rows that "r" was still fetching, and the Enter was lost. A
    letter would go into a search box that has just handed the focus on. Given to the focused
    widget instead, the key waits behind the keys handed to it before (``type_ahead``).
    """
    app = widget.app
    if app.focused is widget:
        return False
    event.stop()
    event.prevent_default()
    key = (event.key, event.character)
    if isinstance(app, KeyGate) and app.holding_keys:  # a screen is opening: the key goes first
        app.key_read_before_gate(key)
    else:
        hand_over(widget, [key])
    return True


class MoveOnInput(Input):
    """A text field whose Enter moves on (a search box whose Enter goes to the hits).

    Keys typed right after Enter are meant for where the screen moves the focus, but Textual gives
    a key to the widget that has the focus when the key is read, and in a burst that is still this
    field: "anna", Enter, Enter would search again instead of opening the first hit. So from Enter
    until the screen has handled the submitted text, every key waits here and then goes to where
    the focus is (:func:`hand_over`).
    """

    _held: list[KeyPress] | None = None

    def on_key(self, event: events.Key) -> None:
        """Hold the keys after Enter; Enter itself submits as usual."""
        if self._held is not None:
            event.stop()
            event.prevent_default()
            self._held.append((event.key, event.character))
        elif pass_on_strayed(self, event):
            return
        elif event.key == "enter":
            self._held = []
            after_handled(self, self._move_on)

    def _move_on(self) -> None:
        held, self._held = self._held or [], None
        if held:
            hand_over(self, held)


GATE_TIMEOUT = 0.5
"""Seconds keys wait at most for an opening screen to focus a widget."""


class KeyGate(_AppBase):
    """Mixin for the App: while a screen opens, keys wait for it to focus a widget.

    The menu opens a screen on its letter at once, but the screen focuses its first field only
    once it is mounted. Keys read meanwhile went to the menu (which sent them on, behind the
    later ones) or to the new screen itself: "r" and a name typed at once came out as "nnaa".
    Now the menu closes the gate as it opens the screen; keys the app reads are kept, and when a
    widget of the top screen gets the focus (or after ``GATE_TIMEOUT``) they are handed to it in
    order, after the keys the menu had already been given (``key_read_before_gate``).
    """

    _gate: list[events.Key] | None = None
    _gate_early = 0
    _gate_timer: Timer | None = None

    @property
    def holding_keys(self) -> bool:
        """True while a screen opens and the keys read wait for it."""
        return self._gate is not None

    def hold_keys_until_focus(self) -> None:
        """A screen is opening: keep the keys read from now until it has focused a widget."""
        if self._gate is None:
            self._gate, self._gate_early = [], 0
            self._gate_timer = self.set_timer(GATE_TIMEOUT, self._open_gate)

    def keys_ready(self) -> None:
        """The opened screen takes keys without focusing a widget (a yes/no question): hand the
        kept keys to it now instead of after ``GATE_TIMEOUT``."""
        if self._gate is not None:
            self.call_later(self._open_gate)

    def key_read_before_gate(self, key: KeyPress) -> None:
        """A key read before the gate closed reached a screen that is no longer on top: it goes
        before the keys read since (in the order such keys arrive), or now if there is no gate."""
        event = events.Key(*key)
        if self._gate is None:
            self.post_message(event)
        else:
            self._gate.insert(self._gate_early, event)
            self._gate_early += 1

    async def on_event(self, event: events.Event) -> None:
        """Keep the keys read while the gate is closed."""
        if self._gate is not None and isinstance(event, events.Key) and not event.is_forwarded:
            self._gate.append(event)
            return
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A widget of the top screen has the focus: the kept keys are for it."""
        if self._gate is not None and event.widget.screen is self.screen:
            self.call_later(self._open_gate)

    async def _open_gate(self) -> None:
        held, self._gate = self._gate, None
        if self._gate_timer is not None:
            self._gate_timer.stop()
            self._gate_timer = None
        for event in held or ():
            await super().on_event(event)
