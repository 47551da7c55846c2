"""Flower tells the truth: a failed delivery attempt ends its task as FAILURE, a delivered one
as SUCCESS, and Celery never runs the failed task again (the retry schedule is the database's).
"""

from __future__ import annotations

from sqlalchemy import select

from services.publish import tasks as publish_tasks
from shared.celery_app import celery_app
from shared.models import Delivery, DeliveryState
from tests.support.factories import add_partner
from tests.support.publishing import fan_out, translated_version
from tests.support.receiver import Answer


def _planned_delivery(db, partner_site) -> int:  # type: ignore[no-untyped-def]
    add_partner(db, "24hw", endpoint=partner_site.url)
    fan_out(db, translated_version(db))
    return db.scalars(select(Delivery.id)).one()


def test_a_failed_attempt_ends_the_task_as_failure_and_is_sent_once(db, wire, partner_site):
    delivery_id = _planned_delivery(db, partner_site)
    partner_site.script.append(Answer(status=500, body=b"oops"))

    result = publish_tasks.deliver.apply(args=[delivery_id])

    assert result.state == "FAILURE"
    assert isinstance(result.result, publish_tasks.DeliveryAttemptFailed)
    assert "to 24hw: retrying after attempt 1" in str(result.result)
    assert len(partner_site.requests) == 1  # Celery did not retry it
    failed = db.get_one(Delivery, delivery_id)
    assert failed.state == DeliveryState.PENDING and failed.next_attempt_at is not None


def test_a_delivered_attempt_ends_the_task_as_success(db, wire, partner_site):
    delivery_id = _planned_delivery(db, partner_site)

    result = publish_tasks.deliver.apply(args=[delivery_id])

    assert (result.state, result.result) == ("SUCCESS", "delivered")
    assert len(partner_site.requests) == 1


def test_a_failed_task_is_acknowledged_not_redelivered_nor_retried_by_celery():
    # Late acks hand a message back only when the worker process dies; a task that raised is
    # acknowledged, and the failure is not one Celery retries by itself.
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_acks_on_failure_or_timeout is True
    for task in (publish_tasks.deliver, publish_tasks.fan_out):
        assert not issubclass(publish_tasks.DeliveryAttemptFailed, tuple(task.autoretry_for))
        assert publish_tasks.DeliveryAttemptFailed in task.throws
