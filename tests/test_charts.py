"""The charts' axis and colours (widgets/charts.py): round steps, amounts as people say them, a
colour ramp from calm to alarming for any number of series."""

from __future__ import annotations

import pytest

from tui_inkasso.widgets.charts import RAMP, kronor_label, nice_step, ramp


@pytest.mark.parametrize(("largest", "ticks", "step"), [
    (6000, 3, 2000), (1_234_567, 5, 250_000), (99, 4, 25), (0, 4, 1), (7, 2, 5)])
def test_round_steps(largest: float, ticks: int, step: float) -> None:
    assert nice_step(largest, ticks) == step


@pytest.mark.parametrize(("kronor", "step", "label"), [
    (0, 1000, "0"), (250, 250, "250"), (2500, 2500, "2,5 tkr"), (5000, 2500, "5 tkr"),
    (500_000, 100_000, "500 tkr"), (1_500_000, 500_000, "1,5 mn"), (12_000_000, 2_000_000, "12 mn"),
    (2_000_000_000, 1_000_000_000, "2 md")])
def test_axis_labels_in_swedish(kronor: float, step: float, label: str) -> None:
    assert kronor_label(kronor, step) == label


def test_the_ramp_spreads_over_its_stops() -> None:
    assert ramp(len(RAMP)) == list(RAMP)
    assert ramp(2) == [RAMP[0], RAMP[-1]]
    nine = ramp(9)
    assert len(set(nine)) == 9 and nine[0] == RAMP[0] and nine[-1] == RAMP[-1]
