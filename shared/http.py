"""The one HTTP client for calls out of Syndikat: partners, feeds, MT services.

Redirects are never followed (a partner's 3xx is a failure, and a redirect could lead anywhere)
and every request has a timeout.
"""

from __future__ import annotations

import httpx

from shared.config import get_settings

USER_AGENT = "Syndikat/0.1 (+https://github.com/syndikat/syndikat)"


def client(timeout: float | None = None) -> httpx.Client:
    seconds = timeout if timeout is not None else get_settings().delivery_timeout_seconds
    return httpx.Client(
        timeout=httpx.Timeout(seconds),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )
