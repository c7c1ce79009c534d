"""How long to wait before the next delivery attempt after failures.

Doubling keeps a down server from being hammered while a short outage is still bridged within
minutes; the cap makes sure a server that is back after a weekend is used within the hour.
No jitter: one daemon talks to one agency, so there is no herd to spread, and a fixed schedule
is easier to explain to the user ("next attempt at 14:32").
"""

from __future__ import annotations

from datetime import timedelta

BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)


def next_retry_delay(
    attempts: int, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY
) -> timedelta:
    """Delay after ``attempts`` failed attempts: 0 → none, 1 → base, then doubling up to ``cap``.

    With the defaults: 1, 2, 4, 8, 16, 32 minutes, then every hour.
    """
    if attempts < 0:
        raise ValueError(f"attempts must be 0 or more, got {attempts}")
    if attempts == 0:
        return timedelta(0)
    if base <= timedelta(0) or cap < base:
        raise ValueError(f"need 0 < base <= cap, got base={base} cap={cap}")
    factor = 2 ** min(attempts - 1, 62)
    ratio = cap / base
    return cap if factor >= ratio else base * factor
