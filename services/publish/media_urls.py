"""Signed, expiring addresses of Syndikat's own copy of a picture: `/v1/media/<sha256>`.

Partners get these instead of the wire's URLs (which may be private, short-lived or paid for).
The signature is an HMAC over the hash and the expiry time, with a key derived from
SYNDIKAT_SECRET_KEY, so rotating that secret rotates these keys too; an old key still verifies
while it is configured. Expiry times are rounded up to the hour, so a feed fetched twice in an
hour hands out the same address and readers' caches keep working.
"""

from __future__ import annotations

import hmac
import math
from datetime import datetime, timedelta
from urllib.parse import urlencode

from shared import crypto
from shared.config import get_settings

PURPOSE = "media-url"
ROUNDING = 3600


def signature(sha256: str, expires: int, key: bytes) -> str:
    return hmac.new(key, f"{sha256}:{expires}".encode(), "sha256").hexdigest()


def expiry(now: datetime) -> int:
    lifetime = timedelta(days=get_settings().media_url_days)
    return math.ceil((now + lifetime).timestamp() / ROUNDING) * ROUNDING


def signed_path(sha256: str, now: datetime) -> str:
    expires = expiry(now)
    query = urlencode({"exp": expires, "sig": signature(sha256, expires, _keys()[0])})
    return f"/v1/media/{sha256}?{query}"


def signed_url(sha256: str, now: datetime, base: str | None = None) -> str:
    """The address for the picture `sha256`; `base` is the API's public address (default:
    SYNDIKAT_PUBLIC_API_URL)."""
    root = (base or get_settings().public_api_url).rstrip("/")
    return root + signed_path(sha256, now)


def is_valid(sha256: str, expires: str, given: str, now: datetime) -> bool:
    if not expires.isdigit() or int(expires) <= now.timestamp():
        return False
    return any(hmac.compare_digest(signature(sha256, int(expires), key), given) for key in _keys())


def _keys() -> list[bytes]:
    return crypto.derived_keys(PURPOSE)
