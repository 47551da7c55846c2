"""The push API: signed ninjs in, a story id and a queued translation out.

Bad and hostile pushes are in tests/hostile/test_push_api.py.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from services.ingest.push_client import signed_push_headers
from shared import tasks
from shared.models import OutboxMessage, Story, StoryEvent, StoryVersion
from tests.support.factories import fixture_story


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


def test_an_unknown_story_id_is_a_json_404(client):
    for story_id in ("not-a-uuid", "6a1f3c1e-0000-4000-8000-000000000000"):
        answer = client.get(f"/v1/stories/{story_id}")
        assert answer.status_code == 404
        assert answer.get_json()["error"]["code"] == "not_found"
