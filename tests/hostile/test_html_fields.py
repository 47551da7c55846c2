"""Hostile markup in every HTML-bearing field of ninjs, through every way in, never survives.

The fields are read from the ninjs 2.2 schema Syndikat stores: the texts (`headlines`, `bodies`,
`descriptions`: HTML or plain), the links (`href` of `renditions` and `trustindicators`), and
the stories nested in `associations`, two levels deep here. Each is filled with scripts, event
handlers, frames and `javascript:`/`data:` links; the story comes in by push (ninjs 1.x, 2.x,
3.x, NewsML-G2, NITF), by folder and by feed; then neither storage nor what a partner gets (the
webhook payload, the Atom and JSON feeds) holds any of it, and the story's text is still there.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from sqlalchemy import select

from services.ingest.feeds.poll import poll_feed
from services.ingest.folders import scan_folder
from services.ingest.intake import take_story
from services.ingest.push_client import signed_push_headers
from services.publish import delivery, fanout, registry
from services.translate import pipeline
from shared import ninjs
from shared.config import get_settings
from shared.models import Delivery, Story, StoryVersion, utcnow
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.feed_server import FeedServer
from tests.support.receiver import Receiver

PROSE = "The city library will stay open until ten at night from next week, the mayor said."
HOSTILE_HTML = (
    f'<p onclick="steal()">{PROSE}<script>alert(1)</script>'
    '<img src="x" onerror="alert(2)"/><iframe src="https://evil.example/"></iframe>'
    '<a href="javascript:alert(3)">more</a><svg onload="alert(4)"></svg></p>'
)
HOSTILE_HREFS = (
    "javascript:alert(5)",
    " JaVaScRiPt:alert(6)",
    "data:text/html;base64,PHNjcmlwdD4=",
)
SAFE_HREF = "https://hnd.example/library.jpg"
#: None of these may be anywhere in what is stored or sent.
MARKERS = ("<script", "script>", "onerror", "onclick", "onload", "<iframe", "<svg", "<img")
LINK_MARKERS = ("javascript:", "data:text")
ATOM = "{http://www.w3.org/2005/Atom}"


def schema_fields() -> tuple[list[str], list[str], list[str]]:
    """From the ninjs 2.2 schema: text arrays (items with a `value` and a `contenttype`), link
    arrays (items with an `href`), and arrays of nested stories."""
    schema = json.loads(Path(ninjs.SCHEMA_PATH).read_text())
    texts, links, nested = [], [], []
    for name, prop in schema["$defs"]["ninjsType"]["properties"].items():
        items = prop.get("items") or {}
        keys = items.get("properties") or {}
        if items.get("$ref") == "#/$defs/ninjsType":
            nested.append(name)
        elif {"value", "contenttype"} <= keys.keys():
            texts.append(name)
        elif "href" in keys:
            links.append(name)
    return sorted(texts), sorted(links), nested


TEXTS, LINKS, NESTED = schema_fields()


def test_the_schema_walk_finds_every_html_bearing_field():
    # A new HTML-bearing field in the schema fails here until the sanitiser and this test know it.
    assert (TEXTS, LINKS, NESTED) == (
        ["bodies", "descriptions", "headlines"],
        ["renditions", "trustindicators"],
        ["associations"],
    )


def hostile_story(uri: str, depth: int = 2) -> dict[str, Any]:
    """A ninjs 2.x story with hostile markup in every HTML-bearing field, nested `depth` deep."""
    doc: dict[str, Any] = {"uri": uri, "type": "text", "language": "en"}
    for field in TEXTS:
        doc[field] = [
            {"role": "main", "contenttype": "text/html", "value": HOSTILE_HTML},
            {"role": "alternative", "contenttype": "text/plain", "value": HOSTILE_HTML},
            {"role": "other", "value": HOSTILE_HTML},
        ]
    for field in LINKS:
        label = "name" if field == "renditions" else "title"
        doc[field] = [
            {label: f"l{n}", "href": h} for n, h in enumerate((*HOSTILE_HREFS, SAFE_HREF))
        ]
    if depth:
        doc[NESTED[0]] = [{"name": f"level{depth}"} | hostile_story(f"{uri}:a{depth}", depth - 1)]
    return doc


def assert_harmless(text: str) -> None:
    lowered = text.lower()
    for marker in (*MARKERS, *LINK_MARKERS):
        assert marker not in lowered, f"{marker!r} survived in {text[:400]}"


def assert_stored_harmlessly(db: Any) -> Story:
    db.expire_all()
    story = db.scalars(select(Story)).one()
    for version in db.scalars(select(StoryVersion)):
        assert_harmless(json.dumps(version.ninjs, ensure_ascii=False))
    assert_harmless(story.headline or "")
    assert PROSE in json.dumps(story.current_version.ninjs, ensure_ascii=False)
    return story


# The ways in -----------------------------------------------------------------------------------


def ninjs_1x(uri: str) -> dict[str, Any]:
    def texts(depth: int) -> dict[str, Any]:
        doc = {
            "headline": HOSTILE_HTML,
            "body_html": HOSTILE_HTML,
            "body_text": HOSTILE_HTML,
            "description_html": HOSTILE_HTML,
            "description_text": HOSTILE_HTML,
            "renditions": {f"r{n}": {"href": h} for n, h in enumerate(HOSTILE_HREFS)},
        }
        if depth:
            doc["associations"] = {"pic": {"uri": f"{uri}:pic{depth}", **texts(depth - 1)}}
        return doc

    return {"uri": uri, "type": "text", "language": "en", **texts(2)}


CAMEL = {"contenttype": "contentType", "trustindicators": "trustIndicators"}


def ninjs_3x(uri: str) -> dict[str, Any]:
    def camel(value: Any) -> Any:
        if isinstance(value, list):
            return [camel(item) for item in value]
        if isinstance(value, dict):
            return {CAMEL.get(key, key): camel(item) for key, item in value.items()}
        return value

    return {"$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"} | camel(
        hostile_story(uri)
    )


def newsml_g2(uri: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{uri}" version="1" xml:lang="en">
  <itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:usable"/></itemMeta>
  <contentMeta>
    <headline>{escape(HOSTILE_HTML)}</headline>
    <description>{escape(HOSTILE_HTML)}</description>
    <language tag="en"/>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><body>{HOSTILE_HTML}</body></html>
    </inlineXML>
    <remoteContent href="{HOSTILE_HREFS[0]}" contenttype="text/html"/>
  </contentSet>
</newsItem>""".encode()


def nitf(uri: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf xml:lang="en"><head><docdata><doc-id id-string="{uri}"/></docdata></head>
<body><body.head><hedline><hl1>{escape(HOSTILE_HTML)}</hl1></hedline>
<abstract>{HOSTILE_HTML}</abstract></body.head>
<body.content>{HOSTILE_HTML}</body.content></body></nitf>""".encode()


def rss(uri: str) -> bytes:
    item = (
        f"<item><title>{escape(HOSTILE_HTML)}</title><guid>{uri}</guid>"
        f"<description>{escape(HOSTILE_HTML)}</description>"
        f'<enclosure url="{HOSTILE_HREFS[0]}" type="image/jpeg" length="1"/></item>'
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>HND</title>'
        f"<language>en</language>{item}</channel></rss>"
    ).encode()


def by_push(body: bytes) -> Callable[[Any, Any], None]:
    def take(client: Any, db: Any) -> None:
        secret = new_secret()
        add_source(db, "wire", secret=secret)
        headers = signed_push_headers(secret, body.decode())
        answer = client.post("/v1/sources/wire/stories", data=body, headers=headers)
        assert answer.status_code == 202, answer.get_data(as_text=True)[:500]

    return take


def by_folder(body: bytes) -> Callable[[Any, Any], None]:
    def take(client: Any, db: Any) -> None:
        inbox = get_settings().inbox_dir / "hnd"
        inbox.mkdir(parents=True)
        (inbox / "story.json").write_bytes(body)
        result = scan_folder(add_source(db, "hnd", kind="folder", folder="hnd").id, settle=0)
        assert result.failed == {} and result.stored == 1

    return take


def by_feed(body: bytes) -> Callable[[Any, Any], None]:
    def take(client: Any, db: Any) -> None:
        with FeedServer() as server:
            url = server.serve("/rss", body)
            assert poll_feed(add_source(db, "hnd", kind="rss", url=url).id).stored == 1

    return take


URI = "urn:syndikat:test:hostile"
WAYS_IN = {
    "push ninjs 2.x": by_push(json.dumps(hostile_story(URI)).encode()),
    "push ninjs 1.x": by_push(json.dumps(ninjs_1x(URI)).encode()),
    "push ninjs 3.x": by_push(json.dumps(ninjs_3x(URI)).encode()),
    "push NewsML-G2": by_push(newsml_g2(URI)),
    "push NITF": by_push(nitf(URI)),
    "folder ninjs 2.x": by_folder(json.dumps(hostile_story(URI)).encode()),
    "feed RSS": by_feed(rss(URI)),
}


@pytest.mark.parametrize("way_in", list(WAYS_IN), ids=list(WAYS_IN))
def test_hostile_markup_never_reaches_storage_whichever_way_it_comes_in(client, db, way_in):
    WAYS_IN[way_in](client, db)

    assert_stored_harmlessly(db)


# What partners get -----------------------------------------------------------------------------


@pytest.fixture
def partner_site() -> Any:
    with Receiver() as receiver:
        yield receiver


def test_hostile_markup_never_reaches_a_partner_by_webhook_or_feed(
    client, db, partner_site, monkeypatch
):
    monkeypatch.setenv("SYNDIKAT_ENGINE", "tests.support.fixture_engine:FixtureEngine")
    pipeline.configured_engine.cache_clear()
    add_partner(db, "hook", endpoint=partner_site.url)
    puller, token = registry.create(db, "puller", {"method": "feed"}, utcnow())
    db.add(puller)
    wire = add_source(db, "wire")
    intake = take_story(db, wire, hostile_story(f"urn:syndikat:test:{uuid.uuid4().hex}"), "test")
    db.commit()
    version_id = db.get_one(Story, intake.story_id).current_version_id
    pipeline.translate_version(version_id)
    fanout.fan_out(db, version_id)
    db.commit()
    for pending in db.scalars(select(Delivery)).all():
        if pending.state == "pending":
            assert delivery.attempt(pending.id) == "delivered"

    [request] = partner_site.requests
    payload = request.body.decode()
    json_feed = client.get("/v1/feeds/puller.json", headers={"Authorization": f"Bearer {token}"})
    atom = client.get(f"/v1/feeds/puller.atom?token={token}")

    assert PROSE in payload
    assert_harmless(payload)
    assert json_feed.status_code == 200 and PROSE in json_feed.get_data(as_text=True)
    assert_harmless(json_feed.get_data(as_text=True))
    [entry] = etree.fromstring(atom.data).findall(f"{ATOM}entry")
    for element in entry.iter():
        assert_harmless(element.text or "")  # what a feed reader renders, entities decoded
        assert_harmless(" ".join(element.attrib.values()))
