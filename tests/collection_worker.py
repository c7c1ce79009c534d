"""A collection run in a process of its own: ``python -m tests.collection_worker URL SYSTEM GO ID ...``.

Race and crash tests start this as a subprocess, so each run has its own interpreter and its own
database connection, as two people at two terminals would. It waits until the file GO exists (so
two workers start together), runs ``create_cases`` and prints one JSON line: the cases created,
or the invoices taken.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tui_inkasso.db.connection import open_database
from tui_inkasso.services import clock, collection_errors, collection_run


def main(argv: list[str]) -> int:
    url, system, go, *ids = argv
    open_database(url, migrate=False)
    deadline = time.monotonic() + 30
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        result = collection_run.create_cases(clock.today(), None, [int(i) for i in ids], system)
    except collection_errors.InvoicesTaken as exc:
        print(json.dumps({"taken": exc.numbers}))
        return 3
    print(json.dumps({"cases": [c.number for c in result.cases], "files": [str(f) for f in result.files]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
