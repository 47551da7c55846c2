"""Standard Webhooks signatures on pushed stories (https://www.standardwebhooks.com/)."""

from __future__ import annotations

from collections.abc import Mapping

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug.datastructures import Headers


class SignatureError(ValueError):
    """The push is not signed by the source it claims to come from."""


def verify(secret: str, body: bytes, headers: Headers | Mapping[str, str]) -> None:
    """Raise `SignatureError` unless `body` carries a valid, fresh signature made with `secret`."""
    if not all(headers.get(name) for name in ("webhook-id", "webhook-timestamp")):
        raise SignatureError("missing webhook-id or webhook-timestamp header")
    if not headers.get("webhook-signature"):
        raise SignatureError("missing webhook-signature header")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SignatureError("the body is not valid UTF-8") from exc
    try:
        Webhook(secret).verify(text, dict(headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureError(_explain(str(exc))) from exc
    except (ValueError, TypeError) as exc:  # malformed signature header ("v1,<b64>" expected)
        raise SignatureError("malformed webhook-signature header") from exc


def _explain(reason: str) -> str:
    if "too old" in reason or "too new" in reason:
        return f"webhook-timestamp outside the allowed tolerance ({reason.lower()})"
    if "No matching signature" in reason:
        return "wrong signature: not signed with this source's secret"
    return reason
