"""Run the real `tui-inkasso` command with the test jobs registered: ``python -m tests.daemon_main ...``.

Daemon tests start this as a subprocess, so the daemon under test is the real one (same CLI,
same loop, same signal handling); only ``scheduled_jobs.JOBS`` has the extra kinds of
``tests/service_jobs.py``.
"""

from __future__ import annotations

import sys

from tests import service_jobs
from tui_inkasso.cli import main

if __name__ == "__main__":
    service_jobs.register()
    sys.exit(main(sys.argv[1:]))
