"""Verktyg → Schemalagda tjänster: the list, the guide's wizard, each service's runs.

The list shows every service (name, service, Aktiv, next run, last result), above it when the
daemon last ran a service and a warning when a service should send mail but no mail server is
set. Keys (lowercase letters, as bound): n = Ny, e = Redigera, Delete = Ta bort and k = Kör nu
(both ask first: j = Ja, n = Nej; Kör nu creates a file and may upload it), F5 = Uppdatera,
Enter = the service's runs. Every write runs in a thread worker (a balance file takes seconds,
and the daemon may be writing).

Ny and Redigera walk the guide's steps as typed screens (conventions §3), chained by
:class:`Wizard`: the service ("Skapa saldofil") → name, description, Aktiverad →
who gets mail when a run fails, and whether also on success → how often → when → Kontrollera and
Spara. Every step dismisses with the draft (F2 or Enter goes on) or None (Esc goes back a step;
from the first step it leaves the wizard). Each step checks its own fields with the same parsers
the service uses; Spara runs the service's full validation and shows its reasons in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, Static
from textual.widgets.option_list import Option

from tui_inkasso.domain import schedule_rules as rules
from tui_inkasso.domain.counts import count_of
from tui_inkasso.domain.email_address import EmailAddressError, split_emails
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.services import scheduled, scheduled_jobs, scheduled_runs
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.scheduled import ScheduleStatus, ServiceInfo, ServiceSpec
from tui_inkasso.services.scheduled_runs import RunInfo
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.busy_line import ShowsBusy
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.footer_keys import FooterKeys
from tui_inkasso.widgets.lists import ChoiceList, KeyList
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors

SERVICE_COLUMNS = [
    Column("name", "Namn", 0, min_width=12),
    Column("schedule", "Hur ofta", 0, min_width=20, later_below=100),
    Column("next", "Nästa körning", 16),
    Column("last", "Senaste resultat", 0, min_width=21),
    Column("enabled", "Aktiv", 5),
    Column("service", "Tjänst", 14, later_below=100),
]
"""At 80 columns the first view is the name (about 24 characters; it had 12), the next run, the
last result and whether the service is on; how often and the service come a Right away (the
line below the list shows the current service's name and rule in full). The last result starts
with its time, so a long result ("Misslyckades") is what is cut."""
"""Fits 128 columns with the rule in full ("Varje måndag och torsdag kl. 05:30") and the longest
result ("Misslyckades 2026-11-23 07:02"); a wider terminal gives the rest to the name."""

RUN_COLUMNS = [
    Column("start", "Start", 16),
    Column("end", "Slut", 16),
    Column("result", "Resultat", 12),
    Column("trigger", "Körning", 12),
    Column("file", "Fil", 0, min_width=16),
    Column("error", "Fel", 0, min_width=16, sortable=False),
]

RESULT_STYLES = {"ok": "green", "failed": "bold red", "interrupted": "bold yellow", "running": "cyan"}



# --------------------------------------------------------------------------- rows


def last_result(run: RunInfo | None) -> Text:
    """"2026-01-15 06:00 Klar" coloured by the result."""
    if run is None:
        return Text("Har inte körts", style="dim")
    return Text(f"{run.started_at:%Y-%m-%d %H:%M} {run.result_label}", style=RESULT_STYLES.get(run.result, ""))


def service_row(service: ServiceInfo) -> TableRow:
    """A service as a list row."""
    return TableRow(
        str(service.id),
        (
            cells.text(service.name),
            Text(f"Fel: {service.problem}", style="bold red") if service.problem
            else cells.text(service.schedule_text),
            cells.date(service.next_run) if service.next_run else Text("–", style="dim"),
            last_result(service.last_run),
            Text("Ja" if service.enabled else "Nej", style="" if service.enabled else "dim"),
            cells.text(service.service_label),
        ),
        data=service,
    )


def run_row(run: RunInfo) -> TableRow:
    """A run as a row of the runs screen."""
    return TableRow(
        str(run.id),
        (
            cells.date(run.started_at),
            cells.date(run.finished_at),
            Text(run.result_label, style=RESULT_STYLES.get(run.result, "")),
            cells.text(run.trigger_label),
            cells.text(Path(run.file).name if run.file else "–"),  # the whole path: Enter
            cells.text(run.error.splitlines()[0] if run.error else ""),
        ),
        data=run,
    )


def worker_text(worker: str) -> str:
    """The stored worker "host:pid" in words ("vm, process 2897"): the pid is what an administrator
    needs for a run left "Pågår", but not as an internal id."""
    host, _, pid = worker.rpartition(":")
    return f"{host}, process {pid}" if host and pid.isdigit() else worker


def current_service_line(service: ServiceInfo | None) -> Text:
    """Below the list: the current service's name and schedule in full (the list cuts both at 80
    columns), its service and whether it is active."""
    if service is None:
        return Text("")
    rule = f"Fel: {service.problem}" if service.problem else service.schedule_text
    return Text(f"{service.name} · {rule} · {service.service_label} · {'aktiv' if service.enabled else 'inte aktiv'}")


def _service_sort(row: TableRow, key: str) -> object:
    service: ServiceInfo = row.data
    if key == "next":
        return service.next_run.isoformat() if service.next_run else "9999"
    return row.cells[[c.key for c in SERVICE_COLUMNS].index(key)].plain  # type: ignore[union-attr]  # cells are Text


def status_text(status: ScheduleStatus) -> Text:
    """Above the list, one line at 80 columns: who runs the services and when it last did (the
    keys are in the footer, not repeated here)."""
    if status.last_daemon_run is not None:
        return Text(f"Körs av tui-inkasso daemon på servern, senast {status.last_daemon_run:%Y-%m-%d %H:%M}.")
    return Text("Körs av tui-inkasso daemon på servern; har inte kört ännu (docs/daemon.md).")


def mail_warning(status: ScheduleStatus, services: Sequence[ServiceInfo] = ()) -> Text:
    """A warning when a service should send mail but no mail server is set, and one for each
    service whose stored schedule cannot be read (it does not run until it is edited); else
    nothing."""
    lines: list[str] = []
    if status.mail_missing_for:
        names = ", ".join(status.mail_missing_for)
        lines.append(f"Ingen e-postserver (Alternativ – E-post/tjänster): ingen e-post för {names}.")
    lines.extend(f"{service.name} körs inte, {service.problem}. e = redigera."
                 for service in services if service.problem)
    return Text("\n".join(lines))


# --------------------------------------------------------------------------- small modals


class TextScreen(ModalScreen[None]):
    """Long text (a run's whole error, a file's path) to read; Esc or Enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Stäng", id="text.close"),
        Binding("enter", "close", "Stäng", show=False, id="text.close_enter"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="text-box") as box:
            box.border_title = Text(self._title)
            box.border_subtitle = "Esc stänger"
            yield Static(Text(self._body))

    def action_close(self) -> None:
        """Back to the screen underneath."""
        self.dismiss()


# --------------------------------------------------------------------------- the list


class ScheduledServicesScreen(BaseScreen):
    """Schemalagda tjänster: list, Ny, Redigera, Ta bort, Kör nu, Körningar."""

    SUB_TITLE = "Schemalagda tjänster"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Ny", id="services.new", tooltip="Lägg till en schemalagd tjänst"),
        Binding("e", "edit", "Redigera", id="services.edit", tooltip="Ändra den markerade tjänsten"),
        Binding("delete", "delete", "Ta bort", id="services.delete",
                tooltip="Ta bort den markerade tjänsten och dess körningar"),
        Binding("k", "run_now", "Kör nu", id="services.run", tooltip="Kör den markerade tjänsten nu"),
        Binding("f5", "refresh", "Uppdatera", id="services.refresh"),
    ]

    GUARDED = {"new": scheduled.create_service, "edit": scheduled.update_service,
               "delete": scheduled.delete_service, "run_now": scheduled_runs.run_now}

    class Loaded(Message):
        """The services have been read, with the daemon's last run and what to warn about."""

        def __init__(self, services: list[ServiceInfo], status: ScheduleStatus) -> None:
            super().__init__()
            self.services = services
            self.status = status

    class Deleted(Message):
        """A service was removed."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class RunDone(Message):
        """A manual run has finished (or could not start)."""

        def __init__(self, run: RunInfo) -> None:
            super().__init__()
            self.run = run

    _keep_on: int | None = None
    """The service the cursor was on when the list was read again."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="services-status")
        yield Static("", id="services-warning")
        yield PagedTable(SERVICE_COLUMNS, id="services-table", empty_text="Inga schemalagda tjänster – n lägger till en",
                         loading=True, row_keys=("e", "delete", "k"))
        yield Static("", id="services-current")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#services-table", PagedTable).focus()
        self.action_refresh()

    highlighted: var[ServiceInfo | None] = var(None, bindings=True)
    """The service under the cursor (None while none is): e, Delete and k apply to it."""

    def selected(self) -> ServiceInfo | None:
        """The service under the table's cursor, read from the table: ``highlighted`` follows it
        only once the table's RowHighlighted is handled, and "Down e" typed at once edited the
        service the cursor had left."""
        if not self.is_mounted:
            return self.highlighted
        row = self.query_one("#services-table", PagedTable).current_row
        return row.data if row is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Redigera, Ta bort and Kör nu only when a service is highlighted."""
        if action in ("edit", "delete", "run_now") and self.is_mounted:
            return True if self.selected() is not None else None
        return True

    # -- loading

    def action_refresh(self) -> None:
        """Read the services again."""
        self._load()

    @db_work("Schemalagda tjänster", group="services", exclusive=True)
    def _load(self) -> None:
        self.post_message(self.Loaded(scheduled.list_services(), scheduled.schedule_status()))

    def on_scheduled_services_screen_loaded(self, message: ScheduledServicesScreen.Loaded) -> None:
        self.query_one("#services-status", Static).update(status_text(message.status))
        warning = self.query_one("#services-warning", Static)
        text = mail_warning(message.status, message.services)
        warning.update(text)
        warning.display = bool(text.plain)
        table = self.query_one("#services-table", PagedTable)
        current = self.selected()
        self._keep_on = current.id if current is not None else None
        table.border_title = count_of(len(message.services), "schemalagd tjänst", "schemalagda tjänster")
        table.set_source(ListSource(SERVICE_COLUMNS, [service_row(s) for s in message.services],
                                    sort_value=_service_sort))

    @on(PagedTable.Loaded, "#services-table")
    def _loaded(self) -> None:
        """Keep the cursor on the service it was on before the list was read again."""
        table = self.query_one("#services-table", PagedTable)
        keep, self._keep_on = self._keep_on, None
        for index in range(table.total):
            row = table.row_at(index)
            if keep is not None and row is not None and row.data.id == keep:
                table.cursor_row = index
                break
        self._highlight_changed()

    @on(PagedTable.RowHighlighted, "#services-table")
    def _highlight_changed(self) -> None:
        row = self.query_one("#services-table", PagedTable).current_row
        self.highlighted = row.data if row is not None else None
        self.query_one("#services-current", Static).update(current_service_line(self.highlighted))

    # -- actions

    def action_new(self) -> None:
        """The wizard for a new service."""
        self._wizard(None)

    def action_edit(self) -> None:
        """The wizard, filled with the highlighted service."""
        service = self.selected()
        if service is not None:
            self._wizard(service)

    def _wizard(self, existing: ServiceInfo | None) -> None:
        Wizard(self, existing, self._wizard_done).start()

    def _wizard_done(self, saved: ServiceInfo | None) -> None:
        if saved is not None:
            waiting = saved.recipients_proposal
            note = (f" E-post till {waiting.new_text} väntar på godkännande av en annan administratör "
                    f"(förslag {waiting.id}); till dess gäller {waiting.old_text}." if waiting else "")
            self.notify(f"{saved.name}: {saved.schedule_text}.{note}", title="Tjänsten sparades",
                        timeout=10 if waiting else 5)
            self._load()

    def action_delete(self) -> None:
        """Ask, then remove the highlighted service and its runs."""
        service = self.selected()
        if service is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(service.id, service.name)

        self.app.push_screen(
            ConfirmDialog(f"Ta bort {service.name} ({service.service_label}) och alla dess körningar?",
                          "Ta bort tjänst"),
            answered,
        )

    @db_work("Ta bort tjänst", group="service-delete")
    def _delete(self, service_id: int, name: str) -> None:
        scheduled.delete_service(service_id)
        self.post_message(self.Deleted(name))

    def on_scheduled_services_screen_deleted(self, message: ScheduledServicesScreen.Deleted) -> None:
        self.notify(f"{message.name} togs bort.", title="Borttagen", markup=False)
        self._load()

    def action_run_now(self) -> None:
        """Ask, then run the highlighted service now, in a thread (a balance file takes a while)."""
        service = self.selected()
        if service is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.notify(f"{service.name} körs …", title="Kör nu", timeout=3, markup=False)
                self._run(service.id)

        self.app.push_screen(
            ConfirmDialog(f"Kör {service.name} ({service.service_label}) nu? Filen skapas nu och skickas "
                          "till inkassobolaget om en server är inställd, som vid en schemalagd körning.",
                          "Kör nu"),
            answered,
        )

    @db_work("Kör nu", group="service-run")
    def _run(self, service_id: int) -> None:
        self.post_message(self.RunDone(scheduled_runs.run_now(service_id)))

    def on_scheduled_services_screen_run_done(self, message: ScheduledServicesScreen.RunDone) -> None:
        run = message.run
        if run.result == "ok":
            detail = run.summary or (f"Fil: {run.file}" if run.file else "")
            self.notify(detail or "Körningen är klar.", title="Körningen är klar", markup=False)
        else:
            self.notify(run.error, title=f"Körningen {run.result_label.lower()}", severity="error", timeout=15,
                        markup=False)
        self._load()

    @on(PagedTable.RowSelected, "#services-table")
    def _open_runs(self, event: PagedTable.RowSelected) -> None:
        service: ServiceInfo = event.row.data
        self.app.push_screen(ServiceRunsScreen(service.id, service.name))


# --------------------------------------------------------------------------- runs


class ServiceRunsScreen(BaseScreen):
    """One service's runs: start, end, result, trigger, file, error (Enter shows all of it)."""

    SUB_TITLE = "Körningar"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Uppdatera", id="runs.refresh"),
    ]

    class Loaded(Message):
        """The runs have been read."""

        def __init__(self, runs: list[RunInfo]) -> None:
            super().__init__()
            self.runs = runs

    def __init__(self, service_id: int, name: str) -> None:
        super().__init__()
        self.service_id = service_id
        self.service_name = name

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield PagedTable(RUN_COLUMNS, id="runs-table", empty_text="Tjänsten har inte körts ännu", loading=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Körningar – {self.service_name}"
        self.query_one("#runs-table", PagedTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the runs again."""
        self._load()

    @db_work("Körningar", group="runs", exclusive=True)
    def _load(self) -> None:
        self.post_message(self.Loaded(scheduled_runs.list_runs(self.service_id, limit=500)))

    def on_service_runs_screen_loaded(self, message: ServiceRunsScreen.Loaded) -> None:
        table = self.query_one("#runs-table", PagedTable)
        table.border_title = Text(f"{self.service_name}: {count_of(len(message.runs), 'körning', 'körningar')}, nyaste först")
        table.set_source(ListSource(RUN_COLUMNS, [run_row(r) for r in message.runs]))

    @on(PagedTable.RowSelected, "#runs-table")
    def _show_run(self, event: PagedTable.RowSelected) -> None:
        run: RunInfo = event.row.data
        lines = [
            f"Resultat: {run.result_label}",
            f"Körning: {run.trigger_label}" + (f", planerad {run.planned_at:%Y-%m-%d %H:%M}" if run.planned_at else ""),
            f"Start: {run.started_at:%Y-%m-%d %H:%M:%S}",
            f"Slut: {run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "Slut: –",
            f"Fil: {run.file or 'ingen fil'}",
            f"Dator: {worker_text(run.worker)}",
        ]
        if run.error:
            lines += ["", "Fel:", run.error]
        self.app.push_screen(TextScreen(f"Körning {run.id} – {self.service_name}", "\n".join(lines)))


# --------------------------------------------------------------------------- the wizard

HEADER_SIDES = 2 * 8
"""Cells of the header that its icon and its right-hand side keep for themselves."""


def fit_heading(heading: str, step_title: str, room: int) -> str:
    """``"<heading> – <step_title>"`` in ``room`` cells: the heading (which ends in the
    service's name) gives way first and ends in "…"; with no room for a few letters of it, the
    step's title alone (cut too, if need be)."""
    suffix = f" – {step_title}"
    whole = heading + suffix
    if cell_len(whole) <= room:
        return whole
    keep = room - cell_len(suffix) - 1
    if keep >= 12:
        return _cut(heading, keep) + "…" + suffix
    return step_title if cell_len(step_title) <= room else _cut(step_title, max(room - 1, 0)) + "…"


def _cut(text: str, cells: int) -> str:
    """The start of ``text`` that takes at most ``cells`` cells, without trailing spaces."""
    return set_cell_size(text, cells).rstrip() if cell_len(text) > cells else text


class WizardStep(ShowsBusy, FooterKeys, ForwardWorkerErrors, Screen[ServiceSpec | None]):
    """One step of the guide: shows the draft, dismisses with the changed draft or None (back)."""

    STEP_TITLE = ""
    INTRO = ""
    NEXT_LABEL = "Nästa"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "next", "Nästa", id="wizard.next", tooltip="Till nästa steg"),
        Binding("escape", "back", "Tillbaka", id="wizard.back", tooltip="Till föregående steg"),
    ]

    def __init__(self, draft: ServiceSpec, step: int, steps: int, heading: str) -> None:
        super().__init__()
        self.draft = draft
        self.step = step
        self.steps = steps
        self.heading = heading

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="wizard-box"):
            yield Static(Text(f"{self.heading} · steg {self.step} av {self.steps}: {self.STEP_TITLE}"),
                         classes="wizard-heading")
            yield Static(Text(self.intro()), classes="wizard-intro")
            yield from self.fields()
            yield Static("", id="step-error", classes="step-error")
        yield Footer()

    def on_mount(self) -> None:
        self._fit_sub_title()
        self.focus_first()

    def on_resize(self) -> None:
        self._fit_sub_title()

    def _fit_sub_title(self) -> None:
        """The header's "Redigera <name> – <step>" within the header's room: a long name ends
        in "…" (the header cut the step's name instead: "Redigera Saldofil på måndagar – Tjän…");
        the line above the step's fields names the service and the step in full."""
        room = self.app.size.width - HEADER_SIDES - cell_len(f"{self.app.title} — ")
        self.sub_title = fit_heading(self.heading, self.STEP_TITLE, room)

    def intro(self) -> str:
        """The line that says what this step asks."""
        return self.INTRO

    def fields(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    def focus_first(self) -> None:
        """Focus the step's first field."""
        self.focus_next()

    def collect(self) -> ServiceSpec:
        """The draft with this step's fields; raise ValueError (Swedish reason) when one is wrong."""
        return self.draft

    def show_error(self, message: str) -> None:
        """Say why the step cannot go on."""
        self.query_one("#step-error", Static).update(Text(message))

    def action_next(self) -> None:
        """Check this step's fields and go on."""
        try:
            draft = self.collect()
        except (ValueError, UserError) as exc:  # ScheduleError from Spara is a UserError
            self.show_error(str(exc))
            return
        self.dismiss(draft)

    def action_back(self) -> None:
        """One step back (from the first step: leave the guide)."""
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter_goes_on(self) -> None:
        self.action_next()


class ServiceKindStep(WizardStep):
    """Step 1: which service ("Skapa saldofil")."""

    STEP_TITLE = "Tjänst"
    INTRO = "Välj vilken tjänst som ska köras. Enter väljer."

    def fields(self) -> ComposeResult:
        options = [Option(scheduled_jobs.service_label(kind), id=kind) for kind in scheduled_jobs.JOBS]
        yield ChoiceList(*options, id="service-kind", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        kinds = list(scheduled_jobs.JOBS)
        listing = self.query_one("#service-kind", KeyList)
        listing.highlighted = kinds.index(self.draft.service) if self.draft.service in kinds else 0
        listing.focus()

    def collect(self) -> ServiceSpec:
        listing = self.query_one("#service-kind", KeyList)
        index = listing.highlighted or 0
        option_id = listing.get_option_at_index(index).id or ""
        return dataclasses.replace(self.draft, service=option_id)

    @on(KeyList.OptionSelected, "#service-kind")
    def _chosen(self) -> None:
        self.action_next()


class NameStep(WizardStep):
    """Step 2: name, description, Aktiverad."""

    STEP_TITLE = "Namn och beskrivning"
    INTRO = "Ge tjänsten ett namn som syns i listan. En inaktiverad tjänst sparas men körs inte."

    def fields(self) -> ComposeResult:
        yield Label("Namn", classes="field-label")
        yield Input(self.draft.name, placeholder="t.ex. Saldofil varje natt", id="name", max_length=100)
        yield Label("Beskrivning", classes="field-label")
        yield Input(self.draft.description, placeholder="valfri", id="description")
        yield Checkbox("Aktiverad", self.draft.enabled, id="enabled")

    def collect(self) -> ServiceSpec:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            raise ValueError("Ange ett namn.")
        return dataclasses.replace(
            self.draft, name=name, description=self.query_one("#description", Input).value.strip(),
            enabled=self.query_one("#enabled", Checkbox).value,
        )


class NotifyStep(WizardStep):
    """Step 3: who gets mail when a run fails, and whether also when it succeeds."""

    STEP_TITLE = "E-post"
    INTRO = "Vem ska få e-post när en körning misslyckas? Flera adresser skiljs med komma."

    def fields(self) -> ComposeResult:
        yield Label("E-postadresser", classes="field-label")
        yield Input(", ".join(self.draft.notify_emails), placeholder="ekonomi@exempel.se", id="emails")
        yield Checkbox("Skicka e-post även när körningen lyckas", self.draft.notify_success, id="success")

    def collect(self) -> ServiceSpec:
        try:
            emails = split_emails(self.query_one("#emails", Input).value)
        except EmailAddressError as exc:
            raise ValueError(f"E-post: {exc}") from None
        success = self.query_one("#success", Checkbox).value
        if success and not emails:
            raise ValueError("Ange minst en adress för e-post när körningen lyckas.")
        return dataclasses.replace(self.draft, notify_emails=emails, notify_success=success)


class FrequencyStep(WizardStep):
    """Step 4: how often."""

    STEP_TITLE = "Hur ofta"
    INTRO = "Hur ofta ska tjänsten köras? Enter väljer."

    def fields(self) -> ComposeResult:
        options = [Option(label, id=code) for code, label in rules.FREQUENCY_LABELS.items()]
        yield ChoiceList(*options, id="frequency", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        codes = list(rules.FREQUENCY_LABELS)
        listing = self.query_one("#frequency", KeyList)
        listing.highlighted = codes.index(self.draft.frequency) if self.draft.frequency in codes else 0
        listing.focus()

    def collect(self) -> ServiceSpec:
        listing = self.query_one("#frequency", KeyList)
        option_id = listing.get_option_at_index(listing.highlighted or 0).id or "day"
        return dataclasses.replace(self.draft, frequency=option_id)

    @on(KeyList.OptionSelected, "#frequency")
    def _chosen(self) -> None:
        self.action_next()


class WhenStep(WizardStep):
    """Step 5: when: the time, and the weekdays, the day of the month or N hours."""

    STEP_TITLE = "När"

    def fields(self) -> ComposeResult:
        freq = self.draft.frequency
        yield Label("Klockslag (HH:MM)", classes="field-label")
        yield Input(self.draft.at_time, placeholder="06:00", id="at", max_length=5)
        if freq == "week":
            yield Label("Veckodagar (mellanslag kryssar)", classes="field-label")
            chosen = set(rules.parse_weekdays(self.draft.weekdays))
            with Horizontal(id="weekdays"):
                for i, code in enumerate(rules.WEEKDAYS):
                    yield Checkbox(rules.WEEKDAY_LABELS[i].capitalize(), i in chosen, id=f"day-{code}")
        elif freq == "month":
            yield Label("Dag i månaden (1-28 eller sista)", classes="field-label")
            day = self.draft.month_day
            yield Input("" if day is None else ("sista" if day in ("last", rules.LAST_DAY) else str(day)),
                        placeholder="1", id="month-day", max_length=5)
        elif freq == "hour":
            yield Label("Var N:e timme", classes="field-label")
            yield Select([(f"Var {n}:e timme" if n > 1 else "Varje timme", n) for n in rules.HOUR_STEPS],
                         value=self.draft.every_hours or 1, allow_blank=False, id="hours")

    def intro(self) -> str:
        """Depends on the frequency chosen in the step before."""
        return {
            "day": "Tjänsten körs varje dag vid klockslaget.",
            "week": "Tjänsten körs de valda veckodagarna vid klockslaget.",
            "month": "Tjänsten körs en dag i månaden. 29-31 finns inte alla månader: välj sista.",
            "hour": "Tjänsten körs var N:e timme, räknat från klockslaget (t.ex. 06:00, 14:00, 22:00).",
        }.get(self.draft.frequency, "")

    def collect(self) -> ServiceSpec:
        freq = self.draft.frequency
        at = self.query_one("#at", Input).value.strip()
        weekdays: tuple[str, ...] = ()
        month_day: int | str | None = None
        hours: int | None = None
        if freq == "week":
            weekdays = tuple(code for code in rules.WEEKDAYS if self.query_one(f"#day-{code}", Checkbox).value)
        elif freq == "month":
            month_day = self.query_one("#month-day", Input).value.strip()
        elif freq == "hour":
            value = self.query_one("#hours", Select).value
            hours = int(value) if isinstance(value, int) else None
        try:
            rule = scheduled.rule_from_fields(freq, at, weekdays, month_day, hours)
        except rules.ScheduleRuleError as exc:
            raise ValueError(str(exc).capitalize()) from None
        stored_day: int | str | None = None
        if rule.month_day is not None:
            stored_day = "last" if rule.month_day == rules.LAST_DAY else rule.month_day
        return dataclasses.replace(
            self.draft, at_time=rules.format_time(rule.at_time), weekdays=weekdays,
            month_day=stored_day, every_hours=rule.every_hours,
        )


class ReviewStep(WizardStep):
    """Step 6: Kontrollera: the whole service in words; F2 saves."""

    STEP_TITLE = "Kontrollera och spara"
    INTRO = "Kontrollera uppgifterna. F2 sparar; Esc går tillbaka och ändrar."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "next", "Spara", id="wizard.save", tooltip="Spara tjänsten"),
        Binding("escape", "back", "Tillbaka", id="wizard.back", tooltip="Till föregående steg"),
    ]

    def __init__(self, draft: ServiceSpec, step: int, steps: int, heading: str,
                 save: Callable[[ServiceSpec], ServiceInfo]) -> None:
        super().__init__(draft, step, steps, heading)
        self._save = save
        self.saved: ServiceInfo | None = None

    def fields(self) -> ComposeResult:
        yield Static(Text(summary(self.draft)), id="summary")

    def focus_first(self) -> None:
        """Nothing to type here: F2 saves, Esc goes back."""

    class Stored(Message):
        """The worker saved the service (``saved``) or refused it (``error``)."""

        def __init__(self, saved: ServiceInfo | None, error: str) -> None:
            super().__init__()
            self.saved = saved
            self.error = error

    def action_next(self) -> None:
        """Spara: the service's full check and the write run in a worker; a refusal shows here."""
        self._store(self.draft)

    @db_work("Spara tjänst", group="wizard-save", exclusive=True)
    def _store(self, draft: ServiceSpec) -> None:
        try:
            saved = self._save(draft)
        except (ValueError, UserError) as exc:
            self.post_message(self.Stored(None, str(exc)))
            return
        self.post_message(self.Stored(saved, ""))

    def on_review_step_stored(self, message: ReviewStep.Stored) -> None:
        if message.saved is None:
            self.show_error(message.error)
            return
        self.saved = message.saved
        self.dismiss(self.draft)


def summary(spec: ServiceSpec) -> str:
    """The draft in Swedish, as Kontrollera shows it."""
    try:
        when = rules.describe(scheduled.rule_from_fields(
            spec.frequency, spec.at_time, spec.weekdays, spec.month_day, spec.every_hours))
    except rules.ScheduleRuleError as exc:
        when = f"ogiltigt: {exc}"
    mail = ", ".join(spec.notify_emails) or "ingen"
    lines = [
        ("Tjänst", scheduled_jobs.service_label(spec.service)),
        ("Namn", spec.name),
        ("Beskrivning", spec.description or "–"),
        ("Aktiverad", "Ja" if spec.enabled else "Nej"),
        ("E-post vid fel", mail),
        ("E-post när den lyckas", "Ja" if spec.notify_success else "Nej"),
        ("Hur ofta", when),
    ]
    width = max(len(label) for label, _ in lines) + 2
    return "\n".join(f"{label + ':':<{width}}{value}" for label, value in lines)


class Wizard:
    """Walks the steps: each typed step screen dismisses with the draft (on) or None (back).

    Chained with ``push_screen(..., callback)`` rather than ``push_screen_wait`` in a worker: such
    a worker would count as running for as long as a person sits in the guide, so everything that
    waits for the app's workers to finish (tests, the "busy" checks) would wait with it.
    """

    STEPS: ClassVar[list[type[WizardStep]]] = [
        ServiceKindStep, NameStep, NotifyStep, FrequencyStep, WhenStep, ReviewStep,
    ]

    def __init__(
        self, screen: Screen[object], existing: ServiceInfo | None,
        done: Callable[[ServiceInfo | None], None],
    ) -> None:
        self.screen = screen
        self.draft = existing.spec() if existing is not None else ServiceSpec(name="")
        self.save: Callable[[ServiceSpec], ServiceInfo] = (
            partial(scheduled.update_service, existing.id) if existing is not None
            else scheduled.create_service
        )
        self.heading = f"Redigera {existing.name}" if existing is not None else "Ny tjänst"
        self.done = done
        self.index = 0
        self._step: WizardStep | None = None

    def start(self) -> None:
        """Show the first step."""
        self._show()

    def _show(self) -> None:
        cls = self.STEPS[self.index]
        args = (self.draft, self.index + 1, len(self.STEPS), self.heading)
        self._step = ReviewStep(*args, self.save) if cls is ReviewStep else cls(*args)
        self.screen.app.push_screen(self._step, self._answered)

    def _answered(self, result: ServiceSpec | None) -> None:
        step = self._step
        if result is None:
            self.index -= 1
        else:
            self.draft = result
            if isinstance(step, ReviewStep):
                self.done(step.saved)
                return
            self.index += 1
        if self.index < 0:
            self.done(None)
            return
        self._show()
