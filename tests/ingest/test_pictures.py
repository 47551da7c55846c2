"""Pictures in: fetched once after intake, checked, kept once, then the story goes on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from services.ingest import pictures
from services.ingest.push_client import signed_push_headers
from shared import ninjs, tasks
from shared.media_store import FolderStore, key_for
from shared.models import Media, Source, Story, StoryEvent, StoryState, StoryVersion
from tests.support.factories import add_source, queued, store_story
from tests.support.feed_server import FeedServer
from tests.support.pictures import picture, picture_bytes, rendition, story_with


@pytest.fixture
def server():
    with FeedServer(etags=False) as running:
        yield running


def fetch(db: Any, version_id: int) -> str:
    outcome = pictures.fetch_pictures(version_id)
    db.expire_all()
    return outcome


def timeline(db: Any, version_id: int) -> list[tuple[str, str]]:
    story_id = db.get(StoryVersion, version_id).story_id
    events = db.scalars(
        select(StoryEvent).where(StoryEvent.story_id == story_id).order_by(StoryEvent.id)
    )
    return [(e.stage, e.detail or "") for e in events]


def test_a_story_with_a_picture_waits_for_it_then_goes_on_with_it_stored_once(db, server):
    data = picture_bytes(640, 480)
    href = server.serve("/rathaus.jpg", data, content_type="image/jpeg")
    version_id = store_story(db, story_with(picture("bild", rendition(href, 640, 480))))

    assert queued(db, tasks.FETCH_PICTURES) == [{"story_version_id": version_id}]
    assert queued(db, tasks.TRANSLATE_VERSION) == []  # not before its pictures

    assert fetch(db, version_id) == "fetched"

    stored = db.get(StoryVersion, version_id).ninjs["associations"][0]
    media = db.scalars(select(Media)).one()
    assert stored[ninjs.MEDIA] == {
        "sha256": media.sha256,
        "content_type": "image/jpeg",
        "width": 640,
        "height": 480,
        "size_bytes": len(data),
        "rendition": "baseImage",
    }
    assert (media.width, media.height, media.size_bytes) == (640, 480, len(data))
    assert FolderStore(db_media_dir()).get(media.storage_key) == data
    assert media.storage_key == key_for(media.sha256, "image/jpeg")
    # What the wire said about the picture is kept as sent.
    assert stored["by"] == "Anna Fotografin"
    assert stored["x-syndikat-credit"] == "Foto: dpa"
    assert stored["x-syndikat-alt"] == "Ein Rathaus aus rotem Backstein"
    assert (stored["copyrightnotice"], stored["usageterms"]) == ("(c) dpa", "Nur redaktionell")
    assert ninjs.caption(stored) == "Das Rathaus"
    assert queued(db, tasks.TRANSLATE_VERSION) == [{"story_version_id": version_id}]
    assert ("pictures_fetched", "fetched and stored: bild") in timeline(db, version_id)

    # Another story with the same picture: fetched, but stored once.
    other = store_story(db, story_with(picture("foto", rendition(href, 640, 480)), uri="urn:x:2"))
    fetch(db, other)
    assert db.scalar(select(func.count()).select_from(Media)) == 1


def db_media_dir():
    from shared.config import get_settings

    return get_settings().media_dir


def test_the_widest_rendition_within_the_width_limit_is_the_one_fetched(db, server):
    hrefs = {
        width: server.serve(f"/{width}.jpg", picture_bytes(width, width // 2))
        for width in (4000, 1600, 400)
    }
    version_id = store_story(
        db,
        story_with(
            picture(
                "bild",
                rendition(hrefs[400], 400, 200, "thumbnail"),
                rendition(hrefs[4000], 4000, 2000, "original"),
                rendition(hrefs[1600], 1600, 800, "viewImage"),
            )
        ),
    )
    fetch(db, version_id)

    assert [r.path for r in server.requests] == ["/1600.jpg"]
    media = db.get(StoryVersion, version_id).ninjs["associations"][0][ninjs.MEDIA]
    assert (media["width"], media["rendition"]) == (1600, "viewImage")


def test_a_failed_picture_lets_the_story_go_on_without_it_by_default(db, server):
    version_id = store_story(db, story_with(picture("bild", rendition(server.url("/gone.jpg")))))

    assert fetch(db, version_id) == "without failed pictures"

    stored = db.get(StoryVersion, version_id).ninjs["associations"][0]
    assert "HTTP 404" in stored[ninjs.MEDIA_ERROR]
    assert ninjs.MEDIA not in stored
    assert queued(db, tasks.TRANSLATE_VERSION) == [{"story_version_id": version_id}]
    assert any(
        stage == "picture_failed" and "HTTP 404" in detail
        for stage, detail in timeline(db, version_id)
    )


def test_a_source_with_picture_policy_hold_holds_a_story_whose_picture_failed(db, server):
    add_source(db, "wire", picture_policy="hold")
    version_id = store_story(db, story_with(picture("bild", rendition(server.url("/gone.jpg")))))

    assert fetch(db, version_id) == "held"

    story = db.get(StoryVersion, version_id).story
    assert story.state == StoryState.HELD
    assert "picture policy `hold`" in story.state_detail
    assert queued(db, tasks.TRANSLATE_VERSION) == []
    assert db.scalar(select(func.count()).select_from(Media)) == 0


def test_a_story_without_pictures_goes_straight_to_translation(db):
    version_id = store_story(db, story_with())
    assert queued(db, tasks.TRANSLATE_VERSION) == [{"story_version_id": version_id}]
    assert queued(db, tasks.FETCH_PICTURES) == []


def test_a_resent_version_is_a_duplicate_although_its_pictures_were_fetched(db, server):
    href = server.serve("/rathaus.jpg", picture_bytes())
    doc = story_with(picture("bild", rendition(href)))
    version_id = store_story(db, doc)
    fetch(db, version_id)

    source = db.scalar(select(Source))
    from services.ingest.intake import take_story

    again = take_story(db, source, doc, via="test")
    assert again.outcome == "duplicate"
    assert db.scalar(select(func.count()).select_from(Story)) == 1


def test_a_wire_cannot_claim_a_picture_was_fetched(db):
    sent = picture("bild", rendition("https://wire.example/a.jpg"))
    sent[ninjs.MEDIA] = {"sha256": "0" * 64}
    version_id = store_story(db, story_with(sent))
    stored = db.get(StoryVersion, version_id).ninjs["associations"][0]
    assert ninjs.MEDIA not in stored
    assert queued(db, tasks.FETCH_PICTURES) == [{"story_version_id": version_id}]


def test_rendition_hrefs_that_are_not_web_urls_are_dropped_and_nothing_is_fetched(db):
    version_id = store_story(
        db,
        story_with(
            picture("bild", rendition("javascript:alert(1)"), rendition("file:///etc/passwd"))
        ),
    )
    assert fetch(db, version_id) == "without failed pictures"
    stored = db.get(StoryVersion, version_id).ninjs["associations"][0]
    assert all("href" not in r for r in stored["renditions"])
    assert stored[ninjs.MEDIA_ERROR] == "no rendition with an http(s) URL to fetch"


def test_a_pushed_nitf_story_with_an_image_gets_its_picture_and_credit(client, secret, db, server):
    href = server.serve(
        "/rathaus.png", picture_bytes(300, 200, kind="PNG"), content_type="image/png"
    )
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf><head><docdata><doc-id regsrc="hnd" id-string="rathaus-2"/></docdata></head>
<body><body.head><hedline><hl1>Das Rathaus wird renoviert</hl1></hedline></body.head>
<body.content><p>Der Ratssaal bekommt neue Fenster.</p>
<media media-type="image"><media-reference source="{href}" mime-type="image/png" width="300"
height="200"/><media-caption>Das Rathaus.</media-caption><media-producer>Foto: HND</media-producer>
</media></body.content></body></nitf>"""
    answer = client.post(
        "/v1/sources/wire/stories", data=body, headers=signed_push_headers(secret, body)
    )
    assert answer.status_code == 202, answer.get_json()
    [message] = queued(db, tasks.FETCH_PICTURES)

    fetch(db, message["story_version_id"])

    [stored] = db.get(StoryVersion, message["story_version_id"]).ninjs["associations"]
    assert stored[ninjs.MEDIA]["content_type"] == "image/png"
    assert (stored[ninjs.CREDIT], ninjs.caption(stored)) == ("Foto: HND", "Das Rathaus.")
