"""The publish worker's tasks. They take ids, never ORM objects, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from services.publish import delivery, fanout
from shared import db as database
from shared import outbox, tasks
from shared.models import utcnow

_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 10}


@shared_task(name=tasks.FAN_OUT, **_RETRY)
def fan_out(story_version_id: int) -> int:
    with database.session() as db:
        return fanout.fan_out(db, story_version_id)


@shared_task(name=tasks.DELIVER, **_RETRY)
def deliver(delivery_id: int) -> str:
    return delivery.attempt(delivery_id)


@shared_task(name=tasks.SWEEP_DELIVERIES)
def sweep_deliveries() -> int:
    """Queue every delivery whose retry time has come (the schedule lives in the database)."""
    with database.session() as db:
        due = delivery.due_deliveries(db, utcnow())
        for delivery_id in due:
            outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery_id)
    return len(due)
