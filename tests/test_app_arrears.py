"""Reskontra → Obetald hyra and Uppsagda hyresavtal, Inställningar → Socialnämnder, driven by keyboard
with the Pilot; and the termination shown on an invoice (the ledger's and the wizard's detail)."""

from __future__ import annotations

import datetime as dt

from textual.pilot import Pilot

from tests.arrears_data import DAY, ArrearsLedger, arrears_sqlite, pay
from tests.tui_helpers import footer_keys, notifications, settle, table_data, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import ArrearsExclusion, Socialnamnd, Termination
from tui_inkasso.screens.arrears import ArrearsScreen
from tui_inkasso.screens.ledger import InvoiceDetailScreen
from tui_inkasso.screens.scheduled import TextScreen
from tui_inkasso.screens.terminations import TerminationsScreen
from tui_inkasso.services import arrears_run
from tui_inkasso.widgets.mark_table import MarkTable

__all__ = ["arrears_sqlite"]  # the fixture, imported for pytest

SIZE = (120, 40)


async def _open_list(pilot: Pilot[None]) -> ArrearsScreen:
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("f2")  # the selection as it is
    await settle(pilot)
    assert isinstance(pilot.app.screen, ArrearsScreen)
    return pilot.app.screen


async def _to(pilot: Pilot[None], table: MarkTable, contract: str) -> None:
    await pilot.press("home")
    for _ in range(table.total):
        row = table.current_row
        if row is not None and row.key == contract:
            return
        await pilot.press("down")
    raise AssertionError(f"{contract} is not in the table")


async def test_the_list_leave_out_preview_and_terminate(arrears_sqlite: ArrearsLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_list(pilot)
        ready = screen.query_one("#arrears-ready", MarkTable)
        assert [c.contract_number for c in table_data(app, "#arrears-ready")] == ["H-DWELL-LATE", "H-MALMO",
                                                                                   "H-PREM-LATE"]
        keys = footer_keys(app)
        assert keys["f2 Säg upp"] and keys["u Undanta"] and "i Inkludera" not in keys, "the list is read"
        await pilot.press("tab")
        await settle(pilot)
        keys = footer_keys(app)
        assert "i Inkludera" in keys and "u Undanta" not in keys, "the keys follow the table with the focus"
        await pilot.press("tab")
        await _to(pilot, ready, "H-MALMO")
        await pilot.press("u")
        await type_text(pilot, "Socialtjänsten utreder")
        await pilot.press("enter")
        await settle(pilot)
        assert ArrearsExclusion.get().reason == "Socialtjänsten utreder"
        assert [c.contract_number for c in table_data(app, "#arrears-excluded")] == ["H-MALMO"]
        await _to(pilot, ready, "H-DWELL-LATE")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        await pilot.press("escape")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen) and "förhandsvisning" in app.screen._title
        assert "MEDDELANDE TILL SOCIALNÄMND" in " ".join(app.screen._body.split())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("space")  # H-DWELL-LATE, the cursor moves to H-PREM-LATE
        await pilot.press("space")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen) and app.screen._title == "Uppsägning klar"
        assert {t.contract.number for t in Termination.select()} == {"H-DWELL-LATE", "H-PREM-LATE"}
        await pilot.press("escape")
        await settle(pilot)
        assert table_data(app, "#arrears-ready") == []


async def test_the_state_view_records_service_and_receipt(arrears_sqlite: ArrearsLedger) -> None:
    arrears_run.terminate(["H-DWELL-LATE", "H-PREM-LATE"], DAY)
    pay(arrears_sqlite.invoice("prem"), 1_000_00, DAY)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, TerminationsScreen)
        assert [v.contract_number for v in table_data(app, "#terminations-table")] == ["H-PREM-LATE", "H-DWELL-LATE"]
        await pilot.press("down")  # H-DWELL-LATE
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "2026-12-08")  # the date field's text is selected: typing replaces it
        await pilot.press("enter", "down", "down", "enter")  # Stämningsman
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("enter")  # today, the default
        await settle(pilot)
        view = next(v for v in table_data(app, "#terminations-table") if v.contract_number == "H-DWELL-LATE")
        assert (view.served_how, view.last_day) == ("process_server", dt.date(2026, 12, 29))
        await pilot.press("home", "m")
        await settle(pilot)
        assert any("lokal" in text for _, _, text in notifications(pilot))
        await pilot.press("p")
        await settle(pilot)
        assert any("Underlaget finns när hyran inte betalades" in text for _, _, text in notifications(pilot))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        body = " ".join(app.screen._body.split())
        assert "Betalt i tid: 1 000,00 kr" in body and "Väntar på delgivning" in body


async def test_a_date_in_the_future_is_refused_in_the_dialog(arrears_sqlite: ArrearsLedger) -> None:
    arrears_run.terminate(["H-PREM-LATE"], DAY)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "2026-12-09")
        await pilot.press("f2")
        await settle(pilot)
        error = app.screen.query_one("#date-error").render()
        assert "ligger efter i dag (2026-12-08)" in str(error)
        assert Termination.get().served_on is None


async def test_the_register_screen_adds_an_address(arrears_sqlite: ArrearsLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert [b.municipality for b in table_data(app, "#socialnamnd-table")] == ["Malmö", "Uppsala"]
        await pilot.press("e")  # Malmö, no address yet
        await settle(pilot)
        await pilot.press("enter")  # the municipality as it is
        await type_text(pilot, "Box 9")
        await pilot.press("f2")
        await settle(pilot)
        assert "saknar postnummer" in str(app.screen.query_one("#board-error").render())
        assert app.screen.focused is app.screen.query_one("#board-address"), "the field refused has the focus"
        await pilot.press("home")
        await type_text(pilot, "Socialtjänsten, ")
        await pilot.press("end")
        await type_text(pilot, ", 205 80 Malmö")
        await pilot.press("f2")
        await settle(pilot)
        assert Socialnamnd.get(Socialnamnd.municipality == "Malmö").address == "Socialtjänsten\nBox 9\n205 80 Malmö"


async def test_an_invoice_in_a_running_termination_says_so(arrears_sqlite: ArrearsLedger) -> None:
    arrears_run.terminate(["H-DWELL-LATE"], DAY)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(InvoiceDetailScreen(arrears_sqlite.invoices["late"].id))
        await settle(pilot)
        text = str(app.screen.query_one("#detail-termination").render())
        assert "Hyresavtalet H-DWELL-LATE är uppsagt 2026-12-08 för obetald hyra" in " ".join(text.split())
        assert "Beslut om inkasso fattas för sig" in " ".join(text.split())


async def test_the_collection_wizard_says_when_its_invoices_are_in_a_termination(
        arrears_sqlite: ArrearsLedger) -> None:
    from tui_inkasso.db.models import DunningLevelConfig, Invoice
    from tui_inkasso.services.ready_for_collection import ready_for_collection_query

    arrears_run.terminate(["H-DWELL-LATE"], DAY)
    DunningLevelConfig.create(level=1, name="Påminnelse", days=10, fee=0, deadline_days=10, kind="reminder_no_fee")
    DunningLevelConfig.create(level=2, name="Inkassokrav", days=10, fee=0, deadline_days=10,
                              kind="collection_demand")
    Invoice.update(dunning_level=2, dunning_date=dt.date(2026, 11, 10),
                   dunning_deadline=dt.date(2026, 11, 20)).where(
        Invoice.id == arrears_sqlite.invoices["late_old"].id).execute()
    assert ready_for_collection_query(DAY).count() == 1
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        shown = [text for _, title, text in notifications(pilot) if title == "Uppsagda hyresavtal"]
        assert shown and shown[0].startswith("1 faktura i listan gäller hyra i ett hyresavtal som är uppsagt")
