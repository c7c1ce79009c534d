"""tui-inkasso: hand overdue rent and other invoices to debt collection, from the terminal."""

import logging

__version__ = "0.1.0"

# A library's loggers stay quiet unless the program configures logging: the daemon sends them to
# stderr and its log file; the CLI and the app speak through their own output. Without this,
# Python's last-resort handler printed a failed scheduled run's traceback under
# `tui-inkasso services run` (and would print into the app's screen).
logging.getLogger(__name__).addHandler(logging.NullHandler())
