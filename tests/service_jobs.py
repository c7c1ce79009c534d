"""Small real jobs for scheduled-service and daemon tests, registered in ``scheduled_jobs.JOBS``.

Not mocks: each job does what a file-making service does (writes a file atomically into the
output folder, records it and its delivery in one transaction, delivers after the commit), or
fails, or takes its time, so the recorder and the daemon are tested with real work. Each job
appends one line to ``$TEST_JOB_LOG`` per execution, which is how tests count runs across
processes.

``tests/daemon_main.py`` registers them in a daemon subprocess.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tui_inkasso.db.models import CollectionFile
from tui_inkasso.fileio import write_bytes_atomic
from tui_inkasso.services import outbox, scheduled_jobs, settings
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.scheduled_jobs import JobOutcome
from tui_inkasso.services.transaction import write_transaction

LOG_ENV = "TEST_JOB_LOG"
FAIL_ONCE_ENV = "TEST_JOB_FAIL_ONCE"
SLOW_SECONDS_ENV = "TEST_JOB_SECONDS"


def _log(event: str) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{event} {os.getpid()} {time.time():.3f}\n")


def write_file_job() -> JobOutcome:
    """Like the balance file: write, then record file + delivery in one transaction, then send."""
    _log("start testfil")
    folder = settings.output_dir()
    path = folder / f"testfil_{time.time_ns()}.txt"
    write_bytes_atomic(path, "Saldokorrigering;Åsa Öberg;100,00\n".encode())
    with write_transaction():
        record = CollectionFile.create(
            kind="saldofil", system="test", path=str(path), file_id=path.stem,
            created_at=now(), created_by=current_user(), records=1, amount=10000,
        )
        row = outbox.enqueue_delivery(path, "saldofil", record.id)
    outbox.deliver_now(row)
    _log("end testfil")
    return JobOutcome(path, "1 testrad")


def failing_job() -> JobOutcome:
    """Fails while ``$TEST_JOB_FAIL_ONCE`` names a file that does not exist yet (then creates it)."""
    _log("start failing")
    marker = os.environ.get(FAIL_ONCE_ENV)
    if marker is None or not Path(marker).exists():
        if marker:
            Path(marker).write_text("failed once\n")
        raise RuntimeError("the agency's test service refused the file (simulated by the test job)")
    _log("end failing")
    return JobOutcome(None, "andra försöket gick bra")


def slow_job() -> JobOutcome:
    """Takes ``$TEST_JOB_SECONDS`` (default 2) seconds, then writes a file like write_file_job."""
    _log("start slow")
    time.sleep(float(os.environ.get(SLOW_SECONDS_ENV, "2")))
    outcome = write_file_job()
    _log("end slow")
    return outcome


def register() -> None:
    """Put the test jobs into the registry the daemon and ``run_service`` use."""
    for kind, job, label in (
        ("testfil", write_file_job, "Skapa testfil"),
        ("failing", failing_job, "Misslyckas en gång"),
        ("slow", slow_job, "Långsam testfil"),
    ):
        scheduled_jobs.JOBS[kind] = job
        scheduled_jobs.SERVICE_LABELS[kind] = label


def job_log(path: Path) -> list[str]:
    """The events logged so far, e.g. ["start testfil", "end testfil"]."""
    if not path.exists():
        return []
    return [" ".join(line.split()[:2]) for line in path.read_text(encoding="utf-8").splitlines()]
