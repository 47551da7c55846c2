"""The sources JSON API: behind a token, validates everything, never shows a secret."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.ingest.source_health import record_item_error
from shared import db as database
from shared import tasks
from shared.config import get_settings
from shared.models import OutboxMessage, Source
from tests.support.api import AUTH, api_client
from tests.support.factories import new_secret


@pytest.fixture
def client(db_env: str) -> Any:
    return api_client()


def add(client: Any, **fields: Any) -> Any:
    return client.post("/v1/sources", json=fields, headers=AUTH)


def test_an_rss_source_is_added_and_shown_with_its_status(client, db):
    answer = add(
        client,
        name="hnd",
        kind="rss",
        url="https://hnd.example/rss.xml",
        language="de",
        attribution="Source: HND",
        poll_interval_seconds=120,
    )

    assert answer.status_code == 201
    shown = answer.get_json()
    assert shown["kind"] == "rss" and shown["poll_interval_seconds"] == 120
    assert shown["status"]["health"] == "waiting"
    assert shown["status"]["items_last_24h"] == 0
    assert client.get("/v1/sources/hnd", headers=AUTH).get_json()["url"].endswith("rss.xml")
    listed = client.get("/v1/sources", headers=AUTH).get_json()["sources"]
    assert [s["name"] for s in listed] == ["hnd"]


def test_a_secret_can_be_set_but_is_never_returned(client, db):
    secret = new_secret()

    created = add(client, name="stern", kind="push", secret=secret)
    changed = client.patch("/v1/sources/stern", json={"secret": new_secret()}, headers=AUTH)
    listed = client.get("/v1/sources", headers=AUTH)

    for answer in (created, changed, listed, client.get("/v1/sources/stern", headers=AUTH)):
        assert secret not in answer.get_data(as_text=True)
        assert "whsec_" not in answer.get_data(as_text=True)
    assert created.get_json()["has_secret"] is True
    assert db.scalars(select(Source.secret)).one() != secret  # changed, and stored encrypted


def test_a_source_is_changed_with_patch(client, db):
    add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")

    answer = client.patch(
        "/v1/sources/hnd", json={"enabled": False, "quiet_after_seconds": 7200}, headers=AUTH
    )

    assert answer.status_code == 200
    assert answer.get_json()["enabled"] is False
    assert answer.get_json()["status"]["health"] == "disabled"
    assert db.scalars(select(Source.quiet_after_seconds)).one() == 7200


def test_an_engine_route_is_set_shown_and_cleared(client, db):
    add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")

    routed = client.patch(
        "/v1/sources/hnd", json={"engine_route": "urgency<=2:deepl,*:local"}, headers=AUTH
    )
    cleared = client.patch("/v1/sources/hnd", json={"engine_route": ""}, headers=AUTH)

    assert routed.get_json()["engine_route"] == "urgency<=2:deepl,*:local"
    assert cleared.get_json()["engine_route"] is None
    assert db.scalars(select(Source.engine_route)).one() is None


def test_a_picture_policy_is_set_shown_and_checked(client, db):
    added = add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")
    held = client.patch("/v1/sources/hnd", json={"picture_policy": "hold"}, headers=AUTH)
    refused = client.patch("/v1/sources/hnd", json={"picture_policy": "maybe"}, headers=AUTH)

    assert added.get_json()["picture_policy"] == "without"
    assert held.get_json()["picture_policy"] == "hold"
    assert refused.status_code == 422, refused.get_json()
    assert "picture_policy must be hold or without" in refused.get_json()["error"]["message"]
    assert db.scalars(select(Source.picture_policy)).one() == "hold"


INVALID = {
    "unknown kind": ({"name": "a", "kind": "telex"}, "kind"),
    "feed without url": ({"name": "a", "kind": "rss"}, "url"),
    "url not http": ({"name": "a", "kind": "rss", "url": "file:///etc/passwd"}, "url"),
    "folder outside the inbox": ({"name": "a", "kind": "folder", "folder": "../../etc"}, "folder"),
    "push without secret": ({"name": "a", "kind": "push"}, "secret"),
    "secret not whsec": ({"name": "a", "kind": "push", "secret": "hunter2"}, "secret"),
    "interval too short": (
        {"name": "a", "kind": "rss", "url": "https://x.example/", "poll_interval_seconds": 1},
        "poll_interval_seconds",
    ),
    "flag not boolean": (
        {"name": "a", "kind": "rss", "url": "https://x.example/", "enabled": "yes"},
        "enabled",
    ),
    "unknown field": ({"name": "a", "kind": "rss", "colour": "red"}, "colour"),
    "bad name": (
        {"name": "Hanse Nachrichten!", "kind": "rss", "url": "https://x.example/"},
        "name",
    ),
    "bad engine route": (
        {"name": "a", "kind": "rss", "url": "https://x.example/", "engine_route": "deepl"},
        "engine_route",
    ),
    "bad language": (
        {"name": "a", "kind": "rss", "url": "https://x.example/", "language": "Deutsch!"},
        "language",
    ),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_an_invalid_source_is_refused_with_the_field_named(client, db, case):
    fields, field = INVALID[case]

    answer = add(client, **fields)

    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_source"
    assert error["details"][0].startswith(f"{field}:")
    assert db.scalars(select(Source)).all() == []


def test_bad_requests_get_clear_errors(client):
    add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")

    assert add(client, name="hnd", kind="rss", url="https://x.example/").status_code == 409
    assert client.get("/v1/sources/nobody", headers=AUTH).status_code == 404
    assert client.patch("/v1/sources/nobody", json={}, headers=AUTH).status_code == 404
    malformed = client.post("/v1/sources", data="{nope", headers=AUTH)
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["code"] == "malformed_json"
    assert client.get("/v1/sources/hnd/errors?limit=0", headers=AUTH).status_code == 400


def test_a_sources_errors_are_listed_newest_first(client, db):
    add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")
    source_id = db.scalars(select(Source.id)).one()
    with database.session() as session:
        record_item_error(session, source_id, "guid-1", "the item has neither a guid nor a link")
    with database.session() as session:
        record_item_error(session, source_id, "guid-1", "the item has neither a guid nor a link")
        record_item_error(session, source_id, "(feed)", "HTTP 500 from the feed server")

    errors = client.get("/v1/sources/hnd/errors", headers=AUTH).get_json()["errors"]

    assert [(e["item"], e["occurrences"]) for e in errors] == [("(feed)", 1), ("guid-1", 2)]
    shown = client.get("/v1/sources/hnd", headers=AUTH).get_json()
    assert shown["status"]["errors_last_24h"] == 2


def test_poll_now_queues_a_poll_of_a_feed_but_not_of_a_push_source(client, db):
    add(client, name="hnd", kind="rss", url="https://hnd.example/rss.xml")
    add(client, name="stern", kind="push", secret=new_secret())

    polled = client.post("/v1/sources/hnd/poll", headers=AUTH)
    refused = client.post("/v1/sources/stern/poll", headers=AUTH)

    assert polled.status_code == 202
    assert refused.status_code == 409
    message = db.scalars(select(OutboxMessage)).one()
    assert message.task_name == tasks.POLL_SOURCE
    assert message.kwargs == {
        "source_id": db.scalars(select(Source.id).where(Source.name == "hnd")).one()
    }


def test_a_password_in_a_feed_url_is_masked_when_shown(client, db):
    answer = add(client, name="hnd", kind="rss", url="https://wire:s3cret@hnd.example/rss.xml")

    assert answer.get_json()["url"] == "https://wire:***@hnd.example/rss.xml"
    assert "s3cret" not in client.get("/v1/sources", headers=AUTH).get_data(as_text=True)
    assert db.scalars(select(Source.url)).one() == "https://wire:s3cret@hnd.example/rss.xml"


def test_a_folder_source_gets_its_folder_inside_the_inbox(client, db):
    answer = add(client, name="hnd-g2", kind="newsml-g2", folder="hnd/g2")

    assert answer.status_code == 201
    assert (get_settings().inbox_dir / "hnd" / "g2").is_dir()
