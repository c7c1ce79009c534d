"""An amount in running text stays on one line where the text wraps (its thousands are grouped
with no-break spaces, which Rich took for spaces: "totalt 47 | 779 949,28 kr." at 80 columns)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui_inkasso.app import InkassoApp
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.services.collection_run import count

__all__ = ["InkassoApp"]  # importing the app puts the wrapping rule in place


class LineApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(Text(f"Ärenden skapade, totalt {format_kronor(4_777_994_928)}. Klart."), id="line")


async def test_an_amount_is_never_split_across_lines() -> None:
    async with LineApp().run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        static = pilot.app.query_one("#line", Static)
        lines = [static.render_line(y).text.rstrip() for y in range(static.size.height)]
        assert lines[:2] == ["Ärenden skapade, totalt", "47\u00a0779\u00a0949,28\u00a0kr. Klart."], lines


def test_counts_in_the_collection_message_group_thousands() -> None:
    assert count(6358, "faktura", "fakturor") == "6\u00a0358 fakturor" and count(1, "faktura", "fakturor") == "1 faktura"
