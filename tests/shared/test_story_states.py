"""The transition table: every move it allows is made, every other one refused, and only for
the story's current version."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select, update

from shared import story_states
from shared.models import Story, StoryEvent, StoryState, StoryVersion
from tests.support.factories import fixture_story, store_story

WITHIN_A_VERSION = [state for state in StoryState if story_states.sources_of(state)]


def stored_twice(db: Any) -> tuple[Story, int, int]:
    """A story with versions 1 and 2 (2 current); returns it and both version ids."""
    first = store_story(db, fixture_story())
    second = store_story(db, fixture_story(version="2"))
    return db.scalars(select(Story)).one(), first, second


def put(db: Any, story: Story, state: StoryState) -> None:
    db.execute(update(Story).values(state=state))
    db.commit()


def state_of(db: Any, story: Story) -> str:
    return db.scalars(select(Story.state).where(Story.id == story.id)).one()


def test_every_move_the_table_allows_is_made_and_every_other_is_refused(db):
    story, _, current = stored_twice(db)

    for start, to in itertools.product(StoryState, WITHIN_A_VERSION):
        put(db, story, start)
        moved = story_states.move(db, story.id, current, to, detail="why")
        db.commit()
        expected = to in story_states.TRANSITIONS[start]
        assert (start, to, moved) == (start, to, expected)
        assert state_of(db, story) == (to if expected else start)


def test_a_result_for_a_superseded_version_never_moves_the_story(db):
    story, superseded, _ = stored_twice(db)

    for start, to in itertools.product(StoryState, WITHIN_A_VERSION):
        put(db, story, start)
        assert not story_states.move(db, story.id, superseded, to, result="late result")
        db.commit()
        assert state_of(db, story) == start

    kept = db.scalars(select(StoryEvent.detail).where(StoryEvent.stage == "state_kept")).first()
    assert kept.startswith("late result; version 1 is superseded by version 2: the story stays")


def test_killed_held_and_published_are_final_for_their_version():
    for final in (StoryState.KILLED, StoryState.HELD, StoryState.PUBLISHED):
        assert story_states.TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize("to", sorted(set(StoryState) - set(WITHIN_A_VERSION)))
def test_the_states_only_a_new_version_starts_cannot_be_moved_to(db, to):
    story, _, current = stored_twice(db)
    with pytest.raises(ValueError, match="a new version starts it"):
        story_states.move(db, story.id, current, to)


@pytest.mark.parametrize("to", sorted(set(StoryState) - story_states.NEW_VERSION_STATES))
def test_a_new_version_starts_only_at_received_held_or_killed(db, to):
    story, _, current = stored_twice(db)
    with pytest.raises(ValueError, match="a new version starts at"):
        story_states.start_version(story, db.get_one(StoryVersion, current), to)
