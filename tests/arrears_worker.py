"""A termination run in a process of its own: ``python -m tests.arrears_worker URL DATE CONTRACT ...``.

The crash tests start it with ``TUI_INKASSO_CRASH_AT`` set, so the process ends at a named step
as SIGKILL would. It prints one JSON line with what the run made when it gets that far.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from tui_inkasso.db.connection import open_database
from tui_inkasso.services.arrears_run import terminate


def main(argv: list[str]) -> int:
    url, day, *contracts = argv
    open_database(url, migrate=False)
    result = terminate(contracts, dt.date.fromisoformat(day))
    print(json.dumps({"letters": str(result.letters_pdf), "notices": [str(p) for p in result.socialnamnd_pdfs.values()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
