"""Replay protection for signed pushes: one `webhook-id` is taken once per source.

A signature stays valid for the Standard Webhooks tolerance (five minutes either side of its
timestamp), so a captured push could be sent again within that window. The first push with a
`webhook-id` claims it in Redis (SET NX with a time to live covering the whole window); the same
id from the same source again is refused with 409 and nothing is stored.

A claim is kept only when the push was accepted: a wire that got an error (a 5xx, a 429, a
refused document) may retry with the same id, as Standard Webhooks senders do. A different
`webhook-id` for the same story is not a replay: intake recognises the story and answers with its
id (idempotent). If Redis cannot be reached the check is skipped with a warning rather than
refusing stories: intake's idempotency already makes a replayed push store nothing new.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from shared.cache import cache_redis
from shared.config import get_settings
from shared.web.errors import ApiError

log = logging.getLogger(__name__)

#: Twice the signature tolerance: a message signed at t is valid from t - 5 min to t + 5 min, so
#: its id must be remembered for up to 10 minutes after it was first accepted.
REMEMBER_SECONDS = 2 * 5 * 60


@contextmanager
def claimed(source_id: int, webhook_id: str) -> Iterator[None]:
    """Claim `webhook_id` for the block; refuse a replay; release the claim if the block fails."""
    key = _key(source_id, webhook_id)
    try:
        first = cache_redis().set(key, "1", nx=True, ex=REMEMBER_SECONDS)
    except redis.RedisError as exc:
        log.warning("replay check skipped, Redis unavailable: %s", exc)
        yield
        return
    if not first:
        raise ApiError(
            409,
            "replayed_message",
            "this webhook-id was already accepted from this source; nothing was stored "
            "(send a new webhook-id for a new message)",
        )
    try:
        yield
    except BaseException:
        _release(key)
        raise


def _release(key: str) -> None:
    try:
        cache_redis().delete(key)
    except redis.RedisError as exc:
        log.warning("could not release a push's webhook-id, Redis unavailable: %s", exc)


def _key(source_id: int, webhook_id: str) -> str:
    # Hashed: the id is the sender's text, of any length.
    digest = hashlib.sha256(webhook_id.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{get_settings().redis_key_prefix}push-replay:{source_id}:{digest}"
