"""A minimal partner endpoint: how a partner verifies Syndikat's webhooks.

`make run` starts it as the demo partner. It checks the Standard Webhooks signature (and with it
the timestamp: older than five minutes is refused), drops duplicates by `webhook-id`, and keeps
what it received in a folder so you can look at it. During a secret rotation a message carries
a signature for the old and the new secret; `verify` accepts it when either matches the one
configured here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask, abort, jsonify, request
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

#: The id names the stored file: no path separators, no leading dot, whoever signed it.
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")


def create_app(secret: str | None = None, inbox: Path | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024  # a story is kilobytes; refuse floods
    webhook = Webhook(secret or os.environ["SYNDIKAT_EXAMPLE_PARTNER_SECRET"])
    folder = inbox or Path(os.environ.get("SYNDIKAT_EXAMPLE_PARTNER_INBOX", "var/example-partner"))
    folder.mkdir(parents=True, exist_ok=True)

    @app.post("/webhook")
    def receive() -> Any:
        body = request.get_data(as_text=True)
        try:
            event = webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            abort(401)
        if not SAFE_ID.fullmatch(request.headers["webhook-id"]):
            abort(400)
        path = folder / f"{request.headers['webhook-id']}.json"
        if path.exists():
            return jsonify(status="duplicate")  # a retry of something already stored
        path.write_text(json.dumps(event, ensure_ascii=False, indent=2))
        data = event.get("data", {})
        headline = next((h.get("value") for h in data.get("headlines", [])), data.get("uri"))
        app.logger.warning("%s: %s (%s)", event.get("type"), headline, data.get("copyrightnotice"))
        return jsonify(status="stored")

    @app.get("/")
    def received() -> Any:
        stored = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        return jsonify([json.loads(p.read_text()) for p in stored[-50:]])

    return app
