"""The one clock every timestamp reads, so tests can move time forward.

`utcnow()` in `server.models.base`, the columns' defaults and federation's schedules
(retries, leases, caches of actors) all read `now()`; tests move it with `advance` and the
`app` fixture puts it back with `reset`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """Return the current UTC time, shifted when a test has moved the clock."""
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    """Put the clock back to the real time (tests only)."""
    global _offset
    _offset = timedelta(0)
