"""A story waiting for an engine is tried less and less often, and its timeline stays short."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from services.translate import pipeline
from services.translate import tasks as translate_tasks
from shared import tasks
from shared.models import Story, StoryEvent
from tests.support.factories import fixture_story, queued, store_story

FAILING = "tests.support.fixture_engine:FixtureEngine"  # has no English for this headline


def waiting_story(db: Any, settings: Any) -> int:
    settings(
        SYNDIKAT_ENGINE=FAILING,
        SYNDIKAT_ENGINE_RETRY_FIRST_DELAY="60",
        SYNDIKAT_ENGINE_RETRY_MAX_DELAY="300",
    )
    version_id = store_story(db, fixture_story(headlines=[{"value": "Ein Satz ohne Übersetzung"}]))
    assert pipeline.translate_version(version_id) == "awaiting engine"
    return version_id


def story(db: Any) -> Story:
    db.expire_all()
    return db.scalars(select(Story)).one()


def stages(db: Any) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(StoryEvent.stage).order_by(StoryEvent.id)))


def try_when_due(db: Any, clock: Any) -> float:
    """Run the scheduler's task just before and at the story's next try, and the translation
    it queued; returns the seconds since the previous try (or the start of the wait)."""
    previous = clock.now
    due = story(db).engine_retry_at
    clock.set_to(due - timedelta(seconds=1))
    assert translate_tasks.retry_waiting() == 0, "queued before it was due"
    clock.set_to(due)
    assert translate_tasks.retry_waiting() == 1
    version_id = queued(db, tasks.TRANSLATE_VERSION)[-1]["story_version_id"]
    pipeline.translate_version(version_id)
    return (due - previous).total_seconds()


def test_the_delay_between_tries_doubles_up_to_the_ceiling(db, settings, clock):
    waiting_story(db, settings)

    waits = [try_when_due(db, clock) for _ in range(6)]

    assert waits == [60, 120, 240, 300, 300, 300]
    assert story(db).state == "awaiting_engine"
    assert story(db).engine_tries == 6


def test_a_wait_writes_one_event_when_it_starts_and_one_when_it_ends(db, settings, clock):
    waiting_story(db, settings)
    for _ in range(5):
        try_when_due(db, clock)
    outbox_rows = len(queued(db, tasks.TRANSLATE_VERSION))

    settings(SYNDIKAT_ENGINE="instant")  # the engine is back
    try_when_due(db, clock)

    # Taking the story in wrote its own events before these; six tries wrote none.
    # (The instant engine's English goes to a reviewer: QA finds it too close to the German.)
    expected = ["translating", "awaiting_engine", "resumed", "translated", "needs_review"]
    assert stages(db)[-5:] == expected
    assert stages(db).count("translating") == 1
    assert story(db).state == "needs_review"
    assert (story(db).engine_retry_at, story(db).engine_tries) == (None, 0)
    # One outbox row per try (the requeue itself) and nothing else.
    assert len(queued(db, tasks.TRANSLATE_VERSION)) == outbox_rows + 1


def test_a_story_that_waits_again_later_gets_a_new_start_event(db, settings, clock):
    waiting_story(db, settings)
    settings(SYNDIKAT_ENGINE="instant")
    try_when_due(db, clock)
    settings(SYNDIKAT_ENGINE=FAILING)

    store_story(db, fixture_story(version="2", headlines=[{"value": "Noch ein Satz"}]))
    pipeline.translate_version(story(db).current_version_id)

    assert stages(db).count("awaiting_engine") == 2
    assert story(db).engine_retry_at == clock.now + timedelta(seconds=60)


def test_one_run_queues_at_most_its_batch(db, settings, clock, monkeypatch):
    from services.translate import waiting

    settings(SYNDIKAT_ENGINE=FAILING)
    for n in range(3):
        version_id = store_story(
            db, fixture_story(uri=f"urn:test:{n}", headlines=[{"value": "Ohne Übersetzung"}])
        )
        pipeline.translate_version(version_id)
    clock.advance(hours=1)
    monkeypatch.setattr(waiting, "RETRY_BATCH", 2)

    assert translate_tasks.retry_waiting() == 2
    assert translate_tasks.retry_waiting() == 1
    assert translate_tasks.retry_waiting() == 0
