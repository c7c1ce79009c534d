"""Inställningar → Alternativ → Inkasso: the collection settings as a form.

The form is generated from ``services.settings.SETTINGS`` (every key of group "Inkasso"), so a key
added there appears here without code: a Select for keys with ``choices``, a text field for the
rest, each with its label, help and a line for the reason a value is refused. Spara (F2) checks
every value with the same validators as ``tui-inkasso settings set``, shows each refusal next to
its field and stores nothing until all are valid; then the changed ones are stored in one
transaction (so the audit log records what changed, not every key of the form).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, Select, Static

from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import settings
from tui_inkasso.services.settings import SettingError, SettingKey

GROUP = "Inkasso"
"""The settings group this screen edits."""

CHOICE_LABELS = {
    "inhouse": "Eget ärenderegister (inhouse)",
    "intrum": "Intrum",
    "svea": "Svea Inkasso",
    "none": "Inget – Excelfil",
}
"""Swedish names for choice values; a value without one is shown as it is."""


def field_id(key: str) -> str:
    """The widget id of a setting's field ("collection.system" -> "field-collection-system")."""
    return "field-" + key.replace(".", "-").replace("_", "-")


def error_id(key: str) -> str:
    """The id of the line that shows why the value of ``key`` was refused."""
    return "error-" + key.replace(".", "-").replace("_", "-")


def group_keys() -> list[SettingKey]:
    """The settings shown on this screen, in registry order."""
    return [definition for definition in settings.SETTINGS.values() if definition.group == GROUP]


class SettingsScreen(BaseScreen):
    """Alternativ – Inkasso: edit, validate all, store all or nothing."""

    SUB_TITLE = "Alternativ – Inkasso"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="settings.save", tooltip="Kontrollera och spara alla värden"),
        Binding("f5", "reload", "Ångra ändringar", id="settings.reload", tooltip="Läs in sparade värden igen"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._keys = group_keys()
        self.refused: dict[str, str] = {}
        """Key -> reason, from the last Spara that was refused (empty after a successful one)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="settings-form"):
            yield Static(
                "Inställningar för inkasso. F2 sparar; alla värden kontrolleras först och inget "
                "sparas om något är fel.",
                id="settings-intro",
            )
            for definition in self._keys:
                with Vertical(classes="setting"):
                    label = Text(definition.label, style="bold")
                    label.append(f"  ({definition.key})", style="dim")
                    yield Label(label, classes="setting-label")
                    yield self._field(definition)
                    if definition.help:
                        yield Static(Text(definition.help), classes="setting-help")
                    yield Static("", id=error_id(definition.key), classes="setting-error")
        yield Footer()

    def _field(self, definition: SettingKey) -> Input | Select[str]:
        if definition.choices:
            options = [(CHOICE_LABELS.get(choice, choice), choice) for choice in definition.choices]
            return Select(options, allow_blank=False, value=definition.choices[0], id=field_id(definition.key))
        return Input(id=field_id(definition.key), placeholder=definition.default or "")

    def on_mount(self) -> None:
        self.action_reload()
        if self._keys:
            self.query_one(f"#{field_id(self._keys[0].key)}").focus()

    def values(self) -> dict[str, str]:
        """What the form holds now, key by key."""
        result: dict[str, str] = {}
        for definition in self._keys:
            widget = self.query_one(f"#{field_id(definition.key)}")
            if isinstance(widget, Select):
                result[definition.key] = "" if widget.is_blank() else str(widget.value)
            else:
                assert isinstance(widget, Input)
                result[definition.key] = widget.value
        return result

    def _show(self, stored: dict[str, str]) -> None:
        for definition in self._keys:
            widget = self.query_one(f"#{field_id(definition.key)}")
            value = stored.get(definition.key, definition.default)
            if isinstance(widget, Select):
                if value in definition.choices:
                    widget.value = value
            else:
                assert isinstance(widget, Input)
                widget.value = value

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.refused = errors
        for definition in self._keys:
            line = self.query_one(f"#{error_id(definition.key)}", Static)
            reason = errors.get(definition.key)
            line.update(Text(f"Ogiltigt värde: {reason}") if reason else "")
            line.set_class(reason is not None, "-visible")
            self.query_one(f"#{field_id(definition.key)}").set_class(reason is not None, "-invalid")

    def action_reload(self) -> None:
        """Show the stored values (dropping unsaved edits)."""
        self._show(settings.all_settings())
        self._show_errors({})

    def action_save(self) -> None:
        """Check every value; store the changed ones, in one transaction, only when all are valid."""
        values = self.values()
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for key, value in values.items():
            try:
                cleaned[key] = settings.validate_setting(key, value)
            except SettingError as exc:
                errors[key] = _reason(key, str(exc))
        if errors:
            self._refuse(errors)
            return
        current = settings.all_settings()
        changed = {key: values[key] for key in values if cleaned[key] != current.get(key)}
        if not changed:
            self._show(current)
            self._show_errors({})
            self.notify("Inga ändringar att spara.", title="Sparat")
            return
        try:
            stored = settings.set_settings(changed)
        except SettingError as exc:  # a validator that changed its mind between the two passes
            self.notify(str(exc), title="Inget sparades", severity="error")
            return
        self._show({**current, **stored})
        self._show_errors({})
        self.notify("Inställningarna sparades.", title="Sparat")

    def _refuse(self, errors: dict[str, str]) -> None:
        """Show every reason by its field, focus the first, and say that nothing was stored."""
        self._show_errors(errors)
        first = next(d.key for d in self._keys if d.key in errors)
        self.query_one(f"#{field_id(first)}").focus()
        count = len(errors)
        self.notify(
            f"Inget sparades: {count} {'värde är' if count == 1 else 'värden är'} felaktiga.",
            title="Kontrollera fälten",
            severity="error",
        )


def _reason(key: str, message: str) -> str:
    """The validator's reason without the "key: " prefix the service adds."""
    prefix = f"{key}: "
    return message[len(prefix):] if message.startswith(prefix) else message
