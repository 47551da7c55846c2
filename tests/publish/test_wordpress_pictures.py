"""A story's picture on a real WordPress (tests/support/wordpress.py): the featured image, in
the media library once, with the English caption, the credit and the alt text."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.ingest import pictures as ingest_pictures
from services.publish import delivery, fanout
from services.publish.methods.wordpress_api import WordPressSite
from services.publish.methods.wordpress_media import featured_media, media_slug
from services.publish.pictures import stored_pictures
from services.translate import pipeline
from shared import http
from shared.models import Delivery
from tests.support import pictures as pictures_support
from tests.support import wordpress
from tests.support.factories import add_partner, add_source, store_story
from tests.support.feed_server import FeedServer
from tests.support.pictures import (
    picture,
    picture_association,
    png_bytes,
    rendition,
    story_with,
    translated_picture_version,
)

pytestmark = pytest.mark.timeout(900)

CAPTION = "Bremen's town hall on Sunday morning. Photo: Sina Schuldt/dpa"
WIRE_CAPTION = "Das Rathaus von Bremen am Sonntagmorgen."


@pytest.fixture
def picture_server():
    with FeedServer(etags=False) as running:
        yield running


@pytest.fixture
def partner(db: Any, site: wordpress.Site) -> dict[str, Any]:
    add_source(db, attribution="Source: Stern")
    login = {"user": site.editor.login, "app_password": site.editor.app_password}
    endpoint = f"{site.url}/wp-json/"
    add_partner(db, "24hw", endpoint=endpoint, method="wordpress", credentials=json.dumps(login))
    return {"endpoint": endpoint, **login}


def a_picture() -> bytes:
    """A picture no other test (in this session's WordPress) has sent."""
    return png_bytes(48, 36, seed=random.randrange(2**32))


def deliver(db: Any, version_id: int) -> Delivery:
    assert fanout.fan_out(db, version_id) == 1
    db.commit()
    query = select(Delivery).where(Delivery.story_version_id == version_id)
    assert delivery.attempt(db.scalars(query).one().id) == "delivered"
    return db.scalars(query).one()


def library_item(admin: httpx.Client, media_id: int) -> dict[str, Any]:
    answer = admin.get(f"wp/v2/media/{media_id}", params={"context": "edit"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def items_with_slug(admin: httpx.Client, slug: str) -> list[int]:
    answer = admin.get("wp/v2/media", params={"slug": slug, "context": "edit"})
    return [item["id"] for item in answer.json()]


def featured_of(admin: httpx.Client, post_id: str | None) -> tuple[int, str]:
    post = admin.get(f"wp/v2/posts/{post_id}", params={"context": "edit"}).json()
    return post["featured_media"], post["status"]


def test_a_german_story_with_a_photo_is_a_post_with_its_featured_image_caption_and_credit(
    db, site, admin, partner
):
    data = a_picture()
    uri = f"urn:test:{uuid.uuid4().hex}"

    published = deliver(db, translated_picture_version(db, picture_association(data), uri=uri))

    media_id, status = featured_of(admin, published.remote_id)
    assert status == "publish" and media_id
    item = library_item(admin, media_id)
    assert item["caption"]["raw"] == CAPTION
    assert item["alt_text"] == "The town hall with scaffolding"
    assert item["mime_type"] == "image/png"
    details = item["media_details"]
    assert (details["width"], details["height"], details["filesize"]) == (48, 36, len(data))
    assert item["slug"] == f"syndikat-{hashlib.sha256(data).hexdigest()[:32]}"

    # An update with the same picture uses the same library item: nothing is uploaded again.
    headline = [{"role": "main", "value": "Baubeginn im Herbst"}]
    same = translated_picture_version(
        db, picture_association(data), uri=uri, version="2", headlines=headline
    )
    updated = deliver(db, same)
    assert featured_of(admin, updated.remote_id) == (media_id, "publish")
    assert items_with_slug(admin, item["slug"]) == [media_id]

    # An update with another picture replaces the featured image.
    other = translated_picture_version(db, picture_association(a_picture()), uri=uri, version="3")
    replaced = deliver(db, other)
    new_media_id, _ = featured_of(admin, replaced.remote_id)
    assert new_media_id not in (0, media_id)

    # A kill trashes the post and leaves the library alone.
    killed = deliver(db, translated_picture_version(db, uri=uri, version="4", pubstatus="canceled"))
    assert featured_of(admin, killed.remote_id)[1] == "trash"
    assert library_item(admin, media_id)["id"] == media_id
    assert library_item(admin, new_media_id)["id"] == new_media_id


def test_a_picture_already_in_the_library_is_found_by_its_hash_not_uploaded_twice(
    db, site, admin, partner
):
    data = a_picture()
    version_id = translated_picture_version(db, picture_association(data))
    [picture] = stored_pictures(_english(db, version_id))
    with http.client() as client:  # an earlier attempt uploaded it, but its answer was lost
        wp = WordPressSite(client, partner["endpoint"], partner["user"], partner["app_password"])
        before = featured_media(wp, _with_key(db, picture))
    assert items_with_slug(admin, media_slug(picture)) == [before]

    published = deliver(db, version_id)
    second_story = deliver(
        db, translated_picture_version(db, picture_association(data), uri="urn:test:other")
    )

    assert featured_of(admin, published.remote_id)[0] == before
    assert featured_of(admin, second_story.remote_id)[0] == before
    assert items_with_slug(admin, media_slug(picture)) == [before]


def test_an_update_without_a_picture_clears_the_featured_image(db, site, admin, partner):
    uri = f"urn:test:{uuid.uuid4().hex}"
    published = deliver(
        db, translated_picture_version(db, picture_association(a_picture()), uri=uri)
    )
    assert featured_of(admin, published.remote_id)[0]

    failed = picture_association(a_picture(), **{"x-syndikat-media-error": "refused"})
    del failed["x-syndikat-media"]
    updated = deliver(db, translated_picture_version(db, failed, uri=uri, version="2"))

    assert featured_of(admin, updated.remote_id) == (0, "publish")


def _english(db: Any, version_id: int) -> dict[str, Any]:
    from shared.models import Translation

    query = select(Translation.ninjs).where(Translation.story_version_id == version_id)
    return db.scalars(query).one()


def _with_key(db: Any, picture: Any) -> Any:
    import dataclasses

    from shared.media_store import key_for

    return dataclasses.replace(picture, storage_key=key_for(picture.sha256, picture.content_type))


def test_a_pushed_german_story_with_a_photo_reaches_wordpress_fetched_captioned_and_credited(
    db, site, admin, partner, picture_server
):
    """The whole way: intake (the wire's ninjs 2.x form), the fetch over HTTP into the media
    store, translation of the caption, and the post on the real WordPress."""
    data = a_picture()
    href = picture_server.serve(f"/{uuid.uuid4().hex}.png", data, content_type="image/png")
    wire_picture = picture(
        "bild",
        rendition(href, 48, 36) | {"contenttype": "image/png"},
        descriptions=[{"role": "caption", "contenttype": "text/plain", "value": WIRE_CAPTION}],
        **{"x-syndikat-credit": "Foto: Sina Schuldt/dpa", "x-syndikat-alt": pictures_support.ALT},
    )
    version_id = store_story(db, story_with(wire_picture, uri=f"urn:test:{uuid.uuid4().hex}"))
    assert ingest_pictures.fetch_pictures(version_id) == "fetched"
    pipeline.translate_version(version_id)

    published = deliver(db, version_id)

    media_id, status = featured_of(admin, published.remote_id)
    assert status == "publish" and media_id
    item = library_item(admin, media_id)
    assert item["caption"]["raw"] == CAPTION
    assert item["alt_text"] == "The town hall with scaffolding"
    assert item["media_details"]["width"] == 48
