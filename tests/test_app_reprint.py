"""Återutskrift and kravspärr from the ledger view, by keyboard."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.dunning_app_helpers import (
    SIZE,
    small,
    to_invoice,
)
from tests.ledger_data import SmallLedger
from tests.tui_helpers import notifications, settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import (
    AuditEntry,
    Customer,
    Invoice,
)
from tui_inkasso.screens.ledger import InvoiceDetailScreen, LedgerScreen
from tui_inkasso.screens.reprint import LetterPreviewScreen, ReprintMenu
from tui_inkasso.widgets.dialogs import ConfirmDialog, PrintDialog, ReasonDialog
from tui_inkasso.widgets.paged_table import PagedTable

__all__ = ["small"]  # the fixture, imported for pytest

# --- reprint and blocks in the ledger -------------------------------------------------------------


async def test_reprint_preview_and_print_from_the_ledger(small: SmallLedger, tmp_path: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await to_invoice(pilot, "anna", "2026001")
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen), "no reminder yet: nothing to open"
        assert notifications(pilot)[-1][1] == "Inget att skriva ut"
        await pilot.press("escape", "escape")
        await to_invoice(pilot, "anna", "2026006")
        await pilot.press("p")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, ReprintMenu)
        assert [n.level for n in menu.notices] == [1, 2]
        assert menu.query_one(OptionList).highlighted == 1, "the latest letter first"
        await pilot.press("enter")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, LetterPreviewScreen)
        assert preview.text is not None and "Krav 1 avseende faktura 2026006" in preview.text
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PrintDialog)
        assert dialog.query_one(Input).value == str(tmp_path / "brev" / "aterutskrift-2026006-niva2.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LetterPreviewScreen)
        assert (tmp_path / "brev" / "aterutskrift-2026006-niva2.pdf").read_bytes().startswith(b"%PDF")
        assert notifications(pilot)[-1][1] == "PDF sparad", "saved to a file, not printed"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReprintMenu)
        await pilot.press("up", "s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "brev" / "aterutskrift-2026006-niva1.pdf").exists()
    reprints = AuditEntry.select().where(AuditEntry.action == "dunning.reprint")
    assert [e.object_id for e in reprints] == ["2026006", "2026006"]


async def test_reprint_from_the_invoice_detail(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await to_invoice(pilot, "anna", "2026005")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceDetailScreen)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReprintMenu)
        await pilot.press("f")
        await settle(pilot)
        text = app.screen.text
        assert text is not None and text.startswith("OBS: brevet sparades inte"), "imported: rebuilt, said so"


async def test_blocks_by_keyboard(small: SmallLedger) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await to_invoice(pilot, "bengt", "2026101")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")
        assert isinstance(app.screen, ReasonDialog), "a reason is required"
        await type_text(pilot, "Reklamation")
        await pilot.press("enter")
        await settle(pilot)
        assert Invoice.get(Invoice.number == "2026101").dunning_blocked_reason == "Reklamation"
        table = app.screen.query_one("#invoices", PagedTable)
        blocked = {table.row_at(i).data.number: table.row_at(i).data.blocked for i in range(table.total)}
        assert blocked == {"2026101": True, "2026102": False}, "shown in the Spärr column"
        while table.current_row.data.number != "2026101":
            await pilot.press("down")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert Invoice.get(Invoice.number == "2026101").dunning_blocked_reason is None
        await pilot.press("B")
        await settle(pilot)
        await type_text(pilot, "Betalningsplan")
        await pilot.press("enter")
        await settle(pilot)
        assert Customer.get(Customer.number == "K1002").dunning_blocked_reason == "Betalningsplan"
        card = str(app.screen.query_one("#customer-card", Static).render())
        assert "Kravspärr på kunden: Betalningsplan" in card
    actions = [a for (a,) in AuditEntry.select(AuditEntry.action).where(AuditEntry.action.startswith("dunning."))
               .order_by(AuditEntry.id).tuples()]
    assert actions == ["dunning.blocked", "dunning.unblocked", "dunning.blocked"]


