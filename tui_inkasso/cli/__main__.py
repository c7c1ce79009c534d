"""``python -m tui_inkasso.cli``: the same as the ``tui-inkasso`` command."""

import sys

from tui_inkasso.console import run

sys.exit(run())
