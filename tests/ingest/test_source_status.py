"""A source's status: counted from stored stories, and honest about failing or quiet sources."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.ingest.source_status import activity, describe
from shared.models import Story, StoryVersion
from tests.support.factories import add_source


def add_versions(db: Any, source: Any, now: datetime, *ages: timedelta) -> None:
    story = Story(id=uuid.uuid4(), uri=f"urn:test:{uuid.uuid4()}", source=source)
    db.add(story)
    for number, age in enumerate(ages, start=1):
        db.add(StoryVersion(story=story, version=str(number), ninjs={}, received_at=now - age))
    db.commit()


def status(db: Any, source: Any) -> dict[str, Any]:
    return describe(source, activity(db, [source.id])[source.id])["status"]


def test_items_in_the_last_24_hours_are_counted_from_the_stored_versions(db, clock):
    source = add_source(db, "hnd")
    other = add_source(db, "other")
    add_versions(
        db, source, clock.now, timedelta(hours=30), timedelta(hours=5), timedelta(minutes=3)
    )
    add_versions(db, other, clock.now, timedelta(minutes=1))

    shown = status(db, source)

    assert shown["items_last_24h"] == 2
    assert shown["last_item_at"] is not None
    assert shown["health"] == "ok"


def test_a_source_that_keeps_failing_says_so_and_stays_enabled(db, clock):
    source = add_source(db, "hnd", kind="rss", url="https://hnd.example/rss")
    add_versions(db, source, clock.now, timedelta(minutes=5))
    source.failures_in_row, source.last_error = 4, "HTTP 503 from the feed server"
    source.last_attempt_at = clock.now
    db.commit()

    shown = status(db, source)

    assert shown["health"] == "failing"
    assert shown["problems"] == ["failed 4 times in a row: HTTP 503 from the feed server"]
    assert source.enabled


def test_a_source_quiet_for_longer_than_expected_is_flagged(db, clock):
    source = add_source(db, "hnd", quiet_after_seconds=3600)
    add_versions(db, source, clock.now, timedelta(hours=5))

    shown = status(db, source)

    assert shown["health"] == "quiet"
    assert shown["problems"] == ["no new story for 5 h (expected within 60 min)"]


def test_a_feed_nobody_polls_is_overdue(db, clock):
    source = add_source(db, "hnd", kind="rss", url="https://hnd.example/rss")
    add_versions(db, source, clock.now, timedelta(minutes=30))
    source.last_attempt_at = clock.now - timedelta(hours=1)
    db.commit()

    assert status(db, source)["health"] == "overdue"


def test_a_new_source_is_waiting_and_a_disabled_one_says_so(db):
    waiting = add_source(db, "new")
    disabled = add_source(db, "off", enabled=False)

    assert status(db, waiting)["health"] == "waiting"
    assert status(db, disabled)["health"] == "disabled"


def test_the_latest_item_is_the_newest_version_even_an_update_to_an_old_story(db, clock):
    source = add_source(db, "hnd", quiet_after_seconds=3 * 86_400)
    add_versions(db, source, clock.now, timedelta(days=4), timedelta(days=2))
    add_versions(db, add_source(db, "other"), timedelta(minutes=1))

    shown = status(db, source)

    received = db.scalars(
        select(StoryVersion.received_at).where(StoryVersion.source_id == source.id)
    ).all()
    assert shown["last_item_at"] == max(received).isoformat()
    assert shown["items_last_24h"] == 0
    assert shown["health"] == "ok"  # an update two days ago, quiet only after three


def test_every_stored_version_knows_its_source(db):
    source = add_source(db, "hnd")
    story = Story(id=uuid.uuid4(), uri="urn:test:one", source=source)
    db.add(story)
    db.commit()
    db.add(StoryVersion(story_id=story.id, version="1", ninjs={}))  # no source given
    db.commit()

    assert db.scalars(select(StoryVersion.source_id)).all() == [source.id]
