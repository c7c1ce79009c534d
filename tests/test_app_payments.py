"""Reskontra → Betalningar by keyboard: choose a file in the terminal, the summary before booking,
book, the result log to Excel; refusals; a test file; the unmatched list with allocation and
prepayment. Asserts on the database and the files, not only on the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.conftest import SHARED_DOCS
from tests.payment_files import AGENCY, bgmax_payment, write_bgmax_file
from tests.staff import approve_pending
from tests.tui_helpers import notifications, type_text
from tests.tui_helpers import settle_tree as settle
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import Invoice, Payment, PaymentFile, Voucher
from tui_inkasso.formats.excel import read_xlsx_preview
from tui_inkasso.screens.payments import (
    ChooseFileScreen,
    FileTree,
    PaymentsScreen,
    ResultScreen,
    SummaryScreen,
)
from tui_inkasso.screens.unmatched import (
    CustomerPicker,
    InvoicePicker,
    UnmatchedPaymentsScreen,
)
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.settings import set_setting
from tui_inkasso.widgets.dialogs import ConfirmDialog
from tui_inkasso.widgets.paged_table import PagedTable

SIZE = (120, 36)


@pytest.fixture
def folder(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example ledger, and a folder of payment files the picker starts in."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()  # the example's agency bankgiro: proposed by the import, approved here
    files = tmp_path / "betalfiler"
    files.mkdir()
    set_setting("payments.import_dir", str(files))
    ocr = {i.number: i.ocr for i in Invoice.select()}
    write_bgmax_file(files, "bg-1.txt", [
        bgmax_payment(900000, ocr["100234"], sender=AGENCY, name="Inkassobyrån Exempel AB"),
        bgmax_payment(45000, ocr["100235"], name="Anna Andersson"),
        bgmax_payment(30000, "12345", name="Okänd Betalare", deposit="00002"),
    ])
    return files


async def _choose(pilot: Pilot[None], name: str) -> None:
    """In the file picker: move the cursor to ``name`` and press Enter."""
    tree = pilot.app.screen.query_one(FileTree)
    await settle(pilot)
    for _ in range(20):
        node = tree.cursor_node
        if node is not None and node.data is not None and node.data.path.name == name:
            await pilot.press("enter")
            await settle(pilot)
            return
        await pilot.press("down")
        await settle(pilot)
    raise AssertionError(f"{name} not found in the tree")


async def test_read_a_file_see_the_summary_book_and_export(folder: Path) -> None:
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PaymentsScreen)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ChooseFileScreen)
        assert app.screen.query_one(FileTree).path == folder
        await _choose(pilot, "bg-1.txt")
        assert isinstance(app.screen, SummaryScreen)
        text = str(app.screen.query_one("#import-summary", Static).render())
        assert "Betalningar" in text and "9\u00a0750,00\u00a0kr" in text
        assert re.search(r"Från inkassobolaget +1 +9\u00a0000,00\u00a0kr", text)
        assert "faktura 100234: 490,00\u00a0kr till 2421" in text  # the 60 kr fee is settled first
        assert PaymentFile.select().count() == 0, "nothing is booked before b"
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ResultScreen)
        assert PaymentFile.select().count() == 1 and Payment.select().where(Payment.payment_file.is_null(False)).count() == 3
        log = app.screen.query_one("#result-log", PagedTable)
        assert [log.row_at(i).data.kind for i in range(log.total)] == ["Överbetalning", "Ej matchad"]
        await pilot.press("x")
        await settle(pilot)
        prompt = app.screen.query_one(Input)
        assert prompt.value.endswith("betalfil-bg-1-20261128.xlsx")
        prompt.value = str(folder / "logg.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        header, rows = read_xlsx_preview(folder / "logg.xlsx")
        assert header[0] == "Typ" and [r[0] for r in rows] == ["Överbetalning", "Ej matchad"]
        assert any("Sparad" in message for _, _, message in notifications(pilot))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PaymentsScreen), "Esc from the result leads back to Betalningar"
        status = str(app.screen.query_one("#payments-status", Static).render())
        assert "1 ej matchad betalning" in status
        files = app.screen.query_one("#payment-files", PagedTable)
        assert files.total == 1 and files.row_at(0).data.file_name == "bg-1.txt"


async def test_a_refused_file_cannot_be_booked(folder: Path) -> None:
    copy = folder / "bg-1-kopia.txt"
    copy.write_bytes((folder / "bg-1.txt").read_bytes())
    from tui_inkasso.services.payment_import import import_payment_file

    import_payment_file(folder / "bg-1.txt")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "l")
        await _choose(pilot, "bg-1-kopia.txt")
        assert isinstance(app.screen, SummaryScreen)
        verdict = str(app.screen.query_one("#import-verdict", Static).render())
        assert "Filen kan inte läsas in" in verdict and "filen är redan inläst: bg-1.txt den 2026-11-28" in verdict
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen) and PaymentFile.select().count() == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChooseFileScreen)


async def test_a_test_file_is_allowed_with_t_and_a_typed_path_works(folder: Path) -> None:
    path = write_bgmax_file(folder / "..", "testfil.txt", [bgmax_payment(1000, "77777")], test=True)
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "l")
        await settle(pilot)
        await pilot.press("ctrl+l")
        field = app.screen.query_one("#file-path", Input)
        assert app.focused is field
        field.value = str(path.resolve())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert "testfil" in str(app.screen.query_one("#import-verdict", Static).render())
        await pilot.press("t")
        await settle(pilot)
        assert app.screen.plan.can_import
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ResultScreen) and PaymentFile.get().file_name == "testfil.txt"


async def test_unreadable_file_is_reported_and_nothing_opens(folder: Path) -> None:
    (folder / "fel.txt").write_text("Datum;Belopp\n")
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "l")
        await _choose(pilot, "fel.txt")
        assert isinstance(app.screen, ChooseFileScreen)
        [(severity, title, message)] = [n for n in notifications(pilot) if n[0] == "error"]
        assert title == "Kunde inte utföras" and message.startswith("fel.txt, rad 1, fält posttyp")


async def test_allocate_and_prepay_unmatched_payments_by_keyboard(folder: Path) -> None:
    from tui_inkasso.services.payment_import import import_payment_file

    ocr = {i.number: i.ocr for i in Invoice.select()}
    write_bgmax_file(folder, "bg-2.txt", [bgmax_payment(5000, "999", name="Märta Månsson", deposit="00003"),
                                          bgmax_payment(7000, "", name="Anna Andersson", deposit="00004")],
                     created=__import__("datetime").datetime(2026, 9, 26, 8))
    import_payment_file(folder / "bg-1.txt")
    import_payment_file(folder / "bg-2.txt")
    assert ocr
    app = InkassoApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "e")
        await settle(pilot)
        assert isinstance(app.screen, UnmatchedPaymentsScreen)
        table = app.screen.query_one("#unmatched", PagedTable)
        assert table.total == 3
        while table.current_row.data.payer_name != "Okänd Betalare":
            await pilot.press("down")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, InvoicePicker)
        search = app.screen.query_one(Input)
        assert search.value == "12345"
        search.value = ""
        await type_text(pilot, "100237")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and "faktura 100237" in app.screen.question
        await pilot.press("j")
        await settle(pilot)
        assert isinstance(app.screen, UnmatchedPaymentsScreen)
        assert Invoice.get(Invoice.number == "100237").balance == 845000 - (30000 - 6000), "the 60 kr fee first"
        allocated = Payment.get(Payment.payer_name == "Okänd Betalare")
        assert allocated.status == "booked" and Voucher.select().where(Voucher.payment == allocated.id).count() == 2
        assert table.total == 2
        while table.current_row.data.payer_name != "Anna Andersson":
            await pilot.press("down")
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, CustomerPicker)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert Payment.get(Payment.amount == 7000).status == "unmatched", "n changes nothing"
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter", "j")
        await settle(pilot)
        kept = Payment.get(Payment.amount == 7000)
        assert kept.status == "prepayment" and kept.customer.number == "K1001"
        assert table.total == 1
        await pilot.press("slash")  # / opens the filter of a table
        await type_text(pilot, "xyz")
        await pilot.press("enter")
        await settle(pilot)
        assert table.total == 0


def test_the_summary_groups_the_thousands_of_its_counts() -> None:
    """A 30,000-payment file: "30 000" betalningar (it said "30000")."""
    import datetime as dt

    from tui_inkasso.screens.payments import summary_text
    from tui_inkasso.services.payment_report import ImportSummary

    summary = ImportSummary(
        file_name="bgmax.txt", format="bgmax", file_id="1", sha256="", is_test=False,
        created_at=dt.datetime(2026, 11, 27, 18, 0), sections=(), payments=30_000, amount=6_905_859_022,
        matched=28_500, matched_amount=1, unmatched=1_500, unmatched_amount=1, collection_payments=1_200,
        collection_amount=1, deductions=600, deduction_amount=-1, overpayments=(), warnings=(), log=())
    text = summary_text(summary).plain
    assert "30\u00a0000" in text and "28\u00a0500" in text and "1\u00a0500" in text and "30000" not in text
