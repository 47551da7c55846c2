"""Flower tells the truth: a failed delivery attempt ends its task as FAILURE, a delivered one
as SUCCESS, and Celery never runs the failed task again (the retry schedule is the database's).
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from services.publish import tasks as publish_tasks
from shared.celery_app import celery_app
from shared.models import Delivery, DeliveryState
from tests.support.factories import add_partner
from tests.support.pipeline import Pipeline, wait_until
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


def test_a_real_worker_reports_the_failed_attempt_as_a_failed_task_and_sends_it_once(
    db, db_env, wire, partner_site, tmp_path
):
    celery_app.control.purge()  # tasks earlier tests queued and no worker ran
    # Translating queued the version's fan-out, which sends the delivery: the worker runs it.
    delivery_id = _planned_delivery(db, partner_site)
    partner_site.default = Answer(status=503, body=b"down")
    env = {"DATABASE_URL": db_env, "SYNDIKAT_VAR_DIR": str(tmp_path / "var")}
    seen: list[dict] = []
    listening = threading.Event()
    threading.Thread(target=_collect_events, args=(seen, listening), daemon=True).start()
    assert listening.wait(10)
    with Pipeline(env, tmp_path / "logs", workers=("publish",), api=False):
        failed = wait_until(lambda: [e for e in seen if e["type"] == "task-failed"], timeout=60)
        time.sleep(3)  # time enough for a redelivery or a Celery retry, were there one
    assert "DeliveryAttemptFailed" in failed[0]["exception"]
    assert "to 24hw: retrying after attempt 1 (HTTP 503: down)" in failed[0]["exception"]
    assert not [e for e in seen if e["type"] in ("task-retried", "task-succeeded")]
    assert len(partner_site.requests) == 1
    db.expire_all()
    assert db.get_one(Delivery, delivery_id).attempts == 1


def _collect_events(seen: list[dict], listening: threading.Event) -> None:
    with celery_app.connection() as connection:
        receiver = celery_app.events.Receiver(connection, handlers={"*": seen.append})
        listening.set()
        receiver.capture(limit=None, timeout=90, wakeup=True)
