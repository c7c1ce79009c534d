"""Reskontra → Inkassoärenden by keyboard: the register (filter, open cases only), the case screen
(status with a note, a note, a payment on an invoice, closing), keys only where they apply."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from tests.collection_app_helpers import SIZE, ledger
from tests.collection_data import DAY, CollectionLedger
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import CaseEvent, CollectionCase, Invoice, Payment
from tui_inkasso.screens.cases import CaseListScreen, CaseScreen, PaymentDialog, StatusDialog
from tui_inkasso.services import collection_run
from tui_inkasso.widgets.dialogs import ReasonDialog
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["ledger"]  # the fixture, imported for pytest


async def test_register_and_case_screen_by_keyboard(ledger: CollectionLedger) -> None:
    collection_run.create_cases(DAY, None, ledger.ready_ids(), "inhouse")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseListScreen)
        table = screen.query_one("#cases", PagedTable)
        assert table.total == 6 and table.row_at(0).cells[0].plain == "IK-2026-000006"
        await pilot.press("slash")
        await type_text(pilot, "anna")
        await settle(pilot)
        assert [table.row_at(i).cells[0].plain for i in range(table.total)] == ["IK-2026-000002", "IK-2026-000001"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        case_screen = app.screen
        assert isinstance(case_screen, CaseScreen)
        case = CollectionCase.get(CollectionCase.number == "IK-2026-000002")
        assert case_screen.case_id == case.id
        card = str(case_screen.query_one("#case-card", Static).render())
        assert "IK-2026-000002" in card and "Anna Andersson" in card and "Status: Registrerat" in card
        assert case_screen.query_one("#case-invoices", PagedTable).total == 3
        payments = case_screen.query_one("#case-payments", PagedTable)
        assert payments.total == 1 and "före ärendet" in payments.row_at(0).cells[4].plain
        # F3: status with a note.
        await pilot.press("f3")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StatusDialog)
        options = dialog.query_one("#status-list", OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "Registrerat", "Inkassokrav skickat", "Avbetalningsplan", "Hos Kronofogden", "Avslutat"]
        while options.highlighted_option.id != "avbetalningsplan":
            await pilot.press("down")
        await pilot.press("enter")
        await type_text(pilot, "500 kr per månad")
        await pilot.press("enter")
        await settle(pilot)
        assert CollectionCase.get_by_id(case.id).status == "avbetalningsplan"
        event = CaseEvent.get((CaseEvent.case == case.id) & (CaseEvent.kind == "status"))
        assert event.text == "Status: Registrerat → Avbetalningsplan. 500 kr per månad"
        # n: a note.
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "Ringde kunden")
        await pilot.press("enter")
        await settle(pilot)
        # b: a payment on 3002.
        await pilot.press("b")
        await settle(pilot)
        pay = app.screen
        assert isinstance(pay, PaymentDialog)
        pay.query_one("#pay-invoice").value = ledger.id("3002")
        await type_text(pilot, "1205,36")  # capital 950,00, fees 240,00, interest 15,36
        await pilot.press("enter")
        await settle(pilot)
        paid = Invoice.get_by_id(ledger.id("3002"))
        assert (paid.balance, paid.fees, paid.interest) == (0, 0, 0), "the whole claim settled"
        payment = Payment.select().where(Payment.invoice == ledger.id("3002")).get()
        assert payment.collection_case_id == case.id and payment.amount == 120_536
        assert "saldokorrigering" in " ".join(
            case_screen.query_one("#case-payments", PagedTable).row_at(i).cells[4].plain for i in range(2))
        # F3: Hos Kronofogden (stored with a capital K, chosen from the list by its label).
        await pilot.press("f3")
        await settle(pilot)
        options = app.screen.query_one("#status-list", OptionList)
        while options.highlighted_option.id != "hos Kronofogden":
            await pilot.press("down")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, StatusDialog)
        assert CollectionCase.get_by_id(case.id).status == "hos Kronofogden"
        assert "Status: Hos Kronofogden" in str(case_screen.query_one("#case-card", Static).render())
        # x: close, with a reason; then no payment and no closing keys.
        assert "x" in case_screen.active_bindings and "b" in case_screen.active_bindings
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "Uppgörelse klar")
        await pilot.press("enter")
        await settle(pilot)
        closed = CollectionCase.get_by_id(case.id)
        assert closed.status == "avslutat" and closed.closed_at is not None
        assert "x" not in case_screen.active_bindings and "b" not in case_screen.active_bindings
        kinds = [e.kind for e in CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.id)]
        assert kinds == ["created", "status", "note", "payment", "status", "closed"]
        events = case_screen.query_one("#case-events", PagedTable)
        assert events.row_at(0).cells[3].plain == "Ärendet avslutat: Uppgörelse klar"
        # Back in the register: only open cases.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        await pilot.press("slash")
        screen.query_one("#cases-filter", Input).value = ""
        await pilot.press("enter", "o")
        await settle(pilot)
        assert table.total == 5 and table.border_title == "Öppna inkassoärenden (5)"
