"""Running under libfaketime (`make test-future`, tools/year_ahead.py).

The run keeps the monotonic clock real (FAKETIME_DONT_FAKE_MONOTONIC=1): with it faked, a lock
or an event waited on with a timeout sleeps for the whole offset, a year (glibc's sem_clockwait
is not intercepted). But libfaketime 0.9.10 then refuses Python's `time.sleep`, which is
clock_nanosleep on the monotonic clock with an absolute deadline (EINVAL). A timed wait on an
event sleeps just as long without that call, so `time.sleep` becomes one for that run.
"""

from __future__ import annotations

import os
import threading
import time


def under_faketime() -> bool:
    return "faketime" in os.environ.get("LD_PRELOAD", "")


def sleep_without_clock_nanosleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


def work_around_faketime_sleep() -> None:
    if under_faketime():
        time.sleep = sleep_without_clock_nanosleep
