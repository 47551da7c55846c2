"""Retention: each kind of row goes when its time is up, and what must stay stays."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.ingest import retention
from services.ingest import tasks as ingest_tasks
from shared.models import (
    Delivery,
    DeliveryAttempt,
    OutboxMessage,
    Story,
    StoryEvent,
    StoryVersion,
    Translation,
)
from tests.support.factories import add_partner, add_source

DAY = timedelta(days=1)


class Rows:
    """Rows of every kind retention looks at, written with the ages a test gives them."""

    def __init__(self, db: Any, now: datetime) -> None:
        self.db = db
        self.now = now
        self.source = add_source(db)
        self.partner = add_partner(db)
        self.untouched: dict[uuid.UUID, datetime] = {}

    def story(self, state: str = "published", untouched_for: timedelta = DAY) -> Story:
        uri = f"urn:test:{uuid.uuid4().hex}"
        story = Story(uri=uri, source=self.source, state=state)
        story.created_at = self.now - untouched_for
        story.updated_at = self.now - untouched_for
        self.db.add(story)
        self.db.flush()
        self.untouched[story.id] = story.updated_at
        return story

    def version(self, story: Story, age: timedelta, current: bool = False) -> StoryVersion:
        number = len(story.versions) + 1
        version = StoryVersion(
            story=story, version=str(number), ninjs={"uri": story.uri}, received_at=self.now - age
        )
        self.db.add(version)
        self.db.flush()
        if current:
            story.current_version = version
            self.db.flush()
        return version

    def translation(self, version: StoryVersion) -> None:
        self.db.add(Translation(story_version_id=version.id, engine="instant", ninjs={}))

    def delivery(self, version: StoryVersion, attempt_ages: tuple[timedelta, ...] = ()) -> Delivery:
        delivery = Delivery(
            partner_id=self.partner.id, story_id=version.story_id, story_version_id=version.id
        )
        self.db.add(delivery)
        self.db.flush()
        for age in attempt_ages:
            self.db.add(DeliveryAttempt(delivery_id=delivery.id, started_at=self.now - age))
        return delivery

    def event(self, story: Story, age: timedelta, stage: str = "delivered") -> StoryEvent:
        event = StoryEvent(story_id=story.id, stage=stage, at=self.now - age)
        self.db.add(event)
        return event

    def outbox(self, sent_ago: timedelta | None, created_ago: timedelta = 30 * DAY) -> None:
        sent_at = None if sent_ago is None else self.now - sent_ago
        self.db.add(
            OutboxMessage(
                task_name="syndikat.publish.deliver",
                kwargs={},
                created_at=self.now - created_ago,
                sent_at=sent_at,
            )
        )

    def commit(self) -> None:
        self.db.flush()
        # Writing a story's rows touched it (updated_at): give it back the age the test chose.
        for story_id, updated_at in self.untouched.items():
            self.db.execute(update(Story).where(Story.id == story_id).values(updated_at=updated_at))
        self.db.commit()


@pytest.fixture
def rows(db: Any, clock: Any) -> Rows:
    return Rows(db, clock.now)


def count(db: Any, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def prune(db: Any) -> dict[str, int]:
    removed = retention.prune_everything_due()
    db.expire_all()
    return removed


def test_sent_outbox_messages_go_after_a_week_and_unsent_ones_never(db, rows):
    rows.outbox(sent_ago=8 * DAY)
    rows.outbox(sent_ago=6 * DAY)
    rows.outbox(sent_ago=None, created_ago=400 * DAY)  # the broker never took it: kept
    rows.commit()

    assert prune(db)["sent outbox messages"] == 1

    left = db.scalars(select(OutboxMessage.sent_at).order_by(OutboxMessage.id)).all()
    assert left == [rows.now - 6 * DAY, None]


def test_delivery_attempts_go_after_ninety_days_and_their_delivery_stays(db, rows):
    story = rows.story()
    version = rows.version(story, age=100 * DAY, current=True)
    rows.delivery(version, attempt_ages=(91 * DAY, 89 * DAY))
    rows.commit()

    assert prune(db)["delivery attempts"] == 1

    assert db.scalars(select(DeliveryAttempt.started_at)).all() == [rows.now - 89 * DAY]
    assert count(db, Delivery) == 1


def test_only_old_timeline_events_of_long_finished_stories_go(db, rows):
    finished = rows.story("published", untouched_for=200 * DAY)
    killed = rows.story("killed", untouched_for=200 * DAY)
    touched_lately = rows.story("published", untouched_for=10 * DAY)
    never_finished = rows.story("held", untouched_for=400 * DAY)
    for story in (finished, killed, touched_lately, never_finished):
        rows.event(story, age=190 * DAY, stage="received")
    rows.event(finished, age=20 * DAY, stage="delivered")  # a late delivery: recent, kept
    rows.commit()

    assert prune(db)["timeline events of finished stories"] == 2

    kept = db.execute(select(StoryEvent.story_id, StoryEvent.stage)).all()
    assert sorted(kept) == sorted(
        [
            (finished.id, "delivered"),
            (touched_lately.id, "received"),
            (never_finished.id, "received"),
        ]
    )


def test_superseded_versions_go_unless_current_delivered_translated_or_recent(db, rows):
    story = rows.story(untouched_for=60 * DAY)
    replaced_untranslated = rows.version(story, age=40 * DAY)
    translated = rows.version(story, age=40 * DAY)
    rows.translation(translated)
    delivered = rows.version(story, age=40 * DAY)
    rows.delivery(delivered)
    recent = rows.version(story, age=20 * DAY)
    current = rows.version(story, age=35 * DAY, current=True)
    rows.commit()
    gone = replaced_untranslated.id

    assert prune(db)["superseded story versions"] == 1

    left = set(db.scalars(select(StoryVersion.id)))
    assert left == {translated.id, delivered.id, recent.id, current.id}
    assert gone not in left
    assert count(db, Translation) == 1 and count(db, Delivery) == 1


def test_a_dry_run_counts_what_would_go_and_changes_nothing(db, rows, syndikat):
    story = rows.story(untouched_for=200 * DAY)
    version = rows.version(story, age=200 * DAY, current=True)
    rows.delivery(version, attempt_ages=(100 * DAY, 95 * DAY))
    rows.event(story, age=190 * DAY)
    for _ in range(3):
        rows.outbox(sent_ago=10 * DAY)
    rows.commit()
    before = {model: count(db, model) for model in (OutboxMessage, DeliveryAttempt, StoryEvent)}

    dry = syndikat("db", "prune", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert "sent outbox messages (older than 7 days): 3 would be removed" in dry.output
    assert "delivery attempts (older than 90 days): 2 would be removed" in dry.output
    assert "timeline events of finished stories (older than 180 days): 1 would be" in dry.output
    assert "superseded story versions (older than 30 days): 0 would be removed" in dry.output
    assert {model: count(db, model) for model in before} == before

    done = syndikat("db", "prune")

    assert "sent outbox messages (older than 7 days): 3 removed" in done.output
    assert {model: count(db, model) for model in before} == dict.fromkeys(before, 0)


def test_the_retention_settings_change_what_goes(db, rows, syndikat, monkeypatch):
    rows.outbox(sent_ago=2 * DAY)
    rows.commit()
    monkeypatch.setenv("SYNDIKAT_RETAIN_SENT_OUTBOX_DAYS", "1")
    from shared.config import get_settings

    get_settings.cache_clear()

    assert "(older than 1 days): 1 would be removed" in syndikat("db", "prune", "--dry-run").output


def test_the_scheduled_run_removes_a_bounded_batch_of_each_kind(db, rows, monkeypatch):
    for _ in range(5):
        rows.outbox(sent_ago=30 * DAY)
    story = rows.story(untouched_for=365 * DAY)
    version = rows.version(story, age=365 * DAY, current=True)
    rows.delivery(version, attempt_ages=(300 * DAY,) * 5)
    for _ in range(5):
        rows.event(story, age=300 * DAY)
    rows.commit()
    monkeypatch.setattr(retention, "PRUNE_BATCH", 2)

    runs = [ingest_tasks.prune() for _ in range(4)]

    assert runs == [6, 6, 3, 0]  # two of each of three kinds, then the rest, then nothing


def test_the_scheduled_run_looks_at_old_versions_only_within_a_week_of_their_time(
    db, rows, syndikat
):
    story = rows.story(untouched_for=90 * DAY)
    just_due = rows.version(story, age=31 * DAY)
    long_overdue = rows.version(story, age=60 * DAY)  # the scheduler was down for weeks
    rows.version(story, age=60 * DAY, current=True)
    rows.commit()
    just_due_id, long_overdue_id = just_due.id, long_overdue.id

    assert ingest_tasks.prune() == 1
    db.expire_all()
    left = set(db.scalars(select(StoryVersion.id)))
    assert long_overdue_id in left and just_due_id not in left

    assert (
        "superseded story versions (older than 30 days): 1 removed"
        in syndikat("db", "prune").output
    )
    db.expire_all()
    assert long_overdue_id not in set(db.scalars(select(StoryVersion.id)))


def test_a_retention_setting_that_is_not_a_positive_number_is_refused_by_name(monkeypatch):
    from shared.config import ConfigurationError, load_settings

    monkeypatch.setenv("SYNDIKAT_RETAIN_TIMELINE_DAYS", "0")

    with pytest.raises(ConfigurationError, match=r"SYNDIKAT_RETAIN_TIMELINE_DAYS='0': .* than 0"):
        load_settings()
