"""Keys the user's role may not use: greyed in the footer, and a press says why (issue 17).

The rule lives in the services (``services.permissions``): every entry point says which role it
needs, and refuses anyone with less whatever calls it. A screen only has to show it. A screen
names, per action, the service its key calls (``GUARDED = {"save": settings.save_settings}``);
:class:`GuardedKeys`, mixed into every screen (``BaseScreen``), then

* makes ``check_action`` answer None (shown greyed, not run) for an action whose service the
  user may not call, before the screen's own ``check_action`` is asked (a subclass's method is
  wrapped when the class is made, so no screen has to call ``super()``);
* says why when such a key is pressed anyway ("anna är Läsare och får inte skapa påminnelser
  och krav (det får en Handläggare eller Administratör)"), as a notification.

The role is the one found when the session started (``permissions.refusal``), so drawing a
footer never waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events

from tui_inkasso.services.permissions import refusal

if TYPE_CHECKING:
    from textual.screen import Screen

    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object


def _guarded(check: Callable[[Any, str, tuple[object, ...]], bool | None]) -> Callable[..., bool | None]:
    """``check`` (a screen's own check_action) behind the permission check."""

    def check_action(self: GuardedKeys, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.refused_action(action) is not None:
            return None
        return check(self, action, parameters)

    check_action.__doc__ = check.__doc__
    check_action._permission_guard = True  # type: ignore[attr-defined]  # a mark on the function, read below
    return check_action


class GuardedKeys(_ScreenBase):
    """Mixin for a Screen (before ``Screen`` in the bases): see the module's docstring."""

    GUARDED: ClassVar[Mapping[str, Callable[..., object]]] = {}
    """Action name -> the service entry point the action calls (its permission decides)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("check_action")
        if own is not None and not getattr(own, "_permission_guard", False):
            cls.check_action = _guarded(own)  # type: ignore[method-assign]  # wrapped once, on the class

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Greyed (None) when the user's role may not call the action's service."""
        if self.refused_action(action) is not None:
            return None
        return super().check_action(action, parameters)

    def refused_action(self, action: str) -> str | None:
        """Why the user may not run ``action`` of this screen, or None when they may."""
        service = self.GUARDED.get(action)
        return refusal(service) if service is not None else None

    def on_key(self, event: events.Key) -> None:
        """A key of an action the user may not run: say why instead of doing nothing."""
        if not self.GUARDED:
            return
        active = self.active_bindings.get(event.key)
        if active is None or active.node is not self:
            return
        reason = self.refused_action(active.binding.action.partition("(")[0])
        if reason is None:
            return
        event.stop()
        event.prevent_default()
        self.notify(reason + ".", title="Behörighet saknas", severity="warning",
                    markup=False)
