"""Bearer tokens for the management API (sources, and any blueprint that wants them).

Tokens come from SYNDIKAT_API_TOKENS (comma-separated, so one can be rotated out). With none
configured the management API is closed: it answers 403 rather than trusting anyone.
"""

from __future__ import annotations

import hmac

from flask import request

from services.ingest.errors import ApiError
from shared.config import get_settings


def require_api_token() -> None:
    """A `before_request` hook: refuse the request unless it carries a configured token."""
    tokens = get_settings().api_tokens
    if not tokens:
        raise ApiError(
            403, "api_disabled", "the management API is off: set SYNDIKAT_API_TOKENS to use it"
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not any(
        hmac.compare_digest(token.strip().encode(), known.encode()) for known in tokens
    ):
        raise ApiError(
            401, "unauthorized", "send Authorization: Bearer <a SYNDIKAT_API_TOKENS token>"
        )
