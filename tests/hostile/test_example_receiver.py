"""The example partner endpoint (services/publish/example_receiver.py), which partners copy:
it stores a file named by the `webhook-id`, so a hostile id or a flood must not get through."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.publish import example_receiver
from shared.signing import signed_headers
from tests.support.factories import new_secret

EVENT = json.dumps({"type": "story.published", "data": {"uri": "urn:x", "headlines": []}})


@pytest.fixture
def receiver(tmp_path: Any) -> Any:
    secret = new_secret()
    app = example_receiver.create_app(secret=secret, inbox=tmp_path / "inbox")
    return app.test_client(), secret, tmp_path


@pytest.mark.parametrize("webhook_id", ["../../escaped", "..", "a/b", ".hidden", "x" * 201])
def test_a_signed_message_with_a_path_for_an_id_is_refused(receiver, webhook_id):
    client, secret, folder = receiver

    answer = client.post("/webhook", data=EVENT, headers=signed_headers(secret, EVENT, webhook_id))

    assert answer.status_code == 400
    assert list(folder.rglob("*.json")) == []
    good = client.post("/webhook", data=EVENT, headers=signed_headers(secret, EVENT))
    assert good.json == {"status": "stored"}


def test_a_flood_is_refused_by_size(receiver):
    client, secret, folder = receiver
    body = " " * (5 * 1024 * 1024)

    answer = client.post("/webhook", data=body, headers=signed_headers(secret, body))

    assert answer.status_code == 413
    assert list(folder.rglob("*.json")) == []
