"""Only stories become stories: event, planning and concept items, packages and empty items are
refused naming their real cause; pictures are stored but held; ninjs 3.x is taken in as 2.x."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from services.ingest import story_kind
from services.ingest.folders import scan_folder
from services.ingest.formats import read_documents
from services.ingest.intake import prepare
from services.ingest.push_client import signed_push_headers
from shared import ninjs, tasks
from shared.config import get_settings
from shared.models import IngestError, Story, StoryState, StoryVersion
from tests.support.factories import FIXTURES, add_source, queued
from tests.support.wire import IPTC

G2 = FIXTURES / "newsml-g2"
V3 = FIXTURES / "ninjs-3x"


def push(client: Any, secret: str, body: bytes) -> Any:
    return client.post(
        "/v1/sources/wire/stories", data=body, headers=signed_push_headers(secret, body.decode())
    )


def count(db: Any, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def g2_item(root: str) -> bytes:
    """The event item fixture as another kind of NewsML-G2 item."""
    return (G2 / "event-item.xml").read_bytes().replace(b"eventItem", root.encode())


def v3_story(**changes: Any) -> dict[str, Any]:
    return json.loads((V3 / "en-ferry-timetable.json").read_text()) | changes


def entity_bomb() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    item = (G2 / "hafen-streik.v1.xml").read_text().split("?>", 1)[1]
    return f'<?xml version="1.0"?><!DOCTYPE newsItem [{entities}]>{item}'.encode()


def test_a_ninjs_3x_story_becomes_valid_2x_keeping_what_2x_can_carry():
    doc = prepare(v3_story())

    assert ninjs.problems(doc) == []
    assert "$schema" not in doc and "standard" not in doc
    assert (doc["version"], doc["pubstatus"], doc["language"]) == ("2", "usable", "en-GB")
    assert doc["versioncreated"] == "2023-12-05T07:15:00+01:00"
    assert doc["embargoed"] == "2023-12-05T08:00:00+01:00"
    assert (doc["copyrightholder"], doc["usageterms"]) == (
        "Hanse Nachrichtendienst",
        "Editorial use only",
    )
    assert doc["altids"] == [{"role": "internal", "value": "HND-4711"}]
    assert ninjs.main_headline(doc) == "Harbour ferries run every ten minutes from Monday"
    assert doc["headlines"][0]["contenttype"] == "text/plain"
    body = ninjs.main_body(doc)
    assert (body["contenttype"], body["charcount"], body["wordcount"]) == ("text/html", 149, 27)
    assert body["value"].startswith("<p>The harbour ferries on line 62")
    assert doc["places"][0]["geojson"] == {"type": "Point", "coordinates": [9.99, 53.55]}
    assert doc["events"] == [{"name": "Timetable change"}]  # 2.x has no event id
    assert doc["renditions"] == [
        {"name": "web", "href": "https://hnd.example/ferry.html", "contenttype": "text/html"}
    ]
    [picture] = doc["associations"]
    assert "rel" not in picture  # 2.x has no association rel
    assert picture["renditions"][0] == {
        "name": "main",
        "href": "https://hnd.example/ferry.jpg",
        "contenttype": "image/jpeg",
        "width": 1200,
        "height": 800,
    }


def test_a_ninjs_3x_story_is_recognised_by_its_names_without_declaring_itself():
    doc = v3_story()
    del doc["$schema"], doc["standard"]

    assert prepare(doc)["versioncreated"] == "2023-12-05T07:15:00+01:00"


def test_a_2x_story_with_a_stray_camel_case_name_is_refused_as_2x():
    doc = {"uri": "urn:x", "versioncreated": "2023-12-05T07:15:00+01:00", "pubStatus": "usable"}

    with pytest.raises(ninjs.InvalidStory, match=r"^not a valid ninjs 2\.x story$") as refused:
        prepare(doc)
    assert "pubStatus" in refused.value.problems[0]


def test_a_pushed_ninjs_3x_story_is_stored_as_2x_and_queued(client, secret, db):
    answer = push(client, secret, json.dumps(v3_story()).encode())

    assert answer.status_code == 202, answer.get_json()
    version = db.scalars(select(StoryVersion)).one()
    assert ninjs.problems(version.ninjs) == []
    assert version.language == "en"
    # It carries a picture: fetched first, then translated (tests/ingest/test_pictures.py).
    assert queued(db, tasks.FETCH_PICTURES) == [{"story_version_id": version.id}]


@dataclass(frozen=True)
class Refusal:
    body: Any  # bytes, or a function building them
    status: int
    code: str
    message: str


REFUSALS = {
    "NewsML-G2 eventItem": Refusal(
        (G2 / "event-item.xml").read_bytes(),
        422,
        "not_a_story",
        "a NewsML-G2 eventItem is an event listing, not a story",
    ),
    "NewsML-G2 planningItem": Refusal(
        g2_item("planningItem"), 422, "not_a_story", "planningItem is a planning item"
    ),
    "NewsML-G2 conceptItem": Refusal(
        g2_item("conceptItem"), 422, "not_a_story", "conceptItem is a concept"
    ),
    "NewsML-G2 knowledgeItem": Refusal(
        g2_item("knowledgeItem"), 422, "not_a_story", "knowledgeItem is a set of concepts"
    ),
    "NewsML-G2 packageItem": Refusal(
        (G2 / "package-item.xml").read_bytes(),
        422,
        "not_a_story",
        "the NewsML-G2 package urn:newsml:hnd.example:20231205:top-hamburg only refers to its "
        "text item urn:newsml:hnd.example:20231201:hafen-warnstreik, which is not included: not "
        "a story Syndikat can read (linked items are not fetched)",
    ),
    "NewsML-G2 newsItem carrying events": Refusal(
        (G2 / "events-in-news-item.xml").read_bytes(),
        422,
        "not_a_story",
        "newsItem carrying events is an event listing, not a story",
    ),
    "NewsML-G2 item without headline or body text": Refusal(
        (G2 / "empty-item.xml").read_bytes(),
        422,
        "not_a_story",
        "has neither a headline nor body text",
    ),
    "NewsML-G2 fragment": Refusal(
        b"<contentMeta><headline>Nur ein Teil</headline></contentMeta>",
        415,
        "unsupported_format",
        "a fragment of NewsML-G2 (<contentMeta>), not a whole item",
    ),
    "ninjs 2.x without headline or body text": Refusal(
        json.dumps({"uri": "urn:x:leer", "bodies": [{"value": "<p> ... </p>"}]}).encode(),
        422,
        "not_a_story",
        "has neither a headline nor body text",
    ),
    "ninjs 3.x event": Refusal(
        (V3 / "event-harbour-festival.json").read_bytes(),
        422,
        "not_a_story",
        "a ninjs 3.1 event item is an event listing, not a story",
    ),
    "invalid ninjs 3.x": Refusal(
        json.dumps(v3_story(pubStatus="gone", urgency="high")).encode(),
        422,
        "invalid_story",
        "not a valid ninjs 3.x story: pubStatus: 'gone' is not one of",
    ),
    "entity bomb": Refusal(entity_bomb(), 400, "malformed_xml", "XML with entity declarations"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_what_is_not_a_story_is_refused_naming_its_real_cause(client, secret, db, case):
    refusal = REFUSALS[case]

    answer = push(client, secret, refusal.body)

    assert answer.status_code == refusal.status, answer.get_data(as_text=True)[:500]
    error = answer.get_json()["error"]
    assert error["code"] == refusal.code
    assert refusal.message in error["message"]
    assert "2.x" not in error["message"] and "not well-formed" not in error["message"]
    assert count(db, Story) == 0
    [recorded] = db.scalars(select(IngestError)).all()
    assert refusal.message in recorded.reason


def test_an_invalid_ninjs_3x_story_lists_its_3x_problems_not_2x_noise(client, secret, db):
    answer = push(client, secret, json.dumps(v3_story(pubStatus="gone", urgency="high")).encode())

    error = answer.get_json()["error"]
    assert error["details"] == [
        "pubStatus: 'gone' is not one of ['usable', 'withheld', 'canceled']",
        "urgency: 'high' is not of type 'integer'",
    ]


PICTURES = {
    "NewsML-G2 picture item": (G2 / "picture-item.xml").read_bytes(),
    "ninjs 3.x picture": (V3 / "picture-ferry.json").read_bytes(),
    "ninjs 2.x picture": json.dumps(
        {
            "uri": "urn:x:foto",
            "type": "picture",
            "headlines": [{"value": "Ferry"}],
            "renditions": [{"name": "main", "href": "https://hnd.example/faehre.jpg"}],
        }
    ).encode(),
}


@pytest.mark.parametrize("case", list(PICTURES), ids=list(PICTURES))
def test_a_picture_is_stored_but_held_never_published_as_an_empty_story(client, secret, db, case):
    answer = push(client, secret, PICTURES[case])

    assert answer.status_code == 202, answer.get_json()
    story = db.scalars(select(Story)).one()
    assert story.state == StoryState.HELD
    assert "a picture item, not a text story" in (story.state_detail or "")
    assert queued(db, tasks.TRANSLATE_VERSION) == []
    renditions = story.current_version.ninjs["renditions"]
    assert renditions[0]["href"].startswith("https://hnd.example/")
    timeline = client.get(answer.get_json()["status_url"]).get_json()["timeline"]
    assert any("picture item" in event["detail"] for event in timeline if event["stage"] == "held")


def test_a_news_message_yields_only_its_text_items(client, secret, db):
    answer = push(client, secret, (G2 / "message-text-picture-package.xml").read_bytes())

    assert answer.status_code == 202, answer.get_json()
    assert "stories" not in answer.get_json()  # one story: the package groups only its text
    story = db.scalars(select(Story)).one()
    assert story.uri == "urn:newsml:hnd.example:20231202:elbtunnel-sperrung"
    assert answer.get_json()["left_out"] == [
        "newsItem urn:newsml:hnd.example:20231205:foto-faehre: a picture item, not a text story",
    ]
    recorded = db.scalars(select(IngestError).order_by(IngestError.id)).all()
    assert [(e.item_ref, e.reason) for e in recorded] == [
        (
            "push: newsItem urn:newsml:hnd.example:20231205:foto-faehre",
            "left out: a picture item, not a text story",
        ),
    ]


def scan_with(db: Any, name: str, data: bytes) -> Any:
    """Drop `data` as `name` into a new folder source's folder and scan it."""
    inbox = get_settings().inbox_dir / "hnd"
    inbox.mkdir(parents=True)
    source_id = add_source(db, "hnd", kind="folder", folder="hnd").id
    (inbox / name).write_bytes(data)
    return scan_folder(source_id, settle=0)


def test_a_dropped_news_message_records_the_items_it_left_out(db, db_env):
    result = scan_with(db, "paket.xml", (G2 / "message-text-picture-package.xml").read_bytes())

    assert (result.stored, result.failed) == (1, {})
    refs = [e.item_ref for e in db.scalars(select(IngestError).order_by(IngestError.id))]
    assert refs == [
        "file paket.xml: newsItem urn:newsml:hnd.example:20231205:foto-faehre",
    ]


def test_a_news_message_without_text_items_is_refused_naming_each_item(client, secret, db):
    data = (G2 / "message-text-picture-package.xml").read_text()
    start = data.index("    <newsItem guid=")
    without_text = data[:start] + data[data.index("</newsItem>", start) + len("</newsItem>") :]

    answer = push(client, secret, without_text.encode())

    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert (error["code"], error["message"]) == (
        "not_a_story",
        "the newsMessage holds no text item, so no story",
    )
    assert error["details"] == [
        "packageItem urn:newsml:hnd.example:20231205:paket: the NewsML-G2 package "
        "urn:newsml:hnd.example:20231205:paket only refers to its text item "
        "urn:newsml:hnd.example:20231202:elbtunnel-sperrung, which is not included: not a story "
        "Syndikat can read (linked items are not fetched)",
        "newsItem urn:newsml:hnd.example:20231205:foto-faehre: a picture item, not a text story",
    ]
    assert count(db, Story) == 0


def test_a_dropped_event_item_moves_to_error_with_its_reason(db, db_env):
    result = scan_with(db, "termin.xml", (G2 / "event-item.xml").read_bytes())

    assert result.failed == {"termin.xml": "a NewsML-G2 eventItem is an event listing, not a story"}
    assert (get_settings().inbox_dir / "hnd" / "error" / "termin.xml.reason.txt").exists()
    assert count(db, Story) == 0


IPTC_EXAMPLES = sorted(IPTC.rglob("*.json")) + sorted(IPTC.rglob("*.xml")) if IPTC.is_dir() else []
#: What each kind of refusal or hold must say: a specific reason, never a generic one.
SPECIFIC_REASONS = (
    "not a story",
    "not handled yet",
    "a fragment of NewsML-G2",
)


@pytest.mark.skipif(not IPTC_EXAMPLES, reason=f"IPTC's examples are not at {IPTC}")
@pytest.mark.parametrize("path", IPTC_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_iptc_example_is_a_story_with_a_headline_or_refused_or_held_saying_why(path):
    try:
        docs = [prepare(doc) for doc in read_documents(path.read_bytes())]
    except (ninjs.InvalidStory, ValueError) as refused:
        assert any(reason in str(refused) for reason in SPECIFIC_REASONS), str(refused)
        return
    for doc in docs:
        assert ninjs.problems(doc) == []
        if story_kind.media_type(doc) is not None:
            assert "not a text story" in (story_kind.hold_reason(doc) or "")  # held by intake
            continue
        assert (ninjs.main_headline(doc) or "").strip(), doc["uri"]
