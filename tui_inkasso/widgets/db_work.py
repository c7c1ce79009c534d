"""One way to run a service call off the UI thread: ``@db_work("Kundsökning")`` on a method.

A screen never waits for the database: slow (or writing) service calls run in a Textual thread
worker, and a worker thread needs a database connection of its own
(``services.threads.thread_connection``). Every such method used to start with
``@work(thread=True, exit_on_error=False, ...)`` and ``with thread_connection():``; this
decorator is both. A failure is not fatal (``exit_on_error=False``): the screen's worker
handler (``ForwardWorkerErrors``) hands it to the app, which shows it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from textual import work

from tui_inkasso.services.threads import thread_connection

P = ParamSpec("P")
R = TypeVar("R")


def db_work(name: str, *, group: str = "default", exclusive: bool = False) -> Callable[[Callable[P, R]], Any]:
    """A thread worker that holds a database connection while ``method`` runs.

    ``name`` is what an error message calls the task ("Kundsökning misslyckades: ...");
    ``exclusive`` cancels the group's running worker when a new one starts (a search typed on).
    """

    def decorator(method: Callable[P, R]) -> Any:
        @functools.wraps(method)
        def with_connection(*args: P.args, **kwargs: P.kwargs) -> R:
            with thread_connection():
                return method(*args, **kwargs)

        return work(thread=True, exit_on_error=False, group=group, exclusive=exclusive, name=name)(with_connection)

    return decorator

