"""Three no-op tasks on Syndikat's three queues: the bare-Celery baseline for bench.pipeline."""

from __future__ import annotations

from functools import cache

import redis
from celery import shared_task

from shared.celery_app import celery_app as app
from shared.config import get_settings

DONE_KEY = "bench:chains-done"

__all__ = ["app"]


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().cache_redis_url)


@shared_task(name="syndikat.ingest.bench_first")
def first(number: int) -> int:
    return number


@shared_task(name="syndikat.translate.bench_second")
def second(number: int) -> int:
    return number


@shared_task(name="syndikat.publish.bench_third")
def third(number: int) -> int:
    _redis().rpush(get_settings().redis_key_prefix + DONE_KEY, number)
    return number
