"""The one way to enqueue: a task goes out only after its transaction commits, and a task the
broker could not take at that moment (Redis down) goes out later through the relay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import select

from shared import celery_app as celery_module
from shared import db as database
from shared import outbox, tasks
from shared.celery_app import make_celery
from shared.config import get_settings
from shared.models import OutboxMessage
from tests.support.ports import free_port
from tests.support.settings import changed_settings


def queued_in_redis(queue: str) -> int:
    settings = get_settings()
    return redis.Redis.from_url(settings.redis_url).llen(settings.redis_key_prefix + queue)


@pytest.fixture
def empty_translate_queue(db_env: str) -> None:
    settings = get_settings()
    redis.Redis.from_url(settings.redis_url).delete(settings.redis_key_prefix + "translate")


def messages(db: Any) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_task_goes_to_the_broker_after_commit_and_is_marked_sent(db, empty_translate_queue):
    with database.session() as session:
        outbox.enqueue(session, tasks.TRANSLATE_VERSION, story_version_id=7)
        assert queued_in_redis("translate") == 0  # not before the commit

    assert queued_in_redis("translate") == 1
    [message] = messages(db)
    assert message.sent_at is not None
    assert message.kwargs == {"story_version_id": 7}


def test_a_rolled_back_transaction_leaves_no_task_behind(db, empty_translate_queue):
    with pytest.raises(RuntimeError), database.session() as session:
        outbox.enqueue(session, tasks.TRANSLATE_VERSION, story_version_id=7)
        raise RuntimeError("the request failed after enqueueing")

    assert queued_in_redis("translate") == 0
    assert messages(db) == []


def test_a_savepoint_rolled_back_takes_its_task_with_it(db, empty_translate_queue):
    with database.session() as session:
        outbox.enqueue(session, tasks.TRANSLATE_VERSION, story_version_id=1)
        with pytest.raises(RuntimeError), session.begin_nested():
            outbox.enqueue(session, tasks.TRANSLATE_VERSION, story_version_id=2)
            raise RuntimeError("this part is undone")

    assert [m.kwargs for m in messages(db)] == [{"story_version_id": 1}]
    assert queued_in_redis("translate") == 1


def test_when_redis_is_down_at_commit_the_relay_sends_the_task_later(
    db, empty_translate_queue, monkeypatch
):
    monkeypatch.setattr(outbox, "_broker", outbox._BrokerWatch())
    with changed_settings() as change:
        change(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
        dead_broker = make_celery()
    monkeypatch.setattr(celery_module, "celery_app", dead_broker)
    publishes = []
    monkeypatch.setattr(dead_broker, "send_task", _counting(dead_broker.send_task, publishes))
    for version_id in (7, 8):
        with database.session() as session:
            outbox.enqueue(session, tasks.TRANSLATE_VERSION, story_version_id=version_id)

    assert [m.sent_at for m in messages(db)] == [None, None]  # stored, committed, not queued
    assert queued_in_redis("translate") == 0
    assert len(publishes) == 1  # after one failure, commits stop waiting on the dead broker

    monkeypatch.undo()  # Redis is back
    with database.session() as session:
        assert outbox.relay_unsent(session, grace=timedelta(0)) == 2

    assert queued_in_redis("translate") == 2
    assert all(m.sent_at is not None and m.attempts == 1 for m in messages(db))


def _counting(send_task: Any, calls: list) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return send_task(*args, **kwargs)

    return counted
