"""The audit log in words: every code recorded has a Swedish label, and details read as Swedish.

The codes are read from the source (every ``audit.record``/``audit.record_many`` call in
tui_inkasso), so a new action without a label fails here, not in front of staff.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.ledger_data import SmallLedger, small
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.migration_v3 import convert
from tui_inkasso.screens.audit import AuditScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.services import audit
from tui_inkasso.services.audit import ACTION_LABELS, OBJECT_LABELS, AuditLine, readable_details
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["small"]  # the fixture, imported for pytest

PACKAGE = Path(audit.__file__).resolve().parents[1]


class Unresolved(Exception):
    """A code argument the scan cannot follow to string constants."""


class _Scan(ast.NodeVisitor):
    """Collect (action, object type) codes of every audit call in one module."""

    def __init__(self, calls_by_keyword: dict[str, list[ast.expr]]) -> None:
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.calls_by_keyword = calls_by_keyword
        self.actions: set[str] = set()
        self.objects: set[str] = set()
        self.calls = 0

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit":
            if func.attr == "record":
                self._add(node.args[0], node.args[1])
            elif func.attr == "record_many":
                entries = node.args[0]
                elts = [entries.elt] if isinstance(entries, ast.ListComp) else getattr(entries, "elts", None)
                if not elts or not all(isinstance(e, ast.Tuple) for e in elts):
                    raise Unresolved(f"record_many({ast.unparse(entries)[:60]})")
                for entry in elts:
                    self._add(entry.elts[0], entry.elts[1])  # type: ignore[attr-defined]
        self.generic_visit(node)

    def _add(self, action: ast.expr, object_type: ast.expr) -> None:
        self.calls += 1
        self.actions |= self._codes(action)
        self.objects |= self._codes(object_type)

    def _codes(self, node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self._codes(node.body) | self._codes(node.orelse)
        if isinstance(node, ast.Name) and self.functions:
            return self._name(node.id, self.functions[-1])
        raise Unresolved(ast.unparse(node))

    def _name(self, name: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        """A local set from constants, or a parameter: its default and what callers pass by keyword."""
        found: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found |= self._codes(node.value)
        args = function.args
        defaults = dict(zip([a.arg for a in args.kwonlyargs], args.kw_defaults, strict=True))
        defaults |= dict(zip([a.arg for a in args.args][-len(args.defaults):], args.defaults, strict=False))
        if name in defaults and defaults[name] is not None:
            found |= self._codes(defaults[name])  # type: ignore[arg-type]
            for passed in self.calls_by_keyword.get(name, []):
                found |= self._codes(passed)
        if not found:
            raise Unresolved(name)
        return found


def _recorded_codes() -> tuple[set[str], set[str], int]:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}
    by_keyword: dict[str, list[ast.expr]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg:
                        by_keyword.setdefault(keyword.arg, []).append(keyword.value)
    actions: set[str] = set()
    objects: set[str] = set()
    calls = 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "tui_inkasso.services.audit":
                assert not {"record", "record_many"} & {a.name for a in node.names}, (
                    f"{path}: call audit.record, so the label test finds the code")
        scan = _Scan(by_keyword)
        try:
            scan.visit(tree)
        except Unresolved as exc:
            pytest.fail(f"{path.relative_to(PACKAGE.parent)}: cannot tell which code {exc} records")
        actions |= scan.actions
        objects |= scan.objects
        calls += scan.calls
    return actions, objects, calls


def test_every_recorded_code_has_a_swedish_label() -> None:
    actions, objects, calls = _recorded_codes()
    assert calls >= 30 and len(actions) >= 30, "the scan found the audit calls"
    assert {"invoice.excluded", "payment.booked", "case.payment", "dunning.unblocked"} <= actions
    assert {"customer", "invoice", "collection_case"} <= objects
    assert sorted(actions - ACTION_LABELS.keys()) == []
    assert sorted(objects - OBJECT_LABELS.keys()) == []


@pytest.mark.parametrize(
    ("action", "object_id", "stored", "shown"),
    [
        ("setting.changed", "collection.system", "'none' -> 'intrum'", "Inkassosystem: Inget – Excelfil → Intrum"),
        ("setting.changed", "mail.starttls", "'ja' -> 'nej'", "Kryptera med STARTTLS: Ja → Nej"),
        ("setting.changed", "dunning.min_amount", "'0.00' -> '100.00'",
         "Lägsta belopp för påminnelse (kr): 0,00 → 100,00"),
        ("setting.changed", "mail.host", "'' -> 'smtp.exempel.se'", "E-postserver (SMTP): (tomt) → smtp.exempel.se"),
        ("case.status", "IK-1", "registrerat -> hos Kronofogden: ansökan inskickad",
         "Registrerat → Hos Kronofogden: ansökan inskickad"),
        ("dunning.unblocked", "2026008", "'Tvist' -> None", "Tvist → (ingen spärr)"),
        ("dunning.blocked", "2026008", "Tvist om hyran", "Tvist om hyran"),
        ("service.run", "1", "schedule 2026-11-28T06:00: failed – disken är full",
         "Schemalagd 2026-11-28 06:00: Misslyckades – disken är full"),
        ("service.run", "1", "manual manual-20261128T060000.000001: ok /tmp/a.xml", "Manuell: Klar /tmp/a.xml"),
        ("service.created", "1",
         "name=Natt, service=saldofil, description=, enabled=True, notify_emails=, notify_success=False, "
         "frequency=day, weekdays=, month_day=None, every_hours=None, at_time=06:00",
         "Namn: Natt; Tjänst: Skapa saldofil; Schema: Varje dag kl. 06:00; Aktiv: ja"),
        ("payment.booked", "7", "payment 1234.50 kr via bankgiro på faktura 2026001",
         "Betalning 1\u00a0234,50 kr via Bankgiro på faktura 2026001"),
        ("dunning.notice", "2026001", "Påminnelse (nivå 1), avgift 60.00, ränta 12.34, körning 5",
         "Påminnelse (nivå 1), avgift 60,00, ränta 12,34, körning 5"),
        ("outbox.enqueued", "3", "a.xml -> sftp://h/in", "a.xml → sftp://h/in"),
        ("invoice.excluded", "2026008", "undantagen från inkasso: a -> b", "undantagen från inkasso: a -> b"),
        ("setting.changed", "collection.system", "något annat", "Inkassosystem: något annat"),
        ("payment.booked", "8", "payment 9000.00 kr via inkasso på faktura 2026001, överskott 550.00 kr till "
         "Överskjutande betalning inkasso",
         "Betalning 9\u00a0000,00 kr via Inkasso på faktura 2026001, överskott 550,00 kr till "
         "Överskjutande betalning inkasso"),
        ("case.payment", "9", "credit 100.00 kr via credit", "Kreditering 100,00 kr via Kredit"),
        ("case.payment_registered", "IK-1", "1234.50 på 2026001, betalning 7", "1\u00a0234,50 kr på 2026001, betalning 7"),
        ("case.created", "IK-1", "K1 Anna Berg, ägare BAB: 2026001 8450.00, 2026002 100.00",
         "K1 Anna Berg, ägare BAB: 2026001 8\u00a0450,00, 2026002 100,00"),
        ("collection.run", "IK-1", "2 ärenden, 3 fakturor, 12345.00 kr, Intrum, urval: alla ägare, fil: /x/a.txt",
         "2 ärenden, 3 fakturor, 12\u00a0345,00 kr, Intrum, urval: alla ägare, fil: /x/a.txt"),
        ("dunning.run", "4", "2026-11-28: 12 brev, avgifter 720.00, urval: alla, utelämnade: 1, fil: /x/b.pdf",
         "2026-11-28: 12 brev, avgifter 720,00, urval: alla, utelämnade: 1, fil: /x/b.pdf"),
        ("dunning.notice", "2026001", "Krav, nivå 2 (nivå 2), avgift 0.00, ränta 1.00, körning 5 extra",
         "Krav, nivå 2 (nivå 2), avgift 0,00, ränta 1,00, körning 5 extra"),
        ("dunning.levels", "all", "1 Påminnelse 8d avg 60.00 bet.tid 10d -> inga",
         "1 Påminnelse 8d avg 60.00 bet.tid 10d → inga"),
        ("dunning.reference_rates", "all", "standardtabellen sparad: 2026-01-01 2,00 %",
         "standardtabellen sparad: 2026-01-01 2,00 %"),
        ("balance_file.rewritten", "3", "S1 -> /x/s.xml (innehållet skiljer sig)", "S1 → /x/s.xml (innehållet skiljer sig)"),
        ("outbox.sent", "3", "a.xml -> /in/a.xml (fanns redan på servern)", "a.xml → /in/a.xml (fanns redan på servern)"),
        ("service.run", "1", "schedule 2026-11-28T06:00: interrupted (host:42)",
         "Schemalagd 2026-11-28 06:00: Avbruten (host:42)"),
        ("service.run", "1", "catch-up 2026-11-28T06:00: failed /x/f.xml – nätverket",
         "Efterkörning 2026-11-28 06:00: Misslyckades /x/f.xml – nätverket"),
        ("service.changed", "1",
         "name=Vecka, service=saldofil, description=Måndagar, enabled=False, notify_emails=a@b.se, "
         "notify_success=True, frequency=week, weekdays=0, month_day=None, every_hours=None, at_time=07:30",
         "Namn: Vecka; Tjänst: Skapa saldofil; Schema: Varje måndag kl. 07:30; Aktiv: nej; "
         "E-post: a@b.se (även när körningen lyckas); Beskrivning: Måndagar"),
        ("demo.created", "seed 1", "20000 invoices, business date 2026-11-28, after reset",
         "20000 fakturor, affärsdag 2026-11-28, efter tömning"),
        ("ledger.imported", "l.json", "l.json sha256 0123abcd: customers: 1 created, 2 updated, payments: 3 created, "
         "0 updated; updated: customers K2001: city, name; setting x",
         "l.json sha256 0123abcd: kunder: 1 nya, 2 ändrade, betalningar: 3 nya, 0 ändrade; ändrat: "
         "customers K2001: city, name; setting x"),
        ("case.note", "IK-1", "", ""),
    ],
)
def test_old_details_are_converted_once_and_read_as_before(
    action: str, object_id: str, stored: str, shown: str
) -> None:
    """What the version-2 program wrote, through migration 3 (db/migration_v3.py), reads as the
    old screen showed it; the stored form is a JSON object, and converting again changes nothing."""
    converted = convert(action, stored)
    assert isinstance(json.loads(converted), dict)
    assert convert(action, converted) == converted
    assert readable_details(action, object_id, converted) == shown


def test_a_line_names_action_and_object_and_keeps_the_codes() -> None:
    line = AuditLine(dt.datetime(2026, 11, 28, 10, 0), "testare", "invoice.excluded", "invoice", "2026008", "Tvist")
    assert (line.action_label, line.object_label) == ("Undantagen från inkasso", "Faktura 2026008")
    assert (line.action, line.object_type) == ("invoice.excluded", "invoice")
    whole = AuditLine(dt.datetime(2026, 11, 28), "testare", "dunning.levels", "dunning_levels", "all", "a -> b")
    assert whole.object_label == "Kravnivåer"


async def test_the_screen_shows_words_filters_on_codes_and_opens_an_entry(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one("#audit-table", PagedTable)
        rows = [table.row_at(i) for i in range(table.total)]
        shown = [tuple(c.plain if hasattr(c, "plain") else c for c in r.cells[2:]) for r in rows if r]
        assert shown == [
            ("Undantagen från inkasso", "Faktura 2026008", "Tvist om hyresnivå"),
            ("Ärende skapat", "Inkassoärende IK-2026-0001", "1 faktura, 9 125,50 kr"),
            ("Inställning ändrad", "Inställning collection.system", "Inkassosystem: Inget – Excelfil → Intrum"),
            ("Användare tillagd", "Användare testare", "Administratör (reskontrans första användare)"),
        ]
        await pilot.press("slash")  # / opens the filter of a table
        await type_text(pilot, "setting.changed")
        await settle(pilot)
        assert table.total == 1
        await pilot.press("enter")  # the filter box hands the focus to the table
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        body = str(app.screen._body)
        assert "Händelse: Inställning ändrad  (kod setting.changed)" in body
        assert "Objekt: Inställning collection.system  (kod setting)" in body
        assert "Inkassosystem: Inget – Excelfil → Intrum" in body
        assert 'Sparade uppgifter:\n{"old": "none", "new": "intrum"}' in body


def test_services_store_codes_and_words_only_as_text(sqlite_url: str) -> None:
    from tui_inkasso.db.models import AuditEntry
    from tui_inkasso.services import settings

    settings.set_setting("collection.system", "svea")
    audit.record("case.note", "collection_case", "IK-1", "Ringde, lovar betala")
    audit.record_many([("invoice.excluded", "invoice", "2026008", "Tvist"),
                       ("dunning.notice", "invoice", "2026009", {"name": "Krav", "level": 2, "fee": 0,
                                                                  "interest": 1250, "run": 3})])
    stored = {e.action: e.details for e in AuditEntry.select()}
    assert json.loads(stored["setting.changed"]) == {"old": "none", "new": "svea"}
    assert json.loads(stored["case.note"]) == {"text": "Ringde, lovar betala"}
    assert json.loads(stored["invoice.excluded"]) == {"text": "Tvist"}
    lines = {line.action: line for line in audit.recent()}
    assert lines["setting.changed"].readable_details == "Inkassosystem: Inget – Excelfil → Svea Inkasso"
    assert lines["dunning.notice"].readable_details == "Krav (nivå 2), avgift 0,00, ränta 12,50, körning 3"
    assert (lines["setting.changed"].has_codes, lines["case.note"].has_codes) == (True, False)
    assert lines["case.note"].readable_details == "Ringde, lovar betala"


def test_details_that_cannot_be_read_are_shown_as_stored() -> None:
    assert readable_details("payment.booked", "1", '{"kind": "payment"}') == '{"kind": "payment"}'
    assert readable_details("case.note", "1", "skrivet före JSON") == "skrivet före JSON"
    assert readable_details("case.note", "1", "{}") == ""
    assert readable_details("unknown.action", "1", '{"a": 1, "b": "x"}') == "a: 1; b: x"
