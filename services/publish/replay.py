"""Replaying deliveries by hand: one, or every failed one of a partner since a time.

A replay sends the same delivery again — same body, same `webhook-id` — with a fresh retry
schedule, so a partner that deduplicates by `webhook-id` never stores a story twice. A delivery
that a later version (or kill) of the story has replaced is not replayed: it would put the older
version back on the partner's site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.publish import methods
from shared import events, outbox, tasks
from shared.models import Delivery, DeliveryState, Partner


class ReplayRefused(Exception):
    """This delivery cannot be replayed; the message says why."""


@dataclass
class ReplayReport:
    replayed: list[int] = field(default_factory=list)
    #: (delivery id, why it was not replayed)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def replay(db: Session, delivery: Delivery, now: datetime) -> None:
    _check_replayable(db, delivery, now)
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0  # a fresh retry schedule; the attempt log keeps the history
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    events.record(db, delivery.story_id, "replayed", f"{delivery.event} to {delivery.partner.name}")
    outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery.id)


def replay_failed(db: Session, partner: Partner, since: datetime, now: datetime) -> ReplayReport:
    """Replay the partner's dead and failing deliveries created since `since`."""
    failed = (Delivery.state == DeliveryState.DEAD) | (
        (Delivery.state == DeliveryState.PENDING) & (Delivery.attempts > 0)
    )
    query = (
        select(Delivery)
        .where(Delivery.partner_id == partner.id, Delivery.created_at >= since, failed)
        .order_by(Delivery.id)
    )
    report = ReplayReport()
    for delivery in db.scalars(query):
        try:
            replay(db, delivery, now)
        except ReplayRefused as exc:
            report.skipped.append((delivery.id, str(exc)))
        else:
            report.replayed.append(delivery.id)
    return report


def _check_replayable(db: Session, delivery: Delivery, now: datetime) -> None:
    if methods.is_pull(delivery.partner.method):
        raise ReplayRefused("a feed partner pulls its stories: there is nothing to send")
    if delivery.state == DeliveryState.SENDING and (
        delivery.claimed_until is None or delivery.claimed_until > now
    ):
        raise ReplayRefused("the delivery is being sent right now")
    if delivery.state == DeliveryState.CANCELED:
        raise ReplayRefused(f"the delivery was canceled: {delivery.last_error}")
    later = db.scalar(
        select(Delivery)
        .where(
            Delivery.partner_id == delivery.partner_id,
            Delivery.story_id == delivery.story_id,
            Delivery.id > delivery.id,
            Delivery.state != DeliveryState.CANCELED,
        )
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    if later is not None:
        raise ReplayRefused(
            f"a later delivery of the story replaced it: delivery {later.id} "
            f"({later.event}, {later.state})"
        )
