"""The latest test delivery of each partner, as the dashboard shows it: queued, then what the
partner answered.

A test is not a delivery and leaves nothing in the database; its latest result is kept in the
cache Redis for a week, under SYNDIKAT_REDIS_KEY_PREFIX. If that Redis is down the test still
runs and the page just shows no result (logged).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import redis

from shared.cache import cache_redis
from shared.config import get_settings

log = logging.getLogger(__name__)

KEEP_SECONDS = 7 * 24 * 3600

QUEUED = "queued"
ACCEPTED = "accepted"
FAILED = "failed"


@dataclass(frozen=True)
class ProbeResult:
    #: QUEUED, ACCEPTED or FAILED.
    state: str
    #: When it was queued, or when the partner answered.
    at: datetime
    #: "HTTP 200", or what went wrong.
    detail: str = ""


def record(partner_id: int, result: ProbeResult) -> None:
    value = json.dumps(asdict(result) | {"at": result.at.isoformat()})
    try:
        cache_redis().set(_key(partner_id), value, ex=KEEP_SECONDS)
    except redis.RedisError as exc:
        log.warning(
            "could not keep partner %s's test result, Redis unavailable: %s", partner_id, exc
        )


def latest(partner_ids: Sequence[int]) -> dict[int, ProbeResult]:
    """The latest test result of each of the partners that has one."""
    if not partner_ids:
        return {}
    try:
        values = cache_redis().mget([_key(partner_id) for partner_id in partner_ids])
    except redis.RedisError as exc:
        log.warning("partner test results unavailable, Redis unavailable: %s", exc)
        return {}
    return {
        partner_id: _parsed(value)
        for partner_id, value in zip(partner_ids, values, strict=True)
        if value is not None
    }


def _parsed(value: bytes | str) -> ProbeResult:
    fields = json.loads(value)
    return ProbeResult(fields["state"], datetime.fromisoformat(fields["at"]), fields["detail"])


def _key(partner_id: int) -> str:
    return f"{get_settings().redis_key_prefix}partner-test:{partner_id}"
