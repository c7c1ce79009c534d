"""Charts of amounts in the terminal (textual-plotext): stacked bars, grouped bars, a line.

The reports draw their pictures with Plotext through ``textual_plotext.PlotextPlot``, which
renders to plain text cells, so a chart works over SSH in any terminal. Three rules make it
readable for staff:

* **Colours for the theme.** Each series has a colour for the dark and one for the light theme
  (:data:`RAMP` from calm to alarming for ordered series, a few distinct ones for the rest),
  picked when the chart is drawn, so each theme gets colours that stand out against its own
  background.
* **Without colour, a pattern.** With ``NO_COLOR`` (Textual drops every colour), the series are
  drawn with different fill characters (``·`` ``░`` ``▒`` ``▓`` ``█`` ...), and the legend shows
  the same characters, so the segments of a stacked bar can still be told apart.
* **Amounts as people say them.** The axis shows kronor in round steps ("500 tkr", "1,5 mn"),
  never Plotext's raw floats; the chart is a picture of the table beside it, which has the öre.

The legend is not drawn inside the plot (Plotext puts it over the bars): :meth:`MoneyChart.legend`
gives it as a line of text for a ``Static`` under the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

Kind = Literal["stacked", "grouped", "line"]

PATTERNS = ("·", "░", "▒", "▓", "█", "#", "%", "=", "+", "x")
"""Fill characters by series, light to dark, used when there is no colour."""

SOLID = "█"


Colour = tuple[str, str]
"""A series' colour in the dark and in the light theme ("#rrggbb" each): the themes' own
accent colours are too few and too alike for six buckets, so charts bring their own, each
chosen to stand out against its theme's background."""

RAMP: tuple[Colour, ...] = (
    ("#66bb6a", "#2e7d32"),  # green: calm
    ("#d4e157", "#9e9d24"),
    ("#ffca28", "#f9a825"),
    ("#ffa726", "#ef6c00"),
    ("#ff7043", "#d84315"),
    ("#ef5350", "#b71c1c"),  # red: alarming
)
"""Calm to alarming, for ordered series such as age buckets (:func:`ramp`)."""

BLUE: Colour = ("#42a5f5", "#1565c0")
GREEN: Colour = ("#66bb6a", "#2e7d32")
TEAL: Colour = ("#26c6da", "#00838f")
ORANGE: Colour = ("#ffa726", "#e65100")
PURPLE: Colour = ("#ce93d8", "#6a1b9a")


def ramp(count: int) -> list[Colour]:
    """``count`` colours from calm to alarming, spread over :data:`RAMP` (blended between its
    stops when there are more series than stops)."""
    if count <= 1:
        return [RAMP[0]][:count]
    result: list[Colour] = []
    for index in range(count):
        position = index * (len(RAMP) - 1) / (count - 1)
        low = int(position)
        high = min(low + 1, len(RAMP) - 1)
        share = position - low
        light, dark = (Color.parse(RAMP[low][k]).blend(Color.parse(RAMP[high][k]), share).hex.lower()
                       for k in (0, 1))
        result.append((light, dark))
    return result


@dataclass(frozen=True)
class Series:
    """One series: its name in the legend, a value (öre) per label, its colour."""

    label: str
    values: Sequence[int]
    colour: Colour = BLUE


def nice_step(largest: float, ticks: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers ``largest`` in about ``ticks`` steps."""
    if largest <= 0:
        return 1.0
    rough = largest / max(ticks, 1)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power


def kronor_label(kronor: float, step: float) -> str:
    """An axis label: "0", "750", "2,5 tkr", "500 tkr", "1,5 mn" (Swedish decimal comma); the
    unit is the largest one the step is at least a tenth of, so neighbouring labels differ."""
    if kronor == 0:
        return "0"
    for size, unit in ((1_000_000_000, "md"), (1_000_000, "mn"), (1_000, "tkr")):
        if abs(kronor) >= size and step >= size / 10:
            text = f"{kronor / size:.2f}".rstrip("0").rstrip(".")
            return f"{text.replace('.', ',')} {unit}"
    return f"{kronor:.0f}"


class MoneyChart(PlotextPlot):
    """A chart of amounts per label (a group, a month), redrawn to the widget's size."""

    DEFAULT_CSS = """
    MoneyChart { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._kind: Kind = "stacked"
        self._labels: list[str] = []
        self._series: list[Series] = []

    def show(self, kind: Kind, labels: Sequence[str], series: Sequence[Series]) -> None:
        """Draw ``series`` over ``labels`` (the first label at the top of a stacked chart)."""
        self._kind = kind
        self._labels = list(labels)
        self._series = list(series)
        self.refresh()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing above zero to draw."""
        return not any(v > 0 for s in self._series for v in s.values)

    # ------------------------------------------------------------------ drawing

    def render(self) -> RenderResult:
        """Draw the data at the current size (Plotext needs the size before it lays out)."""
        plt = self.plt
        plt.clear_figure()
        width, height = self.size.width, self.size.height
        if width < 10 or height < 3 or not self._labels or self.is_empty:
            return Text("")
        plt.plotsize(width, height)
        if self._kind == "stacked":
            self._stacked(width)
        elif self._kind == "grouped":
            self._grouped(width)
        else:
            self._line(width)
        return super().render()

    def _colour(self, colour: Colour) -> tuple[int, int, int] | str:
        """The series' colour for the theme in use, as Plotext takes it ("default": no colour)."""
        if self.app.no_color:
            return "default"
        color = Color.parse(colour[1] if self.app.current_theme.dark is False else colour[0])
        return (color.r, color.g, color.b)

    def marker(self, index: int) -> str:
        """The fill character of series ``index``: solid in colour, a pattern without."""
        return PATTERNS[index % len(PATTERNS)] if self.app.no_color else SOLID

    def _kronor(self, series: Series) -> list[float]:
        """A series in kronor for the picture (a chart is not a ledger: floats are fine here)."""
        return [max(v, 0) / 100 for v in series.values]

    def _value_ticks(self, largest: float, room: int) -> tuple[list[float], list[str]]:
        step = nice_step(largest, max(2, min(6, room // 12)))
        top = step * math.ceil(largest / step) if largest > 0 else step
        values = [step * i for i in range(int(round(top / step)) + 1)]
        return values, [kronor_label(v, step) for v in values]

    def _stacked(self, width: int) -> None:
        plt = self.plt
        labels = [_short(label, max(8, width // 5)) for label in reversed(self._labels)]
        data = [list(reversed(self._kronor(s))) for s in self._series]
        plt.stacked_bar(labels, data, orientation="horizontal", width=3 / 5,
                        marker=[self.marker(i) for i in range(len(data))],  # type: ignore[arg-type]  # one a series
                        color=[self._colour(s.colour) for s in self._series])  # type: ignore[arg-type]  # (plotext's hint: one)
        totals = [sum(values) for values in zip(*data, strict=True)]
        ticks, names = self._value_ticks(max(totals, default=0), width - max(map(len, labels), default=0))
        plt.xticks(ticks, names)
        plt.xlim(0, ticks[-1])

    def _grouped(self, width: int) -> None:
        plt = self.plt
        data = [self._kronor(s) for s in self._series]
        plt.multiple_bar(self._labels, data, width=4 / 5,
                         marker=[self.marker(i) for i in range(len(data))],  # type: ignore[arg-type]  # one a series
                         color=[self._colour(s.colour) for s in self._series])  # type: ignore[arg-type]  # (as above)
        largest = max((v for values in data for v in values), default=0)
        ticks, names = self._value_ticks(largest, self.size.height * 3)
        plt.yticks(ticks, names)
        plt.ylim(0, ticks[-1])
        self._month_ticks(width)

    def _line(self, width: int) -> None:
        plt = self.plt
        positions = list(range(1, len(self._labels) + 1))
        largest = 0.0
        for series in self._series:
            values = self._kronor(series)
            largest = max(largest, *values)
            plt.plot(positions, values, marker="braille" if not self.app.no_color else PATTERNS[4],
                     color=self._colour(series.colour))
        ticks, names = self._value_ticks(largest, self.size.height * 3)
        plt.yticks(ticks, names)
        plt.ylim(0, ticks[-1])
        plt.xlim(0.5, len(positions) + 0.5)
        self._month_ticks(width)

    def _month_ticks(self, width: int) -> None:
        """Every label if they fit, else every second or third one."""
        count = len(self._labels)
        room = max(1, (width - 10) // max(count, 1))
        every = 1 if room >= 8 else 2 if room >= 4 else 3
        positions = [i + 1 for i in range(count) if i % every == 0]
        ticks: list[float] = list(positions)
        self.plt.xticks(ticks, [self._labels[p - 1] for p in positions])

    # ------------------------------------------------------------------ the legend

    def legend(self, *, tight: bool = False) -> Text:
        """The series' names after their colour (or pattern), for a line under the chart;
        ``tight``: one space between them (a narrow screen)."""
        text = Text()
        for index, series in enumerate(self._series):
            if index:
                text.append(" " if tight else "  ")
            colour = self._colour(series.colour)
            style = "" if isinstance(colour, str) else f"rgb({colour[0]},{colour[1]},{colour[2]})"
            text.append(self.marker(index) * 2, style=style)
            text.append(f" {series.label}")
        return text


def _short(label: str, room: int) -> str:
    """A bar's label cut to ``room`` characters with "…" (the table beside it has the whole name)."""
    return label if len(label) <= room else label[: room - 1] + "…"
