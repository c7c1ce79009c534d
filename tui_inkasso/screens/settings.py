"""Inställningar → Alternativ: the settings of one or more groups as a form.

Each form is generated from ``services.setting_keys.SETTINGS`` (every key of the screen's groups), so
a key added there appears here without code: a Select for keys with ``choices``, a text field for
the rest, each with its label, help and a line for the reason a value is refused. Spara (F2)
checks every value with the same validators as ``tui-inkasso settings set``, shows each refusal
next to its field and stores nothing until all are valid; then the changed ones are stored in one
transaction (so the audit log records what changed, not every key of the form), in a worker.
A key of payment routing or data egress (``settings.FOUR_EYES_KEYS``: the agency's bankgiro, the
upload server and its files, the e-mail server) is proposed instead: the form keeps showing the
value in force, with the waiting change under the field, until another administrator approves it
(Inställningar → Godkännanden). Only an administrator may save (F2 is greyed for others and says
why).
Leaving with unsaved edits (Esc, Ctrl+Q) asks first (:class:`~tui_inkasso.screens.edit_form.EditForm`).

One screen per menu entry, each a subclass naming its groups (the menu opens screens by class):

* Alternativ – Inkasso (:class:`SettingsScreen`): group "Inkasso";
* Alternativ – E-post/tjänster (:class:`MailServiceSettingsScreen`): "E-post" and
  "Tjänster", one section each;
* Alternativ – Betalningar (:class:`PaymentSettingsScreen`): "Betalningar".

The dunning keys (group "Påminnelse/krav") are edited beside the levels they cap, on
``screens/dunning_levels.py``. A test checks that every group has its screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Select, Static

from tui_inkasso.screens.edit_form import EditForm
from tui_inkasso.services import approvals, setting_keys, settings
from tui_inkasso.services.approvals import ProposalInfo
from tui_inkasso.services.setting_keys import CHOICE_LABELS, SettingError, SettingKey
from tui_inkasso.widgets.db_work import db_work


def field_id(key: str) -> str:
    """The widget id of a setting's field ("collection.system" -> "field-collection-system")."""
    return "field-" + key.replace(".", "-").replace("_", "-")


def error_id(key: str) -> str:
    """The id of the line that shows why the value of ``key`` was refused."""
    return "error-" + key.replace(".", "-").replace("_", "-")


def pending_id(key: str) -> str:
    """The id of the line that shows a change of ``key`` waiting for a second administrator."""
    return "pending-" + key.replace(".", "-").replace("_", "-")


SAVE_RULE = "F2 sparar; alla värden kontrolleras först och inget sparas om något är fel."
"""The last sentence of every form's introduction."""


def help_text(definition: SettingKey) -> Text:
    """The help under a field, the key last and dim: staff read the sentence, an admin who
    scripts ``tui-inkasso settings set`` finds the key there."""
    text = Text(definition.help)
    if definition.help:
        text.append("  ")
    text.append(definition.key, style="dim")
    return text


def group_keys(groups: Sequence[str] = ("Inkasso",)) -> list[SettingKey]:
    """The settings of ``groups``, group by group, each in registry order."""
    return [d for group in groups for d in setting_keys.SETTINGS.values() if d.group == group]


class SettingsScreen(EditForm):
    """Alternativ – Inkasso (and, through subclasses, the other groups): validate all, store all or nothing."""

    SUB_TITLE = "Alternativ – Inkasso"

    GROUPS: ClassVar[tuple[str, ...]] = ("Inkasso",)
    """The settings groups this screen edits; with more than one, each gets a heading."""

    INTRO: ClassVar[str] = "Inställningar för inkasso."
    """What the form is for, above its fields."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="settings.save", tooltip="Kontrollera och spara alla värden"),
        Binding("f5", "reload", "Ångra ändringar", id="settings.reload", tooltip="Läs in sparade värden igen"),
    ]

    GUARDED = {"save": settings.save_settings}

    class Saved(Message):
        """The worker stored the changed values (``stored``: every key in force now) and
        proposed the four-eyes ones (``proposals``: every change of this form still waiting)."""

        def __init__(self, stored: dict[str, str], changed: int, proposed: list[ProposalInfo],
                     pending: dict[str, ProposalInfo], then: Callable[[], object] | None) -> None:
            super().__init__()
            self.stored = stored
            self.changed = changed
            self.proposed = proposed
            self.pending = pending
            self.then = then

    class Loaded(Message):
        """The changes of this form's values that wait for a second administrator."""

        def __init__(self, pending: dict[str, ProposalInfo]) -> None:
            super().__init__()
            self.pending = pending

    class Refused(Message):
        """The worker's second check refused a value (it changed between the two checks)."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, groups: Sequence[str] | None = None) -> None:
        super().__init__()
        self.groups = tuple(groups) if groups is not None else self.GROUPS
        self._keys = group_keys(self.groups)
        self.refused: dict[str, str] = {}
        """Key -> reason, from the last Spara that was refused (empty after a successful one)."""
        self._saved: dict[str, str] = {}
        """What the form held when it last showed the stored values (to tell unsaved edits)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="settings-form"):
            yield Static(f"{self.INTRO} {SAVE_RULE}", id="settings-intro")
            sections = len(self.groups) > 1
            for group in self.groups:
                if sections:
                    yield Static(group, classes="setting-section")
                for definition in self._keys:
                    if definition.group == group:
                        yield from self._setting(definition)
        yield Footer()

    def _setting(self, definition: SettingKey) -> ComposeResult:
        """Label, field, help and the (hidden) line for a refusal's reason."""
        with Vertical(classes="setting"):
            yield Label(Text(definition.label, style="bold"), classes="setting-label")
            yield self._field(definition)
            yield Static(help_text(definition), classes="setting-help")
            yield Static("", id=error_id(definition.key), classes="setting-error")
            if definition.key in settings.FOUR_EYES_KEYS:
                yield Static("", id=pending_id(definition.key), classes="setting-pending")

    def _field(self, definition: SettingKey) -> Input | Select[str]:
        if definition.choices:
            options = [(CHOICE_LABELS.get(choice, choice), choice) for choice in definition.choices]
            return Select(options, allow_blank=False, value=definition.choices[0], id=field_id(definition.key))
        return Input(id=field_id(definition.key), placeholder=definition.default_value())

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
            value = stored.get(definition.key, definition.default_value())
            if isinstance(widget, Select):
                if value in definition.choices:
                    widget.value = value
            else:
                assert isinstance(widget, Input)
                widget.value = value
        self._saved = self.values()

    def unsaved_changes(self) -> int:
        """Fields whose value differs from what the form last showed as stored."""
        return sum(1 for key, value in self.values().items() if value != self._saved.get(key))

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.refused = errors
        for definition in self._keys:
            line = self.query_one(f"#{error_id(definition.key)}", Static)
            reason = errors.get(definition.key)
            line.update(Text(f"Ogiltigt värde: {reason}") if reason else "")
            line.set_class(reason is not None, "-visible")
            self.query_one(f"#{field_id(definition.key)}").set_class(reason is not None, "-refused")

    def _show_pending(self, pending: dict[str, ProposalInfo]) -> None:
        """Under each four-eyes field, the change that waits for a second administrator."""
        for line in self.query(".setting-pending").results(Static):
            proposal = next((p for key, p in pending.items() if line.id == pending_id(key)), None)
            line.update(Text(f"Väntar på godkännande: {proposal.new_text} (förslag {proposal.id}, "
                             f"{proposal.proposed_by}); till dess gäller värdet ovan") if proposal else "")
            line.set_class(proposal is not None, "-visible")

    def action_reload(self) -> None:
        """Show the stored values (dropping unsaved edits)."""
        self._show(settings.all_settings())
        self._show_errors({})
        self._read_pending()

    @db_work("Inställningar: väntande ändringar", group="settings-pending", exclusive=True)
    def _read_pending(self) -> None:
        self.post_message(self.Loaded(self._pending()))

    def _pending(self) -> dict[str, ProposalInfo]:
        """The waiting proposals of this form's keys."""
        keys = {d.key for d in self._keys}
        return {key: p for key, p in approvals.pending_for(approvals.SETTING, "").items() if key in keys}

    def on_settings_screen_loaded(self, message: SettingsScreen.Loaded) -> None:
        self._show_pending(message.pending)

    def action_save(self) -> None:
        """Check every value; store the changed ones, in one transaction, only when all are valid."""
        self.save()

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Check every value here (each refusal by its field); store them in a worker."""
        values = self.values()
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for key, value in values.items():
            try:
                cleaned[key] = setting_keys.validate_setting(key, value)
            except SettingError as exc:
                errors[key] = _reason(key, str(exc))
        if errors:
            self._refuse(errors)
            return
        self._store(values, cleaned, then)

    @db_work("Spara inställningar", group="settings-save", exclusive=True)
    def _store(self, values: dict[str, str], cleaned: dict[str, str], then: Callable[[], object] | None) -> None:
        current = settings.all_settings()
        changed = {key: values[key] for key in values if cleaned[key] != current.get(key)}
        try:
            if changed:
                settings.save_settings(changed)
        except SettingError as exc:  # a validator that changed its mind between the two passes
            self.post_message(self.Refused(str(exc)))
            return
        pending = self._pending()
        proposed = [pending[key] for key in changed if key in settings.FOUR_EYES_KEYS and key in pending]
        stored = sum(1 for key in changed if key not in settings.FOUR_EYES_KEYS)
        self.post_message(self.Saved(settings.all_settings(), stored, proposed, pending, then))

    def on_settings_screen_saved(self, message: SettingsScreen.Saved) -> None:
        self._show(message.stored)
        self._show_errors({})
        self._show_pending(message.pending)
        if message.proposed:
            count = len(message.proposed)
            numbers = ", ".join(str(p.id) for p in message.proposed)
            alone = (" Reskontran har ingen annan administratör: lägg till en under Inställningar → Användare."
                     if message.proposed[0].waits_for_second_admin else "")
            saved = "Övriga ändringar sparades. " if message.changed else ""
            self.notify(f"{saved}{count} {'ändring' if count == 1 else 'ändringar'} väntar på godkännande av en "
                        f"annan administratör (förslag {numbers}); till dess gäller de gamla värdena.{alone}",
                        title="Föreslaget", markup=False, timeout=10)
        elif message.changed:
            self.notify("Inställningarna sparades.", title="Sparat")
        else:
            self.notify("Inga ändringar att spara.", title="Sparat")
        if message.then is not None:
            message.then()

    def on_settings_screen_refused(self, message: SettingsScreen.Refused) -> None:
        self.notify(message.reason, title="Inget sparades", severity="error", markup=False)

    def _refuse(self, errors: dict[str, str]) -> None:
        """Show every reason by its field, focus the first, and say that nothing was stored."""
        self._show_errors(errors)
        first = next(d.key for d in self._keys if d.key in errors)
        self.query_one(f"#{field_id(first)}").focus()
        count = len(errors)
        self.notify(
            f"Inget sparades: {count} {'värde är felaktigt' if count == 1 else 'värden är felaktiga'}.",
            title="Kontrollera fälten",
            severity="error",
        )


def _reason(key: str, message: str) -> str:
    """The validator's reason without the "key: " prefix the service adds."""
    prefix = f"{key}: "
    return message[len(prefix):] if message.startswith(prefix) else message


class MailServiceSettingsScreen(SettingsScreen):
    """Alternativ – E-post/tjänster: the mail server for run reports and the daemon's log file."""

    SUB_TITLE = "Alternativ – E-post/tjänster"
    GROUPS = ("E-post", "Tjänster")
    INTRO = ("E-post om schemalagda körningar (lösenordet tas från miljövariabeln "
             "TUI_INKASSO_SMTP_PASSWORD) och tjänstens loggfil.")


class PaymentSettingsScreen(SettingsScreen):
    """Alternativ – Betalningar: where the payment-file picker starts."""

    SUB_TITLE = "Alternativ – Betalningar"
    GROUPS = ("Betalningar",)
    INTRO = "Inställningar för inläsning av betalfiler (BgMax, Total IN)."


class ReportSettingsScreen(SettingsScreen):
    """Alternativ – Rapporter: the aged receivables' buckets and when a case counts as stalled."""

    SUB_TITLE = "Alternativ – Rapporter"
    GROUPS = ("Rapporter",)
    INTRO = "Inställningar för åldersanalysen och inkassoöversikten."


SETTINGS_SCREENS: tuple[type[SettingsScreen], ...] = (
    SettingsScreen, MailServiceSettingsScreen, PaymentSettingsScreen, ReportSettingsScreen,
)
"""Every settings form; with the dunning screen they cover every group of the registry."""
