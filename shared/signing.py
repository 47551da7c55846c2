"""Standard Webhooks headers (https://www.standardwebhooks.com/) for a body Syndikat sends.

Ingest verifies pushes with the same scheme, and publish signs what it sends to partners.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from standardwebhooks import Webhook

from shared import clock


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def signed_headers(
    secret: str | list[str],
    body: str,
    webhook_id: str | None = None,
    sent_at: datetime | None = None,
) -> dict[str, str]:
    """Headers for `body`: with several secrets (during a rotation) one signature per secret."""
    message_id = webhook_id or new_message_id()
    now = sent_at or clock.now()
    secrets = [secret] if isinstance(secret, str) else secret
    signatures = " ".join(Webhook(s).sign(message_id, now, body) for s in secrets)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }
