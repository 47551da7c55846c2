"""Pushing a story to a Syndikat ingest API, signed as a wire agency would sign it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from shared.signing import signed_headers


def signed_push_headers(secret: str, body: str) -> dict[str, str]:
    return signed_headers(secret, body)


def push_story(
    base_url: str, source: str, secret: str, doc: dict[str, Any], client: httpx.Client | None = None
) -> httpx.Response:
    body = json.dumps(doc, ensure_ascii=False)
    headers = signed_push_headers(secret, body)
    url = f"{base_url.rstrip('/')}/v1/sources/{source}/stories"
    if client is not None:
        return client.post(url, content=body.encode(), headers=headers)
    return httpx.post(url, content=body.encode(), headers=headers, timeout=10)
