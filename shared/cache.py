"""The cache Redis (SYNDIKAT_REDIS_URL's next database): rate limits, push replay claims,
partner test results. Short timeouts: a cache that does not answer is skipped, not waited for."""

from __future__ import annotations

from functools import cache

import redis

from shared.config import get_settings


def cache_redis() -> redis.Redis:
    return _client(get_settings().cache_redis_url)


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
