"""Reference rates for tests that run reminders in the second half of 2026.

The shipped table ends with 2026-01-01 (docs/dunning.md, "The reference rate"): the rate for
2026-07-01 was not found, so a run that needs it is refused until staff enter it. Tests whose
ledgers are dated after 2026-06-30 enter it as staff would, through the service."""

from __future__ import annotations

import datetime as dt

from tui_inkasso.domain.interest import ReferenceRate, default_reference_rates

H2_2026 = ReferenceRate(dt.date(2026, 7, 1), 200)
"""The rate the tests enter for 2026-07-01 (2,00 %, the rate of the half year before)."""


def rates_with_h2_2026() -> list[ReferenceRate]:
    """The shipped table and the tests' row for 2026-07-01."""
    return [*default_reference_rates(), H2_2026]


def store_rates() -> None:
    """Store :func:`rates_with_h2_2026` in the open ledger (audited, as the settings screen does)."""
    from tui_inkasso.services.dunning_levels import save_reference_rates

    save_reference_rates(rates_with_h2_2026())
