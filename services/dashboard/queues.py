"""What the broker knows: how many tasks wait in each queue, and which workers answer.

Queue depths are read straight from Redis (LLEN). Kombu keeps one list per queue and priority
step (`<queue>`, `<queue>\\x06\\x163`, …) and prefixes every key with the configured
`SYNDIKAT_REDIS_KEY_PREFIX`, so the depth of a queue is the sum over those lists.

Asking the workers takes a broadcast and a wait for replies (about a second), so the answer is
kept for a few seconds and refreshed in the background while pages show the last one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import redis

from shared import tasks
from shared.config import get_settings
from shared.models import utcnow

#: Kombu's Redis transport: separator and priority steps of its per-priority lists.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
WORKER_REPLY_SECONDS = 1.0
WORKERS_FRESH_SECONDS = 10.0


@cache
def _broker(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def broker() -> redis.Redis:
    return _broker(get_settings().redis_url)


def queue_keys(queue: str, prefix: str) -> list[str]:
    return [
        prefix + queue + (f"{PRIORITY_SEPARATOR}{step}" if step else "") for step in PRIORITY_STEPS
    ]


def queue_depths() -> dict[str, int | None]:
    """Waiting tasks per queue; None for each when Redis does not answer."""
    prefix = get_settings().redis_key_prefix
    try:
        pipe = broker().pipeline(transaction=False)
        for queue in tasks.QUEUES:
            for key in queue_keys(queue, prefix):
                pipe.llen(key)
        lengths = pipe.execute()
    except redis.RedisError:
        return dict.fromkeys(tasks.QUEUES)
    steps = len(PRIORITY_STEPS)
    return {
        queue: sum(lengths[i * steps : (i + 1) * steps]) for i, queue in enumerate(tasks.QUEUES)
    }


@dataclass(frozen=True)
class Workers:
    """The workers that answered, each with the queues it consumes."""

    answered: dict[str, list[str]] = field(default_factory=dict)
    checked_at: datetime = field(default_factory=utcnow)
    error: str | None = None

    def serving(self, queue: str) -> list[str]:
        return sorted(name for name, queues in self.answered.items() if queue in queues)

    def queues_without_worker(self) -> list[str]:
        return [queue for queue in tasks.QUEUES if not self.serving(queue)]


def ask_workers(timeout: float = WORKER_REPLY_SECONDS) -> Workers:
    from shared.celery_app import celery_app

    try:
        replies = celery_app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception as exc:  # broker down or unreachable: say so rather than fail the page
        return Workers(error=f"{type(exc).__name__}: {exc}")
    return Workers({name: sorted(q["name"] for q in queues) for name, queues in replies.items()})


class _WorkerCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: Workers | None = None
        self._fetched = 0.0
        self._refreshing = False

    def get(self) -> Workers:
        with self._lock:
            latest, age = self._latest, time.monotonic() - self._fetched
            stale = latest is None or age > WORKERS_FRESH_SECONDS
            start = stale and latest is not None and not self._refreshing
            if start:
                self._refreshing = True
        if latest is None:
            return self.refresh()
        if start:
            threading.Thread(target=self.refresh, daemon=True, name="ask-workers").start()
        return latest

    def refresh(self) -> Workers:
        answer = ask_workers()
        with self._lock:
            self._latest, self._fetched, self._refreshing = answer, time.monotonic(), False
        return answer

    def forget(self) -> None:
        with self._lock:
            self._latest, self._fetched = None, 0.0


worker_cache = _WorkerCache()
