"""Webhooks signed the Standard Webhooks way (https://www.standardwebhooks.com/).

Only a 2xx answer is success. Redirects are not followed and count as failures; 410 Gone tells
the delivery layer to disable the partner; 429 and 503 carry the partner's Retry-After.
"""

from __future__ import annotations

import json

import httpx

from services.publish.methods.base import Outcome, Outgoing
from services.publish.payload import event_body
from shared import http
from shared.signing import signed_headers

#: How much of a partner's answer is kept with a failed attempt.
ERROR_TEXT_LIMIT = 200
#: A partner's answer is read up to this many bytes.
READ_LIMIT = 64 * 1024


class WebhookMethod:
    name = "webhook"

    def send(self, outgoing: Outgoing) -> Outcome:
        body = event_body(outgoing.event, outgoing.occurred_at, outgoing.story)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        headers = signed_headers(outgoing.signing_secrets, text, webhook_id=outgoing.webhook_id)
        headers["accept-encoding"] = "identity"  # the answer's first bytes are read as they are
        try:
            with (
                http.client() as client,
                client.stream(
                    "POST", outgoing.endpoint, content=text.encode(), headers=headers
                ) as answer,
            ):
                start = _read_start(answer)
        except httpx.TimeoutException:
            return Outcome(None, "timed out")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}")
        return outcome_of(answer, start)


def _read_start(answer: httpx.Response) -> bytes:
    """The first bytes of the answer: all a webhook needs, and a huge answer costs nothing."""
    start = b""
    for chunk in answer.iter_raw():
        start += chunk
        if len(start) >= READ_LIMIT:
            break
    return start[:READ_LIMIT]


def outcome_of(answer: httpx.Response, start: bytes) -> Outcome:
    status = answer.status_code
    if 200 <= status < 300:
        return Outcome(status)
    if answer.is_redirect:
        where = answer.headers.get("location", "?")
        return Outcome(status, f"HTTP {status}: redirect to {where} not followed")
    detail = start[:ERROR_TEXT_LIMIT].decode("utf-8", errors="replace").strip()
    return Outcome(
        status, f"HTTP {status}: {detail}".rstrip(": "), retry_after=http.retry_after(answer)
    )
