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


def test_no_amount_or_count_in_screen_text_can_break_across_lines() -> None:
    """Running text shows an amount with ``format_kronor`` ("1 234,50 kr", no-break spaces) and a
    count with ``count_of``: a plain space before "kr" let "5 429,00" and "kr" fall on two lines,
    and "{n} fakturor" gave "1 fakturor" and "20022 fakturor"."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "tui_inkasso"
    plain_kr = re.compile(r"\{format_sek\([^{}]*\)\} kr")
    bare_count = re.compile(r"\{(?:len\([^)]*\)|[a-z_.]*count|[a-z_.]*invoices)\} (?:fakturor|hyresavtal|påminnelser|"
                            r"rader|filer|saldofiler|månader|händelser|markerade|utelämnade|rapporterad)")
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for path in [*root.glob("screens/*.py"), *root.glob("widgets/*.py")]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if plain_kr.search(line) or bare_count.search(line)]
    assert found == []


def test_a_count_in_a_title_groups_its_thousands() -> None:
    """"Alla inkassoärenden (8156)", "Utan händelse (1981)": a count in brackets goes through
    ``format_count`` ("8 156") like any other count on screen."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "tui_inkasso"
    bare = re.compile(r"\(\{(?:len\([^)]*\)|[a-z_.]*(?:count|total))\}\)|\{[a-z_.]*count\} ej ")
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for path in [*root.glob("screens/*.py"), *root.glob("widgets/*.py")]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if bare.search(line)]
    assert found == []
