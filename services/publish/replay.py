"""Replaying deliveries by hand: one, or every failed one (of a partner, since a time).

The one implementation behind `syndikat deliveries replay`, the JSON API and the dashboard.

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
from shared.events import Stage
from shared.models import Delivery, DeliveryState, Partner


class ReplayRefused(Exception):
    """This delivery cannot be replayed; the message says why."""


@dataclass
class ReplayReport:
    replayed: list[int] = field(default_factory=list)
    #: (delivery id, why it was not replayed)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def replay(db: Session, delivery: Delivery, now: datetime, requested_by: str | None = None) -> None:
    """Send `delivery` again; a partner that is disabled gets it once it is enabled again."""
    _check_replayable(db, delivery, now)
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0  # a fresh retry schedule; the attempt log keeps the history
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    by = f" by {requested_by}" if requested_by else ""
    events.record(
        db,
        delivery.story_id,
        Stage.REPLAYED,
        f"{delivery.event} to {delivery.partner.name}{by}",
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
    )
    outbox.enqueue(db, tasks.DELIVER, delivery_id=delivery.id)


def replay_failed(
    db: Session,
    partner: Partner | None,
    since: datetime | None,
    now: datetime,
    requested_by: str | None = None,
) -> ReplayReport:
    """Replay the dead and failing deliveries of `partner` (None: of every partner) created
    since `since` (None: ever)."""
    failed = (Delivery.state == DeliveryState.DEAD) | (
        (Delivery.state == DeliveryState.PENDING) & (Delivery.attempts > 0)
    )
    query = select(Delivery).where(failed).order_by(Delivery.id)
    if partner is not None:
        query = query.where(Delivery.partner_id == partner.id)
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    report = ReplayReport()
    for delivery in db.scalars(query):
        try:
            replay(db, delivery, now, requested_by)
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
    if delivery.held_until is not None and delivery.held_until > now:
        raise ReplayRefused(
            f"the delivery is held until the embargo, {delivery.held_until.isoformat()}"
        )
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
