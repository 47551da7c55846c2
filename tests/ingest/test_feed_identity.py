"""Feed items and identity: a repeated guid is one item per poll (the first), never a flip-flop
between its copies; two feeds with the same guid have a story each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.ingest.feeds.poll import poll_feed
from shared.models import Story
from tests.ingest.test_feeds import feed_server, simple_feed
from tests.support.factories import add_source

__all__ = ["feed_server"]  # the local feed server fixture, shared with test_feeds


def entry(guid: str, title: str, text: str) -> str:
    return (
        f'<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>'
        "<pubDate>Wed, 06 Dec 2023 09:00:00 +0000</pubDate>"
        f"<description>{text}</description></item>"
    )


STALE_COPY = entry(
    "hnd-1", "Hafen: alte Kopie", "Eine veraltete Fassung der Meldung aus dem Hafen."
)
OTHER = entry("hnd-2", "Stadtrat tagt", "Der Stadtrat berät am Donnerstag über den Haushalt.")


def headlines(db: Any, uri: str) -> list[str]:
    db.expire_all()
    story = db.scalars(select(Story).where(Story.uri == uri)).one()
    return [version.ninjs["headlines"][0]["value"] for version in story.versions]


def test_a_repeated_guid_is_taken_once_per_poll_from_its_first_copy(db, feed_server):
    url = feed_server.serve("/rss", b"")
    source_id = add_source(db, "hnd", kind="rss", url=url).id
    first = entry("hnd-1", "Hafen: erste Fassung", "Die Hafenbehörde meldet neue Zahlen.")
    second = entry("hnd-1", "Hafen: zweite Fassung", "Die Hafenbehörde korrigiert ihre Zahlen.")
    polls = [
        [first, STALE_COPY, OTHER],
        [second, STALE_COPY, OTHER],
        # Changed elsewhere (a new item), the repeated guid unchanged: nothing new for it.
        [second, STALE_COPY, OTHER, entry("hnd-3", "Wetter", "Morgen wird es stürmisch.")],
    ]
    results = []
    for items in polls:
        feed_server.serve("/rss", simple_feed(items))
        results.append(poll_feed(source_id))

    assert headlines(db, "urn:syndikat:hnd:hnd-1") == [
        "Hafen: erste Fassung",
        "Hafen: zweite Fassung",
    ]
    assert [(r.items, r.stored, r.duplicates, r.repeated) for r in results] == [
        (3, 2, 0, 1),
        (3, 1, 1, 1),
        (4, 1, 2, 1),
    ]
    assert "1 skipped (repeated guid)" in results[0].summary()


def test_two_feeds_with_the_same_guid_have_a_story_each(db, feed_server):
    guid = "https://example.com/meldung/1"
    ours = add_source(db, "hnd", kind="rss", url=feed_server.url("/hnd")).id
    theirs = add_source(db, "copycat", kind="rss", url=feed_server.url("/copycat")).id
    feed_server.serve("/hnd", simple_feed([entry(guid, "Hafen meldet Rekord", "Echte Zahlen.")]))
    feed_server.serve("/copycat", simple_feed([entry(guid, "Hafen pleite", "Falsche Zahlen.")]))

    poll_feed(ours)
    poll_feed(theirs)

    db.expire_all()
    stories = {s.source.name: s for s in db.scalars(select(Story).where(Story.uri == guid))}
    assert {name: story.headline for name, story in stories.items()} == {
        "hnd": "Hafen meldet Rekord",
        "copycat": "Hafen pleite",
    }
    assert all(len(story.versions) == 1 for story in stories.values())
