"""tui-inkasso: hand overdue rent and other invoices to debt collection, from the terminal."""

__version__ = "0.1.0"
