"""Calling an MT service over HTTP: one place that turns HTTP failures into engine errors."""

from __future__ import annotations

from typing import Any

import httpx

from services.translate.engines.base import EngineError, EngineUnavailable
from shared import http
from shared.config import get_settings

#: Worth trying again later (or with the next engine): overload, quota, outage.
RETRYABLE = {408, 425, 429, 456, 500, 502, 503, 504, 529}


def call(
    name: str, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
) -> Any:
    """The JSON answer of one request; `EngineUnavailable` for outages, `EngineError` else."""
    try:
        with http.client(timeout=get_settings().mt_timeout_seconds) as client:
            response = client.request(method, url, headers=headers, **kwargs)
    except httpx.HTTPError as exc:
        raise EngineUnavailable(f"{name}: {url} is unreachable ({type(exc).__name__})") from exc
    if response.status_code in RETRYABLE:
        raise EngineUnavailable(f"{name}: {_failure(response)}")
    if response.status_code >= 400:
        raise EngineError(f"{name}: {_failure(response)}")
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise EngineError(f"{name}: the answer from {url} is not JSON") from exc


def _failure(response: httpx.Response) -> str:
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("message") or body.get("error") or body.get("detail") or "")
    except ValueError:
        detail = response.text[:200]
    status = f"{response.status_code} {response.reason_phrase}".strip()
    return f"{response.request.url} answered {status}" + (f": {detail}" if detail else "")
