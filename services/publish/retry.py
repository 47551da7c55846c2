"""When to try a failed delivery again: exponential backoff with jitter, for more than a day.

Attempt n+1 comes `min(first * 2**(n-1), max)` after attempt n — by default 10 s doubling to
4 h (SYNDIKAT_RETRY_FIRST_DELAY, SYNDIKAT_RETRY_MAX_DELAY) — shortened by up to a quarter at
random so partners that failed together do not retry in lockstep. After `MAX_ATTEMPTS` the
delivery is a dead letter: with the defaults and the shortest jitter that is 28 hours after the
first attempt, with none 38 hours.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shared.config import get_settings

MAX_ATTEMPTS = 20
#: The smallest share of the backoff delay jitter can leave.
MIN_JITTER = 0.75
#: A partner's Retry-After is honoured up to this long; beyond it a wrong header would stall
#: the delivery for good.
MAX_RETRY_AFTER = timedelta(hours=6)


def next_attempt_at(
    attempts_made: int,
    now: datetime,
    rng: random.Random | None = None,
    retry_after: float | None = None,
) -> datetime | None:
    """When attempt `attempts_made + 1` is due, or None when the delivery should give up.

    `retry_after` is the partner's Retry-After in seconds: the next attempt never comes
    sooner than that (capped at `MAX_RETRY_AFTER`), nor sooner than the backoff.
    """
    if attempts_made >= MAX_ATTEMPTS:
        return None
    delay = backoff(attempts_made) * (rng or random).uniform(MIN_JITTER, 1.0)
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=max(retry_after, 0.0)), MAX_RETRY_AFTER))
    return now + delay


def backoff(attempts_made: int) -> timedelta:
    """The delay after attempt `attempts_made`, before jitter."""
    settings = get_settings()
    first = timedelta(seconds=settings.retry_first_delay_seconds)
    longest = timedelta(seconds=settings.retry_max_delay_seconds)
    return min(first * 2 ** max(attempts_made - 1, 0), longest)
