"""The push API: signed ninjs in, a story id and a queued translation out; bad input refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from services.ingest.app import create_app
from services.ingest.push_client import signed_push_headers
from shared import tasks
from shared.models import OutboxMessage, Story, StoryEvent, StoryVersion
from tests.support.factories import fixture_story, new_secret


def push(client: Any, secret: str, doc: Any, source: str = "wire") -> Any:
    body = doc if isinstance(doc, str) else json.dumps(doc)
    return client.post(
        f"/v1/sources/{source}/stories",
        data=body.encode(),
        headers=signed_push_headers(secret, body),
    )


def counts(db: Any) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(  # type: ignore[return-value]
        db.scalar(select(func.count()).select_from(model))
        for model in (Story, StoryVersion, OutboxMessage)
    )


def test_a_signed_story_is_stored_and_queued_for_translation(client, secret, db):
    answer = push(client, secret, fixture_story())

    assert answer.status_code == 202
    body = answer.get_json()
    assert body["duplicate"] is False and body["outcome"] == "original"
    assert body["status_url"].endswith(f"/v1/stories/{body['id']}")
    message = db.scalars(select(OutboxMessage)).one()
    version = db.scalars(select(StoryVersion)).one()
    assert message.task_name == tasks.TRANSLATE_VERSION
    assert message.kwargs == {"story_version_id": version.id}


def test_the_same_uri_and_version_twice_gives_the_same_id_and_queues_nothing(client, secret, db):
    first = push(client, secret, fixture_story()).get_json()
    second = push(client, secret, fixture_story())

    assert second.status_code == 202
    assert second.get_json()["id"] == first["id"]
    assert second.get_json()["duplicate"] is True
    assert counts(db) == (1, 1, 1)
    stages = db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)).all()
    assert stages == ["received", "language", "duplicate"]


def test_a_newer_version_is_an_update_and_an_older_one_a_duplicate(client, secret, db):
    push(client, secret, fixture_story(version="2"))
    older = push(client, secret, fixture_story(version="1")).get_json()
    newer = push(client, secret, fixture_story(version="3")).get_json()

    assert older["duplicate"] is True
    assert newer["outcome"] == "update"
    assert counts(db) == (1, 2, 2)


def test_a_kill_goes_straight_to_publishing(client, secret, db):
    push(client, secret, fixture_story())
    kill = push(client, secret, fixture_story(version="2", pubstatus="canceled")).get_json()

    assert kill["outcome"] == "kill"
    assert db.scalars(select(Story.state)).one() == "killed"
    queued = db.scalars(select(OutboxMessage.task_name).order_by(OutboxMessage.id)).all()
    assert queued == [tasks.TRANSLATE_VERSION, tasks.FAN_OUT]


def test_the_status_url_shows_the_story(client, secret):
    url = push(client, secret, fixture_story()).get_json()["status_url"]

    status = client.get(url).get_json()

    assert status["state"] == "received"
    assert status["headline"] == "Das Rathaus bleibt am Montag geschlossen"
    assert [v["version"] for v in status["versions"]] == ["1"]
    assert [e["stage"] for e in status["timeline"]] == ["received", "language"]


def _story_body(**changes: str) -> str:
    return json.dumps(fixture_story(**changes))


def _old_signature(secret: str, body: str) -> dict[str, str]:
    from datetime import UTC, datetime, timedelta

    then = datetime.now(UTC) - timedelta(minutes=10)
    return signed_push_headers(secret, body) | {
        "webhook-timestamp": str(int(then.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_old", then, body),
        "webhook-id": "msg_old",
    }


def _unsigned(secret: str, body: str) -> dict[str, str]:
    return {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time()))}


def _wrong_secret(secret: str, body: str) -> dict[str, str]:
    return signed_push_headers(new_secret(), body)


def _signed_for_other_body(secret: str, body: str) -> dict[str, str]:
    return signed_push_headers(secret, _story_body(version="9"))


def _garbled(secret: str, body: str) -> dict[str, str]:
    return signed_push_headers(secret, body) | {"webhook-signature": "nonsense"}


# case: (body, how it is signed, expected status, expected error code)
BAD_INPUT = {
    "malformed JSON": ("{not json", signed_push_headers, 400, "malformed_json"),
    "not ninjs": ('{"uri": "u", "colour": "blue"}', signed_push_headers, 422, "invalid_story"),
    "no uri": ('{"headlines": [{"value": "x"}]}', signed_push_headers, 422, "invalid_story"),
    "a JSON array": ("[1, 2]", signed_push_headers, 422, "invalid_story"),
    "no signature": (_story_body(), _unsigned, 401, "invalid_signature"),
    "wrong secret": (_story_body(), _wrong_secret, 401, "invalid_signature"),
    "tampered body": (_story_body(), _signed_for_other_body, 401, "invalid_signature"),
    "timestamp too old": (_story_body(), _old_signature, 401, "invalid_signature"),
    "garbled signature header": (_story_body(), _garbled, 401, "invalid_signature"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gets_a_clear_error_and_stores_nothing(client, secret, db, case):
    body, sign, status, code = BAD_INPUT[case]
    headers = sign(secret, body)

    answer = client.post("/v1/sources/wire/stories", data=body.encode(), headers=headers)

    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
    assert answer.get_json()["error"]["message"]
    assert counts(db) == (0, 0, 0)


def test_invalid_utf8_is_refused(client, secret, db):
    answer = client.post(
        "/v1/sources/wire/stories", data=b'{"uri": "\xff\xfe"}', headers=_garbled(secret, "x")
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_encoding"
    assert counts(db) == (0, 0, 0)


def test_an_unknown_source_is_refused(client, secret, db):
    answer = push(client, secret, fixture_story(), source="nobody")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_source"
    assert counts(db) == (0, 0, 0)


def test_a_body_over_the_limit_is_refused(db_env, secret, db, monkeypatch):
    monkeypatch.setenv("SYNDIKAT_MAX_BODY_BYTES", "1000")
    from shared.config import get_settings

    get_settings.cache_clear()
    client = create_app({"TESTING": True}).test_client()
    doc = fixture_story(ednote="x" * 2000)

    answer = push(client, secret, doc)

    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "request_entity_too_large"
    assert counts(db) == (0, 0, 0)


def test_an_unknown_story_id_is_a_json_404(client):
    for story_id in ("not-a-uuid", "6a1f3c1e-0000-4000-8000-000000000000"):
        answer = client.get(f"/v1/stories/{story_id}")
        assert answer.status_code == 404
        assert answer.get_json()["error"]["code"] == "not_found"
