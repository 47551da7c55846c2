"""The story timeline speaks a closed set of stages (`shared.events.Stage`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shared import events
from shared.events import Stage
from shared.models import Story, StoryEvent
from tests.support.factories import fixture_story, store_story


def story_id(db) -> object:
    store_story(db, fixture_story())
    return db.scalars(select(Story.id)).one()


def test_a_stage_is_stored_as_its_word(db):
    story = story_id(db)

    events.record(db, story, Stage.DELIVERED, "story.published to 24hw")
    db.flush()

    stored = db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id.desc())).first()
    assert stored == "delivered"


def test_a_stage_the_timeline_does_not_know_is_refused_and_nothing_is_added(db):
    story = story_id(db)
    before = db.scalars(select(StoryEvent)).all()

    with pytest.raises(ValueError, match="delivred"):
        events.record(db, story, "delivred")  # type: ignore[arg-type]

    assert db.scalars(select(StoryEvent)).all() == before
