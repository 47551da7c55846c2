"""Polling on schedule: due sources are queued once each; a crashing poll is written down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.ingest import polling
from services.ingest import tasks as ingest_tasks
from shared import db as database
from shared import tasks
from shared.models import OutboxMessage, Source, Story
from tests.support.factories import FIXTURES, add_source
from tests.support.feed_server import FeedServer
from tests.support.pipeline import Pipeline, wait_until


def queue_due() -> list[str]:
    with database.session() as session:
        return polling.queue_due_sources(session)


def test_each_due_source_is_queued_once_and_then_waits_its_interval(db, clock):
    feed = add_source(
        db, "feed", kind="rss", url="https://hnd.example/rss", poll_interval_seconds=60
    )
    folder = add_source(db, "folder", kind="folder", folder="folder")
    add_source(db, "push")
    add_source(db, "off", kind="rss", url="https://hnd.example/rss", enabled=False)
    later = add_source(db, "later", kind="rss", url="https://hnd.example/rss")
    later.next_poll_at = clock.now + timedelta(minutes=5)
    db.commit()

    first = queue_due()
    second = queue_due()

    assert sorted(first) == ["feed", "folder"]
    assert second == []
    messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.task_name, m.kwargs) for m in messages] == [
        (tasks.POLL_SOURCE, {"source_id": feed.id}),
        (tasks.POLL_SOURCE, {"source_id": folder.id}),
    ]
    db.refresh(feed)
    assert timedelta(seconds=55) < feed.next_poll_at - clock.now <= timedelta(seconds=60)


def test_one_scheduler_run_queues_at_most_its_batch_and_the_rest_go_next(db, monkeypatch):
    for name in ("a", "b", "c"):
        add_source(db, name, kind="rss", url=f"https://hnd.example/{name}")
    monkeypatch.setattr(polling, "POLL_BATCH", 2)

    runs = [ingest_tasks.poll_sources() for _ in range(3)]

    assert runs == [2, 1, 0]


def test_a_poll_that_crashes_is_written_on_the_source(db, monkeypatch):
    source = add_source(db, "feed", kind="rss", url="https://hnd.example/rss")

    def broken(source_id: int) -> Any:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(polling, "poll_feed", broken)

    outcome = ingest_tasks.poll_source(source.id)

    assert outcome == "failed: parser exploded"
    db.refresh(source)
    assert (source.failures_in_row, source.last_error) == (1, "poll failed: parser exploded")


def test_polling_a_disabled_or_push_source_does_nothing(db):
    off = add_source(db, "off", kind="rss", url="https://hnd.example/rss", enabled=False)
    push = add_source(db, "push")

    assert ingest_tasks.poll_source(off.id) == "off: disabled"
    assert "nothing to poll" in ingest_tasks.poll_source(push.id)


@pytest.mark.e2e
def test_the_ingest_worker_polls_a_due_feed(db_env, db, tmp_path: Path):
    with FeedServer() as server:
        url = server.serve("/rss", (FIXTURES / "feeds" / "hnd-rss.xml").read_bytes())
        add_source(db, "hnd", kind="rss", url=url)
        env = {"DATABASE_URL": db_env, "SYNDIKAT_VAR_DIR": str(tmp_path / "var")}
        with Pipeline(env, tmp_path / "logs", workers=("ingest",)):
            ingest_tasks.poll_sources.apply()  # what the scheduler does every few seconds

            stories = wait_until(lambda: len(db.scalars(select(Story)).all()) == 3 or None)

    assert stories
    assert db.scalars(select(Source.last_success_at)).one() is not None
