"""The ``tui-inkasso`` console script's first code: Ctrl-C while the program starts.

Importing the command line (``tui_inkasso.cli`` and what it needs) takes a noticeable moment,
and a Ctrl-C then raised ``KeyboardInterrupt`` before :func:`tui_inkasso.cli.main` could catch
it: staff saw a Python traceback. This module imports nothing of the program at its top, so the
import is inside the ``try`` below; from :func:`~tui_inkasso.cli.main` on, ``main`` itself says
what a Ctrl-C stopped.
"""

from __future__ import annotations

import sys

INTERRUPTED_AT_START = "tui-inkasso: avbrutet (Ctrl-C) medan programmet startade: inget kördes och inget sparades"


def run() -> int:
    """Entry point of the console script (and of ``python -m tui_inkasso.cli``); the exit code."""
    try:
        from tui_inkasso.cli import main
    except KeyboardInterrupt:
        print(INTERRUPTED_AT_START, file=sys.stderr, flush=True)
        return 130
    return main()
