"""A line of parts ("7 fakturor · 5 ärenden · saldo 29 400,00 kr") that wraps only between parts.

Rich wraps text at any whitespace, the no-break space included (Python's ``\\s`` matches it), so
at 80 columns a summary line broke inside an amount or "1 | markerade". :class:`Parts` lays the
parts out for the width it is drawn at: as many whole parts on a line as fit, the separator
between them; a part wider than a line is folded.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


class Parts:
    """Parts joined by ``separator``, wrapped between parts only."""

    def __init__(self, parts: Sequence[Text | str], separator: str = " · ") -> None:
        self.parts = [part if isinstance(part, Text) else Text(part) for part in parts]
        self.separator = separator

    @property
    def plain(self) -> str:
        """The parts on one line, as text."""
        return self.separator.join(part.plain for part in self.parts)

    def __str__(self) -> str:
        return self.plain

    def lines(self, width: int) -> list[Text]:
        """The parts laid out in lines of at most ``width`` cells (a longer part alone)."""
        lines: list[Text] = []
        line = Text()
        for part in self.parts:
            if line.cell_len and line.cell_len + len(self.separator) + part.cell_len > width:
                lines.append(line)
                line = Text()
            if line.cell_len:
                line.append(self.separator)
            line.append_text(part)
        if line.cell_len or not lines:
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.overflow = "fold"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((part.cell_len for part in self.parts), default=0)
        return Measurement(min(widest, options.max_width), min(Text(self.plain).cell_len, options.max_width))
