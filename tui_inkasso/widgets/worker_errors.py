"""One path for failed workers: screens and widgets hand them to the app, which shows them.

Textual posts ``Worker.StateChanged`` only to the node that started the worker and does not
bubble it, so without this every screen would need its own error display. A screen or widget
that starts workers posts :class:`WorkerFailed` (or inherits :class:`ForwardWorkerErrors`), and
the app's single handler turns it into a notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import Worker, WorkerState


class WorkerFailed(Message):
    """A worker failed; ``worker.error`` is the exception."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker


if TYPE_CHECKING:
    from textual.widget import Widget as _Host  # mixed into widgets and screens only
else:
    _Host = object


class ForwardWorkerErrors(_Host):
    """Mixin for a Screen or Widget: failed workers go to the app as :class:`WorkerFailed`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Hand a failure on; the app decides how it is shown."""
        if event.state == WorkerState.ERROR and event.worker.group != "paged-table":
            self.app.post_message(WorkerFailed(event.worker))
