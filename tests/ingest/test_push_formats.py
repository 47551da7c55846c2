"""Pushing NewsML-G2, NITF and ninjs 1.x.

Hostile pushes (XXE, entity bombs, malformed XML, 20 MB) are in tests/hostile/.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from services.ingest.push_client import signed_push_headers
from shared import tasks
from shared.models import OutboxMessage, Story, StoryEvent, StoryVersion
from tests.support.factories import FIXTURES, add_source, fixture_story, new_secret

G2 = FIXTURES / "newsml-g2"


def push(client: Any, secret: str, body: bytes, content_type: str = "application/xml") -> Any:
    headers = signed_push_headers(secret, body.decode()) | {"content-type": content_type}
    return client.post("/v1/sources/wire/stories", data=body, headers=headers)


def stored(db: Any) -> int:
    return db.scalar(select(func.count()).select_from(StoryVersion))


def test_a_pushed_newsml_g2_item_is_stored_and_queued(client, secret, db):
    answer = push(client, secret, (G2 / "hafen-streik.v1.xml").read_bytes())

    assert answer.status_code == 202
    assert answer.get_json()["outcome"] == "original"
    story = db.scalars(select(Story)).one()
    assert story.uri == "urn:newsml:hnd.example:20231201:hafen-warnstreik"
    assert db.scalars(select(OutboxMessage.task_name)).all() == [tasks.TRANSLATE_VERSION]


def test_a_pushed_newsml_g2_message_answers_for_every_item(client, secret, db):
    body = (G2 / "message-two-items.xml").read_bytes()

    answer = push(client, secret, body, "application/vnd.iptc.g2.newsmessage+xml")

    assert answer.status_code == 202
    assert [s["outcome"] for s in answer.get_json()["stories"]] == ["original", "original"]
    assert stored(db) == 2


def test_a_pushed_nitf_document_is_stored(client, secret, db):
    answer = push(client, secret, (FIXTURES / "nitf" / "stadtrat-haushalt.xml").read_bytes())

    assert answer.status_code == 202
    assert db.scalars(select(Story.headline)).one().startswith("Stadtrat beschließt")


def test_a_pushed_ninjs_1x_story_is_stored_as_2x(client, secret, db):
    body = (FIXTURES / "ninjs-1x" / "de-kita-gebuehren.json").read_bytes()

    answer = push(client, secret, body, "application/json")

    assert answer.status_code == 202
    assert "headlines" in db.scalars(select(StoryVersion)).one().ninjs


def test_a_pushed_kill_for_a_story_never_seen_is_recorded_not_published(client, secret, db):
    kill = fixture_story(version="3", pubstatus="canceled")

    answer = push(client, secret, json.dumps(kill).encode(), "application/json")

    assert answer.status_code == 202
    assert answer.get_json()["outcome"] == "kill"
    assert db.scalars(select(Story.state)).one() == "killed"
    assert db.scalars(select(OutboxMessage)).all() == []


def test_a_pushed_future_dated_version_is_accepted_and_flagged(client, secret, db, clock):
    clock.set_to_wall_clock()  # the push's signature is checked on the wall clock
    doc = fixture_story(versioncreated=(clock.now + timedelta(days=30)).isoformat())

    answer = push(client, secret, json.dumps(doc).encode(), "application/json")

    assert answer.status_code == 202
    assert "flagged" in db.scalars(select(StoryEvent.stage)).all()


def test_a_newsml_g2_source_refuses_a_pushed_ninjs_story(client, db):
    secret = new_secret()
    add_source(db, "g2wire", kind="newsml-g2", secret=secret)
    body = json.dumps(fixture_story())

    answer = client.post(
        "/v1/sources/g2wire/stories", data=body, headers=signed_push_headers(secret, body)
    )

    assert answer.status_code == 415
    assert stored(db) == 0
