"""Sending one event to a partner's webhook, signed the Standard Webhooks way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from shared import http
from shared.signing import signed_headers


@dataclass(frozen=True)
class Response:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_event(
    url: str, secret: str, webhook_id: str, body: dict[str, Any], sent_at: datetime
) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    headers = signed_headers(secret, text, webhook_id=webhook_id, sent_at=sent_at)
    try:
        with http.client() as client:
            answer = client.post(url, content=text.encode(), headers=headers)
    except httpx.TimeoutException:
        return Response(None, "timed out")
    except httpx.HTTPError as exc:
        return Response(None, f"{type(exc).__name__}: {exc}")
    if 200 <= answer.status_code < 300:
        return Response(answer.status_code, None)
    return Response(answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}")
