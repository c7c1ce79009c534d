"""Inställningar → Ägare och konton: each owner's bankgiro/plusgiro and its account for every
account role (kontovärde), seen and changed in the app (until now only a ledger import set them).

The list shows every owner with its numbers and how many roles have an account; Enter opens the
owner's form: the giro numbers, the OCR control, how the creditor is reached (phone, e-mail,
address: the letters print them, inkassolagen 5 §) and one field per role, checked like the other
settings (check digits, account numbers as digits, no removing an account that bookings need), all
or nothing, audited (``services.owner_accounts``). The giro numbers and the accounts decide where
payments are booked, so a change of them is a proposal that another administrator approves
(Inställningar → Godkännanden, four eyes, issue 17); the form shows the values in force and, under
a field, what waits. Only an administrator saves. Leaving the form with unsaved edits asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Select, Static

from tui_inkasso.domain.counts import format_count
from tui_inkasso.domain.ocr_control import OcrControl
from tui_inkasso.screens.base import BaseScreen
from tui_inkasso.screens.edit_form import EditForm
from tui_inkasso.services import approvals, owner_accounts
from tui_inkasso.services.approvals import ProposalInfo
from tui_inkasso.services.owner_accounts import (
    CONTACT_FIELDS,
    OCR_CONTROL,
    ROLES,
    OwnerAccounts,
    OwnerAccountsError,
    SavedOwner,
)
from tui_inkasso.widgets import cells
from tui_inkasso.widgets.db_work import db_work
from tui_inkasso.widgets.paged_table import Column, ListSource, PagedTable, TableRow

OWNER_COLUMNS = [
    Column("code", "Ägare", 6),
    Column("name", "Namn", 0, min_width=16),
    Column("org_no", "Org.nr", 11),
    Column("bankgiro", "Bankgiro", 9),
    Column("plusgiro", "Plusgiro", 10),
    Column("accounts", "Konton", 6, align="right", sortable=False),
]

ROLE_HELP = {
    "Kundfordringar": "Fakturornas fordran (BAS 1510); krediteras när en betalning bokas.",
    "Bank": "Kontot för bankgiro/plusgiro (BAS 1930); debiteras när en betalning bokas.",
    "Förskott från kunder": "Betalningar utan faktura och överskott (BAS 2420).",
    "Överskjutande betalning inkasso": "Överskott som kommer via inkassobolaget; tomt = Förskott från kunder.",
    "Påminnelseavgifter": "Intäkt för påminnelse- och kravavgifter (BAS 3591).",
    "Ränteintäkter": "Dröjsmålsränta (BAS 8313).",
    "Hyresintäkter": "Hyran; debiteras när en hyresfaktura krediteras (BAS 3911).",
}
"""What each role is for, under its field (the BAS account most charts use in brackets)."""


FIELDS = ("bankgiro", "plusgiro", OCR_CONTROL, *CONTACT_FIELDS, *ROLES)
"""The form's fields, in the order they are shown."""

OCR_HELP = ("Hur banken kontrollerar OCR-numren som betalas till ägarens bankgiro/plusgiro (avtalet "
            "om OCR-kontroll). Inbetalningarnas OCR-nummer kontrolleras så; de öppna fakturornas måste klara det.")


CONTACT_LABELS = {"phone": "Telefon", "email": "E-post", "address": "Adress", "postal_code": "Postnummer",
                  "city": "Ort"}
"""The contact fields' labels."""

CONTACT_HELP = ("Inkassolagen 5 §: påminnelser och krav visar borgenären och hur den nås. Fyll i minst "
                "telefon, e-post eller adress.")

_OWN_FIELDS = ("bankgiro", "plusgiro", OCR_CONTROL, *CONTACT_FIELDS)


def field_id(name: str) -> str:
    """The id of a field: "owner-bankgiro", "owner-postal-code", "owner-role-3" (roles by position,
    their names have spaces)."""
    return f"owner-{name.replace('_', '-')}" if name in _OWN_FIELDS else f"owner-role-{ROLES.index(name)}"


def owner_row(owner: OwnerAccounts) -> TableRow:
    """An owner as a row of the list."""
    return TableRow(str(owner.owner_id), (
        cells.text(owner.code), cells.text(owner.name), cells.text(owner.org_no),
        cells.text(owner.bankgiro_text), cells.text(owner.plusgiro_text),
        Text(f"{owner.mapped_roles}/{len(ROLES)}", justify="right"),
    ), data=owner)


class OwnersScreen(BaseScreen):
    """Ägare och konton: every owner; Enter opens one."""

    SUB_TITLE = "Ägare och konton"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Uppdatera", id="owners.refresh"),
    ]

    class Loaded(Message):
        """The owners have been read."""

        def __init__(self, owners: list[OwnerAccounts]) -> None:
            super().__init__()
            self.owners = owners

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("Varje ägares bankgiro/plusgiro och konto för varje kontovärde. Enter öppnar ägaren.",
                     id="owners-intro")
        yield PagedTable(OWNER_COLUMNS, id="owners-table", empty_text="Inga ägare (de kommer med en "
                         "inläst reskontra: tui-inkasso import-ledger)", loading=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#owners-table", PagedTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the owners again."""
        self._load()

    @db_work("Ägare", group="owners", exclusive=True)
    def _load(self) -> None:
        self.post_message(self.Loaded(owner_accounts.list_owner_accounts()))

    def on_owners_screen_loaded(self, message: OwnersScreen.Loaded) -> None:
        table = self.query_one("#owners-table", PagedTable)
        count = len(message.owners)
        table.border_title = f"Ägare ({format_count(count)})"
        table.set_source(ListSource(OWNER_COLUMNS, [owner_row(o) for o in message.owners]))

    @on(PagedTable.RowSelected, "#owners-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        event.stop()
        owner: OwnerAccounts = event.row.data
        self.app.push_screen(OwnerAccountsScreen(owner), lambda _: self.action_refresh())


class OwnerAccountsScreen(EditForm):
    """One owner's giro numbers and accounts: F2 saves all or nothing, F5 undoes the edits."""

    SUB_TITLE = "Ägare och konton"

    GUARDED = {"save": owner_accounts.save_owner_accounts}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Spara", id="owner.save", tooltip="Kontrollera och spara alla värden"),
        Binding("f5", "reload", "Ångra ändringar", id="owner.reload", tooltip="Visa de sparade värdena igen"),
    ]

    class Pending(Message):
        """The owner's changes that wait for a second administrator, by field."""

        def __init__(self, proposals: dict[str, ProposalInfo]) -> None:
            super().__init__()
            self.proposals = proposals

    class Saved(Message):
        """The worker proposed the changes (or refused them, with each field's reason)."""

        def __init__(self, saved: SavedOwner | None, problems: dict[str, str],
                     then: Callable[[], object] | None) -> None:
            super().__init__()
            self.saved = saved
            self.problems = problems
            self.then = then

    def __init__(self, owner: OwnerAccounts) -> None:
        super().__init__()
        self.owner = owner
        self.sub_title = f"Ägare och konton – {owner.code}"
        self.refused: dict[str, str] = {}
        """Field -> reason, from the last Spara that was refused."""
        self._saved: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        owner = self.owner
        yield Header(icon="≡")
        with VerticalScroll(id="owner-form"):
            yield Static(Text(f"{owner.code} – {owner.name}, org.nr {owner.org_no}. Tomt fält = inget nummer "
                              "eller inget konto. F2 sparar; alla värden kontrolleras först och inget sparas "
                              "om något är fel."), id="owner-intro")
            yield Static("Betalningar tas emot på", classes="setting-section")
            with Horizontal(classes="owner-giros"):
                for name, label in (("bankgiro", "Bankgiro"), ("plusgiro", "Plusgiro")):
                    with Vertical(classes="setting"):
                        yield Label(Text(label, style="bold"))
                        yield Input(id=field_id(name), placeholder="inget")
                        yield Static("", id=f"{field_id(name)}-error", classes="setting-error")
                        yield Static("", id=f"{field_id(name)}-pending", classes="setting-pending")
            with Vertical(classes="setting"):
                yield Label(Text("OCR-kontroll", style="bold"))
                yield Select([(level.label, level.value) for level in OcrControl], allow_blank=False,
                             value=owner.ocr_control, id=field_id(OCR_CONTROL))
                yield Static(OCR_HELP, classes="setting-help")
                yield Static("", id=f"{field_id(OCR_CONTROL)}-error", classes="setting-error")
            yield from self._contact_fields()
            yield Static("Konto för varje kontovärde", classes="setting-section")
            for role in ROLES:
                with Vertical(classes="setting"):
                    yield Label(Text(role, style="bold"))
                    yield Input(id=field_id(role), placeholder="inget konto")
                    yield Static(ROLE_HELP.get(role, ""), classes="setting-help")
                    yield Static("", id=f"{field_id(role)}-error", classes="setting-error")
                    yield Static("", id=f"{field_id(role)}-pending", classes="setting-pending")
        yield Footer()

    def _contact_fields(self) -> ComposeResult:
        """Kontaktuppgifter: phone, e-mail and address; postal code and city side by side."""
        yield Static("Kontaktuppgifter", classes="setting-section")
        yield Static(CONTACT_HELP, classes="setting-help")
        for names in (("phone", "email"), ("address",), ("postal_code", "city")):
            with Horizontal(classes="owner-giros"):
                for name in names:
                    with Vertical(classes="setting"):
                        yield Label(Text(CONTACT_LABELS[name], style="bold"))
                        yield Input(id=field_id(name), placeholder="inget")
                        yield Static("", id=f"{field_id(name)}-error", classes="setting-error")

    def on_mount(self) -> None:
        self._show(self.owner)
        self.query_one(f"#{field_id('bankgiro')}", Input).focus()
        self._read_pending()

    @db_work("Ägare: väntande ändringar", group="owner-pending", exclusive=True)
    def _read_pending(self) -> None:
        self.post_message(self.Pending(approvals.pending_for(approvals.OWNER, str(self.owner.owner_id))))

    def on_owner_accounts_screen_pending(self, message: OwnerAccountsScreen.Pending) -> None:
        """Under each field, a change that waits for a second administrator (four eyes)."""
        for name in ("bankgiro", "plusgiro", *ROLES):
            proposal = message.proposals.get(name)
            line = self.query_one(f"#{field_id(name)}-pending", Static)
            line.update(Text(f"Väntar på godkännande: {proposal.new_text} (förslag {proposal.id}, "
                             f"{proposal.proposed_by})") if proposal else "")
            line.set_class(proposal is not None, "-visible")

    def values(self) -> dict[str, str]:
        """What the form holds now: "bankgiro", "plusgiro", "ocr_control", the contact details and
        every role."""
        level = self.query_one(f"#{field_id(OCR_CONTROL)}", Select).value
        typed = ("bankgiro", "plusgiro", *CONTACT_FIELDS, *ROLES)
        return {name: self.query_one(f"#{field_id(name)}", Input).value for name in typed} | {OCR_CONTROL: str(level)}

    def _show(self, owner: OwnerAccounts) -> None:
        self.owner = owner
        shown = {"bankgiro": owner.bankgiro_text, "plusgiro": owner.plusgiro_text} | owner.contact | {
            role: owner.accounts.get(role, "") for role in ROLES}
        for name, value in shown.items():
            self.query_one(f"#{field_id(name)}", Input).value = value
        self.query_one(f"#{field_id(OCR_CONTROL)}", Select).value = owner.ocr_control
        self._saved = self.values()
        self._show_errors({})

    def unsaved_changes(self) -> int:
        """Fields that differ from what is stored."""
        return sum(1 for name, value in self.values().items() if value.strip() != self._saved.get(name, "").strip())

    def _show_errors(self, problems: dict[str, str]) -> None:
        self.refused = problems
        for name in FIELDS:
            reason = problems.get(name)
            line = self.query_one(f"#{field_id(name)}-error", Static)
            line.update(Text(f"Ogiltigt värde: {reason}") if reason else "")
            line.set_class(reason is not None, "-visible")
            self.query_one(f"#{field_id(name)}").set_class(reason is not None, "-refused")

    def action_reload(self) -> None:
        """Show the stored values again (dropping the edits)."""
        self._show(self.owner)

    def action_save(self) -> None:
        """Check every value; store the changed ones, all or nothing."""
        self.save()

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Check here (each refusal by its field), store in a worker."""
        _cleaned, problems = owner_accounts.check_owner_accounts(self.owner, self.values())
        if problems:
            self._refuse(problems)
            return
        self._store(self.owner.owner_id, self.values(), then)

    @db_work("Spara ägare", group="owner-save", exclusive=True)
    def _store(self, owner_id: int, values: dict[str, str], then: Callable[[], object] | None) -> None:
        try:
            saved = owner_accounts.save_owner_accounts(owner_id, values)
        except OwnerAccountsError as exc:
            self.post_message(self.Saved(None, exc.problems, None))
            return
        self.post_message(self.Saved(saved, {}, then))

    def on_owner_accounts_screen_saved(self, message: OwnerAccountsScreen.Saved) -> None:
        if message.saved is None:
            self._refuse(message.problems)
            return
        proposals = message.saved.proposals
        code = message.saved.owner.code
        before, after = self.owner, message.saved.owner  # the OCR control and contact: stored at once
        stored = (after.ocr_control, after.contact) != (before.ocr_control, before.contact)
        self._show(message.saved.owner)
        self._read_pending()
        if proposals:
            numbers = ", ".join(str(p.id) for p in proposals)
            alone = (" Reskontran har ingen annan administratör: lägg till en under Inställningar → Användare."
                     if proposals[0].waits_for_second_admin else "")
            also = "övriga ändringar sparades; " if stored else ""
            self.notify(f"{code}: {also}{len(proposals)} {'ändring' if len(proposals) == 1 else 'ändringar'} "
                        f"väntar på godkännande av en annan administratör (förslag {numbers}); till dess gäller "
                        f"de gamla värdena.{alone}", title="Föreslaget", markup=False, timeout=10)
        else:
            self.notify(f"{code}: sparat." if stored else "Inga ändringar att spara.", title="Sparat", markup=False)
        if message.then is not None:
            message.then()

    def _refuse(self, problems: dict[str, str]) -> None:
        """Every reason by its field, the focus on the first, and a note that nothing was stored."""
        self._show_errors(problems)
        first = next(name for name in FIELDS if name in problems)
        self.query_one(f"#{field_id(first)}").focus()
        count = len(problems)
        self.notify(f"Inget sparades: {count} {'värde är felaktigt' if count == 1 else 'värden är felaktiga'}.",
                    title="Kontrollera fälten", severity="error")
