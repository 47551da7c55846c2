"""RSS and Atom polling against a local feed server: items in, nothing twice, bad feeds survived.

Hostile feeds (XXE, entity bombs, remote DTDs, gzip bombs, broken encodings, 20 MB) are in
tests/hostile/test_xml_and_feeds.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.ingest.feeds.poll import poll_feed
from shared import tasks
from shared.models import IngestError, OutboxMessage, Source, Story, StoryEvent, StoryVersion
from tests.support.factories import FIXTURES, add_source
from tests.support.feed_server import FeedServer

RSS = (FIXTURES / "feeds" / "hnd-rss.xml").read_bytes()
ATOM = (FIXTURES / "feeds" / "hnd-atom.xml").read_bytes()


@pytest.fixture
def feed_server() -> Any:
    with FeedServer() as server:
        yield server


def rss_source(db: Any, url: str, **fields: Any) -> int:
    return add_source(db, "hnd", kind="rss", url=url, **fields).id


def count(db: Any, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model))


def stories_by_uri(db: Any) -> dict[str, Story]:
    return {story.uri: story for story in db.scalars(select(Story))}


def errors(db: Any) -> list[tuple[str, str]]:
    return [
        (e.item_ref, e.reason) for e in db.scalars(select(IngestError).order_by(IngestError.id))
    ]


def simple_feed(items: list[str], prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>HND</title><language>de</language>{''.join(items)}</channel></rss>"
    ).encode()


def item(n: int, body: str = "Die Stadt meldet neue Zahlen zum Hafenumschlag im Dezember.") -> str:
    return (
        f"<item><title>Meldung Nummer {n} aus dem Norden</title>"
        f'<guid isPermaLink="false">hnd-{n}</guid>'
        f"<pubDate>Wed, 06 Dec 2023 {n // 60 % 24:02d}:{n % 60:02d}:00 +0000</pubDate>"
        f"<description>{body}</description></item>"
    )


def short_item(n: int) -> str:
    minute = n % 1440  # pubDates cycle through one day
    return (
        f'<item><guid isPermaLink="false">hnd-{n}</guid><title>Nr. {n}</title>'
        f"<pubDate>Wed, 06 Dec 2023 {minute // 60:02d}:{minute % 60:02d}:00 +0000</pubDate></item>"
    )


def test_an_rss_feed_becomes_stories_queued_for_translation(db, feed_server):
    source_id = rss_source(db, feed_server.serve("/rss", RSS), attribution="Source: HND")

    result = poll_feed(source_id)

    assert (result.items, result.stored, result.refused) == (4, 3, 1)
    stories = stories_by_uri(db)
    storm = stories["urn:newsml:hnd.example:20231206:sturmflut-fischmarkt"]
    doc = storm.current_version.ninjs
    assert storm.headline == "Sturmflut: Fischmarkt in Hamburg überflutet"
    assert doc["by"] == "HND-Redaktion Hamburg"
    assert doc["language"] == "de"
    assert doc["versioncreated"] == "2023-12-06T08:40:00+00:00"
    assert doc["subjects"] == [{"name": "Wetter"}, {"name": "Hamburg"}]
    assert doc["bodies"][0]["value"].startswith("<p>Eine Sturmflut hat in der Nacht")
    assert doc["descriptions"][0]["value"].startswith("Eine Sturmflut hat")
    # No guid: the link is the identity.
    assert "https://hnd.example/nord/2023/12/06/kieler-woche-programm" in stories
    queued = db.scalars(select(OutboxMessage.task_name)).all()
    assert queued == [tasks.TRANSLATE_VERSION] * 3


def test_an_item_without_guid_or_link_is_recorded_and_the_rest_go_in(db, feed_server):
    source_id = rss_source(db, feed_server.serve("/rss", RSS))

    poll_feed(source_id)

    assert errors(db) == [
        (
            "Rostocker Hafen meldet Passagierrekord",
            "the item has neither a guid nor a link, so it cannot be identified",
        )
    ]
    assert count(db, Story) == 3
    source = db.get(Source, source_id)
    assert source.last_success_at is not None and source.failures_in_row == 0


def test_an_atom_feed_becomes_stories(db, feed_server):
    url = feed_server.serve("/atom", ATOM, content_type="application/atom+xml")
    source_id = rss_source(db, url)

    result = poll_feed(source_id)

    assert result.stored == 2
    stories = stories_by_uri(db)
    shipyard = stories["tag:hnd.example,2023-12-07:werft-wismar-auftrag"].current_version.ninjs
    assert shipyard["by"] == "Anke Lorenzen"
    assert shipyard["versioncreated"] == "2023-12-07T09:30:00+00:00"
    assert shipyard["firstcreated"] == "2023-12-07T08:00:00+00:00"
    assert shipyard["copyrightnotice"] == "© 2023 Hanse Nachrichtendienst"
    assert "310 Millionen Euro" in shipyard["bodies"][0]["value"]
    airport = stories["tag:hnd.example,2023-12-07:flughafen-november"].current_version.ninjs
    assert airport["bodies"][0]["value"].startswith("<p>Der Hamburger Flughafen")
    assert airport["language"] == "de"


def test_a_repoll_of_an_unchanged_feed_costs_one_304_and_takes_nothing(db, feed_server):
    source_id = rss_source(db, feed_server.serve("/rss", RSS))
    poll_feed(source_id)
    before = (count(db, StoryVersion), count(db, StoryEvent), count(db, OutboxMessage))

    again = poll_feed(source_id)

    assert again.outcome == "not modified"
    second = feed_server.requests_for("/rss")[1]
    assert second.headers["if-none-match"] == db.get(Source, source_id).etag
    assert "if-modified-since" in second.headers
    assert (count(db, StoryVersion), count(db, StoryEvent), count(db, OutboxMessage)) == before


def test_a_server_without_etags_is_still_not_read_twice(db):
    with FeedServer(etags=False) as server:
        source_id = rss_source(db, server.serve("/rss", RSS))
        poll_feed(source_id)
        before = (count(db, StoryVersion), count(db, StoryEvent))

        again = poll_feed(source_id)

    assert again.outcome == "unchanged"
    assert (count(db, StoryVersion), count(db, StoryEvent)) == before


def test_a_changed_item_becomes_a_new_version_and_unchanged_ones_stay_quiet(db):
    with FeedServer(etags=False) as server:
        source_id = rss_source(db, server.serve("/rss", simple_feed([item(1), item(2)])))
        poll_feed(source_id)
        events_before = count(db, StoryEvent)
        changed = item(2, "Die Stadt korrigiert die Zahlen zum Hafenumschlag im Dezember.")
        server.serve("/rss", simple_feed([item(1), changed, item(3)]))

        result = poll_feed(source_id)

    assert (result.stored, result.duplicates) == (2, 1)
    updated = stories_by_uri(db)["urn:syndikat:hnd:hnd-2"]
    assert [v.version for v in updated.versions] == ["1", "2"]
    assert [v.kind for v in updated.versions] == ["original", "update"]
    assert "korrigiert" in updated.current_version.ninjs["bodies"][0]["value"]
    unchanged = stories_by_uri(db)["urn:syndikat:hnd:hnd-1"]
    stages = db.scalars(select(StoryEvent.stage).where(StoryEvent.story_id == unchanged.id)).all()
    assert "duplicate" not in stages
    # New events: received + language for the update and for the new story, nothing else.
    assert count(db, StoryEvent) - events_before == 4


def test_script_injection_in_a_feed_is_cleaned_before_it_is_stored(db, feed_server):
    source_id = rss_source(db, feed_server.serve("/rss", RSS))

    poll_feed(source_id)

    bridge = stories_by_uri(db)["https://hnd.example/nord/2023/12/05/radbruecke-trave"]
    body = bridge.current_version.ninjs["bodies"][0]["value"]
    assert "Meilenstein" in body
    for dangerous in ("<script", "alert", "onclick", "javascript:"):
        assert dangerous not in body


@pytest.mark.parametrize(
    "body",
    [b"this is not a feed at all", b"<html><body><p>Wartungsarbeiten</p></body></html>", b""],
    ids=["garbage", "an HTML page", "empty"],
)
def test_something_that_is_not_a_feed_fails_the_poll_and_shows_in_the_status(db, feed_server, body):
    source_id = rss_source(db, feed_server.serve("/rss", body))

    result = poll_feed(source_id)

    assert result.outcome == "failed"
    source = db.get(Source, source_id)
    assert source.failures_in_row == 1
    assert source.last_error.startswith("not a readable feed")
    assert count(db, Story) == 0


def test_a_failing_server_is_shown_and_a_later_success_clears_it(db, feed_server):
    source_id = rss_source(db, feed_server.serve("/rss", b"oops", status=500))
    poll_feed(source_id)
    poll_feed(source_id)
    assert db.get(Source, source_id).failures_in_row == 2
    assert db.get(Source, source_id).last_error == "HTTP 500 from the feed server"

    feed_server.serve("/rss", RSS)
    poll_feed(source_id)

    source = db.get(Source, source_id)
    assert source.failures_in_row == 0 and source.enabled
    assert count(db, Story) == 3


def test_a_redirect_is_not_followed_but_explained(db, feed_server):
    url = feed_server.serve("/rss", b"", status=301, headers={"Location": "https://elsewhere/"})
    source_id = rss_source(db, url)

    poll_feed(source_id)

    assert "moved to https://elsewhere/" in db.get(Source, source_id).last_error


def test_a_feed_of_10000_items_takes_only_the_newest_up_to_the_cap(db, feed_server, monkeypatch):
    monkeypatch.setenv("SYNDIKAT_MAX_FEED_ITEMS", "25")
    from shared.config import get_settings

    get_settings.cache_clear()
    feed = simple_feed([short_item(n) for n in range(10_000)])
    source_id = rss_source(db, feed_server.serve("/rss", feed))

    result = poll_feed(source_id)

    assert (result.items, result.stored) == (10_000, 25)
    # The newest 25 are from the last minutes of the day.
    newest = {f"urn:syndikat:hnd:hnd-{n}" for n in range(10_000) if n % 1440 >= 1440 - 25}
    assert {story.uri for story in db.scalars(select(Story))} <= newest
    [(ref, reason)] = errors(db)
    assert ref == "(feed)" and "10,000 items; only the newest 25" in reason


def test_a_teaser_only_item_gets_its_article_text_when_the_source_asks(db, feed_server):
    article = Path(FIXTURES / "feeds" / "article.html").read_bytes()
    link = feed_server.serve("/artikel/kieler-woche", article, content_type="text/html")
    feed = simple_feed(
        [
            "<item><title>Kieler Woche 2024: Programm steht fest</title>"
            f"<link>{link}</link>"
            "<description>Die Kieler Woche beginnt im Juni.</description></item>"
        ]
    )
    source_id = rss_source(db, feed_server.serve("/rss", feed), fetch_full_text=True)

    poll_feed(source_id)
    poll_feed(source_id)

    doc = stories_by_uri(db)[link].current_version.ninjs
    assert "Nachwuchsbands" in doc["bodies"][0]["value"]
    assert "Cookie" not in doc["bodies"][0]["value"]  # the page's banner is not article text
    assert doc["descriptions"][0]["value"] == "Die Kieler Woche beginnt im Juni."
    assert len(feed_server.requests_for("/artikel/kieler-woche")) == 1
