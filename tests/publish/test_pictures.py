"""Pictures out: webhooks and feeds point at Syndikat's own signed copy, which serves the bytes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree, html
from standardwebhooks import Webhook

from services.api import create_app
from services.publish import delivery, registry
from shared import ninjs
from tests.support.factories import add_partner, new_secret
from tests.support.pictures import picture_association, png_bytes, translated_picture_version
from tests.support.publishing import fan_out, only_delivery

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(db_env: str) -> Any:
    return create_app({"TESTING": True}).test_client()


def webhook_story(db: Any, partner_site: Any, association: dict | None = None) -> dict:
    secret = new_secret()
    add_partner(db, "hook", endpoint=partner_site.url, secret=secret)
    fan_out(db, translated_picture_version(db, association))
    assert delivery.attempt(only_delivery(db, "hook").id) == "delivered"
    [request] = partner_site.requests
    return Webhook(secret).verify(request.body.decode(), request.headers)["data"]


def test_a_webhook_carries_the_picture_at_syndikats_address_with_english_caption_and_credit(
    db, wire, partner_site, client, clock
):
    clock.set_to_wall_clock()  # Webhook.verify checks the signature's time on the wall clock
    data = png_bytes(40, 30, seed=7)
    story = webhook_story(db, partner_site, picture_association(data))

    assert ninjs.problems(story) == []
    [picture] = story["associations"]
    assert picture["name"] == "photo"
    assert picture["type"] == "picture"
    assert picture["headlines"] == [{"role": "main", "value": "Bremen town hall"}]
    assert {d["role"]: d["value"] for d in picture["descriptions"]} == {
        "caption": "Bremen's town hall on Sunday morning.",
        "alt": "The town hall with scaffolding",
        "credit": "Photo: Sina Schuldt/dpa",
    }
    assert picture["by"] == "Sina Schuldt"
    [rendition] = picture["renditions"]
    assert rendition["href"].startswith("http://127.0.0.1:8000/v1/media/")
    assert "wire.example" not in str(story)
    assert (rendition["contenttype"], rendition["sizeinbytes"]) == ("image/png", len(data))

    url = urlsplit(rendition["href"])
    answer = client.get(f"{url.path}?{url.query}")
    assert answer.status_code == 200
    assert answer.data == data
    assert answer.mimetype == "image/png"
    assert answer.headers["ETag"].strip('"') in url.path
    assert "max-age" in answer.headers["Cache-Control"]
    again = client.get(f"{url.path}?{url.query}", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_the_public_api_url_setting_is_the_base_of_picture_addresses(
    db, wire, partner_site, settings, clock
):
    clock.set_to_wall_clock()
    settings(SYNDIKAT_PUBLIC_API_URL="https://syndikat.example.org/")

    story = webhook_story(db, partner_site)

    href = story["associations"][0]["renditions"][0]["href"]
    assert href.startswith("https://syndikat.example.org/v1/media/")


def test_a_picture_that_was_not_fetched_is_left_out_and_its_wire_address_not_passed_on(
    db, wire, partner_site, clock
):
    clock.set_to_wall_clock()
    failed = picture_association(**{"x-syndikat-media-error": "refused: an SVG"})
    del failed["x-syndikat-media"]

    story = webhook_story(db, partner_site, failed)

    assert "associations" not in story
    assert "wire.example" not in str(story)
    assert ninjs.problems(story) == []


def signed_path(db: Any, clock: Any) -> tuple[str, dict[str, str]]:
    from services.publish import media_urls

    translated_picture_version(db)
    sha256 = picture_association()["x-syndikat-media"]["sha256"]
    url = urlsplit(media_urls.signed_path(sha256, clock.now))
    return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}


def test_an_expired_or_forged_picture_address_is_refused(db, wire, client, clock, settings):
    settings(SYNDIKAT_MEDIA_URL_DAYS="1")
    path, query = signed_path(db, clock)

    assert client.get(path, query_string=query).status_code == 200
    forged = query | {"sig": "0" * 64}
    assert client.get(path, query_string=forged).status_code == 403
    longer = query | {"exp": str(int(query["exp"]) + 86400)}
    assert client.get(path, query_string=longer).status_code == 403
    other = path.replace(path[-64:], "f" * 64)
    assert client.get(other, query_string=query).status_code == 403
    assert client.get(path).status_code == 403

    clock.advance(hours=26)
    expired = client.get(path, query_string=query)
    assert expired.status_code == 403
    assert expired.json["error"]["code"] == "invalid_media_url"


@pytest.fixture
def token(db: Any, clock: Any) -> str:
    partner, token = registry.create(db, "puller", {"method": "feed"}, clock.now)
    db.add(partner)
    db.commit()
    return str(token)


def test_the_feeds_carry_the_picture_as_enclosure_figure_and_association(
    db, wire, client, token, clock
):
    data = png_bytes(40, 30, seed=9)
    fan_out(db, translated_picture_version(db, picture_association(data)))

    json_feed = client.get(f"/v1/feeds/puller.json?token={token}").json
    [picture] = json_feed["stories"][0]["associations"]
    href = picture["renditions"][0]["href"]
    assert href.startswith("http://localhost/v1/media/")  # the address the feed came from
    url = urlsplit(href)
    assert client.get(f"{url.path}?{url.query}").data == data

    feed = etree.fromstring(client.get(f"/v1/feeds/puller.atom?token={token}").data)
    [entry] = feed.findall(f"{ATOM}entry")
    [enclosure] = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert (enclosure.get("type"), enclosure.get("length")) == ("image/png", str(len(data)))
    assert urlsplit(enclosure.get("href")).path == url.path
    content = html.fromstring(entry.findtext(f"{ATOM}content"))
    [figure] = content.xpath("//figure")
    assert urlsplit(figure.xpath(".//img/@src")[0]).path == url.path
    assert figure.xpath(".//img/@alt") == ["The town hall with scaffolding"]
    assert figure.findtext("figcaption") == (
        "Bremen's town hall on Sunday morning. Photo: Sina Schuldt/dpa"
    )
    assert "The town hall stays closed on Monday." in content.text_content()


def test_a_retried_webhook_with_a_picture_is_the_same_body(db, wire, partner_site, clock):
    from tests.support.receiver import Answer

    clock.set_to_wall_clock()
    add_partner(db, "hook", endpoint=partner_site.url, secret=new_secret())
    fan_out(db, translated_picture_version(db))
    target = only_delivery(db, "hook")
    partner_site.script.append(Answer(status=503))
    delivery.attempt(target.id)
    delivery.attempt(target.id, now=clock.now + timedelta(hours=3))

    first, second = partner_site.requests
    assert first.body == second.body


def test_stored_pictures_in_list_form_are_delivered_the_same_way(clock):
    from services.publish import pictures

    stored = picture_association(store=False) | {"name": "photo"}
    story = {"uri": "urn:x", "associations": [stored, {"name": "video", "type": "video"}]}

    pictures.for_partners(story, clock.now, "https://api.example")

    picture, video = story["associations"]
    assert video == {"name": "video", "type": "video"}
    assert picture["renditions"][0]["href"].startswith(
        f"https://api.example/v1/media/{'0' * 64}?exp="
    )
    assert "x-syndikat-media" not in picture and "wire.example" not in str(picture)
