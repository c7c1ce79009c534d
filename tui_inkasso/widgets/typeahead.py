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

from textual import events
from textual.dom import DOMNode
from textual.widgets import Input

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
        elif event.key == "enter":
            self._held = []
            after_handled(self, self._move_on)

    def _move_on(self) -> None:
        held, self._held = self._held or [], None
        if held:
            hand_over(self, held)
