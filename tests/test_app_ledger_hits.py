"""The customer search says when it shows only the first 50 of more hits, and shows the count
when it shows them all."""

from __future__ import annotations

from tests.factories import make_customer
from tests.tui_helpers import settle, type_text
from tui_inkasso.app import InkassoApp
from tui_inkasso.screens.ledger import HIT_LIMIT
from tui_inkasso.widgets.paged_table import PagedTable


async def test_fifty_of_more_hits_is_said(sqlite_url: str) -> None:
    for n in range(HIT_LIMIT + 5):
        make_customer(f"K9{n:04d}", name=f"Svensson {n}", national_id="19800101-0001")
    make_customer("K8000", name="Ensam Ek", national_id="19800101-0001")
    app = InkassoApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "svensson")
        await settle(pilot)
        table = app.screen.query_one("#customers", PagedTable)
        assert table.total == HIT_LIMIT
        assert table.border_title == "Kunder: de 50 första av fler träffar – skriv mer för att hitta färre"
        await pilot.press("ctrl+u")
        await type_text(pilot, "ensam")
        await settle(pilot)
        assert (table.total, table.border_title) == (1, "Kunder (1)")
