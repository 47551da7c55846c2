"""A story whose translation task was lost is queued again, once per stall period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from services.translate import reconcile
from shared import tasks
from shared.models import Story, StoryEvent
from tests.support.factories import fixture_story, queued, store_story

STALL = timedelta(minutes=5)


def age(db: Any, clock: Any, minutes: int, **where: Any) -> None:
    """Pretend the stories last changed `minutes` ago."""
    query = update(Story).values(updated_at=clock.now - timedelta(minutes=minutes))
    for column, value in where.items():
        query = query.where(getattr(Story, column) == value)
    db.execute(query)
    db.commit()


def requeue(db: Any, now: datetime) -> int:
    count = reconcile.requeue_stalled(db, now, STALL)
    db.commit()
    return count


def test_a_story_stuck_waiting_for_translation_is_queued_again_once(db, clock):
    version_id = store_story(db, fixture_story())
    age(db, clock, minutes=10)

    assert requeue(db, clock.now) == 1
    assert requeue(db, clock.now) == 0  # its stall clock restarted

    assert queued(db, tasks.TRANSLATE_VERSION) == [{"story_version_id": version_id}] * 2
    stages = db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)).all()
    assert stages[-1] == "requeued"
    assert requeue(db, clock.now + STALL + timedelta(seconds=1)) == 1


def test_a_story_whose_picture_fetch_was_lost_has_its_pictures_fetched_again(db, clock):
    picture = {
        "name": "bild",
        "uri": "urn:t:bild",
        "type": "picture",
        "renditions": [{"name": "baseImage", "href": "https://wire.example/bild.jpg"}],
    }
    version_id = store_story(db, fixture_story(associations=[picture]))
    age(db, clock, minutes=10)

    assert requeue(db, clock.now) == 1

    assert queued(db, tasks.FETCH_PICTURES) == [{"story_version_id": version_id}] * 2
    assert queued(db, tasks.TRANSLATE_VERSION) == []
    detail = db.scalars(select(StoryEvent.detail).order_by(StoryEvent.id.desc())).first()
    assert detail == "no progress in 0:05:00: fetching its pictures queued again"


def test_stories_still_moving_or_waiting_on_purpose_are_left_alone(db, clock):
    store_story(db, fixture_story(uri="urn:t:fresh"))
    store_story(db, fixture_story(uri="urn:t:held", pubstatus="withheld"))
    store_story(db, fixture_story(uri="urn:t:review"))
    db.execute(update(Story).where(Story.uri == "urn:t:review").values(state="needs_review"))
    age(db, clock, minutes=10, uri="urn:t:held")
    age(db, clock, minutes=10, uri="urn:t:review")

    assert requeue(db, clock.now) == 0
