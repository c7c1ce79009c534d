"""The daily check of terminated tenancies (scheduled service "Bevaka uppsägningar", the daemon).

Like the balance-file service it is a kind of scheduled service (``services/scheduled_jobs.py``): the
daemon runs it on its schedule, ``services run ID`` and "Kör nu" on demand. It moves every
termination that is not yet recovered to its state of the day (one transaction, each change
audited) and says who must act, and the service's mail goes out whenever someone must:

* a recovery period ended without the rent paid: apply for eviction (the summary is ready);
* the rent was paid in time: the termination is void, tell the tenant;
* a termination still waits for the service or socialnämndens receipt to be recorded;
* a recovery period ends within the next few days (for information).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.money import format_kronor
from tui_inkasso.domain.rent_arrears import RecoveryState
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.termination_state import (
    StateChange,
    TerminationView,
    list_terminations,
    refresh_states,
)

SOON = dt.timedelta(days=3)
"""A recovery period ending this close is named in the check's summary."""

WAITING_TOO_LONG = dt.timedelta(days=14)
"""A termination waiting longer than this for its service is named as needing action."""


@dataclass(frozen=True)
class CheckResult:
    """What the check moved and what staff must do now."""

    date: dt.date
    changes: list[StateChange]
    waiting: list[TerminationView]
    ending_soon: list[TerminationView]

    @property
    def needs_action(self) -> bool:
        """True when someone must act (the mail goes out)."""
        return bool(self.changes) or any(v.terminated_on + WAITING_TOO_LONG <= self.date for v in self.waiting)

    @property
    def summary(self) -> str:
        """Lines for the run's record and its mail."""
        lines = [f"Bevakning av uppsägningar {self.date.isoformat()}: {len(self.changes)} ändrade lägen."]
        for change in self.changes:
            view = change.view
            what = {
                RecoveryState.NOT_RECOVERED: "inte återvunnen: ansök om avhysning (tui-inkasso arrears summary "
                                             f"{view.contract_number})",
                RecoveryState.RECOVERED: "återvunnen: hyran betald i tid, uppsägningen är verkningslös",
                RecoveryState.RECOVERY_RUNNING: f"återvinningsfristen löper t.o.m. {view.last_day}",
                RecoveryState.WAITING_FOR_SERVICE: "väntar på delgivning",
            }[view.state]
            lines.append(f"{view.contract_number} {view.customer_name}: {what}")
        for view in self.waiting:
            since = (self.date - view.terminated_on).days
            lines.append(f"{view.contract_number} {view.customer_name}: {view.state_text} sedan uppsägningen "
                         f"{view.terminated_on.isoformat()} ({since} dagar); registrera delgivningen "
                         f"(tui-inkasso arrears served {view.contract_number} --date D --how SÄTT)")
        for view in self.ending_soon:
            lines.append(f"{view.contract_number} {view.customer_name}: fristen går ut {view.last_day}, "
                         f"{format_kronor(view.recovery.missing)} återstår att betala")
        return "\n".join(lines)


@requires(StaffRole.CLERK, "bevaka uppsägningar")
def daily_check(on: dt.date) -> CheckResult:
    """Move the states to ``on`` and collect who must act."""
    changes = refresh_states(on)
    changed = {c.view.id for c in changes}
    views = [v for v in list_terminations(on) if v.id not in changed]
    waiting = [v for v in views if v.state is RecoveryState.WAITING_FOR_SERVICE]
    soon = [v for v in views if v.state is RecoveryState.RECOVERY_RUNNING and v.last_day is not None
            and v.last_day <= on + SOON]
    return CheckResult(on, changes, waiting, soon)
