"""Attempting one delivery: claim it, send it, record the attempt, schedule the next one.

The claim (state `sending` until `claimed_until`) is committed before the request goes out, so
two workers never send the same delivery at once; a worker that dies mid-send leaves a claim
that expires, and the sweep picks the delivery up again with the same webhook-id.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.publish import methods, payload, retry
from shared import db as database
from shared import events
from shared.config import get_settings
from shared.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Story,
    StoryVersion,
    Translation,
    utcnow,
)

log = logging.getLogger(__name__)


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    now = now or utcnow()
    if not _claim(delivery_id, now):
        return "not due"
    with database.session() as db:
        delivery = db.get_one(Delivery, delivery_id)
        method = methods.method_for(delivery.partner.method)
        outgoing = _outgoing(db, delivery)
    outcome = method.send(outgoing)
    with database.session() as db:
        return _record(db, delivery_id, outcome, started=now)


def _claim(delivery_id: int, now: datetime) -> bool:
    lease = timedelta(seconds=get_settings().delivery_timeout_seconds * 2 + 30)
    with database.session() as db:
        claimed = db.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                or_(
                    Delivery.state == DeliveryState.PENDING,
                    (Delivery.state == DeliveryState.SENDING) & (Delivery.claimed_until < now),
                ),
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            )
            .values(state=DeliveryState.SENDING, claimed_until=now + lease)
        )
        return claimed.rowcount == 1


def _outgoing(db: Session, delivery: Delivery) -> methods.Outgoing:
    partner = delivery.partner
    story = db.get_one(Story, delivery.story_id)
    if delivery.event == "story.killed":
        version = db.get_one(StoryVersion, delivery.story_version_id)
        data = {"uri": story.uri, "version": version.version, "pubstatus": "canceled"}
    else:
        translation = db.scalars(
            select(Translation).where(Translation.story_version_id == delivery.story_version_id)
        ).one()
        data = payload.partner_story(translation.ninjs, story.source, partner)
    return methods.Outgoing(
        event=delivery.event,
        webhook_id=delivery.webhook_id,
        occurred_at=delivery.created_at,
        endpoint=partner.endpoint or "",
        secret=partner.secret,
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


def _record(db: Session, delivery_id: int, response: methods.Outcome, started: datetime) -> str:
    delivery = db.get_one(Delivery, delivery_id)
    finished = utcnow()
    delivery.attempts += 1
    delivery.last_status_code = response.status_code
    delivery.last_error = response.error
    delivery.claimed_until = None
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            started_at=started,
            duration_ms=int((finished - started).total_seconds() * 1000),
            status_code=response.status_code,
            error=response.error,
            succeeded=response.ok,
        )
    )
    partner = delivery.partner.name
    if response.ok:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = finished
        delivery.remote_id = response.remote_id or delivery.remote_id
        delivery.next_attempt_at = None
        events.record(db, delivery.story_id, "delivered", f"{delivery.event} to {partner}")
        return "delivered"
    due = retry.next_attempt_at(delivery.attempts, finished)
    if due is None:
        delivery.state = DeliveryState.DEAD
        events.record(db, delivery.story_id, "dead_letter", f"{partner}: {response.error}")
        return "dead"
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = due
    events.record(
        db,
        delivery.story_id,
        "delivery_failed",
        f"{partner}: {response.error}; retry at {due.isoformat(timespec='seconds')}",
    )
    return "retrying"


#: A new delivery is sent by the task fan-out queued for it; the sweep steps in only if that
#: task was lost.
FIRST_SEND_GRACE = timedelta(seconds=30)


def due_deliveries(db: Session, now: datetime, limit: int = 200) -> list[int]:
    retry_due = (Delivery.state == DeliveryState.PENDING) & (Delivery.next_attempt_at <= now)
    not_just_queued = (Delivery.attempts > 0) | (Delivery.created_at < now - FIRST_SEND_GRACE)
    lease_expired = (Delivery.state == DeliveryState.SENDING) & (Delivery.claimed_until < now)
    query = (
        select(Delivery.id)
        .where(or_(retry_due & not_just_queued, lease_expired))
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    )
    return list(db.scalars(query))
