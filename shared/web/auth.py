"""The one way to authenticate the JSON management API: bearer tokens from SYNDIKAT_API_TOKENS.

Every management blueprint (sources, partners and deliveries, glossary and review) registers
`require_api_token` as its `before_request` hook, whichever service the blueprint belongs to.

Tokens are a list (comma-separated) so one can be rotated: add the new token, move clients over,
drop the old one. Every configured token is compared in constant time, all of them every time,
so neither a token's content nor its position in the list shows in the answer's timing. With none
configured the API is closed (403) rather than open to anyone. The signed push endpoint, pull
feeds (per-partner tokens) and /healthz authenticate differently and do not use this.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import request

from shared.config import get_settings
from shared.web.errors import ApiError


def require_api_token() -> None:
    """A `before_request` hook: refuse the request unless it carries a configured token."""
    tokens = tuple(token.get_secret_value() for token in get_settings().api_tokens)
    if not tokens:
        raise ApiError(
            403, "api_disabled", "the management API is off: set SYNDIKAT_API_TOKENS to use it"
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(given.strip(), tokens):
        raise ApiError(
            401,
            "unauthorized",
            "send Authorization: Bearer <a token from SYNDIKAT_API_TOKENS>",
            headers={"WWW-Authenticate": 'Bearer realm="syndikat"'},
        )


def token_matches(given: str, known: tuple[str, ...]) -> bool:
    """True when `given` is one of `known`; the time taken does not depend on which or why not."""
    # Digests have one length, so compare_digest never returns early on a length mismatch.
    given_digest = _digest(given)
    matches = [hmac.compare_digest(given_digest, _digest(token)) for token in known]
    return bool(given) and any(matches)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
