"""The publish worker's tasks. They take ids, never ORM objects, and are safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from services.publish import delivery, embargo, fanout, partners, probe, reconcile
from shared import db as database
from shared import tasks
from shared.config import get_settings
from shared.models import Delivery, DeliveryState, utcnow

#: A database hiccup is retried a few times, with short countdowns (see shared.celery_app on
#: why no countdown may be long); failed deliveries are retried by the sweep, not by Celery.
_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 30,
    "max_retries": 10,
}


class DeliveryAttemptFailed(Exception):
    """A delivery attempt failed; it is recorded and its retry (if any) is scheduled already.

    Raised so that Flower and `celery events` show the task as failed, as an operator used to
    Flower expects. It is not in `autoretry_for`, and Celery acknowledges a message whose task
    raised (`task_acks_on_failure_or_timeout`, see shared.celery_app): Celery neither retries
    nor redelivers it. The next attempt stays where it was, in deliveries.next_attempt_at,
    for the sweep. Listed in the tasks' `throws`, so the worker logs it in one line at INFO
    instead of a traceback at ERROR.
    """


#: Results of an attempt that Flower should show as a failed task.
FAILED_ATTEMPTS = frozenset(
    {delivery.Attempted.RETRYING, delivery.Attempted.DEAD, delivery.Attempted.PARTNER_DISABLED}
)


@shared_task(name=tasks.FAN_OUT, throws=(DeliveryAttemptFailed,), **_RETRY)
def fan_out(story_version_id: int) -> int:
    """Plan the version's deliveries, then send them all at the same time.

    They are claimed in the transaction that plans them: a delivery is committed already
    claimed, so it never waits for a second transaction before it can go out. As before, the
    claim commits before any request is sent.
    """
    with database.session() as db:
        created = fanout.fan_out(db, story_version_id)
        # A copy of this task that ran before (and died mid-send) planned them already: send
        # what is still unsent either way.
        unsent = db.scalars(
            select(Delivery.id)
            .where(
                Delivery.story_version_id == story_version_id,
                Delivery.state == DeliveryState.PENDING,
                Delivery.attempts == 0,
            )
            .order_by(Delivery.id)
        ).all()
        now = utcnow()  # after planning: a new delivery is due from its creation on
        claimed = delivery.claim(db, list(unsent), now)
    results = delivery.send_claimed(claimed, now)
    failed = sorted(d for d, result in results.items() if result in FAILED_ATTEMPTS)
    if failed:
        raise DeliveryAttemptFailed("; ".join(_failure_text(d, results[d]) for d in failed))
    return created or len(results)


@shared_task(name=tasks.DELIVER, throws=(DeliveryAttemptFailed,), **_RETRY)
def deliver(delivery_id: int) -> str:
    result = delivery.attempt(delivery_id)
    if result in FAILED_ATTEMPTS:
        raise DeliveryAttemptFailed(_failure_text(delivery_id, result))
    return result


def _failure_text(delivery_id: int, result: delivery.Attempted) -> str:
    with database.read_session() as db:
        failed = db.get(Delivery, delivery_id)
        if failed is None:
            return f"delivery {delivery_id}: {result}"
        return (
            f"delivery {delivery_id} to {failed.partner.name}: {result} "
            f"after attempt {failed.attempts} ({failed.last_error or 'no answer'})"
        )


@shared_task(name=tasks.SWEEP_DELIVERIES)
def sweep_deliveries() -> int:
    """Queue every delivery whose retry time or embargo has come (the schedule lives in the
    database, so a restart loses none of it).

    At most `delivery.SWEEP_BATCH` a run, and none the sweep queued within its lease.
    """
    now = utcnow()
    with database.session() as db:
        partners.disable_failing(db, now)
        embargo.release_due(db, now)
        return len(delivery.queue_due(db, now))


@shared_task(name=tasks.REQUEUE_STALLED_PUBLICATIONS)
def requeue_stalled() -> int:
    """Queue again the fan-outs that were lost (see `reconcile`)."""
    stall = timedelta(seconds=get_settings().stall_seconds)
    with database.session() as db:
        return reconcile.requeue_stalled(db, utcnow(), stall)


@shared_task(name=tasks.PROBE_PARTNER)
def probe_partner(partner_id: int) -> bool:
    """The dashboard's "Send test": send it and keep the answer. Not retried (a test is sent
    once, when asked for). True when the partner accepted it."""
    outcome = probe.run_test(partner_id)
    return outcome is not None and outcome.ok
