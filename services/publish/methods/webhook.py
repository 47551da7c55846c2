"""Webhooks signed the Standard Webhooks way (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import json

import httpx

from services.publish.methods.base import Outcome, Outgoing
from services.publish.payload import event_body
from shared import http
from shared.signing import signed_headers


class WebhookMethod:
    name = "webhook"

    def send(self, outgoing: Outgoing) -> Outcome:
        body = event_body(outgoing.event, outgoing.occurred_at, outgoing.story)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        headers = signed_headers(outgoing.secret or "", text, webhook_id=outgoing.webhook_id)
        try:
            with http.client() as client:
                answer = client.post(outgoing.endpoint, content=text.encode(), headers=headers)
        except httpx.TimeoutException:
            return Outcome(None, "timed out")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}")
        if 200 <= answer.status_code < 300:
            return Outcome(answer.status_code)
        return Outcome(answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}")
