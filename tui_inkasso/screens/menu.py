"""The main menu, shaped like the seed guide's: Reskontra, Inställningar, Verktyg.

The entries are data (:data:`MENU_ENTRIES`): a later feature adds its screen with one line, and the
menu, its keys, the help and the command palette all pick it up. Only screens that exist are
listed; there are no placeholders. Each entry names its screen as ``"module:Class"`` and the
module is imported when the entry is opened, so the menu is on screen before any of them loads.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui_inkasso.widgets.footer_keys import FooterKeys
from tui_inkasso.widgets.lists import KeyList
from tui_inkasso.widgets.typeahead import KeyGate
from tui_inkasso.widgets.worker_errors import ForwardWorkerErrors

GROUPS = ("Reskontra", "Inställningar", "Verktyg")
"""The menu's groups, in the guide's order."""


def lazy(target: str) -> Callable[[], Screen[Any]]:
    """A factory for ``"package.module:ScreenClass"`` that imports the module when called."""
    module_name, _, class_name = target.partition(":")

    def factory() -> Screen[Any]:
        return getattr(importlib.import_module(module_name), class_name)()

    factory.__qualname__ = f"lazy({target!r})"
    return factory


@dataclass(frozen=True)
class MenuEntry:
    """One menu entry: its group, Swedish label, the key that opens it, a line of help, its screen."""

    group: str
    label: str
    key: str
    description: str
    screen: Callable[[], Screen[Any]]

    @property
    def id(self) -> str:
        """A stable identifier made from the label (for binding ids and option ids)."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.label.lower().translate(str.maketrans("åäöé", "aaoe")))
        return slug.strip("-")


MENU_ENTRIES: list[MenuEntry] = [
    MenuEntry(
        "Reskontra", "Reskontra (kundsök)", "r",
        "Sök kund på namn, kundnummer, personnummer eller OCR; visa fakturor, betalningar och krav.",
        lazy("tui_inkasso.screens.ledger:LedgerScreen"),
    ),
    MenuEntry(
        "Reskontra", "Påminnelse/krav", "p",
        "Påminnelse- och kravkörning: urval, fakturor som står på tur, skapa breven (en PDF).",
        lazy("tui_inkasso.screens.dunning:DunningRunScreen"),
    ),
    MenuEntry(
        "Reskontra", "Saldokorrigering", "s",
        "Betalningar och krediteringar på inkassomärkta fakturor: vilka som rapporterats, skapa saldofil till inkassobolaget.",
        lazy("tui_inkasso.screens.balance_corrections:BalanceCorrectionScreen"),
    ),
    MenuEntry(
        "Reskontra", "Saldofiler", "f",
        "Tidigare saldofiler: öppna en fil och se dess saldokorrigeringar, skriv den igen eller skicka den igen.",
        lazy("tui_inkasso.screens.balance_history:BalanceFilesScreen"),
    ),
    MenuEntry("Reskontra", "Betalningar", "b", "Läs in betalfil (BgMax, Total IN): sammanställning, bokföring och resultatlogg; ej matchade betalningar.", lazy("tui_inkasso.screens.payments:PaymentsScreen")),
    MenuEntry(
        "Reskontra", "Inkasso", "n",
        "Skapa underlag för inkasso: urval, fakturor till inkasso och undantagna, skapa ärenden, fil eller Excel.",
        lazy("tui_inkasso.screens.collection:CollectionScreen"),
    ),
    MenuEntry(
        "Reskontra", "Inkassoärenden", "e",
        "Ärenderegistret: status, händelser och anteckningar, betalningar, saldo; avsluta ärenden.",
        lazy("tui_inkasso.screens.cases:CaseListScreen"),
    ),
    MenuEntry(
        "Reskontra", "Åldersanalys", "d",
        "Öppna fordringar per dag efter förfallodagen: per ägare, fastighet, objektstyp eller kund, med diagram.",
        lazy("tui_inkasso.screens.aging:AgingScreen"),
    ),
    MenuEntry(
        "Reskontra", "Inkassoöversikt", "o",
        "Per månad: skickat till inkasso, återvunnet, avslutade ärenden, öppet i inkasso; kravens effekt.",
        lazy("tui_inkasso.screens.collection_overview:CollectionOverviewScreen"),
    ),
    MenuEntry(
        "Reskontra", "Obetald hyra", "h",
        "Hyresavtal med hyra obetald längre än lagen medger: undanta, förhandsgranska breven, säg upp.",
        lazy("tui_inkasso.screens.arrears:ArrearsScreen"),
    ),
    MenuEntry(
        "Reskontra", "Uppsagda hyresavtal", "j",
        "Uppsägningar för obetald hyra: delgivning, socialnämnden, återvinningsfrist, underlag för avhysning.",
        lazy("tui_inkasso.screens.terminations:TerminationsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Alternativ – Inkasso", "i",
        "Inkassosystem, inkassobolagets bankgiro/plusgiro, mapp och FTP-server för inkassofiler.",
        lazy("tui_inkasso.screens.settings:SettingsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Alternativ – Påminnelse/krav", "k",
        "Kravnivåer, avgifter och tak, lägsta belopp, skrivare och referensräntor.",
        lazy("tui_inkasso.screens.dunning_levels:DunningLevelsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Alternativ – E-post/tjänster", "m",
        "E-postserver, port, kryptering, användare och avsändare för e-post om körningar; tjänstens loggfil.",
        lazy("tui_inkasso.screens.settings:MailServiceSettingsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Alternativ – Betalningar", "l",
        "Mappen där filväljaren i Läs in betalfil börjar (BgMax, Total IN).",
        lazy("tui_inkasso.screens.settings:PaymentSettingsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Socialnämnder", "c",
        "Socialnämndens adress i varje kommun, dit meddelandet går när en bostadshyresgäst sägs upp.",
        lazy("tui_inkasso.screens.socialnamnd:SocialnamndScreen"),
    ),
    MenuEntry(
        "Inställningar", "Ägare och konton", "a",
        "Varje ägares bankgiro/plusgiro och konto för varje kontovärde (Kundfordringar, Bank, Förskott …).",
        lazy("tui_inkasso.screens.owners:OwnersScreen"),
    ),
    MenuEntry(
        "Inställningar", "Alternativ – Rapporter", "v",
        "Åldersintervallen i åldersanalysen och hur länge ett ärende får stå utan händelse.",
        lazy("tui_inkasso.screens.settings:ReportSettingsScreen"),
    ),
    MenuEntry(
        "Inställningar", "Användare", "w",
        "Vem som får använda reskontran: Läsare, Handläggare eller Administratör.",
        lazy("tui_inkasso.screens.users:UsersScreen"),
    ),
    MenuEntry(
        "Inställningar", "Godkännanden", "y",
        "Ändringar av betalningsvägar och mottagare som väntar på en andra administratör.",
        lazy("tui_inkasso.screens.approvals:ApprovalsScreen"),
    ),
    MenuEntry(
        "Verktyg", "Granskningslogg", "g",
        "Vem gjorde vad och när: ändrade inställningar, ärenden, betalningar.",
        lazy("tui_inkasso.screens.audit:AuditScreen"),
    ),
    MenuEntry("Verktyg", "Schemalagda tjänster", "t", "Skapa saldofil enligt schema: ny, redigera, ta bort, kör nu, körningar.", lazy("tui_inkasso.screens.scheduled:ScheduledServicesScreen")),
    MenuEntry("Verktyg", "Utkorg", "u", "Filer till inkassobolaget: väntande, skickade och misslyckade; skicka igen.", lazy("tui_inkasso.screens.outbox:OutboxScreen")),
]
"""Every menu entry; add one line here to put a new screen in the menu."""


def entry_by_id(entry_id: str) -> MenuEntry:
    """The entry with ``entry_id`` (KeyError when there is none)."""
    for entry in MENU_ENTRIES:
        if entry.id == entry_id:
            return entry
    raise KeyError(entry_id)


def _entry_bindings() -> list[BindingType]:
    return [
        Binding(e.key, f"open_entry('{e.id}')", e.label, show=False, id=f"menu.{e.id}") for e in MENU_ENTRIES
    ]


class MenuScreen(FooterKeys, ForwardWorkerErrors, Screen[None]):
    """The start screen: one list per group; Enter or the entry's letter opens it."""

    SUB_TITLE = "Meny"

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = frozenset()
    """The menu's footer is the one that shows the app-wide keys (Avsluta, Mörkt/ljust)."""

    BINDINGS: ClassVar[list[BindingType]] = _entry_bindings()

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="menu-groups"):
            for group in GROUPS:
                entries = [e for e in MENU_ENTRIES if e.group == group]
                if not entries:
                    continue
                with Vertical(classes="menu-group") as box:
                    box.border_title = group
                    options = [Option(f"{e.label}  [{e.key}]", id=e.id) for e in entries]
                    yield KeyList(*options, id=f"group-{_slug(group)}", markup=False)
        yield Static("", id="menu-description")
        yield Footer()

    def on_mount(self) -> None:
        first = self.query(OptionList).first()
        first.highlighted = 0
        first.focus()

    def on_key(self, event: events.Key) -> None:
        """Open an entry on its key at once, and pass on what is typed right after it.

        Textual hands keys to the focused list as they arrive and checks bindings only after the
        queued keys have been seen, so "r" typed and at once followed by a name would open the
        ledger after the name had gone to the menu. Here the entry opens as its key is seen
        (and the app keeps the keys read from then on until the new screen has its focus), and
        keys that still reach the menu once another screen is on top go to it before those.
        """
        if self.app.screen is not self:
            if event.is_printable:
                event.stop()
                event.prevent_default()
                if isinstance(self.app, KeyGate):
                    self.app.key_read_before_gate((event.key, event.character))
                else:
                    self.app.post_message(events.Key(event.key, event.character))
            return
        entry = next((e for e in MENU_ENTRIES if e.key == event.key), None)
        if entry is not None:
            event.stop()
            event.prevent_default()
            self.action_open_entry(entry.id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.query_one("#menu-description", Static).update(entry_by_id(event.option.id).description)

    def on_descendant_focus(self) -> None:
        focused = self.focused
        if isinstance(focused, OptionList):
            if focused.highlighted is None:
                focused.highlighted = 0
            option = focused.highlighted_option
            if option is not None and option.id:
                self.query_one("#menu-description", Static).update(entry_by_id(option.id).description)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.action_open_entry(event.option.id)

    def action_open_entry(self, entry_id: str) -> None:
        """Open the screen of the entry ``entry_id``; keys typed meanwhile wait for its focus."""
        if isinstance(self.app, KeyGate):
            self.app.hold_keys_until_focus()
        self.app.push_screen(entry_by_id(entry_id).screen())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans("åäö", "aao"))).strip("-")
