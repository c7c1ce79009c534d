"""The kinds of scheduled service: what each runs and what staff call it.

A scheduled service (``services/scheduled.py``) names one kind from :data:`JOBS`; a run
(``services/scheduled_runs.py``) looks the kind up when it starts, so a test or a new agency can
add a kind by putting one entry here (tests register small real jobs in :data:`JOBS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JobOutcome:
    """What a job made: the file (None when there was nothing to do) and a line for people."""

    file: Path | None = None
    summary: str = ""
    attention: bool = False
    """Someone must act on what the job found: the service's list is mailed even when it asked
    for mail on failures only (the daily check of terminated tenancies)."""


Job = Callable[[], JobOutcome]


def balance_file_job() -> JobOutcome:
    """"Skapa saldofil": every unreported balance correction, no standard selection (the guide).

    The summary carries the balance service's own line and, per file, what became of its upload,
    so the run's mail says whether the agency has the file or it waits in the outbox.
    """
    from tui_inkasso.services.balance_file_run import create_balance_file

    result = create_balance_file()
    lines = [result.message]
    for created in result.files:
        line = f"{created.path} ({created.owner_name}: {created.corrections} st)"
        if created.delivery is not None:
            line += f"; uppladdning: {created.delivery.label}"
            if created.delivery.error:
                line += f" – {created.delivery.error}"
        lines.append(line)
    return JobOutcome(Path(result.file) if result.file else None, "\n".join(lines))


def arrears_check_job() -> JobOutcome:
    """"Bevaka uppsägningar": move terminated tenancies to today's state, say who must act."""
    from tui_inkasso.services.arrears_check import daily_check
    from tui_inkasso.services.clock import today

    result = daily_check(today())
    return JobOutcome(None, result.summary, attention=result.needs_action)


JOBS: dict[str, Job] = {"saldofil": balance_file_job, "uppsagningar": arrears_check_job}
"""Service kind → the job it runs. Tests register small real jobs here too."""

SERVICE_LABELS: dict[str, str] = {"saldofil": "Skapa saldofil", "uppsagningar": "Bevaka uppsägningar"}
"""Service kind → what staff read (the guide's words)."""


def service_label(kind: str) -> str:
    """The Swedish name of a service kind (the kind itself when it has none)."""
    return SERVICE_LABELS.get(kind, kind)
