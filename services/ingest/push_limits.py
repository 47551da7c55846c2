"""Per-source rate limits on the push endpoint (Flask-Limiter, counted in the cache Redis).

Each source has its own allowance, SYNDIKAT_PUSH_RATE_LIMIT (default 3000 per minute: a busy
wire sends a few hundred stories an hour, so this stops a runaway loop, not a news day). Only
pushes that passed the signature check count, so a stranger cannot use up a source's allowance;
past it every push to that source gets 429 with Retry-After until the window turns. Counters
live in the cache Redis database under SYNDIKAT_REDIS_KEY_PREFIX, shared by every API process.
If that Redis is down, pushes are not limited (logged) rather than refused: the outbox keeps
taking stories in while Redis restarts.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded

from shared.config import get_settings
from shared.web.errors import error_response

PUSH_VIEW = "ingest.push_story"


def init_app(app: Flask) -> None:
    """Limit pushes per source; call once the push view is registered."""
    settings = get_settings()  # its push_rate_limit is a valid rate limit (shared/config.py)
    for name, value in _config(settings.cache_redis_url, settings.redis_key_prefix).items():
        app.config.setdefault(name, value)
    limiter = Limiter(key_func=_source, app=app)
    app.extensions["syndikat_push_limiter"] = limiter  # the view holds it only weakly
    limited = limiter.limit(
        settings.push_rate_limit, key_func=_source, deduct_when=_authenticated, methods=["POST"]
    )
    app.view_functions[PUSH_VIEW] = limited(app.view_functions[PUSH_VIEW])  # type: ignore[assignment]  # Flask-Limiter types the wrapped view as sync or async
    app.register_error_handler(RateLimitExceeded, _too_many)


def mark_authenticated() -> None:
    """The push passed the signature check: it counts against its source's allowance."""
    g.push_authenticated = True


def _config(redis_url: str, key_prefix: str) -> dict[str, Any]:
    return {
        "RATELIMIT_STORAGE_URI": redis_url,
        # limits prefixes its keys itself ("LIMITS:…"): put the installation's prefix first.
        "RATELIMIT_STORAGE_OPTIONS": {
            "key_prefix": f"{key_prefix}limits",
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
        },
        "RATELIMIT_KEY_PREFIX": "push",
        # Only a refused push says when to come back (below), not every accepted one.
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def _source() -> str:
    return f"source:{(request.view_args or {}).get('source_name', '')}"


def _authenticated(response: Response) -> bool:
    return bool(g.get("push_authenticated"))


def _too_many(error: RateLimitExceeded) -> Any:
    source = (request.view_args or {}).get("source_name", "?")
    body, status = error_response(
        429,
        "rate_limited",
        f"source {source!r} pushed more than {error.description}; "
        "wait the seconds in Retry-After and send again",
    )
    return body, status, {"Retry-After": str(_seconds_until_reset())}


def _seconds_until_reset() -> int:
    breached = current_app.extensions["syndikat_push_limiter"].current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))  # the limits library's wall-clock time
