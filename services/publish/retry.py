"""When to try a failed delivery again: exponential backoff with jitter, for more than a day."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=4)
#: 10 s doubling to 4 h: attempt 17 comes about 29 h after the first, then the delivery is dead.
MAX_ATTEMPTS = 17


def next_attempt_at(
    attempts_made: int, now: datetime, rng: random.Random | None = None
) -> datetime | None:
    """When attempt `attempts_made + 1` is due, or None when the delivery should give up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    delay = min(FIRST_DELAY * 2 ** (attempts_made - 1), MAX_DELAY)
    # Full jitter on the upper half: partners that failed together do not retry in lockstep.
    jitter = (rng or random).uniform(0.5, 1.0)
    return now + delay * jitter
