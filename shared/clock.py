"""The one clock Syndikat reads: the wall clock, unless a test has set it.

Code asks `clock.now()` (or `models.utcnow()`, which is the same) for the time instead of
`datetime.now()`, so a test can put every part of the pipeline at the moment it reasons about
and move time on by hand. Production never sets it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_set_to: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _set_to if _set_to is not None else datetime.now(UTC)


def set_to(when: datetime) -> None:
    """Stop the clock at `when` (tests only); it stays there until moved or reset."""
    global _set_to
    if when.tzinfo is None:
        raise ValueError("the clock takes timezone-aware times only")
    _set_to = when.astimezone(UTC)


def advance(by: timedelta) -> datetime:
    """Move a stopped clock on by `by`; returns the new time."""
    if _set_to is None:
        raise RuntimeError("the clock is running on the wall clock; set_to() it first")
    set_to(_set_to + by)
    return now()


def reset() -> None:
    """Back to the wall clock."""
    global _set_to
    _set_to = None
