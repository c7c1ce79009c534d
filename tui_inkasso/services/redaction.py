"""Secrets out of text meant for people and logs, for the layers above services/.

The daemon logs the database URL it serves, and a PostgreSQL URL may carry a password. The rule
itself lives in :mod:`tui_inkasso.transport.upload_url`, because parsing the upload address needs
it and transport/ may not import services/; this module names it for the entry points, which may
import only services/ (tests/test_architecture.py).
"""

from __future__ import annotations

from tui_inkasso.transport.upload_url import redact_url

__all__ = ["redact_url"]
