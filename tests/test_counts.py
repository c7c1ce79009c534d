"""Counts and amounts in running text never break across lines and agree with their noun."""

from __future__ import annotations

from tui_inkasso.domain.counts import NBSP, count_of, format_count
from tui_inkasso.domain.money import format_kronor


def test_counts_are_grouped_and_agree() -> None:
    assert format_count(20022) == f"20{NBSP}022" and format_count(999) == "999" and format_count(-1500) == f"-1{NBSP}500"
    assert count_of(1, "faktura", "fakturor") == f"1{NBSP}faktura"
    assert count_of(0, "faktura", "fakturor") == f"0{NBSP}fakturor"
    assert count_of(20022, "faktura", "fakturor") == f"20{NBSP}022{NBSP}fakturor"


def test_an_amount_in_running_text_keeps_its_kr() -> None:
    assert format_kronor(3001397) == f"30{NBSP}013,97{NBSP}kr"
    assert " " not in format_kronor(123456789), "no ordinary space a line could break at"
