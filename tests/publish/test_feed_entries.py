"""No story can break a partner's feed: every entry renders, whatever the story lacks.

Atom wants content or an alternate link in every entry (feedgen refuses the whole feed
otherwise): a story without a body carries its summary, a link, or at least its headline.
IPTC's own ninjs examples (../shared/iptc beside the checkout, or TEST_IPTC_DIR; skipped when
absent) are published to a feed partner one by one and both feeds read back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from services.ingest.intake import take_story
from services.publish import registry
from services.translate import pipeline
from shared.models import Delivery, Story, utcnow
from tests.support import api
from tests.support.publishing import fan_out, translated_version
from tests.support.wire import IPTC

ATOM = "{http://www.w3.org/2005/Atom}"
IPTC_NINJS = IPTC / "ninjs"
IPTC_EXAMPLES = sorted(IPTC_NINJS.glob("*/*.json")) if IPTC_NINJS.is_dir() else []


@pytest.fixture
def feed_token(db: Any) -> str:
    partner, token = registry.create(db, "puller", {"method": "feed"}, utcnow())
    db.add(partner)
    db.commit()
    return str(token)


def read_feeds(token: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """The partner's JSON feed stories and Atom entries; both must answer 200."""
    client = api.api_client()
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get("/v1/feeds/puller.json", headers=auth)
    atom = client.get("/v1/feeds/puller.atom", headers=auth)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert atom.status_code == 200, atom.get_data(as_text=True)
    return listed.json["stories"], etree.fromstring(atom.data).findall(f"{ATOM}entry")


def alternate_links(entry: Any) -> list[str]:
    """Atom's default relation is "alternate" (feedgen leaves it out)."""
    links = entry.findall(f"{ATOM}link")
    return [link.get("href") for link in links if link.get("rel", "alternate") == "alternate"]


@pytest.mark.parametrize(
    ("changes", "content", "links"),
    [
        pytest.param({}, "Full story to follow.", [], id="summary"),
        pytest.param(
            {"descriptions": [], "uri": "https://news.example/flash/1"},
            None,
            ["https://news.example/flash/1"],
            id="web uri",
        ),
        pytest.param(
            {"descriptions": []}, "Flash: city library to open on Sundays", [], id="headline only"
        ),
    ],
)
def test_a_story_without_a_body_is_an_entry_with_its_summary_or_link(
    db, wire, feed_token, changes, content, links
):
    fan_out(db, translated_version(db, "en-bodiless.json", **changes))

    stories, [entry] = read_feeds(feed_token)

    assert [s["uri"] for s in stories] == [entry.findtext(f"{ATOM}id")]
    assert "bodies" not in stories[0]
    assert entry.findtext(f"{ATOM}content") == content
    assert alternate_links(entry) == links


@pytest.mark.skipif(not IPTC_EXAMPLES, reason=f"IPTC's examples are not at {IPTC_NINJS}")
@pytest.mark.parametrize(
    "example", IPTC_EXAMPLES, ids=[f"{p.parent.name}/{p.name}" for p in IPTC_EXAMPLES]
)
def test_each_of_iptcs_ninjs_examples_reads_back_from_both_feeds(db, wire, feed_token, example):
    # In English, so that it passes through unchanged: the feed is what is tested here.
    doc = json.loads(example.read_text()) | {"language": "en"}
    try:
        intake = take_story(db, wire, doc, via="test")
    except Exception as refused:  # ingest's business (and its tests'), not the feed's
        pytest.skip(f"not taken in, so not published: {type(refused).__name__}: {refused}")
    db.commit()
    story = db.get_one(Story, intake.story_id)
    pipeline.translate_version(story.current_version_id)
    fan_out(db, story.current_version_id)
    delivered = db.scalars(select(Delivery.id)).all()

    stories, entries = read_feeds(feed_token)

    expected = [story.uri] if delivered else []
    assert [s["uri"] for s in stories] == expected
    assert [e.findtext(f"{ATOM}id") for e in entries] == expected
