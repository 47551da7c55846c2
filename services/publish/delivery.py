"""Attempting one delivery: claim it, send it, record the attempt, schedule the next one.

The claim (state `sending` until `claimed_until`) is committed before the request goes out, so
two workers never send the same delivery at once; a worker that dies mid-send leaves a claim
that expires, and the sweep picks the delivery up again with the same webhook-id.

A delivery is sendable only when it is due, its partner is enabled, and no earlier delivery of
the same story to the same partner is still on its way: an update or a kill never overtakes the
version it replaces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from services.publish import methods, partners, payload, retry
from shared import db as database
from shared import events, outbox, tasks
from shared.config import get_settings
from shared.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Partner,
    Story,
    StoryVersion,
    Translation,
    utcnow,
)

log = logging.getLogger(__name__)

#: A new delivery is sent by the fan-out that made it; the sweep steps in only if that did not
#: happen (the worker died in between).
FIRST_SEND_GRACE = timedelta(seconds=30)
GONE = 410


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """Send the delivery if it is sendable now; returns what happened."""
    now = now or utcnow()
    if not _claim(delivery_id, now):
        return "not due"
    started = time.monotonic()
    try:
        with database.session() as db:
            delivery = db.get_one(Delivery, delivery_id)
            method = methods.method_for(delivery.partner.method)
            outgoing = _outgoing(db, delivery, now)
        outcome = method.send(outgoing)
    except Exception as exc:  # a method's bug must not leave the delivery claimed
        log.exception("delivery %s failed unexpectedly", delivery_id)
        outcome = methods.Outcome(None, f"{type(exc).__name__}: {exc}")
    finished = now + timedelta(seconds=time.monotonic() - started)
    with database.session() as db:
        return _record(db, delivery_id, outcome, started=now, finished=finished)


def attempt_all(delivery_ids: Iterable[int]) -> dict[int, str]:
    """Send several deliveries at the same time (one story to many partners)."""
    ids = list(delivery_ids)
    if len(ids) <= 1:
        return {delivery_id: attempt(delivery_id) for delivery_id in ids}
    workers = max(1, min(len(ids), get_settings().delivery_concurrency))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver") as pool:
        return dict(zip(ids, pool.map(attempt, ids), strict=True))


def sendable(now: datetime) -> Any:
    """The SQL condition for a delivery that may be sent at `now`."""
    earlier = aliased(Delivery)
    still_on_its_way = exists().where(
        earlier.partner_id == Delivery.partner_id,
        earlier.story_id == Delivery.story_id,
        earlier.id < Delivery.id,
        earlier.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)),
    )
    enabled = select(Partner.id).where(Partner.enabled.is_(True)).scalar_subquery()
    waiting = (Delivery.state == DeliveryState.PENDING) & or_(
        Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now
    )
    abandoned = (Delivery.state == DeliveryState.SENDING) & (Delivery.claimed_until < now)
    return or_(waiting, abandoned) & Delivery.partner_id.in_(enabled) & ~still_on_its_way


def _claim(delivery_id: int, now: datetime) -> bool:
    lease = timedelta(seconds=get_settings().delivery_timeout_seconds * 2 + 30)
    with database.session() as db:
        claimed = db.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, sendable(now))
            .values(state=DeliveryState.SENDING, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return claimed.rowcount == 1


def _outgoing(db: Session, delivery: Delivery, now: datetime) -> methods.Outgoing:
    partner = delivery.partner
    story = db.get_one(Story, delivery.story_id)
    if delivery.event == "story.killed":
        version = db.get_one(StoryVersion, delivery.story_version_id)
        data = payload.killed_story(story.uri, version.version, story.source, partner)
    else:
        translation = db.scalars(
            select(Translation).where(Translation.story_version_id == delivery.story_version_id)
        ).one()
        data = payload.partner_story(translation.ninjs, story.source, partner)
    secrets = partner.signing_secrets(now)
    return methods.Outgoing(
        event=delivery.event,
        webhook_id=delivery.webhook_id,
        occurred_at=delivery.created_at,
        endpoint=partner.endpoint or "",
        secret=secrets[0] if secrets else None,
        previous_secret=secrets[1] if len(secrets) > 1 else None,
        credentials=partner.credentials_dict(),
        story=data,
        remote_id=_remote_id(db, delivery),
    )


def _remote_id(db: Session, delivery: Delivery) -> str | None:
    """The partner's id for this story from the latest earlier delivery that got one."""
    return db.scalar(
        select(Delivery.remote_id)
        .where(
            Delivery.partner_id == delivery.partner_id,
            Delivery.story_id == delivery.story_id,
            Delivery.remote_id.is_not(None),
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )


def _record(
    db: Session,
    delivery_id: int,
    outcome: methods.Outcome,
    started: datetime,
    finished: datetime,
) -> str:
    delivery = db.get_one(Delivery, delivery_id)
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.claimed_until = None
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            started_at=started,
            duration_ms=int((finished - started).total_seconds() * 1000),
            status_code=outcome.status_code,
            error=outcome.error,
            succeeded=outcome.ok,
        )
    )
    if outcome.ok:
        result = _delivered(db, delivery, outcome, finished)
    elif outcome.status_code == GONE:
        result = _gone(db, delivery, finished)
    else:
        result = _failed(db, delivery, outcome, finished)
    if delivery.state in (DeliveryState.DELIVERED, DeliveryState.DEAD):
        _send_next_in_line(db, delivery)
    return result


def _delivered(db: Session, delivery: Delivery, outcome: methods.Outcome, now: datetime) -> str:
    delivery.state = DeliveryState.DELIVERED
    delivery.delivered_at = now
    delivery.remote_id = outcome.remote_id or delivery.remote_id
    delivery.next_attempt_at = None
    if delivery.partner.failing_since is not None:
        delivery.partner.failing_since = None
    events.record(
        db, delivery.story_id, "delivered", f"{delivery.event} to {delivery.partner.name}"
    )
    return "delivered"


def _gone(db: Session, delivery: Delivery, now: datetime) -> str:
    """410: the endpoint is gone for good. The delivery waits for the partner to be re-enabled."""
    partner = delivery.partner
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    reason = f"the endpoint answered 410 Gone at {now.isoformat(timespec='seconds')}"
    partners.disable(db, partner, reason, now)
    events.record(db, delivery.story_id, "delivery_failed", f"{partner.name}: {reason}")
    return "partner disabled"


def _failed(db: Session, delivery: Delivery, outcome: methods.Outcome, now: datetime) -> str:
    partner = delivery.partner
    partner.failing_since = partner.failing_since or now
    due = retry.next_attempt_at(delivery.attempts, now, retry_after=outcome.retry_after)
    if due is None:
        delivery.state = DeliveryState.DEAD
        delivery.next_attempt_at = None
        events.record(db, delivery.story_id, "dead_letter", f"{partner.name}: {outcome.error}")
        result = "dead"
    else:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = due
        events.record(
            db,
            delivery.story_id,
            "delivery_failed",
            f"{partner.name}: {outcome.error}; retry at {due.isoformat(timespec='seconds')}",
        )
        result = "retrying"
    partners.disable_if_failing_too_long(db, partner, now)
    return result


def _send_next_in_line(db: Session, delivery: Delivery) -> None:
    """The next delivery of this story to this partner was waiting for this one: queue it."""
    waiting = db.scalar(
        select(Delivery.id)
        .where(
            Delivery.partner_id == delivery.partner_id,
            Delivery.story_id == delivery.story_id,
            Delivery.id > delivery.id,
            Delivery.state == DeliveryState.PENDING,
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    if waiting is not None:
        outbox.enqueue(db, tasks.DELIVER, delivery_id=waiting)


def due_deliveries(db: Session, now: datetime, limit: int = 200) -> list[int]:
    """Deliveries the sweep should send now (retries, abandoned claims, lost first sends)."""
    not_just_created = (Delivery.attempts > 0) | (Delivery.created_at < now - FIRST_SEND_GRACE)
    query = (
        select(Delivery.id)
        .where(sendable(now), not_just_created)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list(db.scalars(query))
