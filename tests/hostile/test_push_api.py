"""The push API (`POST /v1/sources/<name>/stories`) under attack.

Each bad push gets a clear 4xx and stores nothing (a signed push that is refused is written down
in `ingest_errors`, as the docs say; nothing else changes); hostile text that is a valid story
is stored harmlessly; and a valid push afterwards is still accepted.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from services.ingest.push_client import signed_push_headers
from shared.models import IngestError, Story, StoryVersion
from tests.hostile.conftest import changed
from tests.support.api import api_client
from tests.support.factories import fixture_story, new_secret

STORY = json.dumps(fixture_story()).encode()
PUSH_URL = "/v1/sources/wire/stories"


def push(client: Any, secret: str, body: bytes, **headers: str) -> Any:
    signed = signed_push_headers(secret, body.decode("utf-8", "replace"))
    return client.post(PUSH_URL, data=body, headers=signed | headers)


def push_fresh_story(client: Any, secret: str) -> Any:
    """A valid push of a story never seen: what must still work after any attack."""
    body = json.dumps(fixture_story(uri=f"urn:test:after:{uuid.uuid4().hex}")).encode()
    return push(client, secret, body)


def wall_now() -> datetime:
    """Signing time: ingest's verifier (Standard Webhooks) checks it on the wall clock."""
    return datetime.now(UTC)


def signed_at(secret: str, body: bytes, when: datetime, msg_id: str | None = None) -> dict:
    # Every test run shares one Redis: ids must not repeat across tests, or they are replays.
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
    }


def signed(secret: str, body: bytes) -> dict:
    return signed_push_headers(secret, body.decode("utf-8", "replace"))


def unsigned(secret: str, body: bytes) -> dict:
    return {"webhook-id": "msg_1", "webhook-timestamp": str(int(wall_now().timestamp()))}


def wrong_secret(secret: str, body: bytes) -> dict:
    return signed_push_headers(new_secret(), body.decode())


def for_another_body(secret: str, body: bytes) -> dict:
    return signed_push_headers(secret, json.dumps(fixture_story(version="9")))


def ten_minutes_old(secret: str, body: bytes) -> dict:
    return signed_at(secret, body, wall_now() - timedelta(minutes=10))


def ten_minutes_ahead(secret: str, body: bytes) -> dict:
    return signed_at(secret, body, wall_now() + timedelta(minutes=10))


def garbled(secret: str, body: bytes) -> dict:
    return signed(secret, body) | {"webhook-signature": "nonsense"}


def timestamp_not_a_number(secret: str, body: bytes) -> dict:
    return signed(secret, body) | {"webhook-timestamp": "nan"}


def only_unknown_versions(secret: str, body: bytes) -> dict:
    headers = signed(secret, body)
    return headers | {"webhook-signature": headers["webhook-signature"].replace("v1,", "v2,")}


def form_encoded(secret: str, body: bytes) -> dict:
    return signed(secret, body) | {"content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Bad:
    body: bytes
    status: int
    code: str
    sign: Any = signed
    path: str = PUSH_URL
    #: A signed push that is refused is written down for whoever runs the source.
    recorded: bool = False


def nested(depth: int) -> bytes:
    return b'{"uri": "urn:x", "ednote": ' + b"[" * depth + b"]" * depth + b"}"


def story_with(field: str, raw_value: str) -> bytes:
    """The fixture story with one field's JSON text replaced by `raw_value` (not re-encoded)."""
    marker = "__HOSTILE__"
    text = json.dumps(fixture_story(**{field: marker}))
    return text.replace(json.dumps(marker), raw_value).encode()


#: Shorter to read in the table below.
RECORDED = True

BAD = {
    # size and encoding
    "body over SYNDIKAT_MAX_BODY_BYTES": Bad(
        b" " * (2 * 1024 * 1024 + 1), 413, "request_entity_too_large"
    ),
    "invalid UTF-8": Bad(b'{"uri": "\xff\xfe"}', 400, "invalid_encoding"),
    "overlong UTF-8 for /": Bad(b'{"uri": "\xc0\xaf"}', 400, "invalid_encoding"),
    "UTF-16 with a BOM": Bad('{"uri": "x"}'.encode("utf-16"), 400, "invalid_encoding"),
    "a PNG image": Bad(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 400, "invalid_encoding"),
    # JSON that Python reads but no database stores
    "100,000 levels of [ ]": Bad(
        b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json", recorded=RECORDED
    ),
    "65 levels of nesting in a field": Bad(nested(65), 400, "malformed_json", recorded=RECORDED),
    "a 5,000-digit number": Bad(
        story_with("urgency", "9" * 5000), 400, "malformed_json", recorded=RECORDED
    ),
    "a number beyond a float": Bad(
        story_with("urgency", "1e999"), 400, "malformed_json", recorded=RECORDED
    ),
    "NaN": Bad(story_with("urgency", "NaN"), 400, "malformed_json", recorded=RECORDED),
    "an escaped NUL in the headline": Bad(
        story_with("ednote", '"a\\u0000b"'), 400, "malformed_json", recorded=RECORDED
    ),
    "a raw NUL byte in a string": Bad(
        story_with("ednote", '"a\x00b"'), 400, "malformed_json", recorded=RECORDED
    ),
    "a lone UTF-16 surrogate": Bad(
        story_with("ednote", '"\\ud800"'), 400, "malformed_json", recorded=RECORDED
    ),
    "malformed JSON": Bad(b"{not json", 400, "malformed_json", recorded=RECORDED),
    # not a story
    "a JSON array": Bad(b"[1, 2]", 422, "invalid_story", recorded=RECORDED),
    "not ninjs": Bad(b'{"uri": "u", "colour": "blue"}', 422, "invalid_story", recorded=RECORDED),
    "no uri": Bad(b'{"headlines": [{"value": "x"}]}', 422, "invalid_story", recorded=RECORDED),
    "a uri too long to keep": Bad(
        story_with("uri", '"urn:x:' + "y" * 995 + '"'), 422, "invalid_story", recorded=RECORDED
    ),
    "a form-encoded body": Bad(
        b"uri=x&headline=y", 415, "unsupported_format", form_encoded, recorded=RECORDED
    ),
    "a multipart body": Bad(
        b"--b\r\ncontent-disposition: form-data\r\n\r\nx\r\n--b--",
        415,
        "unsupported_format",
        recorded=RECORDED,
    ),
    # signatures
    "no signature": Bad(STORY, 401, "invalid_signature", unsigned),
    "signed with another secret": Bad(STORY, 401, "invalid_signature", wrong_secret),
    "signature for another body": Bad(STORY, 401, "invalid_signature", for_another_body),
    "timestamp 10 minutes old": Bad(STORY, 401, "invalid_signature", ten_minutes_old),
    "timestamp 10 minutes ahead": Bad(STORY, 401, "invalid_signature", ten_minutes_ahead),
    "garbled signature header": Bad(STORY, 401, "invalid_signature", garbled),
    "timestamp not a number": Bad(STORY, 401, "invalid_signature", timestamp_not_a_number),
    "only an unknown signature version": Bad(
        STORY, 401, "invalid_signature", only_unknown_versions
    ),
    # where it is sent
    "an unknown source": Bad(STORY, 404, "unknown_source", path="/v1/sources/nobody/stories"),
    "a look-alike source name (Cyrillic і)": Bad(
        STORY, 404, "unknown_source", path="/v1/sources/w\u0456re/stories"
    ),
    "a NUL in the source name": Bad(
        STORY, 400, "invalid_request", path="/v1/sources/wire%00/stories"
    ),
    "SQL in the source name": Bad(
        STORY, 404, "unknown_source", path="/v1/sources/x'%20OR%20'1'='1/stories"
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_push_is_refused_clearly_stores_nothing_and_the_api_stays_up(
    client, secret, rows, case
):
    bad = BAD[case]
    before = rows()

    answer = client.post(bad.path, data=bad.body, headers=bad.sign(secret, bad.body))

    assert answer.status_code == bad.status, answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["code"] == bad.code and error["message"]
    assert changed(before, rows()) == ({"ingest_errors": 1} if bad.recorded else {})
    assert push_fresh_story(client, secret).status_code == 202


HOSTILE_TEXT = {
    "SQL injection": "Rathaus'; DROP TABLE stories; -- \" OR 1=1 --",
    "script in a headline": '<script>alert("x")</script>Rathaus<img src=x onerror=alert(1)> zu',
    "right-to-left override": "Rathaus \u202egnuhcsilffeöreV\u202c geschlossen",
    "zero-width and combining characters": "Rat\u200bhaus\u200d ble\u0301ibt\ufeff zu",
    "a template expression": "{{ config.SECRET_KEY }} ${jndi:ldap://x/a} %(secret_key)s",
}
#: A headline is plain text: markup is removed before it is stored (the rest is stored as sent).
STORED_AS = {"script in a headline": "Rathaus zu"}


@pytest.mark.parametrize("case", list(HOSTILE_TEXT), ids=list(HOSTILE_TEXT))
def test_hostile_text_in_a_valid_story_is_stored_as_text_never_run(client, secret, db, rows, case):
    text = HOSTILE_TEXT[case]
    doc = fixture_story(headlines=[{"role": "main", "value": text}], uri=f"urn:hostile:{case}")
    before = rows()

    answer = push(client, secret, json.dumps(doc).encode())

    assert answer.status_code == 202
    assert changed(before, rows()) == {
        "stories": 1, "story_versions": 1, "story_events": 2, "outbox_messages": 1
    }  # fmt: skip
    stored = STORED_AS.get(case, text)
    assert db.scalars(select(Story.headline)).one() == stored
    status = client.get(answer.get_json()["status_url"])
    assert status.get_json()["headline"] == stored
    assert status.headers["Content-Type"] == "application/json"
    assert status.headers["X-Content-Type-Options"] == "nosniff"


def test_script_in_a_body_is_removed_before_it_is_stored(client, secret, db):
    html = (
        "<p>Text<script>alert(1)</script></p>"
        '<p><a href="javascript:x()" onmouseover="y()">a</a><iframe src="//evil"></iframe></p>'
    )
    doc = fixture_story(bodies=[{"role": "main", "contenttype": "text/html", "value": html}])

    assert push(client, secret, json.dumps(doc).encode()).status_code == 202

    assert db.scalars(select(StoryVersion)).one().ninjs["bodies"][0]["value"] == (
        "<p>Text</p><p><a>a</a></p>"
    )


def test_a_content_type_that_does_not_match_is_ignored_the_content_decides(client, secret, db):
    answer = push(client, secret, STORY, **{"content-type": "multipart/form-data; boundary=x"})

    assert answer.status_code == 202
    assert db.scalars(select(Story.uri)).one() == fixture_story()["uri"]


def test_a_replayed_webhook_id_is_refused_and_stores_nothing(client, secret, rows):
    headers = signed(secret, STORY)
    first = client.post(PUSH_URL, data=STORY, headers=headers)
    before = rows()

    again = client.post(PUSH_URL, data=STORY, headers=headers)

    assert first.status_code == 202
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "replayed_message"
    assert changed(before, rows()) == {}
    assert push_fresh_story(client, secret).status_code == 202


def test_a_replayed_id_is_refused_even_with_a_fresh_signature_and_another_body(client, secret):
    now, msg_id = wall_now(), f"msg_{uuid.uuid4().hex}"
    first = client.post(PUSH_URL, data=STORY, headers=signed_at(secret, STORY, now, msg_id))
    other = json.dumps(fixture_story(uri="urn:test:other")).encode()
    later = now + timedelta(seconds=30)

    answer = client.post(PUSH_URL, data=other, headers=signed_at(secret, other, later, msg_id))

    assert (first.status_code, answer.status_code) == (202, 409)


def test_the_same_story_under_two_webhook_ids_is_one_story(client, secret, db):
    first = client.post(PUSH_URL, data=STORY, headers=signed(secret, STORY))
    second = client.post(PUSH_URL, data=STORY, headers=signed(secret, STORY))

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.get_json()["id"] == first.get_json()["id"]
    assert second.get_json()["duplicate"] is True
    assert len(db.scalars(select(StoryVersion)).all()) == 1


def test_a_refused_push_may_be_retried_with_the_same_webhook_id(client, secret, db):
    """A Standard Webhooks sender retries under the same id; only an accepted push claims it."""
    msg_id, now = f"msg_{uuid.uuid4().hex}", wall_now()
    bad = json.dumps({"uri": "urn:x", "colour": "blue"}).encode()
    refused = client.post(PUSH_URL, data=bad, headers=signed_at(secret, bad, now, msg_id))
    retry = client.post(PUSH_URL, data=STORY, headers=signed_at(secret, STORY, now, msg_id))

    assert (refused.status_code, retry.status_code) == (422, 202)
    assert db.scalars(select(IngestError)).one().item_ref == f"push {msg_id}"


def test_one_webhook_id_is_free_for_each_source(client, secret, db):
    from tests.support.factories import add_source

    other_secret = new_secret()
    add_source(db, "other", secret=other_secret)
    when = wall_now()
    first = client.post(PUSH_URL, data=STORY, headers=signed_at(secret, STORY, when))
    other = client.post(
        "/v1/sources/other/stories", data=STORY, headers=signed_at(other_secret, STORY, when)
    )

    assert (first.status_code, other.status_code) == (202, 202)


@pytest.fixture
def limited_source(db: Any) -> Any:
    """A source of its own (rate counters live in the run's shared Redis) and an app at 3/min."""
    from tests.support.factories import add_source
    from tests.support.settings import changed_settings

    name, source_secret = f"limited-{uuid.uuid4().hex[:8]}", new_secret()
    add_source(db, name, secret=source_secret)
    with changed_settings() as change:
        change(SYNDIKAT_PUSH_RATE_LIMIT="3 per minute")
        yield api_client(), f"/v1/sources/{name}/stories", source_secret


def test_a_source_over_its_rate_limit_gets_429_with_retry_after(limited_source, secret, rows):
    client, url, source_secret = limited_source
    stories = [json.dumps(fixture_story(uri=f"urn:limit:{n}")).encode() for n in range(4)]
    answers = [client.post(url, data=s, headers=signed(source_secret, s)) for s in stories[:3]]
    before = rows()

    over = client.post(url, data=stories[3], headers=signed(source_secret, stories[3]))

    assert [a.status_code for a in answers] == [202, 202, 202]
    assert over.status_code == 429
    assert over.get_json()["error"]["code"] == "rate_limited"
    assert "3 per 1 minute" in over.get_json()["error"]["message"]
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert changed(before, rows()) == {}
    # Another source has its own allowance.
    assert push_fresh_story(client, secret).status_code == 202


def test_pushes_that_fail_the_signature_check_do_not_use_up_a_sources_allowance(limited_source):
    client, url, source_secret = limited_source
    for _ in range(5):
        assert (
            client.post(url, data=STORY, headers=unsigned(source_secret, STORY)).status_code == 401
        )

    answers = [
        client.post(url, data=s, headers=signed(source_secret, s))
        for s in (json.dumps(fixture_story(uri=f"urn:limit:{n}")).encode() for n in range(3))
    ]

    assert [a.status_code for a in answers] == [202, 202, 202]
